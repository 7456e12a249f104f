//! Domain value types of Japanese National Health Insurance (国民健康保険), with no I/O.
//!
//! Every type here parses, validates and formats; an invalid value cannot be built.
//!
//! ```
//! use nhikit_core::date::{age_on, NaiveDate};
//! let birth = NaiveDate::from_ymd_opt(1960, 4, 1).unwrap();
//! // 年齢計算ニ関スル法律: the age increases at the end of the day before the birthday.
//! assert_eq!(age_on(birth, NaiveDate::from_ymd_opt(2025, 3, 31).unwrap()), 65);
//! ```

pub mod date;
pub mod yen;

pub use yen::Yen;
