//! `nhikit decrypt` (being built).

use std::process::ExitCode;

/// Arguments of `nhikit decrypt`.
#[derive(clap::Args)]
pub struct DecryptArgs {}

pub fn run(_args: DecryptArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("nhikit decrypt is not built yet")
}
