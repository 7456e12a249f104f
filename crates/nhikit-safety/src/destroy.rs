//! Destruction of a dataset: check that the directory is an nhikit dataset (its manifest, and
//! no file the manifest does not list), overwrite and remove every file, and return the record
//! to keep in the audit log: dataset id, file hashes, method, operators.

use crate::audit::{AuditEntry, AuditLog, hex, location};
use crate::error::{Error, Result, io};
use crate::operators::{TwoPersonKeys, approve, distinct_names, normalize_name};
use nhikit_io::contain::{EntryKind, Root};
use nhikit_io::{MANIFEST_FILE, Manifest};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::{Read, Write};
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
    /// Require a second, distinct operator ([`DestroyOptions::confirm_operator`]) who, like
    /// the first, proves a registered key ([`DestroyOptions::keys`]).
    pub two_person: bool,
    /// The second operator confirming.
    pub confirm_operator: Option<String>,
    /// For [`DestroyMethod::CryptoErase`]: the key (identity) file to destroy.
    pub key_file: Option<PathBuf>,
    /// For two-person destruction: the operators register and both operators' key files.
    pub keys: Option<TwoPersonKeys>,
}

/// What was destroyed: the record for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destruction {
    /// The dataset id: the manifest's `dataset_id`, or the SHA-256 of its `manifest.json`
    /// for a dataset made before ids existed.
    pub dataset: String,
    /// Where the dataset was: its canonical path.
    pub path: String,
    /// Every file the manifest lists: (path, SHA-256 in the manifest).
    pub files: Vec<(String, String)>,
    /// Files whose bytes no longer matched the manifest when destroyed (or were already gone).
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
    /// The two operators' signed approval (`nhikit-two-person-v1`), for two-person work.
    pub approval: Option<serde_json::Value>,
    /// The sequence number of the `destroy-intent` entry written before the first byte was
    /// wiped.
    pub intent: u64,
    /// Whether this run completed a destruction an earlier run began and did not finish.
    pub resumed: bool,
}

impl Destruction {
    fn details(&self) -> serde_json::Value {
        serde_json::json!({
            "method": self.method.name(),
            "confirmed_by": self.confirmed_by,
            "approval": self.approval,
            "bytes": self.bytes,
            "altered": self.altered,
            "key_file": self.key_file,
            "keys": self.keys,
            "files": self.files.iter().map(|(p, h)| serde_json::json!({"path": p, "sha256": h})).collect::<Vec<_>>(),
        })
    }

    /// The audit entry recording the completed destruction (event `destroy`).
    pub fn to_entry(&self) -> AuditEntry {
        let mut e = AuditEntry::new("destroy", &self.operator);
        e.dataset = Some(self.dataset.clone());
        e.path = Some(self.path.clone());
        e.details = self.details();
        e.details["intent"] = self.intent.into();
        if self.resumed {
            e.details["resumed"] = true.into();
        }
        e
    }

    /// The entry written before anything is wiped (event `destroy-intent`): what is about to
    /// be destroyed, by whom, approved by whom.
    fn intent_entry(&self) -> AuditEntry {
        let mut e = self.to_entry();
        e.event = "destroy-intent".into();
        e.details = self.details();
        e.details["bytes"] = serde_json::Value::Null;
        e
    }
}

/// The id of the dataset in `dir`: the `dataset_id` its manifest records (drawn at random
/// when it was made), or for a dataset made before ids existed the SHA-256 of its
/// `manifest.json` bytes. A link as `manifest.json` is refused.
pub fn dataset_id(dir: &Path) -> Result<String> {
    let root = Root::open(dir)?;
    let path = root.display(MANIFEST_FILE);
    let mut bytes = Vec::new();
    root.open_file(MANIFEST_FILE)?
        .read_to_end(&mut bytes)
        .map_err(io(&path))?;
    Ok(serde_json::from_slice::<Manifest>(&bytes)
        .ok()
        .and_then(|m| m.dataset_id)
        .unwrap_or_else(|| hex(&Sha256::digest(&bytes))))
}

/// Reads `manifest.json` under `root` (no link followed) and the dataset id.
pub(crate) fn read_manifest(root: &Root) -> Result<(Manifest, String)> {
    let path = root.display(MANIFEST_FILE);
    let mut bytes = Vec::new();
    root.open_file(MANIFEST_FILE)?
        .read_to_end(&mut bytes)
        .map_err(io(&path))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::NotADataset {
        path: path.clone(),
        reason: format!("{MANIFEST_FILE} is not a manifest ({e})"),
    })?;
    let id = manifest
        .dataset_id
        .clone()
        .unwrap_or_else(|| hex(&Sha256::digest(&bytes)));
    Ok((manifest, id))
}

/// Refuses a dataset that holds a link (to a file or a directory, anywhere) or a device,
/// FIFO or socket, before anything is touched; returns every entry.
pub(crate) fn refuse_links(root: &Root, what: &str) -> Result<Vec<(PathBuf, EntryKind)>> {
    let entries = root.walk()?;
    if let Some((p, kind)) = entries
        .iter()
        .find(|(_, k)| matches!(k, EntryKind::Symlink | EntryKind::Other))
    {
        return Err(Error::Refused(format!(
            "{}: {} inside the dataset; refused — {what}",
            root.display(p).display(),
            if *kind == EntryKind::Symlink {
                "a symbolic link"
            } else {
                "a device, FIFO or socket"
            }
        )));
    }
    Ok(entries)
}

/// Destroys the dataset in `dir` after checking it is one, and returns the record of the
/// completed destruction for `log` (which the caller appends).
///
/// Refuses, touching nothing, when `dir` has no readable nhikit manifest, holds a link or a
/// file the manifest does not list, lists a path that leaves the directory, or when two-person
/// destruction lacks a second, distinct, proven operator. Before the first byte is wiped a
/// `destroy-intent` entry is appended to `log` (no entry, no wiping). A run that finds an
/// unfinished intent for the same place completes it, even if the manifest is already gone.
pub fn destroy(dir: &Path, options: &DestroyOptions, log: &AuditLog) -> Result<Destruction> {
    let (operator, confirmed_by) = operators(
        "destruction",
        &options.operator,
        options.two_person,
        options.confirm_operator.as_deref(),
    )?;
    if options.method == DestroyMethod::CryptoErase {
        return crypto_erase(dir, options, log, &operator, confirmed_by);
    }
    if options.key_file.is_some() {
        return Err(Error::Refused(
            "a key file is destroyed only by --method crypto-erase; nothing was removed".into(),
        ));
    }
    let loc = match location(dir) {
        Ok(l) => l,
        Err(_) => {
            // Gone already: a run that died after removing the directory.
            let loc = missing_location(dir)?;
            if let Some(intent) = log.unfinished_destroy(&loc)? {
                return Ok(resumed_from(&intent, loc, 0, Vec::new()));
            }
            return Err(Error::NotADataset {
                path: dir.to_path_buf(),
                reason: "no such directory; nothing was removed".into(),
            });
        }
    };
    let root = Root::open(dir)?;
    let entries = refuse_links(&root, "nothing was removed")?;
    let unfinished = log.unfinished_destroy(&loc)?;
    let manifest = match (root.kind(MANIFEST_FILE)?, &unfinished) {
        (Some(EntryKind::File), _) => Some(read_manifest(&root).map_err(|e| match e {
            Error::NotADataset { path, reason } => Error::NotADataset {
                path,
                reason: format!("{reason}; nothing was removed"),
            },
            other => other,
        })?),
        (_, Some(_)) => None,
        _ => {
            return Err(Error::NotADataset {
                path: dir.to_path_buf(),
                reason: format!("no readable {MANIFEST_FILE}; nothing was removed"),
            });
        }
    };
    // What to wipe: the manifest's files, or, completing an interrupted run whose manifest is
    // already wiped, the files its intent entry listed.
    let (dataset, files, listed): (String, Vec<(String, String, u64)>, Vec<String>) =
        match &manifest {
            Some((m, id)) => {
                if m.generator.name != "nhikit-synth" {
                    return Err(Error::NotADataset {
                        path: dir.to_path_buf(),
                        reason: format!(
                            "generator {:?} is not nhikit-synth; nothing was removed",
                            m.generator.name
                        ),
                    });
                }
                let mut files: Vec<(String, String, u64)> = m
                    .files
                    .iter()
                    .map(|f| (f.path.clone(), f.sha256.clone(), f.bytes))
                    .collect();
                if let Some(e) = &m.encryption {
                    files.push((
                        e.manifest.path.clone(),
                        e.manifest.sha256.clone(),
                        e.manifest.bytes,
                    ));
                }
                let listed = files.iter().map(|f| f.0.clone()).collect();
                (id.clone(), files, listed)
            }
            None => {
                let intent = unfinished.as_ref().expect("matched Some above");
                let files: Vec<(String, String, u64)> = intent.details["files"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|f| {
                                Some((
                                    f["path"].as_str()?.to_owned(),
                                    f["sha256"].as_str()?.to_owned(),
                                    u64::MAX,
                                ))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let listed = files.iter().map(|f| f.0.clone()).collect();
                (intent.dataset.clone().unwrap_or_default(), files, listed)
            }
        };
    // Every path from the manifest stays under the directory (checked before anything).
    let mut normal: BTreeSet<PathBuf> = BTreeSet::new();
    for rel in &listed {
        normal.insert(root.check(rel)?);
    }
    normal.insert(PathBuf::from(MANIFEST_FILE));
    let extra: Vec<&PathBuf> = entries
        .iter()
        .filter(|(p, k)| *k == EntryKind::File && !normal.contains(p))
        .map(|(p, _)| p)
        .collect();
    if let Some(first) = extra.first() {
        return Err(Error::Refused(format!(
            "{}: holds {} file(s) the manifest does not list (e.g. {}); move them out first — nothing was removed",
            dir.display(),
            extra.len(),
            first.display()
        )));
    }
    let mut altered = Vec::new();
    if let Some(intent) = &unfinished {
        // What the interrupted run found before it began wiping (what it wiped is not
        // "altered").
        altered = intent.details["altered"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
    }
    for (rel, sha, bytes) in files.iter().filter(|_| unfinished.is_none()) {
        match root.kind(rel)? {
            Some(EntryKind::File) => {
                let (n, h) = hash_under(&root, rel)?;
                if h != *sha || (*bytes != u64::MAX && n != *bytes) {
                    altered.push(rel.clone());
                }
            }
            _ => altered.push(rel.clone()),
        }
    }
    let approval = two_person_approval(
        options,
        ("destroy", "removed"),
        &dataset,
        &loc,
        &operator,
        confirmed_by.as_deref(),
    )?;
    let mut done = Destruction {
        dataset,
        path: loc,
        files: files
            .iter()
            .map(|(p, h, _)| (p.clone(), h.clone()))
            .collect(),
        altered,
        method: DestroyMethod::Delete,
        operator,
        confirmed_by,
        bytes: 0,
        key_file: None,
        keys: Vec::new(),
        approval,
        intent: 0,
        resumed: unfinished.is_some(),
    };
    done.intent = match &unfinished {
        Some(intent) => intent.seq,
        None => {
            log.append(done.intent_entry())
                .map_err(|e| {
                    Error::Refused(format!(
                        "the intent to destroy could not be written to the audit log {} ({e}); nothing was removed",
                        log.path().display()
                    ))
                })?
                .seq
        }
    };
    // Wipe: every listed file, then the manifest, then the directories, deepest first.
    open_dirs(&root)?;
    for (i, (rel, _, _)) in files.iter().enumerate() {
        if root.kind(rel)? == Some(EntryKind::File) {
            done.bytes += overwrite_and_remove(&root, rel)?;
        }
        if i == 0 {
            crate::fault("destroy-after-first-file");
        }
    }
    if root.kind(MANIFEST_FILE)? == Some(EntryKind::File) {
        done.bytes += overwrite_and_remove(&root, MANIFEST_FILE)?;
    }
    let mut dirs: Vec<PathBuf> = root
        .walk()?
        .into_iter()
        .filter(|(_, k)| *k == EntryKind::Dir)
        .map(|(p, _)| p)
        .collect();
    dirs.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for d in dirs {
        root.remove_dir(&d)?;
    }
    drop(root);
    std::fs::remove_dir(dir).map_err(io(dir))?;
    Ok(done)
}

/// The canonical path a directory that no longer exists had: its parent's, joined with its
/// name.
fn missing_location(dir: &Path) -> Result<String> {
    let name = dir
        .file_name()
        .ok_or_else(|| Error::Refused(format!("{}: not a directory name", dir.display())))?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(std::fs::canonicalize(parent)
        .map_err(io(parent))?
        .join(name)
        .display()
        .to_string())
}

/// The record completing an interrupted destruction from its intent entry.
fn resumed_from(intent: &AuditEntry, loc: String, bytes: u64, altered: Vec<String>) -> Destruction {
    let d = &intent.details;
    Destruction {
        dataset: intent.dataset.clone().unwrap_or_default(),
        path: loc,
        files: d["files"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|f| {
                        Some((
                            f["path"].as_str()?.to_owned(),
                            f["sha256"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        altered,
        method: d["method"]
            .as_str()
            .and_then(|m| m.parse().ok())
            .unwrap_or_default(),
        operator: intent.operator.clone(),
        confirmed_by: d["confirmed_by"].as_str().map(str::to_owned),
        bytes,
        key_file: d["key_file"].as_str().map(str::to_owned),
        keys: d["keys"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        approval: Some(d["approval"].clone()).filter(|a| !a.is_null()),
        intent: intent.seq,
        resumed: true,
    }
}

/// Size and SHA-256 of the file `rel` under `root`.
pub(crate) fn hash_under(root: &Root, rel: &str) -> Result<(u64, String)> {
    let mut f = root.open_file(rel)?;
    let path = root.display(rel);
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf).map_err(io(&path))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex(&h.finalize())))
}

/// The operator and the confirming operator of an `action` ("destruction", "decryption"),
/// normalized and checked: a name is required and must be acceptable
/// ([`crate::normalize_name`]), and a second name must be another person's — not the same
/// after normalization, nor confusable with it.
pub(crate) fn operators(
    action: &str,
    operator: &str,
    two_person: bool,
    confirm: Option<&str>,
) -> Result<(String, Option<String>)> {
    if operator.trim().is_empty() {
        return Err(Error::Refused(format!("{action} needs an operator name")));
    }
    match (confirm, two_person) {
        (Some(c), _) if c.trim().is_empty() => Err(Error::Refused(
            "the confirming operator's name is empty".into(),
        )),
        (None, true) => Err(Error::Refused(format!(
            "two-person {action} needs a second operator (--confirm-operator NAME)"
        ))),
        (Some(c), _) => {
            let (a, b) = distinct_names(action, operator, c)?;
            Ok((a, Some(b)))
        }
        (None, false) => Ok((normalize_name(operator)?, None)),
    }
}

/// Crypto-erase: destroys the key file of the encrypted dataset in `dir`, after checking the
/// file opens the dataset and holds the key of every recipient (otherwise the data could
/// still be decrypted and the record would lie). Logs its intent before erasing, like
/// [`destroy()`]; a rerun after a crash that already removed the key completes the record.
fn crypto_erase(
    dir: &Path,
    options: &DestroyOptions,
    log: &AuditLog,
    operator: &str,
    confirmed_by: Option<String>,
) -> Result<Destruction> {
    let key_file = options.key_file.as_deref().ok_or_else(|| {
        Error::Refused("crypto-erase needs the key file to destroy (--key FILE)".into())
    })?;
    let loc = location(dir)?;
    if !key_file.exists()
        && let Some(intent) = log.unfinished_destroy(&loc)?
        && intent.details["key_file"].as_str() == Some(&key_file.display().to_string())
    {
        return Ok(resumed_from(&intent, loc, 0, Vec::new()));
    }
    let root = Root::open(dir)?;
    refuse_links(&root, "nothing was erased")?;
    let (manifest, encryption) =
        crate::crypto::encrypted_manifest(&root).map_err(|e| match e {
            Error::Refused(m) => Error::Refused(format!(
                "{m}: crypto-erase destroys the key of an encrypted dataset; use --method delete — nothing was erased"
            )),
            other => other,
        })?;
    if manifest.0.generator.name != "nhikit-synth" {
        return Err(Error::NotADataset {
            path: dir.to_path_buf(),
            reason: format!(
                "generator {:?} is not nhikit-synth; nothing was erased",
                manifest.0.generator.name
            ),
        });
    }
    let (manifest, dataset) = manifest;
    let ids = crate::crypto::read_identities(key_file)?;
    crate::crypto::key_opens(&root, &encryption, &ids, key_file).map_err(|e| match e {
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
    let mut altered = Vec::new();
    let files: Vec<(String, String)> = manifest
        .files
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()))
        .chain(std::iter::once((
            encryption.manifest.path.clone(),
            encryption.manifest.sha256.clone(),
        )))
        .collect();
    for (rel, sha) in &files {
        match root.kind(rel)? {
            Some(EntryKind::File) if hash_under(&root, rel)?.1 == *sha => {}
            _ => altered.push(rel.clone()),
        }
    }
    let approval = two_person_approval(
        options,
        ("crypto-erase", "erased"),
        &dataset,
        &loc,
        operator,
        confirmed_by.as_deref(),
    )?;
    let mut done = Destruction {
        dataset,
        path: loc,
        files,
        altered,
        method: DestroyMethod::CryptoErase,
        operator: operator.to_owned(),
        confirmed_by,
        bytes: 0,
        key_file: Some(key_file.display().to_string()),
        keys,
        approval,
        intent: 0,
        resumed: false,
    };
    done.intent = log
        .append(done.intent_entry())
        .map_err(|e| {
            Error::Refused(format!(
                "the intent to destroy could not be written to the audit log {} ({e}); nothing was erased",
                log.path().display()
            ))
        })?
        .seq;
    // The key file is the user's (a command-line argument, not a path from data). It may be
    // read-only (0400): the owner may still open it for overwriting.
    let parent = match key_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = key_file
        .file_name()
        .ok_or_else(|| Error::Refused(format!("{}: not a file name", key_file.display())))?;
    let key_root = Root::open(parent)?;
    done.bytes = overwrite_and_remove(&key_root, Path::new(name))?;
    Ok(done)
}

/// Overwrites the regular file `rel` under `root` with zeros, `fsync`s it, unlinks it and
/// makes the unlink durable; a link there is refused, untouched. Returns its size.
fn overwrite_and_remove(root: &Root, rel: impl AsRef<Path>) -> Result<u64> {
    let rel = rel.as_ref();
    let path = root.display(rel);
    // A sealed (0444) file: make it writable through the descriptor, never through a path.
    let reading = root.open_file(rel)?;
    let len = reading.metadata().map_err(io(&path))?.len();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        reading
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(io(&path))?;
    }
    drop(reading);
    let mut file = root.open_file_write(rel)?;
    let zeros = vec![0u8; 1 << 16];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n]).map_err(io(&path))?;
        left -= n as u64;
    }
    file.sync_data().map_err(io(&path))?;
    drop(file);
    root.remove_file(rel)?;
    // Make the unlink itself durable.
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(len)
}

/// Makes the root and every directory under it writable by its owner (0700) so its entries can
/// be removed (a sealed dataset's directories are 0555). Directories only, found without
/// following links; the mode is set by path.
pub(crate) fn open_dirs(root: &Root) -> Result<()> {
    let mut dirs = vec![PathBuf::new()];
    dirs.extend(
        root.walk()?
            .into_iter()
            .filter(|(_, k)| *k == EntryKind::Dir)
            .map(|(p, _)| p),
    );
    for d in dirs {
        let path = root.display(&d);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if std::fs::symlink_metadata(&path)
                .map_err(io(&path))?
                .is_dir()
            {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))
                    .map_err(io(&path))?;
            }
        }
    }
    Ok(())
}

/// Removes the directory `name` under `parent` and everything in it, never following a link
/// (a link inside is refused and left). For staging directories nhikit made itself.
pub(crate) fn remove_tree(parent: &Root, name: &Path) -> Result<()> {
    let tree = parent.open_dir(name)?;
    open_dirs(&tree)?;
    let mut entries = tree.walk()?;
    entries.sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
    for (rel, kind) in entries {
        match kind {
            EntryKind::Dir => tree.remove_dir(&rel)?,
            _ => tree.remove_file(&rel)?,
        }
    }
    drop(tree);
    parent.remove_dir(name)?;
    Ok(())
}

/// The two operators' signed approval of `action` when the destruction needs two persons
/// (`None` when it does not); refused when their keys are missing, saying nothing was `undone`
/// (removed, erased).
fn two_person_approval(
    options: &DestroyOptions,
    (action, undone): (&str, &str),
    dataset: &str,
    location: &str,
    operator: &str,
    confirmed_by: Option<&str>,
) -> Result<Option<serde_json::Value>> {
    match (options.two_person, &options.keys, confirmed_by) {
        (true, Some(keys), Some(confirm)) => Ok(Some(
            approve(action, dataset, location, operator, confirm, keys)?.2,
        )),
        (true, None, _) => Err(Error::Refused(format!(
            "two-person destruction needs both operators' registered keys (--operator-key, --confirm-key; see `nhikit operator`); nothing was {undone}"
        ))),
        _ => Ok(None),
    }
}
