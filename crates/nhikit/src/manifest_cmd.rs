//! `nhikit manifest`: dataset manifests (merging the manifests of generation shards).

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

/// Subcommands of `nhikit manifest`.
#[derive(Subcommand, Debug)]
pub enum ManifestCommand {
    /// Check that N shard directories belong to one run and merge them into one dataset.
    ///
    /// Example: `nhikit manifest merge shard-1/ shard-2/ --out national/`
    Merge {
        /// The shard directories (each written by `nhikit gen --shard I/N`).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// The merged dataset directory.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs `nhikit manifest`.
pub fn run(cmd: ManifestCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ManifestCommand::Merge { .. } => anyhow::bail!("nhikit manifest merge: not built yet"),
    }
}
