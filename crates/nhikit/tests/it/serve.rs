//! `nhikit serve` end to end: `--list-faults`, unknown faults, a `--stdio` session with good and
//! bad lines, and an HTTP server on an ephemeral port stopped by SIGTERM.

use crate::{gen_ok, nhikit, text, workspace};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn list_faults_prints_the_fifteen_names_and_what_each_breaks() {
    let o = nhikit(&["serve", "--list-faults"]);
    assert!(o.status.success(), "{}", text(&o));
    // Each line: the name, two spaces or more, the defect.
    let listed: Vec<(String, String)> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (name, defect) = l.split_once("  ").unwrap();
            (name.to_owned(), defect.trim().to_owned())
        })
        .collect();
    // The fault table of docs/target-interface.md: name and defect columns.
    let doc = std::fs::read_to_string(workspace().join("docs/target-interface.md")).unwrap();
    let documented: Vec<(String, String)> = doc
        .lines()
        .skip_while(|l| !l.starts_with("## Seeded faults"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| {
            let mut cells = l.strip_prefix("| `")?.split(" | ");
            let name = cells.next()?.trim_end_matches('`');
            Some((name.to_owned(), cells.next()?.trim().to_owned()))
        })
        .collect();
    assert_eq!(listed.len(), 15);
    assert_eq!(listed, documented);
}

#[test]
fn an_unknown_fault_is_a_usage_error_naming_the_known_ones() {
    let o = nhikit(&["serve", "--fault", "no-such-fault", "--stdio"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("no-such-fault"), "{t}");
    assert!(t.contains("kourei-from-birthday-month"), "{t}");
    assert!(o.stdout.is_empty());
}

#[test]
fn stdio_session_answers_every_line_in_order() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(["serve", "--stdio", "--fault", "round-household-total"])
        .current_dir(workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        r#"{"id":1,"op":"high_cost_limit","request":{"service_month":"2026-05","under70_category":"ウ","claims":[{"person":"A","age_group":"under70","setting":"入院","medical_cost":1000000,"copay":300000}]}}"#,
        "\n",
        "this is not json\n",
        r#"{"id":2,"op":"lookup_person","request":{"lgcode":"131016","address_number":"0000000001","as_of":"2026-04-01"}}"#,
        "\n",
        r#"{"id":3,"op":"no_such_op","request":{}}"#,
        "\n",
        r#"{"id":4,"op":"assess","request":{"lgcode":"131016"}}"#,
        "\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    // stdin closed: EOF ends the session.
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let replies: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<u64> = replies.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [1, 0, 2, 3, 4]);
    // 区分ウ, 1,000,000 yen: 80,100 + (1,000,000 − 267,000) × 1% = 87,430 (docs/oracle.md).
    assert_eq!(replies[0]["response"]["household_limit"], 87_430);
    assert!(replies[0].get("error").is_none());
    let codes: Vec<&str> = replies[1..]
        .iter()
        .map(|r| r["error"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "invalid_request",
            "not_found",
            "invalid_request",
            "invalid_request"
        ]
    );
    // Logs go to stderr.
    assert!(String::from_utf8_lossy(&o.stderr).contains("round-household-total"));
}

/// Sends one HTTP/1.1 request and returns (status, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        crate::TEST_TOKEN,
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    s.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn http_server_prints_its_address_serves_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    let db = tmp.path().join("served.sqlite");
    gen_ok(
        &ds,
        &["--households", "20", "--seed", "5", "--format", "csv"],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(["serve", "--addr", "127.0.0.1:0", "--import"])
        .arg(&ds)
        .arg("--db")
        .arg(&db)
        .current_dir(workspace())
        .env("NHIKIT_TOKEN", crate::TEST_TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_owned();
    assert!(!addr.ends_with(":0"), "{addr}");

    assert_eq!(http(&addr, "GET", "/health", ""), (200, "ok".to_owned()));
    let (status, body) = http(
        &addr,
        "POST",
        "/v1/high_cost_limit",
        r#"{"service_month":"2026-05","under70_category":"ウ","claims":[{"person":"A","age_group":"under70","setting":"入院","medical_cost":1000000,"copay":300000}]}"#,
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["household_limit"], 87_430);
    // The imported households are there.
    let person = std::fs::read_dir(ds.join("csv/person_csv"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let csv = std::fs::read_to_string(person.join("part-00000.csv")).unwrap();
    // person_csv starts with 地方公共団体コード, 宛名番号.
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| match name {
        "lgcode" => row[0],
        _ => row[1],
    };
    let (status, body) = http(
        &addr,
        "POST",
        "/v1/lookup_person",
        &format!(
            r#"{{"lgcode":"{}","address_number":"{}","as_of":"2026-04-01"}}"#,
            col("lgcode"),
            col("address_number")
        ),
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(&addr, "GET", "/nowhere", "");
    assert_eq!(status, 404);
    assert!(body.contains("\"code\":\"not_found\""), "{body}");

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{status:?}: {err}");
    // Nothing but the address line on stdout.
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "");
    // The database is consistent and holds the import.
    let o = nhikit(&[
        "reference",
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--lgcode",
        col("lgcode"),
        "--address-number",
        col("address_number"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}
