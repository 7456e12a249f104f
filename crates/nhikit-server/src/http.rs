//! The axum application: one `POST` route per operation, `/health`, `/openapi.json`, and
//! `TargetError` JSON for every failure, axum's own rejections included.

use crate::{Config, SharedTarget};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nhikit_target::wire::{ARCHIVE_CONTENT_TYPE, Operation, dispatch, http_status};
use nhikit_target::{ErrorCode, TargetError};
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What every handler shares.
pub(crate) struct AppState {
    pub(crate) target: SharedTarget,
    pub(crate) timeout: Duration,
    pub(crate) transfer_timeout: Duration,
    pub(crate) openapi: Bytes,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) max_upload: u64,
    pub(crate) on_event: Option<crate::EventHook>,
}

/// The TCP peer of a connection, put into each request's extensions by [`serve`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// The HTTP application over `target`: `POST /v1/<op>` for every [`Operation`],
/// `GET /health`, `GET /openapi.json`; any other path or method is a `TargetError` JSON
/// (404, 405). Every route but `/health` and `/openapi.json` is behind the guard (`Host`,
/// `Origin`, bearer token; see [`crate::Config`]). `bound` is the listening address (an
/// allowed host).
pub fn app(target: SharedTarget, config: &Config, bound: Option<SocketAddr>) -> Router {
    let openapi = serde_json::to_vec_pretty(&crate::openapi()).unwrap_or_default();
    let state = Arc::new(AppState {
        target,
        timeout: config.timeout,
        transfer_timeout: config.transfer_timeout,
        openapi: Bytes::from(openapi),
        data_dir: config.data_dir.clone(),
        max_upload: config.max_upload,
        on_event: config.on_event.clone(),
    });
    let guard = Arc::new(crate::guard::Guard::new(config, bound));
    let mut router = Router::new()
        .route("/health", get(health).fallback(method_not_allowed))
        .route(
            "/openapi.json",
            get(openapi_json).fallback(method_not_allowed),
        );
    for op in Operation::ALL {
        router = router.route(
            &op.http_path(),
            post(move |state: State<Arc<AppState>>, request: Request| {
                operation(state, op, request)
            })
            .fallback(method_not_allowed),
        );
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(config.max_body))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            guard,
            crate::guard::check,
        ))
}

/// Serves `app(target, config)` on `listener` until `shutdown` completes, then waits for the
/// requests in flight (their target calls included) and returns.
///
/// Each connection gets `config.header_timeout` to send its headers (a client that trickles
/// them is cut off, so slow clients cannot hold the server), at most
/// `config.max_connections` are served at once, and with `config.tls` every connection is
/// TLS first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    target: SharedTarget,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let bound = listener.local_addr().ok();
    let router = app(target, config, bound);
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let tls = config.tls.clone().map(tokio_rustls::TlsAcceptor::from);
    let header_timeout = config.header_timeout;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(Peer(peer));
                tower::ServiceExt::oneshot(router.clone(), request)
            },
        );
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_timeout);
        match &tls {
            None => {
                let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(permit);
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    // The handshake, too, must not take longer than the headers may.
                    let handshake =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await;
                    if let Ok(Ok(tls_stream)) = handshake {
                        let conn = builder
                            .serve_connection(hyper_util::rt::TokioIo::new(tls_stream), service);
                        let _ = watcher.watch(conn).await;
                    }
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, only SIGTERM stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

async fn health() -> &'static str {
    "ok"
}

async fn openapi_json(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        state.openapi.clone(),
    )
        .into_response()
}

/// A `TargetError` JSON response with `status`.
pub(crate) fn error_response(status: StatusCode, error: &TargetError) -> Response {
    let body = serde_json::to_vec(error).unwrap_or_default();
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

pub(crate) fn target_error_response(error: &TargetError) -> Response {
    let status =
        StatusCode::from_u16(http_status(error.code)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error_response(status, error)
}

async fn not_found(method: Method, uri: Uri) -> Response {
    let known: Vec<String> = Operation::ALL.iter().map(|o| o.http_path()).collect();
    error_response(
        StatusCode::NOT_FOUND,
        &TargetError::new(
            ErrorCode::NotFound,
            format!(
                "no such endpoint: {method} {}; the operations are POST {}, and GET /health, GET /openapi.json",
                uri.path(),
                known.join(", ")
            ),
        )
        .with_item("path"),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let allowed = if uri.path().starts_with("/v1/") {
        "POST"
    } else {
        "GET"
    };
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &TargetError::invalid(
            "method",
            format!("{method} is not allowed on {}; use {allowed}", uri.path()),
        ),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

/// Whether the content type is JSON (`application/json`, with or without parameters, or a
/// `+json` type).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

async fn operation(
    State(state): State<Arc<AppState>>,
    op: Operation,
    request: Request,
) -> Response {
    let timeout = if matches!(op, Operation::Import | Operation::Export) {
        state.transfer_timeout
    } else {
        state.timeout
    };
    match tokio::time::timeout(timeout, run_operation(state, op, request)).await {
        Ok(response) => response,
        Err(_) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &TargetError::new(
                ErrorCode::Storage,
                format!(
                    "{op} did not finish within the request timeout of {} s",
                    timeout.as_secs_f64()
                ),
            ),
        ),
    }
}

async fn run_operation(state: Arc<AppState>, op: Operation, request: Request) -> Response {
    let client = request.extensions().get::<Peer>().map(|p| p.0);
    if op == Operation::Import && is_archive(request.headers()) {
        return crate::transfer::upload(state, request.into_body(), client).await;
    }
    let wants_archive =
        op == Operation::Export && crate::transfer::wants_archive(request.headers());
    if !is_json(request.headers()) {
        let given = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_else(|| "none".to_owned());
        let expected = if op == Operation::Import {
            format!("application/json or {ARCHIVE_CONTENT_TYPE}")
        } else {
            "application/json".to_owned()
        };
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &TargetError::invalid(
                "content-type",
                format!("the request body must be {expected}, content type given: {given}"),
            ),
        );
    }
    let body = match Bytes::from_request(request, &()).await {
        Ok(b) => b,
        Err(rejection) => {
            return error_response(
                rejection.status(),
                &TargetError::invalid("body", rejection.body_text()),
            );
        }
    };
    let json: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                &TargetError::invalid("body", format!("the body is not JSON: {e}")),
            );
        }
    };
    if wants_archive {
        return crate::transfer::download(state, json, client).await;
    }
    if matches!(op, Operation::Import | Operation::Export | Operation::Reset) {
        return crate::transfer::json_op(state, op, json, client).await;
    }
    let target = Arc::clone(&state.target);
    let result = tokio::task::spawn_blocking(move || dispatch(target.as_ref(), op, json)).await;
    crate::transfer::finish(op, result)
}

/// A JSON response.
pub(crate) fn json_response(value: &serde_json::Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response()
}

/// Whether the body is an archive upload.
fn is_archive(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case(ARCHIVE_CONTENT_TYPE))
}
