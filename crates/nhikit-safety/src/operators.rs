//! Operators and two-person work: names that cannot impersonate each other, a register of
//! operators and their Ed25519 public keys (`operators.toml`), and the proof that two
//! different registered operators approved one action on one dataset — each signs a challenge
//! (action, dataset id, location, a fresh nonce), and the signatures go into the audit entry so
//! anyone can check them again later.
//!
//! Names are compared after NFKC normalization and lower-casing (`Alice` is `alice`, a
//! full-width `ａｌｉｃｅ` too) and refused when they could deceive: an invisible or control
//! character (a zero-width space, a soft hyphen), a mix of scripts (`аlice` with a Cyrillic
//! `а`), or a name that looks like another (the same UTS #39 confusable skeleton).
//!
//! Ed25519 (`ed25519-dalek`) rather than SSH keys: a key is 32 bytes, its file and register
//! line are plain text, the crate is small and shares curve25519-dalek with age, and the
//! challenge is our own (no SSH signature namespace or agent protocol to get right).

use crate::audit::hex;
use crate::error::{Error, Result, io};
use crate::keys::{check_private, private_file, random_bytes, unhex};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use std::io::Write;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, MixedScript};

/// The prefix of a public key in `operators.toml` and in audit entries.
pub const PUBLIC_KEY_PREFIX: &str = "ed25519:";
const SECRET_KEY_PREFIX: &str = "NHIKIT-OPERATOR-KEY-ED25519:";

/// The canonical form of an operator's name — NFKC, lower case — or why it is refused: empty,
/// an invisible, control or other character not allowed in identifiers (UTS #39 General
/// Security Profile; a single space, `-`, `.`, `_`, `'` and `@` are allowed too), or
/// letters of more than one script (`аlice` with a Cyrillic `а`; Japanese names mixing kanji
/// and kana are one script).
pub fn normalize_name(name: &str) -> Result<String> {
    let folded: String = name
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .nfkc()
        .collect();
    let shown = name.escape_debug().to_string();
    if folded.trim().is_empty() {
        return Err(Error::Refused("an operator name is empty".into()));
    }
    if folded.trim() != folded || folded.contains("  ") {
        return Err(Error::Refused(format!(
            "operator name \"{shown}\": leading, trailing or double spaces are refused"
        )));
    }
    if let Some(c) = folded
        .chars()
        .find(|&c| !(c.identifier_allowed() || matches!(c, ' ' | '-' | '.' | '_' | '\'' | '@')))
    {
        return Err(Error::Refused(format!(
            "operator name \"{shown}\": character U+{:04X} is invisible, a control or not allowed in a name (it could make two names look alike)",
            u32::from(c)
        )));
    }
    if !folded.as_str().is_single_script() {
        return Err(Error::Refused(format!(
            "operator name \"{shown}\" mixes scripts (e.g. a Cyrillic or Greek letter among Latin ones): refused as confusable"
        )));
    }
    Ok(folded)
}

/// The UTS #39 confusable skeleton of a normalized name: two names with the same skeleton look
/// alike (`alice` and an all-Cyrillic `аlісе`).
fn skeleton(normalized: &str) -> String {
    unicode_security::skeleton(normalized).collect()
}

/// Checks that `first` and `second` name two different people: refused when their normalized
/// forms are equal (`alice`, `Alice`) or look alike. Returns both normalized.
pub fn distinct_names(action: &str, first: &str, second: &str) -> Result<(String, String)> {
    let a = normalize_name(first)?;
    let b = normalize_name(second)?;
    if a == b || skeleton(&a) == skeleton(&b) {
        return Err(Error::Refused(format!(
            "two-person {action}: the confirming operator \"{}\" is the same name as \"{}\" (after normalization and confusable folding): another person must confirm",
            second.escape_debug(),
            first.escape_debug()
        )));
    }
    Ok((a, b))
}

/// One registered operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The normalized name.
    pub name: String,
    /// The public key.
    pub key: VerifyingKey,
}

/// The register of operators, `operators.toml`:
///
/// ```toml
/// [[operator]]
/// name = "alice"
/// key = "ed25519:3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operators {
    /// Where it was read from.
    pub path: PathBuf,
    /// Every operator, in file order.
    pub operators: Vec<Operator>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct OperatorsFile {
    #[serde(default)]
    operator: Vec<OperatorLine>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct OperatorLine {
    name: String,
    key: String,
}

/// The default register: `operators.toml` in [`crate::config_dir`].
pub fn default_operators_path() -> Option<PathBuf> {
    crate::keys::config_dir().map(|d| d.join("operators.toml"))
}

/// Parses `ed25519:<64 hex>`.
pub fn parse_public_key(s: &str) -> Option<VerifyingKey> {
    let bytes = unhex::<32>(s.trim().strip_prefix(PUBLIC_KEY_PREFIX)?)?;
    VerifyingKey::from_bytes(&bytes).ok()
}

/// `ed25519:<64 hex>`.
pub fn format_public_key(key: &VerifyingKey) -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", hex(key.as_bytes()))
}

impl Operators {
    /// Reads the register at `path`; a missing file is an empty register. Refuses a register
    /// with a bad key, a refused name, or two names or keys that clash.
    pub fn load(path: &Path) -> Result<Operators> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Operators {
                    path: path.to_path_buf(),
                    operators: Vec::new(),
                });
            }
            Err(e) => return Err(io(path)(e)),
        };
        let file: OperatorsFile = toml::from_str(&text).map_err(|e| Error::Key {
            path: path.to_path_buf(),
            line: 0,
            reason: format!("not an operators register: {e}"),
        })?;
        let mut out = Operators {
            path: path.to_path_buf(),
            operators: Vec::new(),
        };
        for line in file.operator {
            let key = parse_public_key(&line.key).ok_or_else(|| Error::Key {
                path: path.to_path_buf(),
                line: 0,
                reason: format!(
                    "operator {:?}: key is not `{PUBLIC_KEY_PREFIX}<64 hex digits>` of a valid Ed25519 public key",
                    line.name
                ),
            })?;
            out.add(&line.name, key)
                .map_err(|e| Error::Refused(format!("{}: {e}", path.display())))?;
        }
        Ok(out)
    }

    /// Adds an operator, refusing a name refused by [`normalize_name`], a name equal to or
    /// confusable with a registered one, and a key already registered.
    pub fn add(&mut self, name: &str, key: VerifyingKey) -> Result<&Operator> {
        let name = normalize_name(name)?;
        if let Some(o) = self
            .operators
            .iter()
            .find(|o| o.name == name || skeleton(&o.name) == skeleton(&name))
        {
            return Err(Error::Refused(format!(
                "operator \"{}\" is already registered or looks like registered operator \"{}\"",
                name.escape_debug(),
                o.name.escape_debug()
            )));
        }
        if let Some(o) = self.operators.iter().find(|o| o.key == key) {
            return Err(Error::Refused(format!(
                "this key is already registered, to operator \"{}\"",
                o.name.escape_debug()
            )));
        }
        self.operators.push(Operator { name, key });
        Ok(self.operators.last().expect("pushed just above"))
    }

    /// Writes the register back to its file (created with its directory if missing).
    pub fn save(&self) -> Result<()> {
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let file = OperatorsFile {
            operator: self
                .operators
                .iter()
                .map(|o| OperatorLine {
                    name: o.name.clone(),
                    key: format_public_key(&o.key),
                })
                .collect(),
        };
        let text = toml::to_string(&file).map_err(|e| Error::Refused(e.to_string()))?;
        let tmp = self.path.with_extension("toml.tmp");
        std::fs::write(
            &tmp,
            format!(
                "# nhikit operators: name and Ed25519 public key (nhikit operator register)\n{text}"
            ),
        )
        .map_err(io(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))
    }

    /// The registered operator `name` (compared normalized); a name that only looks like a
    /// registered one is refused as confusable, an unknown one as unregistered.
    pub fn find(&self, name: &str) -> Result<&Operator> {
        let n = normalize_name(name)?;
        if let Some(o) = self.operators.iter().find(|o| o.name == n) {
            return Ok(o);
        }
        if let Some(o) = self
            .operators
            .iter()
            .find(|o| skeleton(&o.name) == skeleton(&n))
        {
            return Err(Error::Refused(format!(
                "operator \"{}\" is not registered but looks like registered operator \"{}\": refused as confusable",
                name.escape_debug(),
                o.name.escape_debug()
            )));
        }
        Err(Error::Refused(format!(
            "operator \"{}\" is not registered in {} (register with `nhikit operator register`)",
            name.escape_debug(),
            self.path.display()
        )))
    }
}

/// An operator's secret signing key, from a file only its owner can read.
pub struct OperatorKey {
    key: SigningKey,
}

impl std::fmt::Debug for OperatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OperatorKey({})", format_public_key(&self.public()))
    }
}

impl OperatorKey {
    /// A new random key.
    pub fn generate() -> Result<OperatorKey> {
        Ok(OperatorKey {
            key: SigningKey::from_bytes(&random_bytes::<32>()?),
        })
    }

    /// Its public key.
    pub fn public(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Writes the key to the new file `path` (0600; an existing file is refused), with the
    /// public key and `name` in a comment.
    pub fn write(&self, path: &Path, name: &str) -> Result<()> {
        let mut f = private_file(path).map_err(io(path))?;
        let text = format!(
            "# nhikit operator key of {}; public key {}\n# Secret: keep it where only you can use it.\n{SECRET_KEY_PREFIX}{}\n",
            name.escape_debug(),
            format_public_key(&self.public()),
            hex(&self.key.to_bytes())
        );
        f.write_all(text.as_bytes()).map_err(io(path))?;
        f.sync_all().map_err(io(path))
    }

    /// Reads a key file written by [`OperatorKey::write`], refusing one that group or others
    /// may access. Errors never show the file's content.
    pub fn load(path: &Path) -> Result<OperatorKey> {
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let bytes = text
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(SECRET_KEY_PREFIX))
            .and_then(unhex::<32>)
            .ok_or_else(|| Error::Key {
                path: path.to_path_buf(),
                line: 0,
                reason: format!("not an nhikit operator key (a line `{SECRET_KEY_PREFIX}…`)"),
            })?;
        Ok(OperatorKey {
            key: SigningKey::from_bytes(&bytes),
        })
    }
}

/// What two operators approve: the bytes each signs.
fn challenge(action: &str, dataset: &str, location: &str, nonce: &str, operator: &str) -> Vec<u8> {
    format!(
        "nhikit-two-person-v1\naction={action}\ndataset={dataset}\nlocation={location}\nnonce={nonce}\noperator={operator}\n"
    )
    .into_bytes()
}

/// Two operators' key files, checked against the register, for a two-person action.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TwoPersonKeys {
    /// The register (`operators.toml`).
    pub operators: PathBuf,
    /// The first operator's key file.
    pub operator_key: PathBuf,
    /// The confirming operator's key file.
    pub confirm_key: PathBuf,
}

/// Proves that `first` and `second` — two different registered operators — approve `action`
/// on the dataset `dataset` at `location`: each key file must hold the registered key of its
/// operator and signs a challenge with a fresh nonce. Returns the normalized names and the
/// approval to put into the audit entry (`details.approval`).
pub(crate) fn approve(
    action: &str,
    dataset: &str,
    location: &str,
    first: &str,
    second: &str,
    keys: &TwoPersonKeys,
) -> Result<(String, String, serde_json::Value)> {
    let (a, b) = distinct_names(action, first, second)?;
    let register = Operators::load(&keys.operators)?;
    let nonce = hex(&random_bytes::<16>()?);
    let mut signatures = Vec::new();
    for (name, key_file) in [(first, &keys.operator_key), (second, &keys.confirm_key)] {
        let op = register.find(name)?;
        let key = OperatorKey::load(key_file)?;
        if key.public() != op.key {
            return Err(Error::Refused(format!(
                "{}: this key is not the key registered for operator \"{}\" in {}",
                key_file.display(),
                op.name.escape_debug(),
                keys.operators.display()
            )));
        }
        let msg = challenge(action, dataset, location, &nonce, &op.name);
        let sig = key.key.sign(&msg);
        signatures.push(serde_json::json!({
            "operator": op.name,
            "key": format_public_key(&op.key),
            "signature": hex(&sig.to_bytes()),
        }));
    }
    let approval = serde_json::json!({
        "scheme": "nhikit-two-person-v1 ed25519",
        "action": action,
        "nonce": nonce,
        "signatures": signatures,
    });
    Ok((a, b, approval))
}

/// Checks the approval of an audit entry again (its signatures over the challenge rebuilt
/// from the entry's dataset and path): `Ok` with the operators' names, or why it fails.
pub fn check_approval(
    approval: &serde_json::Value,
    dataset: &str,
    location: &str,
) -> std::result::Result<Vec<String>, String> {
    let action = approval["action"].as_str().ok_or("no action")?;
    let nonce = approval["nonce"].as_str().ok_or("no nonce")?;
    let sigs = approval["signatures"].as_array().ok_or("no signatures")?;
    let mut names: Vec<String> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    for s in sigs {
        let name = s["operator"]
            .as_str()
            .ok_or("a signature without operator")?;
        let key_text = s["key"].as_str().ok_or("a signature without key")?;
        let key = parse_public_key(key_text).ok_or("a malformed public key")?;
        let sig = s["signature"]
            .as_str()
            .and_then(unhex::<64>)
            .map(|b| ed25519_dalek::Signature::from_bytes(&b))
            .ok_or("a malformed signature")?;
        key.verify(&challenge(action, dataset, location, nonce, name), &sig)
            .map_err(|_| format!("the signature of {name:?} does not verify"))?;
        names.push(name.to_owned());
        keys.push(key_text.to_owned());
    }
    if names.len() != 2 || names[0] == names[1] || keys[0] == keys[1] {
        return Err("not two different operators with two different keys".into());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_impersonate_are_refused_or_folded() {
        assert_eq!(normalize_name("Alice").unwrap(), "alice");
        assert_eq!(normalize_name("ＡＬＩＣＥ").unwrap(), "alice");
        assert_eq!(normalize_name("山田 太郎").unwrap(), "山田 太郎");
        assert_eq!(
            normalize_name("Alice@City.example").unwrap(),
            "alice@city.example"
        );
        assert!(normalize_name("ali\u{200b}ce").is_err(), "zero-width space");
        assert!(normalize_name("ali\u{ad}ce").is_err(), "soft hyphen");
        assert!(
            normalize_name("\u{430}lice").is_err(),
            "Cyrillic а among Latin"
        );
        assert!(normalize_name("").is_err());
        assert!(normalize_name(" alice").is_err());
        assert!(distinct_names("destruction", "alice", "Alice").is_err());
        // All-Cyrillic lookalike: one script, but the same skeleton.
        assert!(distinct_names("destruction", "alice", "\u{430}l\u{456}\u{441}e").is_err());
        assert!(distinct_names("destruction", "alice", "bob").is_ok());
    }

    #[test]
    fn approvals_verify_and_a_changed_field_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = Operators {
            path: dir.path().join("operators.toml"),
            operators: Vec::new(),
        };
        let (ka, kb) = (
            OperatorKey::generate().unwrap(),
            OperatorKey::generate().unwrap(),
        );
        reg.add("alice", ka.public()).unwrap();
        reg.add("bob", kb.public()).unwrap();
        assert!(reg.add("ALICE", kb.public()).is_err());
        reg.save().unwrap();
        let reg = Operators::load(&reg.path).unwrap();
        assert_eq!(reg.operators.len(), 2);
        assert!(reg.find("\u{430}lice").is_err());
        ka.write(&dir.path().join("a.key"), "alice").unwrap();
        kb.write(&dir.path().join("b.key"), "bob").unwrap();
        let keys = TwoPersonKeys {
            operators: reg.path.clone(),
            operator_key: dir.path().join("a.key"),
            confirm_key: dir.path().join("b.key"),
        };
        let (_, _, approval) = approve("destroy", "id1", "/data/x", "Alice", "bob", &keys).unwrap();
        assert_eq!(
            check_approval(&approval, "id1", "/data/x").unwrap(),
            vec!["alice", "bob"]
        );
        assert!(check_approval(&approval, "id2", "/data/x").is_err());
        // Bob's key offered for Alice.
        let swapped = TwoPersonKeys {
            operator_key: dir.path().join("b.key"),
            ..keys.clone()
        };
        assert!(approve("destroy", "id1", "/data/x", "alice", "bob", &swapped).is_err());
    }
}
