//! Migration-safety controls for nhikit datasets: proof that data handed out were never real,
//! and records of what became of them.
//!
//! - [`verify()`]: provenance — every file's SHA-256 against the manifest, and every record
//!   regenerated from the manifest's seed and options and compared with the files (`nhikit
//!   verify`); it lives in nhikit-dataset beside the generator's run spec and is re-exported
//!   here.
//! - [`scan()`]: leak scan — reads a target system's export and reports every record that is
//!   not a synthetic record of the dataset: a possible real person in a test environment
//!   (`nhikit scan`).
//! - [`AuditLog`]: an append-only JSON Lines log whose entries are chained by SHA-256 and
//!   authenticated with a key kept apart from the log ([`AuditKey`], HMAC-SHA256), with
//!   crash-safe appends, checkpoints to store elsewhere ([`Checkpoint`]) and a verifier that
//!   says which entry was edited, forged, deleted, reordered or truncated (`nhikit audit`).
//! - [`destroy()`]: removes a dataset after checking its manifest, or destroys the key of an
//!   encrypted one (crypto-erase), and returns the destruction record for the audit log
//!   (`nhikit destroy`).
//! - [`AgeEncryptor`] and [`decrypt()`]: datasets encrypted to age recipients as they are
//!   written (`nhikit gen --encrypt-to`), and restored into a new, checked, sealed directory
//!   (`nhikit decrypt`).
//! - [`Operators`], [`OperatorKey`]: the register of operators (`operators.toml`, name and
//!   Ed25519 public key) and their keys; two-person destruction and decryption need two
//!   different registered operators, each signing the action ([`check_approval`] re-checks
//!   it), with names normalized and refused when confusable ([`normalize_name`]).
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
    AuditEntry, AuditLog, AuditProblem, AuditVerification, Checkpoint, DatasetStatus,
    default_log_path, location, record,
};
mod crypto;
pub use crypto::{
    AGE_SUFFIX, AgeEncryptor, DecryptOptions, Decryption, decrypt, read_recipients_file,
};
mod destroy;
pub use destroy::{DestroyMethod, DestroyOptions, Destruction, dataset_id, destroy};
mod operators;
pub use operators::{
    Operator, OperatorKey, Operators, TwoPersonKeys, check_approval, default_operators_path,
    distinct_names, format_public_key, normalize_name, parse_public_key,
};
mod error;
mod keys;
pub use keys::{AuditKey, config_dir, default_key_path, new_dataset_id, random_seed};
mod scan;
pub use scan::{Mapping, ScanOptions, ScanReport, Suspect, scan};

pub use error::{Error, Result};
pub use nhikit_dataset::{Finding, FindingKind, VerifyOptions, VerifyReport, verify};

/// A crash injected for tests of crash recovery: in debug builds, when `NHIKIT_FAULT` names
/// this point, the process aborts here as `kill -9` would stop it (no destructor runs).
pub(crate) fn fault(point: &str) {
    if cfg!(debug_assertions) && std::env::var("NHIKIT_FAULT").is_ok_and(|v| v == point) {
        std::process::abort();
    }
}
