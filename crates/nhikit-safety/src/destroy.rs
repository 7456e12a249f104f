//! Destruction of a dataset: check that the directory is an nhikit dataset (its manifest, and
//! no file the manifest does not list), overwrite and remove every file, and return the record
//! to keep in the audit log: dataset id, file hashes, method, operators.

use crate::audit::{AuditEntry, hex};
use crate::error::{Error, Result, io};
use nhikit_io::{MANIFEST_FILE, Manifest, Mismatch};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How a dataset is destroyed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DestroyMethod {
    /// Overwrite every file with zeros, `fsync`, then unlink it and remove the directory.
    /// On copy-on-write file systems and SSDs the old blocks may survive the overwrite (NIST
    /// SP 800-88 calls for cryptographic erase there); the unlinked files are gone from the
    /// file system either way.
    #[default]
    Delete,
    /// Cryptographic erase (NIST SP 800-88 Rev. 1, §2.6): for an encrypted dataset, destroy
    /// the key (identity) file — overwritten, `fsync`ed, unlinked — after checking it opens
    /// the dataset and holds the key of every recipient. The ciphertext may stay: without the
    /// key it cannot be decrypted.
    CryptoErase,
}

impl DestroyMethod {
    /// The name recorded in the audit log and accepted by `--method`.
    pub fn name(self) -> &'static str {
        match self {
            DestroyMethod::Delete => "delete",
            DestroyMethod::CryptoErase => "crypto-erase",
        }
    }
}

impl std::str::FromStr for DestroyMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<DestroyMethod> {
        match s {
            "delete" => Ok(DestroyMethod::Delete),
            "crypto-erase" => Ok(DestroyMethod::CryptoErase),
            other => Err(Error::Refused(format!(
                "destruction method {other:?}: expected `delete` or `crypto-erase`"
            ))),
        }
    }
}

/// Who destroys, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DestroyOptions {
    /// The method.
    pub method: DestroyMethod,
    /// The operator carrying it out.
    pub operator: String,
    /// Require a second, distinct operator ([`DestroyOptions::confirm_operator`]).
    pub two_person: bool,
    /// The second operator confirming.
    pub confirm_operator: Option<String>,
    /// For [`DestroyMethod::CryptoErase`]: the key (identity) file to destroy.
    pub key_file: Option<PathBuf>,
}

/// What was destroyed: the record for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destruction {
    /// The dataset id: SHA-256 of its `manifest.json`.
    pub dataset: String,
    /// The directory, as given.
    pub path: String,
    /// Every file the manifest lists: (path, SHA-256 in the manifest).
    pub files: Vec<(String, String)>,
    /// Files whose bytes no longer matched the manifest when destroyed.
    pub altered: Vec<String>,
    /// The method.
    pub method: DestroyMethod,
    /// The operator.
    pub operator: String,
    /// The confirming operator, for two-person destruction.
    pub confirmed_by: Option<String>,
    /// Bytes overwritten and removed (for crypto-erase: of the key file).
    pub bytes: u64,
    /// For crypto-erase: the key file destroyed, as given.
    pub key_file: Option<String>,
    /// For crypto-erase: the public keys (`age1…`) whose secret keys were destroyed.
    pub keys: Vec<String>,
}

impl Destruction {
    /// The audit entry recording it (event `destroy`).
    pub fn to_entry(&self) -> AuditEntry {
        let mut e = AuditEntry::new("destroy", &self.operator);
        e.dataset = Some(self.dataset.clone());
        e.path = Some(self.path.clone());
        e.details = serde_json::json!({
            "method": self.method.name(),
            "confirmed_by": self.confirmed_by,
            "bytes": self.bytes,
            "altered": self.altered,
            "key_file": self.key_file,
            "keys": self.keys,
            "files": self.files.iter().map(|(p, h)| serde_json::json!({"path": p, "sha256": h})).collect::<Vec<_>>(),
        });
        e
    }
}

/// The id of the dataset in `dir`: the SHA-256 of its `manifest.json` bytes.
pub fn dataset_id(dir: &Path) -> Result<String> {
    let path = dir.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).map_err(io(&path))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

/// Destroys the dataset in `dir` after checking it is one; returns the record to log.
///
/// Refuses, touching nothing, when `dir` has no readable nhikit manifest, when it holds files
/// the manifest does not list (they may be someone's own data), or when two-person destruction
/// lacks a second, distinct operator.
pub fn destroy(dir: &Path, options: &DestroyOptions) -> Result<Destruction> {
    let (operator, confirmed_by) = operators(
        "destruction",
        &options.operator,
        options.two_person,
        options.confirm_operator.as_deref(),
    )?;
    let operator = operator.as_str();
    if options.method == DestroyMethod::CryptoErase {
        return crypto_erase(dir, options, operator, confirmed_by);
    }
    if options.key_file.is_some() {
        return Err(Error::Refused(
            "a key file is destroyed only by --method crypto-erase; nothing was removed".into(),
        ));
    }
    let manifest = Manifest::read(dir).map_err(|e| Error::NotADataset {
        path: dir.to_path_buf(),
        reason: format!("no readable {MANIFEST_FILE} ({e}); nothing was removed"),
    })?;
    if manifest.generator.name != "nhikit-synth" {
        return Err(Error::NotADataset {
            path: dir.to_path_buf(),
            reason: format!(
                "generator {:?} is not nhikit-synth; nothing was removed",
                manifest.generator.name
            ),
        });
    }
    let dataset = dataset_id(dir)?;
    let mut altered = Vec::new();
    let mut extra = Vec::new();
    for m in manifest.verify(dir)? {
        match m {
            Mismatch::Extra { path } => extra.push(path),
            other => altered.push(other.path().to_owned()),
        }
    }
    if !extra.is_empty() {
        return Err(Error::Refused(format!(
            "{}: holds {} file(s) the manifest does not list (e.g. {}); move them out first — nothing was removed",
            dir.display(),
            extra.len(),
            extra[0]
        )));
    }
    // A sealed dataset is read-only: open it first.
    nhikit_io::unseal_dir(dir).map_err(io(dir))?;
    let mut bytes = 0;
    let encrypted_manifest = manifest
        .encryption
        .as_ref()
        .map(|e| e.manifest.path.clone());
    for rel in manifest
        .files
        .iter()
        .map(|f| &f.path)
        .chain(&encrypted_manifest)
    {
        let path = dir.join(rel);
        if path.is_file() {
            bytes += overwrite_and_remove(&path)?;
        }
    }
    bytes += overwrite_and_remove(&dir.join(MANIFEST_FILE))?;
    std::fs::remove_dir_all(dir).map_err(io(dir))?;
    Ok(Destruction {
        dataset,
        path: dir.display().to_string(),
        files: manifest
            .files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect(),
        altered,
        method: options.method,
        operator: operator.to_owned(),
        confirmed_by,
        bytes,
        key_file: None,
        keys: Vec::new(),
    })
}

/// The operator and the confirming operator of an `action` ("destruction", "decryption"),
/// checked: a name is required, and two-person work needs a second, distinct name.
pub(crate) fn operators(
    action: &str,
    operator: &str,
    two_person: bool,
    confirm: Option<&str>,
) -> Result<(String, Option<String>)> {
    let operator = operator.trim();
    if operator.is_empty() {
        return Err(Error::Refused(format!("{action} needs an operator name")));
    }
    let confirmed_by = match (confirm, two_person) {
        (Some(c), _) if c.trim().is_empty() => {
            return Err(Error::Refused(
                "the confirming operator's name is empty".into(),
            ));
        }
        (Some(c), _) if c.trim() == operator => {
            return Err(Error::Refused(format!(
                "two-person {action}: the confirming operator must be another person than {operator:?}"
            )));
        }
        (None, true) => {
            return Err(Error::Refused(format!(
                "two-person {action} needs a second operator (--confirm-operator NAME)"
            )));
        }
        (c, _) => c.map(|c| c.trim().to_owned()),
    };
    Ok((operator.to_owned(), confirmed_by))
}

/// Crypto-erase: destroys the key file of the encrypted dataset in `dir`, after checking the
/// file opens the dataset and holds the key of every recipient (otherwise the data could
/// still be decrypted and the record would lie).
fn crypto_erase(
    dir: &Path,
    options: &DestroyOptions,
    operator: &str,
    confirmed_by: Option<String>,
) -> Result<Destruction> {
    let key_file = options.key_file.as_deref().ok_or_else(|| {
        Error::Refused("crypto-erase needs the key file to destroy (--key FILE)".into())
    })?;
    let (manifest, encryption) =
        crate::crypto::encrypted_manifest(dir).map_err(|e| match e {
            Error::Refused(m) => Error::Refused(format!(
                "{m}: crypto-erase destroys the key of an encrypted dataset; use --method delete — nothing was erased"
            )),
            other => other,
        })?;
    if manifest.generator.name != "nhikit-synth" {
        return Err(Error::NotADataset {
            path: dir.to_path_buf(),
            reason: format!(
                "generator {:?} is not nhikit-synth; nothing was erased",
                manifest.generator.name
            ),
        });
    }
    let ids = crate::crypto::read_identities(key_file)?;
    crate::crypto::key_opens(dir, &encryption, &ids, key_file).map_err(|e| match e {
        Error::Refused(m) => Error::Refused(format!("{m}; nothing was erased")),
        other => other,
    })?;
    let keys = crate::crypto::public_keys(&ids);
    let others: Vec<&str> = encryption
        .recipients
        .iter()
        .filter(|r| !keys.contains(r))
        .map(String::as_str)
        .collect();
    if !others.is_empty() {
        return Err(Error::Refused(format!(
            "{}: the dataset is also encrypted to {}, whose key is not in {}: erasing this key would leave the data decryptable. Put every recipient's key in the file, or destroy the data with --method delete — nothing was erased",
            dir.display(),
            others.join(", "),
            key_file.display()
        )));
    }
    let dataset = dataset_id(dir)?;
    let altered = manifest
        .verify(dir)?
        .into_iter()
        .map(|m| m.path().to_owned())
        .collect();
    // The key file may be read-only (0400): the owner may still open it for overwriting.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(key_file, std::fs::Permissions::from_mode(0o600))
            .map_err(io(key_file))?;
    }
    let bytes = overwrite_and_remove(key_file)?;
    Ok(Destruction {
        dataset,
        path: dir.display().to_string(),
        files: manifest
            .files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .chain(std::iter::once((
                encryption.manifest.path.clone(),
                encryption.manifest.sha256.clone(),
            )))
            .collect(),
        altered,
        method: DestroyMethod::CryptoErase,
        operator: operator.to_owned(),
        confirmed_by,
        bytes,
        key_file: Some(key_file.display().to_string()),
        keys,
    })
}

fn overwrite_and_remove(path: &Path) -> Result<u64> {
    let len = std::fs::metadata(path).map_err(io(path))?.len();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io(path))?;
    let zeros = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n]).map_err(io(path))?;
        left -= n as u64;
    }
    file.sync_data().map_err(io(path))?;
    drop(file);
    std::fs::remove_file(path).map_err(io(path))?;
    // Make the unlink itself durable.
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(len)
}
