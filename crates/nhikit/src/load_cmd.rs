//! `nhikit load` (being built).

use std::process::ExitCode;

/// Arguments of `nhikit load`.
#[derive(clap::Args)]
pub struct LoadArgs {}

pub fn run(_args: LoadArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nhikit load is not built yet")
}
