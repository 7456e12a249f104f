//! `nhikit audit verify|report` and the `--audit-log` option other commands share.

use anyhow::Context;
use clap::{Args, Subcommand};
use nhikit_safety::{AuditEntry, AuditLog};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the audit log is.
#[derive(Args, Debug, Clone, Default)]
pub struct AuditLogArgs {
    /// The audit log (JSON Lines); default $XDG_DATA_HOME/nhikit/audit.jsonl or
    /// ~/.local/share/nhikit/audit.jsonl.
    #[arg(long, env = "NHIKIT_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
}

impl AuditLogArgs {
    /// The log to use.
    pub fn log(&self) -> anyhow::Result<AuditLog> {
        match &self.audit_log {
            Some(p) => Ok(AuditLog::new(p)),
            None => nhikit_safety::default_log_path()
                .map(AuditLog::new)
                .context("no audit log location: set --audit-log, NHIKIT_AUDIT_LOG or HOME"),
        }
    }
}

/// `nhikit audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the log's hash chain: exit 1 naming each edited, deleted, reordered or truncated
    /// entry.
    Verify(AuditLogArgs),
    /// Every dataset the log records and what became of it (destroyed or not).
    Report(AuditLogArgs),
}

/// The operator's name: the one given, else $USER / $USERNAME.
pub fn operator(given: Option<&str>) -> String {
    given
        .map(str::to_owned)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Appends an entry about the dataset in `dir` (its id is the SHA-256 of its manifest), e.g.
/// `record_dataset(&args.audit, "gen", &args.out, None, json!({...}))` after `nhikit gen`.
pub fn record_dataset(
    log: &AuditLogArgs,
    event: &str,
    dir: &Path,
    operator_name: Option<&str>,
    details: serde_json::Value,
) -> anyhow::Result<AuditEntry> {
    let log = log.log()?;
    let mut entry = AuditEntry::new(event, &operator(operator_name));
    entry.dataset = Some(nhikit_safety::dataset_id(dir)?);
    entry.path = Some(dir.display().to_string());
    entry.details = details;
    log.append(entry)
        .with_context(|| format!("recording `{event}` in the audit log"))
}

/// Runs `nhikit audit …`.
pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify(a) => {
            let log = a.log()?;
            let v = log.verify()?;
            let mut text = String::new();
            for p in &v.problems {
                crate::out::outln!(text, "{}: {p}", log.path().display());
            }
            crate::out::print(&text)?;
            if v.problems.is_empty() {
                eprintln!(
                    "{}: intact — {} entries, head {}",
                    log.path().display(),
                    v.entries,
                    v.head.as_deref().unwrap_or("(empty)")
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "{}: {} problem(s) in {} entries",
                    log.path().display(),
                    v.problems.len(),
                    v.entries
                );
                Ok(ExitCode::from(1))
            }
        }
        AuditCommand::Report(a) => {
            let log = a.log()?;
            let mut text = String::new();
            let report = log.report()?;
            for d in &report {
                let created = d.created.as_ref().map_or_else(
                    || "created: not logged".to_owned(),
                    |e| format!("created {} by {}", e.time, e.operator),
                );
                let fate = match &d.destroyed {
                    Some(e) => format!(
                        "DESTROYED {} by {}{} ({})",
                        e.time,
                        e.operator,
                        e.details["confirmed_by"]
                            .as_str()
                            .map(|c| format!(" confirmed by {c}"))
                            .unwrap_or_default(),
                        e.details["method"].as_str().unwrap_or("?")
                    ),
                    None => "NOT destroyed".to_owned(),
                };
                crate::out::outln!(
                    text,
                    "{}  {}  {created}; {fate}; {} other event(s)",
                    d.dataset,
                    d.path.as_deref().unwrap_or("?"),
                    d.events.iter().filter(|e| e.event != "destroy").count()
                );
            }
            crate::out::print(&text)?;
            let open = report.iter().filter(|d| d.destroyed.is_none()).count();
            eprintln!(
                "{}: {} dataset(s), {open} not destroyed",
                log.path().display(),
                report.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
