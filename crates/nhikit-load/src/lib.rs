//! The load runner behind `nhikit load`: performance scenarios (`scenarios/performance/`,
//! `docs/load-format.md`) run against an HTTP target with an open (arrival-rate) or closed
//! (virtual-user) workload model, latencies recorded in HDR histograms without coordinated
//! omission, thresholds for CI gating, `--segment I/N` shares and exact merges.
//!
//! ```
//! use nhikit_load::{Scenario, plan::Segment};
//! let s = Scenario::parse(r#"
//! name = "ping"
//! [workload]
//! model = "open"
//! stages = [{ duration = "10s", rate = 100 }]
//! [mix]
//! health = 1
//! [thresholds.all]
//! p99 = "50ms"
//! "#).unwrap();
//! assert_eq!(s.thresholds["all"].p99.map(|p| p.0.as_millis()), Some(50));
//! // Two workers take 500 arrivals each of the 1000.
//! let half: Segment = "1/2".parse().unwrap();
//! assert_eq!(half.share(1000), 500);
//! ```

pub mod client;
pub mod engine;
pub mod gate;
pub mod html;
pub mod plan;
pub mod pool;
pub mod results;
pub mod scenario;

pub use engine::{RunOptions, Stop, run};
pub use results::Results;
pub use scenario::Scenario;

use std::path::PathBuf;

/// The errors of the load runner.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A scenario file is invalid.
    #[error("{}:{}{message}", file.display(), at.map_or(" ".to_owned(), |(l, c)| format!("{l}:{c}: ")))]
    Scenario {
        /// The scenario file.
        file: PathBuf,
        /// 1-based (line, column), when the problem has a place (a rule between items names
        /// the item in `message` instead).
        at: Option<(usize, usize)>,
        /// Why.
        message: String,
    },
    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),
    /// The data pool could not be generated or written.
    #[error("data pool: {0}")]
    Pool(String),
    /// The target refused to be prepared (probe or import).
    #[error("target: {0}")]
    Target(String),
    /// A results file is invalid or results do not combine.
    #[error("results: {0}")]
    Results(String),
}
