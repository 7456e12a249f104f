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
    /// Check the log's hash chain: exit 1 naming each edited, deleted, reordered or corrupt
    /// entry; an append cut short (a torn line) is a warning, exit 0.
    Verify(AuditLogArgs),
    /// Every dataset and copy the log records and what became of it: generated, encrypted,
    /// decrypted to a copy, exported, destroyed (delete or crypto-erase) or not.
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
    record_event(log, event, Some(dir), operator_name, details)
}

/// Appends an entry for any command (`conform`, `export`, …): about the dataset in `dir` when
/// given, e.g. `record_event(&args.audit, "conform", None, None, json!({"target": …}))`.
pub fn record_event(
    log: &AuditLogArgs,
    event: &str,
    dir: Option<&Path>,
    operator_name: Option<&str>,
    details: serde_json::Value,
) -> anyhow::Result<AuditEntry> {
    let log = log.log()?;
    nhikit_safety::record(&log, event, &operator(operator_name), dir, details)
        .with_context(|| format!("recording `{event}` in the audit log"))
}

/// `--two-person` without a (non-blank) `--confirm-operator`: the usage error (exit 2) shared by
/// destroy and decrypt, or `None` when the flags are consistent.
pub fn two_person_refusal(two_person: bool, confirm_operator: Option<&str>) -> Option<ExitCode> {
    if two_person && confirm_operator.is_none_or(|c| c.trim().is_empty()) {
        eprintln!("error: --two-person needs --confirm-operator NAME (another person)");
        return Some(ExitCode::from(2));
    }
    None
}

/// Appends the entry of an act already done (a destruction, a decrypted copy) and reports it:
/// `DIR: SUMMARY by OPERATOR[, confirmed by …]; recorded as entry N of LOG`. The act cannot be
/// undone, so when the log cannot be written the record is printed to stdout for manual filing,
/// with the error (`DIR DONE but the audit log could not be written`), and the exit is 1.
pub fn record_done(
    log: &AuditLog,
    entry: AuditEntry,
    dir: &Path,
    summary: &str,
    confirmed_by: Option<&str>,
    done: &str,
) -> anyhow::Result<ExitCode> {
    match log.append(entry.clone()) {
        Ok(written) => {
            eprintln!(
                "{}: {summary} by {}{}; recorded as entry {} of {}",
                dir.display(),
                entry.operator,
                confirmed_by
                    .map(|c| format!(", confirmed by {c}"))
                    .unwrap_or_default(),
                written.seq,
                log.path().display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            crate::out::print(&format!(
                "{}\n",
                serde_json::to_string(&entry).unwrap_or_default()
            ))?;
            eprintln!(
                "error: {} {done} but the audit log could not be written ({e}); the record is printed above",
                dir.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// One line about an event in `audit report`.
fn describe(e: &AuditEntry) -> String {
    let d = &e.details;
    let what = match e.event.as_str() {
        "decrypt" => format!(
            "decrypted to {} (copy {})",
            d["copy"]["path"].as_str().unwrap_or("?"),
            short(d["copy"]["dataset"].as_str().unwrap_or("?"))
        ),
        "encrypt" => format!(
            "encrypted ({}) to {}",
            d["scheme"].as_str().unwrap_or("?"),
            d["recipients"]
                .as_array()
                .map(|r| r
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        ),
        "destroy" => format!(
            "destroyed by {}{}",
            d["method"].as_str().unwrap_or("?"),
            d["key_file"]
                .as_str()
                .map(|k| format!(" of key {k}"))
                .unwrap_or_default()
        ),
        other => other.to_owned(),
    };
    format!(
        "{} {what} by {}{}",
        e.time,
        e.operator,
        d["confirmed_by"]
            .as_str()
            .map(|c| format!(", confirmed by {c}"))
            .unwrap_or_default()
    )
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// Runs `nhikit audit …`.
pub fn run(cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify(a) => {
            let log = a.log()?;
            let v = log.verify()?;
            let mut text = String::new();
            for p in &v.problems {
                let warning = if p.is_warning() { "warning: " } else { "" };
                crate::out::outln!(text, "{}: {warning}{p}", log.path().display());
            }
            crate::out::print(&text)?;
            let warnings = v.problems.iter().filter(|p| p.is_warning()).count();
            if v.is_intact() {
                eprintln!(
                    "{}: intact — {} entries, head {}{}",
                    log.path().display(),
                    v.entries,
                    v.head.as_deref().unwrap_or("(empty)"),
                    if warnings > 0 {
                        format!(" ({warnings} append(s) cut short, see the warnings)")
                    } else {
                        String::new()
                    }
                );
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "{}: {} problem(s) in {} entries",
                    log.path().display(),
                    v.problems.len() - warnings,
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
                let created = match (&d.created, &d.origin) {
                    (None, _) => "created: not logged".to_owned(),
                    (Some(e), Some(origin)) => format!(
                        "copy of {} made by {} {} by {}",
                        short(origin),
                        e.event,
                        e.time,
                        e.operator
                    ),
                    (Some(e), None) => format!(
                        "created ({}{}) {} by {}",
                        e.event,
                        if e.details.get("encrypted").is_some_and(|v| !v.is_null()) {
                            ", encrypted"
                        } else {
                            ""
                        },
                        e.time,
                        e.operator
                    ),
                };
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
                for e in &d.events {
                    crate::out::outln!(text, "    {}", describe(e));
                }
            }
            crate::out::print(&text)?;
            let open = report.iter().filter(|d| d.destroyed.is_none()).count();
            eprintln!(
                "{}: {} dataset(s) and copies, {open} not destroyed",
                log.path().display(),
                report.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
