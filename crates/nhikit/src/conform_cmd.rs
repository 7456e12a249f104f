//! `nhikit conform` (being built).

use std::process::ExitCode;

/// Arguments of `nhikit conform`.
#[derive(clap::Args)]
pub struct ConformArgs {}

pub fn run(_args: ConformArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nhikit conform is not built yet")
}
