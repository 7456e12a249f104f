//! `manifest.json`: what a dataset holds (entity row counts, every file with its SHA-256) and
//! how it was made (nhikit version, schema, generator output version, seed, options, shard).
//! Deterministic by construction: no clock, no host, fixed key order, files sorted by path.

use crate::error::{Error, Result, io};
use crate::format::Format;
use crate::hash::hash_file;
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
    /// Reads `DIR/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST_FILE);
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        serde_json::from_slice(&bytes).map_err(|source| Error::Manifest { path, source })
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

    /// Re-hashes every file listed under `dir` and lists what does not match: missing files,
    /// files not in the manifest, and size or hash differences. Empty means intact.
    pub fn verify(&self, dir: &Path) -> Result<Vec<Mismatch>> {
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
        for (rel, size, hash) in expected {
            let path = dir.join(rel);
            if !path.is_file() {
                out.push(Mismatch::Missing {
                    path: rel.to_owned(),
                });
                continue;
            }
            let (bytes, sha256) = hash_file(&path).map_err(io(&path))?;
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
        let mut present = Vec::new();
        walk(dir, "", &mut present)?;
        for path in present {
            if path != MANIFEST_FILE && !listed.contains(path.as_str()) {
                out.push(Mismatch::Extra { path });
            }
        }
        out.sort_by(|a, b| a.path().cmp(b.path()));
        Ok(out)
    }
}

/// Reads `DIR/manifest.json` and re-hashes every file (see [`Manifest::verify`]).
pub fn verify_files(dir: &Path) -> Result<Vec<Mismatch>> {
    Manifest::read(dir)?.verify(dir)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(io(dir))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if path.is_dir() {
            walk(&path, &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
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
}

impl Mismatch {
    /// The file concerned, relative to the dataset directory.
    pub fn path(&self) -> &str {
        match self {
            Mismatch::Missing { path }
            | Mismatch::Extra { path }
            | Mismatch::Size { path, .. }
            | Mismatch::Hash { path, .. } => path,
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Missing { path } => write!(f, "{path}: missing (listed in the manifest)"),
            Mismatch::Extra { path } => write!(f, "{path}: not listed in the manifest"),
            Mismatch::Size {
                path,
                expected,
                actual,
            } => write!(f, "{path}: {actual} bytes, the manifest says {expected}"),
            Mismatch::Hash {
                path,
                expected,
                actual,
            } => write!(f, "{path}: SHA-256 {actual}, the manifest says {expected}"),
        }
    }
}
