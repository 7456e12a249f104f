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
    /// A scenario file or a directory of them (recursively), with a `requirements.toml` in it
    /// or above it. Default: the shipped catalog built into this binary.
    #[arg(long, value_name = "PATH")]
    pub scenarios: Option<PathBuf>,
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
    /// Instead of the catalog, run random property-based cases (households and events drawn
    /// over the generator, checked against the oracle); a failing case is shrunk and written
    /// out as a scenario file (docs/conformance.md, Property-based cases).
    #[arg(long, conflicts_with_all = ["list", "filters", "expected_failures"])]
    pub property: bool,
    /// (--property) Cases to run, e.g. 64 for CI, 1000 to search harder.
    #[arg(long, default_value_t = 64, value_name = "N", requires = "property")]
    pub cases: u32,
    /// (--property) The seed: the same seed gives the same cases and the same shrunk file.
    #[arg(long, default_value_t = 0, value_name = "S", requires = "property")]
    pub seed: u64,
    /// (--property) At most this many cases are run while shrinking a failure.
    #[arg(long, default_value_t = 256, value_name = "N", requires = "property")]
    pub shrink_iters: u32,
    /// (--property) Where to write the shrunk failing case: a `.toml` file, or a directory
    /// (`property-SEED-CASE.toml` in it). Default: the --report directory, else the current
    /// directory.
    #[arg(long, value_name = "DIR|FILE", requires = "property")]
    pub write_failure: Option<PathBuf>,
    /// Who ran it, for the audit log (default: $USER).
    #[arg(long)]
    pub operator: Option<String>,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit conform`: exit 0 when every scenario passes or fails as expected, 1 otherwise.
pub fn run(args: ConformArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (catalog, mut scenarios) = match (&args.scenarios, args.property) {
        (Some(dir), true) => {
            let path = nhikit_conform::find_catalog(dir)?;
            (nhikit_conform::Catalog::load(&path)?, Vec::new())
        }
        (Some(dir), false) => nhikit_conform::load_all(dir)?,
        (None, true) => (crate::shipped::conformance()?.0, Vec::new()),
        (None, false) => crate::shipped::conformance()?,
    };
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
    // Every output's place is made (or refused) before the run, not after it.
    prepare_outputs(&args)?;
    // Fail early and once: a bad spec or fault name, a target that refuses or does not
    // answer, a profile that would misread every error — not one error per scenario.
    nhikit_adapters::probe(&args.target, &options)
        .with_context(|| format!("--target {} (no scenario was run)", args.target))?;
    // A target other than the in-process reference outlives one scenario (one server, one
    // child, one file system): each scenario starts by resetting it (the `reset` test hook),
    // and scenarios run one at a time so that a reset never wipes a running scenario's data.
    let shared = args.target != "builtin";
    let jobs = if shared && args.jobs > 1 {
        crate::out::errln!(
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
                        crate::out::errln!(
                            "note: {} cannot be reset ({e}); scenarios share its state, so data \
                             they import may collide (docs/scenario-format.md, Data isolation)",
                            args.target
                        );
                    }
                }
                Err(e) => return Err(format!("resetting the target before the scenario: {e}")),
            }
        }
        Ok(Arc::from(target))
    };
    // Ctrl-C / SIGTERM: the scenarios running finish, no new one starts, and what ran is
    // reported, marked interrupted (exit 130).
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = stop.clone();
        crate::interrupt::graceful(move || stop.store(true, std::sync::atomic::Ordering::SeqCst));
    }
    let run_options = RunOptions {
        jobs,
        timeout,
        expected_failures,
        stop: Some(stop.clone()),
    };
    let planned: Vec<String> = scenarios.iter().map(|s| s.id.clone()).collect();
    let results = if args.property {
        property(&args, &catalog, &connect, run_options)?
    } else {
        let bar = crate::out::progress(scenarios.len() as u64, "scenarios");
        let results =
            nhikit_conform::Runner::new()?.run_with(&scenarios, &connect, &run_options, &|r| {
                bar.set_message(r.id.clone());
                bar.inc(1);
            });
        bar.finish_and_clear();
        results
    };
    let mut report = Report::new(
        &args.target,
        &args.faults,
        &catalog,
        results,
        started.elapsed().as_secs_f64() * 1000.0,
    );
    let interrupted = stop.load(std::sync::atomic::Ordering::SeqCst);
    if interrupted {
        report.interrupt(&planned);
    }
    crate::out::errprint!("{}", painted(&report));
    if let Some(dir) = &args.report {
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
    if interrupted {
        crate::out::errln!(
            "error: interrupted: {} of {} scenarios were not run; the reports hold those that were, \
             marked interrupted",
            report.not_run.len(),
            planned.len()
        );
        return Ok(ExitCode::from(crate::interrupt::EXIT));
    }
    Ok(crate::verdict(report.ok()))
}

/// Creates the directories the outputs go to (`--report`, `--junit`'s parent, `--property`'s
/// `--write-failure`) before anything runs: a run is never thrown away at the end for want of
/// a directory, and a path that cannot be one is refused at once.
fn prepare_outputs(args: &ConformArgs) -> anyhow::Result<()> {
    let parent = |p: &PathBuf| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(std::path::Path::to_path_buf)
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    dirs.extend(args.report.clone());
    dirs.extend(args.junit.as_ref().and_then(parent));
    if args.property {
        match &args.write_failure {
            Some(p) if p.extension().is_some_and(|e| e == "toml") => dirs.extend(parent(p)),
            Some(dir) => dirs.push(dir.clone()),
            None => {}
        }
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    }
    Ok(())
}

/// `--property`: runs the random cases, writes a shrunk failure, and gives the results.
fn property(
    args: &ConformArgs,
    catalog: &nhikit_conform::Catalog,
    connect: &nhikit_conform::Connect<'_>,
    run: RunOptions,
) -> anyhow::Result<Vec<nhikit_conform::ScenarioResult>> {
    let mut found_with = format!("--target {}", args.target);
    for f in &args.faults {
        found_with.push_str(&format!(" --fault {f}"));
    }
    let options = nhikit_conform::PropertyOptions {
        cases: args.cases,
        seed: args.seed,
        max_shrink_iters: args.shrink_iters,
        run,
        found_with: found_with.clone(),
    };
    let runner = nhikit_conform::Runner::new()?;
    let started = Instant::now();
    let mut outcome = nhikit_conform::run_property(&runner, catalog, connect, &options)?;
    let secs = started.elapsed().as_secs_f64();
    let Some(failure) = &outcome.failure else {
        crate::out::errln!(
            "property: {} case(s) of seed {} passed ({:.1} cases/s)",
            outcome.results.len(),
            args.seed,
            outcome.results.len() as f64 / secs.max(1e-9)
        );
        return Ok(outcome.results);
    };
    let file_name = format!("{}.toml", failure.id);
    let path = match (&args.write_failure, &args.report) {
        (Some(p), _) if p.extension().is_some_and(|e| e == "toml") => p.clone(),
        (Some(dir), _) | (None, Some(dir)) => dir.join(&file_name),
        (None, None) => PathBuf::from(&file_name),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&path, &failure.scenario)
        .with_context(|| format!("writing {}", path.display()))?;
    // The file names requirements: it needs a catalog in its directory or above to load.
    if nhikit_conform::find_catalog(&path).is_err() {
        let to = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .join("requirements.toml");
        match &args.scenarios {
            Some(dir) => {
                let from = nhikit_conform::find_catalog(dir)?;
                std::fs::copy(&from, &to)
                    .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
            }
            None => std::fs::write(&to, crate::shipped::requirements()?)
                .with_context(|| format!("writing {}", to.display()))?,
        }
        crate::out::errln!(
            "property: copied the requirement catalog to {} so that the case loads",
            to.display()
        );
    }
    if let Some(last) = outcome.results.last_mut() {
        last.file = path.display().to_string();
    }
    crate::out::errln!(
        "property: case {} of seed {} failed after {} passing case(s); shrunk in {} step(s) \
         ({} case(s) run while shrinking) from {} to {} person(s)",
        failure.case,
        args.seed,
        failure.case - 1,
        failure.shrink_steps,
        failure.shrink_runs,
        failure.persons.1,
        failure.persons.0,
    );
    crate::out::errln!(
        "property: the shrunk case is written to {}; reproduce it with\n  nhikit conform --scenarios {} {found_with}",
        path.display(),
        path.display(),
    );
    Ok(outcome.results)
}

/// One audit-log entry per run: the target, faults, totals and the verdict.
fn record(args: &ConformArgs, report: &Report) -> anyhow::Result<()> {
    let log = args.audit.log()?;
    let mut entry = nhikit_safety::AuditEntry::new(
        "conform",
        &crate::audit_cmd::operator(args.operator.as_deref()),
    );
    entry.path = Some(match &args.scenarios {
        Some(p) => p.display().to_string(),
        None => "(the shipped catalog)".to_owned(),
    });
    entry.details = serde_json::json!({
        "target": args.target,
        "faults": args.faults,
        "filters": args.filters,
        "property": args.property.then(|| serde_json::json!({ "cases": args.cases, "seed": args.seed })),
        "totals": report.totals,
        "ok": report.ok(),
    });
    log.append(entry)
        .context("recording `conform` in the audit log")?;
    Ok(())
}

/// The console summary with each outcome word and the totals line coloured (only when colour
/// is on: a terminal, `--color always`).
fn painted(report: &Report) -> String {
    use crate::out::{Tone, paint_err};
    let text = report.console();
    let mut out = String::with_capacity(text.len());
    let total = text.lines().count();
    for (i, line) in text.lines().enumerate() {
        let word = line.split_whitespace().next().unwrap_or("");
        let tone = match word {
            _ if i + 1 == total => Some(if report.ok() { Tone::Good } else { Tone::Bad }),
            "FAIL" | "ERROR" | "UNEXPECTED_PASS" => Some(Tone::Bad),
            "EXPECTED_FAIL" => Some(Tone::Warn),
            _ => None,
        };
        match tone {
            Some(t) if i + 1 == total => out.push_str(&paint_err(t, line)),
            Some(t) => {
                out.push_str(&paint_err(t, word));
                out.push_str(&line[word.len()..]);
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
