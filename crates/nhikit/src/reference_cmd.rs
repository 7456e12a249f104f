//! `nhikit reference import|export|lookup`: the reference target (`nhikit-reference`) on a
//! SQLite database file, without a server. The request and response JSON is that of
//! docs/target-interface.md; responses go to stdout, rejections and errors to stderr.

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
}

fn open(db: &Path, faults: &[String]) -> anyhow::Result<Reference> {
    let faults = faults
        .iter()
        .map(|f| f.parse::<Fault>())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Reference::open(db)
        .with_context(|| format!("opening {}", db.display()))?
        .with_faults(&faults))
}

fn print<T: serde::Serialize>(value: &T) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(ExitCode::SUCCESS)
}

fn failed(e: &TargetError) -> ExitCode {
    for r in &e.rejections {
        eprintln!(
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
    eprintln!("error: {e}");
    ExitCode::from(1)
}

/// Runs `nhikit reference`.
pub fn run(args: ReferenceArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ReferenceCommand::Import { db, dataset, fault } => {
            let r = open(&db, &fault)?;
            match r.import(&ImportRequest {
                dataset: Some(dataset),
                files: Vec::new(),
            }) {
                Ok(resp) => print(&resp),
                Err(e) => Ok(failed(&e)),
            }
        }
        ReferenceCommand::Export {
            db,
            out,
            overwrite,
            fault,
        } => {
            let r = open(&db, &fault)?;
            match r.export(&ExportRequest {
                dir: out,
                overwrite,
            }) {
                Ok(resp) => print(&resp),
                Err(e) => Ok(failed(&e)),
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
                Err(e) => Ok(failed(&e)),
            }
        }
    }
}
