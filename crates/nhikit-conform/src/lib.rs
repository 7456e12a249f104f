//! The conformance runner: scenario files (`scenarios/conformance/*.toml`, format in
//! `docs/scenario-format.md`), steps run against any [`nhikit_target::Target`], checks against
//! the oracle (`nhikit-rules`) and literals, and reports (console, JSON, JUnit XML, HTML).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use nhikit_conform::{RunOptions, load_all, run};
//! let (catalog, scenarios) = load_all("scenarios/conformance".as_ref())?;
//! // A fresh target for each scenario, e.g. from `nhikit_adapters::connect`.
//! let open = || -> Result<nhikit_conform::SharedTarget, String> { Err("no target".into()) };
//! let results = run(&scenarios, &open, &RunOptions::default())?;
//! let report = nhikit_conform::Report::new("builtin", &[], &catalog, results, 0.0);
//! print!("{}", report.console());
//! # Ok(()) }
//! ```

pub mod data;
pub mod oracle;
pub mod property;
pub mod report;
pub mod run;
pub mod scenario;
pub mod select;

pub use property::{PropertyFailure, PropertyOptions, PropertyRun, run_property};
pub use report::{Outcome, Report, ScenarioResult, Totals};
pub use run::{Connect, RunOptions, Runner, SharedTarget, read_expected_failures, run};
pub use scenario::{
    Catalog, InlineData, Scenario, find_catalog, load_all, load_scenario, load_texts,
    parse_scenario,
};

use std::path::PathBuf;

/// What can go wrong loading scenarios or preparing a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scenario, catalog or expected-failures file is wrong at a place.
    #[error("{}:{line}:{column}: {reason}", path.display())]
    Load {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory cannot be read or written.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// A scenario's data cannot be generated, read or edited.
    #[error("{}: {reason}", path.display())]
    Data {
        /// The dataset directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The oracle's embedded rules do not load (a build problem).
    #[error("oracle: {0}")]
    Oracle(String),
}
