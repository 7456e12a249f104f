//! `nhikit demo` and `nhikit init` end to end: the README's main command at small size, the
//! demo with a seeded fault (its HTML report rendered in headless Chromium, with a screenshot
//! kept beside the report), and an `init` project used as is against `nhikit serve`.

use crate::{text, workspace};
use std::path::Path;
use std::process::Command;

fn nhikit_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(args)
        .current_dir(dir)
        .env("NHIKIT_AUDIT_LOG", dir.join("audit.jsonl"))
        // The token of the server under test, as the project's README and CI jobs set it.
        .env("NHIKIT_TOKEN", crate::TEST_TOKEN)
        .output()
        .unwrap()
}

fn chromium() -> Option<String> {
    let c = std::env::var("NHIKIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&c).exists() {
        return Some(c);
    }
    assert!(
        std::env::var("NHIKIT_REQUIRE_ENGINES").is_err(),
        "NHIKIT_REQUIRE_ENGINES is set but {c} is missing"
    );
    eprintln!("skipped the browser check: {c} is missing (apt-get install -y chromium)");
    None
}

fn chromium_run(chromium: &str, profile: &Path, extra: &[String]) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn demo_runs_clean_and_writes_every_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = nhikit_in(
        tmp.path(),
        &[
            "demo",
            "--out",
            out.to_str().unwrap(),
            "--households",
            "300",
            "--load-duration",
            "2s",
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    for f in [
        "conformance/report.html",
        "conformance/junit.xml",
        "conformance/report.json",
        "load/report.html",
        "load/junit.xml",
        "load/results.json",
        "data/manifest.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing:\n{t}");
    }
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("conformance/report.json")).unwrap(),
    )
    .unwrap();
    let totals = &report["totals"];
    assert!(totals["scenarios"].as_u64().unwrap() >= 60, "{totals}");
    assert_eq!(totals["pass"], totals["scenarios"], "{totals}");
    assert!(t.contains("nhikit init"), "the demo says what to try next");
    // A rerun replaces the earlier demo; a directory it did not write is refused.
    let again = nhikit_in(
        tmp.path(),
        &[
            "demo",
            "--out",
            out.to_str().unwrap(),
            "--households",
            "300",
            "--no-load",
        ],
    );
    assert!(again.status.success(), "{}", text(&again));
    let foreign = tmp.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let refused = nhikit_in(tmp.path(), &["demo", "--out", foreign.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("not written by `nhikit demo`"));
    assert!(foreign.join("notes.txt").exists());
}

#[test]
fn demo_with_a_fault_fails_and_its_report_shows_the_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let o = nhikit_in(
        tmp.path(),
        &[
            "demo",
            "--out",
            out.to_str().unwrap(),
            "--households",
            "300",
            "--no-load",
            "--fault",
            "round-household-total",
        ],
    );
    let t = text(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the suite catches the fault:\n{t}"
    );
    let page = out.join("conformance/report.html");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("conformance/report.json")).unwrap(),
    )
    .unwrap();
    let failed = report["totals"]["fail"].as_u64().unwrap();
    assert!(failed >= 1, "{}", report["totals"]);
    let Some(chromium) = chromium() else { return };
    let profile = tmp.path().join("profile");
    let dom = chromium_run(
        &chromium,
        &profile,
        &["--dump-dom".into(), format!("file://{}", page.display())],
    );
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let at = dom
        .find("id=\"total-fail\"")
        .expect("the totals are on the page");
    let cell = &dom[at..];
    let value = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
    assert_eq!(value, failed.to_string());
    assert!(
        dom.contains("expected") && dom.contains("actual"),
        "a diff is shown"
    );
    // The failures come before the requirement matrix (issue 22: read in ten seconds).
    let failures = dom.find("id=\"failures\"").expect("a failures section");
    let matrix = dom.find("id=\"matrix\"").expect("the matrix");
    assert!(failures < matrix, "the failures come first");
    // The screenshots stay beside the report (CI keeps the report directory as an artifact):
    // a laptop's width and a phone's.
    for (name, size) in [
        ("report.png", "1280,2000"),
        ("report-narrow.png", "390,2000"),
    ] {
        let shot = out.join("conformance").join(name);
        let s = chromium_run(
            &chromium,
            &profile,
            &[
                format!("--screenshot={}", shot.display()),
                format!("--window-size={size}"),
                format!("file://{}", page.display()),
            ],
        );
        assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
        let png = std::fs::read(&shot).unwrap();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "{name}: {} bytes",
            png.len()
        );
        if let Ok(keep) = std::env::var("NHIKIT_ARTIFACTS") {
            let dest = Path::new(&keep).join("demo-fault-report");
            std::fs::create_dir_all(&dest).unwrap();
            std::fs::copy(&page, dest.join("report.html")).unwrap();
            std::fs::copy(&shot, dest.join(name)).unwrap();
        }
    }
}

#[test]
fn an_init_project_passes_against_nhikit_serve_as_written() {
    let server = crate::Served::start();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("my-system");
    let o = nhikit_in(
        tmp.path(),
        &[
            "init",
            project.to_str().unwrap(),
            "--kind",
            "http",
            "--url",
            &server.url,
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    for f in [
        "target.toml",
        "expected-failures.txt",
        "performance/counter-peak.toml",
        ".github/workflows/nhikit.yml",
        ".gitlab-ci.yml",
    ] {
        assert!(project.join(f).is_file(), "{f}");
    }
    let catalog = workspace().join("scenarios/conformance");
    let o = nhikit_in(
        &project,
        &[
            "conform",
            "--target",
            "target.toml",
            "--expected-failures",
            "expected-failures.txt",
            "--scenarios",
            catalog.to_str().unwrap(),
            "--report",
            "reports/conformance",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(project.join("reports/conformance/junit.xml").is_file());
    // A second init into the same (now non-empty) directory is refused and changes nothing.
    let before = std::fs::read(project.join("target.toml")).unwrap();
    let again = nhikit_in(tmp.path(), &["init", project.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(std::fs::read(project.join("target.toml")).unwrap(), before);
}
