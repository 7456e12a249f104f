//! `nhikit calc`: the oracle on JSON input.

use std::process::ExitCode;

/// Arguments of `nhikit calc`.
#[derive(clap::Args, Debug)]
pub struct CalcArgs {}

/// Runs `nhikit calc`.
pub fn run(_args: CalcArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nhikit calc is not built yet")
}
