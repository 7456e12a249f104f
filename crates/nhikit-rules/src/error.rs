//! The oracle's error type.

/// Everything that can go wrong computing an expected value: bad parameters or bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input item is missing or out of range.
    #[error("invalid input item `{item}`: {reason}")]
    InvalidInput {
        /// The item's path in the input, e.g. `members[2].income`.
        item: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A rule-parameter table (e.g. `schemas/rules/high_cost/*.toml`) is malformed.
    #[error("{source_name}:{line}: `{item}`: {reason}")]
    Table {
        /// The table's name, e.g. its path under `schemas/`.
        source_name: String,
        /// 1-based line of the offending item (0 when unknown).
        line: usize,
        /// The item, e.g. `under70[2].base`.
        item: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A parameter file or inline rate table is malformed.
    #[error("{source_name}{}: `{item}`: {reason}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Params {
        /// The file or source name.
        source_name: String,
        /// The 1-based line, when known.
        line: Option<usize>,
        /// The item (key or offending text).
        item: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// No national parameters exist for the fiscal year.
    #[error("unknown fiscal year {fiscal_year}: national parameters exist for {known:?}")]
    UnknownFiscalYear {
        /// The requested fiscal year.
        fiscal_year: i32,
        /// The fiscal years that have parameters.
        known: Vec<i32>,
    },
    /// A per-income-year table (e.g. `schemas/rules/resident_tax.toml`) starts after the year.
    #[error("unknown income year {income_year}: the table starts with {first}")]
    UnknownIncomeYear {
        /// The requested income year (所得年).
        income_year: i32,
        /// The first income year the table covers.
        first: i32,
    },
    /// The municipality has no rates for the fiscal year.
    #[error("municipality `{municipality}` has no rates for fiscal year {fiscal_year}")]
    NoRates {
        /// The municipality id.
        municipality: String,
        /// The fiscal year.
        fiscal_year: i32,
    },
}
