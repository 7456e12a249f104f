//! The target interface: the operations a standard-spec NHI system (標準仕様書準拠システム)
//! offers the conformance and load runners, each a serde request and response.
//!
//! A [`Target`] is anything that answers them: the in-process reference (`nhikit-reference`),
//! and later adapters for HTTP, a child process or files. This crate holds only the contract —
//! no I/O, no HTTP, no processes. The JSON forms are documented, with complete examples, in
//! `docs/target-interface.md`.
//!
//! ```
//! use nhikit_target::{PersonQuery, ErrorCode, TargetError};
//! let q: PersonQuery = serde_json::from_str(
//!     r#"{ "lgcode": "131016", "address_number": "1889903105", "as_of": "2026-04-01" }"#,
//! ).unwrap();
//! assert_eq!(q.lgcode, "131016");
//! let e = TargetError::new(ErrorCode::NotFound, "person 131016/1889903105 does not exist")
//!     .with_item("address_number");
//! assert_eq!(serde_json::to_value(&e).unwrap()["code"], "not_found");
//! ```

mod ops;
pub mod wire;

pub use ops::*;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The operations of a standard-spec NHI system, as the suite sees it.
///
/// Every method takes `&self`: a target serves concurrent callers (an implementation keeps its
/// own locking). Errors are [`TargetError`]s whose [`ErrorCode`] the suite may check.
pub trait Target {
    /// Bulk import (一括取込) of a dataset directory or of files: all or nothing. On any bad
    /// record nothing is kept and the error ([`ErrorCode::ImportRejected`]) lists every
    /// rejected record.
    fn import(&self, request: &ImportRequest) -> Result<ImportResponse, TargetError>;
    /// Writes the data held in the standard layouts (`schemas/layouts/*.toml`) into a new
    /// directory.
    fn export(&self, request: &ExportRequest) -> Result<ExportResponse, TargetError>;
    /// Registers a qualification event (資格取得/喪失/変更).
    fn register_event(&self, request: &EventRequest) -> Result<EventResponse, TargetError>;
    /// An insured person (by 地方公共団体コード + 宛名番号, or 個人番号) as of a date.
    fn lookup_person(&self, request: &PersonQuery) -> Result<PersonResponse, TargetError>;
    /// A household (by 地方公共団体コード + 世帯番号) and its members as of a date.
    fn lookup_household(&self, request: &HouseholdQuery) -> Result<HouseholdResponse, TargetError>;
    /// The premium (国民健康保険税/料) of a household for a fiscal year, per part.
    fn assess(&self, request: &AssessRequest) -> Result<AssessResponse, TargetError>;
    /// 高額療養費: the 自己負担限度額 and refund of one household's service month.
    fn high_cost_limit(&self, request: &HighCostRequest) -> Result<HighCostResponse, TargetError>;
    /// 負担割合 of an insured person on a service date.
    fn copay_ratio(&self, request: &CopayRequest) -> Result<CopayResponse, TargetError>;
    /// The data printed on a 資格確認書 for an insured person.
    fn issue_certificate(
        &self,
        request: &CertificateRequest,
    ) -> Result<CertificateResponse, TargetError>;
    /// A test hook, not a standard-spec operation: removes every record held, so that the next
    /// scenario starts from an empty system. The conformance runner calls it before each
    /// scenario on a target that outlives one scenario (HTTP, process, files). A target that
    /// cannot be reset answers [`ErrorCode::Unsupported`] (the default).
    fn reset(&self, request: &ResetRequest) -> Result<ResetResponse, TargetError> {
        let _ = request;
        Err(TargetError::new(
            ErrorCode::Unsupported,
            "this target cannot be reset",
        ))
    }
}

/// `reset`: no items (`{}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {}

/// What a reset removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResetResponse {
    /// Records removed per entity.
    pub removed: std::collections::BTreeMap<String, u64>,
}

/// What kind of error a target reports. The JSON form is the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is malformed or an item has an invalid value (`item` names it).
    InvalidRequest,
    /// The person, household or qualification asked for does not exist (as of the date).
    NotFound,
    /// The import was refused as a whole; `rejections` lists every bad record.
    ImportRejected,
    /// The event contradicts the state held (an open qualification already, nothing to lose,
    /// an event after death, a loss before the acquisition).
    Conflict,
    /// The person is not insured on the date asked.
    NotInsured,
    /// No municipal rates are assigned for the municipality and fiscal year.
    NoRates,
    /// The oracle refused the facts (e.g. an unknown fiscal year or 区分).
    Rules,
    /// Reading or writing files failed.
    Io,
    /// The target's storage failed.
    Storage,
    /// The target does not offer the operation (e.g. `reset`).
    Unsupported,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [ErrorCode; 10] = [
        ErrorCode::InvalidRequest,
        ErrorCode::NotFound,
        ErrorCode::ImportRejected,
        ErrorCode::Conflict,
        ErrorCode::NotInsured,
        ErrorCode::NoRates,
        ErrorCode::Rules,
        ErrorCode::Io,
        ErrorCode::Storage,
        ErrorCode::Unsupported,
    ];

    /// The JSON name (`invalid_request`, …).
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::NotFound => "not_found",
            ErrorCode::ImportRejected => "import_rejected",
            ErrorCode::Conflict => "conflict",
            ErrorCode::NotInsured => "not_insured",
            ErrorCode::NoRates => "no_rates",
            ErrorCode::Rules => "rules",
            ErrorCode::Io => "io",
            ErrorCode::Storage => "storage",
            ErrorCode::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error response: a code, the item to blame (if one is), a message, and for a rejected
/// import every rejected record.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, schemars::JsonSchema,
)]
#[error("{code}{}: {message}", item.as_deref().map(|i| format!(" [{i}]")).unwrap_or_default())]
pub struct TargetError {
    /// What kind of error.
    pub code: ErrorCode,
    /// The request item (or record item) to blame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// What is wrong, in words.
    pub message: String,
    /// For [`ErrorCode::ImportRejected`]: every rejected record, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejections: Vec<Rejection>,
}

impl TargetError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> TargetError {
        TargetError {
            code,
            item: None,
            message: message.into(),
            rejections: Vec::new(),
        }
    }

    /// The same error blaming `item`.
    pub fn with_item(mut self, item: impl Into<String>) -> TargetError {
        self.item = Some(item.into());
        self
    }

    /// An [`ErrorCode::InvalidRequest`] blaming `item`.
    pub fn invalid(item: impl Into<String>, message: impl Into<String>) -> TargetError {
        TargetError::new(ErrorCode::InvalidRequest, message).with_item(item)
    }
}

/// Why a record was rejected by an import. The JSON form is the snake_case name.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RejectionCode {
    /// The file or record cannot be parsed (bad CSV quoting, an impossible date such as
    /// `2025-02-30`, a non-number in a number column).
    Unreadable,
    /// A required item is missing.
    Missing,
    /// An item the entity does not have.
    UnknownItem,
    /// A value of the wrong type or out of bounds.
    InvalidValue,
    /// Longer (or shorter) than the item allows.
    BadLength,
    /// A character outside the item's character class (全角, カナ, 行政事務標準文字 …).
    BadCharacter,
    /// An identifier whose check digit (or form) is wrong: 個人番号, 保険者番号, 地方公共団体コード …
    CheckDigit,
    /// A value that is not in the item's code table.
    UnknownCode,
    /// The same primary key twice (in the import or already held).
    DuplicateKey,
    /// A reference to a household, person or insurer that does not exist.
    UnknownReference,
    /// Dates in an impossible order (資格取得日 before birth, 喪失日 before 取得日, 届出日 before the
    /// event, death before birth).
    ImpossibleDate,
    /// Two qualifications of one person overlap in time.
    OverlappingQualification,
    /// A qualification acquired after the person's death, or lost later than the day after it.
    EventAfterDeath,
}

/// One rejected record of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Rejection {
    /// The file, relative to the dataset directory (or as given in the request).
    pub file: String,
    /// The 1-based record number in the file (header excluded); 0 for the file as a whole.
    pub row: u64,
    /// `entity.item`, or the entity alone for record-level problems.
    pub item: String,
    /// Why.
    pub code: RejectionCode,
    /// What is wrong, with the value.
    pub message: String,
}
