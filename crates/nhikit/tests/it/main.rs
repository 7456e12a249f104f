//! End-to-end tests of the `nhikit` binary.
#![allow(clippy::unwrap_used)]

mod adapters;
mod calc;
mod conform;
mod conform_targets;
mod crypto;
mod demo;
mod deps;
mod engines;
mod generate;
mod id;
mod load;
mod reference;
mod safety;
mod schema;
mod serve;
mod shell;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built `nhikit` binary from the workspace root.
pub fn nhikit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(args)
        .current_dir(workspace())
        .env_remove("NHIKIT_SCHEMAS")
        .env(
            "NHIKIT_AUDIT_LOG",
            std::env::temp_dir().join("nhikit-test-audit.jsonl"),
        )
        .output()
        .unwrap()
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// stdout and stderr as one string.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
