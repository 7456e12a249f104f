//! Path containment: the one rule for every path that comes from data or the network.
//!
//! A manifest, an encrypted manifest, a scenario, a request or a target profile names files
//! *relative to a root* (a dataset directory, a server's data directory). [`Root`] resolves such
//! a name and refuses it when it would leave the root:
//!
//! - lexically: an absolute path, a `..` component, an empty name, a NUL byte or a backslash
//!   (a Windows separator in an archive name) is refused before anything is opened;
//! - on the file system: every component is opened with `openat(…, O_NOFOLLOW)` relative to the
//!   directory opened before it, so a symbolic link *anywhere* on the way — to a file or a
//!   directory, inside the root or out of it — is refused, and what is checked is what was
//!   actually opened (no window between a check and the open).
//!
//! The root itself is the caller's choice (a command-line argument): a symbolic link in *its*
//! path is followed once, when the root is opened.
//!
//! ```
//! use nhikit_io::contain::Root;
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir(dir.path().join("csv"))?;
//! std::fs::write(dir.path().join("csv/a.csv"), "x")?;
//! let root = Root::open(dir.path())?;
//! assert!(root.open_file("csv/a.csv").is_ok());
//! assert!(root.open_file("../etc/passwd").is_err());
//! assert!(root.open_file("/etc/passwd").is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::ffi::OsStr;
use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Why a path from data was refused or could not be opened under its root.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainError {
    /// An absolute path where a path relative to the root is required.
    #[error("{path}: absolute path refused (a path from data must be relative to {root})")]
    Absolute {
        /// The path as given.
        path: PathBuf,
        /// The root it must stay under.
        root: PathBuf,
    },
    /// A `..` component.
    #[error("{path}: `..` refused (a path from data must stay under {root})")]
    ParentDir {
        /// The path as given.
        path: PathBuf,
        /// The root it must stay under.
        root: PathBuf,
    },
    /// An empty name, a NUL byte or a backslash.
    #[error("{path:?}: not a usable relative path ({reason})")]
    Malformed {
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A symbolic link on the way (the path up to and including the link).
    #[error("{path}: symbolic link refused (nothing under {root} may be a link)")]
    Symlink {
        /// The link, below the root.
        path: PathBuf,
        /// The root.
        root: PathBuf,
    },
    /// Not a regular file (a directory, a device, a FIFO, a socket) where a file is required,
    /// or not a directory where one is required.
    #[error("{path}: {reason}")]
    WrongType {
        /// The path, below the root.
        path: PathBuf,
        /// What it is and what was required.
        reason: String,
    },
    /// An operating-system error.
    #[error("{path}: {source}")]
    Io {
        /// The path, below the root.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl ContainError {
    /// Whether the error is "no such file or directory".
    pub fn is_not_found(&self) -> bool {
        matches!(self, ContainError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// Whether the path was refused because it would leave its root or crosses a link (as
    /// opposed to an I/O failure on a path that was acceptable).
    pub fn is_escape(&self) -> bool {
        matches!(
            self,
            ContainError::Absolute { .. }
                | ContainError::ParentDir { .. }
                | ContainError::Malformed { .. }
                | ContainError::Symlink { .. }
        )
    }
}

/// What a name under a [`Root`] is, read without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A device, FIFO or socket.
    Other,
}

/// Checks `rel` lexically and returns its normal components: refused when absolute, with `..`,
/// empty, or with a NUL byte or a backslash. `.` components are skipped.
pub fn relative_components(rel: &Path, root: &Path) -> Result<Vec<PathBuf>, ContainError> {
    let bytes = rel.as_os_str().as_bytes();
    if bytes.contains(&0) {
        return Err(ContainError::Malformed {
            path: rel.to_path_buf(),
            reason: "it contains a NUL byte",
        });
    }
    if bytes.contains(&b'\\') {
        return Err(ContainError::Malformed {
            path: rel.to_path_buf(),
            reason: "it contains a backslash",
        });
    }
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => parts.push(PathBuf::from(n)),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(ContainError::ParentDir {
                    path: rel.to_path_buf(),
                    root: root.to_path_buf(),
                });
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(ContainError::Absolute {
                    path: rel.to_path_buf(),
                    root: root.to_path_buf(),
                });
            }
        }
    }
    if parts.is_empty() {
        return Err(ContainError::Malformed {
            path: rel.to_path_buf(),
            reason: "it names no file",
        });
    }
    Ok(parts)
}

/// A directory that relative paths from data are resolved under; see the module docs.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

fn io_err(path: PathBuf) -> impl FnOnce(rustix::io::Errno) -> ContainError {
    move |e| ContainError::Io {
        path,
        source: std::io::Error::from(e),
    }
}

impl Root {
    /// Opens the directory `path` (which the user named: a link in it is followed).
    pub fn open(path: impl AsRef<Path>) -> Result<Root, ContainError> {
        let path = path.as_ref();
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| {
            if e == rustix::io::Errno::NOTDIR {
                ContainError::WrongType {
                    path: path.to_path_buf(),
                    reason: "not a directory".into(),
                }
            } else {
                io_err(path.to_path_buf())(e)
            }
        })?;
        Ok(Root {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// The root's path, as given to [`Root::open`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of `rel` under the root, for messages and for APIs that take a path (only
    /// after `rel` was checked by one of the opening functions).
    pub fn display(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path.join(rel)
    }

    /// Checks `rel` lexically (see [`relative_components`]) and returns it normalised.
    pub fn check(&self, rel: impl AsRef<Path>) -> Result<PathBuf, ContainError> {
        Ok(relative_components(rel.as_ref(), &self.path)?
            .into_iter()
            .collect())
    }

    /// Opens the directory that holds the last component of `rel`, walking every component
    /// without following links; returns it with the last component's name and the normalised
    /// relative path. With `create`, missing directories are created (mode 0755).
    fn parent_of(
        &self,
        rel: &Path,
        create: Option<Mode>,
    ) -> Result<(OwnedFd, PathBuf, PathBuf), ContainError> {
        let parts = relative_components(rel, &self.path)?;
        let (last, dirs) = parts.split_last().ok_or_else(|| ContainError::Malformed {
            path: rel.to_path_buf(),
            reason: "it names no file",
        })?;
        let mut so_far = PathBuf::new();
        let mut current: Option<OwnedFd> = None;
        for d in dirs {
            so_far.push(d);
            let base = current.as_ref().unwrap_or(&self.fd);
            let opened = match self.open_dir_at(base, d, &so_far) {
                Err(e) if create.is_some() && e.is_not_found() => {
                    let mode = create.unwrap_or(Mode::from_raw_mode(0o755));
                    match rustix::fs::mkdirat(base, d.as_path(), mode) {
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => return Err(io_err(self.path.join(&so_far))(e)),
                    }
                    self.open_dir_at(base, d, &so_far)?
                }
                other => other?,
            };
            current = Some(opened);
        }
        let fd = match current {
            Some(fd) => fd,
            None => self.fd.try_clone().map_err(|source| ContainError::Io {
                path: self.path.clone(),
                source,
            })?,
        };
        so_far.push(last);
        Ok((fd, last.clone(), so_far))
    }

    fn open_dir_at(
        &self,
        base: &OwnedFd,
        name: &Path,
        so_far: &Path,
    ) -> Result<OwnedFd, ContainError> {
        rustix::fs::openat(
            base,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| self.classify(base, name, so_far, e, "a directory"))
    }

    /// Turns an `openat` failure into the error a user needs: a link is named as a link
    /// (`ELOOP` from `O_NOFOLLOW`, or `ENOTDIR` on a link to a directory), a wrong type as such.
    fn classify(
        &self,
        base: &OwnedFd,
        name: &Path,
        so_far: &Path,
        e: rustix::io::Errno,
        wanted: &str,
    ) -> ContainError {
        let shown = self.path.join(so_far);
        if matches!(e, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR)
            && let Ok(st) = rustix::fs::statat(base, name, AtFlags::SYMLINK_NOFOLLOW)
        {
            let kind = FileType::from_raw_mode(st.st_mode);
            if kind == FileType::Symlink {
                return ContainError::Symlink {
                    path: shown,
                    root: self.path.clone(),
                };
            }
            return ContainError::WrongType {
                path: shown,
                reason: format!("not {wanted} ({})", describe(kind)),
            };
        }
        io_err(shown)(e)
    }

    /// Opens the regular file `rel` for reading.
    pub fn open_file(&self, rel: impl AsRef<Path>) -> Result<File, ContainError> {
        self.open_regular(rel.as_ref(), OFlags::RDONLY)
    }

    /// Opens the existing regular file `rel` for writing, without truncating it (to overwrite
    /// it in place, as destruction does); a link or anything but a regular file is refused.
    pub fn open_file_write(&self, rel: impl AsRef<Path>) -> Result<File, ContainError> {
        self.open_regular(rel.as_ref(), OFlags::WRONLY)
    }

    /// Opens the existing regular file `rel` with `access` (never following a link, never
    /// blocking on a FIFO) and checks what was opened is a regular file.
    fn open_regular(&self, rel: &Path, access: OFlags) -> Result<File, ContainError> {
        let (dir, name, norm) = self.parent_of(rel, None)?;
        let fd = rustix::fs::openat(
            &dir,
            name.as_path(),
            access | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
            Mode::empty(),
        )
        .map_err(|e| self.classify(&dir, &name, &norm, e, "a regular file"))?;
        let st = rustix::fs::fstat(&fd).map_err(io_err(self.path.join(&norm)))?;
        let kind = FileType::from_raw_mode(st.st_mode);
        if kind != FileType::RegularFile {
            return Err(ContainError::WrongType {
                path: self.path.join(&norm),
                reason: format!("not a regular file ({})", describe(kind)),
            });
        }
        // O_NONBLOCK only kept a FIFO from blocking the open; a regular file ignores it, but
        // clear it so the descriptor behaves as a plain `File::open` one.
        let flags = rustix::fs::fcntl_getfl(&fd).map_err(io_err(self.path.join(&norm)))?;
        rustix::fs::fcntl_setfl(&fd, flags - OFlags::NONBLOCK)
            .map_err(io_err(self.path.join(&norm)))?;
        Ok(File::from(fd))
    }

    /// Opens the directory `rel` as a root of its own.
    pub fn open_dir(&self, rel: impl AsRef<Path>) -> Result<Root, ContainError> {
        let (dir, name, norm) = self.parent_of(rel.as_ref(), None)?;
        let fd = self.open_dir_at(&dir, &name, &norm)?;
        Ok(Root {
            fd,
            path: self.path.join(norm),
        })
    }

    /// Creates the file `rel` (with its missing parent directories), refusing one that exists,
    /// with permission bits `mode` (before the umask), and opens it for writing.
    pub fn create_file(&self, rel: impl AsRef<Path>, mode: u32) -> Result<File, ContainError> {
        let (dir, name, norm) = self.parent_of(rel.as_ref(), Some(Mode::from_raw_mode(0o755)))?;
        let fd = rustix::fs::openat(
            &dir,
            name.as_path(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode),
        )
        .map_err(|e| self.classify(&dir, &name, &norm, e, "a new file"))?;
        Ok(File::from(fd))
    }

    /// Creates the directory `rel` and its missing parents (mode 0755 before the umask);
    /// an existing directory is fine, a link is refused.
    pub fn create_dir_all(&self, rel: impl AsRef<Path>) -> Result<(), ContainError> {
        let (dir, name, norm) = self.parent_of(rel.as_ref(), Some(Mode::from_raw_mode(0o755)))?;
        match rustix::fs::mkdirat(&dir, name.as_path(), Mode::from_raw_mode(0o755)) {
            Ok(()) => Ok(()),
            Err(rustix::io::Errno::EXIST) => self.open_dir_at(&dir, &name, &norm).map(drop),
            Err(e) => Err(io_err(self.path.join(norm))(e)),
        }
    }

    /// What `rel` is, without following a link; `None` when it does not exist. Links on the
    /// way to it are refused.
    pub fn kind(&self, rel: impl AsRef<Path>) -> Result<Option<EntryKind>, ContainError> {
        let (dir, name, norm) = match self.parent_of(rel.as_ref(), None) {
            Err(e) if e.is_not_found() => return Ok(None),
            other => other?,
        };
        match rustix::fs::statat(&dir, name.as_path(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(entry_kind(FileType::from_raw_mode(st.st_mode)))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(io_err(self.path.join(norm))(e)),
        }
    }

    /// Removes the regular file `rel` (a link or a directory there is refused, untouched).
    pub fn remove_file(&self, rel: impl AsRef<Path>) -> Result<(), ContainError> {
        let (dir, name, norm) = self.parent_of(rel.as_ref(), None)?;
        let st = rustix::fs::statat(&dir, name.as_path(), AtFlags::SYMLINK_NOFOLLOW)
            .map_err(io_err(self.path.join(&norm)))?;
        match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => rustix::fs::unlinkat(&dir, name.as_path(), AtFlags::empty())
                .map_err(io_err(self.path.join(norm))),
            FileType::Symlink => Err(ContainError::Symlink {
                path: self.path.join(norm),
                root: self.path.clone(),
            }),
            other => Err(ContainError::WrongType {
                path: self.path.join(norm),
                reason: format!("not a regular file ({})", describe(other)),
            }),
        }
    }

    /// Sets the permission bits of the regular file or directory `rel`, without following a
    /// link (a link there, or on the way, is refused and its target left as it is).
    pub fn set_mode(&self, rel: impl AsRef<Path>, mode: u32) -> Result<(), ContainError> {
        let (dir, name, norm) = self.parent_of(rel.as_ref(), None)?;
        let fd = rustix::fs::openat(
            &dir,
            name.as_path(),
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK,
            Mode::empty(),
        )
        .map_err(|e| self.classify(&dir, &name, &norm, e, "a file or directory"))?;
        let st = rustix::fs::fstat(&fd).map_err(io_err(self.path.join(&norm)))?;
        let kind = FileType::from_raw_mode(st.st_mode);
        if !matches!(kind, FileType::RegularFile | FileType::Directory) {
            return Err(ContainError::WrongType {
                path: self.path.join(&norm),
                reason: format!("not a regular file or directory ({})", describe(kind)),
            });
        }
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode)).map_err(io_err(self.path.join(norm)))
    }

    /// Sets the permission bits of the root directory itself.
    pub fn set_own_mode(&self, mode: u32) -> Result<(), ContainError> {
        rustix::fs::fchmod(&self.fd, Mode::from_raw_mode(mode)).map_err(io_err(self.path.clone()))
    }

    /// Removes the empty directory `rel`.
    pub fn remove_dir(&self, rel: impl AsRef<Path>) -> Result<(), ContainError> {
        let (dir, name, norm) = self.parent_of(rel.as_ref(), None)?;
        rustix::fs::unlinkat(&dir, name.as_path(), AtFlags::REMOVEDIR)
            .map_err(|e| self.classify(&dir, &name, &norm, e, "a directory"))
    }

    /// Every entry under the root, depth first in name order, with its kind, never following
    /// a link (a link is listed as [`EntryKind::Symlink`], its target not visited). Paths are
    /// relative to the root.
    pub fn walk(&self) -> Result<Vec<(PathBuf, EntryKind)>, ContainError> {
        let mut out = Vec::new();
        let fd = self.fd.try_clone().map_err(|source| ContainError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.walk_into(fd, PathBuf::new(), &mut out)?;
        Ok(out)
    }

    /// Refuses a root that holds a symbolic link anywhere (a dataset: links inside one are
    /// refused outright, whether or not a manifest lists them); the first link found, in walk
    /// order, is named.
    pub fn refuse_links(&self) -> Result<(), ContainError> {
        match self
            .walk()?
            .into_iter()
            .find(|(_, k)| *k == EntryKind::Symlink)
        {
            Some((rel, _)) => Err(ContainError::Symlink {
                path: self.path.join(rel),
                root: self.path.clone(),
            }),
            None => Ok(()),
        }
    }

    fn walk_into(
        &self,
        dir: OwnedFd,
        prefix: PathBuf,
        out: &mut Vec<(PathBuf, EntryKind)>,
    ) -> Result<(), ContainError> {
        let shown = self.path.join(&prefix);
        let mut names: Vec<(PathBuf, EntryKind)> = Vec::new();
        {
            let reader = rustix::fs::Dir::read_from(&dir).map_err(io_err(shown.clone()))?;
            for entry in reader {
                let entry = entry.map_err(io_err(shown.clone()))?;
                let name = entry.file_name().to_bytes();
                if name == b"." || name == b".." {
                    continue;
                }
                let name = PathBuf::from(OsStr::from_bytes(name));
                let kind = match entry.file_type() {
                    FileType::Unknown => {
                        let st =
                            rustix::fs::statat(&dir, name.as_path(), AtFlags::SYMLINK_NOFOLLOW)
                                .map_err(io_err(shown.join(&name)))?;
                        FileType::from_raw_mode(st.st_mode)
                    }
                    k => k,
                };
                names.push((name, entry_kind(kind)));
            }
        }
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in names {
            let rel = prefix.join(&name);
            out.push((rel.clone(), kind));
            if kind == EntryKind::Dir {
                let sub = self.open_dir_at(&dir, &name, &rel)?;
                self.walk_into(sub, rel, out)?;
            }
        }
        Ok(())
    }
}

fn entry_kind(t: FileType) -> EntryKind {
    match t {
        FileType::RegularFile => EntryKind::File,
        FileType::Directory => EntryKind::Dir,
        FileType::Symlink => EntryKind::Symlink,
        _ => EntryKind::Other,
    }
}

fn describe(t: FileType) -> &'static str {
    match t {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a FIFO",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "of an unknown type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let t = tempfile::tempdir().expect("tempdir");
        let root = t.path().join("root");
        let outside = t.path().join("outside");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(root.join("sub/a.txt"), "inside").expect("write");
        std::fs::write(outside.join("victim.txt"), "victim").expect("write");
        (t, root, outside)
    }

    #[test]
    fn opens_a_file_under_the_root() {
        let (_t, root, _) = setup();
        let r = Root::open(&root).expect("root");
        let mut s = String::new();
        r.open_file("sub/a.txt")
            .and_then(|mut f| {
                f.read_to_string(&mut s).map_err(|source| ContainError::Io {
                    path: "x".into(),
                    source,
                })
            })
            .expect("read");
        assert_eq!(s, "inside");
        assert!(r.open_file("./sub//a.txt").is_ok());
    }

    #[test]
    fn refuses_parent_absolute_and_malformed() {
        let (_t, root, outside) = setup();
        let r = Root::open(&root).expect("root");
        for bad in [
            "../outside/victim.txt",
            "sub/../../outside/victim.txt",
            "",
            ".",
            "sub\\a.txt",
        ] {
            let e = r.open_file(bad).expect_err(bad);
            assert!(e.is_escape(), "{bad}: {e}");
        }
        let abs = outside.join("victim.txt");
        assert!(matches!(
            r.open_file(&abs),
            Err(ContainError::Absolute { .. })
        ));
        assert!(matches!(
            r.create_file("../x", 0o644),
            Err(ContainError::ParentDir { .. })
        ));
        assert!(!root.parent().expect("parent").join("x").exists());
    }

    #[test]
    fn refuses_links_to_files_and_directories_anywhere_on_the_way() {
        let (_t, root, outside) = setup();
        symlink(outside.join("victim.txt"), root.join("link.txt")).expect("symlink");
        symlink(&outside, root.join("linkdir")).expect("symlink");
        symlink(root.join("sub/a.txt"), root.join("inner.txt")).expect("symlink");
        let r = Root::open(&root).expect("root");
        for bad in ["link.txt", "linkdir/victim.txt", "inner.txt"] {
            assert!(
                matches!(r.open_file(bad), Err(ContainError::Symlink { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            r.remove_file("link.txt"),
            Err(ContainError::Symlink { .. })
        ));
        assert!(matches!(
            r.remove_file("linkdir/victim.txt"),
            Err(ContainError::Symlink { .. })
        ));
        assert!(matches!(
            r.create_file("linkdir/new.txt", 0o644),
            Err(ContainError::Symlink { .. })
        ));
        assert!(outside.join("victim.txt").exists());
        assert!(!outside.join("new.txt").exists());
        assert_eq!(r.kind("link.txt").ok().flatten(), Some(EntryKind::Symlink));
    }

    #[test]
    fn creates_and_removes_under_the_root() {
        let (_t, root, _) = setup();
        let r = Root::open(&root).expect("root");
        let mut f = r.create_file("new/deep/b.txt", 0o600).expect("create");
        f.write_all(b"b").expect("write");
        drop(f);
        assert_eq!(
            std::fs::read(root.join("new/deep/b.txt")).ok(),
            Some(b"b".to_vec())
        );
        assert!(r.create_file("new/deep/b.txt", 0o600).is_err(), "exclusive");
        assert_eq!(r.kind("new/deep").ok().flatten(), Some(EntryKind::Dir));
        r.remove_file("new/deep/b.txt").expect("remove");
        r.remove_dir("new/deep").expect("rmdir");
        assert_eq!(r.kind("new/deep").ok().flatten(), None);
        assert!(matches!(
            r.remove_file("sub"),
            Err(ContainError::WrongType { .. })
        ));
    }

    #[test]
    fn walk_lists_links_without_following_them() {
        let (_t, root, outside) = setup();
        symlink(&outside, root.join("sub/out")).expect("symlink");
        let r = Root::open(&root).expect("root");
        let listed = r.walk().expect("walk");
        assert_eq!(
            listed,
            vec![
                (PathBuf::from("sub"), EntryKind::Dir),
                (PathBuf::from("sub/a.txt"), EntryKind::File),
                (PathBuf::from("sub/out"), EntryKind::Symlink),
            ]
        );
    }

    #[test]
    fn a_fifo_is_not_a_file_and_does_not_block() {
        let (_t, root, _) = setup();
        let status = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "mkfifo (coreutils) failed"
        );
        let r = Root::open(&root).expect("root");
        assert!(matches!(
            r.open_file("fifo"),
            Err(ContainError::WrongType { .. })
        ));
    }
}
