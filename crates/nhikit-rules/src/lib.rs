//! The oracle: what a correct standard-spec NHI system computes, to the yen, with its derivation.
//!
//! Pure functions of (household facts, fiscal-year parameters from `schemas/rules/`).

pub mod copay;
pub mod eligibility;
pub mod error;
pub mod explain;
pub mod high_cost;
pub mod income;
pub mod params;
pub mod premium;

pub use error::Error;
pub use explain::{Derivation, Step};
