//! `manifest.json`: what a dataset holds (entity row counts, every file with its SHA-256) and
//! how it was made (nhikit version, schema, generator output version, seed, options, shard).
//! Deterministic by construction: no clock, no host, fixed key order, files sorted by path.

use crate::contain::{ContainError, EntryKind, Root};
use crate::error::{Error, Result, io};
use crate::format::Format;
use crate::hash::hash_reader;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The manifest's file name inside a dataset directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The version of the manifest's own format; bumped when fields change meaning.
pub const MANIFEST_VERSION: u32 = 1;

/// The contents of `manifest.json`. Field order here is the key order in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of this manifest format ([`MANIFEST_VERSION`]).
    pub manifest_version: u32,
    /// The nhikit release that wrote the dataset.
    pub nhikit_version: String,
    /// The data model the files follow.
    pub schema: SchemaInfo,
    /// The generator and its output version.
    pub generator: GeneratorInfo,
    /// The seed every record derives from.
    pub seed: u64,
    /// When the dataset was made, only if the caller asked for it (it breaks byte identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// A random id drawn when the dataset was made (`nhikit gen`): with the dataset's
    /// location it tells the dataset apart from a copy of it, which has the same id elsewhere.
    /// Absent in datasets made before it existed (their id is the SHA-256 of the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_id: Option<String>,
    /// The generation options, as the caller recorded them.
    pub options: serde_json::Value,
    /// Which shard of a split run this is, or null for a whole run.
    pub shard: Option<Shard>,
    /// Per entity: the number of records (counted once, not once per format) and parts.
    pub entities: BTreeMap<String, EntityCount>,
    /// Every data file, sorted by path.
    pub files: Vec<FileEntry>,
    /// For an encrypted dataset: how, to whom, and where its plaintext manifest is. Its
    /// `files` are then the encrypted files, and `seed` and `options` are blank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<crate::protect::Encryption>,
}

/// Name and version of the data model (`schemas/nhikit-schema.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaInfo {
    /// The model's name.
    pub name: String,
    /// The model's version.
    pub version: String,
}

/// The program that produced the records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratorInfo {
    /// Its name, e.g. `nhikit-synth`.
    pub name: String,
    /// Bumped whenever the same seed would give different records.
    pub output_version: u32,
}

/// One shard of a run split `count` ways (`--shard index/count`, 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based shard number.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

/// Record and part counts of one entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityCount {
    /// Records.
    pub rows: u64,
    /// Parts (each part is written once per format).
    pub parts: u64,
}

/// One data file of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the dataset directory, with `/` separators.
    pub path: String,
    /// The entity whose records the file holds.
    pub entity: String,
    /// The file's format.
    pub format: Format,
    /// For CSV, the layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// For CSV, the text encoding: `utf-8` or `cp932`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Records in the file (header excluded).
    pub rows: u64,
    /// File size in bytes.
    pub bytes: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// What the caller adds to the manifest when finishing a dataset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestInfo {
    /// The generator and its output version.
    pub generator: GeneratorInfo,
    /// The seed.
    pub seed: u64,
    /// The options to record (e.g. households, municipalities, formats); `null` if none.
    pub options: serde_json::Value,
    /// The shard, if the run is split.
    pub shard: Option<Shard>,
    /// A creation time or other label; leave `None` for byte-identical manifests.
    pub created: Option<String>,
}

impl FileEntry {
    /// For a CSV file, the encoding it was written in (to pass to [`crate::read_csv`], since
    /// `--encoding` may have overridden the layout's); `None` for other formats.
    pub fn csv_encoding(&self) -> Result<Option<nhikit_schema::Encoding>> {
        self.encoding
            .as_deref()
            .map(crate::format::parse_encoding)
            .transpose()
    }
}

impl Manifest {
    /// Reads `DIR/manifest.json` (see [`Manifest::read_in`]).
    pub fn read(dir: &Path) -> Result<Manifest> {
        Manifest::read_in(&Root::open(dir)?)
    }

    /// Reads `manifest.json` under `root`: the manifest itself must not be a link, and every
    /// path it lists must be a relative path in normal form that stays under the root (no
    /// `..`, not absolute: see [`crate::contain`]); a manifest that names any other path is
    /// refused as a whole.
    pub fn read_in(root: &Root) -> Result<Manifest> {
        let path = root.display(MANIFEST_FILE);
        let mut file = root.open_file(MANIFEST_FILE)?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(io(&path))?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|source| Error::Manifest {
                path: path.clone(),
                source,
            })?;
        manifest.check_paths(root)?;
        Ok(manifest)
    }

    /// Checks every path the manifest lists (see [`Manifest::read_in`]).
    pub fn check_paths(&self, root: &Root) -> Result<()> {
        let listed = self
            .files
            .iter()
            .map(|f| f.path.as_str())
            .chain(self.encryption.iter().map(|e| e.manifest.path.as_str()));
        for rel in listed {
            let refused = |source| Error::ManifestPath {
                manifest: root.display(MANIFEST_FILE),
                source,
            };
            let normal = root.check(rel).map_err(refused)?;
            if normal.as_os_str() != std::ffi::OsStr::new(rel) || rel == MANIFEST_FILE {
                return Err(refused(ContainError::Malformed {
                    path: PathBuf::from(rel),
                    reason: if rel == MANIFEST_FILE {
                        "the manifest cannot list itself"
                    } else {
                        "it is not in normal form (`.`, empty or trailing components)"
                    },
                }));
            }
        }
        Ok(())
    }

    /// The manifest as written: pretty JSON and a final newline.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut out = serde_json::to_vec_pretty(self).map_err(|source| Error::Manifest {
            path: PathBuf::from(MANIFEST_FILE),
            source,
        })?;
        out.push(b'\n');
        Ok(out)
    }

    /// Re-hashes every file listed under `dir` and lists what does not match (see
    /// [`Manifest::verify_in`]).
    pub fn verify(&self, dir: &Path) -> Result<Vec<Mismatch>> {
        self.verify_in(&Root::open(dir)?)
    }

    /// Re-hashes every file listed under `root` and lists what does not match: missing files,
    /// files not in the manifest, size or hash differences, and anything refused — a listed
    /// path that leaves the root, a symbolic link anywhere in the dataset (listed or not,
    /// never followed), a device or FIFO. Empty means intact. Files are read only through
    /// [`Root`], so nothing outside the dataset is opened.
    pub fn verify_in(&self, root: &Root) -> Result<Vec<Mismatch>> {
        let mut out = Vec::new();
        let mut listed: BTreeSet<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let mut expected: Vec<(&str, u64, &str)> = self
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.bytes, f.sha256.as_str()))
            .collect();
        if let Some(e) = &self.encryption {
            listed.insert(&e.manifest.path);
            let m = &e.manifest;
            expected.push((&m.path, m.bytes, &m.sha256));
        }
        // Links and special files are refused wherever they are; the listed files are checked
        // below (a refused one is reported once).
        let mut refused: BTreeSet<String> = BTreeSet::new();
        for (rel, kind) in root.walk()? {
            let rel = rel.to_string_lossy().into_owned();
            match kind {
                EntryKind::Dir => {}
                EntryKind::File => {
                    if rel != MANIFEST_FILE && !listed.contains(rel.as_str()) {
                        out.push(Mismatch::Extra { path: rel });
                    }
                }
                EntryKind::Symlink => {
                    refused.insert(rel.clone());
                    out.push(Mismatch::Refused {
                        path: rel,
                        reason: "a symbolic link (refused inside a dataset; not followed)".into(),
                    });
                }
                EntryKind::Other => {
                    refused.insert(rel.clone());
                    out.push(Mismatch::Refused {
                        path: rel,
                        reason: "not a regular file or directory (refused inside a dataset)".into(),
                    });
                }
            }
        }
        for (rel, size, hash) in expected {
            if refused.contains(rel) {
                continue;
            }
            let mut file = match root.open_file(rel) {
                Ok(f) => f,
                Err(e) if e.is_not_found() => {
                    out.push(Mismatch::Missing {
                        path: rel.to_owned(),
                    });
                    continue;
                }
                Err(e @ ContainError::Io { .. }) => return Err(e.into()),
                Err(e) => {
                    out.push(Mismatch::Refused {
                        path: rel.to_owned(),
                        reason: refusal(&e),
                    });
                    continue;
                }
            };
            let shown = root.display(rel);
            let (bytes, sha256) = hash_reader(&mut file).map_err(io(&shown))?;
            if bytes != size {
                out.push(Mismatch::Size {
                    path: rel.to_owned(),
                    expected: size,
                    actual: bytes,
                });
            } else if sha256 != hash {
                out.push(Mismatch::Hash {
                    path: rel.to_owned(),
                    expected: hash.to_owned(),
                    actual: sha256,
                });
            }
        }
        out.sort_by(|a, b| a.path().cmp(b.path()));
        Ok(out)
    }
}

/// Why a listed path was refused, without the path (a [`Mismatch`] names it).
fn refusal(e: &ContainError) -> String {
    match e {
        ContainError::Absolute { .. } => {
            "an absolute path (refused: it must be relative to the dataset)".into()
        }
        ContainError::ParentDir { .. } => {
            "`..` (refused: a path must stay inside the dataset)".into()
        }
        ContainError::Malformed { reason, .. } => format!("not a usable relative path ({reason})"),
        ContainError::Symlink { path, .. } => format!(
            "crosses the symbolic link {} (refused inside a dataset; not followed)",
            path.display()
        ),
        ContainError::WrongType { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// Reads `DIR/manifest.json` and re-hashes every file (see [`Manifest::verify_in`]).
pub fn verify_files(dir: &Path) -> Result<Vec<Mismatch>> {
    let root = Root::open(dir)?;
    Manifest::read_in(&root)?.verify_in(&root)
}

/// A difference between a dataset directory and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// Listed in the manifest, absent from the directory.
    Missing {
        /// Relative path.
        path: String,
    },
    /// In the directory, not listed in the manifest.
    Extra {
        /// Relative path.
        path: String,
    },
    /// The size differs.
    Size {
        /// Relative path.
        path: String,
        /// Bytes in the manifest.
        expected: u64,
        /// Bytes on disk.
        actual: u64,
    },
    /// Same size, different SHA-256.
    Hash {
        /// Relative path.
        path: String,
        /// SHA-256 in the manifest.
        expected: String,
        /// SHA-256 on disk.
        actual: String,
    },
    /// Refused without being read: a symbolic link, a special file, or a listed path that
    /// leaves the dataset.
    Refused {
        /// Relative path (as listed, or as found in the directory).
        path: String,
        /// Why.
        reason: String,
    },
}

impl Mismatch {
    /// The file concerned, relative to the dataset directory.
    pub fn path(&self) -> &str {
        match self {
            Mismatch::Missing { path }
            | Mismatch::Extra { path }
            | Mismatch::Size { path, .. }
            | Mismatch::Hash { path, .. }
            | Mismatch::Refused { path, .. } => path,
        }
    }

    /// What is wrong, without the path.
    pub fn problem(&self) -> String {
        match self {
            Mismatch::Missing { .. } => "missing (listed in the manifest)".to_owned(),
            Mismatch::Extra { .. } => "not listed in the manifest".to_owned(),
            Mismatch::Size {
                expected, actual, ..
            } => format!("{actual} bytes, the manifest says {expected}"),
            Mismatch::Hash {
                expected, actual, ..
            } => format!("SHA-256 {actual}, the manifest says {expected}"),
            Mismatch::Refused { reason, .. } => reason.clone(),
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.problem())
    }
}

/// How [`merge_shards`] fills the merged directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeOptions {
    /// Copy every file instead of hard-linking it. Links are the default (no second copy of
    /// the data); they fall back to copies when a shard is on another file system.
    pub copy: bool,
    /// Replace the output directory if it exists and is not empty.
    pub overwrite: bool,
}

/// What [`merge_shards`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The merged dataset's manifest (as written to `OUT/manifest.json`).
    pub manifest: Manifest,
    /// The shard directories in shard order, each with the SHA-256 of its `manifest.json`.
    pub shards: Vec<(PathBuf, String)>,
    /// Files hard-linked from the shards.
    pub linked: u64,
    /// Files copied (on request, or because a link was not possible).
    pub copied: u64,
}

/// Why shard directories could not be merged. Each variant names the shard directory (as
/// given) and what differs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// No directory was given.
    #[error("no shard directories given")]
    NoShards,
    /// A shard's manifest could not be read.
    #[error("{dir}: {source}")]
    Read {
        /// The shard directory.
        dir: PathBuf,
        /// What went wrong.
        source: Box<Error>,
    },
    /// An encrypted shard: its seed and options are encrypted, so it cannot be matched.
    #[error(
        "{dir}: the shard is encrypted; merge the plaintext shards (or decrypt each with `nhikit decrypt`) instead"
    )]
    Encrypted {
        /// The shard directory.
        dir: PathBuf,
    },
    /// A whole run (`shard: null`) given with other directories.
    #[error(
        "{dir}: not a shard (its manifest has `shard: null`, a whole run); only the directories of one `nhikit gen --shard I/N` run can be merged"
    )]
    NotAShard {
        /// The directory.
        dir: PathBuf,
    },
    /// A shard's manifest differs from the first shard's in something a run fixes.
    #[error(
        "{dir}: {field} is {found}, but {first} has {expected}: the shards are not from one run"
    )]
    Differs {
        /// The shard directory.
        dir: PathBuf,
        /// The first shard given, whose manifest the others are compared with.
        first: PathBuf,
        /// The manifest field, e.g. `seed`, `options.households`, `shard.count`.
        field: String,
        /// The value in `dir`.
        found: String,
        /// The value in `first`.
        expected: String,
    },
    /// The same shard given twice.
    #[error("shard {index}/{count} given twice: {first} and {second}")]
    Duplicate {
        /// 1-based shard number.
        index: u32,
        /// Number of shards.
        count: u32,
        /// The first directory holding it.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// Shards of the run are missing.
    #[error("shards missing: {} of {count} (given: {})", list(.missing), list(.given))]
    Missing {
        /// Number of shards of the run.
        count: u32,
        /// The 1-based numbers not given.
        missing: Vec<u32>,
        /// The 1-based numbers given.
        given: Vec<u32>,
    },
    /// A shard's files do not match its manifest.
    #[error("{dir}: {} files do not match the shard's manifest: {}", .mismatches.len(), first_of(.mismatches))]
    Altered {
        /// The shard directory.
        dir: PathBuf,
        /// Every difference.
        mismatches: Vec<Mismatch>,
    },
    /// Two shards list the same file.
    #[error("{path} is listed by both {first} and {second}")]
    Collision {
        /// The file, relative to the dataset.
        path: String,
        /// The first shard listing it.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// Writing the merged dataset failed.
    #[error(transparent)]
    Write(Box<Error>),
}

impl From<Error> for MergeError {
    fn from(e: Error) -> MergeError {
        MergeError::Write(Box::new(e))
    }
}

impl From<ContainError> for MergeError {
    fn from(e: ContainError) -> MergeError {
        MergeError::Write(Box::new(e.into()))
    }
}

fn list(numbers: &[u32]) -> String {
    numbers
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_of(mismatches: &[Mismatch]) -> String {
    match mismatches {
        [] => String::new(),
        [one] => one.to_string(),
        [one, rest @ ..] => format!("{one} (and {} more)", rest.len()),
    }
}

/// Merges the directories of one run split with `nhikit gen --shard I/N` into one dataset at
/// `out`, as if the run had not been split.
///
/// Checks, before writing anything: every manifest reads and is not encrypted; the shards
/// agree on manifest and nhikit versions, schema, generator, seed, options and shard count;
/// no shard is given twice and none is missing; every shard's files match its manifest
/// (size and SHA-256); no file is listed by two shards. Then links (or copies) every file
/// into a temporary sibling of `out`, writes the merged manifest — the shards' entity counts
/// summed, their files listed together, `shard: null` — seals it read-only and renames it
/// into place.
///
/// Part files are numbered by the run's plan, not by the shard, so the merged directory has
/// the same paths, the same bytes and the same manifest as the run made on one machine.
///
/// A single directory with `shard: null` (or `--shard 1/1`) is a complete set of one.
pub fn merge_shards(
    shards: &[PathBuf],
    out: &Path,
    options: &MergeOptions,
) -> std::result::Result<Merged, MergeError> {
    let Some(first_dir) = shards.first() else {
        return Err(MergeError::NoShards);
    };
    let mut manifests = Vec::with_capacity(shards.len());
    for dir in shards {
        let manifest = Manifest::read(dir).map_err(|source| MergeError::Read {
            dir: dir.clone(),
            source: Box::new(source),
        })?;
        if manifest.encryption.is_some() {
            return Err(MergeError::Encrypted { dir: dir.clone() });
        }
        manifests.push(manifest);
    }
    // Shard numbers, with a whole run counting as 1/1.
    let mut numbered: Vec<(Shard, &PathBuf, &Manifest)> = Vec::new();
    for (dir, m) in shards.iter().zip(&manifests) {
        let shard = match m.shard {
            Some(s) => s,
            None if shards.len() == 1 => Shard { index: 1, count: 1 },
            None => return Err(MergeError::NotAShard { dir: dir.clone() }),
        };
        numbered.push((shard, dir, m));
    }
    let first = &manifests[0];
    let count = numbered[0].0.count;
    for &(shard, dir, m) in &numbered[1..] {
        let differs = |field: &str, found: String, expected: String| MergeError::Differs {
            dir: dir.clone(),
            first: first_dir.clone(),
            field: field.to_owned(),
            found,
            expected,
        };
        let check = |field: &str, found: String, expected: String| {
            if found == expected {
                Ok(())
            } else {
                Err(differs(field, found, expected))
            }
        };
        check(
            "manifest_version",
            m.manifest_version.to_string(),
            first.manifest_version.to_string(),
        )?;
        check(
            "nhikit_version",
            m.nhikit_version.clone(),
            first.nhikit_version.clone(),
        )?;
        check(
            "schema",
            format!("{} {}", m.schema.name, m.schema.version),
            format!("{} {}", first.schema.name, first.schema.version),
        )?;
        check(
            "generator",
            format!(
                "{} output version {}",
                m.generator.name, m.generator.output_version
            ),
            format!(
                "{} output version {}",
                first.generator.name, first.generator.output_version
            ),
        )?;
        check("seed", m.seed.to_string(), first.seed.to_string())?;
        if m.options != first.options {
            // Name the first option that differs.
            let keys: BTreeSet<&String> = m
                .options
                .as_object()
                .into_iter()
                .chain(first.options.as_object())
                .flat_map(|o| o.keys())
                .collect();
            let null = serde_json::Value::Null;
            let key = keys
                .into_iter()
                .find(|k| m.options.get(k.as_str()) != first.options.get(k.as_str()));
            return Err(match key {
                Some(k) => differs(
                    &format!("options.{k}"),
                    m.options.get(k.as_str()).unwrap_or(&null).to_string(),
                    first.options.get(k.as_str()).unwrap_or(&null).to_string(),
                ),
                None => differs("options", m.options.to_string(), first.options.to_string()),
            });
        }
        check("shard.count", shard.count.to_string(), count.to_string())?;
    }
    // A complete, disjoint set of shard numbers.
    let mut by_index: BTreeMap<u32, &PathBuf> = BTreeMap::new();
    for &(shard, dir, _) in &numbered {
        if let Some(previous) = by_index.insert(shard.index, dir) {
            return Err(MergeError::Duplicate {
                index: shard.index,
                count,
                first: previous.clone(),
                second: dir.clone(),
            });
        }
    }
    let missing: Vec<u32> = (1..=count).filter(|i| !by_index.contains_key(i)).collect();
    if !missing.is_empty() || by_index.len() != count as usize {
        return Err(MergeError::Missing {
            count,
            missing,
            given: by_index.keys().copied().collect(),
        });
    }
    numbered.sort_by_key(|(s, _, _)| s.index);
    // Every shard's files against its manifest, shards in parallel.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(numbered.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let checked: std::sync::Mutex<Vec<(usize, Result<Vec<Mismatch>>)>> =
        std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((_, dir, m)) = numbered.get(i) else {
                        break;
                    };
                    let r = m.verify(dir);
                    if let Ok(mut all) = checked.lock() {
                        all.push((i, r));
                    }
                }
            });
        }
    });
    let mut checked = checked.into_inner().unwrap_or_else(|e| e.into_inner());
    checked.sort_by_key(|(i, _)| *i);
    if checked.len() != numbered.len() {
        return Err(Error::Incomplete {
            reason: "a shard check did not finish".to_owned(),
        }
        .into());
    }
    for (i, r) in checked {
        let dir = numbered[i].1;
        let mismatches = r.map_err(|source| MergeError::Read {
            dir: dir.clone(),
            source: Box::new(source),
        })?;
        if !mismatches.is_empty() {
            return Err(MergeError::Altered {
                dir: dir.clone(),
                mismatches,
            });
        }
    }
    // No file listed twice.
    let mut owner: BTreeMap<&str, &PathBuf> = BTreeMap::new();
    for &(_, dir, m) in &numbered {
        for f in &m.files {
            if let Some(previous) = owner.insert(f.path.as_str(), dir) {
                return Err(MergeError::Collision {
                    path: f.path.clone(),
                    first: previous.clone(),
                    second: dir.clone(),
                });
            }
        }
    }

    let mut entities: BTreeMap<String, EntityCount> = BTreeMap::new();
    let mut files = Vec::new();
    for &(_, _, m) in &numbered {
        for (entity, c) in &m.entities {
            let total = entities.entry(entity.clone()).or_default();
            total.rows += c.rows;
            total.parts += c.parts;
        }
        files.extend(m.files.iter().cloned());
    }
    files.sort();
    let created = numbered
        .iter()
        .all(|(_, _, m)| m.created == first.created)
        .then(|| first.created.clone())
        .flatten();
    let manifest = Manifest {
        manifest_version: first.manifest_version,
        nhikit_version: first.nhikit_version.clone(),
        schema: first.schema.clone(),
        generator: first.generator.clone(),
        seed: first.seed,
        created,
        // A merge makes a new dataset; its id is its manifest's hash (the shards' ids differ).
        dataset_id: None,
        options: first.options.clone(),
        shard: None,
        entities,
        files,
        encryption: None,
    };

    let staging = crate::dataset::Staging::new(out, options.overwrite)?;
    let tmp = staging.path().to_path_buf();
    let target = Root::open(&tmp)?;
    let (mut linked, mut copied) = (0, 0);
    for &(_, dir, m) in &numbered {
        // The shard was verified above (no link in it); its files are still read only through
        // its root, so a link put there since is refused rather than followed.
        let source = Root::open(dir)?;
        for f in &m.files {
            let from = source.display(&f.path);
            let to = target.display(&f.path);
            if let Some(parent) = Path::new(&f.path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
            {
                target.create_dir_all(parent)?;
            }
            // link(2) does not follow a link at `from`; a link there would be refused by any
            // reader of the merged dataset.
            if !options.copy && std::fs::hard_link(&from, &to).is_ok() {
                linked += 1;
                continue;
            }
            let mut reader = source.open_file(&f.path)?;
            let mut writer = target.create_file(&f.path, 0o644)?;
            let bytes = std::io::copy(&mut reader, &mut writer).map_err(io(&from))?;
            if bytes != f.bytes {
                return Err(Error::Incomplete {
                    reason: format!(
                        "{}: copied {bytes} bytes, the manifest says {}",
                        from.display(),
                        f.bytes
                    ),
                }
                .into());
            }
            copied += 1;
        }
    }
    let manifest_path = tmp.join(MANIFEST_FILE);
    std::fs::write(&manifest_path, manifest.to_json()?).map_err(io(&manifest_path))?;
    crate::protect::seal_dir(&tmp).map_err(io(&tmp))?;
    staging.commit()?;
    let mut ids = Vec::with_capacity(numbered.len());
    for &(_, dir, _) in &numbered {
        let path = dir.join(MANIFEST_FILE);
        let mut file = Root::open(dir)?.open_file(MANIFEST_FILE)?;
        let (_, sha256) = hash_reader(&mut file).map_err(io(&path))?;
        ids.push((dir.clone(), sha256));
    }
    Ok(Merged {
        manifest,
        shards: ids,
        linked,
        copied,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{DatasetWriter, Format, ManifestInfo, Partition, WriterOptions};
    use nhikit_schema::RowWriter;

    fn schema() -> nhikit_schema::Schema {
        nhikit_schema::load_texts([
            (
                "nhikit-schema.toml",
                "[schema]\nname = \"demo\"\nversion = \"1\"\n",
            ),
            (
                "entities/town.toml",
                "[entity]\nid = \"town\"\nlabel = \"町\"\nprimary_key = [\"name\"]\n\
                 [[item]]\nid = \"name\"\nlabel = \"名称\"\ntype = \"string\"\nlength = 20\nchars = \"jis0213\"\n",
            ),
        ])
        .unwrap()
    }

    /// Writes shard `index`/`count` of a toy run: part `index - 1` holds one town.
    fn shard(root: &Path, name: &str, index: u32, count: u32, seed: u64) -> PathBuf {
        let out = root.join(name);
        let options = WriterOptions {
            formats: vec![Format::Jsonl],
            ..WriterOptions::default()
        };
        let mut w = DatasetWriter::create(&out, &schema(), options).unwrap();
        w.seal_on_finish(true);
        let mut part = w
            .part("town", &Partition::prefecture(13), index - 1)
            .unwrap();
        part.str(&format!("町{index}"));
        part.end_row();
        part.finish().unwrap();
        w.finish(ManifestInfo {
            seed,
            options: serde_json::json!({"households": 10}),
            shard: (count > 1).then_some(Shard { index, count }),
            ..ManifestInfo::default()
        })
        .unwrap();
        out
    }

    #[test]
    fn merged_shards_list_every_file_and_sum_the_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = [3, 1, 2]
            .into_iter()
            .map(|i| shard(tmp.path(), &format!("s{i}"), i, 3, 7))
            .collect();
        let out = tmp.path().join("all");
        let merged = merge_shards(&dirs, &out, &MergeOptions::default()).unwrap();
        assert_eq!(merged.manifest.shard, None);
        assert_eq!(
            merged.manifest.entities["town"],
            EntityCount { rows: 3, parts: 3 }
        );
        let paths: Vec<&str> = merged
            .manifest
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "jsonl/town/prefecture=13/part-00000.jsonl",
                "jsonl/town/prefecture=13/part-00001.jsonl",
                "jsonl/town/prefecture=13/part-00002.jsonl",
            ]
        );
        assert_eq!(merged.linked + merged.copied, 3);
        // The shards come back in shard order, whatever order they were given in.
        assert!(merged.shards[0].0.ends_with("s1"));
        assert!(verify_files(&out).unwrap().is_empty());
        assert_eq!(
            std::fs::read_to_string(out.join(paths[2])).unwrap(),
            "{\"name\":\"町3\"}\n"
        );
        assert_eq!(Manifest::read(&out).unwrap(), merged.manifest);
    }

    #[test]
    fn a_missing_shard_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = vec![
            shard(tmp.path(), "a", 1, 4, 7),
            shard(tmp.path(), "b", 3, 4, 7),
        ];
        let err = merge_shards(&dirs, &tmp.path().join("o"), &MergeOptions::default())
            .unwrap_err()
            .to_string();
        assert_eq!(err, "shards missing: 2, 4 of 4 (given: 1, 3)");
        assert!(!tmp.path().join("o").exists());
    }

    #[test]
    fn a_duplicate_shard_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs = vec![
            shard(tmp.path(), "a", 1, 2, 7),
            shard(tmp.path(), "b", 2, 2, 7),
            shard(tmp.path(), "c", 2, 2, 7),
        ];
        let err = merge_shards(&dirs, &tmp.path().join("o"), &MergeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("shard 2/2 given twice: "), "{err}");
        assert!(err.contains("/b and ") && err.ends_with("/c"), "{err}");
    }

    #[test]
    fn shards_of_different_runs_are_refused_naming_the_field() {
        let tmp = tempfile::tempdir().unwrap();
        let a = shard(tmp.path(), "a", 1, 2, 7);
        let b = shard(tmp.path(), "b", 2, 2, 8);
        let err = merge_shards(
            &[a.clone(), b],
            &tmp.path().join("o"),
            &MergeOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, MergeError::Differs { field, found, expected, .. }
                if field == "seed" && found == "8" && expected == "7"),
            "{err}"
        );
        let c = shard(tmp.path(), "c", 2, 3, 7);
        let err = merge_shards(&[a, c], &tmp.path().join("o"), &MergeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("shard.count is 3, but")
                && err.ends_with("has 2: the shards are not from one run"),
            "{err}"
        );
    }

    #[test]
    fn a_shard_whose_file_changed_is_refused_and_nothing_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let a = shard(tmp.path(), "a", 1, 2, 7);
        let b = shard(tmp.path(), "b", 2, 2, 7);
        let file = b.join("jsonl/town/prefecture=13/part-00001.jsonl");
        crate::protect::unseal_dir(&b).unwrap();
        std::fs::write(&file, "{\"name\":\"町X\"}\n").unwrap();
        let out = tmp.path().join("o");
        let err = merge_shards(&[a, b], &out, &MergeOptions::default()).unwrap_err();
        match &err {
            MergeError::Altered { dir, mismatches } => {
                assert!(dir.ends_with("b"));
                assert_eq!(
                    mismatches[0].path(),
                    "jsonl/town/prefecture=13/part-00001.jsonl"
                );
                assert!(matches!(mismatches[0], Mismatch::Hash { .. }));
            }
            other => panic!("{other}"),
        }
        assert!(!out.exists());
    }

    #[test]
    fn a_whole_run_with_a_shard_is_refused_but_alone_is_a_set_of_one() {
        let tmp = tempfile::tempdir().unwrap();
        let whole = shard(tmp.path(), "w", 1, 1, 7);
        let a = shard(tmp.path(), "a", 1, 2, 7);
        let err = merge_shards(
            &[a, whole.clone()],
            &tmp.path().join("o"),
            &MergeOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, MergeError::NotAShard { .. }), "{err}");
        let out = tmp.path().join("one");
        let merged = merge_shards(
            std::slice::from_ref(&whole),
            &out,
            &MergeOptions {
                copy: true,
                overwrite: false,
            },
        )
        .unwrap();
        assert_eq!(merged.copied, 1);
        assert_eq!(
            std::fs::read(out.join(MANIFEST_FILE)).unwrap(),
            std::fs::read(whole.join(MANIFEST_FILE)).unwrap()
        );
    }

    #[test]
    fn two_shards_listing_the_same_file_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let a = shard(tmp.path(), "a", 1, 2, 7);
        // Shard 2 of a toy run whose part number collides with shard 1's.
        let out = tmp.path().join("b");
        let mut w = DatasetWriter::create(
            &out,
            &schema(),
            WriterOptions {
                formats: vec![Format::Jsonl],
                ..WriterOptions::default()
            },
        )
        .unwrap();
        let mut part = w.part("town", &Partition::prefecture(13), 0).unwrap();
        part.str("町");
        part.end_row();
        part.finish().unwrap();
        w.seal_on_finish(true);
        w.finish(ManifestInfo {
            seed: 7,
            options: serde_json::json!({"households": 10}),
            shard: Some(Shard { index: 2, count: 2 }),
            ..ManifestInfo::default()
        })
        .unwrap();
        let err = merge_shards(&[a, out], &tmp.path().join("o"), &MergeOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("jsonl/town/prefecture=13/part-00000.jsonl is listed by both "),
            "{err}"
        );
    }
}
