//! `nhikit serve` (being built).

use std::process::ExitCode;

/// Arguments of `nhikit serve`.
#[derive(clap::Args)]
pub struct ServeArgs {}

pub fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nhikit serve is not built yet")
}
