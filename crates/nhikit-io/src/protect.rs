//! Protection of a dataset's files: encrypted as they are written, through a
//! [`FileEncryptor`] the caller supplies (nhikit-safety's age encryptor), so no plaintext
//! byte reaches the disk; and sealed read-only (files 0444, directories 0555) once complete.
//!
//! An encrypted dataset keeps the plaintext manifest (paths, plaintext sizes and SHA-256,
//! seed, options) encrypted in `manifest.json<suffix>`; its `manifest.json` lists the
//! encrypted files with their ciphertext sizes and SHA-256 and carries no seed, options, record
//! counts or plaintext hash (any of them would let a guessed seed be tested by regenerating),
//! plus an [`Encryption`] block.

use crate::hash::HashingWriter;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Encrypts each file of a dataset while it is written.
pub trait FileEncryptor: Send + Sync + std::fmt::Debug {
    /// The scheme recorded in the manifest, e.g. `age`.
    fn scheme(&self) -> &str;
    /// The suffix added to every encrypted file's name, e.g. `.age`.
    fn suffix(&self) -> &str;
    /// The recipients (public keys) recorded in the manifest.
    fn recipients(&self) -> Vec<String>;
    /// Starts a ciphertext in `out`: what is written to the returned writer reaches `out`
    /// encrypted.
    fn wrap(&self, out: CipherOut) -> io::Result<Box<dyn EncryptingWriter>>;
}

/// The writer a [`FileEncryptor`] returns.
pub trait EncryptingWriter: Write + Send {
    /// Writes the end of the ciphertext and gives the output back.
    fn finish(self: Box<Self>) -> io::Result<CipherOut>;
}

/// The file a ciphertext goes to; counts and hashes the ciphertext bytes.
pub struct CipherOut(HashingWriter<File>);

impl std::fmt::Debug for CipherOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CipherOut")
    }
}

impl Write for CipherOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// How a dataset is encrypted, in its (outer) manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    /// The scheme, e.g. `age` (age-encryption.org/v1, one file key per file).
    pub scheme: String,
    /// The recipients every file is encrypted to.
    pub recipients: Vec<String>,
    /// The encrypted plaintext manifest.
    pub manifest: EncryptedManifest,
}

/// The plaintext manifest, stored encrypted beside the files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedManifest {
    /// Its path, e.g. `manifest.json.age`.
    pub path: String,
    /// Ciphertext size in bytes.
    pub bytes: u64,
    /// Ciphertext SHA-256. (No plaintext hash: it would let anyone test a guess of the seed
    /// and options by regenerating; age authenticates the plaintext, and the plaintext
    /// manifest lists every file's hash.)
    pub sha256: String,
}

/// An output file, plain or encrypted.
pub(crate) enum FileOut {
    Plain(File),
    Encrypted(Box<dyn EncryptingWriter>),
}

impl FileOut {
    /// Creates `path` (plus the encryptor's suffix), encrypted when `encryptor` is given.
    pub(crate) fn create(path: &Path, encryptor: Option<&dyn FileEncryptor>) -> io::Result<Self> {
        match encryptor {
            None => Ok(FileOut::Plain(File::create(path)?)),
            Some(e) => {
                let mut name = path.as_os_str().to_owned();
                name.push(e.suffix());
                let file = File::create(Path::new(&name))?;
                Ok(FileOut::Encrypted(
                    e.wrap(CipherOut(HashingWriter::new(file)))?,
                ))
            }
        }
    }

    /// Completes the file; for an encrypted one, its ciphertext size and SHA-256.
    pub(crate) fn finish(self) -> io::Result<Option<(u64, String)>> {
        match self {
            FileOut::Plain(mut f) => {
                f.flush()?;
                Ok(None)
            }
            FileOut::Encrypted(w) => w.finish()?.0.finish().map(Some),
        }
    }
}

impl Write for FileOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            FileOut::Plain(f) => f.write(buf),
            FileOut::Encrypted(w) => w.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            FileOut::Plain(f) => f.write_all(buf),
            FileOut::Encrypted(w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            FileOut::Plain(f) => f.flush(),
            FileOut::Encrypted(w) => w.flush(),
        }
    }
}

/// What a finished file holds: plaintext size and SHA-256, and the ciphertext's when
/// encrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) bytes: u64,
    pub(crate) sha256: String,
    pub(crate) cipher: Option<(u64, String)>,
}

/// Completes a hashed output file.
pub(crate) fn finish_file(w: HashingWriter<FileOut>) -> io::Result<Written> {
    let (out, bytes, sha256) = w.into_parts()?;
    let cipher = out.finish()?;
    Ok(Written {
        bytes,
        sha256,
        cipher,
    })
}

/// Makes every file under `dir` read-only (0444) and every directory, `dir` included,
/// 0555: the manifest's hashes are the seal, the modes guard against accidents.
pub fn seal_dir(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if std::fs::symlink_metadata(&path)?.is_dir() {
            seal_dir(&path)?;
        } else {
            set_mode(&path, 0o444)?;
        }
    }
    set_mode(dir, 0o555)
}

/// Undoes [`seal_dir`] (files 0644, directories 0755) so the dataset can be overwritten,
/// replaced or removed.
pub fn unseal_dir(dir: &Path) -> io::Result<()> {
    set_mode(dir, 0o755)?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if std::fs::symlink_metadata(&path)?.is_dir() {
            unseal_dir(&path)?;
        } else {
            set_mode(&path, 0o644)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    let mut p = std::fs::metadata(path)?.permissions();
    p.set_readonly(mode & 0o200 == 0);
    std::fs::set_permissions(path, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn seal_and_unseal_set_the_modes() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("d");
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/b/f"), "x").unwrap();
        std::fs::write(d.join("g"), "y").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        seal_dir(&d).unwrap();
        assert_eq!(mode(&d), 0o555);
        assert_eq!(mode(&d.join("a/b")), 0o555);
        assert_eq!(mode(&d.join("a/b/f")), 0o444);
        assert_eq!(mode(&d.join("g")), 0o444);
        unseal_dir(&d).unwrap();
        assert_eq!(mode(&d.join("a")), 0o755);
        assert_eq!(mode(&d.join("a/b/f")), 0o644);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
