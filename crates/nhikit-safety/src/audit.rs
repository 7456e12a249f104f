//! The audit log: JSON Lines, one entry per event (a dataset generated, verified, destroyed …),
//! each entry carrying the SHA-256 of its own content (`hash`) and of the entry before it
//! (`prev`), and a sequence number. An edited entry no longer matches its own hash (or, if its
//! hash was recomputed, the `prev` of the next entry); a deleted entry leaves a gap in the
//! sequence; reordered entries go backwards.
//!
//! Crash safety: an append is one `write(2)` of the entry and its newline, under an exclusive
//! file lock, `fsync`ed before it returns. A write cut short (`kill -9`, a full disk, a power
//! loss) can leave only a torn last line without its newline: [`AuditLog::verify`] reports it
//! as a warning ([`AuditProblem::Truncated`]), not as broken history, and the next append starts
//! a new line after it, chained to the last whole entry, so the torn line stays visible as an
//! [`AuditProblem::Interrupted`] append that the chain skips over.
//!
//! Authentication: every entry also carries `mac`, an HMAC-SHA256 of its hash under the audit
//! key ([`AuditKey`], a file kept apart from the log, 0600). Without the key nobody can write
//! an entry that verifies — an edited entry with its chain recomputed is reported as
//! [`AuditProblem::Forged`]. What a MAC cannot show is an entry *missing at the end* (or the
//! whole log gone): for that, [`AuditLog::checkpoint`] writes the head (entry count and hash,
//! authenticated) to a file kept elsewhere, and [`AuditLog::verify_with`] compares the log with
//! it ([`AuditProblem::Cut`], [`AuditProblem::Diverged`]).

use crate::error::{Error, Result, io};
use crate::keys::AuditKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// `prev` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The MAC domain of entries (a checkpoint's MAC is in another, so one never passes for the
/// other).
const ENTRY_DOMAIN: &str = "nhikit-audit-entry-v1";
/// The MAC domain of checkpoints.
const CHECKPOINT_DOMAIN: &str = "nhikit-audit-checkpoint-v1";
/// The `format` of a checkpoint file.
const CHECKPOINT_FORMAT: &str = "nhikit-audit-checkpoint/1";

/// The head of a log at one moment — its entry count (the last entry's sequence number) and
/// that entry's hash — authenticated with the audit key. Kept somewhere the log's writers
/// cannot reach (another machine, a ticket, paper), it shows later that nothing was removed
/// from the end of the log and that the history up to it was not rewritten, even by someone
/// who holds the audit key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// `nhikit-audit-checkpoint/1`.
    pub format: String,
    /// The log, as it was named.
    pub log: String,
    /// The last entry's sequence number (the number of entries of an intact log).
    pub entries: u64,
    /// The last entry's hash (64 zeros for an empty log).
    pub head: String,
    /// When the checkpoint was made (UTC, RFC 3339).
    pub time: String,
    /// The fingerprint of the audit key.
    pub key: String,
    /// HMAC-SHA256 of the fields above under the audit key.
    #[serde(default)]
    pub mac: String,
}

impl Checkpoint {
    fn message(&self) -> Vec<u8> {
        format!(
            "{}\n{}\n{}\n{}\n{}\n{}",
            self.format, self.log, self.entries, self.head, self.time, self.key
        )
        .into_bytes()
    }

    fn authentic(&self, key: &AuditKey) -> bool {
        self.format == CHECKPOINT_FORMAT && key.check(CHECKPOINT_DOMAIN, &self.message(), &self.mac)
    }

    /// Reads a checkpoint file (one JSON object).
    pub fn read(path: &Path) -> Result<Checkpoint> {
        let bytes = std::fs::read(path).map_err(io(path))?;
        let cp: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| Error::Audit {
            path: path.to_path_buf(),
            reason: format!("not an audit checkpoint: {e}"),
        })?;
        if cp.format != CHECKPOINT_FORMAT {
            return Err(Error::Audit {
                path: path.to_path_buf(),
                reason: format!(
                    "checkpoint format {:?}, expected {CHECKPOINT_FORMAT:?}",
                    cp.format
                ),
            });
        }
        Ok(cp)
    }

    /// The checkpoint as written: one JSON line.
    pub fn to_json(&self) -> String {
        // A struct of strings and numbers always serializes.
        let mut s = serde_json::to_string(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// One entry of the log. Field order is the key order in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1-based position in the log.
    pub seq: u64,
    /// When it was appended: UTC, RFC 3339 (`2026-11-25T08:40:00Z`).
    pub time: String,
    /// What happened: `gen`, `verify`, `scan`, `destroy`, …
    pub event: String,
    /// Who did it (`--operator` or the user name).
    pub operator: String,
    /// The dataset id (SHA-256 of its `manifest.json`), when the event concerns a dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// The dataset directory or file concerned, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Event-specific facts (file hashes, method, second operator, result …).
    #[serde(default)]
    pub details: serde_json::Value,
    /// `hash` of the entry before (64 zeros for the first).
    pub prev: String,
    /// SHA-256 of this entry serialized without `hash` and `mac`.
    #[serde(default)]
    pub hash: String,
    /// HMAC-SHA256 of `hash` under the audit key: proves the entry was written by someone
    /// holding the key. Absent in entries written before entries were authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

impl AuditEntry {
    /// An entry for `event` by `operator`, to fill in and [`AuditLog::append`].
    pub fn new(event: &str, operator: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            time: String::new(),
            event: event.to_owned(),
            operator: operator.to_owned(),
            dataset: None,
            path: None,
            details: serde_json::Value::Null,
            prev: String::new(),
            hash: String::new(),
            mac: None,
        }
    }

    /// The hash of this entry's content (every field but `hash` and `mac`).
    fn content_hash(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
        copy.mac = None;
        // Serializing a struct of strings, numbers and a JSON value cannot fail.
        let bytes = serde_json::to_vec(&copy).unwrap_or_default();
        hex(&Sha256::digest(&bytes))
    }
}

/// A way the log's history is broken. Entries are named by their sequence number and the
/// 1-based line they are on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditProblem {
    /// The entry's content was changed after it was written.
    Edited {
        /// Its sequence number.
        seq: u64,
        /// Its line.
        line: u64,
    },
    /// Entries `from..=to` are missing before `line`.
    Deleted {
        /// First missing sequence number.
        from: u64,
        /// Last missing sequence number.
        to: u64,
        /// The line where they should be.
        line: u64,
    },
    /// The entry is out of order (its sequence number goes backwards).
    Reordered {
        /// Its sequence number.
        seq: u64,
        /// Its line.
        line: u64,
    },
    /// A warning: the last line is incomplete, an append was cut short (a crash, a full
    /// disk). Its entry was never acknowledged; the entries before it are intact.
    Truncated {
        /// The line.
        line: u64,
    },
    /// A warning: a line that is not an entry, which the chain skips over (the entry after it
    /// follows the one before it): an append cut short, closed by the next append. Also a
    /// non-entry line at the end of the log, after the last entry.
    Interrupted {
        /// The line.
        line: u64,
    },
    /// A complete line that is not an entry, which the chain does not skip over cleanly (the
    /// entry after it does not follow the one before it).
    Corrupt {
        /// The line.
        line: u64,
        /// Why.
        reason: String,
    },
    /// The entry has no MAC: it was written without the audit key — forged, or written by an
    /// nhikit from before entries were authenticated.
    Unauthenticated {
        /// Its sequence number.
        seq: u64,
        /// Its line.
        line: u64,
    },
    /// The entry's MAC does not match the audit key: written (or its hashes recomputed)
    /// without the key, or with another key.
    Forged {
        /// Its sequence number.
        seq: u64,
        /// Its line.
        line: u64,
    },
    /// The checkpoint records more entries than the log holds: entries were removed from the
    /// end of the log, or the whole log was deleted or replaced.
    Cut {
        /// The last entry in the log (0 for none).
        last: u64,
        /// The entry count the checkpoint records.
        checkpoint: u64,
        /// The line after the last one.
        line: u64,
    },
    /// The entry the checkpoint records differs from the checkpoint's: the history up to it
    /// was rewritten.
    Diverged {
        /// Its sequence number.
        seq: u64,
        /// Its line.
        line: u64,
    },
}

impl fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditProblem::Edited { seq, line } => {
                write!(
                    f,
                    "line {line}: entry {seq} was edited after it was written"
                )
            }
            AuditProblem::Deleted { from, to, line } if from == to => {
                write!(f, "line {line}: entry {from} was deleted")
            }
            AuditProblem::Deleted { from, to, line } => {
                write!(f, "line {line}: entries {from}–{to} were deleted")
            }
            AuditProblem::Reordered { seq, line } => {
                write!(
                    f,
                    "line {line}: entry {seq} is out of order (entries were reordered)"
                )
            }
            AuditProblem::Truncated { line } => write!(
                f,
                "line {line}: the last entry is truncated (an append was cut short by a crash or a full disk); the entries before it are intact and the next append starts a new line"
            ),
            AuditProblem::Interrupted { line } => write!(
                f,
                "line {line}: an interrupted append (not an entry; the chain continues past it); the entries around it are intact"
            ),
            AuditProblem::Corrupt { line, reason } => {
                write!(f, "line {line}: not an audit entry: {reason}")
            }
            AuditProblem::Unauthenticated { seq, line } => write!(
                f,
                "line {line}: entry {seq} has no MAC: it was not written with the audit key (forged, or written by an nhikit older than authenticated entries)"
            ),
            AuditProblem::Forged { seq, line } => write!(
                f,
                "line {line}: entry {seq}'s MAC does not match the audit key: forged (written or re-hashed without the key) or written with another key"
            ),
            AuditProblem::Cut {
                last: 0,
                checkpoint,
                line,
            } => write!(
                f,
                "line {line}: the log holds no entry but the checkpoint records {checkpoint}: the log was deleted or replaced"
            ),
            AuditProblem::Cut {
                last,
                checkpoint,
                line,
            } if *last + 1 == *checkpoint => write!(
                f,
                "line {line}: the log ends at entry {last} but the checkpoint records {checkpoint}: entry {checkpoint} was removed (truncated)"
            ),
            AuditProblem::Cut {
                last,
                checkpoint,
                line,
            } => write!(
                f,
                "line {line}: the log ends at entry {last} but the checkpoint records {checkpoint}: entries {}–{checkpoint} were removed (truncated)",
                last + 1
            ),
            AuditProblem::Diverged { seq, line } => write!(
                f,
                "line {line}: entry {seq} is not the entry the checkpoint records: the history up to it was rewritten"
            ),
        }
    }
}

impl AuditProblem {
    /// Whether this is only a warning: an append cut short ([`AuditProblem::Truncated`],
    /// [`AuditProblem::Interrupted`]), which leaves every acknowledged entry intact.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            AuditProblem::Truncated { .. } | AuditProblem::Interrupted { .. }
        )
    }

    /// The 1-based line the problem is on.
    pub fn line(&self) -> u64 {
        match self {
            AuditProblem::Edited { line, .. }
            | AuditProblem::Deleted { line, .. }
            | AuditProblem::Reordered { line, .. }
            | AuditProblem::Truncated { line }
            | AuditProblem::Interrupted { line }
            | AuditProblem::Corrupt { line, .. }
            | AuditProblem::Unauthenticated { line, .. }
            | AuditProblem::Forged { line, .. }
            | AuditProblem::Cut { line, .. }
            | AuditProblem::Diverged { line, .. } => *line,
        }
    }
}

/// What [`AuditLog::verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditVerification {
    /// Complete entries read.
    pub entries: u64,
    /// The last entry's hash: the head of the chain, to anchor elsewhere.
    pub head: Option<String>,
    /// Every problem and warning, in line order; empty when the history is intact.
    pub problems: Vec<AuditProblem>,
    /// The entry count of the checkpoint the log was compared with, if one was given.
    /// Without one, entries removed from the end of the log (or the whole log) go unnoticed.
    pub checkpoint: Option<u64>,
    /// The fingerprint of the audit key the MACs were checked with.
    pub key: Option<String>,
}

impl AuditVerification {
    /// Whether the history is intact: no problem other than warnings (appends cut short, see
    /// [`AuditProblem::is_warning`]).
    pub fn is_intact(&self) -> bool {
        self.problems.iter().all(AuditProblem::is_warning)
    }
}

/// A dataset or copy as the log tells its story: created, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetStatus {
    /// The dataset id.
    pub dataset: String,
    /// Where it was created (the path recorded).
    pub path: Option<String>,
    /// The creating entry: `gen`, `export`, or for a copy the entry that made it (`decrypt`,
    /// whose `details.copy` names this dataset), if logged.
    pub created: Option<AuditEntry>,
    /// For a copy: the id of the dataset it was made from (the same id for a copy of the
    /// files, e.g. `cp -a`, or a decrypted copy).
    pub origin: Option<String>,
    /// For a copy: where the dataset it was made from is.
    pub origin_path: Option<String>,
    /// Every later entry about it (verify, scan, destroy …), in order.
    pub events: Vec<AuditEntry>,
    /// The destruction entry, if it was destroyed.
    pub destroyed: Option<AuditEntry>,
    /// A destruction begun (its `destroy-intent` entry) and never recorded as complete: the
    /// process died while wiping. Rerun `nhikit destroy` on the directory to complete it.
    pub unfinished: Option<AuditEntry>,
}

/// The default log location: `$XDG_DATA_HOME/nhikit/audit.jsonl`, else
/// `$HOME/.local/share/nhikit/audit.jsonl` (`%APPDATA%\nhikit\audit.jsonl` on Windows).
pub fn default_log_path() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = env("XDG_DATA_HOME")
        .or_else(|| env("HOME").map(|h| h.join(".local").join("share")))
        .or_else(|| env("APPDATA"))?;
    Some(base.join("nhikit").join("audit.jsonl"))
}

/// Appends one event to `log`: for commands outside this crate that must leave a trace (a
/// conformance run, a reference export). `dataset_dir`, when given, is a dataset directory:
/// the entry carries its id (SHA-256 of its `manifest.json`) and path, and `audit report`
/// lists it (`export` counts as its creation). Returns the entry as written.
///
/// ```no_run
/// let log = nhikit_safety::AuditLog::new("audit.jsonl");
/// nhikit_safety::record(&log, "conform", "alice", None,
///     serde_json::json!({"target": "http://127.0.0.1:8080", "passed": 120, "failed": 0})).unwrap();
/// ```
pub fn record(
    log: &AuditLog,
    event: &str,
    operator: &str,
    dataset_dir: Option<&Path>,
    details: serde_json::Value,
) -> Result<AuditEntry> {
    let mut entry = AuditEntry::new(event, operator);
    if let Some(dir) = dataset_dir {
        entry.dataset = Some(crate::destroy::dataset_id(dir)?);
        entry.path = Some(location(dir)?);
    }
    entry.details = details;
    log.append(entry)
}

/// Where a dataset directory is: its canonical absolute path (links resolved), which with its
/// id identifies it — a copy has the same id elsewhere.
pub fn location(dir: &Path) -> Result<String> {
    Ok(std::fs::canonicalize(dir)
        .map_err(io(dir))?
        .display()
        .to_string())
}

/// An audit log file and the key that authenticates its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLog {
    path: PathBuf,
    key_file: Option<PathBuf>,
}

impl AuditLog {
    /// The log at `path` (created on the first append), authenticated with the audit key at
    /// the default location ([`crate::default_key_path`]; created on the first append).
    pub fn new(path: impl Into<PathBuf>) -> AuditLog {
        AuditLog {
            path: path.into(),
            key_file: None,
        }
    }

    /// The same log, authenticated with the key in `key_file` (created, 0600, on the first
    /// append if it does not exist).
    pub fn with_key_file(mut self, key_file: impl Into<PathBuf>) -> AuditLog {
        self.key_file = Some(key_file.into());
        self
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The audit key's file: the one given, else the default.
    pub fn key_file(&self) -> Result<PathBuf> {
        self.key_file
            .clone()
            .or_else(crate::keys::default_key_path)
            .ok_or_else(|| Error::Audit {
                path: self.path.clone(),
                reason: "no audit key location: set --audit-key, NHIKIT_AUDIT_KEY or HOME".into(),
            })
    }

    /// The audit key, created if there is none yet (for appends).
    fn key_to_write(&self) -> Result<AuditKey> {
        AuditKey::load_or_create(&self.key_file()?)
    }

    /// The audit key, which must exist when the log has entries (for checks): a missing key is
    /// an error, not a reason to pass unauthenticated entries.
    fn key_to_check(&self) -> Result<Option<AuditKey>> {
        let path = self.key_file()?;
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            _ => AuditKey::load(&path).map(Some),
        }
    }

    /// Appends `entry`, filling in `seq`, `time`, `prev` and `hash`, and returns it as written.
    ///
    /// Crash-safe: the file is locked against concurrent appends (other processes too), the
    /// entry is written with its newline in one write and `fsync`ed before this returns. After
    /// a torn last line (an earlier append cut short) the entry starts on a new line and is
    /// chained to the last whole entry; the torn line stays, reported as a warning by
    /// [`AuditLog::verify`]. Refuses to append to a non-empty file that holds no entry (not
    /// an audit log).
    pub fn append(&self, mut entry: AuditEntry) -> Result<AuditEntry> {
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(io(&self.path))?;
        let key = self.key_to_write()?;
        file.lock().map_err(io(&self.path))?;
        let tail = self.tail(&mut file)?;
        entry.seq = tail.seq + 1;
        entry.time = now_rfc3339();
        entry.prev = tail.hash;
        entry.hash = String::new();
        entry.mac = None;
        entry.hash = entry.content_hash();
        entry.mac = Some(key.mac(ENTRY_DOMAIN, entry.hash.as_bytes()));
        let json = serde_json::to_vec(&entry).map_err(|e| Error::Audit {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        // After a torn line, a newline first (in the same write) so as not to glue onto it.
        let mut line = Vec::with_capacity(json.len() + 2);
        if tail.torn {
            line.push(b'\n');
        }
        line.extend_from_slice(&json);
        line.push(b'\n');
        file.write_all(&line).map_err(io(&self.path))?;
        // A log on a device or pipe (`/dev/null`, to keep no log) cannot be synced.
        if file.metadata().map_err(io(&self.path))?.is_file() {
            file.sync_data().map_err(io(&self.path))?;
        }
        // The lock is released when the file is closed.
        Ok(entry)
    }

    /// The last entry (its sequence number and hash; 0 and the genesis hash when there is
    /// none) and whether the file ends with a torn line. Reads backwards from the end, in
    /// growing windows, past lines that are not entries (appends cut short).
    fn tail(&self, file: &mut std::fs::File) -> Result<Tail> {
        let len = file.metadata().map_err(io(&self.path))?.len();
        let mut window: u64 = 64 << 10;
        loop {
            let start = len.saturating_sub(window);
            file.seek(SeekFrom::Start(start)).map_err(io(&self.path))?;
            let mut buf = Vec::new();
            Read::take(&mut *file, len - start)
                .read_to_end(&mut buf)
                .map_err(io(&self.path))?;
            let torn = buf.last().is_some_and(|&b| b != b'\n');
            let mut parts: Vec<&[u8]> = buf.split(|&b| b == b'\n').collect();
            if start > 0 {
                // The window may begin inside a line.
                parts.remove(0);
            }
            let last = parts
                .iter()
                .rev()
                .find_map(|raw| serde_json::from_slice::<AuditEntry>(raw).ok());
            if let Some(e) = last {
                return Ok(Tail {
                    seq: e.seq,
                    hash: e.hash,
                    torn,
                });
            }
            if start == 0 {
                // No entry at all: empty, or only a first append cut short.
                let first_cut_short = parts
                    .iter()
                    .all(|p| p.is_empty() || p.starts_with(br#"{"seq":"#));
                if !first_cut_short {
                    return Err(Error::Audit {
                        path: self.path.clone(),
                        reason: "not an audit log (no entry in it); appending is refused — check --audit-log".to_owned(),
                    });
                }
                return Ok(Tail {
                    seq: 0,
                    hash: GENESIS.to_owned(),
                    torn,
                });
            }
            window = window.saturating_mul(4);
        }
    }

    /// Every complete, readable entry, in file order (for reports; see [`AuditLog::verify`]
    /// for whether the history is intact).
    pub fn entries(&self) -> Result<Vec<AuditEntry>> {
        let bytes = self.read_all()?;
        Ok(lines(&bytes)
            .0
            .iter()
            .filter_map(|l| serde_json::from_slice(l).ok())
            .collect())
    }

    /// The entries whose hash and MAC are right: what nhikit acts on (a staging directory to
    /// remove, a destruction to complete) — never an entry someone without the key wrote.
    fn authentic_entries(&self) -> Result<Vec<AuditEntry>> {
        let Some(key) = self.key_to_check()? else {
            return Ok(Vec::new());
        };
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| {
                e.content_hash() == e.hash
                    && e.mac
                        .as_deref()
                        .is_some_and(|m| key.check(ENTRY_DOMAIN, e.hash.as_bytes(), m))
            })
            .collect())
    }

    /// The whole file, read under a shared lock (so not in the middle of an append).
    fn read_all(&self) -> Result<Vec<u8>> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.path)(e)),
        };
        file.lock_shared().map_err(io(&self.path))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io(&self.path))?;
        Ok(bytes)
    }

    /// Checks the whole chain and every entry's MAC and says which entries were edited,
    /// forged, deleted, reordered or corrupt, and warns of appends cut short (see
    /// [`AuditVerification::is_intact`]). A missing log is an empty, intact one — without a
    /// checkpoint ([`AuditLog::verify_with`]) nothing can tell it from a deleted one.
    pub fn verify(&self) -> Result<AuditVerification> {
        self.verify_with(None)
    }

    /// [`AuditLog::verify`], and compares the log with `checkpoint` (written earlier by
    /// [`AuditLog::checkpoint`]): entries missing at the end, a deleted log, or a rewritten
    /// history up to the checkpoint are problems. Refuses a checkpoint whose MAC does not
    /// match the audit key.
    pub fn verify_with(&self, checkpoint: Option<&Checkpoint>) -> Result<AuditVerification> {
        let bytes = self.read_all()?;
        let (complete, torn) = lines(&bytes);
        let key = self.key_to_check()?;
        if key.is_none() && (!complete.is_empty() || checkpoint.is_some()) {
            return Err(Error::Audit {
                path: self.path.clone(),
                reason: format!(
                    "the audit key {} does not exist, so the entries cannot be authenticated (give the key the log was written with: --audit-key or NHIKIT_AUDIT_KEY)",
                    self.key_file()?.display()
                ),
            });
        }
        if let (Some(cp), Some(k)) = (checkpoint, &key)
            && !cp.authentic(k)
        {
            return Err(Error::Refused(format!(
                "the checkpoint's MAC does not match the audit key {} (fingerprint {}): the checkpoint was forged or made with another key",
                k.path().display(),
                k.fingerprint()
            )));
        }
        let mut out = AuditVerification {
            checkpoint: checkpoint.map(|c| c.entries),
            key: key.as_ref().map(AuditKey::fingerprint),
            ..AuditVerification::default()
        };
        // The first entry of each sequence number: (hash, line), for the checkpoint.
        let mut by_seq: BTreeMap<u64, (String, u64)> = BTreeMap::new();
        let mut last_seq = 0u64;
        let authentic = |e: &AuditEntry| match (&key, &e.mac) {
            (Some(k), Some(m)) => k.check(ENTRY_DOMAIN, e.hash.as_bytes(), m),
            _ => false,
        };
        let mut expected_seq = 1u64;
        let mut prev_hash = GENESIS.to_owned();
        let mut prev_seq = 0u64;
        let mut prev_flagged = false;
        // Broken links: (seq, line) of the entry before and of the entry after.
        let mut breaks: Vec<(u64, u64, u64, u64)> = Vec::new();
        // Lines that are not entries since the last entry: (line, why).
        let mut pending: Vec<(u64, String)> = Vec::new();
        for (i, raw) in complete.iter().enumerate() {
            let line = i as u64 + 1;
            let entry: AuditEntry = match serde_json::from_slice(raw) {
                Ok(e) => e,
                Err(e) => {
                    pending.push((line, e.to_string()));
                    continue;
                }
            };
            if !pending.is_empty() {
                // Appends cut short if the chain goes on over them as if they were not there.
                let skipped = entry.seq == expected_seq
                    && entry.prev == prev_hash
                    && !prev_flagged
                    && entry.content_hash() == entry.hash
                    && authentic(&entry);
                for (line, reason) in pending.drain(..) {
                    out.problems.push(if skipped {
                        AuditProblem::Interrupted { line }
                    } else {
                        AuditProblem::Corrupt { line, reason }
                    });
                }
                prev_flagged |= !skipped;
            }
            out.entries += 1;
            let mut flagged = false;
            if entry.content_hash() != entry.hash {
                out.problems.push(AuditProblem::Edited {
                    seq: entry.seq,
                    line,
                });
                flagged = true;
            } else if entry.mac.is_none() {
                out.problems.push(AuditProblem::Unauthenticated {
                    seq: entry.seq,
                    line,
                });
                flagged = true;
            } else if !authentic(&entry) {
                out.problems.push(AuditProblem::Forged {
                    seq: entry.seq,
                    line,
                });
                flagged = true;
            }
            by_seq
                .entry(entry.seq)
                .or_insert_with(|| (entry.hash.clone(), line));
            last_seq = last_seq.max(entry.seq);
            if entry.seq < expected_seq {
                out.problems.push(AuditProblem::Reordered {
                    seq: entry.seq,
                    line,
                });
                flagged = true;
            } else if entry.seq > expected_seq {
                out.problems.push(AuditProblem::Deleted {
                    from: expected_seq,
                    to: entry.seq - 1,
                    line,
                });
                flagged = true;
            } else if entry.prev != prev_hash && !prev_flagged && !flagged {
                // In sequence, but not chained to the entry before: one of the two was edited
                // and its hash recomputed (resolved below).
                breaks.push((prev_seq, line - 1, entry.seq, line));
            }
            expected_seq = expected_seq.max(entry.seq + 1);
            prev_seq = entry.seq;
            prev_hash = entry.hash.clone();
            prev_flagged = flagged;
            out.head = Some(entry.hash);
        }
        // A forger who keeps `prev` breaks the link after the edited entry; one who also
        // changes `prev` breaks the links on both sides: blame the entry between two breaks.
        let mut k = 0;
        while k < breaks.len() {
            let (seq, line) = match breaks.get(k + 1) {
                Some(next) if next.1 == breaks[k].3 => {
                    k += 1;
                    (breaks[k - 1].2, breaks[k - 1].3)
                }
                _ => (breaks[k].0, breaks[k].1),
            };
            out.problems.push(AuditProblem::Edited { seq, line });
            k += 1;
        }
        // After the last entry nothing follows that could be lost: an append cut short.
        out.problems.extend(
            pending
                .into_iter()
                .map(|(line, _)| AuditProblem::Interrupted { line }),
        );
        if let Some(cp) = checkpoint.filter(|c| c.entries > 0) {
            match by_seq.get(&cp.entries) {
                None if last_seq > cp.entries => out.problems.push(AuditProblem::Diverged {
                    seq: cp.entries,
                    line: complete.len() as u64 + 1,
                }),
                None => out.problems.push(AuditProblem::Cut {
                    last: last_seq,
                    checkpoint: cp.entries,
                    line: complete.len() as u64 + 1,
                }),
                Some((hash, line)) if *hash != cp.head => {
                    out.problems.push(AuditProblem::Diverged {
                        seq: cp.entries,
                        line: *line,
                    });
                }
                Some(_) => {}
            }
        }
        out.problems.sort_by_key(AuditProblem::line);
        if torn {
            out.problems.push(AuditProblem::Truncated {
                line: complete.len() as u64 + 1,
            });
        }
        Ok(out)
    }

    /// The head of the log now, authenticated: to store apart from the log and give to
    /// [`AuditLog::verify_with`] later. Refused when the log's history is not intact (a
    /// checkpoint would anchor a broken history).
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        let v = self.verify()?;
        if !v.is_intact() {
            return Err(Error::Refused(format!(
                "{}: the log has {} problem(s) (run `nhikit audit verify`); no checkpoint was written",
                self.path.display(),
                v.problems.iter().filter(|p| !p.is_warning()).count()
            )));
        }
        let key = self.key_to_write()?;
        let entries = self.entries()?.last().map_or(0, |e| e.seq);
        let mut cp = Checkpoint {
            format: CHECKPOINT_FORMAT.to_owned(),
            log: self.path.display().to_string(),
            entries,
            head: v.head.unwrap_or_else(|| GENESIS.to_owned()),
            time: now_rfc3339(),
            key: key.fingerprint(),
            mac: String::new(),
        };
        cp.mac = key.mac(CHECKPOINT_DOMAIN, &cp.message());
        Ok(cp)
    }

    /// Every dataset and copy the log mentions, in the order it was first logged, with what
    /// became of it. A dataset is its id *and* its location: the same id at another path is a
    /// copy (of the first place the id was logged), and destroying it says nothing of the
    /// original. An entry whose `details.copy` is `{"dataset": ID, "path": P}` (a decryption)
    /// creates the copy (ID, P), made from the entry's dataset.
    pub fn report(&self) -> Result<Vec<DatasetStatus>> {
        type Key = (String, String);
        let mut order: Vec<Key> = Vec::new();
        let mut by_key: BTreeMap<Key, DatasetStatus> = BTreeMap::new();
        fn status_of<'a>(
            by_key: &'a mut BTreeMap<Key, DatasetStatus>,
            order: &mut Vec<Key>,
            id: &str,
            path: &Option<String>,
        ) -> &'a mut DatasetStatus {
            let key = (id.to_owned(), path.clone().unwrap_or_default());
            if !by_key.contains_key(&key) {
                // The same id logged elsewhere before: this is a copy of it.
                let first = order
                    .iter()
                    .find(|(i, p)| i == id && Some(p) != path.as_ref())
                    .cloned();
                order.push(key.clone());
                by_key.insert(
                    key.clone(),
                    DatasetStatus {
                        dataset: id.to_owned(),
                        path: path.clone(),
                        created: None,
                        origin: first.as_ref().map(|(i, _)| i.clone()),
                        origin_path: first.map(|(_, p)| p),
                        events: Vec::new(),
                        destroyed: None,
                        unfinished: None,
                    },
                );
            }
            by_key
                .get_mut(&key)
                .expect("inserted just above when missing")
        }
        for e in self.entries()? {
            let Some(id) = e.dataset.clone() else {
                continue;
            };
            let copy = e.details.get("copy").and_then(|c| {
                Some((
                    c.get("dataset")?.as_str()?.to_owned(),
                    c.get("path").and_then(|p| p.as_str()).map(str::to_owned),
                ))
            });
            let status = status_of(&mut by_key, &mut order, &id, &e.path);
            match e.event.as_str() {
                "gen" | "export" if status.created.is_none() => {
                    // A creation at a place where a copy was seen is a new dataset there.
                    status.origin = None;
                    status.origin_path = None;
                    status.created = Some(e.clone());
                }
                "destroy-intent" => {
                    status.unfinished = Some(e.clone());
                    status.events.push(e.clone());
                }
                "destroy" => {
                    status.unfinished = None;
                    status.destroyed = Some(e.clone());
                    status.events.push(e.clone());
                }
                _ => status.events.push(e.clone()),
            }
            if let Some((copy_id, copy_path)) = copy
                && (copy_id != id || copy_path != e.path)
            {
                let copy = status_of(&mut by_key, &mut order, &copy_id, &copy_path);
                if copy.created.is_none() {
                    copy.origin = Some(id);
                    copy.origin_path = e.path.clone();
                    copy.created = Some(e);
                } else {
                    // Made again at the same place: another event of that copy.
                    copy.events.push(e);
                }
            }
        }
        Ok(order
            .into_iter()
            .filter_map(|k| by_key.remove(&k))
            .collect())
    }

    /// Decryptions begun (`decrypt-start`, naming their staging directory) whose end was
    /// never logged (no `decrypt` or `decrypt-cleanup` entry for the same staging directory):
    /// the process died, and its staging directory may still hold plaintext until the next
    /// `nhikit decrypt` removes it.
    pub fn unfinished_decrypts(&self) -> Result<Vec<AuditEntry>> {
        let mut open: Vec<AuditEntry> = Vec::new();
        for e in self.authentic_entries()? {
            let staging = e.details.get("staging").and_then(|s| s.as_str());
            match (e.event.as_str(), staging) {
                ("decrypt-start", Some(_)) => open.push(e),
                ("decrypt" | "decrypt-cleanup", Some(st)) => {
                    open.retain(|o| o.details.get("staging").and_then(|s| s.as_str()) != Some(st));
                }
                _ => {}
            }
        }
        Ok(open)
    }

    /// The `destroy-intent` entry of a destruction of the dataset at `location` that was
    /// begun and never completed, if any (see [`DatasetStatus::unfinished`]).
    pub fn unfinished_destroy(&self, location: &str) -> Result<Option<AuditEntry>> {
        let mut open = None;
        for e in self.authentic_entries()? {
            if e.path.as_deref() != Some(location) {
                continue;
            }
            match e.event.as_str() {
                "destroy-intent" => open = Some(e),
                "destroy" => open = None,
                _ => {}
            }
        }
        Ok(open)
    }
}

/// Where [`AuditLog::append`] continues: after the last entry, on a new line if the file ends
/// with a torn one.
struct Tail {
    seq: u64,
    hash: String,
    torn: bool,
}

/// Complete lines (without their `\n`) and whether a torn last line follows them.
fn lines(bytes: &[u8]) -> (Vec<&[u8]>, bool) {
    let mut out: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // After the last '\n' comes either nothing or a torn line.
    let torn = out.pop().is_some_and(|rest| !rest.is_empty());
    (out, torn)
}

/// Lowercase hex (one definition, in nhikit-io).
pub(crate) use nhikit_io::hex;

/// The current time, UTC, RFC 3339 to the second.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log with `n` entries in a fresh directory.
    fn log_with(n: usize) -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path().join("audit.jsonl"))
            .with_key_file(dir.path().join("audit.key"));
        for i in 0..n {
            let mut e = AuditEntry::new("gen", "alice");
            e.details = serde_json::json!({ "i": i });
            log.append(e).unwrap();
        }
        (dir, log)
    }

    fn cut(log: &AuditLog, drop_last: usize) {
        let mut bytes = std::fs::read(log.path()).unwrap();
        bytes.truncate(bytes.len() - drop_last);
        std::fs::write(log.path(), &bytes).unwrap();
    }

    #[test]
    fn an_append_after_a_torn_line_starts_a_new_line_and_the_chain_skips_the_torn_one() {
        let (_t, log) = log_with(3);
        cut(&log, 20);
        let v = log.verify().unwrap();
        assert_eq!(v.problems, vec![AuditProblem::Truncated { line: 3 }]);
        assert!(v.is_intact());
        let written = log.append(AuditEntry::new("verify", "bob")).unwrap();
        // Chained to entry 2, the last whole one.
        assert_eq!(written.seq, 3);
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert!(text.lines().nth(3).unwrap().starts_with(r#"{"seq":3,"#));
        let v = log.verify().unwrap();
        assert_eq!(v.problems, vec![AuditProblem::Interrupted { line: 3 }]);
        assert_eq!(v.entries, 3);
        assert_eq!(v.head.as_deref(), Some(written.hash.as_str()));
        assert!(v.is_intact());
        // And the next append goes on normally.
        assert_eq!(log.append(AuditEntry::new("scan", "bob")).unwrap().seq, 4);
        assert_eq!(log.verify().unwrap().problems.len(), 1);
    }

    #[test]
    fn an_entry_missing_only_its_newline_is_kept_in_the_chain() {
        let (_t, log) = log_with(2);
        cut(&log, 1);
        assert_eq!(
            log.verify().unwrap().problems,
            vec![AuditProblem::Truncated { line: 2 }]
        );
        assert_eq!(log.append(AuditEntry::new("scan", "bob")).unwrap().seq, 3);
        let v = log.verify().unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!(v.entries, 3);
    }

    #[test]
    fn two_appends_cut_short_in_a_row_and_a_first_append_cut_short() {
        let (_t, log) = log_with(1);
        std::fs::write(log.path(), r#"{"seq":1,"time":"2026-"#).unwrap();
        assert_eq!(log.append(AuditEntry::new("a", "x")).unwrap().seq, 1);
        let mut bytes = std::fs::read(log.path()).unwrap();
        bytes.extend_from_slice(br#"{"seq":2,"ti"#);
        std::fs::write(log.path(), &bytes).unwrap();
        // Cut again right after the newline that closes the torn line.
        let mut bytes = std::fs::read(log.path()).unwrap();
        bytes.extend_from_slice(b"\n{\"seq\":2,\"time\"");
        std::fs::write(log.path(), &bytes).unwrap();
        assert_eq!(log.append(AuditEntry::new("b", "x")).unwrap().seq, 2);
        let v = log.verify().unwrap();
        assert_eq!(
            v.problems,
            vec![
                AuditProblem::Interrupted { line: 1 },
                AuditProblem::Interrupted { line: 3 },
                AuditProblem::Interrupted { line: 4 },
            ]
        );
        assert_eq!(v.entries, 2);
        assert!(v.is_intact());
    }

    #[test]
    fn a_line_replaced_by_garbage_in_the_middle_is_corruption() {
        let (_t, log) = log_with(3);
        let text = std::fs::read_to_string(log.path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(
            log.path(),
            format!("{}\n{{\"seq\":2,\"garbage\n{}\n", lines[0], lines[2]),
        )
        .unwrap();
        let v = log.verify().unwrap();
        assert!(!v.is_intact());
        // Entry 2 is gone: its line is corrupt, not an append cut short.
        assert!(
            matches!(
                v.problems.as_slice(),
                [
                    AuditProblem::Corrupt { line: 2, .. },
                    AuditProblem::Deleted {
                        from: 2,
                        to: 2,
                        line: 3
                    }
                ]
            ),
            "{:?}",
            v.problems
        );
    }

    #[test]
    fn a_file_that_is_not_an_audit_log_is_not_appended_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("people.csv");
        std::fs::write(&path, "name,age\nalice,30\n").unwrap();
        let err = AuditLog::new(&path)
            .with_key_file(dir.path().join("audit.key"))
            .append(AuditEntry::new("gen", "alice"))
            .unwrap_err();
        assert!(err.to_string().contains("not an audit log"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "name,age\nalice,30\n"
        );
    }

    #[test]
    fn the_tail_is_found_behind_an_entry_longer_than_the_first_window() {
        let (_t, log) = log_with(1);
        let mut big = AuditEntry::new("destroy", "alice");
        big.details = serde_json::json!({ "files": vec!["x".repeat(100); 3000] });
        log.append(big).unwrap();
        assert!(std::fs::metadata(log.path()).unwrap().len() > 256 << 10);
        assert_eq!(log.append(AuditEntry::new("a", "x")).unwrap().seq, 3);
        assert!(log.verify().unwrap().problems.is_empty());
    }

    #[test]
    fn concurrent_appenders_never_interleave_or_fork_the_chain() {
        let (_t, log) = log_with(0);
        std::thread::scope(|s| {
            for t in 0..8 {
                let log = log.clone();
                s.spawn(move || {
                    for i in 0..25 {
                        let mut e = AuditEntry::new("gen", "alice");
                        e.details = serde_json::json!({ "thread": t, "i": i });
                        log.append(e).unwrap();
                    }
                });
            }
        });
        let v = log.verify().unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!(v.entries, 200);
    }

    #[test]
    fn rfc3339_dates() {
        // Known instants: the epoch, and `date -u -d @1764059400` = 2025-11-25T08:30:00Z.
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_059_400), "2025-11-25T08:30:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
