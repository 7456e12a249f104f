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
/// Security (docs/target-interface.md, "Serving on a network"): every request but
/// `GET /health` and `GET /openapi.json` needs `Authorization: Bearer TOKEN` (from
/// `--token-file` or `NHIKIT_TOKEN`, else generated and printed once); `Host` and `Origin` must
/// name this server; files are read and written only under `--data-dir`; a non-loopback
/// `--addr` needs `--tls-cert/--tls-key` or `--insecure`; import, export and reset are written
/// to the audit log with the client's address.
///
/// Example: `nhikit serve --addr 127.0.0.1:0 --import out/quickstart --fault cap-on-total`
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed once listening).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The only directory requests may read or write: uploads and exports are staged under it,
    /// and a JSON import/export may name a path under it. Default: a new private temporary
    /// directory, removed when the server stops.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// A file whose first line is the bearer token (at least 16 printable characters).
    /// Without it: the environment variable NHIKIT_TOKEN, else a random token printed once.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// A host name clients may use in `Host`/`Origin` besides localhost and the bound address
    /// (repeatable), e.g. the DNS name of the server or of a Kubernetes Service.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// The TLS certificate chain (PEM); with --tls-key, the server speaks HTTPS only.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The TLS private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (the token then crosses the network in the
    /// clear): for a private network only.
    #[arg(long)]
    insecure: bool,
    /// The largest import upload, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 30)]
    max_upload: u64,
    /// Connections served at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    max_connections: usize,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    header_timeout: f64,
    #[command(flatten)]
    audit: crate::audit_cmd::AuditLogArgs,
    /// The SQLite database file (created if absent); default: a fresh in-memory database.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// A seeded fault to switch on (repeatable); see --list-faults.
    #[arg(long, value_name = "NAME", value_parser = parse_fault)]
    fault: Vec<Fault>,
    /// Print the seeded faults, one per line: the name and what it breaks; then exit.
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
        let mut out = crate::out::stdout();
        let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
        for f in Fault::ALL {
            writeln!(out, "{:<width$}  {}", f.name(), f.defect())?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let timeout = seconds(args.timeout, "--timeout")?;
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
            Ok(r) => crate::out::errln!(
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
                    crate::out::errln!("{}:{}: [{}] {}", r.file, r.row, r.item, r.message);
                }
                anyhow::bail!("importing {}: {e}", dataset.display());
            }
        }
    }
    if !args.fault.is_empty() {
        let names: Vec<&str> = args.fault.iter().map(|f| f.name()).collect();
        crate::out::errln!("seeded faults on: {}", names.join(", "));
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
    let header_timeout = seconds(args.header_timeout, "--header-timeout")?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(nhikit_server::tls_config(cert, key)?),
        _ => None,
    };
    if !args.addr.ip().is_loopback() && tls.is_none() {
        if !args.insecure {
            crate::out::errln!(
                "error: {} is not a loopback address: serving it needs TLS (--tls-cert FILE \
                 --tls-key FILE), or --insecure to send the token and the data in the clear",
                args.addr
            );
            return Ok(ExitCode::from(2));
        }
        crate::out::errln!(
            "warning: serving plain HTTP on {} (--insecure): the token and every record cross \
             the network unencrypted",
            args.addr
        );
    }
    let (token, generated) = token(&args)?;
    let (data_dir, _scratch) = match &args.data_dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
            (d.clone(), None)
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("nhikit-serve-")
                .tempdir()
                .context("creating a private data directory")?;
            (t.path().to_owned(), Some(t))
        }
    };
    let audit = args.audit;
    let on_event: nhikit_server::EventHook = Arc::new(move |e: &nhikit_server::ServerEvent| {
        let details = serde_json::json!({
            "client": e.client.map(|c| c.to_string()),
            "ok": e.ok,
            "result": e.details,
        });
        if let Err(err) = crate::audit_cmd::record_event(
            &audit,
            &format!("serve-{}", e.op.name()),
            None,
            None,
            details,
        ) {
            crate::out::errln!("warning: {err:#}");
        }
    });
    let config = Config {
        max_body: args.max_body,
        timeout,
        token,
        allowed_hosts: args.allow_hosts.clone(),
        data_dir: Some(data_dir),
        max_upload: args.max_upload,
        header_timeout,
        max_connections: args.max_connections,
        tls,
        on_event: Some(on_event),
        ..Config::default()
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let shown = generated.then(|| config.token.reveal().to_owned());
    let target: SharedTarget = Arc::new(reference);
    nhikit_server::run_http(args.addr, target, &config, |bound| {
        let mut out = std::io::stdout().lock();
        // If stdout is gone nobody reads the line; the server still serves.
        let _ = writeln!(out, "listening on {scheme}://{bound}");
        if let Some(t) = shown {
            let _ = writeln!(
                out,
                "token (generated, shown once; give it to clients as NHIKIT_TOKEN): {t}"
            );
        }
        let _ = out.flush();
    })?;
    crate::out::errln!("stopped");
    Ok(ExitCode::SUCCESS)
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    match Duration::try_from_secs_f64(value) {
        Ok(t) if !t.is_zero() => Ok(t),
        _ => anyhow::bail!("{flag} must be a positive number of seconds, got {value}"),
    }
}

/// The bearer token: from --token-file, from NHIKIT_TOKEN, or generated (then `true`).
fn token(args: &ServeArgs) -> anyhow::Result<(nhikit_server::Token, bool)> {
    if let Some(path) = &args.token_file {
        return Ok((nhikit_server::Token::from_file(path)?, false));
    }
    match std::env::var("NHIKIT_TOKEN") {
        Ok(v) if !v.trim().is_empty() => {
            Ok((nhikit_server::Token::new(&v, "NHIKIT_TOKEN")?, false))
        }
        _ => {
            let t = nhikit_server::Token::random();
            anyhow::ensure!(
                !t.reveal().is_empty(),
                "cannot generate a token (/dev/urandom is unreadable): give one with --token-file"
            );
            Ok((t, true))
        }
    }
}
