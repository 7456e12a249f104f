//! What a request must pass before any handler runs: a `Host` (and an `Origin`, when the
//! client sends one) that names this server, and the bearer token.
//!
//! The `Host` check stops DNS rebinding: a web page on `evil.example` whose name is made to
//! resolve to 127.0.0.1 reaches the server with `Host: evil.example` and is turned away (421),
//! as is a browser's cross-site request with a foreign `Origin` (403). The token is compared
//! in constant time (`subtle`), so its bytes cannot be guessed one at a time from timings.

use crate::http::error_response;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use nhikit_target::TargetError;
use std::fmt;
use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// A bearer token: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Why a token could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The token is unusable.
    #[error("{what}: {reason}")]
    Invalid {
        /// Where the token came from.
        what: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl Token {
    /// 32 random bytes from the operating system, as 64 hex digits. Should the random source
    /// be unreadable, the token is empty, which matches no request: the server is then closed,
    /// never open with a guessable token.
    pub fn random() -> Token {
        Token(random_hex(32).unwrap_or_default())
    }

    /// A token given by the user (`what` names its source for messages): at least 16
    /// printable ASCII characters without spaces.
    pub fn new(value: &str, what: &str) -> Result<Token, TokenError> {
        let value = value.trim();
        let invalid = |reason| TokenError::Invalid {
            what: what.to_owned(),
            reason,
        };
        if value.len() < 16 {
            return Err(invalid("a token must have at least 16 characters"));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "a token must be printable ASCII without spaces or control characters",
            ));
        }
        Ok(Token(value.to_owned()))
    }

    /// The token in the first line of `path`.
    pub fn from_file(path: &Path) -> Result<Token, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Io {
            path: path.to_owned(),
            source,
        })?;
        Token::new(
            text.lines().next().unwrap_or_default(),
            &path.display().to_string(),
        )
    }

    /// The token's value (to print once, or to hand to a client).
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, in time independent of where they differ.
    fn matches(&self, given: &[u8]) -> bool {
        !self.0.is_empty() && bool::from(self.0.as_bytes().ct_eq(given))
    }
}

/// `n` random bytes from the operating system (`/dev/urandom`, which never blocks once the
/// system is up), as hex digits.
pub(crate) fn random_hex(n: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// What the guard checks against.
#[derive(Debug)]
pub(crate) struct Guard {
    pub(crate) token: crate::Token,
    /// Lower-case host names (IPv6 without brackets).
    pub(crate) hosts: Vec<String>,
}

impl Guard {
    pub(crate) fn new(config: &crate::Config, bound: Option<SocketAddr>) -> Guard {
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        if let Some(b) = bound
            && !b.ip().is_unspecified()
        {
            hosts.push(b.ip().to_string());
        }
        hosts.extend(config.allowed_hosts.iter().map(|h| h.to_ascii_lowercase()));
        Guard {
            token: config.token.clone(),
            hosts,
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        let h = host_name(host).to_ascii_lowercase();
        self.hosts.contains(&h)
    }
}

/// The host part of a `Host` value or an origin's authority: without the port, an IPv6
/// address without its brackets.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match authority.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

fn refuse(status: StatusCode, item: &str, message: String) -> Response {
    let mut r = error_response(status, &TargetError::invalid(item, message));
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"nhikit\""),
        );
    }
    r
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The middleware: `/health` and `/openapi.json` pass; everything else needs an allowed
/// `Host`, an allowed `Origin` when one is sent, and the token.
pub(crate) async fn check(
    State(guard): State<Arc<Guard>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path == "/health" || path == "/openapi.json" {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = text(headers, header::HOST)
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(h) if guard.host_allowed(&h) => {}
        Some(h) => {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "host",
                format!(
                    "Host `{}` is not one of this server's names (start it with --allow-host NAME to add one)",
                    h.chars().take(100).collect::<String>()
                ),
            );
        }
        None => {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "host",
                "the request has no Host header".into(),
            );
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let allowed = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .is_some_and(|(scheme, authority)| {
                matches!(scheme, "http" | "https") && guard.host_allowed(authority)
            });
        if !allowed {
            return refuse(
                StatusCode::FORBIDDEN,
                "origin",
                "cross-origin requests are refused (the Origin is not one of this server's names)"
                    .into(),
            );
        }
    }
    let given = text(headers, header::AUTHORIZATION)
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .unwrap_or_default();
    if !guard.token.matches(given.as_bytes()) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "authorization",
            "this server needs `Authorization: Bearer <token>` (the token `nhikit serve` printed at start or read from --token-file; clients read NHIKIT_TOKEN)".into(),
        );
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_without_ports_and_brackets() {
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("[::1]"), "::1");
        assert_eq!(host_name("example.test"), "example.test");
        assert_eq!(host_name("evil.example:80"), "evil.example");
    }

    #[test]
    fn tokens_are_checked_and_hidden() {
        assert!(Token::new("short", "x").is_err());
        assert!(Token::new("has a space in it 123", "x").is_err());
        let t = Token::new("0123456789abcdef", "x").expect("token");
        assert!(t.matches(b"0123456789abcdef"));
        assert!(!t.matches(b"0123456789abcdeF"));
        assert!(!t.matches(b""));
        assert!(!format!("{t:?}").contains("0123"));
        let r = Token::random();
        assert_eq!(r.reveal().len(), 64);
        assert_ne!(r, Token::random());
    }
}
