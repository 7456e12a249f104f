//! Domain value types of Japanese National Health Insurance (国民健康保険), with no I/O.
//!
//! Every type here parses, validates and formats; an invalid value cannot be built.
//! Identifiers ([`id`]) check their check digits, 和暦 dates ([`wareki`]) check their era
//! boundaries, and character classes ([`chars`]) say which character broke the rule.
//!
//! ```
//! use nhikit_core::date::{age_on, NaiveDate};
//! use nhikit_core::id::MyNumber;
//! use nhikit_core::wareki::WarekiDate;
//!
//! let birth = NaiveDate::from_ymd_opt(1960, 4, 1).unwrap();
//! // 年齢計算ニ関スル法律: the age increases at the end of the day before the birthday.
//! assert_eq!(age_on(birth, NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()), 65);
//!
//! // 個人番号: the worked example of DOMAIN-FACTS §2 (総務省令第85号 第5条).
//! assert!("123456789018".parse::<MyNumber>().is_ok());
//! let err = "123456789010".parse::<MyNumber>().unwrap_err();
//! assert_eq!(err.to_string(), "個人番号 check digit should be 8, found 0");
//!
//! let w = WarekiDate::from_gregorian(NaiveDate::from_ymd_opt(2019, 5, 1).unwrap()).unwrap();
//! assert_eq!(w.to_string(), "令和元年5月1日");
//! ```

pub mod calendar;
pub mod chars;
pub mod date;
pub mod id;
pub mod markup;
pub mod wareki;
pub mod yen;

mod serde_str;

pub use chars::{CharClass, CharError};
pub use id::IdError;
pub use wareki::WarekiError;
pub use yen::Yen;

/// Any error of this crate, for callers that handle them together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An identifier failed to parse or validate.
    #[error(transparent)]
    Id(#[from] IdError),
    /// A 和暦 date failed to parse or lies outside its era.
    #[error(transparent)]
    Wareki(#[from] WarekiError),
    /// A string broke a character class.
    #[error(transparent)]
    Char(#[from] CharError),
}
