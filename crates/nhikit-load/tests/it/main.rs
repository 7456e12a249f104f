//! The engine against an in-test HTTP server: coordinated omission, segments and merges.
#![allow(clippy::unwrap_used, missing_docs)]

use axum::Router;
use axum::routing::{get, post};
use nhikit_load::plan::Segment;
use nhikit_load::{Results, RunOptions, Scenario, Stop};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A server whose every request is held while a stall window is open: from `stall_at` to
/// `stall_at + stall` after its first request (a lock or GC pause in the target).
fn server(stall_at: Duration, stall: Duration) -> SocketAddr {
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let handler = move || {
        let first = first.clone();
        async move {
            let t0 = *first.lock().unwrap().get_or_insert_with(Instant::now);
            let now = Instant::now();
            let (from, to) = (t0 + stall_at, t0 + stall_at + stall);
            if now >= from && now < to {
                tokio::time::sleep_until(to.into()).await;
            }
            "ok"
        }
    };
    let app = Router::new()
        .route("/health", get(handler.clone()))
        .route("/v1/high_cost_limit", post(handler));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn fast_server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| server(Duration::from_secs(100_000), Duration::ZERO))
}

fn run(s: &Scenario, addr: SocketAddr, segment: Segment) -> Results {
    let options = RunOptions {
        segment,
        ..RunOptions::default()
    };
    nhikit_load::run(s, &format!("http://{addr}"), &options, Stop::default()).unwrap()
}

fn open(rate: u32, secs: f64, in_flight: u32, mix: &str) -> Scenario {
    Scenario::parse(&format!(
        r#"
name = "t"
[workload]
model = "open"
stages = [{{ duration = "{secs}s", rate = {rate} }}]
max_in_flight = {in_flight}
[mix]
{mix}
[thresholds.all]
p99 = "100ms"
"#
    ))
    .unwrap()
}

/// Issue 5: a stalled target shows in the open model's p99 (latency from the intended send
/// time), while a closed run of the same hides it (its users simply wait).
#[test]
fn the_open_model_sees_a_stall_the_closed_model_hides() {
    let stall = Duration::from_millis(700);
    let open_run = run(
        &open(200, 2.0, 4, "health = 1"),
        server(Duration::from_millis(500), stall),
        Segment::ALL,
    );
    assert_eq!(open_run.requests, 400, "every arrival is sent");
    let closed = Scenario::parse(
        r#"
name = "t"
[workload]
model = "closed"
vus = 4
duration = "2s"
[mix]
health = 1
[thresholds.all]
p99 = "100ms"
"#,
    )
    .unwrap();
    let closed_run = run(
        &closed,
        server(Duration::from_millis(500), stall),
        Segment::ALL,
    );
    let (o, c) = (&open_run.all.summary, &closed_run.all.summary);
    eprintln!(
        "open: {} requests p50 {} p99 {} max {} ms; closed: {} requests p50 {} p99 {} max {} ms",
        open_run.requests,
        o.p50_ms,
        o.p99_ms,
        o.max_ms,
        closed_run.requests,
        c.p50_ms,
        c.p99_ms,
        c.max_ms
    );
    // During the 0.7 s stall ~140 of 400 arrivals (35 %) queue; the p99 waits close to the
    // whole stall.
    assert!(o.p99_ms > 300.0, "open p99 {} ms", o.p99_ms);
    assert!(o.p50_ms < o.p99_ms);
    // The closed users each sent one request into the stall and waited: 4 slow samples among
    // thousands.
    assert!(closed_run.requests > 1000, "{}", closed_run.requests);
    assert!(
        c.max_ms > 300.0,
        "the stall itself was seen: {} ms",
        c.max_ms
    );
    assert!(c.p99_ms < 100.0, "closed p99 {} ms hides it", c.p99_ms);
    // The gate names the breach on the open run only.
    assert!(!open_run.passed());
    assert!(closed_run.passed());
    assert!(nhikit_load::gate::breaches(&open_run)[0].contains("all p99 <= 100ms"));
}

/// Issue 5: two `--segment` halves merged give the same requests, per operation, as one full
/// run, and a latency distribution alike within noise.
#[test]
fn two_halves_merged_equal_a_full_run() {
    let addr = fast_server();
    let s = open(300, 1.0, 8, "health = 3\nhigh_cost_limit = 1");
    let full = run(&s, addr, Segment::ALL);
    let a = run(&s, addr, "1/2".parse().unwrap());
    let b = run(&s, addr, "2/2".parse().unwrap());
    assert_eq!(a.requests, 150);
    assert_eq!(b.requests, 150);
    let merged = Results::merge(&[a, b]).unwrap();
    assert_eq!(merged.segments, vec!["1/2", "2/2"]);
    assert_eq!(merged.requests, full.requests);
    for (name, op) in &full.ops {
        assert_eq!(merged.ops[name].requests, op.requests, "{name}");
    }
    assert_eq!(merged.all.histogram.0.len(), full.all.histogram.0.len());
    // Loopback latencies: both well under 50 ms at the median.
    assert!(merged.all.summary.p50_ms < 50.0 && full.all.summary.p50_ms < 50.0);
}

/// Merging is exact: the merged histogram holds exactly the sum of the inputs' counts at every
/// value, also after a round trip through the JSON results file.
#[test]
fn merge_is_exact_for_identical_inputs() {
    let r = run(
        &open(200, 0.5, 2, "health = 1"),
        fast_server(),
        Segment::ALL,
    );
    let text = serde_json::to_string(&r).unwrap();
    let back: Results = serde_json::from_str(&text).unwrap();
    assert_eq!(back, r, "the results file keeps everything");
    let merged = Results::merge(&[back.clone(), back]).unwrap();
    assert_eq!(merged.requests, 2 * r.requests);
    let h = &r.all.histogram.0;
    let m = &merged.all.histogram.0;
    assert_eq!(m.len(), 2 * h.len());
    for v in h.iter_recorded() {
        let value = v.value_iterated_to();
        assert_eq!(m.count_at(value), 2 * h.count_at(value), "at {value} µs");
    }
    for (x, y) in merged.timeline.iter().zip(&r.timeline) {
        assert_eq!(x.requests, 2 * y.requests);
    }
    assert_eq!(merged.all.summary.p99_ms, r.all.summary.p99_ms);
}

/// Issue 22: a target that is down is found by the probe before the run — one error naming
/// it, not a run of connection errors (a target dying mid-run is counted as errors:
/// `crates/nhikit/tests/it/hostile.rs`).
#[test]
fn a_target_that_is_down_is_refused_before_the_run() {
    // Bind and drop: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let started = Instant::now();
    let e = nhikit_load::run(
        &open(50, 0.2, 2, "health = 1"),
        &format!("http://{addr}"),
        &RunOptions::default(),
        Stop::default(),
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(&addr.to_string()) && text.contains("does not answer"),
        "{text}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn workspace() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The examples of docs/load-format.md parse: the scenario as a scenario, the results as
/// results (with the placeholder histograms replaced by real ones).
#[test]
fn docs_examples_parse() {
    let doc = std::fs::read_to_string(workspace().join("docs/load-format.md")).unwrap();
    let mut lines = doc.lines();
    let mut seen = 0;
    while let Some(line) = lines.next() {
        let Some(marker) = line
            .strip_prefix("<!-- load-example ")
            .and_then(|m| m.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().unwrap();
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let body = body.join("\n");
        match fence {
            "```toml" => {
                Scenario::parse(&body).unwrap_or_else(|e| panic!("{marker}: {e}"));
            }
            "```json" => {
                let empty = serde_json::to_string(&nhikit_load::results::Hist::default()).unwrap();
                let body = body.replace("\"HISTFAAAA…\"", &empty);
                serde_json::from_str::<Results>(&body).unwrap_or_else(|e| panic!("{marker}: {e}"));
            }
            other => panic!("{marker}: unexpected fence {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 2);
}

#[test]
fn shipped_scenarios_parse() {
    let dir = workspace().join("scenarios/performance");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 4, "{n} scenarios");
}

/// A stop (what Ctrl-C does) ends the run early with its results kept: every arrival is
/// either measured or counted as unsent.
#[test]
fn a_stopped_run_keeps_its_results() {
    let s = open(100, 10.0, 2, "health = 1");
    let stop = Stop::default();
    let stopper = stop.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        stopper.stop();
    });
    let started = Instant::now();
    let r = nhikit_load::run(
        &s,
        &format!("http://{}", fast_server()),
        &RunOptions::default(),
        stop,
    )
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(r.interrupted);
    assert!(r.requests >= 20 && r.requests < 1000, "{}", r.requests);
    assert_eq!(r.requests + r.unsent, 1000);
    assert!(r.duration_s < 5.0);
}
