//! `nhikit manifest`: dataset manifests (merging the manifests of generation shards).

use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Subcommands of `nhikit manifest`.
#[derive(Subcommand, Debug)]
pub enum ManifestCommand {
    /// Check that N shard directories belong to one run and merge them into one dataset.
    ///
    /// The shards must share seed, options, schema and versions, and be the complete set
    /// 1/N…N/N with every file matching its shard's manifest. Their files are hard-linked (or
    /// copied) into OUT with the merged manifest: the same directory, byte for byte, as the
    /// run made on one machine. Exit 1 naming the shard and what differs.
    ///
    /// Example: `nhikit manifest merge shard-1/ shard-2/ --out national/`
    Merge {
        /// The shard directories (each written by `nhikit gen --shard I/N`), in any order.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// The merged dataset directory; must not exist or be empty (it appears only when
        /// complete).
        #[arg(long)]
        out: PathBuf,
        /// Copy the files instead of hard-linking them (links share the shards' files and
        /// fall back to copies across file systems).
        #[arg(long)]
        copy: bool,
        /// Replace OUT if it exists and is not empty.
        #[arg(long)]
        overwrite: bool,
        /// Who merges the dataset, for the audit log (default: $USER).
        #[arg(long)]
        operator: Option<String>,
        #[command(flatten)]
        audit: crate::audit_cmd::AuditLogArgs,
    },
}

/// Runs `nhikit manifest`.
pub fn run(cmd: ManifestCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ManifestCommand::Merge {
            shards,
            out,
            copy,
            overwrite,
            operator,
            audit,
        } => {
            let started = Instant::now();
            let merged = match nhikit_io::merge_shards(
                &shards,
                &out,
                &nhikit_io::MergeOptions { copy, overwrite },
            ) {
                Ok(m) => m,
                Err(nhikit_io::MergeError::Write(e)) => {
                    return Err(anyhow::Error::new(*e).context(format!(
                        "merging into {} (nothing was written)",
                        out.display()
                    )));
                }
                Err(e) => {
                    crate::out::errln!("error: nhikit manifest merge: {e}");
                    if let nhikit_io::MergeError::Altered { mismatches, .. } = &e {
                        for m in mismatches.iter().skip(1).take(20) {
                            crate::out::errln!("  {m}");
                        }
                    }
                    return Ok(ExitCode::from(1));
                }
            };
            let manifest = &merged.manifest;
            let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
            let rows: u64 = manifest.entities.values().map(|e| e.rows).sum();
            crate::audit_cmd::record_dataset(
                &audit,
                "merge",
                &out,
                operator.as_deref(),
                serde_json::json!({
                    "seed": manifest.seed,
                    "shards": merged.shards.iter()
                        .map(|(dir, id)| serde_json::json!({
                            "path": dir.display().to_string(),
                            "dataset": id,
                        }))
                        .collect::<Vec<_>>(),
                    "files": manifest.files.len(),
                    "bytes": bytes,
                    "linked": merged.linked,
                    "copied": merged.copied,
                    "sealed": true,
                }),
            )?;
            crate::out::errln!(
                "{}: merged {} shards — {} rows in {} files ({:.1} MB; {} linked, {} copied) in {:.2} s",
                out.display(),
                merged.shards.len(),
                rows,
                manifest.files.len(),
                bytes as f64 / 1e6,
                merged.linked,
                merged.copied,
                started.elapsed().as_secs_f64(),
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
