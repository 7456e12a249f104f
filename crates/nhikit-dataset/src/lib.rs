//! A generated dataset's whole life, between the generator and formats below (nhikit-synth,
//! nhikit-io, nhikit-schema) and the commands above (the CLI, conform, load, safety):
//!
//! - [`RunSpec`]: one run — seed, size, reference date, formats, partitioning, profile, extra
//!   entities, shard. Its serde form is the manifest's `options`, read and written only here,
//!   so every dataset any nhikit command writes records what regenerates it.
//! - [`generate()`]: writes a run through a [`nhikit_io::DatasetWriter`] on N threads
//!   (`nhikit gen`, `--shard`, the conformance runner's datasets, the load pool); [`units()`]
//!   cuts the plan into the units of work that generate and verify share;
//!   [`for_each_parallel()`] is the one work loop (results in item order).
//! - [`validate()`]: the dataset against `schemas/` and the rules below (`nhikit validate`).
//! - [`verify()`]: provenance — every file's SHA-256 against the manifest, every record
//!   regenerated from the manifest's [`RunSpec`] and compared (`nhikit verify`).
//! - [`stats()`]: the realism report — the population beside the public statistics it is
//!   calibrated on (`nhikit stats`).
//!
//! ```no_run
//! use nhikit_dataset::{RunSpec, generate, verify, VerifyOptions};
//! let schema = nhikit_schema::embedded().unwrap();
//! let spec = RunSpec { seed: 7, households: 1_000, ..RunSpec::default() };
//! let writer = nhikit_io::DatasetWriter::create(
//!     std::path::Path::new("out/"),
//!     &schema,
//!     nhikit_io::WriterOptions { formats: spec.formats.clone(), ..Default::default() },
//! ).unwrap();
//! let generated = generate(&spec, writer, 4, &|_done, _total| {}).unwrap();
//! println!("{} files", generated.manifest.files.len());
//! let report = verify(std::path::Path::new("out/"), &schema, &VerifyOptions::default()).unwrap();
//! assert!(report.is_ok());
//! ```
//!
//! Validation rules (each violation names the file, the row, the item and the rule):
//! - `manifest`: every file listed is present with its size and SHA-256, nothing extra;
//! - `read`: every data file parses in its format;
//! - `schema`: each record against its entity (types, lengths, character classes, codes,
//!   check digits, bounds, required items), primary keys unique;
//! - `reference`: every reference `schemas/` declares (`[[entity.references]]`: a person's
//!   household, a household's 世帯主, a qualification's person, household and insurer, a
//!   payment's assessment, …) names a record that exists (`nhikit_schema::keys`);
//! - `household`: exactly one 世帯主 (続柄 01) among the household's residents (former
//!   members, 住民状態 転出者 or 死亡者, keep their last 続柄; all members when none lives there
//!   any more), and it is the household's head;
//! - `reading`: a name's reading matches a dictionary reading of its kanji (surname and given
//!   name);
//! - `parent_age`: parents (世帯主 and spouse) at least 15 years older than the children;
//! - `dates`: the date orders `schemas/` declares (`[[entity.order]]`: birth ≤ 資格取得日,
//!   届出日 ≥ 資格取得日, birth ≤ 死亡年月日 and 住民となった年月日, 国保世帯資格取得 ≤ 喪失; some
//!   declare another rule name: `history_loss`, `history_notice`), 資格取得日 ≤ 基準日, no one
//!   insured on or after the 75th birthday;
//! - `income`: each 所得 within its 収入, 総所得金額等 the sum of the 所得 items, 0 for 未申告;
//! - `assessment`: 年税額 the sum of the parts, no part above its levies, no 法定軽減 for a
//!   household with a 未申告 member;
//! - `perinatal`: the 産前産後 exempt months match the expected birth month (4 from the month
//!   before, 6 from 3 months before for 多胎, from 2024-01), the 届出 not more than 6 months
//!   before it;
//! - `payment`: a receipt has an amount, a date and a method (an unpaid row none), none above
//!   its installment or after the reference date; `payment_total`: an assessment's
//!   installments add up to its 年税額 and no more is received;
//! - `edge_case`: a known tag and scope;
//! - benefits (`nhikit gen --with benefit`), each rule named after its entity:
//!   `benefit_childbirth` (出産育児一時金 = the amount per child for the birth date and
//!   産科医療補償制度 × 出産児数), `benefit_funeral` (葬祭 not before the death; with histories, the
//!   person's 死亡日 is the claim's), `benefit_high_cost` (支給額 = max(0, 一部負担金 −
//!   自己負担限度額), 一部負担金 ≤ 医療費, a 所得区分, the service month on its first day); for
//!   all three the event (birth, funeral, service month) ≤ 申請 ≤ 決定 ≤ 支給 ≤ the reference
//!   date, and no 支給 without a 決定;
//! - histories (datasets with `qualification_event`, `nhikit gen --with event`), per person:
//!   `history_order` (events numbered in date order), `history_death` (nothing after death),
//!   `history_overlap` (periods do not overlap; re-acquisition only after a loss),
//!   `history_loss` (no loss before acquisition), `history_snapshot` (acquisition and loss
//!   events equal the `qualification` rows, every acquisition or loss inside the window has
//!   its event, so the snapshot's 資格取得日 and 事由 are those of the last acquisition),
//!   `history_notice` (no 届出日 before the 異動日).

mod check;
mod generate;
mod parallel;
mod provenance;
mod records;
mod spec;
mod stats;

pub use check::{Report, Violation, validate};
pub use generate::{Generated, Output, Unit, check_output, generate, generate_to, units};
pub use parallel::for_each_parallel;
pub use provenance::{Finding, FindingKind, VerifyOptions, VerifyReport, verify};
pub use records::FlatRows;
pub use spec::{GENERATOR_NAME, RunSpec};
pub use stats::{Distribution, EventRate, EventRates, Stats, stats};

use std::path::PathBuf;

/// Why a dataset could not be generated, checked or verified at all (as opposed to the
/// violations or findings it has).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The manifest or a data file could not be read, or a file not written.
    #[error(transparent)]
    Io(#[from] nhikit_io::Error),
    /// The dataset holds no readable format.
    #[error("{0}")]
    Dataset(String),
    /// The generator refused the run's options, or its reference data are broken.
    #[error(transparent)]
    Reference(#[from] nhikit_synth::Error),
    /// The run's options are inconsistent; the message says which and what is expected.
    #[error("{0}")]
    Options(String),
    /// The output path cannot become a dataset directory.
    #[error("{path}: {reason}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// What is in the way.
        reason: String,
    },
    /// The dataset was made by another version of the generator: its records cannot be
    /// regenerated by this build.
    #[error(
        "the dataset was generated with generator output version {found}, this nhikit has {expected}: verify it with the nhikit release that made it ({nhikit_version})"
    )]
    OutputVersion {
        /// The manifest's output version.
        found: u32,
        /// [`nhikit_synth::OUTPUT_VERSION`].
        expected: u32,
        /// The manifest's nhikit version.
        nhikit_version: String,
    },
    /// The manifest does not describe a dataset nhikit-synth generated (or is incomplete).
    #[error("{path}: not an nhikit dataset: {reason}")]
    NotADataset {
        /// The manifest or directory.
        path: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
}
