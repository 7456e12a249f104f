//! The process adapter against hostile shell children: one that never answers, one that exits
//! mid-run, one that prints garbage or the wrong id. (The Python example testee runs the whole
//! catalog in `crates/nhikit/tests/it/first_hour.rs`, where the `nhikit` it delegates to is built.)

use crate::*;
use nhikit_adapters::{AdapterError, ConnectOptions, SharedTarget, connect};
use std::time::{Duration, Instant};

fn shell(script: &str, timeout_ms: u64) -> SharedTarget {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("p.toml");
    std::fs::write(
        &profile,
        format!(
            "kind = \"process\"\ncommand = [\"sh\", \"-c\", {}]\nstderr = \"capture\"\n",
            toml_string(script)
        ),
    )
    .unwrap();
    crate::connect_with_timeout(&profile, timeout_ms)
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

const HIGH_COST_REPLY: &str = r#"{"id":1,"response":{"table":"t","kourei_limit":null,"household_limit":1,"refund":2,"total_copay":3,"burden":4}}"#;

fn high_cost() -> HighCostRequest {
    req(json!({"service_month": "2026-05", "under70_category": "ウ", "claims": []}))
}

#[test]
fn a_child_that_never_answers_times_out_and_later_calls_fail_fast() {
    let t = shell("sleep 1000", 300);
    let start = Instant::now();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::Io, Some("high_cost_limit"))
    );
    assert!(
        e.message.contains("did not answer request 1 within 0.3 s"),
        "{e}"
    );
    let again = Instant::now();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert!(e.message.contains("it was stopped"), "{e}");
    assert!(again.elapsed() < Duration::from_secs(1));
    drop(t);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_child_that_exits_mid_run() {
    let script = format!("read l; echo '{HIGH_COST_REPLY}'; echo 'bye' >&2; exit 3");
    let t = shell(&script, 5_000);
    assert_eq!(t.high_cost_limit(&high_cost()).unwrap().burden.0, 4);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::Io, Some("high_cost_limit"))
    );
    assert!(e.message.contains("exited (exit status: 3)"), "{e}");
    assert!(e.message.contains("bye"), "stderr is quoted: {e}");
    let start = Instant::now();
    let e2 = t
        .copay_ratio(&req(json!({"lgcode": "1", "address_number": "2",
                                       "service_date": "2026-01-01"})))
        .unwrap_err();
    assert!(e2.message.contains("exited (exit status: 3)"), "{e2}");
    assert_eq!(e2.item.as_deref(), Some("copay_ratio"));
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn a_child_that_prints_garbage_or_the_wrong_id() {
    let t = shell("read l; echo '<html>oops</html>'; sleep 1000", 5_000);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Io);
    assert!(
        e.message.contains("not a reply") && e.message.contains("<html>oops"),
        "{e}"
    );
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert!(e.message.contains("stopped"), "{e}");

    let t = shell(
        r#"read l; echo '{"id":99,"response":{}}'; sleep 1000"#,
        5_000,
    );
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert!(e.message.contains("answered id 99 to request 1"), "{e}");

    // A reply of the wrong shape fails that call only.
    let script = r#"while read l; do
        id=$(echo "$l" | sed 's/^{"id":\([0-9]*\),.*/\1/')
        echo "{\"id\":$id,\"response\":{\"x\":1}}"
    done"#;
    let t = shell(script, 5_000);
    for _ in 0..2 {
        let e = t.high_cost_limit(&high_cost()).unwrap_err();
        assert_eq!(
            (e.code, e.item.as_deref()),
            (ErrorCode::Storage, Some("high_cost_limit"))
        );
        assert!(e.message.contains("expected shape"), "{e}");
    }
    let t = shell(
        r#"read l; echo '{"id":1,"response":{},"error":{"code":"io","message":"x"}}'"#,
        5_000,
    );
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
    assert!(e.message.contains("exactly one"), "{e}");
}

#[test]
fn a_child_that_will_not_start_is_an_adapter_error() {
    let e = connect(
        "process:/nonexistent/nhikit-testee --flag",
        &ConnectOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(e, AdapterError::Spawn { .. }), "{e:?}");
    assert!(
        e.to_string().contains("/nonexistent/nhikit-testee --flag"),
        "{e}"
    );
}

#[test]
fn dropping_the_target_ends_a_child_that_ignores_its_input() {
    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("pid");
    let t = shell(
        &format!("echo $$ > {}; exec sleep 1000", pidfile.display()),
        5_000,
    );
    let start = Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_owned();
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    assert!(proc_dir.exists());
    drop(t);
    assert!(start.elapsed() < Duration::from_secs(10));
    // Killed and reaped: the process is gone.
    assert!(!proc_dir.exists(), "process {pid} still exists");
}
