//! `nhikit serve`: the reference target (`nhikit-reference`) over HTTP/JSON, or over the
//! process protocol on stdin/stdout (`--stdio`), through `nhikit-server`.

use anyhow::Context;
use nhikit_reference::{Fault, Reference};
use nhikit_server::{Config, SharedTarget};
use nhikit_target::{ImportRequest, Target};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Arguments of `nhikit serve`.
///
/// HTTP: `POST /v1/<operation>` with the request JSON (docs/target-interface.md), `GET /health`,
/// `GET /openapi.json`. Once listening, prints `listening on http://ADDR` (the bound address)
/// on stdout; SIGINT or SIGTERM stops it after the requests in flight.
///
/// Example: `nhikit serve --addr 127.0.0.1:0 --import out/quickstart --fault cap-on-total`
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed once listening).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The SQLite database file (created if absent); default: a fresh in-memory database.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// A seeded fault to switch on (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME", value_parser = parse_fault)]
    fault: Vec<Fault>,
    /// Print the names of the seeded faults, one per line, and exit.
    #[arg(long)]
    list_faults: bool,
    /// Speak the process protocol (JSON Lines, docs/adapter-protocol.md) on stdin/stdout
    /// instead of HTTP; ends at the end of stdin.
    #[arg(long)]
    stdio: bool,
    /// A dataset directory (written by `nhikit gen`) to import before serving.
    #[arg(long, value_name = "DATASET")]
    import: Option<PathBuf>,
    /// The largest request body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    max_body: usize,
    /// The per-request timeout, in seconds (a request over it gets 503).
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,
}

fn parse_fault(name: &str) -> Result<Fault, String> {
    name.parse::<Fault>().map_err(|e| e.to_string())
}

/// Runs `nhikit serve`.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.list_faults {
        let mut out = std::io::stdout().lock();
        for f in Fault::ALL {
            writeln!(out, "{}", f.name())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let timeout = match Duration::try_from_secs_f64(args.timeout) {
        Ok(t) if !t.is_zero() => t,
        _ => anyhow::bail!(
            "--timeout must be a positive number of seconds, got {}",
            args.timeout
        ),
    };
    let reference = match &args.db {
        Some(db) => Reference::open(db).with_context(|| format!("opening {}", db.display()))?,
        None => Reference::in_memory().context("opening an in-memory database")?,
    }
    .with_faults(&args.fault);
    if let Some(dataset) = &args.import {
        let imported = reference.import(&ImportRequest {
            dataset: Some(dataset.clone()),
            files: Vec::new(),
        });
        match imported {
            Ok(r) => eprintln!(
                "imported {}: {}",
                dataset.display(),
                r.records
                    .iter()
                    .map(|(e, n)| format!("{n} {e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Err(e) => {
                for r in &e.rejections {
                    eprintln!("{}:{}: [{}] {}", r.file, r.row, r.item, r.message);
                }
                anyhow::bail!("importing {}: {e}", dataset.display());
            }
        }
    }
    if !args.fault.is_empty() {
        let names: Vec<&str> = args.fault.iter().map(|f| f.name()).collect();
        eprintln!("seeded faults on: {}", names.join(", "));
    }
    if args.stdio {
        nhikit_server::serve_stdio(
            &reference,
            std::io::stdin().lock(),
            std::io::stdout().lock(),
        )
        .context("process protocol on stdin/stdout")?;
        return Ok(ExitCode::SUCCESS);
    }
    let config = Config {
        max_body: args.max_body,
        timeout,
    };
    let target: SharedTarget = Arc::new(reference);
    nhikit_server::run_http(args.addr, target, &config, |bound| {
        let mut out = std::io::stdout().lock();
        // If stdout is gone nobody reads the line; the server still serves.
        let _ = writeln!(out, "listening on http://{bound}");
        let _ = out.flush();
    })?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}
