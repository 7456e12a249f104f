//! `nhikit audit verify|report|checkpoint` and the `--audit-log`/`--audit-key` options other
//! commands share.

use anyhow::Context;
use clap::{Args, Subcommand};
use nhikit_safety::{AuditEntry, AuditLog, Checkpoint};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Where the audit log is.
#[derive(Args, Debug, Clone, Default)]
pub struct AuditLogArgs {
    /// The audit log (JSON Lines); default $XDG_DATA_HOME/nhikit/audit.jsonl or
    /// ~/.local/share/nhikit/audit.jsonl.
    #[arg(long, env = "NHIKIT_AUDIT_LOG")]
    pub audit_log: Option<PathBuf>,
    /// The key that authenticates the log's entries (HMAC-SHA256); created, mode 0600, on
    /// first use. Keep it apart from the log. Default $XDG_CONFIG_HOME/nhikit/audit.key or
    /// ~/.config/nhikit/audit.key.
    #[arg(long, env = "NHIKIT_AUDIT_KEY", value_name = "FILE")]
    pub audit_key: Option<PathBuf>,
}

impl AuditLogArgs {
    /// The log to use, with its key.
    pub fn log(&self) -> anyhow::Result<AuditLog> {
        let log = match &self.audit_log {
            Some(p) => AuditLog::new(p),
            None => nhikit_safety::default_log_path()
                .map(AuditLog::new)
                .context("no audit log location: set --audit-log, NHIKIT_AUDIT_LOG or HOME")?,
        };
        Ok(match &self.audit_key {
            Some(k) => log.with_key_file(k),
            None => log,
        })
    }
}

/// Arguments of `nhikit audit verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub audit: AuditLogArgs,
    /// A checkpoint written earlier by `nhikit audit checkpoint`: entries removed from the end
    /// of the log, a deleted log and a rewritten history up to it are then detected.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
}

/// Arguments of `nhikit audit checkpoint`.
#[derive(Args, Debug)]
pub struct CheckpointArgs {
    #[command(flatten)]
    pub audit: AuditLogArgs,
    /// Where to write the checkpoint (one JSON line); store it apart from the log — another
    /// machine, a ticket, paper.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `nhikit audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the log's hash chain and every entry's MAC (and, with --checkpoint, that nothing
    /// was removed since): exit 1 naming each edited, forged, deleted, reordered or corrupt
    /// entry; an append cut short (a torn line) is a warning, exit 0.
    Verify(VerifyArgs),
    /// Every dataset and copy the log records and what became of it: generated, encrypted,
    /// decrypted to a copy, copied, exported, destroyed (delete or crypto-erase), a
    /// destruction or decryption left unfinished by a crash.
    Report(AuditLogArgs),
    /// Write the log's head (entry count and hash, authenticated with the audit key) to a file
    /// to keep apart from the log, for `audit verify --checkpoint`.
    Checkpoint(CheckpointArgs),
}

/// What an absent checkpoint means, said by verify and report.
const NO_CHECKPOINT: &str = "no checkpoint given: entries removed from the end of the log, or the whole log deleted, cannot be detected — write one with `nhikit audit checkpoint --out FILE`, keep it apart from the log, and pass it with --checkpoint";

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

/// `--two-person` without a (non-blank) `--confirm-operator` or without both key files: the
/// usage error (exit 2) shared by destroy and decrypt, or `None` when the flags are consistent.
pub fn two_person_refusal(args: &TwoPersonArgs) -> Option<ExitCode> {
    if args.two_person
        && args
            .confirm_operator
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        crate::out::errln!("error: --two-person needs --confirm-operator NAME (another person)");
        return Some(ExitCode::from(2));
    }
    if args.two_person && (args.operator_key.is_none() || args.confirm_key.is_none()) {
        crate::out::errln!(
            "error: --two-person needs both operators' registered keys: --operator-key FILE and --confirm-key FILE (see `nhikit operator keygen` and `register`)"
        );
        return Some(ExitCode::from(2));
    }
    None
}

/// Who carries out a destruction or decryption, and the second operator who confirms it.
#[derive(Args, Debug, Clone, Default)]
pub struct TwoPersonArgs {
    /// Who carries it out (default: $USER). Compared after NFKC normalization and case
    /// folding; invisible characters and mixed scripts are refused.
    #[arg(long)]
    pub operator: Option<String>,
    /// Require a second operator to confirm: both must be registered (operators.toml) and
    /// prove their keys (--operator-key, --confirm-key), which sign the action.
    #[arg(long)]
    pub two_person: bool,
    /// The second operator (another person than --operator).
    #[arg(long)]
    pub confirm_operator: Option<String>,
    /// The first operator's key file (`nhikit operator keygen`).
    #[arg(long, value_name = "FILE", env = "NHIKIT_OPERATOR_KEY")]
    pub operator_key: Option<PathBuf>,
    /// The confirming operator's key file.
    #[arg(long, value_name = "FILE")]
    pub confirm_key: Option<PathBuf>,
    /// The operators register (name and public key); default $XDG_CONFIG_HOME/nhikit/operators.toml
    /// or ~/.config/nhikit/operators.toml.
    #[arg(long, value_name = "FILE", env = "NHIKIT_OPERATORS")]
    pub operators: Option<PathBuf>,
}

impl TwoPersonArgs {
    /// The register and key files for a two-person action, when asked for.
    pub fn keys(&self) -> anyhow::Result<Option<nhikit_safety::TwoPersonKeys>> {
        if !self.two_person {
            return Ok(None);
        }
        let operators = match &self.operators {
            Some(p) => p.clone(),
            None => nhikit_safety::default_operators_path().context(
                "no operators register location: set --operators, NHIKIT_OPERATORS or HOME",
            )?,
        };
        Ok(Some(nhikit_safety::TwoPersonKeys {
            operators,
            operator_key: self.operator_key.clone().unwrap_or_default(),
            confirm_key: self.confirm_key.clone().unwrap_or_default(),
        }))
    }
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
            crate::out::errln!(
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
            crate::out::errln!(
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
        "destroy-intent" => format!(
            "destruction begun ({})",
            d["method"].as_str().unwrap_or("?")
        ),
        "decrypt-start" => format!(
            "decryption begun (staging {})",
            d["staging"].as_str().unwrap_or("?")
        ),
        "decrypt-cleanup" => format!(
            "staging {} of a decryption that died removed",
            d["staging"].as_str().unwrap_or("?")
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
        AuditCommand::Checkpoint(a) => {
            let log = a.audit.log()?;
            let cp = log.checkpoint()?;
            std::fs::write(&a.out, cp.to_json())
                .with_context(|| format!("writing {}", a.out.display()))?;
            crate::out::errln!(
                "{}: checkpoint of {} written to {} (entry {}, head {}); keep it apart from the log",
                log.path().display(),
                cp.log,
                a.out.display(),
                cp.entries,
                cp.head
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Verify(a) => {
            let log = a.audit.log()?;
            let cp = match &a.checkpoint {
                Some(p) => Some(Checkpoint::read(p)?),
                None => None,
            };
            let v = log.verify_with(cp.as_ref())?;
            let mut text = String::new();
            for p in &v.problems {
                let warning = if p.is_warning() { "warning: " } else { "" };
                crate::out::outln!(text, "{}: {warning}{p}", log.path().display());
            }
            // Two-person approvals: the signatures must verify against the challenge rebuilt
            // from the entry (whoever forged an entry with the audit key still lacks the
            // operators' keys).
            let mut bad_approvals = 0;
            for e in log.entries()? {
                let approval = &e.details["approval"];
                if approval.is_null() {
                    continue;
                }
                if let Err(why) = nhikit_safety::check_approval(
                    approval,
                    e.dataset.as_deref().unwrap_or_default(),
                    e.path.as_deref().unwrap_or_default(),
                ) {
                    bad_approvals += 1;
                    crate::out::outln!(
                        text,
                        "{}: entry {}: its two-person approval does not verify: {why}",
                        log.path().display(),
                        e.seq
                    );
                }
            }
            crate::out::print(&text)?;
            let warnings = v.problems.iter().filter(|p| p.is_warning()).count();
            match v.checkpoint {
                Some(n) => crate::out::errln!(
                    "{}: compared with the checkpoint of entry {n}",
                    log.path().display()
                ),
                None => crate::out::errln!("{}: {NO_CHECKPOINT}", log.path().display()),
            }
            if v.is_intact() && bad_approvals == 0 {
                crate::out::errln!(
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
                crate::out::errln!(
                    "{}: {} problem(s) in {} entries",
                    log.path().display(),
                    v.problems.len() - warnings + bad_approvals,
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
                    (None, Some(origin)) => format!(
                        "COPY of {} at {} (how it was made is not logged)",
                        short(origin),
                        d.origin_path.as_deref().unwrap_or("?")
                    ),
                    (None, None) => "created: not logged".to_owned(),
                    (Some(e), Some(origin)) => format!(
                        "copy of {} at {} made by {} {} by {}",
                        short(origin),
                        d.origin_path.as_deref().unwrap_or("?"),
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
                let fate = match (&d.destroyed, &d.unfinished) {
                    (_, Some(e)) => format!(
                        "DESTRUCTION UNFINISHED (begun {} by {}, entry {}; the process died while wiping — rerun `nhikit destroy {}` to complete it)",
                        e.time,
                        e.operator,
                        e.seq,
                        d.path.as_deref().unwrap_or("?")
                    ),
                    (Some(e), None) => format!(
                        "DESTROYED {} by {}{} ({})",
                        e.time,
                        e.operator,
                        e.details["confirmed_by"]
                            .as_str()
                            .map(|c| format!(" confirmed by {c}"))
                            .unwrap_or_default(),
                        e.details["method"].as_str().unwrap_or("?")
                    ),
                    (None, None) => "NOT destroyed".to_owned(),
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
            let unfinished = log.unfinished_decrypts()?;
            for e in &unfinished {
                let staging = e.details["staging"].as_str().unwrap_or("?");
                let there = Path::new(staging).exists();
                crate::out::outln!(
                    text,
                    "UNFINISHED decrypt of {} begun {} by {} (pid {}): staging directory {staging} {}",
                    e.path.as_deref().unwrap_or("?"),
                    e.time,
                    e.operator,
                    e.details["pid"],
                    if there {
                        "is still there and may hold plaintext; the next `nhikit decrypt` removes it"
                    } else {
                        "is gone"
                    }
                );
            }
            crate::out::print(&text)?;
            crate::out::errln!(
                "{}: {NO_CHECKPOINT} (`nhikit audit verify --checkpoint FILE` checks it)",
                log.path().display()
            );
            let open = report.iter().filter(|d| d.destroyed.is_none()).count();
            crate::out::errln!(
                "{}: {} dataset(s) and copies, {open} not destroyed",
                log.path().display(),
                report.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
