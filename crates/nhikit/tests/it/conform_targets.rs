//! `nhikit conform` through every adapter against the reference (the whole catalog must pass
//! through the process and files adapters as it does in process; HTTP is covered by the demo
//! and init tests), and against hostile targets: one that never answers, one that exits at
//! once, one that prints non-JSON — each is refused by the probe before the run, with exit 1.

use crate::{text, workspace};
use std::path::Path;
use std::process::{Command, Output};

fn conform(dir: &Path, args: &[&str]) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_nhikit"));
    // The files profile runs `{nhikit}`, this very binary: no nhikit on PATH is needed.
    Command::new(bin)
        .arg("conform")
        .args(args)
        .current_dir(workspace())
        .env("PATH", "/usr/bin:/bin")
        .env("NHIKIT_AUDIT_LOG", dir.join("audit.jsonl"))
        .output()
        .unwrap()
}

fn totals(report_dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(report_dir.join("report.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["totals"].clone()
}

#[test]
fn the_catalog_passes_through_the_process_adapter() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    let target = format!("process:{} serve --stdio", env!("CARGO_BIN_EXE_nhikit"));
    let o = conform(
        tmp.path(),
        &["--target", &target, "--report", report.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = totals(&report);
    assert!(t["scenarios"].as_u64().unwrap() >= 60, "{t}");
    assert_eq!(t["pass"], t["scenarios"], "{t}");
}

#[test]
fn the_catalog_passes_through_the_files_adapter() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    // A private copy of the example profile, so its work directory is this test's own.
    let profile = tmp.path().join("reference.toml");
    std::fs::copy(
        workspace().join("examples/files-reference/reference.toml"),
        &profile,
    )
    .unwrap();
    let o = conform(
        tmp.path(),
        &[
            "--target",
            profile.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let t = totals(&report);
    assert!(t["scenarios"].as_u64().unwrap() >= 60, "{t}");
    assert_eq!(t["pass"], t["scenarios"], "{t}");
}

/// Two scenarios against a hostile child: the probe before the run finds it out (issue 22:
/// one clear message, not an error per scenario), the exit is 1, no scenario runs, and it all
/// ends within the timeout.
fn hostile(command: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("r");
    let started = std::time::Instant::now();
    let target = format!("process:{command}");
    let o = conform(
        tmp.path(),
        &[
            "--target",
            &target,
            "--timeout",
            "1",
            "--filter",
            "id-check-digit",
            "--filter",
            "premium-cap",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    crate::assert_refused_before_any_scenario(&o, &report, command);
    assert!(
        started.elapsed().as_secs() < 60,
        "{command}: the run must not hang ({:?})",
        started.elapsed()
    );
}

#[test]
fn a_target_that_never_answers_is_refused_before_the_run() {
    hostile("sleep 1000");
}

#[test]
fn a_target_that_exits_is_refused_before_the_run() {
    hostile("true");
}

#[test]
fn a_target_that_prints_garbage_is_refused_before_the_run() {
    hostile("yes not-json");
}
