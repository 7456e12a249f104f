//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong writing, reading or verifying a dataset.
///
/// Variants name the file (relative to the dataset directory when writing), and where it
/// applies the entity, the 1-based record number and the item.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system I/O error on a file or directory.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A path from data refused or not openable under its root (`..`, absolute, a link).
    #[error(transparent)]
    Contain(#[from] crate::contain::ContainError),
    /// A manifest lists a path that is not a relative path staying under its dataset.
    #[error("{manifest}: refused: {source}")]
    ManifestPath {
        /// The manifest file.
        manifest: PathBuf,
        /// What is wrong with the listed path.
        source: crate::contain::ContainError,
    },
    /// Another process (or writer) holds the output's lock.
    #[error(
        "{path}: another nhikit process is writing there (it holds {lock}); wait for it to finish, or choose another output"
    )]
    OutputLocked {
        /// The output.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// Overwriting was asked for, but the output is not something nhikit wrote and can
    /// recognise; nothing was removed.
    #[error("{path}: not replaced: {reason}; nothing was removed")]
    NotReplaceable {
        /// The output.
        path: PathBuf,
        /// Why it is not recognised as an nhikit dataset.
        reason: String,
    },
    /// The output directory exists and is not empty (and overwriting was not asked for).
    #[error(
        "{path}: the output directory already exists and is not empty (choose another path or allow overwriting)"
    )]
    OutputExists {
        /// The output directory.
        path: PathBuf,
    },
    /// The output path has no final component (`/`, `..`).
    #[error("{path}: not usable as an output directory (it needs a final name component)")]
    InvalidOutputPath {
        /// The path given.
        path: PathBuf,
    },
    /// Another writer in this process is already writing to the same output.
    #[error("{path}: another dataset writer in this process is writing there")]
    OutputBusy {
        /// The temporary directory in use.
        path: PathBuf,
    },
    /// An entity id that the schema does not define.
    #[error("unknown entity `{entity}` (not in the schema)")]
    UnknownEntity {
        /// The id asked for.
        entity: String,
    },
    /// A format name that is not one of `parquet`, `arrow`, `csv`, `jsonl`.
    #[error("unknown format `{name}` (expected parquet, arrow, csv or jsonl)")]
    UnknownFormat {
        /// The name given.
        name: String,
    },
    /// An encoding name other than `utf-8` or `cp932`.
    #[error("unknown encoding `{name}` (expected utf-8 or cp932)")]
    UnknownEncoding {
        /// The name given.
        name: String,
    },
    /// No output format was requested.
    #[error("no output format requested")]
    NoFormats,
    /// A partition whose municipality is not a 6-digit code of its prefecture.
    #[error("invalid partition prefecture={prefecture} municipality={municipality:?}: {reason}")]
    InvalidPartition {
        /// The prefecture number.
        prefecture: u8,
        /// The municipality code.
        municipality: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The same part (entity, partition, part number) was asked for twice.
    #[error("{path}: this part was already created")]
    DuplicatePart {
        /// The part's file path without format directory and extension.
        path: String,
    },
    /// A value cannot be written in the file's encoding.
    #[error(
        "{file}: record {record}, item `{item}` ({label}): character {character:?} (U+{code:04X}) cannot be encoded in {encoding}",
        code = u32::from(*character)
    )]
    Unencodable {
        /// The file, relative to the dataset directory.
        file: String,
        /// The 1-based record number in the file (0 for the header line).
        record: u64,
        /// The item id.
        item: String,
        /// The item's Japanese label.
        label: String,
        /// The character.
        character: char,
        /// The encoding's name.
        encoding: &'static str,
    },
    /// The generator wrote a record that does not fit the entity's items.
    #[error("{entity}: record {record}, item `{item}`: {reason}")]
    RowShape {
        /// The entity.
        entity: String,
        /// The 1-based record number in the part.
        record: u64,
        /// The item id (empty when the record has too many values).
        item: String,
        /// What is wrong.
        reason: String,
    },
    /// Parts are still open, or one failed, when the dataset is finished.
    #[error("the dataset cannot be completed: {reason}")]
    Incomplete {
        /// Why.
        reason: String,
    },
    /// An error from the Arrow library (building batches, IPC).
    #[error("{file}: {source}")]
    Arrow {
        /// The file.
        file: String,
        /// The underlying error.
        source: arrow_schema::ArrowError,
    },
    /// An error from the Parquet library.
    #[error("{file}: {source}")]
    Parquet {
        /// The file.
        file: String,
        /// The underlying error.
        source: parquet::errors::ParquetError,
    },
    /// The manifest could not be parsed or written.
    #[error("{path}: {source}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// A file read back does not have the entity's shape.
    #[error("{file}: {reason}")]
    FileShape {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A record read back is malformed.
    #[error("{file}: record {record}{}: {reason}", item_suffix(item))]
    BadRecord {
        /// The file.
        file: PathBuf,
        /// The 1-based record number (header excluded).
        record: u64,
        /// The item id, when one is to blame.
        item: Option<String>,
        /// What is wrong.
        reason: String,
    },
}

fn item_suffix(item: &Option<String>) -> String {
    match item {
        Some(item) => format!(", item `{item}`"),
        None => String::new(),
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
