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
}

/// Runs `nhikit validate`: exit 0 when the dataset has no violation, 1 otherwise.
pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let report = nhikit_dataset::validate(&args.dir, &schema)?;
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
        eprintln!(
            "{}: valid — {records} records in {} files ({}), 0 violations",
            args.dir.display(),
            report.files,
            counts.join(", ")
        );
        Ok(ExitCode::SUCCESS)
    } else {
        let by_rule: Vec<String> = report
            .by_rule()
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        eprintln!(
            "{}: {} violations ({}) in {records} records of {} files",
            args.dir.display(),
            report.violations.len(),
            by_rule.join(", "),
            report.files
        );
        Ok(ExitCode::from(1))
    }
}
