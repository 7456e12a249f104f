//! Randomness from the operating system and the audit key: a 256-bit secret that
//! authenticates every audit entry (HMAC-SHA256), kept in a file of its own, away from the
//! log, readable by its owner only.

use crate::error::{Error, Result, io};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

type HmacSha256 = hmac::Hmac<Sha256>;

/// `len` bytes from the operating system's random source (`getrandom(2)`).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| {
        Error::Refused(format!("the operating system's random source failed ({e})"))
    })?;
    Ok(out)
}

/// A fresh random dataset id (128 bits, lowercase hex), for a new dataset's manifest.
pub fn new_dataset_id() -> Result<String> {
    Ok(crate::audit::hex(&random_bytes::<16>()?))
}

/// A seed drawn from the operating system's random source: for an encrypted dataset whose
/// seed nobody chose, so that nobody can guess it.
pub fn random_seed() -> Result<u64> {
    Ok(u64::from_le_bytes(random_bytes::<8>()?))
}

/// Lowercase hex to bytes; `None` unless it is exactly `N` bytes of hex.
pub(crate) fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (digit(s[2 * i])? << 4) | digit(s[2 * i + 1])?;
    }
    Some(out)
}

/// The configuration directory: `$XDG_CONFIG_HOME/nhikit`, else `$HOME/.config/nhikit`
/// (`%APPDATA%\nhikit` on Windows). The audit key and `operators.toml` live there, apart
/// from the audit log (in the data directory) so that a copy of the log is not a copy of its
/// key.
pub fn config_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = env("XDG_CONFIG_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".config")))
        .or_else(|| env("APPDATA"))?;
    Some(base.join("nhikit"))
}

/// The default audit key: `audit.key` in [`config_dir`].
pub fn default_key_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("audit.key"))
}

const KEY_PREFIX: &str = "nhikit-audit-key-v1:";

/// The secret that authenticates audit entries and checkpoints (HMAC-SHA256). Never printed:
/// its `Debug` shows the file and a fingerprint only.
#[derive(Clone)]
pub struct AuditKey {
    secret: [u8; 32],
    path: PathBuf,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("path", &self.path)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl AuditKey {
    /// Reads the key file `path`, refusing a file that group or others may read or write
    /// (the key would then be no secret) and one that is not a key file.
    pub fn load(path: &Path) -> Result<AuditKey> {
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let secret = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .find_map(|l| l.strip_prefix(KEY_PREFIX))
            .and_then(unhex::<32>)
            .ok_or_else(|| Error::Key {
                path: path.to_path_buf(),
                line: 0,
                reason: format!(
                    "not an nhikit audit key (expected a line `{KEY_PREFIX}<64 hex digits>`)"
                ),
            })?;
        Ok(AuditKey {
            secret,
            path: path.to_path_buf(),
        })
    }

    /// Reads the key file `path`, creating it with a fresh random key (mode 0600, its
    /// directory 0700 when created) if it does not exist.
    pub fn load_or_create(path: &Path) -> Result<AuditKey> {
        match std::fs::symlink_metadata(path) {
            Ok(_) => return AuditKey::load(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(path)(e)),
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            create_private_dir(parent)?;
        }
        let secret = random_bytes::<32>()?;
        let text = format!(
            "# nhikit audit key: authenticates the audit log's entries. Keep it apart from the\n# log and its backups; whoever holds it can rewrite the log undetectably.\n{KEY_PREFIX}{}\n",
            crate::audit::hex(&secret)
        );
        // Written whole under a temporary name, then linked into place (a link never replaces
        // an existing file): a concurrent reader sees no key or a complete one.
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(format!(
            ".tmp-{}-{}",
            std::process::id(),
            crate::audit::hex(&random_bytes::<4>()?)
        ));
        let tmp = PathBuf::from(tmp_name);
        let mut file = private_file(&tmp).map_err(io(&tmp))?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(io(&tmp));
        drop(file);
        let linked = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(true),
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(io(path)(e)),
        });
        let _ = std::fs::remove_file(&tmp);
        if !linked? {
            return AuditKey::load(path);
        }
        Ok(AuditKey {
            secret,
            path: path.to_path_buf(),
        })
    }

    /// The key file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A public fingerprint of the key (16 hex digits), to tell which key made a MAC.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"nhikit-audit-key-fingerprint\n");
        h.update(self.secret);
        crate::audit::hex(&h.finalize()[..8])
    }

    /// HMAC-SHA256 of `message` in `domain` (so an entry's MAC is never valid as a
    /// checkpoint's), lowercase hex.
    pub(crate) fn mac(&self, domain: &str, message: &[u8]) -> String {
        crate::audit::hex(&self.tag(domain, message).finalize().into_bytes())
    }

    /// Whether `mac` (hex) is the MAC of `message` in `domain`; compared in constant time.
    pub(crate) fn check(&self, domain: &str, message: &[u8], mac: &str) -> bool {
        match unhex::<32>(mac) {
            Some(tag) => self.tag(domain, message).verify_slice(&tag).is_ok(),
            None => false,
        }
    }

    fn tag(&self, domain: &str, message: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length: this cannot fail.
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&self.secret)
            .expect("HMAC accepts a key of any length");
        m.update(domain.as_bytes());
        m.update(b"\n");
        m.update(message);
        m
    }
}

impl PartialEq for AuditKey {
    fn eq(&self, other: &AuditKey) -> bool {
        self.fingerprint() == other.fingerprint()
    }
}

impl Eq for AuditKey {}

/// Refuses a secret file that group or others may access, naming the mode and the fix.
pub(crate) fn check_private(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(io(path))?;
    if !meta.is_file() {
        return Err(Error::Key {
            path: path.to_path_buf(),
            line: 0,
            reason: "not a regular file".into(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Error::Key {
                path: path.to_path_buf(),
                line: 0,
                reason: format!(
                    "group or others may access this secret key file (mode {mode:o}); refused — run `chmod 600 {}` if no one else has read it, otherwise make a new key",
                    path.display()
                ),
            });
        }
    }
    Ok(())
}

/// Creates `path` for writing, refusing an existing file, readable by its owner only.
pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Creates `dir` and its missing parents; the directories created are 0700.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(io(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_private_reloaded_and_refused_when_others_may_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf/audit.key");
        let k = AuditKey::load_or_create(&path).unwrap();
        let again = AuditKey::load_or_create(&path).unwrap();
        assert_eq!(k, again);
        let mac = k.mac("entry", b"x");
        assert!(again.check("entry", b"x", &mac));
        assert!(!again.check("checkpoint", b"x", &mac));
        assert!(!format!("{k:?}").contains(&hex_of(&k)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            let err = AuditKey::load(&path).unwrap_err().to_string();
            assert!(err.contains("group or others"), "{err}");
        }
    }

    fn hex_of(k: &AuditKey) -> String {
        crate::audit::hex(&k.secret)
    }

    #[test]
    fn unhex_round_trips_and_refuses_bad_input() {
        assert_eq!(unhex::<2>("0aFf"), Some([0x0a, 0xff]));
        assert_eq!(unhex::<2>("0a"), None);
        assert_eq!(unhex::<1>("zz"), None);
    }
}
