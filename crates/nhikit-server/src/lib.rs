//! `nhikit serve`: any [`Target`] over HTTP/JSON and over the stdin/stdout process protocol.
//!
//! HTTP: `POST /v1/<operation>` with the operation's request as the JSON body answers 200 with
//! the response JSON, or the [`nhikit_target::TargetError`] JSON with
//! [`wire::http_status`](nhikit_target::wire::http_status) of its code. Every other failure (an
//! unknown path, a wrong method or content type, a body that is not JSON or too large, a
//! timeout) is a `TargetError` JSON body too. `GET /health` answers `ok`, `GET /openapi.json`
//! the OpenAPI 3.1 document generated from the Rust types (so it cannot drift from them).
//!
//! Process protocol (`docs/adapter-protocol.md`): [`serve_stdio`] reads
//! [`ProcessRequest`](nhikit_target::wire::ProcessRequest) lines and writes one
//! [`ProcessReply`](nhikit_target::wire::ProcessReply) line each, in order.
//!
//! ```
//! use nhikit_server::serve_stdio;
//! let target = nhikit_reference::Reference::in_memory()?;
//! let input = br#"{"id":1,"op":"lookup_person","request":{"lgcode":"131016","address_number":"0000000001","as_of":"2026-04-01"}}"#;
//! let mut output = Vec::new();
//! serve_stdio(&target, &input[..], &mut output)?;
//! let reply: serde_json::Value = serde_json::from_slice(&output)?;
//! assert_eq!(reply["id"], 1);
//! assert_eq!(reply["error"]["code"], "not_found");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod guard;
mod http;
mod openapi;
mod stdio;
mod transfer;

pub use guard::{Token, TokenError};
pub use http::{app, serve, shutdown_signal};
pub use openapi::openapi;
pub use stdio::serve_stdio;

use nhikit_target::Target;
use nhikit_target::wire::Operation;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A target shared by the request handlers.
pub type SharedTarget = Arc<dyn Target + Send + Sync>;

/// An operation that changed or read out the target's data, for the audit log: `import`,
/// `export` and `reset`, with the client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    /// The operation.
    pub op: Operation,
    /// The client's address (the TCP peer).
    pub client: Option<SocketAddr>,
    /// Whether the target accepted it.
    pub ok: bool,
    /// Records per entity (import, export), or the error's code and message.
    pub details: serde_json::Value,
}

/// Called once per [`ServerEvent`] (from a blocking thread: it may write a file).
pub type EventHook = Arc<dyn Fn(&ServerEvent) + Send + Sync>;

/// Settings of the HTTP server.
#[derive(Clone)]
pub struct Config {
    /// The largest JSON request body accepted, in bytes (larger: 413 with a `TargetError`).
    pub max_body: usize,
    /// How long one request may take, body read included (longer: 503 with a `TargetError`).
    pub timeout: Duration,
    /// The bearer token every request but `GET /health` and `GET /openapi.json` must carry
    /// (401 otherwise). [`Config::default`] draws a random one, so a server is never open by
    /// omission.
    pub token: Token,
    /// Host names (without port) a request's `Host` and `Origin` may name, besides `localhost`
    /// and the bound address (421/403 otherwise). Compared case-insensitively.
    pub allowed_hosts: Vec<String>,
    /// The only directory the server reads or writes on a request's behalf: uploads are
    /// unpacked and exports staged under it, and a JSON `import`/`export` may name a path
    /// under it (never outside). `None`: uploads and paths are refused.
    pub data_dir: Option<PathBuf>,
    /// The largest `import` upload, in bytes.
    pub max_upload: u64,
    /// How long an `import` upload or an `export` download may take.
    pub transfer_timeout: Duration,
    /// How long a client may take to send a request's headers (slow clients are cut off).
    pub header_timeout: Duration,
    /// Connections served at once; more wait in the kernel's accept queue.
    pub max_connections: usize,
    /// TLS: when set, every connection is HTTPS.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Told of every `import`, `export` and `reset`.
    pub on_event: Option<EventHook>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("max_body", &self.max_body)
            .field("timeout", &self.timeout)
            .field("token", &self.token)
            .field("allowed_hosts", &self.allowed_hosts)
            .field("data_dir", &self.data_dir)
            .field("max_upload", &self.max_upload)
            .field("transfer_timeout", &self.transfer_timeout)
            .field("header_timeout", &self.header_timeout)
            .field("max_connections", &self.max_connections)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    /// 1 MiB JSON bodies, 30 s per request, a random token, no data directory, 16 GiB
    /// uploads, 30 min transfers, 10 s for headers, 256 connections, no TLS.
    fn default() -> Config {
        Config {
            max_body: 1024 * 1024,
            timeout: Duration::from_secs(30),
            token: Token::random(),
            allowed_hosts: Vec::new(),
            data_dir: None,
            max_upload: 16 << 30,
            transfer_timeout: Duration::from_secs(1800),
            header_timeout: Duration::from_secs(10),
            max_connections: 256,
            tls: None,
            on_event: None,
        }
    }
}

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// Accepting or serving connections failed.
    #[error("serving: {0}")]
    Serve(std::io::Error),
}

/// Serves `target` over HTTP on `addr` until SIGINT or SIGTERM, then lets the requests in
/// flight finish and returns. `on_listening` is called once with the bound address (the real
/// port when `addr` has port 0) before the first request is accepted.
///
/// Blocking: it runs its own multi-threaded tokio runtime.
pub fn run_http(
    addr: SocketAddr,
    target: SharedTarget,
    config: &Config,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let bound = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        on_listening(bound);
        serve(listener, target, config, shutdown_signal())
            .await
            .map_err(Error::Serve)
    })
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM block.
    #[error("{path}: {reason}")]
    File {
        /// The certificate or key file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the certificate and key (they do not match, an unsupported key type).
    #[error("the certificate and key cannot be used: {0}")]
    Config(rustls::Error),
}

/// A TLS server configuration from a PEM certificate chain and a PEM private key (PKCS#8,
/// PKCS#1 or SEC1), TLS 1.2 and 1.3 with rustls' `ring` provider.
pub fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::File {
            path: cert.to_owned(),
            reason: format!("not a PEM certificate chain: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::File {
            path: cert.to_owned(),
            reason: "no `BEGIN CERTIFICATE` block".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::File {
        path: key.to_owned(),
        reason: format!("no usable PEM private key: {e}"),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(TlsError::Config)?;
    Ok(Arc::new(config))
}
