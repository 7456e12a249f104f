//! The axum application: one `POST` route per operation, `/health`, `/openapi.json`, and
//! `TargetError` JSON for every failure, axum's own rejections included.

use crate::{Config, SharedTarget};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use nhikit_target::wire::{Operation, dispatch, http_status};
use nhikit_target::{ErrorCode, TargetError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// What every handler shares.
struct AppState {
    target: SharedTarget,
    timeout: Duration,
    openapi: Bytes,
}

/// The HTTP application over `target`: `POST /v1/<op>` for every [`Operation`],
/// `GET /health`, `GET /openapi.json`; any other path or method is a `TargetError` JSON
/// (404, 405).
pub fn app(target: SharedTarget, config: &Config) -> Router {
    let openapi = serde_json::to_vec_pretty(&crate::openapi()).unwrap_or_default();
    let state = Arc::new(AppState {
        target,
        timeout: config.timeout,
        openapi: Bytes::from(openapi),
    });
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
}

/// Serves `app(target, config)` on `listener` until `shutdown` completes, then waits for the
/// requests in flight (their target calls included) and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    target: SharedTarget,
    config: &Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(target, config))
        .with_graceful_shutdown(shutdown)
        .await
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

fn target_error_response(error: &TargetError) -> Response {
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
    let timeout = state.timeout;
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
    if !is_json(request.headers()) {
        let given = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_else(|| "none".to_owned());
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &TargetError::invalid(
                "content-type",
                format!("the request body must be application/json, content type given: {given}"),
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
    let target = Arc::clone(&state.target);
    let result = tokio::task::spawn_blocking(move || dispatch(target.as_ref(), op, json)).await;
    match result {
        Ok(Ok(value)) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            serde_json::to_vec(&value).unwrap_or_default(),
        )
            .into_response(),
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
