//! Hostile HTTP targets (issue 8): a server that hangs, drips its answer a byte at a time,
//! sends an endless body, invalid UTF-8, the wrong content type, HTTP 500s, closes the
//! connection, or dies mid-run. Both runners (`conform` through the HTTP adapter, `load`
//! through its own client) must finish within their timeouts and exit 1: a target that gives no
//! answer at all is refused by the probe before the run (issue 22); one that answers badly, or
//! dies mid-run, gives error results and reports. The process adapter's hostile children are in
//! `conform_targets.rs`.

use crate::{nhikit, read_json, text};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// How the hostile server answers every request.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Reads the request, never answers, keeps the connection open.
    Hang,
    /// A valid answer, one byte every 200 ms.
    Drip,
    /// 200 with a chunked body that never ends.
    Endless,
    /// 200, `application/json`, a body that is not UTF-8.
    InvalidUtf8,
    /// 200, `text/html`, an HTML page.
    WrongType,
    /// 500 with a plain-text body.
    ServerError,
    /// Reads the request and closes the connection.
    Close,
}

/// Starts the server on an ephemeral loopback port; its threads end with the test process.
fn hostile_server(mode: Mode) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = serve(mode, stream);
            });
        }
    });
    url
}

/// Reads one request (headers and a Content-Length body).
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<bool> {
    let mut length = 0usize;
    let mut first = true;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(false);
        }
        if line == "\r\n" && !first {
            break;
        }
        first = false;
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(true)
}

fn serve(mode: Mode, stream: TcpStream) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    while read_request(&mut reader)? {
        match mode {
            Mode::Hang => {
                std::thread::sleep(Duration::from_secs(600));
                return Ok(());
            }
            Mode::Drip => {
                let answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
                for b in answer {
                    out.write_all(&[*b])?;
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
            Mode::Endless => {
                out.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                )?;
                let chunk = vec![b' '; 1 << 16];
                loop {
                    // Ends when the client gives up and closes.
                    out.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
                    out.write_all(&chunk)?;
                    out.write_all(b"\r\n")?;
                }
            }
            Mode::InvalidUtf8 => out.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n\xff\xfe{}",
            )?,
            Mode::WrongType => out.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 19\r\n\r\n<html>hello</html>\n",
            )?,
            Mode::ServerError => out.write_all(
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\noops\n",
            )?,
            Mode::Close => return Ok(()),
        }
    }
    Ok(())
}

fn totals(report_dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(report_dir.join("report.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["totals"].clone()
}

/// A target that does not answer at all (hangs, drips past the timeout, closes, sends an
/// unreadable or endless body) is refused by the probe before the run (issue 22): one message,
/// exit 1, no scenario run, well within the timeouts.
fn conform_refuses(mode: Mode) {
    let url = hostile_server(mode);
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    let started = Instant::now();
    let o = nhikit(&[
        "conform",
        "--target",
        &url,
        "--timeout",
        "1",
        "--report",
        report.to_str().unwrap(),
    ]);
    crate::assert_refused_before_any_scenario(&o, &report, &format!("{mode:?}"));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{mode:?}: took {:?}",
        started.elapsed()
    );
}

/// Two scenarios through the HTTP adapter with a 1-second timeout against a target that
/// answers, badly: error results, reports written, exit 1, no hang.
fn conform_against(mode: Mode) {
    let url = hostile_server(mode);
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    let started = Instant::now();
    let o = nhikit(&[
        "conform",
        "--target",
        &url,
        "--timeout",
        "1",
        "--filter",
        "id-check-digit",
        "--filter",
        "premium-cap",
        "--report",
        report.to_str().unwrap(),
    ]);
    let elapsed = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{mode:?}: {}", text(&o));
    let t = totals(&report);
    assert_eq!(t["scenarios"], 2, "{mode:?}: {t}");
    assert_eq!(t["error"], 2, "{mode:?}: {t}");
    assert!(report.join("junit.xml").is_file() && report.join("report.html").is_file());
    assert!(
        elapsed < Duration::from_secs(60),
        "{mode:?}: took {elapsed:?}"
    );
}

/// A 2-second closed run of `GET /health` with a 1-second request timeout: it ends, writes
/// results that count the errors by kind, and exits 1 on the error-rate threshold.
fn load_against(url: &str, mode: &str, kill: impl FnOnce()) -> serde_json::Value {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("s.toml");
    std::fs::write(
        &scenario,
        "name = \"hostile\"\n[workload]\nmodel = \"closed\"\nvus = 2\nduration = \"2s\"\n\
         timeout = \"1s\"\n[mix]\nhealth = 1\n[thresholds.all]\nerror_rate = 0.0\n",
    )
    .unwrap();
    let out = tmp.path().join("results.json");
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args([
            "load",
            "--scenario",
            scenario.to_str().unwrap(),
            "--target",
            url,
        ])
        .args(["--quiet", "--out", out.to_str().unwrap()])
        .current_dir(crate::workspace())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    kill();
    let o = child.wait_with_output().unwrap();
    let elapsed = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{mode}: {}", text(&o));
    assert!(
        text(&o).contains("error_rate"),
        "{mode}: the breached threshold is named: {}",
        text(&o)
    );
    assert!(
        elapsed < Duration::from_secs(30),
        "{mode}: took {elapsed:?}"
    );
    let r = read_json(&out);
    assert!(r["errors"].as_u64().unwrap() > 0, "{mode}: {r}");
    r
}

fn error_kinds(r: &serde_json::Value) -> Vec<String> {
    r["all"]["errors_by_kind"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// One test per hostile mode (names kept from when each was written out).
macro_rules! conform_survives {
    ($($name:ident => $run:ident($mode:expr);)*) => {
        $(
            #[test]
            fn $name() {
                $run($mode);
            }
        )*
    };
}

conform_survives! {
    conform_survives_a_target_that_hangs => conform_refuses(Mode::Hang);
    conform_survives_a_target_that_drips => conform_refuses(Mode::Drip);
    conform_survives_an_endless_body => conform_refuses(Mode::Endless);
    conform_survives_invalid_utf8 => conform_refuses(Mode::InvalidUtf8);
    conform_survives_the_wrong_content_type => conform_against(Mode::WrongType);
    conform_survives_server_errors => conform_against(Mode::ServerError);
    conform_survives_closed_connections => conform_refuses(Mode::Close);
}

#[test]
fn load_survives_every_hostile_mode() {
    // Answers, badly: the run goes on and counts the errors by kind.
    for (mode, kind) in [
        (Mode::Endless, "body_too_large"),
        (Mode::ServerError, "http_500"),
    ] {
        let url = hostile_server(mode);
        let r = load_against(&url, &format!("{mode:?}"), || {});
        let kinds = error_kinds(&r);
        assert!(
            kinds.iter().any(|k| k == kind),
            "{mode:?}: kinds {kinds:?}, want {kind}"
        );
    }
    // No answer at all: the probe refuses the target before the run (issue 22).
    for mode in [Mode::Hang, Mode::Drip, Mode::Close] {
        let url = hostile_server(mode);
        let tmp = tempfile::tempdir().unwrap();
        let scenario = tmp.path().join("s.toml");
        std::fs::write(
            &scenario,
            "name = \"hostile\"\n[workload]\nmodel = \"closed\"\nvus = 2\nduration = \"2s\"\n\
             timeout = \"1s\"\n[mix]\nhealth = 1\n",
        )
        .unwrap();
        let out = tmp.path().join("results.json");
        let started = Instant::now();
        let o = nhikit(&[
            "load",
            "--scenario",
            scenario.to_str().unwrap(),
            "--target",
            &url,
            "--out",
            out.to_str().unwrap(),
        ]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{mode:?}: {t}");
        assert!(t.contains("does not answer"), "{mode:?}: {t}");
        assert!(!out.exists(), "{mode:?}: no run, no results");
        assert!(started.elapsed() < Duration::from_secs(20), "{mode:?}");
    }
}

#[test]
fn a_target_that_dies_mid_run_gives_error_results() {
    // conform: the whole catalog through HTTP, the server killed after a second.
    let mut served = crate::Served::start();
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args([
            "conform",
            "--target",
            &served.url,
            "--timeout",
            "2",
            "--report",
        ])
        .arg(&report)
        .current_dir(crate::workspace())
        .env("NHIKIT_TOKEN", crate::TEST_TOKEN)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    served.kill();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = totals(&report);
    assert!(t["error"].as_u64().unwrap() > 0, "{t}");
    assert!(report.join("report.html").is_file());

    // load: a closed run whose server dies after half a second.
    let mut served = crate::Served::start();
    let url = served.url.clone();
    let r = load_against(&url, "dies", || {
        std::thread::sleep(Duration::from_millis(500));
        served.kill();
    });
    assert!(
        r["requests"].as_u64().unwrap() > r["errors"].as_u64().unwrap(),
        "{r}"
    );
}
