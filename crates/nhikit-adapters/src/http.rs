//! The HTTP adapter: each operation mapped onto a request (method, path template, body
//! template or query), the response found by a JSON pointer, errors mapped back to
//! [`TargetError`]s. HTTPS via rustls with an optional CA file and client certificate.

use crate::profile::{Body, ErrorMapping, HeaderSource, HttpProfile, Method, OpMapping, Query};
use crate::template::{self, encode_segment, field, text_of};
use crate::{AdapterError, Transport, io_error, snippet, storage_error};
use nhikit_io::archive::{ArchiveError, ArchiveWriter, Limits, NewDir};
use nhikit_io::contain::Root;
use nhikit_target::wire::Operation;
use nhikit_target::wire::{
    ARCHIVE_CONTENT_TYPE, ARCHIVE_REQUEST, ARCHIVE_RESPONSE, UploadSource, upload_plan,
};
use nhikit_target::{ErrorCode, Rejection, TargetError};
use nhikit_target::{ExportRequest, ImportRequest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::time::Duration;
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};
use ureq::{Agent, RequestBuilder};

/// The largest response body read (64 MiB).
const MAX_BODY: u64 = 64 << 20;
/// How much of an unexpected body an error message quotes.
const QUOTE: usize = 200;

/// A value that must not be shown: its `Debug` and `Display` are `***`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A header sent with every call.
#[derive(Debug, Clone)]
enum Header {
    Literal(String),
    Secret(Secret),
}

/// A target reached over HTTP(S).
/// What a probe found wrong (see [`crate::probe`]).
pub(crate) enum ProbeProblem {
    /// No answer: refused, closed, timed out.
    Unreachable(String),
    /// A JSON error answer without a code at the error pointer.
    ErrorPointer {
        /// The pointer in force.
        pointer: String,
        /// `HTTP <status> <start of the body>`.
        body: String,
    },
}

pub(crate) struct HttpTarget {
    agent: Agent,
    base_url: String,
    ops: BTreeMap<Operation, OpMapping>,
    headers: Vec<(String, Header)>,
    timeout: Duration,
    /// Import and export carry the data: an archive upload and download (nhikit's own routes;
    /// docs/target-interface.md, "Data on the wire").
    archive: bool,
}

impl fmt::Debug for HttpTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTarget")
            .field("base_url", &self.base_url)
            .field("headers", &self.headers)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn env_secret(name: &str, key: &str) -> Result<Secret, AdapterError> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Secret(v)),
        _ => Err(AdapterError::MissingEnv {
            name: name.to_owned(),
            key: key.to_owned(),
        }),
    }
}

fn pem_items(path: &Path) -> Result<Vec<PemItem<'static>>, AdapterError> {
    let file_err = |reason: String| AdapterError::File {
        file: path.to_owned(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| file_err(format!("cannot read: {e}")))?;
    ureq::tls::parse_pem(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(format!("not PEM: {e}")))
}

fn certificates(path: &Path) -> Result<Vec<Certificate<'static>>, AdapterError> {
    let certs: Vec<Certificate<'static>> = pem_items(path)?
        .into_iter()
        .filter_map(|i| match i {
            PemItem::Certificate(c) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(AdapterError::File {
            file: path.to_owned(),
            reason: "no `BEGIN CERTIFICATE` block in the file".into(),
        });
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKey<'static>, AdapterError> {
    pem_items(path)?
        .into_iter()
        .find_map(|i| match i {
            PemItem::PrivateKey(k) => Some(k),
            _ => None,
        })
        .ok_or_else(|| AdapterError::File {
            file: path.to_owned(),
            reason: "no private key block (`BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or \
                     `BEGIN EC PRIVATE KEY`) in the file"
                .into(),
        })
}

impl HttpTarget {
    /// `nhikit serve`'s routes under `url` (`http://HOST:PORT[/base]`), with `token` as the
    /// bearer token; import and export carry the data as archives.
    pub(crate) fn default_mapping(
        url: &str,
        timeout: Duration,
        token: Option<String>,
    ) -> Result<HttpTarget, String> {
        let base = url.trim_end_matches('/');
        let uri: ureq::http::Uri = base.parse().map_err(|e| format!("not an URL: {e}"))?;
        let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
        if !scheme_ok || uri.host().is_none_or(str::is_empty) || uri.query().is_some() {
            return Err("expected `http://HOST:PORT[/base]` or `https://HOST:PORT[/base]`".into());
        }
        let errors = ErrorMapping::default();
        let profile = HttpProfile {
            base_url: base.to_owned(),
            timeout: Some(timeout),
            ca_file: None,
            client_cert: None,
            client_key: None,
            token_env: None,
            headers: Vec::new(),
            proxy_from_env: false,
            archive: true,
            ops: Operation::ALL
                .into_iter()
                .map(|op| (op, OpMapping::default_for(op, &errors)))
                .collect(),
        };
        let mut t = HttpTarget::from_profile(profile, timeout).map_err(|e| e.to_string())?;
        if let Some(token) = token {
            t.headers.push((
                "Authorization".to_owned(),
                Header::Secret(Secret(format!("Bearer {}", token.trim()))),
            ));
        }
        t.archive = true;
        Ok(t)
    }

    /// The target a checked profile describes; reads the TLS files and the secrets now.
    pub(crate) fn from_profile(
        p: HttpProfile,
        timeout: Duration,
    ) -> Result<HttpTarget, AdapterError> {
        let mut tls = TlsConfig::builder();
        if let Some(ca) = &p.ca_file {
            tls = tls.root_certs(RootCerts::new_with_certs(&certificates(ca)?));
        }
        if let (Some(cert), Some(key)) = (&p.client_cert, &p.client_key) {
            tls = tls.client_cert(Some(ClientCert::new_with_certs(
                &certificates(cert)?,
                private_key(key)?,
            )));
        }
        let proxy = if p.proxy_from_env {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(proxy)
            .tls_config(tls.build())
            .build()
            .into();
        let mut headers = Vec::new();
        if let Some(name) = &p.token_env {
            let token = env_secret(name, "token_env")?;
            headers.push((
                "Authorization".to_owned(),
                Header::Secret(Secret(format!("Bearer {}", token.0))),
            ));
        }
        for (name, src) in p.headers {
            let h = match src {
                HeaderSource::Literal(v) => Header::Literal(v),
                HeaderSource::Env { name: var, key } => Header::Secret(env_secret(&var, &key)?),
            };
            headers.push((name, h));
        }
        Ok(HttpTarget {
            agent,
            base_url: p.base_url,
            ops: p.ops,
            headers,
            timeout,
            archive: p.archive,
        })
    }

    /// `text` with every secret value replaced by `***` (a server may echo a header back).
    fn redact(&self, mut text: String) -> String {
        for (_, h) in &self.headers {
            if let Header::Secret(Secret(s)) = h {
                let bare = s.strip_prefix("Bearer ").unwrap_or(s);
                for v in [s.as_str(), bare] {
                    if !v.is_empty() && text.contains(v) {
                        text = text.replace(v, "***");
                    }
                }
            }
        }
        text
    }

    fn redact_error(&self, mut e: TargetError) -> TargetError {
        e.message = self.redact(e.message);
        e.item = e.item.map(|i| self.redact(i));
        e
    }

    fn decorate<B>(
        &self,
        mut rb: RequestBuilder<B>,
        query: &[(String, String)],
    ) -> RequestBuilder<B> {
        rb = rb.header("Accept", "application/json");
        for (name, h) in &self.headers {
            let v = match h {
                Header::Literal(v) => v,
                Header::Secret(Secret(v)) => v,
            };
            rb = rb.header(name.as_str(), v.as_str());
        }
        for (k, v) in query {
            rb = rb.query(k, v);
        }
        rb
    }

    fn send(&self, op: Operation, request: Value) -> Result<Value, TargetError> {
        let Some(m) = self.ops.get(&op) else {
            return Err(io_error(op, format!("{op}: no HTTP mapping")));
        };
        if self.archive && op == Operation::Import {
            return self.upload(m, request);
        }
        if self.archive && op == Operation::Export {
            return self.download(m, request);
        }
        let (what, status, text) = self.exchange(op, m, &request)?;
        decode_response(op, &what, status, &text, m)
    }

    /// One lookup that changes nothing (see [`crate::probe`]): any answer will do, but a JSON
    /// error answer must carry its code where the mapping's error pointer looks.
    pub(crate) fn probe(&self, request: &Value) -> Result<(), ProbeProblem> {
        let op = Operation::LookupPerson;
        let Some(m) = self.ops.get(&op) else {
            return Ok(());
        };
        let (_, status, text) = match self.exchange(op, m, request) {
            Ok(answer) => answer,
            // A request the mapping cannot build says nothing about the target.
            Err(e) if e.code != ErrorCode::Io => return Ok(()),
            Err(e) => return Err(ProbeProblem::Unreachable(self.redact(e.message))),
        };
        if status < 400 {
            return Ok(());
        }
        let Ok(body) = serde_json::from_str::<Value>(&text) else {
            return Ok(());
        };
        if body.pointer(&m.errors.code).is_none() && m.errors.status.is_empty() {
            return Err(ProbeProblem::ErrorPointer {
                pointer: m.errors.code.clone(),
                body: format!("HTTP {status} {}", snippet(&self.redact(text), QUOTE)),
            });
        }
        Ok(())
    }

    /// Sends `op` as the mapping says; (what was sent, for messages; status; body).
    fn exchange(
        &self,
        op: Operation,
        m: &OpMapping,
        request: &Value,
    ) -> Result<(String, u16, String), TargetError> {
        let request = request.clone();
        let path = m
            .path
            .render(|f| field(&request, f).map(text_of), encode_segment)
            .map_err(|f| {
                TargetError::invalid(
                    f.clone(),
                    format!("{op}: the HTTP mapping's path needs `{f}`, which the request lacks"),
                )
            })?;
        let url = format!("{}{path}", self.base_url);
        let body = match &m.body {
            Body::Request => Some(request.clone()),
            Body::None => None,
            Body::Template(t) => Some(template::render_json(t, &request).map_err(|f| {
                TargetError::invalid(
                    f.clone(),
                    format!("{op}: the HTTP mapping's body needs `{f}`, which the request lacks"),
                )
            })?),
        };
        let query = self.query(m, &request);
        let body = body
            .map(|b| serde_json::to_vec(&b))
            .transpose()
            .map_err(|e| io_error(op, format!("{op}: request not serializable: {e}")))?;
        let a = &self.agent;
        let result = match (m.method, body) {
            (Method::Get | Method::Delete, None) => {
                let rb = if m.method == Method::Get {
                    a.get(&url)
                } else {
                    a.delete(&url)
                };
                self.decorate(rb, &query).call()
            }
            (Method::Get | Method::Delete, Some(b)) => {
                let rb = if m.method == Method::Get {
                    a.get(&url)
                } else {
                    a.delete(&url)
                };
                self.decorate(rb.force_send_body(), &query)
                    .content_type("application/json")
                    .send(&b[..])
            }
            (method, body) => {
                let rb = match method {
                    Method::Put => a.put(&url),
                    Method::Patch => a.patch(&url),
                    _ => a.post(&url),
                };
                let rb = self.decorate(rb, &query);
                match body {
                    Some(b) => rb.content_type("application/json").send(&b[..]),
                    None => rb.send_empty(),
                }
            }
        };
        let what = format!("{op}: {} {url}", m.method.name());
        let mut response = result.map_err(|e| self.transport_error(op, &what, &e))?;
        let status = response.status().as_u16();
        let text = self.body_text(op, &what, &mut response)?;
        Ok((what, status, text))
    }

    /// `import` as an upload: the request's dataset or files packed into an archive (in a
    /// temporary file, so memory stays flat) led by the request with archive-relative paths.
    fn upload(&self, m: &OpMapping, request: Value) -> Result<Value, TargetError> {
        let op = Operation::Import;
        let q: ImportRequest = serde_json::from_value(request)
            .map_err(|e| TargetError::invalid("request", format!("{op}: bad request: {e}")))?;
        let (sent, sources) = upload_plan(&q);
        let local = |e: &dyn fmt::Display| TargetError::invalid("dataset", format!("{op}: {e}"));
        let mut file = tempfile::tempfile().map_err(|e| io_error(op, format!("{op}: {e}")))?;
        {
            let mut w = ArchiveWriter::new(std::io::BufWriter::new(&mut file));
            let head = serde_json::to_vec(&sent).map_err(|e| local(&e))?;
            w.add_bytes(ARCHIVE_REQUEST, &head).map_err(|e| local(&e))?;
            for s in sources {
                match s {
                    UploadSource::Tree { local: dir, name } => {
                        let root = Root::open(&dir).map_err(|e| local(&e))?;
                        w.add_tree(&root, &name).map_err(|e| local(&e))?;
                    }
                    UploadSource::File { local: path, name } => {
                        let parent = match path.parent() {
                            Some(p) if !p.as_os_str().is_empty() => p,
                            _ => Path::new("."),
                        };
                        let base = path.file_name().map(Path::new).ok_or_else(|| {
                            local(&format!("{}: not a file name", path.display()))
                        })?;
                        let root = Root::open(parent).map_err(|e| local(&e))?;
                        w.add_file(&root, base, &name).map_err(|e| local(&e))?;
                    }
                }
            }
            let mut inner = w.finish().map_err(|e| local(&e))?;
            std::io::Write::flush(&mut inner).map_err(|e| io_error(op, format!("{op}: {e}")))?;
        }
        std::io::Seek::rewind(&mut file).map_err(|e| io_error(op, format!("{op}: {e}")))?;
        let path = m
            .path
            .render(|_| None, encode_segment)
            .map_err(|f| TargetError::invalid(f, format!("{op}: the path needs a field")))?;
        let url = format!("{}{path}", self.base_url);
        let what = format!("{op}: POST {url} (upload)");
        let result = self
            .decorate(self.agent.post(&url), &[])
            .content_type(ARCHIVE_CONTENT_TYPE)
            .send(&file);
        let mut response = result.map_err(|e| self.transport_error(op, &what, &e))?;
        let status = response.status().as_u16();
        let text = self.body_text(op, &what, &mut response)?;
        decode_response(op, &what, status, &text, m).map_err(|e| self.redact_error(e))
    }

    /// The answer's body as text, at most [`MAX_BODY`] bytes.
    fn body_text(
        &self,
        op: Operation,
        what: &str,
        response: &mut ureq::http::Response<ureq::Body>,
    ) -> Result<String, TargetError> {
        response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_string()
            .map_err(|e| self.transport_error(op, &format!("{what}: reading the body"), &e))
    }

    /// `export` as a download: the target exports on its side and streams the files back; they
    /// are unpacked (contained, atomically) into the request's `dir` here.
    fn download(&self, m: &OpMapping, request: Value) -> Result<Value, TargetError> {
        let op = Operation::Export;
        let q: ExportRequest = serde_json::from_value(request)
            .map_err(|e| TargetError::invalid("request", format!("{op}: bad request: {e}")))?;
        let path = m
            .path
            .render(|_| None, encode_segment)
            .map_err(|f| TargetError::invalid(f, format!("{op}: the path needs a field")))?;
        let url = format!("{}{path}", self.base_url);
        let what = format!("{op}: POST {url} (download)");
        // Refuse an unusable `dir` before the target does any work (the reference's error).
        let out = NewDir::new(&q.dir, q.overwrite).map_err(|e| match e {
            ArchiveError::Output(inner) => {
                TargetError::new(ErrorCode::Io, inner.to_string()).with_item("dir")
            }
            other => TargetError::new(ErrorCode::Io, other.to_string()).with_item("dir"),
        })?;
        // The target's own directory name: no local path leaves this machine.
        let body = br#"{"dir":"export","overwrite":false}"#;
        let result = self
            .decorate(self.agent.post(&url), &[])
            .header("Accept", ARCHIVE_CONTENT_TYPE)
            .content_type("application/json")
            .send(&body[..]);
        let mut response = result.map_err(|e| self.transport_error(op, &what, &e))?;
        let status = response.status().as_u16();
        let is_archive = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(ARCHIVE_CONTENT_TYPE));
        if !(200..300).contains(&status) || !is_archive {
            let text = self.body_text(op, &what, &mut response)?;
            if (200..300).contains(&status) {
                return Err(storage_error(
                    op,
                    format!(
                        "{what}: HTTP {status} without an archive (content type {ARCHIVE_CONTENT_TYPE}): {:?}",
                        snippet(&text, QUOTE)
                    ),
                ));
            }
            return decode_response(op, &what, status, &text, m).map_err(|e| self.redact_error(e));
        }
        let reader = response.body_mut().with_config().limit(u64::MAX).reader();
        let (_, head) = out
            .fill(reader, &Limits::default(), ARCHIVE_RESPONSE)
            .map_err(|e| match e {
                ArchiveError::Output(inner) => {
                    TargetError::new(ErrorCode::Io, inner.to_string()).with_item("dir")
                }
                other => storage_error(op, format!("{what}: the archive: {other}")),
            })?;
        let head = head.ok_or_else(|| {
            storage_error(op, format!("{what}: the archive has no {ARCHIVE_RESPONSE}"))
        })?;
        serde_json::from_slice(&head)
            .map_err(|e| storage_error(op, format!("{what}: {ARCHIVE_RESPONSE} is not JSON: {e}")))
    }

    fn query(&self, m: &OpMapping, request: &Value) -> Vec<(String, String)> {
        match &m.query {
            Query::Explicit(params) => params
                .iter()
                .filter_map(|(k, t)| {
                    t.render(|f| field(request, f).map(text_of), str::to_owned)
                        .ok()
                        .map(|v| (k.clone(), v))
                })
                .collect(),
            Query::Auto => {
                let in_path: BTreeSet<&str> = m.path.fields().collect();
                request
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .filter(|(k, v)| {
                                !in_path.contains(k.as_str())
                                    && (v.is_string() || v.is_number() || v.is_boolean())
                            })
                            .map(|(k, v)| (k.clone(), text_of(v)))
                            .collect()
                    })
                    .unwrap_or_default()
            }
        }
    }

    fn transport_error(&self, op: Operation, what: &str, e: &ureq::Error) -> TargetError {
        let message = match e {
            ureq::Error::Timeout(_) => format!(
                "{what}: no complete answer within {} s (timeout)",
                self.timeout.as_secs_f64()
            ),
            ureq::Error::BodyExceedsLimit(n) => {
                format!("{what}: the body is larger than {n} bytes")
            }
            other => format!("{what}: {other}"),
        };
        io_error(op, message)
    }
}

/// The [`TargetError`] of a non-2xx answer.
/// The operation's result from an answer with `status` and body `text` under mapping `m`:
/// 2xx with JSON holding the response at the mapping's pointer, else the mapped error.
pub(crate) fn decode_response(
    op: Operation,
    what: &str,
    status: u16,
    text: &str,
    m: &OpMapping,
) -> Result<Value, TargetError> {
    if (200..300).contains(&status) {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            storage_error(
                op,
                format!(
                    "{what}: HTTP {status} with a body that is not JSON ({e}): {:?}",
                    snippet(text, QUOTE)
                ),
            )
        })?;
        return match v.pointer(&m.response) {
            Some(r) => Ok(r.clone()),
            None => Err(storage_error(
                op,
                format!(
                    "{what}: HTTP {status} without a response at JSON pointer `{}`: {:?}",
                    m.response,
                    snippet(text, QUOTE)
                ),
            )),
        };
    }
    Err(error_of(op, what, status, text, &m.errors))
}

fn error_of(op: Operation, what: &str, status: u16, text: &str, m: &ErrorMapping) -> TargetError {
    let by_status = m.status.get(&status).copied().unwrap_or(match status {
        404 => ErrorCode::NotFound,
        409 => ErrorCode::Conflict,
        500.. => ErrorCode::Storage,
        _ => ErrorCode::InvalidRequest,
    });
    let Ok(body) = serde_json::from_str::<Value>(text) else {
        let code = if status >= 500 {
            ErrorCode::Storage
        } else {
            by_status
        };
        return TargetError::new(
            code,
            format!(
                "{what}: HTTP {status} with a body that is not JSON: {:?}",
                snippet(text, QUOTE)
            ),
        )
        .with_item(op.name());
    };
    let code = body
        .pointer(&m.code)
        .and_then(Value::as_str)
        .and_then(|c| {
            m.codes
                .get(c)
                .copied()
                .or_else(|| serde_json::from_value(Value::String(c.to_owned())).ok())
        })
        .unwrap_or(by_status);
    let message = body
        .pointer(&m.message)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{what}: HTTP {status}: {:?}", snippet(text, QUOTE)));
    let item = match body.pointer(&m.item).and_then(Value::as_str) {
        Some(i) => Some(i.to_owned()),
        None if status >= 500 => Some(op.name().to_owned()),
        None => None,
    };
    let rejections: Vec<Rejection> = body
        .pointer(&m.rejections)
        .and_then(|r| serde_json::from_value(r.clone()).ok())
        .unwrap_or_default();
    TargetError {
        code,
        item,
        message,
        rejections,
    }
}

impl Transport for HttpTarget {
    fn call(&self, op: Operation, request: Value) -> Result<Value, TargetError> {
        self.send(op, request).map_err(|e| self.redact_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug_or_redacted_text() {
        let t = HttpTarget {
            agent: Agent::new_with_defaults(),
            base_url: "http://127.0.0.1:9".into(),
            ops: BTreeMap::new(),
            headers: vec![
                ("X-Tenant".into(), Header::Literal("131016".into())),
                (
                    "Authorization".into(),
                    Header::Secret(Secret("Bearer s3cr3t-token".into())),
                ),
            ],
            timeout: Duration::from_secs(1),
            archive: false,
        };
        let debug = format!("{t:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("131016") && debug.contains("***"), "{debug}");
        assert_eq!(
            t.redact("echo: Bearer s3cr3t-token and s3cr3t-token".into()),
            "echo: *** and ***"
        );
    }

    #[test]
    fn errors_map_by_code_then_status() {
        let m = ErrorMapping {
            code: "/err/kind".into(),
            codes: [("E-NF".to_owned(), ErrorCode::NotFound)].into(),
            status: [(418, ErrorCode::Conflict)].into(),
            ..ErrorMapping::default()
        };
        let op = Operation::LookupPerson;
        let e = error_of(
            op,
            "w",
            400,
            r#"{"err":{"kind":"E-NF"},"message":"gone"}"#,
            &m,
        );
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::NotFound, "gone"));
        let e = error_of(op, "w", 400, r#"{"err":{"kind":"not_insured"}}"#, &m);
        assert_eq!(e.code, ErrorCode::NotInsured);
        let e = error_of(op, "w", 418, r#"{"err":{"kind":"???"}}"#, &m);
        assert_eq!(e.code, ErrorCode::Conflict);
        let e = error_of(op, "w", 503, "<html>down</html>", &m);
        assert_eq!(e.code, ErrorCode::Storage);
        assert_eq!(e.item.as_deref(), Some("lookup_person"));
        assert!(e.message.contains("not JSON") && e.message.contains("<html>down"));
        let e = error_of(op, "w", 404, "", &ErrorMapping::default());
        assert_eq!(e.code, ErrorCode::NotFound);
    }
}
