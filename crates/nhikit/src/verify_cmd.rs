//! `nhikit verify DIR`: manifest integrity and synthetic provenance.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `nhikit verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The dataset directory (the one holding manifest.json).
    pub dir: PathBuf,
    /// A schema directory; by default the schema built into nhikit.
    #[arg(long, env = "NHIKIT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print at most this many mismatches (all are counted).
    #[arg(long, default_value_t = 50)]
    pub max_findings: usize,
    /// Print the report as one JSON object (every mismatch with file, row, key and what
    /// differs) instead of lines; the exit code is the same.
    #[arg(long)]
    pub json: bool,
}

/// Runs `nhikit verify`: exit 0 when every file matches the manifest and every record
/// regenerates from its seed, 1 otherwise (each mismatch on stdout: file, row, item).
pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let mut options = nhikit_dataset::VerifyOptions::default();
    if let Some(t) = args.threads {
        options.threads = t.max(1);
    }
    let spinner = crate::out::spinner(&format!("verifying {}", args.dir.display()));
    let report = nhikit_dataset::verify(&args.dir, &schema, &options);
    spinner.finish_and_clear();
    let report = report.map_err(|e| anyhow::anyhow!("{}: {e}", args.dir.display()))?;
    if args.json {
        let findings: Vec<_> = report
            .findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "file": f.file, "row": f.row, "key": f.key, "finding": f.to_string(),
                })
            })
            .collect();
        let v = serde_json::json!({
            "dataset": args.dir,
            "verified": report.is_ok(),
            "encrypted": report.encrypted,
            "files": report.files,
            "records_regenerated": report.records_regenerated,
            "records_compared": report.records_compared,
            "findings": findings,
            "seconds": started.elapsed().as_secs_f64(),
        });
        crate::out::print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(crate::verdict(report.is_ok()));
    }
    let mut text = String::new();
    for f in report.findings.iter().take(args.max_findings) {
        crate::out::outln!(text, "{f}");
    }
    if report.findings.len() > args.max_findings {
        crate::out::outln!(
            text,
            "… and {} more",
            report.findings.len() - args.max_findings
        );
    }
    crate::out::print(&text)?;
    let secs = started.elapsed().as_secs_f64();
    if report.is_ok() && report.encrypted {
        crate::out::errln!(
            "{}: ciphertext {} — {} files match the manifest; the records are encrypted: decrypt (nhikit decrypt) and verify the copy to check them, in {secs:.2} s",
            args.dir.display(),
            crate::out::paint_err(crate::out::Tone::Good, "verified"),
            report.files,
        );
        Ok(ExitCode::SUCCESS)
    } else if report.is_ok() {
        crate::out::errln!(
            "{}: {} — {} files match the manifest; {} records regenerated from the seed, {} records read and identical, in {secs:.2} s",
            args.dir.display(),
            crate::out::paint_err(crate::out::Tone::Good, "verified"),
            report.files,
            report.records_regenerated,
            report.records_compared,
        );
        Ok(ExitCode::SUCCESS)
    } else {
        crate::out::errln!(
            "{}: {} — {} mismatches ({} records regenerated, {} read), in {secs:.2} s",
            args.dir.display(),
            crate::out::paint_err(crate::out::Tone::Bad, "NOT verified"),
            report.findings.len(),
            report.records_regenerated,
            report.records_compared,
        );
        Ok(ExitCode::from(1))
    }
}
