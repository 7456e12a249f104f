//! Issue 19: the server faces a network. Every request but `/health` and `/openapi.json`
//! needs the token and a `Host` that names the server; no request reads or writes outside the
//! data directory; uploads cannot place a file outside their scratch directory; a slow client
//! cannot hold the server; every refusal is a 4xx.

use crate::*;
use nhikit_io::archive::{ArchiveWriter, Limits, unpack};
use nhikit_io::contain::Root;
use nhikit_server::{Config, ServerEvent};
use nhikit_target::wire::{ARCHIVE_CONTENT_TYPE, ARCHIVE_REQUEST, ARCHIVE_RESPONSE, upload_plan};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

fn raw(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut rb = agent.post(url).header("content-type", "application/json");
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    crate::reply(rb.send(body))
}

fn with_data(f: &Fixture) -> Config {
    Config {
        data_dir: Some(f.tmp.path().join("data")),
        ..Config::default()
    }
}

fn fixture_with_data(households: u64) -> Fixture {
    let f = fixture(households);
    std::fs::create_dir(f.tmp.path().join("data")).unwrap();
    f
}

#[test]
fn every_operation_needs_the_token_but_health() {
    let server = Server::start(shared(Reference::in_memory().unwrap()), Config::default());
    let agent = agent();
    for op in nhikit_target::wire::Operation::ALL {
        let url = server.url(&op.http_path());
        for auth in [
            None,
            Some("Bearer wrong-token-000000000"),
            Some("Basic dGVzdA=="),
        ] {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| ("authorization", a)).into_iter().collect();
            let r = raw(&agent, &url, &headers, b"{}");
            assert_eq!(
                r.status,
                401,
                "{op} {auth:?}: {}",
                String::from_utf8_lossy(&r.body)
            );
            assert!(!String::from_utf8_lossy(&r.body).contains(TOKEN));
        }
    }
    let health = agent.get(server.url("/health")).call().unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[test]
fn foreign_host_and_origin_are_refused() {
    let server = Server::start(shared(Reference::in_memory().unwrap()), Config::default());
    let agent = agent();
    let url = server.url("/v1/reset");
    let bearer = format!("Bearer {TOKEN}");
    // DNS rebinding: the right address under another name.
    let r = raw(
        &agent,
        &url,
        &[("authorization", &bearer), ("host", "evil.example:80")],
        b"{}",
    );
    assert_eq!(r.status, 421);
    let r = raw(
        &agent,
        &url,
        &[
            ("authorization", &bearer),
            ("origin", "https://evil.example"),
        ],
        b"{}",
    );
    assert_eq!(r.status, 403);
    let r = raw(
        &agent,
        &url,
        &[("authorization", &bearer), ("origin", "null")],
        b"{}",
    );
    assert_eq!(r.status, 403);
    let port = server.addr.port();
    let ok_origin = format!("http://localhost:{port}");
    let r = raw(
        &agent,
        &url,
        &[
            ("authorization", &bearer),
            ("host", &format!("localhost:{port}")),
            ("origin", &ok_origin),
        ],
        b"{}",
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

#[test]
fn paths_never_leave_the_data_directory() {
    let f = fixture_with_data(5);
    let victim_dir = f.tmp.path().join("victim");
    std::fs::create_dir(&victim_dir).unwrap();
    std::fs::write(victim_dir.join("keep.txt"), "SECRET-CONTENT").unwrap();
    std::os::unix::fs::symlink(&victim_dir, f.tmp.path().join("data/link")).unwrap();
    std::os::unix::fs::symlink(&f.dir, f.tmp.path().join("data/ds-link")).unwrap();
    let server = Server::start(shared(Reference::in_memory().unwrap()), with_data(&f));
    let agent = agent();
    let victim = victim_dir.display().to_string();
    for (op, body) in [
        ("/v1/export", json!({ "dir": victim, "overwrite": true })),
        (
            "/v1/export",
            json!({ "dir": "../victim", "overwrite": true }),
        ),
        ("/v1/export", json!({ "dir": "link", "overwrite": true })),
        ("/v1/export", json!({ "dir": "", "overwrite": true })),
        ("/v1/import", json!({ "dataset": victim })),
        ("/v1/import", json!({ "dataset": "../victim" })),
        ("/v1/import", json!({ "dataset": "ds-link" })),
        ("/v1/import", json!({ "dataset": "" })),
        (
            "/v1/import",
            json!({ "files": [{ "path": victim_dir.join("keep.txt"), "entity": "person", "format": "csv" }] }),
        ),
    ] {
        let r = post(&agent, &server.url(op), &body);
        assert!(
            (400..500).contains(&r.status),
            "{op} {body}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        assert!(!String::from_utf8_lossy(&r.body).contains("SECRET-CONTENT"));
    }
    assert_eq!(
        std::fs::read_to_string(victim_dir.join("keep.txt")).unwrap(),
        "SECRET-CONTENT"
    );
    assert_eq!(std::fs::read_dir(&victim_dir).unwrap().count(), 1);
}

/// An upload of the fixture's dataset, as the HTTP adapter builds it.
fn upload_of(f: &Fixture) -> Vec<u8> {
    let (sent, sources) = upload_plan(&nhikit_target::ImportRequest {
        dataset: Some(f.dir.clone()),
        files: Vec::new(),
    });
    let mut w = ArchiveWriter::new(Vec::new());
    w.add_bytes(ARCHIVE_REQUEST, &serde_json::to_vec(&sent).unwrap())
        .unwrap();
    for s in sources {
        if let nhikit_target::wire::UploadSource::Tree { local, name } = s {
            w.add_tree(&Root::open(&local).unwrap(), &name).unwrap();
        }
    }
    w.finish().unwrap()
}

#[test]
fn data_travels_with_the_request_and_events_are_told() {
    let f = fixture_with_data(10);
    let events: Arc<Mutex<Vec<ServerEvent>>> = Arc::default();
    let seen = Arc::clone(&events);
    let config = Config {
        on_event: Some(Arc::new(move |e: &ServerEvent| {
            seen.lock().unwrap().push(e.clone())
        })),
        ..with_data(&f)
    };
    let server = Server::start(shared(Reference::in_memory().unwrap()), config);
    let agent = agent();
    let r = post_raw(
        &agent,
        &server.url("/v1/import"),
        ARCHIVE_CONTENT_TYPE,
        &upload_of(&f),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["records"]["household"], 10);
    // The scratch directory is gone.
    let transfer = f.tmp.path().join("data/.transfer");
    assert_eq!(
        std::fs::read_dir(&transfer).map(|d| d.count()).unwrap_or(0),
        0
    );

    // Export with the files in the answer.
    let mut resp = agent
        .post(server.url("/v1/export"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/json")
        .header("accept", ARCHIVE_CONTENT_TYPE)
        .send(&br#"{"dir": "ignored"}"#[..])
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let tar = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap();
    let out = f.tmp.path().join("received");
    std::fs::create_dir(&out).unwrap();
    let root = Root::open(&out).unwrap();
    unpack(&tar[..], &root, &Limits::default()).unwrap();
    let head: Value =
        serde_json::from_slice(&std::fs::read(out.join(ARCHIVE_RESPONSE)).unwrap()).unwrap();
    assert_eq!(head["records"]["household"], 10);
    assert!(out.join("manifest.json").is_file());
    assert!(
        !f.tmp.path().join("data/ignored").exists(),
        "the client's dir is not used on the server"
    );
    assert_eq!(
        std::fs::read_dir(&transfer).map(|d| d.count()).unwrap_or(0),
        0
    );

    post(&agent, &server.url("/v1/reset"), &json!({}));
    let told = events.lock().unwrap().clone();
    let ops: Vec<&str> = told.iter().map(|e| e.op.name()).collect();
    assert_eq!(ops, ["import", "export", "reset"]);
    assert!(
        told.iter()
            .all(|e| e.ok && e.client.is_some_and(|c| c.ip().is_loopback()))
    );
}

#[test]
fn an_upload_cannot_place_a_file_outside_its_scratch_directory() {
    let f = fixture_with_data(2);
    let server = Server::start(shared(Reference::in_memory().unwrap()), with_data(&f));
    let agent = agent();
    // A tar whose entry climbs out: build the header by hand (the tar crate refuses `..`).
    let h = tar_header("../../escaped.txt", 5);
    let mut tar = Vec::new();
    tar.extend_from_slice(h.as_bytes());
    tar.extend_from_slice(b"owned");
    tar.extend_from_slice(&[0u8; 507]);
    tar.extend_from_slice(&[0u8; 1024]);
    let r = post_raw(
        &agent,
        &server.url("/v1/import"),
        ARCHIVE_CONTENT_TYPE,
        &tar,
    );
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(!f.tmp.path().join("escaped.txt").exists());
    assert!(!f.tmp.path().join("data/escaped.txt").exists());
    // A request entry naming a path outside the upload.
    let mut w = ArchiveWriter::new(Vec::new());
    w.add_bytes(ARCHIVE_REQUEST, br#"{"dataset": "/etc"}"#)
        .unwrap();
    let r = post_raw(
        &agent,
        &server.url("/v1/import"),
        ARCHIVE_CONTENT_TYPE,
        &w.finish().unwrap(),
    );
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    // A request naming what the upload does not hold: the client's mistake, 400.
    let mut w = ArchiveWriter::new(Vec::new());
    w.add_bytes(ARCHIVE_REQUEST, br#"{"dataset": "dataset"}"#)
        .unwrap();
    w.add_bytes("dataset/csv/x.csv", b"a,b\n").unwrap();
    let r = post_raw(
        &agent,
        &server.url("/v1/import"),
        ARCHIVE_CONTENT_TYPE,
        &w.finish().unwrap(),
    );
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    assert!(String::from_utf8_lossy(&r.body).contains("manifest.json"));
    // Not a tar at all.
    let r = post_raw(
        &agent,
        &server.url("/v1/import"),
        ARCHIVE_CONTENT_TYPE,
        b"not a tar archive, just text that is long enough to be read as a header block",
    );
    assert!((400..500).contains(&r.status), "{}", r.status);
}

fn tar_header(name: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    let gnu = h.as_gnu_mut().unwrap();
    gnu.name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_cksum();
    h
}

#[test]
fn an_upload_over_the_limit_is_413() {
    let f = fixture_with_data(5);
    let config = Config {
        max_upload: 4096,
        ..with_data(&f)
    };
    let server = Server::start(shared(Reference::in_memory().unwrap()), config);
    let r = post_raw(
        &agent(),
        &server.url("/v1/import"),
        ARCHIVE_CONTENT_TYPE,
        &upload_of(&f),
    );
    assert_eq!(r.status, 413, "{}", String::from_utf8_lossy(&r.body));
}

#[test]
fn slow_clients_cannot_hold_the_server() {
    let config = Config {
        header_timeout: Duration::from_millis(500),
        max_connections: 4,
        ..Config::default()
    };
    let server = Server::start(shared(Reference::in_memory().unwrap()), config);
    // Slowloris: every slot taken by a client that never finishes its headers.
    // Half of them send part of a request head, half send nothing at all.
    let mut idle: Vec<TcpStream> = (0..8)
        .map(|i| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            if i % 2 == 0 {
                s.write_all(b"POST /v1/reset HTTP/1.1\r\nHost: localhost\r\n")
                    .unwrap();
            }
            s
        })
        .collect();
    let started = Instant::now();
    let r = post(&agent(), &server.url("/v1/reset"), &json!({}));
    assert_eq!(r.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // The slow ones were cut off.
    for s in &mut idle {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
    }
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let config = Config {
        header_timeout: Duration::from_millis(500),
        ..Config::default()
    };
    let server = Server::start(shared(Reference::in_memory().unwrap()), config);
    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(
        s,
        "POST /v1/reset HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer {TOKEN}\r\n\
         content-type: application/json\r\ncontent-length: 2\r\n\r\n{{}}"
    )
    .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut all = Vec::new();
    // The answer, then EOF once the idle connection is cut (a read timeout would be an error).
    let read = s.read_to_end(&mut all);
    assert!(read.is_ok(), "{read:?} after {:?}", started.elapsed());
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
