//! Checks a generated dataset directory against `schemas/` and the rules a real NHI
//! population keeps: every record valid, every reference resolvable, every household
//! consistent. `nhikit validate DIR` prints what this finds.
//!
//! Rules (each violation names the file, the row, the item and the rule):
//! - `manifest`: every file listed is present with its size and SHA-256, nothing extra;
//! - `read`: every data file parses in its format;
//! - `schema`: each record against its entity (types, lengths, character classes, codes,
//!   check digits, bounds, required items), primary keys unique;
//! - `reference`: every person's household, every household's 世帯主, every qualification's
//!   person, every insurer number exists;
//! - `household`: exactly one 世帯主 (続柄 01) per household, and it is the household's head;
//! - `reading`: a name's reading matches a dictionary reading of its kanji (surname and given
//!   name);
//! - `parent_age`: parents (世帯主 and spouse) at least 15 years older than the children;
//! - `dates`: birth ≤ 資格取得日 ≤ 基準日 ≤ …, 届出日 ≥ 資格取得日, no insured person 75+.

mod check;

pub use check::{Report, Violation, validate};

/// Why a dataset could not be checked at all (as opposed to the violations it has).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The manifest or a data file could not be read.
    #[error(transparent)]
    Io(#[from] nhikit_io::Error),
    /// The dataset holds no readable format.
    #[error("{0}")]
    Dataset(String),
    /// The generator's reference data are broken (a build problem).
    #[error(transparent)]
    Reference(#[from] nhikit_synth::Error),
}
