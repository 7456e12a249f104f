//! A low-overhead HTTP/1.1 client: one keep-alive hyper connection per virtual user or
//! in-flight slot, reconnected after a failure.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpStream;

/// The most of an answer's body read; a longer one is an error of kind `body_too_large` (the
/// connection is then dropped, so that a target streaming without end cannot hold a worker).
pub const MAX_BODY: usize = 16 << 20;

/// Where the target listens: `http://HOST:PORT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `HOST:PORT`, as given (for the Host header).
    pub authority: String,
    /// The resolved address.
    pub addr: SocketAddr,
    /// `Authorization: Bearer …` sent with every request (marked sensitive: `Debug` hides it).
    pub auth: Option<hyper::header::HeaderValue>,
}

impl Endpoint {
    /// Parses and resolves `http://HOST:PORT` (a trailing `/` is allowed).
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| format!("target {url:?}: expected http://HOST:PORT"))?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return Err(format!(
                "target {url:?}: expected http://HOST:PORT with no path"
            ));
        }
        let with_port = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&with_port)
            .map_err(|e| format!("target {url:?}: cannot resolve {with_port}: {e}"))?
            .next()
            .ok_or_else(|| format!("target {url:?}: {with_port} resolves to no address"))?;
        Ok(Endpoint {
            authority: authority.to_owned(),
            addr,
            auth: None,
        })
    }

    /// The endpoint with a bearer token sent on every request.
    pub fn with_token(mut self, token: &str) -> Result<Endpoint, String> {
        let mut v = hyper::header::HeaderValue::from_str(&format!("Bearer {}", token.trim()))
            .map_err(|_| "the token must be printable ASCII".to_owned())?;
        v.set_sensitive(true);
        self.auth = Some(v);
        Ok(self)
    }
}

/// The outcome of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Ok,
    /// Anything else; the kind names it: a `TargetError` code (`not_found`, …), `http_503`,
    /// `connect`, `io`, `timeout`, `body_too_large`.
    Error(String),
}

/// One keep-alive connection (made on first use, remade after a failure).
pub struct Connection {
    endpoint: Endpoint,
    host: Option<hyper::header::HeaderValue>,
    import_path: hyper::Uri,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    /// A connection to `endpoint`, not yet opened.
    pub fn new(endpoint: Endpoint) -> Connection {
        Connection {
            host: hyper::header::HeaderValue::from_str(&endpoint.authority).ok(),
            import_path: hyper::Uri::from_static("/v1/import"),
            endpoint,
            sender: None,
        }
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = TcpStream::connect(self.endpoint.addr)
            .await
            .map_err(|_| "connect".to_owned())?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|_| "connect".to_owned())?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `POST path` with `body` (JSON; on `/v1/import` an archive upload, see
    /// `nhikit_target::wire::upload_plan`), or `GET path` when `body` is `None`, and reads the
    /// whole answer. Returns the outcome and the answer's body.
    pub async fn send(
        &mut self,
        path: hyper::Uri,
        body: Option<Bytes>,
        timeout: Duration,
    ) -> (Outcome, Bytes) {
        match tokio::time::timeout(timeout, self.exchange(path, body)).await {
            Ok(Ok(r)) => r,
            Ok(Err(kind)) => {
                self.sender = None;
                (Outcome::Error(kind), Bytes::new())
            }
            Err(_) => {
                self.sender = None;
                (Outcome::Error("timeout".into()), Bytes::new())
            }
        }
    }

    async fn exchange(
        &mut self,
        path: hyper::Uri,
        body: Option<Bytes>,
    ) -> Result<(Outcome, Bytes), String> {
        let sender = match &mut self.sender {
            Some(s) if !s.is_closed() => s,
            _ => self.sender.insert(self.connect().await?),
        };
        sender.ready().await.map_err(|_| "io".to_owned())?;
        let content_type = if body.is_some() && path == self.import_path {
            nhikit_target::wire::ARCHIVE_CONTENT_TYPE
        } else {
            "application/json"
        };
        let mut builder = hyper::Request::builder().uri(path);
        if let Some(host) = &self.host {
            builder = builder.header(hyper::header::HOST, host.clone());
        }
        if let Some(auth) = &self.endpoint.auth {
            builder = builder.header(hyper::header::AUTHORIZATION, auth.clone());
        }
        let request = match body {
            Some(b) => builder
                .method(hyper::Method::POST)
                .header(hyper::header::CONTENT_TYPE, content_type)
                .body(Full::new(b)),
            None => builder
                .method(hyper::Method::GET)
                .body(Full::new(Bytes::new())),
        }
        .map_err(|_| "request".to_owned())?;
        let response = sender
            .send_request(request)
            .await
            .map_err(|_| "io".to_owned())?;
        let status = response.status();
        let bytes = http_body_util::Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    "body_too_large".to_owned()
                } else {
                    "io".to_owned()
                }
            })?
            .to_bytes();
        if status.is_success() {
            return Ok((Outcome::Ok, bytes));
        }
        let kind = serde_json::from_slice::<nhikit_target::TargetError>(&bytes)
            .map(|e| e.code.name().to_owned())
            .unwrap_or_else(|_| format!("http_{}", status.as_u16()));
        Ok((Outcome::Error(kind), bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let e = Endpoint::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(e.authority, "127.0.0.1:8080");
        assert_eq!(e.addr.port(), 8080);
        assert_eq!(Endpoint::parse("http://localhost").unwrap().addr.port(), 80);
        assert!(Endpoint::parse("https://x:1").is_err());
        assert!(Endpoint::parse("http://x:1/v1").is_err());
    }
}
