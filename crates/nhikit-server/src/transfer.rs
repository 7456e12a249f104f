//! Data on the wire: `import` as an uploaded archive, `export` as a downloaded one, and the
//! JSON forms that name a path — always under the server's data directory, never outside.
//!
//! An upload is streamed into a fresh directory `<data-dir>/.transfer/<random>/` (entries
//! checked by `nhikit_io::archive::unpack`: no `..`, no absolute name, no link, no device),
//! its first entry read as the [`ImportRequest`], every path of it resolved under that
//! directory, the import run, and the directory removed whatever the outcome. An export with
//! `Accept: application/x-tar` is written into such a directory and streamed back as an archive
//! whose first entry is the [`ExportResponse`]; the directory is removed once sent.

use crate::ServerEvent;
use crate::http::{AppState, error_response, json_response, target_error_response};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use nhikit_io::archive::{ArchiveWriter, Limits, unpack};
use nhikit_io::contain::Root;
use nhikit_target::wire::{ARCHIVE_CONTENT_TYPE, ARCHIVE_REQUEST, ARCHIVE_RESPONSE, Operation};
use nhikit_target::{ErrorCode, ExportRequest, ImportRequest, TargetError};
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A fresh, private (0700) directory under `<data-dir>/.transfer/`, removed on drop.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(data_dir: &Path) -> Result<Scratch, TargetError> {
        let base = data_dir.join(".transfer");
        std::fs::create_dir_all(&base).map_err(|e| storage(format!("the data directory: {e}")))?;
        let name = crate::guard::random_hex(16)
            .map_err(|e| storage(format!("no random source for a scratch name: {e}")))?;
        let path = base.join(name);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| storage(format!("the data directory: {e}")))?;
        Ok(Scratch { path })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Nothing in it is a link (unpack refuses them) and remove_dir_all never follows one.
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn storage(message: String) -> TargetError {
    TargetError::new(ErrorCode::Storage, message)
}

fn invalid(item: &str, message: String) -> TargetError {
    TargetError::invalid(item, message)
}

/// The server's data directory, or the refusal of a request that needs one.
fn data_dir(state: &AppState) -> Result<&Path, TargetError> {
    state.data_dir.as_deref().ok_or_else(|| {
        invalid(
            "data_dir",
            "this server has no data directory (start it with --data-dir DIR): it neither \
             accepts uploads nor reads or writes paths"
                .into(),
        )
    })
}

/// `rel` resolved under the data directory: a path that leaves it (absolute, `..`, a link on
/// the way) is an invalid request naming `item`.
fn under(data: &Path, rel: &Path, item: &str) -> Result<PathBuf, TargetError> {
    let root = Root::open(data).map_err(|e| storage(format!("the data directory: {e}")))?;
    let norm = root.check(rel).map_err(|e| invalid(item, e.to_string()))?;
    // Every existing component must be a directory or file, never a link.
    let mut so_far = PathBuf::new();
    for c in norm.components() {
        so_far.push(c);
        match root.kind(&so_far) {
            Ok(Some(nhikit_io::contain::EntryKind::Symlink)) => {
                return Err(invalid(
                    item,
                    format!("{}: a symbolic link is refused", so_far.display()),
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(invalid(item, e.to_string())),
        }
    }
    Ok(data.join(norm))
}

fn tell(
    state: &AppState,
    op: Operation,
    client: Option<SocketAddr>,
    result: &Result<serde_json::Value, TargetError>,
) {
    if let Some(hook) = &state.on_event {
        let (ok, details) = match result {
            Ok(v) => (true, v.clone()),
            Err(e) => (
                false,
                serde_json::json!({"code": e.code.name(), "message": e.message}),
            ),
        };
        hook(&ServerEvent {
            op,
            client,
            ok,
            details,
        });
    }
}

/// A JSON `import` or `export` (a path under the data directory) or a `reset`, run and told.
pub(crate) async fn json_op(
    state: Arc<AppState>,
    op: Operation,
    mut json: serde_json::Value,
    client: Option<SocketAddr>,
) -> Response {
    let rewritten = match op {
        Operation::Import => data_dir(&state).and_then(|data| {
            let q: ImportRequest = serde_json::from_value(json.clone())
                .map_err(|e| invalid("request", format!("bad request: {e}")))?;
            let q = nhikit_target::wire::resolve_upload(q, |p| under(data, p, "dataset"))?;
            serde_json::to_value(q).map_err(|e| storage(e.to_string()))
        }),
        Operation::Export => data_dir(&state).and_then(|data| {
            let mut q: ExportRequest = serde_json::from_value(json.clone())
                .map_err(|e| invalid("request", format!("bad request: {e}")))?;
            q.dir = under(data, &q.dir, "dir")?;
            serde_json::to_value(q).map_err(|e| storage(e.to_string()))
        }),
        _ => Ok(json.clone()),
    };
    match rewritten {
        Ok(v) => json = v,
        Err(e) => {
            tell(&state, op, client, &Err(e.clone()));
            return target_error_response(&e);
        }
    }
    let target = Arc::clone(&state.target);
    let state2 = Arc::clone(&state);
    let result = tokio::task::spawn_blocking(move || {
        let r = nhikit_target::wire::dispatch(target.as_ref(), op, json);
        tell(&state2, op, client, &r);
        r
    })
    .await;
    finish(op, result)
}

/// The response to an operation answered on a blocking thread: its JSON, its error, or a
/// storage error when the thread failed.
pub(crate) fn finish(
    op: Operation,
    result: Result<Result<serde_json::Value, TargetError>, tokio::task::JoinError>,
) -> Response {
    match result {
        Ok(Ok(value)) => json_response(&value),
        Ok(Err(e)) => target_error_response(&e),
        Err(join) => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &TargetError::new(
                ErrorCode::Storage,
                format!("the target failed while answering {op}: {join}"),
            ),
        ),
    }
}

/// Reads a streamed body from a blocking thread: chunks arrive over a bounded channel, so a
/// large upload never sits in memory.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
}

impl std::io::Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.current = b,
                Some(Err(e)) => return Err(std::io::Error::other(e)),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// `POST /v1/import` with an archive body.
pub(crate) async fn upload(
    state: Arc<AppState>,
    body: Body,
    client: Option<SocketAddr>,
) -> Response {
    let data = match data_dir(&state) {
        Ok(d) => d.to_path_buf(),
        Err(e) => return target_error_response(&e),
    };
    let scratch = match Scratch::new(&data) {
        Ok(s) => s,
        Err(e) => return target_error_response(&e),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, String>>(16);
    let limits = Limits {
        max_bytes: state.max_upload,
        ..Limits::default()
    };
    let target = Arc::clone(&state.target);
    let state2 = Arc::clone(&state);
    let dir = scratch.path.clone();
    let worker = tokio::task::spawn_blocking(move || {
        let reader = ChannelReader {
            rx,
            current: Bytes::new(),
        };
        let r = unpack_and_import(reader, &dir, &limits, target.as_ref());
        tell(&state2, Operation::Import, client, &r);
        drop(scratch);
        r
    });
    // Feed the body; stop at the upload limit (the unpacker then sees an error and stops).
    let mut body = body;
    let mut received: u64 = 0;
    let mut too_large = false;
    loop {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(chunk) = frame.into_data() {
                    received += chunk.len() as u64;
                    if received > state.max_upload {
                        too_large = true;
                        let _ = tx
                            .send(Err(format!(
                                "the upload exceeds the server's limit of {} bytes",
                                state.max_upload
                            )))
                            .await;
                        break;
                    }
                    if tx.send(Ok(chunk)).await.is_err() {
                        break; // the unpacker stopped (a refused entry): its error answers
                    }
                }
            }
            Some(Err(e)) => {
                let _ = tx.send(Err(format!("reading the upload: {e}"))).await;
                break;
            }
            None => break,
        }
    }
    drop(tx);
    let result = worker.await;
    if too_large {
        return error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &TargetError::invalid(
                "body",
                format!(
                    "the upload exceeds the server's limit of {} bytes",
                    state.max_upload
                ),
            ),
        );
    }
    finish(Operation::Import, result)
}

fn unpack_and_import(
    reader: impl std::io::Read,
    dir: &Path,
    limits: &Limits,
    target: &(dyn nhikit_target::Target + Send + Sync),
) -> Result<serde_json::Value, TargetError> {
    let root = Root::open(dir).map_err(|e| storage(e.to_string()))?;
    unpack(reader, &root, limits).map_err(|e| invalid("body", format!("the upload: {e}")))?;
    let mut file = root.open_file(ARCHIVE_REQUEST).map_err(|e| {
        invalid(
            "body",
            format!("the upload has no readable {ARCHIVE_REQUEST} (its first entry must be the import request): {e}"),
        )
    })?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut file, &mut text)
        .map_err(|e| invalid("body", format!("{ARCHIVE_REQUEST}: {e}")))?;
    let request: ImportRequest = serde_json::from_str(&text)
        .map_err(|e| invalid("request", format!("{ARCHIVE_REQUEST}: {e}")))?;
    let request = nhikit_target::wire::resolve_upload(request, |p| {
        let norm = root
            .check(p)
            .map_err(|e| invalid("request", format!("{ARCHIVE_REQUEST}: {e}")))?;
        if norm.starts_with(".nhikit") {
            return Err(invalid(
                "request",
                format!("{ARCHIVE_REQUEST}: {} is not a data path", p.display()),
            ));
        }
        Ok(dir.join(norm))
    })?;
    // What the request names must have come with it: a missing file is the client's mistake
    // (400), not the target's failure.
    let missing = |what: &Path| {
        invalid(
            "request",
            format!(
                "{ARCHIVE_REQUEST} names {}, which the upload does not hold",
                what.strip_prefix(dir).unwrap_or(what).display()
            ),
        )
    };
    let is_file = |p: &Path| {
        p.strip_prefix(dir)
            .ok()
            .and_then(|rel| root.kind(rel).ok().flatten())
            == Some(nhikit_io::contain::EntryKind::File)
    };
    if let Some(d) = &request.dataset {
        let manifest = d.join("manifest.json");
        if !is_file(&manifest) {
            return Err(missing(&manifest));
        }
    }
    if let Some(f) = request.files.iter().find(|f| !is_file(&f.path)) {
        return Err(missing(&f.path));
    }
    let response = target.import(&request)?;
    serde_json::to_value(response).map_err(|e| storage(e.to_string()))
}

/// Writes archive bytes into a bounded channel that the response body reads.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 256 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client gone"))
    }
}

/// Whether the client asked for the export's files (`Accept: application/x-tar`).
pub(crate) fn wants_archive(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .any(|m| m.split(';').next().unwrap_or_default().trim() == ARCHIVE_CONTENT_TYPE)
        })
}

/// `POST /v1/export` answered with the files.
pub(crate) async fn download(
    state: Arc<AppState>,
    json: serde_json::Value,
    client: Option<SocketAddr>,
) -> Response {
    let data = match data_dir(&state) {
        Ok(d) => d.to_path_buf(),
        Err(e) => return target_error_response(&e),
    };
    let mut request: ExportRequest = match serde_json::from_value(json) {
        Ok(r) => r,
        Err(e) => return target_error_response(&invalid("request", format!("bad request: {e}"))),
    };
    let scratch = match Scratch::new(&data) {
        Ok(s) => s,
        Err(e) => return target_error_response(&e),
    };
    // The client's `dir` is where *it* puts the files; here they go to the scratch directory.
    request.dir = scratch.path.join("export");
    request.overwrite = false;
    let target = Arc::clone(&state.target);
    let out = request.dir.clone();
    let exported = tokio::task::spawn_blocking(move || target.export(&request)).await;
    let response = match exported {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            tell(&state, Operation::Export, client, &Err(e.clone()));
            return target_error_response(&e);
        }
        Err(join) => return finish(Operation::Export, Err(join)),
    };
    let value = serde_json::to_value(&response).unwrap_or_default();
    tell(&state, Operation::Export, client, &Ok(value.clone()));
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let writer = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::new(),
        };
        let packed = (|| {
            let mut w = ArchiveWriter::new(writer);
            let head = serde_json::to_vec(&value).map_err(|e| e.to_string())?;
            w.add_bytes(ARCHIVE_RESPONSE, &head)
                .map_err(|e| e.to_string())?;
            let root = Root::open(&out).map_err(|e| e.to_string())?;
            w.add_tree(&root, "").map_err(|e| e.to_string())?;
            let mut inner = w.finish().map_err(|e| e.to_string())?;
            inner.flush().map_err(|e| e.to_string())
        })();
        if let Err(e) = packed {
            let _ = tx.blocking_send(Err(std::io::Error::other(e)));
        }
        drop(scratch);
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let mut r = Body::from_stream(stream).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ARCHIVE_CONTENT_TYPE),
    );
    r
}
