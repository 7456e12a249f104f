//! Encrypted datasets: [`AgeEncryptor`] encrypts every file to age X25519 recipients while
//! nhikit-io writes it (no plaintext byte reaches the disk), [`decrypt()`] restores a
//! plaintext copy into a new directory after checking every hash, and the key file of
//! a dataset can be destroyed by crypto-erase ([`crate::destroy()`] with
//! [`crate::DestroyMethod::CryptoErase`]).
//!
//! Files are age v1 (age-encryption.org/v1), one random file key per file wrapped to every
//! recipient: the Debian `age` tool decrypts them (`age -d -i key.txt FILE.age`).

use crate::audit::{AuditEntry, AuditLog, hex, location};
use crate::destroy::{hash_under, operators, read_manifest, refuse_links, remove_tree};
use crate::error::{Error, Result, io};
use crate::operators::{TwoPersonKeys, approve};
use nhikit_io::contain::{EntryKind, Root};
use nhikit_io::{CipherOut, EncryptingWriter, Encryption, FileEncryptor, MANIFEST_FILE, Manifest};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The suffix of encrypted files.
pub const AGE_SUFFIX: &str = ".age";

/// Encrypts dataset files to age X25519 recipients (`age1…`), for
/// [`nhikit_io::DatasetWriter::encrypt_with`].
#[derive(Clone)]
pub struct AgeEncryptor {
    recipients: Vec<age::x25519::Recipient>,
}

impl std::fmt::Debug for AgeEncryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.recipients.iter().map(|r| r.to_string()))
            .finish()
    }
}

impl AgeEncryptor {
    /// An encryptor to every recipient given (duplicates removed); refuses an empty list and
    /// names any string that is not an age X25519 public key.
    pub fn new<S: AsRef<str>>(recipients: &[S]) -> Result<AgeEncryptor> {
        let mut out: Vec<age::x25519::Recipient> = Vec::new();
        for r in recipients {
            let r = r.as_ref().trim();
            let parsed: age::x25519::Recipient = r.parse().map_err(|_| {
                Error::Refused(format!(
                    "recipient {r:?} is not an age X25519 public key (age1…, as printed by `age-keygen -y KEYFILE`)"
                ))
            })?;
            if !out.iter().any(|o| o.to_string() == parsed.to_string()) {
                out.push(parsed);
            }
        }
        if out.is_empty() {
            return Err(Error::Refused(
                "encryption needs at least one recipient (--encrypt-to age1… or --encrypt-to-file FILE)".into(),
            ));
        }
        Ok(AgeEncryptor { recipients: out })
    }
}

impl AgeEncryptor {
    /// The encryptor of `nhikit gen --encrypt-to KEY… --encrypt-to-file FILE…`: every key given
    /// and every key of every file ([`read_recipients_file`]); `None` when there is none.
    pub fn for_recipients<S: AsRef<str>>(
        keys: &[S],
        files: &[PathBuf],
    ) -> Result<Option<AgeEncryptor>> {
        let mut recipients: Vec<String> = keys.iter().map(|k| k.as_ref().to_owned()).collect();
        for file in files {
            recipients.extend(read_recipients_file(file)?);
        }
        if recipients.is_empty() {
            return Ok(None);
        }
        AgeEncryptor::new(&recipients).map(Some)
    }

    /// `plain` encrypted as one age file to every recipient (for small files such as a
    /// manifest written outside a dataset writer).
    pub fn encrypt_bytes(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let fail = |e: String| Error::Decrypt {
            path: PathBuf::from("-"),
            reason: format!("encrypting: {e}"),
        };
        let encryptor = age::Encryptor::with_recipients(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
        )
        .map_err(|e| fail(e.to_string()))?;
        let mut out = Vec::new();
        let mut w = encryptor
            .wrap_output(&mut out)
            .map_err(|e| fail(e.to_string()))?;
        w.write_all(plain).map_err(|e| fail(e.to_string()))?;
        w.finish().map_err(|e| fail(e.to_string()))?;
        Ok(out)
    }
}

impl FileEncryptor for AgeEncryptor {
    fn scheme(&self) -> &str {
        "age"
    }

    fn suffix(&self) -> &str {
        AGE_SUFFIX
    }

    fn recipients(&self) -> Vec<String> {
        self.recipients.iter().map(|r| r.to_string()).collect()
    }

    fn wrap(&self, out: CipherOut) -> std::io::Result<Box<dyn EncryptingWriter>> {
        let encryptor = age::Encryptor::with_recipients(
            self.recipients.iter().map(|r| r as &dyn age::Recipient),
        )
        .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Box::new(AgeWriter(encryptor.wrap_output(out)?)))
    }
}

struct AgeWriter(age::stream::StreamWriter<CipherOut>);

impl Write for AgeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl EncryptingWriter for AgeWriter {
    fn finish(self: Box<Self>) -> std::io::Result<CipherOut> {
        self.0.finish()
    }
}

/// Reads a recipients file like age's `-R`: one `age1…` key per line; blank lines and lines
/// starting with `#` are skipped. Errors name the file and line.
pub fn read_recipients_file(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.parse::<age::x25519::Recipient>().is_err() {
            return Err(Error::Key {
                path: path.to_path_buf(),
                line: n as u64 + 1,
                reason: "not an age X25519 public key (age1…)".into(),
            });
        }
        out.push(line.to_owned());
    }
    if out.is_empty() {
        return Err(Error::Key {
            path: path.to_path_buf(),
            line: 0,
            reason: "no recipient in the file".into(),
        });
    }
    Ok(out)
}

/// Reads an identity (key) file as `age-keygen` writes it: `AGE-SECRET-KEY-1…` lines,
/// comments (`#`) and blank lines. An error names the line, never its content.
pub(crate) fn read_identities(path: &Path) -> Result<Vec<age::x25519::Identity>> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let id = line
            .parse::<age::x25519::Identity>()
            .map_err(|_| Error::Key {
                path: path.to_path_buf(),
                line: n as u64 + 1,
                reason: "not an age X25519 identity (AGE-SECRET-KEY-1…)".into(),
            })?;
        out.push(id);
    }
    if out.is_empty() {
        return Err(Error::Key {
            path: path.to_path_buf(),
            line: 0,
            reason: "no identity in the file".into(),
        });
    }
    Ok(out)
}

/// The public keys (`age1…`) of the identities in a key file, sorted.
pub(crate) fn public_keys(ids: &[age::x25519::Identity]) -> Vec<String> {
    let mut keys: Vec<String> = ids.iter().map(|i| i.to_public().to_string()).collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Starts decrypting the age file `rel` under `root` (no link followed) with `ids`; a key
/// that is not a recipient is a refusal naming the key file and the dataset's recipients.
pub(crate) fn open_encrypted(
    root: &Root,
    rel: &str,
    ids: &[age::x25519::Identity],
    key_file: &Path,
    encryption: &Encryption,
) -> Result<age::stream::StreamReader<BufReader<std::fs::File>>> {
    let path = root.display(rel);
    let file = root.open_file(rel)?;
    let decryptor =
        age::Decryptor::new_buffered(BufReader::with_capacity(1 << 16, file)).map_err(|e| {
            Error::Decrypt {
                path: path.clone(),
                reason: format!("not a readable age file: {e}"),
            }
        })?;
    decryptor
        .decrypt(ids.iter().map(|i| i as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::Refused(format!(
                "{}: none of its {} key(s) can decrypt this dataset (encrypted to {})",
                key_file.display(),
                ids.len(),
                encryption.recipients.join(", ")
            )),
            other => Error::Decrypt {
                path,
                reason: other.to_string(),
            },
        })
}

/// Reads the manifest (and id) and the encryption block of the dataset under `root`,
/// refusing a plaintext dataset.
pub(crate) fn encrypted_manifest(root: &Root) -> Result<((Manifest, String), Encryption)> {
    let dir = root.path();
    let (manifest, id) = read_manifest(root).map_err(|e| Error::NotADataset {
        path: dir.to_path_buf(),
        reason: format!("no readable {MANIFEST_FILE} ({e})"),
    })?;
    let Some(encryption) = manifest.encryption.clone() else {
        return Err(Error::Refused(format!(
            "{}: the dataset is not encrypted (its manifest has no `encryption`)",
            dir.display()
        )));
    };
    if encryption.scheme != "age" {
        return Err(Error::Refused(format!(
            "{}: encryption scheme {:?}, this nhikit knows only \"age\"",
            dir.display(),
            encryption.scheme
        )));
    }
    Ok(((manifest, id), encryption))
}

/// Who decrypts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptOptions {
    /// The operator carrying it out.
    pub operator: String,
    /// Require a second, distinct operator who, like the first, proves a registered key.
    pub two_person: bool,
    /// The second operator confirming.
    pub confirm_operator: Option<String>,
    /// For two-person decryption: the operators register and both operators' key files.
    pub keys: Option<TwoPersonKeys>,
}

/// A decrypted copy: the record for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decryption {
    /// The encrypted dataset's id.
    pub source: String,
    /// The encrypted dataset's directory (canonical path).
    pub source_path: String,
    /// The copy's id: the plaintext manifest's `dataset_id` (the same as the encrypted
    /// dataset's: the copy is told apart by its place), or its SHA-256 for older datasets.
    pub dataset: String,
    /// The copy's directory (canonical path).
    pub path: String,
    /// Data files decrypted.
    pub files: u64,
    /// Plaintext bytes written (data files).
    pub bytes: u64,
    /// The public keys of the identities offered.
    pub keys: Vec<String>,
    /// The operator.
    pub operator: String,
    /// The confirming operator, for two-person decryption.
    pub confirmed_by: Option<String>,
    /// The two operators' signed approval, for two-person decryption.
    pub approval: Option<serde_json::Value>,
    /// The staging directory the plaintext was written to before the rename (its
    /// `decrypt-start` entry names it too).
    pub staging: String,
}

impl Decryption {
    /// The audit entry (event `decrypt`, about the encrypted dataset, naming the copy).
    pub fn to_entry(&self) -> AuditEntry {
        let mut e = AuditEntry::new("decrypt", &self.operator);
        e.dataset = Some(self.source.clone());
        e.path = Some(self.source_path.clone());
        e.details = serde_json::json!({
            "copy": {"dataset": self.dataset, "path": self.path},
            "files": self.files,
            "bytes": self.bytes,
            "keys": self.keys,
            "confirmed_by": self.confirmed_by,
            "approval": self.approval,
            "staging": self.staging,
        });
        e
    }
}

/// The marker in the name of a staging directory: `NAME.nhikit-partial-decrypt-PID`.
const STAGING_MARK: &str = ".nhikit-partial-decrypt-";

/// Removes staging directories left by decryptions that died: those the log records as begun
/// and never ended whose lock is free (their process is gone), and those beside `out` (whose
/// lock this process holds). Each removal is logged (`decrypt-cleanup`).
fn clean_stale_staging(
    log: &AuditLog,
    parent: &Root,
    name: &std::ffi::OsStr,
    operator: &str,
) -> Result<()> {
    let mut removed: Vec<PathBuf> = Vec::new();
    for e in log.unfinished_decrypts()? {
        let (Some(staging), Some(lock)) = (
            e.details["staging"].as_str().map(PathBuf::from),
            e.details["lock"].as_str().map(PathBuf::from),
        ) else {
            continue;
        };
        // Held: that decryption is still running. Never created here: a lock file that is
        // gone leaves the entry open unless its staging directory is gone too.
        let lock_file = match std::fs::OpenOptions::new().write(true).open(&lock) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(_) => continue,
        };
        match &lock_file {
            Some(f) if f.try_lock().is_err() => continue,
            None if staging.exists() => continue,
            _ => {}
        }
        let existed = remove_staging(&staging)?;
        removed.push(staging.clone());
        let mut c = AuditEntry::new("decrypt-cleanup", operator);
        c.dataset = e.dataset.clone();
        c.path = e.path.clone();
        c.details = serde_json::json!({
            "staging": staging.display().to_string(),
            "removed": existed,
            "started": e.seq,
        });
        log.append(c)?;
    }
    // Unlogged leftovers beside OUT (this process holds OUT's lock, so they are dead).
    let mut prefix = name.to_os_string();
    prefix.push(STAGING_MARK);
    let prefix = prefix.as_encoded_bytes().to_vec();
    let listing = std::fs::read_dir(parent.path()).map_err(io(parent.path()))?;
    for entry in listing {
        let entry = PathBuf::from(entry.map_err(io(parent.path()))?.file_name());
        if entry.as_os_str().as_encoded_bytes().starts_with(&prefix)
            && parent.kind(&entry)? == Some(EntryKind::Dir)
        {
            let full = parent.display(&entry);
            if removed.contains(&full) {
                continue;
            }
            remove_tree(parent, &entry)?;
            let mut c = AuditEntry::new("decrypt-cleanup", operator);
            c.details = serde_json::json!({"staging": full.display().to_string(), "removed": true});
            log.append(c)?;
        }
    }
    Ok(())
}

/// Removes the staging directory at `path` if it is there; whether it was.
fn remove_staging(path: &Path) -> Result<bool> {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Ok(false);
    };
    if !name
        .as_encoded_bytes()
        .windows(STAGING_MARK.len())
        .any(|w| w == STAGING_MARK.as_bytes())
    {
        // Only ever a directory nhikit named as its staging.
        return Ok(false);
    }
    let parent = match Root::open(parent) {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    match parent.kind(name)? {
        Some(EntryKind::Dir) => {
            remove_tree(&parent, Path::new(name))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Checks every ciphertext under `root` against the clear manifest (paths contained, no
/// link, sizes and SHA-256, no unlisted file); the first problem, if any.
fn check_ciphertext(root: &Root, outer: &Manifest, encryption: &Encryption) -> Result<Vec<String>> {
    let mut listed: BTreeSet<PathBuf> = BTreeSet::new();
    let mut broken = Vec::new();
    let expected = outer
        .files
        .iter()
        .map(|f| (&f.path, f.bytes, &f.sha256))
        .chain(std::iter::once((
            &encryption.manifest.path,
            encryption.manifest.bytes,
            &encryption.manifest.sha256,
        )));
    for (rel, bytes, sha) in expected {
        listed.insert(root.check(rel)?);
        match root.kind(rel)? {
            Some(EntryKind::File) => {
                let (n, h) = hash_under(root, rel)?;
                if n != bytes || h != *sha {
                    broken.push(format!("{rel}: size or SHA-256 differs"));
                }
            }
            _ => broken.push(format!("{rel}: missing")),
        }
    }
    listed.insert(PathBuf::from(MANIFEST_FILE));
    for (p, k) in root.walk()? {
        if k == EntryKind::File && !listed.contains(&p) {
            broken.push(format!("{}: not listed in the manifest", p.display()));
        }
    }
    Ok(broken)
}

/// Decrypts the encrypted dataset in `dir` with the identities in `identity_file` into the
/// new directory `out`, and returns the record to log (the caller appends it to `log`).
///
/// Refuses, writing nothing, when `out` exists (and is not an empty directory) or another
/// decryption is writing it (an advisory lock beside it), when the dataset holds a link or a
/// manifest path that leaves it, when a ciphertext does not match the manifest, or when no
/// identity is a recipient. The plaintext goes to a 0700 staging directory beside `out`
/// (logged as `decrypt-start` first), every file checked against the decrypted manifest, and
/// is renamed to `out` only when complete. Staging left by a decryption that died is removed
/// first.
pub fn decrypt(
    dir: &Path,
    identity_file: &Path,
    out: &Path,
    options: &DecryptOptions,
    log: &AuditLog,
) -> Result<Decryption> {
    let (operator, confirmed_by) = operators(
        "decryption",
        &options.operator,
        options.two_person,
        options.confirm_operator.as_deref(),
    )?;
    let source_loc = location(dir)?;
    let root = Root::open(dir)?;
    refuse_links(&root, "nothing was written")?;
    let ((outer, source), encryption) = encrypted_manifest(&root)?;
    let ids = read_identities(identity_file)?;
    let name = out
        .file_name()
        .ok_or_else(|| Error::Refused(format!("{}: not a directory name", out.display())))?
        .to_os_string();
    let parent_path = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent_path).map_err(io(&parent_path))?;
    let parent_path = std::fs::canonicalize(&parent_path).map_err(io(&parent_path))?;
    let parent = Root::open(&parent_path)?;
    // One writer per output: a second decryption into the same OUT fails at once.
    let mut lock_name = std::ffi::OsString::from(".");
    lock_name.push(&name);
    lock_name.push(".nhikit-decrypt.lock");
    let lock_path = parent_path.join(&lock_name);
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    if lock.try_lock().is_err() {
        return Err(Error::Refused(format!(
            "{}: another nhikit decrypt is writing it (lock {} is held); nothing was written",
            out.display(),
            lock_path.display()
        )));
    }
    // And the lock every dataset writer takes (`gen`, `reference export`, `manifest merge`), so
    // that a decryption and any other nhikit writer into the same OUT exclude each other.
    let _output_lock = nhikit_io::OutputLock::acquire(out)
        .map_err(|e| Error::Refused(format!("{e}; nothing was written")))?;
    clean_stale_staging(log, &parent, &name, &operator)?;
    match parent.kind(&name)? {
        None => {}
        Some(EntryKind::Dir) if parent.open_dir(&name)?.walk()?.is_empty() => {}
        Some(_) => {
            return Err(Error::Refused(format!(
                "{} exists: decrypt writes a new directory; nothing was written",
                out.display()
            )));
        }
    }
    let broken = check_ciphertext(&root, &outer, &encryption)?;
    if let Some(first) = broken.first() {
        return Err(Error::Refused(format!(
            "{}: {} file(s) do not match the manifest, e.g. {first}; nothing was written",
            dir.display(),
            broken.len()
        )));
    }
    let no_output = |e: Error| match e {
        Error::Refused(m) => Error::Refused(format!("{m}; nothing was written")),
        other => other,
    };
    // The plaintext manifest. Its integrity is age's (an authenticated stream); that it
    // belongs with these files is checked below, file by file.
    let manifest_path = root.display(&encryption.manifest.path);
    let mut plain = Vec::new();
    open_encrypted(
        &root,
        &encryption.manifest.path,
        &ids,
        identity_file,
        &encryption,
    )
    .map_err(no_output)?
    .read_to_end(&mut plain)
    .map_err(|e| Error::Decrypt {
        path: manifest_path.clone(),
        reason: e.to_string(),
    })?;
    let inner: Manifest = serde_json::from_slice(&plain).map_err(|e| Error::NotADataset {
        path: manifest_path.clone(),
        reason: format!("the decrypted manifest is not a manifest: {e}"),
    })?;
    let same_files = inner.files.len() == outer.files.len()
        && inner
            .files
            .iter()
            .zip(&outer.files)
            .all(|(p, c)| c.path == format!("{}{AGE_SUFFIX}", p.path));
    if !same_files || inner.encryption.is_some() || inner.dataset_id != outer.dataset_id {
        return Err(Error::NotADataset {
            path: manifest_path,
            reason: "the decrypted manifest does not describe the encrypted files (another dataset's, or forged); nothing was written".into(),
        });
    }
    for f in &inner.files {
        // Checked before anything is written: a forged manifest naming `/x` or `../x`.
        parent.check(&f.path).map_err(|e| {
            Error::Refused(format!(
                "the decrypted manifest lists {:?}: {e}; nothing was written",
                f.path
            ))
        })?;
    }
    let dataset = inner
        .dataset_id
        .clone()
        .unwrap_or_else(|| hex(&Sha256::digest(&plain)));
    let approval = match (options.two_person, &options.keys, &confirmed_by) {
        (true, Some(keys), Some(confirm)) => {
            Some(approve("decrypt", &source, &source_loc, &operator, confirm, keys)?.2)
        }
        (true, None, _) => {
            return Err(Error::Refused(
                "two-person decryption needs both operators' registered keys (--operator-key, --confirm-key; see `nhikit operator`); nothing was written".into(),
            ));
        }
        _ => None,
    };
    let mut staging_name = name.clone();
    staging_name.push(format!("{STAGING_MARK}{}", std::process::id()));
    let staging = parent_path.join(&staging_name);
    let out_loc = parent_path.join(&name).display().to_string();
    let mut start = AuditEntry::new("decrypt-start", &operator);
    start.dataset = Some(source.clone());
    start.path = Some(source_loc.clone());
    start.details = serde_json::json!({
        "staging": staging.display().to_string(),
        "lock": lock_path.display().to_string(),
        "pid": std::process::id(),
        "out": out_loc,
    });
    log.append(start).map_err(|e| {
        Error::Refused(format!(
            "the decryption could not be recorded in the audit log {} ({e}); nothing was written",
            log.path().display()
        ))
    })?;
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(&staging).map_err(io(&staging))?;
    // Removed by an interrupt handler that ends the process (`nhikit_io::remove_partials`).
    nhikit_io::register_partial(&staging);
    let mut guard = Staging(Some((parent_path.clone(), PathBuf::from(&staging_name))));
    let sroot = Root::open(&staging)?;
    let mut bytes = 0;
    for (i, (p, c)) in inner.files.iter().zip(&outer.files).enumerate() {
        let target = sroot.display(&p.path);
        let mut reader = open_encrypted(&root, &c.path, &ids, identity_file, &encryption)?;
        let file = sroot.create_file(&p.path, 0o600)?;
        let mut w = HashWrite {
            inner: std::io::BufWriter::with_capacity(1 << 16, file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        std::io::copy(&mut reader, &mut w).map_err(|e| Error::Decrypt {
            path: root.display(&c.path),
            reason: e.to_string(),
        })?;
        w.inner.flush().map_err(io(&target))?;
        let sha = hex(&w.hasher.finalize());
        if w.bytes != p.bytes || sha != p.sha256 {
            return Err(Error::Decrypt {
                path: root.display(&c.path),
                reason: format!(
                    "the plaintext has {} bytes and SHA-256 {sha}, the manifest says {} bytes and {}; nothing was written",
                    w.bytes, p.bytes, p.sha256
                ),
            });
        }
        bytes += w.bytes;
        if i == 0 {
            crate::fault("decrypt-after-first-file");
        }
    }
    let m = sroot.display(MANIFEST_FILE);
    sroot
        .create_file(MANIFEST_FILE, 0o600)?
        .write_all(&plain)
        .map_err(io(&m))?;
    drop(sroot);
    nhikit_io::seal_dir(&staging).map_err(io(&staging))?;
    // Sealed read-only, and reachable by its owner only: it is plaintext.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&staging, std::fs::Permissions::from_mode(0o500))
            .map_err(io(&staging))?;
    }
    if parent.kind(&name)?.is_some() {
        parent.remove_dir(&name)?;
    }
    let final_path = parent_path.join(&name);
    std::fs::rename(&staging, &final_path).map_err(io(out))?;
    nhikit_io::unregister_partial(&staging);
    guard.0 = None;
    drop(lock);
    Ok(Decryption {
        source,
        source_path: source_loc,
        dataset,
        path: final_path.display().to_string(),
        files: inner.files.len() as u64,
        bytes,
        keys: public_keys(&ids),
        operator,
        confirmed_by,
        approval,
        staging: staging.display().to_string(),
    })
}

/// Removes a staging directory unless disarmed (a failure before the rename).
struct Staging(Option<(PathBuf, PathBuf)>);

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some((parent, name)) = self.0.take()
            && let Ok(root) = Root::open(&parent)
        {
            let _ = remove_tree(&root, &name);
            nhikit_io::unregister_partial(&parent.join(&name));
        }
    }
}

struct HashWrite<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for HashWrite<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Whether `ids` can start decrypting the dataset under `root`: used by crypto-erase to check
/// the key belongs to the dataset before destroying it.
pub(crate) fn key_opens(
    root: &Root,
    encryption: &Encryption,
    ids: &[age::x25519::Identity],
    key_file: &Path,
) -> Result<()> {
    root.check(&encryption.manifest.path)?;
    let mut r = open_encrypted(root, &encryption.manifest.path, ids, key_file, encryption)?;
    // Read one byte: the first chunk's authentication proves the key.
    let mut one = [0u8; 1];
    r.read(&mut one).map_err(|e| Error::Decrypt {
        path: root.display(&encryption.manifest.path),
        reason: e.to_string(),
    })?;
    Ok(())
}
