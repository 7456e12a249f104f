//! The oracle: what a correct standard-spec NHI system computes, to the yen, with its derivation.
//!
//! Pure functions of (household facts, fiscal-year parameters from `schemas/rules/`). Every
//! statutory figure — rates, caps, 軽減, 高額療養費 limits, benefit amounts, 住民税 figures — is
//! read from those files (embedded at build time), never written in code.
//!
//! Assessing one household:
//!
//! ```
//! use nhikit_rules::{Household, Member, RuleSet, assess};
//! use nhikit_core::{Yen, date::NaiveDate};
//!
//! let rules = RuleSet::builtin()?;
//! let params = rules.params("natori", 2025)?; // 名取市, 令和7年度
//! let mut head = Member::insured(NaiveDate::from_ymd_opt(1980, 6, 1).unwrap());
//! head.householder = true;
//! head.income.salary_revenue = 3_000_000;
//! let household = Household { members: vec![head], ..Household::default() };
//! let a = assess(&household, &params)?;
//! assert!(a.total > Yen(0));
//! # Ok::<(), nhikit_rules::Error>(())
//! ```
//!
//! The items most callers need are re-exported here; the modules hold the rest.

pub mod benefit;
pub mod copay;
pub mod eligibility;
pub mod error;
pub mod explain;
pub mod high_cost;
pub mod income;
pub mod params;
pub mod premium;
pub mod resident_tax;

pub use benefit::BenefitRules;
pub use copay::{CopayCategory, CopayRatio, KoureiIncome, copay_ratio};
pub use error::Error;
pub use explain::{Derivation, Step};
pub use high_cost::{
    AgeGroup, Claim, HighCostResult, HighCostTables, HouseholdMonth, Setting, compute_month,
};
pub use params::{MunicipalRates, NationalParams, Params, Part, RuleSet};
pub use premium::{
    Assessment, Household, Income, Member, Reduction, SpecifiedHousehold, Status, assess,
};
pub use resident_tax::ResidentTax;

/// Helpers of the unit tests.
#[cfg(test)]
mod test_support {
    use nhikit_core::date::NaiveDate;

    /// The date `y-m-day` (a test's literal; an impossible one is a typo and panics).
    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
}
