//! Integration tests of nhikit-server: every operation over HTTP against `wire::dispatch` on an
//! in-process reference, error statuses and bodies, limits, the OpenAPI document against real
//! responses, and concurrent writers.
#![allow(clippy::unwrap_used, missing_docs)]

mod concurrency;
mod http;
mod openapi;
mod security;

use nhikit_io::{DatasetWriter, Format, ManifestInfo, Partition, WriterOptions};
use nhikit_reference::Reference;
use nhikit_server::{Config, SharedTarget};
use nhikit_synth::{Generator, Options};
use nhikit_target::{ImportRequest, Target};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const MUNICIPALITIES: &[&str] = &["131016", "042072"];

/// Writes a JSON Lines dataset the way `nhikit gen` does.
pub fn generate(out: &Path, households: u64, seed: u64) {
    let schema = nhikit_schema::embedded().unwrap();
    let reference = nhikit_synth::Reference::embedded().unwrap();
    let options = Options {
        seed,
        households,
        municipalities: MUNICIPALITIES.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    };
    let g = Generator::new(&reference, &options).unwrap();
    let w = DatasetWriter::create(
        out,
        &schema,
        WriterOptions {
            formats: vec![Format::Jsonl],
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut ins = w.table_part("insurer", 0).unwrap();
    g.write_insurers(&mut ins);
    ins.finish().unwrap();
    for part in &g.plan().parts {
        let partition = Partition::prefecture(part.prefecture);
        let mut h = w.part("household", &partition, part.number).unwrap();
        let mut p = w.part("person", &partition, part.number).unwrap();
        let mut q = w.part("qualification", &partition, part.number).unwrap();
        g.write_part(part, &mut h, &mut p, &mut q);
        h.finish().unwrap();
        p.finish().unwrap();
        q.finish().unwrap();
    }
    w.finish(ManifestInfo::default()).unwrap();
}

/// A generated dataset in a temporary directory.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

pub fn fixture(households: u64) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    generate(&dir, households, 11);
    Fixture { tmp, dir }
}

/// Every record of an entity in the dataset's JSON Lines files, in file order.
pub fn records(f: &Fixture, entity: &str) -> Vec<serde_json::Map<String, Value>> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![f.dir.join("jsonl").join(entity)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for p in files {
        for line in std::fs::read_to_string(&p).unwrap().lines() {
            out.push(serde_json::from_str(line).unwrap());
        }
    }
    assert!(
        !out.is_empty(),
        "no {entity} records in {}",
        f.dir.display()
    );
    out
}

/// A reference holding the fixture's dataset.
pub fn loaded(f: &Fixture, db: Option<&Path>) -> Reference {
    let r = match db {
        Some(p) => Reference::open(p).unwrap(),
        None => Reference::in_memory().unwrap(),
    };
    r.import(&ImportRequest {
        dataset: Some(f.dir.clone()),
        files: Vec::new(),
    })
    .unwrap();
    r
}

/// The bearer token of every test server.
pub const TOKEN: &str = "test-token-0123456789";

/// A server on an ephemeral loopback port, in its own runtime; stopped (gracefully) on drop.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Serves with `config`, its token replaced by [`TOKEN`].
    pub fn start(target: SharedTarget, mut config: Config) -> Server {
        config.token = nhikit_server::Token::new(TOKEN, "test").unwrap();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                nhikit_server::serve(listener, target, &config, async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            });
        });
        Server {
            addr: addr_rx.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// An HTTP client that returns 4xx/5xx responses instead of failing on them.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// A response: status, content type, body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// The reply to a request (its body read up to 64 MiB).
pub fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.unwrap();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .unwrap();
    Reply {
        status,
        content_type,
        body,
    }
}

/// POSTs `body` as `content_type`.
pub fn post_raw(agent: &ureq::Agent, url: &str, content_type: &str, body: &[u8]) -> Reply {
    reply(
        agent
            .post(url)
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", content_type)
            .send(body),
    )
}

/// POSTs a JSON value.
pub fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Reply {
    post_raw(
        agent,
        url,
        "application/json",
        serde_json::to_string(body).unwrap().as_bytes(),
    )
}

pub fn get(agent: &ureq::Agent, url: &str) -> Reply {
    reply(
        agent
            .get(url)
            .header("authorization", format!("Bearer {TOKEN}"))
            .call(),
    )
}

pub fn shared(r: Reference) -> SharedTarget {
    Arc::new(r)
}
