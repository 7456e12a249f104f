//! The files adapter, for file-based systems: each call writes the request JSON to a file in
//! the exchange directory, runs the operation's command (with a timeout), and reads the
//! response file it wrote — the response JSON, or `{"error": <TargetError>}`.

use crate::process::{Tail, capture_tail, reap, tail_text, wait_end};
use crate::template::{Template, field, text_of};
use crate::{AdapterError, Transport, io_error, snippet, storage_error};
use nhikit_io::contain::{ContainError, Root};
use nhikit_target::TargetError;
use nhikit_target::wire::Operation;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How much of a command's stderr an error message quotes.
const STDERR_TAIL: usize = 2048;

/// A checked files profile.
#[derive(Debug, Clone)]
pub(crate) struct FilesConfig {
    /// Where request and response files go (created if absent).
    pub exchange_dir: PathBuf,
    /// The commands' working directory (default: ours).
    pub cwd: Option<PathBuf>,
    /// The profile's folder (`{profile_dir}`).
    pub profile_dir: PathBuf,
    /// The command of every operation without its own.
    pub command: Option<Vec<Template>>,
    /// Commands per operation.
    pub ops: BTreeMap<Operation, Vec<Template>>,
    /// Placeholders of the profile's `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// Keep the request and response files after each call.
    pub keep_files: bool,
    /// The longest one command may run.
    pub timeout: Duration,
}

/// A target driven through files and commands.
#[derive(Debug)]
pub(crate) struct FilesTarget {
    config: FilesConfig,
    /// Calls are serialized (a file-based system seldom takes concurrent commands); the
    /// counter numbers the exchange files.
    calls: Mutex<u64>,
}

impl FilesTarget {
    /// Checks the exchange directory (creating it).
    /// The exchange directory and the profile's folder become absolute, so that the file names
    /// given to the commands hold in any working directory.
    pub(crate) fn new(mut config: FilesConfig) -> Result<FilesTarget, AdapterError> {
        let exchange = config.exchange_dir.clone();
        let file_err = |e: std::io::Error| AdapterError::File {
            file: exchange.clone(),
            reason: format!("cannot create the exchange directory: {e}"),
        };
        std::fs::create_dir_all(&exchange).map_err(file_err)?;
        config.exchange_dir = std::fs::canonicalize(&exchange).map_err(file_err)?;
        config.profile_dir =
            std::fs::canonicalize(&config.profile_dir).map_err(|e| AdapterError::File {
                file: config.profile_dir.clone(),
                reason: e.to_string(),
            })?;
        Ok(FilesTarget {
            config,
            calls: Mutex::new(0),
        })
    }
}

impl Transport for FilesTarget {
    fn call(&self, op: Operation, request: Value) -> Result<Value, TargetError> {
        let mut n = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1;
        let stem = format!("{}-{:06}-{op}", std::process::id(), *n);
        let c = &self.config;
        let Some(template) = c.ops.get(&op).or(c.command.as_ref()) else {
            return Err(io_error(
                op,
                format!("{op}: the files profile has no command for this operation"),
            ));
        };
        // The exchange files are created and read only under the exchange directory, never
        // through a link: a link planted there (to a file of ours, or to one to overwrite) is
        // refused, and nothing outside is read or quoted.
        let exchange =
            Root::open(&c.exchange_dir).map_err(|e| io_error(op, format!("{op}: {e}")))?;
        let (req_name, resp_name) = (
            format!("{stem}.request.json"),
            format!("{stem}.response.json"),
        );
        let req_path = exchange.display(&req_name);
        let resp_path = exchange.display(&resp_name);
        let text = serde_json::to_vec_pretty(&request)
            .map_err(|e| io_error(op, format!("{op}: request not serializable: {e}")))?;
        for name in [&req_name, &resp_name] {
            match exchange.remove_file(name) {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(io_error(op, format!("{op}: {e}"))),
            }
        }
        exchange
            .create_file(&req_name, 0o600)
            .map_err(|e| e.to_string())
            .and_then(|mut f| f.write_all(&text).map_err(|e| e.to_string()))
            .map_err(|e| io_error(op, format!("{op}: writing {}: {e}", req_path.display())))?;
        let vars = |name: &str| -> Option<String> {
            match name {
                "op" => Some(op.name().to_owned()),
                "request" => Some(req_path.display().to_string()),
                "response" => Some(resp_path.display().to_string()),
                "exchange" => Some(c.exchange_dir.display().to_string()),
                "profile_dir" => Some(c.profile_dir.display().to_string()),
                // The running nhikit, else the one on PATH.
                "nhikit" => Some(crate::nhikit_bin().unwrap_or_else(|| "nhikit".to_owned())),
                "id" => Some(stem.clone()),
                _ => c
                    .vars
                    .get(name)
                    .cloned()
                    .or_else(|| field(&request, name).map(text_of)),
            }
        };
        let mut argv = Vec::new();
        for t in template {
            argv.push(t.render(vars, str::to_owned).map_err(|f| {
                TargetError::invalid(
                    f.clone(),
                    format!(
                        "{op}: the command template needs `{{{f}}}`, which is neither a \
                             variable nor a field of the request"
                    ),
                )
            })?);
        }
        let result = run(op, &argv, c)
            .and_then(|outcome| read_response(op, &exchange, &resp_name, &outcome));
        if !c.keep_files {
            let _ = exchange.remove_file(&req_name);
            let _ = exchange.remove_file(&resp_name);
        }
        result
    }
}

/// Runs the command to its end (or kills it at the timeout); its exit status and stderr.
fn run(op: Operation, argv: &[String], c: &FilesConfig) -> Result<Outcome, TargetError> {
    let program = argv.first().map(String::as_str).unwrap_or_default();
    let mut cmd = Command::new(program);
    if let Some(exe) = crate::nhikit_bin() {
        cmd.env(crate::NHIKIT_BIN, exe);
    }
    if let Some(dir) = &c.cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd
        .args(argv.iter().skip(1))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io_error(op, format!("{op}: starting `{program}`: {e}")))?;
    let stdout = child.stdout.take().map(|o| capture_tail(o, STDERR_TAIL));
    let stderr = child.stderr.take().map(|e| capture_tail(e, STDERR_TAIL));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() < c.timeout => std::thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                reap(&mut child, Duration::ZERO);
                return Err(io_error(
                    op,
                    format!(
                        "{op}: `{program}` did not finish within {} s (timeout); it was killed",
                        c.timeout.as_secs_f64()
                    ),
                ));
            }
            Err(e) => return Err(io_error(op, format!("{op}: waiting for `{program}`: {e}"))),
        }
    };
    Ok(Outcome {
        note: format!("`{program}` exited ({status})"),
        stdout,
        stderr,
    })
}

/// How a command ended.
struct Outcome {
    note: String,
    stdout: Option<Tail>,
    stderr: Option<Tail>,
}

impl Outcome {
    /// The exit status and the end of what the command wrote.
    fn describe(&self) -> String {
        // The command has ended; its capture threads take the last bytes left in the pipes.
        for t in [&self.stderr, &self.stdout].into_iter().flatten() {
            wait_end(t, Duration::from_millis(500));
        }
        let mut note = self.note.clone();
        for (name, tail) in [("stderr", &self.stderr), ("stdout", &self.stdout)] {
            if let Some(t) = tail.as_ref().map(tail_text).filter(|t| !t.is_empty()) {
                note.push_str(&format!("; its {name} ends: {:?}", snippet(&t, 500)));
            }
        }
        note
    }
}

fn read_response(
    op: Operation,
    exchange: &Root,
    name: &str,
    outcome: &Outcome,
) -> Result<Value, TargetError> {
    let path = &exchange.display(name);
    let read = exchange.open_file(name).map_err(|e| match e {
        ContainError::Io { source, .. } => source.to_string(),
        // A link or a special file: refused, not read (its target is not quoted).
        refused => refused.to_string(),
    });
    let text: String = match read.and_then(|mut f| {
        let mut t = String::new();
        f.read_to_string(&mut t)
            .map(|_| t)
            .map_err(|e| e.to_string())
    }) {
        Ok(t) => t,
        Err(e) => {
            return Err(io_error(
                op,
                format!(
                    "{op}: no response file {} ({e}); {}",
                    path.display(),
                    outcome.describe()
                ),
            ));
        }
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        storage_error(
            op,
            format!(
                "{op}: the response file {} is not JSON ({e}): {:?}",
                path.display(),
                snippet(&text, 200)
            ),
        )
    })?;
    match v.get("error") {
        Some(err) => Err(
            serde_json::from_value::<TargetError>(err.clone()).unwrap_or_else(|e| {
                storage_error(
                    op,
                    format!(
                        "{op}: the `error` of {} is not an error object ({e}): {:?}",
                        path.display(),
                        snippet(&err.to_string(), 200)
                    ),
                )
            }),
        ),
        None => Ok(v),
    }
}
