//! Encrypted datasets: [`AgeEncryptor`] encrypts every file to age X25519 recipients while
//! nhikit-io writes it (no plaintext byte reaches the disk), [`decrypt()`] restores a
//! plaintext copy into a new directory after checking every hash, and the key file of
//! a dataset can be destroyed by crypto-erase ([`crate::destroy()`] with
//! [`crate::DestroyMethod::CryptoErase`]).
//!
//! Files are age v1 (age-encryption.org/v1), one random file key per file wrapped to every
//! recipient: the Debian `age` tool decrypts them (`age -d -i key.txt FILE.age`).

use crate::audit::{AuditEntry, hex};
use crate::destroy::{dataset_id, operators};
use crate::error::{Error, Result, io};
use nhikit_io::{CipherOut, EncryptingWriter, Encryption, FileEncryptor, MANIFEST_FILE, Manifest};
use sha2::{Digest, Sha256};
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

/// Starts decrypting the age file `path` with `ids`; a key that is not a recipient is a
/// refusal naming the key file and the dataset's recipients.
pub(crate) fn open_encrypted(
    path: &Path,
    ids: &[age::x25519::Identity],
    key_file: &Path,
    encryption: &Encryption,
) -> Result<age::stream::StreamReader<BufReader<std::fs::File>>> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let decryptor =
        age::Decryptor::new_buffered(BufReader::with_capacity(1 << 16, file)).map_err(|e| {
            Error::Decrypt {
                path: path.to_path_buf(),
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
                path: path.to_path_buf(),
                reason: other.to_string(),
            },
        })
}

/// Reads the encryption block of the dataset in `dir`, refusing a plaintext dataset.
pub(crate) fn encrypted_manifest(dir: &Path) -> Result<(Manifest, Encryption)> {
    let manifest = Manifest::read(dir).map_err(|e| Error::NotADataset {
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
    Ok((manifest, encryption))
}

/// Who decrypts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecryptOptions {
    /// The operator carrying it out.
    pub operator: String,
    /// Require a second, distinct operator.
    pub two_person: bool,
    /// The second operator confirming.
    pub confirm_operator: Option<String>,
}

/// A decrypted copy: the record for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decryption {
    /// The encrypted dataset's id (SHA-256 of its `manifest.json`).
    pub source: String,
    /// The encrypted dataset's directory, as given.
    pub source_path: String,
    /// The copy's id: SHA-256 of its (plaintext) `manifest.json`.
    pub dataset: String,
    /// The copy's directory, as given.
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
        });
        e
    }
}

/// Removes a temporary output directory unless disarmed.
struct TempDir(Option<PathBuf>);

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = nhikit_io::unseal_dir(&p);
            let _ = std::fs::remove_dir_all(&p);
        }
    }
}

/// Decrypts the encrypted dataset in `dir` with the identities in `identity_file` into the
/// new directory `out`, and returns the record to log.
///
/// Refuses, writing nothing, when `out` exists (and is not an empty directory), when a
/// ciphertext does not match the manifest, or when no identity is a recipient. Every
/// plaintext file's size and SHA-256 is checked against the decrypted manifest; the copy is
/// written into a temporary sibling directory, sealed read-only and renamed to `out` only
/// when complete, so `out` never holds a partial dataset.
pub fn decrypt(
    dir: &Path,
    identity_file: &Path,
    out: &Path,
    options: &DecryptOptions,
) -> Result<Decryption> {
    let (operator, confirmed_by) = operators(
        "decryption",
        &options.operator,
        options.two_person,
        options.confirm_operator.as_deref(),
    )?;
    let (outer, encryption) = encrypted_manifest(dir)?;
    let ids = read_identities(identity_file)?;
    let name = out
        .file_name()
        .ok_or_else(|| Error::Refused(format!("{}: not a directory name", out.display())))?;
    if out.exists() && (!out.is_dir() || std::fs::read_dir(out).map_err(io(out))?.next().is_some())
    {
        return Err(Error::Refused(format!(
            "{} exists: decrypt writes a new directory; nothing was written",
            out.display()
        )));
    }
    let broken = outer.verify(dir)?;
    let no_output = |e: Error| match e {
        Error::Refused(m) => Error::Refused(format!("{m}; nothing was written")),
        other => other,
    };
    if let Some(first) = broken.first() {
        return Err(Error::Refused(format!(
            "{}: {} file(s) do not match the manifest, e.g. {first}; nothing was written",
            dir.display(),
            broken.len()
        )));
    }
    // The plaintext manifest, checked against the hash the outer manifest records.
    let manifest_path = dir.join(&encryption.manifest.path);
    let mut plain = Vec::new();
    open_encrypted(&manifest_path, &ids, identity_file, &encryption)
        .map_err(no_output)?
        .read_to_end(&mut plain)
        .map_err(|e| Error::Decrypt {
            path: manifest_path.clone(),
            reason: e.to_string(),
        })?;
    let plain_id = hex(&Sha256::digest(&plain));
    if plain_id != encryption.manifest.plaintext_sha256 {
        return Err(Error::Decrypt {
            path: manifest_path,
            reason: format!(
                "the plaintext's SHA-256 is {plain_id}, the manifest says {}",
                encryption.manifest.plaintext_sha256
            ),
        });
    }
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
    if !same_files || inner.encryption.is_some() {
        return Err(Error::NotADataset {
            path: manifest_path,
            reason: "the decrypted manifest does not list the encrypted files".into(),
        });
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(format!(".nhikit-partial-decrypt-{}", std::process::id()));
    let tmp = parent.join(tmp_name);
    if tmp.exists() {
        // Left by a killed process that had our pid.
        let _ = nhikit_io::unseal_dir(&tmp);
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir(&tmp).map_err(io(&tmp))?;
    let mut guard = TempDir(Some(tmp.clone()));
    let mut bytes = 0;
    for (p, c) in inner.files.iter().zip(&outer.files) {
        let target = tmp.join(&p.path);
        if let Some(d) = target.parent() {
            std::fs::create_dir_all(d).map_err(io(d))?;
        }
        let source = dir.join(&c.path);
        let mut reader = open_encrypted(&source, &ids, identity_file, &encryption)?;
        let file = std::fs::File::create(&target).map_err(io(&target))?;
        let mut w = HashWrite {
            inner: std::io::BufWriter::with_capacity(1 << 16, file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        std::io::copy(&mut reader, &mut w).map_err(|e| Error::Decrypt {
            path: source.clone(),
            reason: e.to_string(),
        })?;
        w.inner.flush().map_err(io(&target))?;
        let sha = hex(&w.hasher.finalize());
        if w.bytes != p.bytes || sha != p.sha256 {
            return Err(Error::Decrypt {
                path: source,
                reason: format!(
                    "the plaintext has {} bytes and SHA-256 {sha}, the manifest says {} bytes and {}; nothing was written",
                    w.bytes, p.bytes, p.sha256
                ),
            });
        }
        bytes += w.bytes;
    }
    let m = tmp.join(MANIFEST_FILE);
    std::fs::write(&m, &plain).map_err(io(&m))?;
    nhikit_io::seal_dir(&tmp).map_err(io(&tmp))?;
    if out.exists() {
        std::fs::remove_dir(out).map_err(io(out))?;
    }
    std::fs::rename(&tmp, out).map_err(io(out))?;
    guard.0 = None;
    Ok(Decryption {
        source: dataset_id(dir)?,
        source_path: dir.display().to_string(),
        dataset: plain_id,
        path: out.display().to_string(),
        files: inner.files.len() as u64,
        bytes,
        keys: public_keys(&ids),
        operator,
        confirmed_by,
    })
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

/// Whether `reader` can start decrypting: used by crypto-erase to check the key belongs to
/// the dataset before destroying it.
pub(crate) fn key_opens(
    dir: &Path,
    encryption: &Encryption,
    ids: &[age::x25519::Identity],
    key_file: &Path,
) -> Result<()> {
    let path = dir.join(&encryption.manifest.path);
    let mut r = open_encrypted(&path, ids, key_file, encryption)?;
    // Read one byte: the first chunk's authentication proves the key.
    let mut one = [0u8; 1];
    r.read(&mut one).map_err(|e| Error::Decrypt {
        path,
        reason: e.to_string(),
    })?;
    Ok(())
}
