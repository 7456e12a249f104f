//! `nhikit compare`: 現新比較 — the same synthetic dataset through a current and a new system,
//! differences refereed by the oracle and grouped by cause (docs/compare.md).

use anyhow::Context;
use clap::Args;
use nhikit_compare::{Header, KnownList, Options, Progress};
use nhikit_core::date::NaiveDate;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("`{s}` is not a YYYY-MM-DD date"))
}

/// Arguments of `nhikit compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// The current (legacy) system: `builtin`, `http://HOST:PORT`, `process:CMD …` or a
    /// `*.toml` target profile.
    #[arg(long, value_name = "TARGET")]
    pub current: String,
    /// The new system (the same forms).
    #[arg(long, value_name = "TARGET")]
    pub new: String,
    /// A seeded fault of a builtin current system (repeatable), e.g. kana-truncate-20.
    #[arg(long = "current-fault", value_name = "NAME")]
    pub current_faults: Vec<String>,
    /// A seeded fault of a builtin new system (repeatable), e.g. round-household-total.
    #[arg(long = "new-fault", value_name = "NAME")]
    pub new_faults: Vec<String>,
    /// A dataset directory (written by `nhikit gen --format jsonl,csv`).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["households", "seed", "profile"])]
    pub data: Option<PathBuf>,
    /// Generate a dataset of N households instead (in a temporary directory).
    #[arg(long, value_name = "N", required_unless_present = "data")]
    pub households: Option<u64>,
    /// The generator seed for --households.
    #[arg(long, default_value_t = 1, value_name = "S")]
    pub seed: u64,
    /// The population profile for --households: `realistic` or `edge`.
    #[arg(long, default_value = "realistic", value_parser = ["realistic", "edge"])]
    pub profile: String,
    /// Only these 地方公共団体コード for --households (repeatable).
    #[arg(long = "municipality", value_name = "CODE")]
    pub municipalities: Vec<String>,
    /// The extra entities generated with --households, as `nhikit gen --with` takes them:
    /// `income` (the assessments use it), `benefit_high_cost` (compared through
    /// `high_cost_limit`); `--with none` for the core entities only.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "income,benefit_high_cost",
        conflicts_with = "data"
    )]
    pub with: Vec<String>,
    /// Do not reset and import: compare what both systems already hold.
    #[arg(long)]
    pub no_import: bool,
    /// A date of the lookups, ratios and certificates (repeatable; default the dataset's 基準日).
    #[arg(long = "as-of", value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub as_of: Vec<NaiveDate>,
    /// A fiscal year to assess every household for (repeatable; default that of the first date).
    #[arg(long = "fiscal-year", value_name = "YEAR", value_parser = clap::value_parser!(i32).range(1990..=2100))]
    pub fiscal_years: Vec<i32>,
    /// Assess with this shipped rate set on both systems (default: each system's own assignment).
    #[arg(long, value_name = "ID")]
    pub rates: Option<String>,
    /// Skip the export comparison.
    #[arg(long)]
    pub no_export: bool,
    /// Known differences a municipality accepts (TOML, docs/compare.md): they do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub known: Option<PathBuf>,
    /// Write compare.json, compare.junit.xml, compare.html and the findings' scenarios into DIR.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Households compared at once (default: the number of cores); the findings and reports
    /// do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
    /// The longest one target call may take, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
}

fn side(spec: &str, faults: &[String]) -> String {
    if faults.is_empty() {
        spec.to_owned()
    } else {
        format!("{spec} (faults: {})", faults.join(", "))
    }
}

/// Runs `nhikit compare`: exit 0 when every finding is known, 1 when there is a new one.
pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let run_date = chrono::DateTime::from_timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)),
        0,
    )
    .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    .unwrap_or_default();
    let known = match &args.known {
        Some(p) => Some(KnownList::load(p)?),
        None => None,
    };
    let connect = |spec: &str, faults: &[String], flag: &str| {
        let options = nhikit_adapters::ConnectOptions {
            faults: faults.to_vec(),
            timeout: Some(Duration::from_secs_f64(args.timeout.max(0.001))),
            ..Default::default()
        };
        nhikit_adapters::connect(spec, &options).with_context(|| format!("{flag} {spec}"))
    };
    let current = connect(&args.current, &args.current_faults, "--current")?;
    let new = connect(&args.new, &args.new_faults, "--new")?;
    let threads = args.threads.map_or(Options::default().threads, usize::from);
    let tmp = tempfile::Builder::new()
        .prefix("nhikit-compare-")
        .tempdir()
        .context("creating a temporary directory")?;
    let (data, generated, data_label) = match (&args.data, args.households) {
        (Some(d), _) => (d.clone(), None, d.display().to_string()),
        (None, Some(n)) => {
            let dir = tmp.path().join("data");
            let profile: nhikit_synth::Profile = args
                .profile
                .parse()
                .with_context(|| format!("--profile {}", args.profile))?;
            if !crate::out::quiet() {
                crate::out::errln!("compare: generating {n} household(s), seed {}", args.seed);
            }
            let with: Vec<String> = args
                .with
                .iter()
                .filter(|w| !w.is_empty() && *w != "none")
                .cloned()
                .collect();
            let mut spec = nhikit_dataset::RunSpec {
                seed: args.seed,
                households: n,
                municipalities: args.municipalities.clone(),
                ..nhikit_dataset::RunSpec::default()
            };
            spec.select_extras(profile, &with, None, None)
                .with_context(|| format!("--with {}", args.with.join(",")))?;
            nhikit_compare::generate(&dir, &spec, threads)?;
            let realistic = profile == nhikit_synth::Profile::Realistic;
            let label = format!(
                "generated: --households {n} --seed {} --profile {} --with {}",
                args.seed,
                args.profile,
                if with.is_empty() {
                    "none".to_owned()
                } else {
                    with.join(",")
                }
            );
            (
                dir,
                (realistic && args.municipalities.is_empty()).then_some((args.seed, n)),
                label,
            )
        }
        (None, None) => anyhow::bail!("give --data DIR or --households N"),
    };
    let options = Options {
        import: !args.no_import,
        as_of: args.as_of.clone(),
        fiscal_years: args.fiscal_years.clone(),
        rates: args.rates.clone(),
        export: !args.no_export,
        work_dir: Some(tmp.path().join("work")),
        generated,
        threads,
    };
    let quiet = crate::out::quiet();
    let mut progress = |p: &Progress| {
        if quiet {
            return;
        }
        match p {
            Progress::Phase(name) => crate::out::errln!("compare: {name}…"),
            Progress::Households { done, total } => {
                crate::out::errln!("compare: {done}/{total} household(s)")
            }
            Progress::Note(n) => crate::out::errln!("note: {n}"),
        }
    };
    let mut comparison = nhikit_compare::compare(&*current, &*new, &data, &options, &mut progress)?;
    if let Some(k) = &known {
        comparison.apply_known(k);
    }
    let header = Header {
        current: side(&args.current, &args.current_faults),
        new: side(&args.new, &args.new_faults),
        data: data_label,
        run_date,
        nhikit_version: env!("CARGO_PKG_VERSION").to_owned(),
        seconds: started.elapsed().as_secs_f64(),
    };
    if let Some(dir) = &args.report {
        nhikit_compare::write_reports(dir, &comparison, &header)?;
    }
    for f in &comparison.findings {
        crate::out::errln!("{}", f.summary());
    }
    for k in &comparison.stale_known {
        crate::out::errln!(
            "stale known difference ({}): {} {} {} matched nothing",
            k.at,
            k.operation,
            k.item,
            k.class
        );
    }
    let new_findings = comparison.new_findings().count();
    let calls: u64 = comparison.totals.values().map(|t| t.calls).sum();
    crate::out::errln!(
        "compare: {} household(s), {calls} call(s) per system, {} finding(s), {new_findings} new, in {:.1} s{}",
        comparison.households,
        comparison.findings.len(),
        header.seconds,
        args.report
            .as_ref()
            .map(|d| format!("; report in {}", d.display()))
            .unwrap_or_default()
    );
    Ok(if new_findings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
