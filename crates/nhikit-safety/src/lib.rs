//! Migration-safety controls for nhikit datasets: proof that data handed out were never real,
//! and records of what became of them.
//!
//! - [`verify()`]: provenance — every file's SHA-256 against the manifest, and every record
//!   regenerated from the manifest's seed and options and compared with the files (`nhikit
//!   verify`).
//! - [`scan()`]: leak scan — reads a target system's export and reports every record that is
//!   not a synthetic record of the dataset: a possible real person in a test environment
//!   (`nhikit scan`).
//! - [`AuditLog`]: an append-only JSON Lines log whose entries are chained by SHA-256, with
//!   crash-safe appends and a verifier that says which entry was edited, deleted, reordered or
//!   truncated (`nhikit audit`).
//! - [`destroy()`]: removes a dataset after checking its manifest, or destroys the key of an
//!   encrypted one (crypto-erase), and returns the destruction record for the audit log
//!   (`nhikit destroy`).
//! - [`AgeEncryptor`] and [`decrypt()`]: datasets encrypted to age recipients as they are
//!   written (`nhikit gen --encrypt-to`), and restored into a new, checked, sealed directory
//!   (`nhikit decrypt`).
//! - [`record()`]: one call for any command that must leave an audit entry (a conformance
//!   run, an export).
//!
//! ```no_run
//! let schema = nhikit_schema::embedded().unwrap();
//! let report = nhikit_safety::verify(
//!     std::path::Path::new("data/"),
//!     &schema,
//!     &nhikit_safety::VerifyOptions::default(),
//! ).unwrap();
//! for finding in &report.findings {
//!     println!("{finding}");
//! }
//! ```

mod audit;
pub use audit::{
    AuditEntry, AuditLog, AuditProblem, AuditVerification, DatasetStatus, default_log_path, record,
};
mod crypto;
pub use crypto::{
    AGE_SUFFIX, AgeEncryptor, DecryptOptions, Decryption, decrypt, read_recipients_file,
};
mod destroy;
pub use destroy::{DestroyMethod, DestroyOptions, Destruction, dataset_id, destroy};
mod error;
mod provenance;
mod records;
mod scan;
pub use scan::{Mapping, ScanOptions, ScanReport, Suspect, scan};

pub use error::{Error, Result};
pub use provenance::{Finding, FindingKind, VerifyOptions, VerifyReport, verify};
