//! Destruction of a dataset: check that the directory is an nhikit dataset (its manifest, and
//! no file the manifest does not list), overwrite and remove every file, and return the record
//! to keep in the audit log: dataset id, file hashes, method, operators.

use crate::audit::{AuditEntry, hex};
use crate::error::{Error, Result, io};
use nhikit_io::{MANIFEST_FILE, Manifest, Mismatch};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

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
}

impl DestroyMethod {
    /// The name recorded in the audit log and accepted by `--method`.
    pub fn name(self) -> &'static str {
        match self {
            DestroyMethod::Delete => "delete",
        }
    }
}

impl std::str::FromStr for DestroyMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<DestroyMethod> {
        match s {
            "delete" => Ok(DestroyMethod::Delete),
            other => Err(Error::Refused(format!(
                "destruction method {other:?}: only `delete` is available (crypto-erase needs encrypted output, not built yet)"
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
    /// Bytes overwritten and removed.
    pub bytes: u64,
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
    let operator = options.operator.trim();
    if operator.is_empty() {
        return Err(Error::Refused("destruction needs an operator name".into()));
    }
    let confirmed_by = match (&options.confirm_operator, options.two_person) {
        (Some(c), _) if c.trim().is_empty() => {
            return Err(Error::Refused(
                "the confirming operator's name is empty".into(),
            ));
        }
        (Some(c), _) if c.trim() == operator => {
            return Err(Error::Refused(format!(
                "two-person destruction: the confirming operator must be another person than {operator:?}"
            )));
        }
        (None, true) => {
            return Err(Error::Refused(
                "two-person destruction needs a second operator (--confirm-operator NAME)".into(),
            ));
        }
        (c, _) => c.as_ref().map(|c| c.trim().to_owned()),
    };
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
    let mut bytes = 0;
    for f in &manifest.files {
        let path = dir.join(&f.path);
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
    Ok(len)
}
