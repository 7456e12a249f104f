//! `nhikit reference import|export|lookup|call`: the reference target (`nhikit-reference`) on a
//! SQLite database file, without a server. The request and response JSON is that of
//! docs/target-interface.md; responses go to stdout, rejections and errors to stderr (`call`
//! reads and writes files instead, for the files adapter: docs/adapters.md).

use anyhow::Context;
use clap::{Args, Subcommand};
use nhikit_core::date::NaiveDate;
use nhikit_reference::{Fault, Reference};
use nhikit_target::{ExportRequest, ImportRequest, PersonQuery, Target, TargetError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `nhikit reference`.
#[derive(Args, Debug)]
pub struct ReferenceArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ReferenceCommand,
}

/// The `nhikit reference` subcommands.
#[derive(Subcommand, Debug)]
pub enum ReferenceCommand {
    /// Imports a dataset directory written by `nhikit gen` (all or nothing; exit 1 and every
    /// rejected record on stderr if any is bad).
    Import {
        /// The database file (created if absent).
        #[arg(long)]
        db: PathBuf,
        /// The dataset directory.
        dataset: PathBuf,
        /// Seeded faults to switch on (repeatable), e.g. `--fault non-atomic-import`.
        #[arg(long)]
        fault: Vec<String>,
    },
    /// Exports everything held, in the standard CSV layouts, into a new dataset directory.
    Export {
        /// The database file.
        #[arg(long)]
        db: PathBuf,
        /// The output directory (must not exist or be empty, unless --overwrite).
        #[arg(long)]
        out: PathBuf,
        /// Replace a non-empty output directory.
        #[arg(long)]
        overwrite: bool,
        /// Seeded faults to switch on (repeatable).
        #[arg(long)]
        fault: Vec<String>,
        /// Who runs the export (recorded in the audit log; default $USER).
        #[arg(long)]
        operator: Option<String>,
        /// Where the export is recorded.
        #[command(flatten)]
        audit: crate::audit_cmd::AuditLogArgs,
    },
    /// Looks up a person as of a date, by 地方公共団体コード + 宛名番号 or by 個人番号.
    Lookup {
        /// The database file.
        #[arg(long)]
        db: PathBuf,
        /// 地方公共団体コード (6 digits, e.g. 131016).
        #[arg(long, default_value = "")]
        lgcode: String,
        /// 宛名番号.
        #[arg(long)]
        address_number: Option<String>,
        /// 個人番号, instead of the 宛名番号.
        #[arg(long)]
        mynumber: Option<String>,
        /// The date, YYYY-MM-DD.
        #[arg(long, default_value = "2026-04-01")]
        as_of: String,
        /// Seeded faults to switch on (repeatable).
        #[arg(long)]
        fault: Vec<String>,
    },
    /// Runs one operation from a request file and writes the response file: the response JSON,
    /// or `{"error": {...}}` (exit 1). The files adapter drives the reference this way.
    ///
    /// Example: `nhikit reference call --db ref.db --op lookup_person --request q.json
    /// --response r.json`
    Call {
        /// The database file (created if absent).
        #[arg(long)]
        db: PathBuf,
        /// Seeded faults to switch on (repeatable).
        #[arg(long)]
        fault: Vec<String>,
        /// The operation (`import`, `export`, `register_event`, `lookup_person`, …).
        #[arg(long)]
        op: String,
        /// The request JSON file.
        #[arg(long)]
        request: PathBuf,
        /// The response file to write.
        #[arg(long)]
        response: PathBuf,
    },
}

/// `nhikit reference call`: the request file through `wire::dispatch`, the result to the
/// response file (`{"error": …}` for an error, which also exits 1).
fn call(
    db: &Path,
    faults: &[String],
    op: &str,
    request: &Path,
    response: &Path,
) -> anyhow::Result<ExitCode> {
    let op: nhikit_target::wire::Operation = op
        .parse()
        .map_err(|e: TargetError| anyhow::anyhow!("--op: {}", e.message))?;
    let text = std::fs::read_to_string(request)
        .with_context(|| format!("reading {}", request.display()))?;
    let result = match open(db, faults) {
        Err(e) => Err(TargetError::new(
            nhikit_target::ErrorCode::Storage,
            format!("{e:#}"),
        )),
        Ok(reference) => serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| {
                TargetError::invalid("request", format!("{}: not JSON: {e}", request.display()))
            })
            .and_then(|q| nhikit_target::wire::dispatch(&reference, op, q)),
    };
    let (body, code) = match result {
        Ok(v) => (v, ExitCode::SUCCESS),
        Err(e) => {
            crate::out::errln!("error: {e}");
            (serde_json::json!({ "error": e }), ExitCode::from(1))
        }
    };
    std::fs::write(response, serde_json::to_vec_pretty(&body)?)
        .with_context(|| format!("writing {}", response.display()))?;
    Ok(code)
}

fn open(db: &Path, faults: &[String]) -> anyhow::Result<Reference> {
    let faults = faults
        .iter()
        .map(|f| f.parse::<Fault>())
        .collect::<Result<Vec<_>, _>>()?;
    let reference = Reference::open(db).map_err(|e| {
        let what = format!("opening {}", db.display());
        match full_disk_hint(&e.to_string(), "--db") {
            Some(hint) => anyhow::Error::new(e).context(format!("{what} ({hint})")),
            None => anyhow::Error::new(e).context(what),
        }
    })?;
    Ok(reference.with_faults(&faults))
}

fn print<T: serde::Serialize>(value: &T) -> anyhow::Result<ExitCode> {
    crate::out::print(&format!("{}\n", serde_json::to_string_pretty(value)?))?;
    Ok(ExitCode::SUCCESS)
}

/// What to do when `message` says the disk (or a file-size limit, or a quota) is full: the
/// message already names the file. `None` for other errors. The target's errors carry the
/// operating system's words, not an `io::ErrorKind`, hence the text match.
fn full_disk_hint(message: &str, flag: &str) -> Option<String> {
    const FULL: [&str; 4] = [
        "No space left on device",
        "File too large",
        "Disk quota exceeded",
        "database or disk is full",
    ];
    FULL.iter().any(|s| message.contains(s)).then(|| {
        format!(
            "the disk is full (or a file-size limit or quota was reached): free space, or choose another {flag}"
        )
    })
}

fn failed(e: &TargetError, flag: &str) -> ExitCode {
    for r in &e.rejections {
        crate::out::errln!(
            "{}:{}: [{}] {}: {}",
            r.file,
            r.row,
            r.item,
            serde_json::to_value(r.code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            r.message
        );
    }
    crate::out::errln!("error: {e}");
    if let Some(hint) = full_disk_hint(&e.message, flag) {
        crate::out::errln!("hint: {hint}");
    }
    ExitCode::from(1)
}

/// The database file and the files SQLite keeps beside it (`-wal`, `-shm`, `-journal`).
fn sqlite_files(db: &Path) -> Vec<PathBuf> {
    let mut out = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        out.push(PathBuf::from(p));
    }
    out
}

/// Runs `nhikit reference`.
pub fn run(args: ReferenceArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ReferenceCommand::Import { db, dataset, fault } => {
            // Interrupted, an import commits nothing; a database it was creating is removed.
            let created = sqlite_files(&db);
            if db.exists() {
                crate::interrupt::note(format!(
                    "{} is as it was: an interrupted import commits nothing",
                    db.display()
                ));
            } else {
                created.iter().for_each(|p| nhikit_io::register_partial(p));
            }
            let r = open(&db, &fault)?;
            let spinner = crate::out::spinner(&format!("importing {}", dataset.display()));
            let result = r.import(&ImportRequest {
                dataset: Some(dataset),
                files: Vec::new(),
            });
            spinner.finish_and_clear();
            created
                .iter()
                .for_each(|p| nhikit_io::unregister_partial(p));
            match result {
                Ok(resp) => print(&resp),
                Err(e) => Ok(failed(&e, "--db")),
            }
        }
        ReferenceCommand::Export {
            db,
            out,
            overwrite,
            fault,
            operator,
            audit,
        } => {
            let r = open(&db, &fault)?;
            match r.export(&ExportRequest {
                dir: out.clone(),
                overwrite,
            }) {
                Ok(resp) => {
                    // Every copy of the data is recorded (docs/migration-safety.md).
                    crate::audit_cmd::record_event(
                        &audit,
                        "export",
                        Some(&out),
                        operator.as_deref(),
                        serde_json::json!({
                            "source": db.display().to_string(),
                            "files": resp.files,
                            "records": resp.records,
                        }),
                    )?;
                    print(&resp)
                }
                Err(e) => Ok(failed(&e, "--out")),
            }
        }
        ReferenceCommand::Lookup {
            db,
            lgcode,
            address_number,
            mynumber,
            as_of,
            fault,
        } => {
            let r = open(&db, &fault)?;
            let as_of = NaiveDate::parse_from_str(&as_of, "%Y-%m-%d")
                .with_context(|| format!("--as-of {as_of:?}: expected a date YYYY-MM-DD"))?;
            match r.lookup_person(&PersonQuery {
                lgcode,
                address_number,
                mynumber,
                as_of,
            }) {
                Ok(resp) => print(&resp),
                Err(e) => Ok(failed(&e, "--db")),
            }
        }
        ReferenceCommand::Call {
            db,
            fault,
            op,
            request,
            response,
        } => call(&db, &fault, &op, &request, &response),
    }
}
