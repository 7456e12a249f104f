//! Datasets on the wire: a tar archive (POSIX ustar/GNU, uncompressed) of a directory's regular
//! files, written from opened files and unpacked under a [`Root`] so that nothing an archive
//! names can land outside its destination.
//!
//! Writing ([`ArchiveWriter`]) reads every file through [`Root::open_file`] (a link in the
//! source is refused, never followed). Unpacking ([`unpack`]) accepts regular files and
//! directories only — a link, a hard link, a device or a FIFO entry is refused — checks every
//! name with the containment rule (no absolute path, no `..`, no backslash), creates each file
//! exclusively (an archive cannot write a name twice) and stops at the [`Limits`] it is given.
//!
//! ```
//! use nhikit_io::archive::{ArchiveWriter, Limits, unpack};
//! use nhikit_io::contain::Root;
//! let src = tempfile::tempdir()?;
//! std::fs::create_dir(src.path().join("csv"))?;
//! std::fs::write(src.path().join("csv/a.csv"), "a,b\n")?;
//! let mut w = ArchiveWriter::new(Vec::new());
//! w.add_bytes("request.json", b"{}")?;
//! w.add_tree(&Root::open(src.path())?, "data")?;
//! let tar = w.finish()?;
//! let dst = tempfile::tempdir()?;
//! let got = unpack(&tar[..], &Root::open(dst.path())?, &Limits::default())?;
//! assert_eq!(got.files, 2);
//! assert_eq!(std::fs::read(dst.path().join("data/csv/a.csv"))?, b"a,b\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::contain::{ContainError, EntryKind, Root, relative_components};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The content type of an archive on HTTP.
pub const CONTENT_TYPE: &str = "application/x-tar";

/// Why an archive could not be written or unpacked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// A name refused by the containment rule, or a file that could not be opened under its root.
    #[error(transparent)]
    Contain(#[from] ContainError),
    /// An entry that is not a regular file or a directory.
    #[error(
        "archive entry {name:?}: {kind} entries are refused (regular files and directories only)"
    )]
    EntryType {
        /// The entry's name.
        name: String,
        /// What it is.
        kind: &'static str,
    },
    /// The archive is larger than allowed.
    #[error("the archive exceeds its limit: {what}")]
    TooLarge {
        /// Which limit, with the figures.
        what: String,
    },
    /// The output directory cannot be used (it exists and is not empty, …).
    #[error(transparent)]
    Output(Box<crate::Error>),
    /// Not a readable tar archive, or an I/O error while reading or writing it.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ArchiveError {
    let context = context.into();
    move |source| ArchiveError::Io { context, source }
}

/// What [`unpack`] accepts at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The sum of the files' sizes, in bytes.
    pub max_bytes: u64,
    /// The number of entries (files and directories).
    pub max_entries: u64,
}

impl Default for Limits {
    /// 16 GiB, 1,000,000 entries.
    fn default() -> Limits {
        Limits {
            max_bytes: 16 << 30,
            max_entries: 1_000_000,
        }
    }
}

/// What [`unpack`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpacked {
    /// Regular files written.
    pub files: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Writes a tar archive to `W`, one entry at a time.
pub struct ArchiveWriter<W: Write> {
    builder: tar::Builder<W>,
}

impl<W: Write> ArchiveWriter<W> {
    /// An archive written to `out`.
    pub fn new(out: W) -> ArchiveWriter<W> {
        let mut builder = tar::Builder::new(out);
        builder.mode(tar::HeaderMode::Deterministic);
        ArchiveWriter { builder }
    }

    fn header(name: &str, size: u64) -> Result<tar::Header, ArchiveError> {
        relative_components(Path::new(name), Path::new("archive"))?;
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(size);
        h.set_mode(0o644);
        h.set_mtime(0);
        Ok(h)
    }

    /// Adds a file named `name` holding `bytes`.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), ArchiveError> {
        let mut h = Self::header(name, bytes.len() as u64)?;
        self.builder
            .append_data(&mut h, name, bytes)
            .map_err(io(format!("writing archive entry {name}")))
    }

    /// Adds the file `rel` under `root` as `name`.
    pub fn add_file(&mut self, root: &Root, rel: &Path, name: &str) -> Result<u64, ArchiveError> {
        let file = root.open_file(rel)?;
        let size = file
            .metadata()
            .map_err(io(format!("{}", root.display(rel).display())))?
            .len();
        let mut h = Self::header(name, size)?;
        // `take` keeps the entry at the size in its header even if the file grows meanwhile.
        self.builder
            .append_data(&mut h, name, file.take(size))
            .map_err(io(format!("archiving {}", root.display(rel).display())))?;
        Ok(size)
    }

    /// Adds every regular file under `root` as `prefix/<relative path>` (or the bare relative
    /// path when `prefix` is empty), in name order; a link or a special file is refused.
    /// Returns the number of files.
    pub fn add_tree(&mut self, root: &Root, prefix: &str) -> Result<u64, ArchiveError> {
        let mut n = 0;
        for (rel, kind) in root.walk()? {
            match kind {
                EntryKind::Dir => {}
                EntryKind::File => {
                    let shown = rel.to_string_lossy();
                    let name = if prefix.is_empty() {
                        shown.into_owned()
                    } else {
                        format!("{prefix}/{shown}")
                    };
                    self.add_file(root, &rel, &name)?;
                    n += 1;
                }
                EntryKind::Symlink => {
                    return Err(ContainError::Symlink {
                        path: root.display(&rel),
                        root: root.path().to_path_buf(),
                    }
                    .into());
                }
                EntryKind::Other => {
                    return Err(ContainError::WrongType {
                        path: root.display(&rel),
                        reason: "not a regular file or a directory".into(),
                    }
                    .into());
                }
            }
        }
        Ok(n)
    }

    /// Ends the archive and returns the writer.
    pub fn finish(self) -> Result<W, ArchiveError> {
        self.builder
            .into_inner()
            .map_err(io("finishing the archive"))
    }
}

fn kind_name(t: tar::EntryType) -> &'static str {
    match t {
        tar::EntryType::Symlink => "symbolic link",
        tar::EntryType::Link => "hard link",
        tar::EntryType::Char => "character device",
        tar::EntryType::Block => "block device",
        tar::EntryType::Fifo => "FIFO",
        _ => "special",
    }
}

/// Unpacks the tar archive read from `input` under `dest`; see the module docs for what is
/// refused. On an error the files written so far stay (the caller unpacks into a fresh
/// directory it removes on failure).
pub fn unpack(input: impl Read, dest: &Root, limits: &Limits) -> Result<Unpacked, ArchiveError> {
    let mut archive = tar::Archive::new(input);
    let mut got = Unpacked::default();
    let mut entries_seen = 0u64;
    let entries = archive.entries().map_err(io("reading the archive"))?;
    for entry in entries {
        let mut entry = entry.map_err(io("reading the archive"))?;
        entries_seen += 1;
        if entries_seen > limits.max_entries {
            return Err(ArchiveError::TooLarge {
                what: format!("more than {} entries", limits.max_entries),
            });
        }
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let rel: PathBuf = relative_components(
            Path::new(std::ffi::OsStr::new(&*name)),
            Path::new("archive"),
        )?
        .into_iter()
        .collect();
        let t = entry.header().entry_type();
        match t {
            tar::EntryType::Directory => dest.create_dir_all(&rel)?,
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let size = entry.size();
                if got.bytes.saturating_add(size) > limits.max_bytes {
                    return Err(ArchiveError::TooLarge {
                        what: format!("more than {} bytes of files", limits.max_bytes),
                    });
                }
                let mut file = dest.create_file(&rel, 0o600)?;
                let copied = std::io::copy(&mut entry, &mut file)
                    .map_err(io(format!("unpacking {name}")))?;
                file.flush().map_err(io(format!("unpacking {name}")))?;
                got.files += 1;
                got.bytes += copied;
            }
            // Extended headers (long names, pax attributes) are read by the tar crate itself.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            other => {
                return Err(ArchiveError::EntryType {
                    name,
                    kind: kind_name(other),
                });
            }
        }
    }
    Ok(got)
}

/// A new directory `out` that an archive is unpacked into and that appears only complete (a
/// temporary sibling renamed into place, as a generated dataset does). Made before the archive
/// is asked for, so that an unusable `out` is refused before anything is transferred.
pub struct NewDir {
    staging: crate::dataset::Staging,
}

impl NewDir {
    /// Checks `out` (it must not exist, be empty, or `overwrite`) and makes the temporary
    /// sibling.
    pub fn new(out: &Path, overwrite: bool) -> Result<NewDir, ArchiveError> {
        let staging = crate::dataset::Staging::new(out, overwrite)
            .map_err(|e| ArchiveError::Output(Box::new(e)))?;
        Ok(NewDir { staging })
    }

    /// Unpacks the archive read from `input` and renames the directory into place. The entry
    /// `take` (e.g. a response at the archive's head) is read out and not left in the
    /// directory; its bytes are returned, `None` when absent. On an error nothing is left.
    pub fn fill(
        self,
        input: impl Read,
        limits: &Limits,
        take: &str,
    ) -> Result<(Unpacked, Option<Vec<u8>>), ArchiveError> {
        let root = Root::open(self.staging.path())?;
        let mut got = unpack(input, &root, limits)?;
        let taken = match root.open_file(take) {
            Ok(mut f) => {
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes)
                    .map_err(io(format!("reading {take}")))?;
                root.remove_file(take)?;
                got.files = got.files.saturating_sub(1);
                got.bytes = got.bytes.saturating_sub(bytes.len() as u64);
                // Remove the directories `take` sat in, as far as they are now empty.
                let mut dir = Path::new(take).parent();
                while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
                    if root.remove_dir(d).is_err() {
                        break;
                    }
                    dir = d.parent();
                }
                Some(bytes)
            }
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e.into()),
        };
        self.staging
            .commit()
            .map_err(|e| ArchiveError::Output(Box::new(e)))?;
        Ok((got, taken))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_tar(name: &str, t: tar::EntryType, link: Option<&str>, body: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(t);
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        if let Some(l) = link {
            h.set_link_name(l).expect("link name");
        }
        // Bypass the builder's own name checks: write the name bytes directly.
        let bytes = name.as_bytes();
        let gnu = h.as_gnu_mut().expect("gnu header");
        gnu.name[..bytes.len()].copy_from_slice(bytes);
        h.set_cksum();
        b.append(&h, body).expect("append");
        b.into_inner().expect("finish")
    }

    #[test]
    fn refuses_escaping_names_links_and_devices() {
        let t = tempfile::tempdir().expect("tempdir");
        let dest = t.path().join("dest");
        std::fs::create_dir(&dest).expect("mkdir");
        let root = Root::open(&dest).expect("root");
        let cases = [
            raw_tar("../evil.txt", tar::EntryType::Regular, None, b"x"),
            raw_tar("/tmp/evil.txt", tar::EntryType::Regular, None, b"x"),
            raw_tar("a/../../evil.txt", tar::EntryType::Regular, None, b"x"),
            raw_tar("link", tar::EntryType::Symlink, Some("/etc"), b""),
            raw_tar("hard", tar::EntryType::Link, Some("/etc/passwd"), b""),
            raw_tar("fifo", tar::EntryType::Fifo, None, b""),
        ];
        for tar in cases {
            let e = unpack(&tar[..], &root, &Limits::default());
            assert!(e.is_err(), "{e:?}");
        }
        assert!(!t.path().join("evil.txt").exists());
        assert!(root.walk().expect("walk").is_empty(), "nothing written");
    }

    #[test]
    fn a_name_written_twice_is_refused() {
        let mut w = ArchiveWriter::new(Vec::new());
        w.add_bytes("a.txt", b"1").expect("add");
        w.add_bytes("a.txt", b"2").expect("add");
        let tar = w.finish().expect("finish");
        let t = tempfile::tempdir().expect("tempdir");
        let root = Root::open(t.path()).expect("root");
        assert!(unpack(&tar[..], &root, &Limits::default()).is_err());
        assert_eq!(
            std::fs::read(t.path().join("a.txt")).ok(),
            Some(b"1".to_vec())
        );
    }

    #[test]
    fn unpacks_into_a_new_directory_taking_the_head_entry() {
        let mut w = ArchiveWriter::new(Vec::new());
        w.add_bytes(".nhikit/response.json", b"{}").expect("add");
        w.add_bytes("csv/a.csv", b"a").expect("add");
        let tar = w.finish().expect("finish");
        let t = tempfile::tempdir().expect("tempdir");
        let out = t.path().join("out");
        let (got, head) = NewDir::new(&out, false)
            .and_then(|d| d.fill(&tar[..], &Limits::default(), ".nhikit/response.json"))
            .expect("unpack");
        assert_eq!(head.as_deref(), Some(&b"{}"[..]));
        assert_eq!(got.files, 1);
        assert!(out.join("csv/a.csv").is_file());
        assert!(!out.join(".nhikit").exists());
        // Not again without overwrite, and nothing half-written beside it.
        assert!(NewDir::new(&out, false).is_err());
        let names: Vec<_> = std::fs::read_dir(t.path()).expect("ls").collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn limits_hold() {
        let mut w = ArchiveWriter::new(Vec::new());
        w.add_bytes("a.txt", &[0u8; 100]).expect("add");
        w.add_bytes("b.txt", &[0u8; 100]).expect("add");
        let tar = w.finish().expect("finish");
        let t = tempfile::tempdir().expect("tempdir");
        let root = Root::open(t.path()).expect("root");
        let small = Limits {
            max_bytes: 150,
            max_entries: 10,
        };
        assert!(matches!(
            unpack(&tar[..], &root, &small),
            Err(ArchiveError::TooLarge { .. })
        ));
        let few = Limits {
            max_bytes: 1000,
            max_entries: 1,
        };
        let t2 = tempfile::tempdir().expect("tempdir");
        let root2 = Root::open(t2.path()).expect("root");
        assert!(matches!(
            unpack(&tar[..], &root2, &few),
            Err(ArchiveError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_source_tree_with_a_link_is_refused() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("secret"), "s").expect("write");
        let src = t.path().join("src");
        std::fs::create_dir(&src).expect("mkdir");
        std::os::unix::fs::symlink(t.path().join("secret"), src.join("x")).expect("symlink");
        let mut w = ArchiveWriter::new(Vec::new());
        let e = w.add_tree(&Root::open(&src).expect("root"), "");
        assert!(matches!(
            e,
            Err(ArchiveError::Contain(ContainError::Symlink { .. }))
        ));
    }
}
