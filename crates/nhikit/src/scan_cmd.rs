//! `nhikit scan PATH --manifest M`: records of a target's export that are not synthetic.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `nhikit scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// The export: CSV (.csv, .tsv), JSON Lines (.jsonl) or Parquet with nhikit's person columns.
    pub path: PathBuf,
    /// The dataset's manifest.json (or its directory); the data files are not needed.
    #[arg(long)]
    pub manifest: PathBuf,
    /// A TOML file naming which export column is which person item (see docs/migration-safety.md).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// A schema directory; by default the schema built into nhikit.
    #[arg(long, env = "NHIKIT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
    /// Print at most this many suspect records (all are counted).
    #[arg(long, default_value_t = 100)]
    pub max_suspects: usize,
    /// Print the report as one JSON object (records, persons, items, every suspect) instead
    /// of lines.
    #[arg(long)]
    pub json: bool,
}

/// Runs `nhikit scan`: exit 0 when every record is synthetic, 1 when any is not.
pub fn run(args: ScanArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let mapping = match &args.mapping {
        Some(p) => nhikit_safety::Mapping::read(p)?,
        None => nhikit_safety::Mapping::default(),
    };
    let report = nhikit_safety::scan(
        &args.path,
        &args.manifest,
        &schema,
        &mapping,
        &nhikit_safety::ScanOptions::default(),
    )
    .with_context(|| format!("scanning {}", args.path.display()))?;
    let secs = started.elapsed().as_secs_f64();
    let code = crate::verdict(report.suspects.is_empty());
    if args.json {
        let suspects: Vec<_> = report
            .suspects
            .iter()
            .map(|s| serde_json::json!({ "record": s.record, "key": s.key, "reason": s.reason }))
            .collect();
        let v = serde_json::json!({
            "export": args.path,
            "records": report.records,
            "persons": report.persons,
            "items": report.items,
            "not_synthetic": report.suspects.len(),
            "suspects": suspects,
            "seconds": secs,
        });
        crate::out::print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(code);
    }
    let mut text = String::new();
    for s in report.suspects.iter().take(args.max_suspects) {
        crate::out::outln!(text, "{}: {s}", args.path.display());
    }
    if report.suspects.len() > args.max_suspects {
        crate::out::outln!(
            text,
            "… and {} more",
            report.suspects.len() - args.max_suspects
        );
    }
    crate::out::print(&text)?;
    crate::out::errln!(
        "{}: {} records, {} not synthetic (compared {}) against {} persons of the dataset, in {secs:.2} s ({:.0} records/min)",
        args.path.display(),
        report.records,
        report.suspects.len(),
        report.items.join(", "),
        report.persons,
        report.records as f64 / secs.max(1e-9) * 60.0,
    );
    Ok(code)
}
