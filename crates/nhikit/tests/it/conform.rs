//! `nhikit conform` end to end: listing, filtering, exit codes, reports on disk, expected
//! failures, the audit entry and load errors.

use crate::{nhikit, read_json, text, workspace};

#[test]
fn list_prints_every_scenario() {
    let o = nhikit(&["conform", "--list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let ids: Vec<&str> = out.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert!(ids.len() >= 15, "{out}");
    assert!(ids.contains(&"premium-cap") && ids.contains(&"export-round-trip"));
    // Filtering by tag.
    let o = nhikit(&[
        "conform",
        "--list",
        "--filter",
        "age-70-copay",
        "--filter",
        "age-75-copay",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().all(|l| l.ends_with("age,copay")), "{out}");
    // By tag: every scenario listed has it.
    let o = nhikit(&["conform", "--list", "--filter", "copay"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.lines().count() >= 2, "{out}");
}

#[test]
fn clean_run_passes_and_a_fault_fails_with_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let audit = tmp.path().join("audit.jsonl");
    let o = nhikit(&[
        "conform",
        "--filter",
        "char-kana",
        "--filter",
        "char-surrogate",
        "--filter",
        "char-ivs",
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("3 scenarios: 3 passed, 0 failed"),
        "{}",
        text(&o)
    );
    let entry = std::fs::read_to_string(&audit).unwrap();
    assert!(
        entry.contains("\"event\":\"conform\"") && entry.contains("\"ok\":true"),
        "{entry}"
    );

    let report = tmp.path().join("report");
    let junit = tmp.path().join("j.xml");
    let o = nhikit(&[
        "conform",
        "--filter",
        "char-kana",
        "--filter",
        "char-surrogate",
        "--filter",
        "char-ivs",
        "--fault",
        "kana-truncate-20",
        "--report",
        report.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--audit-log",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("FAIL") && t.contains("char-kana"), "{t}");
    assert!(t.contains("3 scenarios: 2 passed, 1 failed"), "{t}");
    let json = read_json(&report.join("report.json"));
    assert_eq!(json["faults"][0], "kana-truncate-20");
    assert_eq!(json["totals"]["fail"], 1);
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(
        html.contains("id=\"total-fail\" class=\"fail\">1<"),
        "{html}"
    );
    assert_eq!(
        std::fs::read_to_string(report.join("junit.xml")).unwrap(),
        std::fs::read_to_string(&junit).unwrap()
    );
    assert_eq!(std::fs::read_to_string(&audit).unwrap().lines().count(), 2);

    // Listed as an expected failure: exit 0; a stale entry is an unexpected pass: exit 1.
    let known = tmp.path().join("known.txt");
    std::fs::write(&known, "# known defects\nchar-kana  # truncates\n").unwrap();
    let args = |fault: bool| {
        let mut a = vec![
            "conform",
            "--filter",
            "char-kana",
            "--filter",
            "char-surrogate",
            "--filter",
            "char-ivs",
            "--expected-failures",
            known.to_str().unwrap(),
            "--audit-log",
            audit.to_str().unwrap(),
        ];
        if fault {
            a.extend(["--fault", "kana-truncate-20"]);
        }
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| nhikit(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run(args(true));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("1 expected failures"), "{}", text(&o));
    let o = run(args(false));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("UNEXPECTED_PASS") && text(&o).contains("char-kana"));
}

#[test]
fn bad_input_is_named() {
    let o = nhikit(&[
        "conform",
        "--fault",
        "no-such-fault",
        "--filter",
        "char-kana",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("no-such-fault"), "{}", text(&o));
    let o = nhikit(&["conform", "--filter", "nothing-has-this-tag"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no scenario has that id or tag"));

    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        workspace().join("scenarios/requirements.toml"),
        tmp.path().join("requirements.toml"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("bad.toml"),
        "id = \"bad\"\ntitle = \"t\"\nrequirements = [\"NOT-A-REQUIREMENT\"]\n[[step]]\nop = \"export\"\n",
    )
    .unwrap();
    let o = nhikit(&["conform", "--scenarios", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("bad.toml:3:17: unknown requirement `NOT-A-REQUIREMENT`"),
        "{}",
        text(&o)
    );
    let known = tmp.path().join("known.txt");
    std::fs::write(&known, "premium-cap\nno-such-scenario\n").unwrap();
    let o = nhikit(&["conform", "--expected-failures", known.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("known.txt:2:1: unknown scenario id `no-such-scenario`"),
        "{}",
        text(&o)
    );
}
