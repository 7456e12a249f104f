//! The process adapter: a child speaking the process protocol — one `ProcessRequest` JSON
//! line in on its stdin, one `ProcessReply` line out on its stdout, in order. A reader thread
//! and a channel give every call a timeout; a child that hangs, exits or writes something else
//! fails the call (and every later call, fast) and is killed.

use crate::{AdapterError, Transport, io_error, snippet, storage_error};
use nhikit_target::TargetError;
use nhikit_target::wire::{Operation, ProcessReply, ProcessRequest};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The longest reply line read (64 MiB).
const MAX_LINE: u64 = 64 << 20;
/// How much of the child's stderr is kept for error messages.
const STDERR_TAIL: usize = 4096;

/// What becomes of the child's stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum StderrMode {
    /// Kept (the last 4 KiB) and quoted when the child fails.
    #[default]
    Capture,
    /// Passed through to ours.
    Inherit,
    /// Thrown away.
    Null,
}

/// How to start the child.
#[derive(Debug, Clone)]
pub(crate) struct ProcessConfig {
    pub argv: Vec<String>,
    pub cwd: Option<PathBuf>,
    pub env: BTreeMap<String, String>,
    pub stderr: StderrMode,
    pub timeout: Duration,
}

impl ProcessConfig {
    /// `argv` in our working directory, stderr captured.
    pub(crate) fn new(argv: Vec<String>, timeout: Duration) -> ProcessConfig {
        ProcessConfig {
            argv,
            cwd: None,
            env: BTreeMap::new(),
            stderr: StderrMode::Capture,
            timeout,
        }
    }
}

/// The last bytes a stream wrote.
pub(crate) type Tail = Arc<TailBuf>;

/// The kept bytes of a stream, and whether its reader reached the end.
#[derive(Default)]
pub(crate) struct TailBuf {
    bytes: Mutex<VecDeque<u8>>,
    ended: std::sync::atomic::AtomicBool,
}

/// Reads `r` to its end on a thread, keeping its last `max` bytes.
pub(crate) fn capture_tail(mut r: impl Read + Send + 'static, max: usize) -> Tail {
    let tail: Tail = Arc::new(TailBuf::default());
    let t = Arc::clone(&tail);
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            let mut q = t.bytes.lock().unwrap_or_else(|p| p.into_inner());
            q.extend(&buf[..n]);
            let excess = q.len().saturating_sub(max);
            q.drain(..excess);
        }
        t.ended.store(true, std::sync::atomic::Ordering::Release);
    });
    tail
}

/// Waits up to `max` for the reader of `tail` to reach the end of its stream: after the child
/// exited, so that its last words are in the tail (a grandchild holding the pipe open only
/// costs the wait).
pub(crate) fn wait_end(tail: &Tail, max: Duration) {
    let start = Instant::now();
    while !tail.ended.load(std::sync::atomic::Ordering::Acquire) && start.elapsed() < max {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The tail as text (`""` if nothing was written).
pub(crate) fn tail_text(tail: &Tail) -> String {
    let q = tail.bytes.lock().unwrap_or_else(|p| p.into_inner());
    let bytes: Vec<u8> = q.iter().copied().collect();
    String::from_utf8_lossy(&bytes).trim().to_owned()
}

/// Waits up to `grace` for the child to exit, then kills it; its status if it has one.
pub(crate) fn reap(child: &mut Child, grace: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(s)) => return Some(s),
            Ok(None) if start.elapsed() < grace => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                return child.wait().ok();
            }
        }
    }
}

enum Line {
    Text(Vec<u8>),
    TooLong,
    Eof,
    Failed(std::io::Error),
}

struct Inner {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    next_id: u64,
    /// Why every later call fails.
    dead: Option<String>,
}

/// A target that is a child process.
pub(crate) struct ProcessTarget {
    inner: Mutex<Inner>,
    program: String,
    timeout: Duration,
    stderr: Option<Tail>,
}

impl ProcessTarget {
    /// Starts the child.
    pub(crate) fn spawn(config: &ProcessConfig) -> Result<ProcessTarget, AdapterError> {
        let program = config.argv.first().cloned().unwrap_or_default();
        let mut cmd = Command::new(&program);
        if let Some(exe) = crate::nhikit_bin() {
            cmd.env(crate::NHIKIT_BIN, exe);
        }
        cmd.args(config.argv.iter().skip(1))
            .envs(&config.env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(match config.stderr {
                StderrMode::Capture => Stdio::piped(),
                StderrMode::Inherit => Stdio::inherit(),
                StderrMode::Null => Stdio::null(),
            });
        if let Some(dir) = &config.cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|source| AdapterError::Spawn {
            command: config.argv.join(" "),
            source,
        })?;
        let stdin = child.stdin.take();
        let stderr = child.stderr.take().map(|e| capture_tail(e, STDERR_TAIL));
        let (tx, rx) = sync_channel(1);
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut r = BufReader::new(stdout);
                loop {
                    let mut buf = Vec::new();
                    let line = match (&mut r).take(MAX_LINE + 1).read_until(b'\n', &mut buf) {
                        Ok(0) => Line::Eof,
                        Ok(_) if buf.last() != Some(&b'\n') && buf.len() as u64 > MAX_LINE => {
                            Line::TooLong
                        }
                        Ok(_) => Line::Text(buf),
                        Err(e) => Line::Failed(e),
                    };
                    let stop = !matches!(line, Line::Text(_));
                    if tx.send(line).is_err() || stop {
                        break;
                    }
                }
            });
        }
        Ok(ProcessTarget {
            inner: Mutex::new(Inner {
                child,
                stdin,
                lines: rx,
                next_id: 1,
                dead: None,
            }),
            program,
            timeout: config.timeout,
            stderr,
        })
    }

    fn stderr_note(&self) -> String {
        match self.stderr.as_ref().map(tail_text) {
            Some(t) if !t.is_empty() => format!("; its stderr ends: {:?}", snippet_end(&t, 500)),
            _ => String::new(),
        }
    }

    /// Marks the child dead after it stopped answering properly: kills it.
    fn kill(&self, g: &mut Inner, why: String) -> String {
        g.stdin = None;
        let _ = g.child.kill();
        let _ = g.child.wait();
        let reason = format!("`{}` {why}; it was stopped", self.program);
        g.dead = Some(reason.clone());
        reason
    }

    /// Marks the child dead after its output ended: waits briefly for its status.
    fn exited(&self, g: &mut Inner, how: &str) -> String {
        g.stdin = None;
        let status = reap(&mut g.child, Duration::from_secs(2))
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown".into());
        // The child is gone, but its stderr may still be in the pipe: read it first.
        if let Some(t) = &self.stderr {
            wait_end(t, Duration::from_millis(500));
        }
        let reason = format!(
            "the process `{}` exited ({status}){how}{}",
            self.program,
            self.stderr_note()
        );
        g.dead = Some(reason.clone());
        reason
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The last `max` bytes of `s` (at a character boundary).
/// Decodes the reply line `bytes` to request `id` of `op`: the operation's result, or
/// `Err(why)` when the line is not a reply to that request (the child is then stopped).
pub(crate) fn decode_reply(
    op: Operation,
    id: u64,
    bytes: &[u8],
) -> Result<Result<Value, TargetError>, String> {
    let reply: ProcessReply = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "answered request {id} with a line that is not a reply ({e}): {:?}",
            snippet(&String::from_utf8_lossy(bytes), 200)
        )
    })?;
    if reply.id != id {
        return Err(format!("answered id {} to request {id}", reply.id));
    }
    Ok(match (reply.response, reply.error) {
        (Some(v), None) => Ok(v),
        (None, Some(e)) => Err(e),
        _ => Err(storage_error(
            op,
            format!(
                "{op}: the reply to request {id} must carry exactly one of `response` and `error`"
            ),
        )),
    })
}

fn snippet_end(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

impl ProcessTarget {
    /// One request that changes nothing (see [`crate::probe`]): any reply line that is a
    /// reply — a response or the target's own error — will do; a child that exits, stays
    /// silent past the timeout or writes something else fails.
    pub(crate) fn probe(&self, request: &Value) -> Result<(), String> {
        let result = self.call(Operation::LookupPerson, request.clone());
        // A reply, success or error, is all the probe asks for.
        drop(result);
        match &self.lock().dead {
            Some(reason) => Err(reason.clone()),
            None => Ok(()),
        }
    }
}

impl Transport for ProcessTarget {
    fn call(&self, op: Operation, request: Value) -> Result<Value, TargetError> {
        let mut g = self.lock();
        if let Some(reason) = &g.dead {
            return Err(io_error(op, format!("{op}: {reason}")));
        }
        let id = g.next_id;
        g.next_id += 1;
        let mut line = serde_json::to_vec(&ProcessRequest { id, op, request })
            .map_err(|e| io_error(op, format!("{op}: request not serializable: {e}")))?;
        line.push(b'\n');
        let written = match g.stdin.as_mut() {
            Some(stdin) => stdin.write_all(&line).and_then(|()| stdin.flush()),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        if let Err(e) = written {
            let reason = self.exited(
                &mut g,
                &format!(" before request {id} could be written ({e})"),
            );
            return Err(io_error(op, format!("{op}: {reason}")));
        }
        let fail = |reason: String| Err(io_error(op, format!("{op}: {reason}")));
        let got = g.lines.recv_timeout(self.timeout);
        match got {
            Ok(Line::Text(bytes)) => match decode_reply(op, id, &bytes) {
                Ok(result) => result,
                Err(why) => fail(self.kill(&mut g, why)),
            },
            Ok(Line::TooLong) => {
                let why = format!("wrote a reply line longer than {MAX_LINE} bytes");
                fail(self.kill(&mut g, why))
            }
            Ok(Line::Failed(e)) => fail(self.kill(&mut g, format!("could not be read ({e})"))),
            Ok(Line::Eof) | Err(RecvTimeoutError::Disconnected) => {
                fail(self.exited(&mut g, &format!(" without answering request {id}")))
            }
            Err(RecvTimeoutError::Timeout) => {
                let why = format!(
                    "did not answer request {id} within {} s (timeout)",
                    self.timeout.as_secs_f64()
                );
                fail(self.kill(&mut g, why))
            }
        }
    }
}

impl Drop for ProcessTarget {
    fn drop(&mut self) {
        let g = self.inner.get_mut().unwrap_or_else(|p| p.into_inner());
        // Closing stdin lets a well-behaved child finish; one that does not is killed.
        g.stdin = None;
        if g.dead.is_none() {
            reap(&mut g.child, Duration::from_millis(200));
        } else {
            let _ = g.child.kill();
            let _ = g.child.wait();
        }
    }
}
