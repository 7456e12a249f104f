//! `nhikit load`: runs a performance scenario against a target, writes the results (JSON,
//! HTML, JUnit XML) and gates on the thresholds; `nhikit load merge` combines the results of
//! several workers.

use anyhow::Context;
use clap::{Args, Subcommand};
use nhikit_load::plan::Segment;
use nhikit_load::{Results, RunOptions, Scenario, Stop, gate, html};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `nhikit load`.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LoadArgs {
    /// `nhikit load merge FILES…`.
    #[command(subcommand)]
    pub command: Option<LoadCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands of `nhikit load`.
#[derive(Subcommand, Debug)]
pub enum LoadCommand {
    /// Combine the results of several workers (`--segment I/N` runs) exactly and check the
    /// thresholds on the whole; exit 1 when one is breached.
    Merge(MergeArgs),
}

/// Where results go.
#[derive(Args, Debug)]
pub struct Outputs {
    /// Write the results (JSON with the serialized histograms) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write a self-contained HTML report here.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write JUnit XML (one test case per threshold) here.
    #[arg(long, env = "NHIKIT_JUNIT")]
    pub junit: Option<PathBuf>,
}

/// Arguments of a run.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The scenario file (`scenarios/performance/*.toml`), or the name of a scenario shipped
    /// in this binary: `counter-peak`, `lookup-storm`, `bulk-import`, `honsantei-batch`.
    #[arg(long, value_name = "FILE|NAME")]
    pub scenario: Option<PathBuf>,
    /// The target: http://HOST:PORT (e.g. `nhikit serve`).
    #[arg(long, env = "NHIKIT_TARGET", default_value = "http://127.0.0.1:8080")]
    pub target: String,
    /// Run only segment I of N (1-based), e.g. 2/4: this worker's exact share of the arrival
    /// rate, virtual users and data pool. Merge the N results with `nhikit load merge`.
    #[arg(long, env = "NHIKIT_SEGMENT")]
    pub segment: Option<String>,
    /// Override the run length (e.g. 10s): a closed run stops then at the latest, an open
    /// run's stages and warm-up are scaled to fit.
    #[arg(long)]
    pub duration: Option<String>,
    /// Override the pool's household count (e.g. a small pool for a smoke test).
    #[arg(long)]
    pub households: Option<u64>,
    /// Tokio worker threads of the client.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Where the pool's dataset is written before it is uploaded to the target (default: the
    /// system's temporary directory). The bearer token comes from NHIKIT_TOKEN.
    #[arg(long)]
    pub tmp: Option<PathBuf>,
    #[command(flatten)]
    pub outputs: Outputs,
}

/// Arguments of `nhikit load merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Results files of `nhikit load --out`.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub outputs: Outputs,
}

/// Runs `nhikit load`.
pub fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        Some(LoadCommand::Merge(m)) => merge(m),
        None => run_scenario(args.run),
    }
}

fn run_scenario(args: RunArgs) -> anyhow::Result<ExitCode> {
    let Some(path) = &args.scenario else {
        return Ok(usage(
            "nhikit load needs --scenario FILE (or `nhikit load merge FILES…`)",
        ));
    };
    let segment = match args.segment.as_deref().map(str::parse::<Segment>) {
        None => Segment::ALL,
        Some(Ok(s)) => s,
        Some(Err(e)) => return Ok(usage(&e.to_string())),
    };
    let (path, mut scenario) = load_scenario(path)?;
    let path = &path;
    if let Some(d) = &args.duration {
        match d.parse::<nhikit_load::scenario::Span>() {
            Ok(span) => scenario = scenario.with_duration(span.0),
            Err(e) => return Ok(usage(&format!("--duration: {e}"))),
        }
    }
    if let Some(n) = args.households {
        scenario.pool.households = n;
    }
    // Every output's place is made (or refused) before the run, not after it.
    prepare_outputs(&args.outputs)?;
    let options = RunOptions {
        segment,
        threads: args.threads.max(1),
        progress: !crate::out::quiet() && std::io::stderr().is_terminal(),
        // Ctrl-C and SIGTERM come through the CLI's handler (below).
        ctrl_c: false,
        tmp: args.tmp.clone(),
        token: std::env::var("NHIKIT_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty()),
    };
    if !crate::out::quiet() {
        crate::out::errln!(
            "nhikit load: {} ({}) against {}, segment {segment}",
            scenario.name,
            path.display(),
            args.target
        );
    }
    let stop = Stop::default();
    {
        let stop = stop.clone();
        crate::interrupt::graceful(move || stop.stop());
    }
    let results = nhikit_load::run(&scenario, &args.target, &options, stop)
        .with_context(|| format!("running {}", path.display()))?;
    report(&results, &args.outputs, crate::out::quiet())
}

/// Creates the parent directories of `--out`, `--html` and `--junit` before anything runs: a
/// finished run is never thrown away for want of a directory, and a path that cannot be
/// written is refused at once.
fn prepare_outputs(outputs: &Outputs) -> anyhow::Result<()> {
    for path in [&outputs.out, &outputs.html, &outputs.junit]
        .into_iter()
        .flatten()
    {
        if path.is_dir() {
            anyhow::bail!("{} is a directory; give a file name", path.display());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the output directory {}", dir.display()))?;
        }
    }
    Ok(())
}

/// The scenario of `--scenario`: the file, or — when no such file exists and the argument is a
/// bare name — the shipped scenario of that name.
fn load_scenario(arg: &Path) -> anyhow::Result<(PathBuf, Scenario)> {
    let bare = arg.components().count() == 1;
    if !arg.exists()
        && bare
        && let Some((shown, text)) = arg.to_str().and_then(crate::shipped::performance)
    {
        let scenario = Scenario::parse_file(&shown, text)?;
        return Ok((shown, scenario));
    }
    if !arg.exists() && bare {
        anyhow::bail!(
            "{}: no such file, nor a shipped scenario (shipped: {})",
            arg.display(),
            crate::shipped::performance_names().join(", ")
        );
    }
    Ok((arg.to_path_buf(), Scenario::load(arg)?))
}

/// A usage error: exit 2.
fn usage(message: &str) -> ExitCode {
    crate::out::errln!("error: {message}");
    ExitCode::from(2)
}

fn merge(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let parts = args
        .files
        .iter()
        .map(|f| Results::load(f))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = Results::merge(&parts)?;
    prepare_outputs(&args.outputs)?;
    report(&merged, &args.outputs, false)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Writes the outputs, prints the summary on stderr, and returns the gate's exit code.
fn report(results: &Results, outputs: &Outputs, quiet: bool) -> anyhow::Result<ExitCode> {
    if let Some(p) = &outputs.out {
        write(p, &serde_json::to_string_pretty(results)?)?;
    }
    if let Some(p) = &outputs.html {
        write(p, &html::render(results))?;
    }
    if let Some(p) = &outputs.junit {
        write(p, &gate::junit(results))?;
    }
    if !quiet {
        crate::out::errln!(
            "{}: {} requests in {:.1} s ({:.1}/s), {} errors, segments {}{}",
            results.scenario,
            results.requests,
            results.duration_s,
            results.all.summary.throughput,
            results.errors,
            results.segments.join(","),
            if results.interrupted {
                ", interrupted"
            } else {
                ""
            }
        );
        crate::out::errln!(
            "  {:<18} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "operation",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms"
        );
        let rows = results
            .ops
            .iter()
            .map(|(n, o)| (n.as_str(), o))
            .chain(std::iter::once(("all", &results.all)));
        for (name, o) in rows {
            let s = &o.summary;
            crate::out::errln!(
                "  {name:<18} {:>9} {:>7} {:>9.1} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                o.requests,
                o.errors,
                s.throughput,
                s.p50_ms,
                s.p95_ms,
                s.p99_ms,
                s.max_ms
            );
            for (kind, n) in &o.errors_by_kind {
                crate::out::errln!("      {kind}: {n}");
            }
        }
        for c in &results.checks {
            crate::out::errln!(
                "  threshold {}: {} (measured {:.3}){}",
                c.name,
                if c.passed {
                    crate::out::paint_err(crate::out::Tone::Good, "ok")
                } else {
                    crate::out::paint_err(crate::out::Tone::Bad, "BREACHED")
                },
                c.actual,
                if results.interrupted {
                    ", on an interrupted run: not a verdict"
                } else {
                    ""
                }
            );
        }
    }
    let breaches = gate::breaches(results);
    for b in &breaches {
        crate::out::errln!("{b}");
    }
    if results.interrupted {
        // A cancelled run proves nothing: never a green gate.
        crate::out::errln!(
            "error: interrupted after {:.1} s: the results written are partial and marked \
             interrupted; the thresholds were not judged",
            results.duration_s
        );
        return Ok(ExitCode::from(crate::interrupt::EXIT));
    }
    Ok(crate::verdict(breaches.is_empty()))
}
