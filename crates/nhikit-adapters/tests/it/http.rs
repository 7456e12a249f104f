//! The HTTP adapter against loopback servers: the reference behind `nhikit serve`'s routes, a
//! vendor API mapped by a profile (with a bearer token from the environment), and hostile
//! servers (500, HTML, a truncated body, no answer).

use crate::*;
use nhikit_adapters::{AdapterError, ConnectOptions, SharedTarget, connect};
use nhikit_reference::Reference;
use nhikit_target::wire::{Operation, dispatch};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One request as the test server saw it.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    pub query: BTreeMap<String, String>,
    /// Lower-case names.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// What the test server does.
pub enum Reply {
    Json(u16, Value),
    Text(u16, &'static str, String),
    /// These bytes and close.
    Raw(Vec<u8>),
    /// Say nothing for this long.
    Hang(Duration),
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else if b[i] == b'+' {
            out.push(b' ');
            i += 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn read_request(stream: &TcpStream) -> Option<Req> {
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    let (path, q) = target.split_once('?').unwrap_or((&target, ""));
    let query = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Some(Req {
        method,
        path: percent_decode(path),
        query,
        headers,
        body,
    })
}

/// A loopback server answering each request with `handler` on its own thread (connection
/// closed after each answer). It lives as long as the test binary.
pub fn serve(handler: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = Arc::new(handler);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            std::thread::spawn(move || {
                let Some(req) = read_request(&stream) else {
                    return;
                };
                let bytes = match handler(&req) {
                    Reply::Json(status, v) => response(status, "application/json", &v.to_string()),
                    Reply::Text(status, ct, body) => response(status, ct, &body),
                    Reply::Raw(b) => b,
                    Reply::Hang(d) => {
                        std::thread::sleep(d);
                        return;
                    }
                };
                let _ = stream.write_all(&bytes);
            });
        }
    });
    addr
}

fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The reference behind `nhikit serve`'s routes (`POST /v1/<op>`).
pub fn reference_server() -> SocketAddr {
    // `nhikit serve`'s own server over an in-memory reference: the default mapping uploads
    // imports and downloads exports, which only the real server speaks. It runs until the test
    // process ends.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let data = tempfile::tempdir().unwrap();
            let config = nhikit_server::Config {
                token: nhikit_server::Token::new(TOKEN, "test").unwrap(),
                data_dir: Some(data.path().to_owned()),
                ..nhikit_server::Config::default()
            };
            let target: nhikit_server::SharedTarget = Arc::new(Reference::in_memory().unwrap());
            nhikit_server::serve(listener, target, &config, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

/// The bearer token of [`reference_server`].
const TOKEN: &str = "adapter-test-token-0123";

fn options(timeout_ms: u64) -> ConnectOptions {
    ConnectOptions {
        timeout: Some(Duration::from_millis(timeout_ms)),
        ..ConnectOptions::default()
    }
}

fn high_cost() -> HighCostRequest {
    req(json!({
        "service_month": "2026-05", "under70_category": "ウ",
        "claims": [ { "person": "A", "age_group": "under70", "setting": "入院",
                      "medical_cost": 1000000, "copay": 300000 } ]
    }))
}

#[test]
fn default_mapping_gives_what_builtin_gives() {
    let addr = reference_server();
    let with_token = ConnectOptions {
        token: Some(TOKEN.into()),
        ..options(30_000)
    };
    let t = connect(&format!("http://{addr}"), &with_token).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let got = sequence(t.as_ref(), dataset(), &tmp.path().join("export"));
    assert_same(&got, builtin_sequence(), "http default mapping");
}

#[test]
fn base_path_is_kept() {
    let addr = serve(|req| {
        assert_eq!(req.path, "/api/nhi/v1/high_cost_limit");
        Reply::Json(
            200,
            json!({ "table": "t", "kourei_limit": null, "household_limit": 1, "refund": 2,
                    "total_copay": 3, "burden": 4 }),
        )
    });
    let t = connect(&format!("http://{addr}/api/nhi/"), &options(5_000)).unwrap();
    assert_eq!(t.high_cost_limit(&high_cost()).unwrap().burden.0, 4);
}

fn code_item_message(e: &TargetError) -> (ErrorCode, Option<&str>, &str) {
    (e.code, e.item.as_deref(), e.message.as_str())
}

#[test]
fn hostile_servers_give_errors_naming_the_operation() {
    // 500 with HTML.
    let addr = serve(|_| Reply::Text(500, "text/html", "<html><h1>Internal</h1></html>".into()));
    let t = connect(&format!("http://{addr}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    let (code, item, message) = code_item_message(&e);
    assert_eq!((code, item), (ErrorCode::Storage, Some("high_cost_limit")));
    assert!(
        message.contains("HTTP 500") && message.contains("<h1>Internal"),
        "{message}"
    );

    // 200 with HTML.
    let addr = serve(|_| Reply::Text(200, "text/html", "<html>hello</html>".into()));
    let t = connect(&format!("http://{addr}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    let (code, item, message) = code_item_message(&e);
    assert_eq!((code, item), (ErrorCode::Storage, Some("high_cost_limit")));
    assert!(
        message.contains("not JSON") && message.contains("<html>hello"),
        "{message}"
    );

    // 200 with JSON of the wrong shape.
    let addr = serve(|_| Reply::Json(200, json!({"refund": "lots"})));
    let t = connect(&format!("http://{addr}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    let (code, item, message) = code_item_message(&e);
    assert_eq!((code, item), (ErrorCode::Storage, Some("high_cost_limit")));
    assert!(message.contains("expected shape"), "{message}");

    // A body cut short: 100 bytes announced, 12 sent, connection closed.
    let addr = serve(|_| {
        Reply::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"table\": \"t"
                .to_vec(),
        )
    });
    let t = connect(&format!("http://{addr}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    let (code, item, message) = code_item_message(&e);
    assert_eq!(
        (code, item),
        (ErrorCode::Io, Some("high_cost_limit")),
        "{message}"
    );

    // Not HTTP at all.
    let addr = serve(|_| Reply::Raw(b"SSH-2.0-OpenSSH\r\n".to_vec()));
    let t = connect(&format!("http://{addr}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Io, "{e}");

    // A server that never answers: the call ends at the timeout.
    let addr = serve(|_| Reply::Hang(Duration::from_secs(20)));
    let t = connect(&format!("http://{addr}"), &options(400)).unwrap();
    let start = Instant::now();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    let (code, item, message) = code_item_message(&e);
    assert_eq!((code, item), (ErrorCode::Io, Some("high_cost_limit")));
    assert!(message.contains("timeout"), "{message}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );

    // Nobody listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let t = connect(&format!("http://{port}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Io, "{e}");
}

/// The vendor API of the mapping test: the reference behind paths of its own, answers
/// wrapped in `{"data": …}`, errors as `{"error": {"kind": "E-…", "detail", "field"}}`, a
/// bearer token required.
fn vendor_server(token: String) -> SocketAddr {
    let r = Reference::in_memory().unwrap();
    serve(move |req| {
        if req.headers.get("authorization") != Some(&format!("Bearer {token}")) {
            return Reply::Json(401, json!({"error": {"kind": "E-AUTH", "detail": "who?"}}));
        }
        if req.headers.get("x-tenant").map(String::as_str) != Some("nhikit-test") {
            return Reply::Json(
                400,
                json!({"error": {"kind": "E-TENANT", "detail": "tenant"}}),
            );
        }
        let segs: Vec<&str> = req.path.trim_start_matches('/').split('/').collect();
        let (op, body) = match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["persons", lg, an]) => (
                Operation::LookupPerson,
                json!({"lgcode": lg, "address_number": an, "as_of": req.query["date"]}),
            ),
            ("POST", ["events"]) => {
                let b: Value = serde_json::from_slice(&req.body).unwrap();
                let mut e = json!({
                    "lgcode": b["municipality"], "address_number": b["person"],
                    "kind": b["event"]["kind"], "date": b["event"]["date"],
                });
                if let Some(reason) = b["event"].get("reason") {
                    e["reason"] = reason.clone();
                }
                (Operation::RegisterEvent, e)
            }
            ("PUT", ["bulk"]) => (
                Operation::Import,
                serde_json::from_slice(&req.body).unwrap(),
            ),
            ("GET", ["echo-auth"]) => {
                // A broken server that echoes the credentials in its error page.
                return Reply::Text(
                    500,
                    "text/plain",
                    format!("crashed; Authorization: {}", req.headers["authorization"]),
                );
            }
            _ => return Reply::Json(404, json!({"error": {"kind": "E-ROUTE", "detail": "no"}})),
        };
        match dispatch(&r, op, body) {
            Ok(v) => Reply::Json(200, json!({"data": v, "meta": {"version": 3}})),
            Err(e) => {
                let status = if e.code == ErrorCode::NotFound {
                    404
                } else {
                    422
                };
                Reply::Json(
                    status,
                    json!({"error": {"kind": format!("E-{}", e.code), "detail": e.message,
                                     "field": e.item}}),
                )
            }
        }
    })
}

const VENDOR_TOKEN_ENV: &str = "NHIKIT_TEST_VENDOR_TOKEN";
const SECRET: &str = "s3cr3t-7f2b9c-token";

fn vendor_profile(dir: &Path, addr: SocketAddr) -> PathBuf {
    let path = dir.join("vendor.toml");
    std::fs::write(
        &path,
        format!(
            r#"
kind = "http"
base_url = "http://{addr}/"
token_env = "{VENDOR_TOKEN_ENV}"
timeout_secs = 20

[headers]
X-Tenant = "nhikit-test"

[errors]
code = "/error/kind"
message = "/error/detail"
item = "/error/field"
codes = {{ "E-not_found" = "not_found", "E-conflict" = "conflict", "E-invalid_request" = "invalid_request", "E-AUTH" = "invalid_request" }}
status = {{ 422 = "rules" }}

[ops.import]
method = "PUT"
path = "/bulk"
response = "/data"

[ops.lookup_person]
method = "GET"
path = "/persons/{{lgcode}}/{{address_number}}"
body = "none"
query = {{ date = "{{as_of}}" }}
response = "/data"

[ops.register_event]
path = "/events"
body = {{ municipality = "{{lgcode}}", person = "{{address_number}}", event = {{ kind = "{{kind}}", date = "{{date}}", reason = "{{reason}}" }} }}
response = "/data"

[ops.high_cost_limit]
method = "GET"
path = "/echo-auth"
body = "none"
"#
        ),
    )
    .unwrap();
    path
}

/// Run in a child with the token in its environment (the test itself cannot set variables:
/// `unsafe` is forbidden); `vendor_mapping_with_a_token_from_the_environment` starts it.
#[test]
#[ignore = "run by vendor_mapping_with_a_token_from_the_environment"]
fn vendor_child() {
    let token = std::env::var(VENDOR_TOKEN_ENV).unwrap();
    let addr = vendor_server(token.clone());
    let tmp = tempfile::tempdir().unwrap();
    let profile = vendor_profile(tmp.path(), addr);
    let t: SharedTarget = connect(profile.to_str().unwrap(), &ConnectOptions::default()).unwrap();
    let b: SharedTarget = connect("builtin", &ConnectOptions::default()).unwrap();
    let import = ImportRequest {
        dataset: Some(dataset().to_owned()),
        files: Vec::new(),
    };
    assert_eq!(t.import(&import).unwrap(), b.import(&import).unwrap());
    for p in persons(dataset(), 3) {
        let (lg, an) = (&p["lgcode"], &p["address_number"]);
        let q: PersonQuery =
            req(json!({"lgcode": lg, "address_number": an, "as_of": "2026-04-01"}));
        assert_eq!(t.lookup_person(&q).unwrap(), b.lookup_person(&q).unwrap());
        let e: EventRequest = req(json!({"lgcode": lg, "address_number": an, "kind": "loss",
                                         "date": "2026-07-01", "reason": "11"}));
        assert_eq!(as_json(t.register_event(&e)), as_json(b.register_event(&e)));
        // Twice: a conflict the second time, mapped back from the vendor's code.
        let again = t.register_event(&e).unwrap_err();
        assert_eq!(again, b.register_event(&e).unwrap_err());
        assert_eq!(again.code, ErrorCode::Conflict);
    }
    let q: PersonQuery =
        req(json!({"lgcode": "131016", "address_number": "0000000000", "as_of": "2026-04-01"}));
    assert_eq!(
        t.lookup_person(&q).unwrap_err(),
        b.lookup_person(&q).unwrap_err()
    );
    // A 個人番号 lookup has no 宛名番号 for the path: the request is refused before sending.
    let q: PersonQuery =
        req(json!({"lgcode": "131016", "mynumber": "123456789018", "as_of": "2026-04-01"}));
    let e = t.lookup_person(&q).unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::InvalidRequest, Some("address_number")),
        "{e}"
    );
    // Unmapped operations keep the default route, which this vendor does not have.
    let e = t
        .copay_ratio(&req(json!({"lgcode": "131016", "address_number": "1",
                                      "service_date": "2026-06-01"})))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e}");
    // The server echoes the token in an error page: it is not in the error.
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
    assert!(e.message.contains("Authorization: ***"), "{e}");
    assert!(!format!("{e} {e:?}").contains(SECRET));
    println!("vendor child done: {e}");
}

#[test]
fn vendor_mapping_with_a_token_from_the_environment() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "http::vendor_child", "--ignored", "--nocapture"])
        .env(VENDOR_TOKEN_ENV, SECRET)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("vendor child done"), "{text}");
    assert!(text.contains("1 passed"), "{text}");
    assert!(
        !text.contains(SECRET),
        "the secret leaked into the output:\n{text}"
    );
}

#[test]
fn a_missing_token_variable_is_named_without_a_value() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = vendor_profile(tmp.path(), "127.0.0.1:9".parse().unwrap());
    let text = std::fs::read_to_string(&profile)
        .unwrap()
        .replace(VENDOR_TOKEN_ENV, "NHIKIT_TEST_SURELY_UNSET_VARIABLE");
    std::fs::write(&profile, text).unwrap();
    let e = connect(profile.to_str().unwrap(), &ConnectOptions::default())
        .err()
        .unwrap();
    assert!(matches!(e, AdapterError::MissingEnv { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "environment variable `NHIKIT_TEST_SURELY_UNSET_VARIABLE` (named by `token_env`) is \
         not set or not UTF-8"
    );
}

#[test]
fn tls_files_are_checked_when_connecting() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("tls.toml");
    std::fs::write(
        &profile,
        "kind = \"http\"\nbase_url = \"https://127.0.0.1:9\"\n[tls]\nca_file = \"ca.pem\"\n",
    )
    .unwrap();
    let e = connect(profile.to_str().unwrap(), &ConnectOptions::default())
        .err()
        .unwrap();
    assert!(e.to_string().contains("ca.pem: cannot read"), "{e}");
    std::fs::write(tmp.path().join("ca.pem"), "not a certificate\n").unwrap();
    let e = connect(profile.to_str().unwrap(), &ConnectOptions::default())
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("ca.pem: no `BEGIN CERTIFICATE`"),
        "{e}"
    );
}

#[test]
fn https_to_a_plain_http_server_is_an_io_error() {
    let addr = serve(|_| Reply::Json(200, json!({})));
    let t = connect(&format!("https://{addr}"), &options(5_000)).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::Io, Some("high_cost_limit")),
        "{e}"
    );
}
