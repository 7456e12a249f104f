//! The crate's one error type.

use std::path::PathBuf;

/// Why a safety operation could not be carried out (as opposed to what it found).
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
    /// The manifest or a data file could not be read.
    #[error(transparent)]
    Dataset(#[from] nhikit_io::Error),
    /// The generator refused the manifest's options, or its reference data are broken.
    #[error("regenerating the dataset: {0}")]
    Generator(#[from] nhikit_synth::Error),
    /// The dataset's manifest does not give a run this build can regenerate (another
    /// generator or output version, options missing or malformed).
    #[error(transparent)]
    Run(#[from] nhikit_dataset::Error),
    /// The manifest does not describe a dataset nhikit-synth generated (or is incomplete).
    #[error("{path}: not an nhikit dataset: {reason}")]
    NotADataset {
        /// The manifest or directory.
        path: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
    /// The column mapping of a scan is malformed.
    #[error("{path}: {reason}")]
    Mapping {
        /// The mapping file (or `-` for built-in defaults).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A record of a scanned export cannot be read.
    #[error("{path}: record {record}: {reason}")]
    Export {
        /// The export file.
        path: PathBuf,
        /// 1-based record number (0 for the file or its header).
        record: u64,
        /// What is wrong.
        reason: String,
    },
    /// The audit log cannot be appended to (its last entry cannot be read, say).
    #[error("{path}: {reason}")]
    Audit {
        /// The log file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A key or recipients file is malformed (the line's content is never shown: it may be
    /// a secret key).
    #[error("{path}: line {line}: {reason}")]
    Key {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 for the whole file).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// An encrypted file cannot be decrypted, or its plaintext does not match the manifest.
    #[error("{path}: {reason}")]
    Decrypt {
        /// The encrypted file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A path from a manifest (or an encrypted manifest) leaves its dataset directory or
    /// crosses a symbolic link: refused, nothing outside touched.
    #[error("{0}; refused, nothing was touched outside the dataset")]
    Contain(#[from] nhikit_io::contain::ContainError),
    /// An operation was refused: the message says why and what would be accepted.
    #[error("{0}")]
    Refused(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.into();
    move |source| Error::Io { path, source }
}
