//! `nhikit conform`: runs the conformance scenarios against a target and writes the reports.

use anyhow::Context;
use clap::Args;
use nhikit_conform::{Report, RunOptions, SharedTarget};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `nhikit conform`.
#[derive(Args, Debug)]
pub struct ConformArgs {
    /// The system under test: `builtin` (the in-process reference), `http://HOST:PORT`,
    /// `process:CMD` or `files:DIR` (see docs/conformance.md).
    #[arg(long, default_value = "builtin", env = "NHIKIT_TARGET")]
    pub target: String,
    /// Switch on a seeded fault of the builtin reference (repeatable), e.g. cap-on-total.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// A scenario file or a directory of them (recursively).
    #[arg(long, default_value = "scenarios/conformance")]
    pub scenarios: PathBuf,
    /// Only scenarios with this id or tag (repeatable: any of them).
    #[arg(long = "filter", value_name = "TAG|ID")]
    pub filters: Vec<String>,
    /// Print id, title and tags of the selected scenarios and exit.
    #[arg(long)]
    pub list: bool,
    /// Scenarios run at once (threads); each has a target of its own.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// A file of scenario ids expected to fail, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
    /// Write report.json, junit.xml and report.html into DIR.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write the JUnit XML to FILE (also written by --report).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The longest one target call may take, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub timeout: f64,
    /// Who ran it, for the audit log (default: $USER).
    #[arg(long)]
    pub operator: Option<String>,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit conform`: exit 0 when every scenario passes or fails as expected, 1 otherwise.
pub fn run(args: ConformArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (catalog, mut scenarios) = nhikit_conform::load_all(&args.scenarios)?;
    if !args.filters.is_empty() {
        scenarios.retain(|s| args.filters.iter().any(|f| s.matches(f)));
        if scenarios.is_empty() {
            anyhow::bail!(
                "--filter {}: no scenario has that id or tag",
                args.filters.join(", ")
            );
        }
    }
    if args.list {
        let mut text = String::new();
        for s in &scenarios {
            crate::out::outln!(text, "{}\t{}\t{}", s.id, s.title, s.tags.join(","));
        }
        crate::out::print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        anyhow::bail!(
            "--timeout {}: give a positive number of seconds",
            args.timeout
        );
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let expected_failures = match &args.expected_failures {
        Some(p) => nhikit_conform::read_expected_failures(p, &scenarios)?,
        None => Default::default(),
    };
    // `..Default::default()`: the adapters may gain options.
    #[allow(clippy::needless_update)]
    let options = nhikit_adapters::ConnectOptions {
        faults: args.faults.clone(),
        timeout: Some(timeout),
        ..Default::default()
    };
    // Fail early (a bad spec or fault name is a usage problem, not a scenario error).
    drop(
        nhikit_adapters::connect(&args.target, &options)
            .with_context(|| format!("--target {}", args.target))?,
    );
    // A target other than the in-process reference outlives one scenario (one server, one
    // child, one file system): each scenario starts by resetting it (the `reset` test hook),
    // and scenarios run one at a time so that a reset never wipes a running scenario's data.
    let shared = args.target != "builtin";
    let jobs = if shared && args.jobs > 1 {
        eprintln!(
            "note: {} is shared by every scenario, which therefore run one at a time, each after a reset",
            args.target
        );
        1
    } else {
        args.jobs.max(1)
    };
    let warned = std::sync::atomic::AtomicBool::new(false);
    let connect = || -> Result<SharedTarget, String> {
        let target = nhikit_adapters::connect(&args.target, &options).map_err(|e| e.to_string())?;
        if shared {
            match target.reset(&nhikit_target::ResetRequest {}) {
                Ok(_) => {}
                Err(e) if e.code == nhikit_target::ErrorCode::Unsupported => {
                    if !warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        eprintln!(
                            "note: {} cannot be reset ({e}); scenarios share its state, so data                              they import may collide (docs/scenario-format.md, Data isolation)",
                            args.target
                        );
                    }
                }
                Err(e) => return Err(format!("resetting the target before the scenario: {e}")),
            }
        }
        Ok(Arc::from(target))
    };
    let run_options = RunOptions {
        jobs,
        timeout,
        expected_failures,
    };
    let results = nhikit_conform::run(&scenarios, &connect, &run_options)?;
    let report = Report::new(
        &args.target,
        &args.faults,
        &catalog,
        results,
        started.elapsed().as_secs_f64() * 1000.0,
    );
    eprint!("{}", report.console());
    if let Some(dir) = &args.report {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, text) in [
            ("report.json", report.to_json()),
            ("junit.xml", report.to_junit()),
            ("report.html", report.to_html()),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report.to_junit())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    record(&args, &report)?;
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One audit-log entry per run: the target, faults, totals and the verdict.
fn record(args: &ConformArgs, report: &Report) -> anyhow::Result<()> {
    let log = args.audit.log()?;
    let mut entry = nhikit_safety::AuditEntry::new(
        "conform",
        &crate::audit_cmd::operator(args.operator.as_deref()),
    );
    entry.path = Some(args.scenarios.display().to_string());
    entry.details = serde_json::json!({
        "target": args.target,
        "faults": args.faults,
        "filters": args.filters,
        "totals": report.totals,
        "ok": report.ok(),
    });
    log.append(entry)
        .context("recording `conform` in the audit log")?;
    Ok(())
}
