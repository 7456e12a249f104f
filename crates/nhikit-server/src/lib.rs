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

mod http;
mod openapi;
mod stdio;

pub use http::{app, serve, shutdown_signal};
pub use openapi::openapi;
pub use stdio::serve_stdio;

use nhikit_target::Target;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// A target shared by the request handlers.
pub type SharedTarget = Arc<dyn Target + Send + Sync>;

/// Settings of the HTTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The largest request body accepted, in bytes (larger: 413 with a `TargetError`).
    pub max_body: usize,
    /// How long one request may take, body read included (longer: 503 with a `TargetError`).
    pub timeout: Duration,
}

impl Default for Config {
    /// 1 MiB bodies, 30 s per request.
    fn default() -> Config {
        Config {
            max_body: 1024 * 1024,
            timeout: Duration::from_secs(30),
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
