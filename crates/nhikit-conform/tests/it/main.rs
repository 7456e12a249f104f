//! Integration tests of the conformance runner: the catalog against the builtin reference with
//! and without each seeded fault, the reports (JUnit parsed by quick-xml, HTML rendered by
//! headless Chromium), and load errors.
#![allow(clippy::unwrap_used, missing_docs)]

mod contain;
mod faults;
mod loading;
mod property;
mod reports;
mod verified;

use nhikit_conform::{Catalog, RunOptions, Runner, Scenario, ScenarioResult, SharedTarget};
use nhikit_reference::{Fault, Reference};
use std::path::PathBuf;
use std::sync::Arc;

pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/conformance")
}

pub fn catalog() -> (Catalog, Vec<Scenario>) {
    nhikit_conform::load_all(&scenarios_dir()).unwrap()
}

/// Connects to a fresh in-memory builtin reference with these faults, each time it is called.
pub fn faulty_builtin(faults: &[Fault]) -> impl Fn() -> Result<SharedTarget, String> + Sync {
    let faults = faults.to_vec();
    move || -> Result<SharedTarget, String> {
        Ok(Arc::new(
            Reference::in_memory()
                .map_err(|e| e.to_string())?
                .with_faults(&faults),
        ))
    }
}

/// Runs scenarios against fresh builtin references with these faults.
pub fn run_with(runner: &Runner, scenarios: &[Scenario], faults: &[Fault]) -> Vec<ScenarioResult> {
    let connect = faulty_builtin(faults);
    runner.run(
        scenarios,
        &connect,
        &RunOptions {
            jobs: 2,
            ..RunOptions::default()
        },
    )
}
