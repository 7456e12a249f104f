//! `nhikit validate DIR`.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `nhikit validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// The dataset directory (the one holding manifest.json).
    pub dir: PathBuf,
    /// A schema directory; by default the schema built into nhikit.
    #[arg(long, env = "NHIKIT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
    /// Print at most this many violations of each rule (all are counted).
    #[arg(long, default_value_t = 20)]
    pub max_per_rule: usize,
    /// Print the report as one JSON object (every violation, counts by rule and entity)
    /// instead of lines; the exit code is the same.
    #[arg(long)]
    pub json: bool,
}

/// Runs `nhikit validate`: exit 0 when the dataset has no violation, 1 otherwise.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let spinner = crate::out::spinner(&format!("validating {}", args.dir.display()));
    let report = nhikit_dataset::validate(&args.dir, &schema);
    spinner.finish_and_clear();
    let report = report?;
    let code = crate::verdict(report.violations.is_empty());
    if args.json {
        let violations: Vec<_> = report
            .violations
            .iter()
            .map(|v| {
                serde_json::json!({
                    "file": v.file, "row": v.row, "item": v.item, "rule": v.rule,
                    "message": v.message,
                })
            })
            .collect();
        let v = serde_json::json!({
            "dataset": args.dir,
            "valid": report.violations.is_empty(),
            "files": report.files,
            "records": report.records,
            "by_rule": report.by_rule(),
            "violations": violations,
        });
        crate::out::print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
        return Ok(code);
    }
    let mut text = String::new();
    let mut shown: std::collections::BTreeMap<&str, usize> = Default::default();
    for v in &report.violations {
        let n = shown.entry(v.rule).or_insert(0);
        *n += 1;
        if *n <= args.max_per_rule {
            crate::out::outln!(text, "{v}");
        }
    }
    crate::out::print(&text)?;
    let records: u64 = report.records.values().sum();
    let counts: Vec<String> = report
        .records
        .iter()
        .map(|(e, n)| format!("{e} {n}"))
        .collect();
    if report.violations.is_empty() {
        crate::out::errln!(
            "{}: {} — {records} records in {} files ({}), 0 violations",
            args.dir.display(),
            crate::out::paint_err(crate::out::Tone::Good, "valid"),
            report.files,
            counts.join(", ")
        );
    } else {
        let by_rule: Vec<String> = report
            .by_rule()
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        crate::out::errln!(
            "{}: {} ({}) in {records} records of {} files",
            args.dir.display(),
            crate::out::paint_err(
                crate::out::Tone::Bad,
                &format!("{} violations", report.violations.len())
            ),
            by_rule.join(", "),
            report.files
        );
    }
    Ok(code)
}
