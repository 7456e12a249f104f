//! The audit log: JSON Lines, one entry per event (a dataset generated, verified, destroyed …),
//! each entry carrying the SHA-256 of its own content (`hash`) and of the entry before it
//! (`prev`), and a sequence number. An edited entry no longer matches its own hash (or, if its
//! hash was recomputed, the `prev` of the next entry); a deleted entry leaves a gap in the
//! sequence; reordered entries go backwards; a write cut short by a crash leaves a last line
//! without its newline, reported as truncated — the history before it still verifies.
//!
//! The chain is tamper-evident, not tamper-proof: someone who can rewrite the file can
//! recompute every hash after the entry they changed. Copy the last entry's `hash` elsewhere
//! (a ticket, a signed report) to anchor the history up to it.

use crate::error::{Error, Result, io};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// `prev` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
    /// SHA-256 of this entry serialized without `hash`.
    #[serde(default)]
    pub hash: String,
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
        }
    }

    /// The hash of this entry's content (every field but `hash`).
    fn content_hash(&self) -> String {
        let mut copy = self.clone();
        copy.hash = String::new();
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
    /// The last line is incomplete: a write was cut short (a crash, a full disk).
    Truncated {
        /// The line.
        line: u64,
    },
    /// A complete line that is not an entry.
    Corrupt {
        /// The line.
        line: u64,
        /// Why.
        reason: String,
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
                "line {line}: the last entry is truncated (a write was cut short); the entries before it are intact"
            ),
            AuditProblem::Corrupt { line, reason } => {
                write!(f, "line {line}: not an audit entry: {reason}")
            }
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
    /// Every problem, in line order; empty when the history is intact.
    pub problems: Vec<AuditProblem>,
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
    /// For a copy: the id of the dataset it was made from.
    pub origin: Option<String>,
    /// Every later entry about it (verify, scan, destroy …), in order.
    pub events: Vec<AuditEntry>,
    /// The destruction entry, if it was destroyed.
    pub destroyed: Option<AuditEntry>,
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
        entry.path = Some(dir.display().to_string());
    }
    entry.details = details;
    log.append(entry)
}

/// An audit log file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLog {
    path: PathBuf,
}

impl AuditLog {
    /// The log at `path` (created on the first append).
    pub fn new(path: impl Into<PathBuf>) -> AuditLog {
        AuditLog { path: path.into() }
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry`, filling in `seq`, `time`, `prev` and `hash`, and returns it as written.
    ///
    /// Crash-safe: the file is locked against concurrent appends, the entry is written with
    /// its newline in one write and `fsync`ed before this returns. Refuses to append after a
    /// torn last line (so the truncation stays visible) or after a line that is not an entry.
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
        file.lock().map_err(io(&self.path))?;
        let (seq, prev) = self.tail(&mut file)?;
        entry.seq = seq + 1;
        entry.time = now_rfc3339();
        entry.prev = prev;
        entry.hash = String::new();
        entry.hash = entry.content_hash();
        let mut line = serde_json::to_vec(&entry).map_err(|e| Error::Audit {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        line.push(b'\n');
        file.write_all(&line).map_err(io(&self.path))?;
        file.sync_data().map_err(io(&self.path))?;
        // The lock is released when the file is closed.
        Ok(entry)
    }

    /// The sequence number and hash of the last entry (0 and the genesis hash when empty).
    fn tail(&self, file: &mut std::fs::File) -> Result<(u64, String)> {
        let len = file.metadata().map_err(io(&self.path))?.len();
        if len == 0 {
            return Ok((0, GENESIS.to_owned()));
        }
        // Entries are small: the last one is within the final 1 MiB.
        let start = len.saturating_sub(1 << 20);
        file.seek(SeekFrom::Start(start)).map_err(io(&self.path))?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf).map_err(io(&self.path))?;
        let refuse = |reason: &str| Error::Audit {
            path: self.path.clone(),
            reason: format!("{reason}; run `nhikit audit verify` and keep the log as evidence"),
        };
        if buf.last() != Some(&b'\n') {
            return Err(refuse(
                "the log ends with a truncated entry (an earlier write was cut short), appending is refused",
            ));
        }
        let body = &buf[..buf.len() - 1];
        let last = body.rsplit(|&b| b == b'\n').next().unwrap_or(body);
        let entry: AuditEntry = serde_json::from_slice(last)
            .map_err(|_| refuse("the last line of the log is not an audit entry"))?;
        Ok((entry.seq, entry.hash))
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

    fn read_all(&self) -> Result<Vec<u8>> {
        match std::fs::read(&self.path) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io(&self.path)(e)),
        }
    }

    /// Checks the whole chain and says which entries were edited, deleted, reordered or
    /// truncated. A missing log is an empty, intact one.
    pub fn verify(&self) -> Result<AuditVerification> {
        let bytes = self.read_all()?;
        let (complete, torn) = lines(&bytes);
        let mut out = AuditVerification::default();
        let mut expected_seq = 1u64;
        let mut prev_hash = GENESIS.to_owned();
        let mut prev_seq = 0u64;
        let mut prev_flagged = false;
        // Broken links: (seq, line) of the entry before and of the entry after.
        let mut breaks: Vec<(u64, u64, u64, u64)> = Vec::new();
        for (i, raw) in complete.iter().enumerate() {
            let line = i as u64 + 1;
            let entry: AuditEntry = match serde_json::from_slice(raw) {
                Ok(e) => e,
                Err(e) => {
                    out.problems.push(AuditProblem::Corrupt {
                        line,
                        reason: e.to_string(),
                    });
                    prev_flagged = true;
                    continue;
                }
            };
            out.entries += 1;
            let mut flagged = false;
            if entry.content_hash() != entry.hash {
                out.problems.push(AuditProblem::Edited {
                    seq: entry.seq,
                    line,
                });
                flagged = true;
            }
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
            } else if entry.prev != prev_hash && !prev_flagged {
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
        out.problems.sort_by_key(|p| match p {
            AuditProblem::Edited { line, .. }
            | AuditProblem::Deleted { line, .. }
            | AuditProblem::Reordered { line, .. }
            | AuditProblem::Truncated { line }
            | AuditProblem::Corrupt { line, .. } => *line,
        });
        if torn {
            out.problems.push(AuditProblem::Truncated {
                line: complete.len() as u64 + 1,
            });
        }
        Ok(out)
    }

    /// Every dataset and copy the log mentions, in the order it was first logged, with what
    /// became of it. An entry whose `details.copy` is `{"dataset": ID, "path": P}` (a
    /// decryption) also creates the copy ID, made from the entry's dataset.
    pub fn report(&self) -> Result<Vec<DatasetStatus>> {
        let mut order: Vec<String> = Vec::new();
        let mut by_id: BTreeMap<String, DatasetStatus> = BTreeMap::new();
        fn status_of<'a>(
            by_id: &'a mut BTreeMap<String, DatasetStatus>,
            order: &mut Vec<String>,
            id: &str,
            path: &Option<String>,
        ) -> &'a mut DatasetStatus {
            by_id.entry(id.to_owned()).or_insert_with(|| {
                order.push(id.to_owned());
                DatasetStatus {
                    dataset: id.to_owned(),
                    path: path.clone(),
                    created: None,
                    origin: None,
                    events: Vec::new(),
                    destroyed: None,
                }
            })
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
            let status = status_of(&mut by_id, &mut order, &id, &e.path);
            match e.event.as_str() {
                "gen" | "export" if status.created.is_none() => {
                    status.path = e.path.clone();
                    status.created = Some(e.clone());
                }
                "destroy" => {
                    status.destroyed = Some(e.clone());
                    status.events.push(e.clone());
                }
                _ => status.events.push(e.clone()),
            }
            if let Some((copy_id, copy_path)) = copy
                && copy_id != id
            {
                let copy = status_of(&mut by_id, &mut order, &copy_id, &copy_path);
                if copy.created.is_none() {
                    copy.path = copy_path;
                    copy.origin = Some(id);
                    copy.created = Some(e);
                } else {
                    // Identical bytes have the same id: another copy of the same dataset.
                    copy.events.push(e);
                }
            }
        }
        Ok(order
            .into_iter()
            .filter_map(|id| by_id.remove(&id))
            .collect())
    }
}

/// Complete lines (without their `\n`) and whether a torn last line follows them.
fn lines(bytes: &[u8]) -> (Vec<&[u8]>, bool) {
    let mut out: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // After the last '\n' comes either nothing or a torn line.
    let torn = out.pop().is_some_and(|rest| !rest.is_empty());
    (out, torn)
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

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

    #[test]
    fn rfc3339_dates() {
        // Known instants: the epoch, and `date -u -d @1764059400` = 2025-11-25T08:30:00Z.
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_764_059_400), "2025-11-25T08:30:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
