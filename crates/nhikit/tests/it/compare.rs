//! `nhikit compare` end to end (issue 24): exit codes, reports, the shrunk scenario run by
//! `nhikit conform`, known differences, and a new system over HTTP.

use crate::{Served, nhikit, text};

fn run(args: &[&str]) -> std::process::Output {
    nhikit(&[&["compare"], args].concat())
}

#[test]
fn identical_targets_exit_0_with_no_findings() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r");
    let o = run(&[
        "--current",
        "builtin",
        "--new",
        "builtin",
        "--households",
        "20",
        "--seed",
        "3",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 finding(s), 0 new"), "{}", text(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("compare.json")).unwrap())
            .unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["comparison"]["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_fault_gives_a_finding_whose_scenario_fails_only_with_that_fault() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r");
    let o = run(&[
        "--current",
        "builtin",
        "--new",
        "builtin",
        "--new-fault",
        "round-household-total",
        "--households",
        "150",
        "--seed",
        "7",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("F001 new_wrong assess total"),
        "{}",
        text(&o)
    );
    // The report: one JUnit testcase per finding (parsed in nhikit-compare's tests), a
    // Japanese page.
    let xml = std::fs::read_to_string(report.join("compare.junit.xml")).unwrap();
    assert_eq!(
        (
            xml.matches("<testcase ").count(),
            xml.matches("<failure ").count()
        ),
        (1, 1),
        "{xml}"
    );
    let html = std::fs::read_to_string(report.join("compare.html")).unwrap();
    for needle in [
        "Noto Sans CJK JP",
        "round-household-total",
        "Derivation",
        "<code id=\"current\">builtin</code>",
    ] {
        assert!(html.contains(needle), "{needle} not in the HTML report");
    }
    // The smallest case is a scenario the conformance runner passes on the reference and
    // fails with the fault.
    let scenario = report.join("scenarios/compare-f001-assess.toml");
    let s = scenario.to_str().unwrap();
    let pass = nhikit(&["conform", "--scenarios", s, "--target", "builtin"]);
    assert!(pass.status.success(), "{}", text(&pass));
    let fail = nhikit(&[
        "conform",
        "--scenarios",
        s,
        "--target",
        "builtin",
        "--fault",
        "round-household-total",
    ]);
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail));
    assert!(text(&fail).contains("total: expected"), "{}", text(&fail));
}

#[test]
fn known_differences_turn_the_exit_code_and_name_stale_and_bad_entries() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known.toml");
    std::fs::write(
        &known,
        "[[known]]\noperation = \"assess\"\nitem = \"total\"\nclass = \"new_wrong\"\n\
         reason = \"accepted\"\nowner = \"国保年金課\"\n\n[[known]]\noperation = \"lookup_person\"\n\
         item = \"person.name_kana\"\nclass = \"current_wrong\"\nreason = \"old\"\nowner = \"x\"\n",
    )
    .unwrap();
    let args = [
        "--current",
        "builtin",
        "--new",
        "builtin",
        "--new-fault",
        "round-household-total",
        "--households",
        "60",
        "--seed",
        "7",
        "--no-export",
        "--known",
        known.to_str().unwrap(),
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("known: accepted"), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("stale known difference ({}:8)", known.display())),
        "{}",
        text(&o)
    );
    std::fs::write(&known, "[[known]]\noperation = \"assess\"\nitem = \"total\"\nclass = \"wrong\"\nreason = \"r\"\nowner = \"o\"\n").unwrap();
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains(&format!(
            "{}:4:9: class: unknown class `wrong`",
            known.display()
        )),
        "{}",
        text(&o)
    );
}

#[test]
fn a_new_system_over_http_is_compared_like_a_builtin_one() {
    let server = Served::start();
    let o = run(&[
        "--current",
        "builtin",
        "--new",
        &server.url,
        "--households",
        "20",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("0 finding(s)"), "{}", text(&o));
}

#[test]
fn usage_errors_exit_2() {
    let o = run(&[
        "--current",
        "builtin",
        "--new",
        "builtin",
        "--households",
        "5",
        "--as-of",
        "2026-02-30",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run(&["--current", "builtin", "--new", "builtin"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn a_dataset_without_json_lines_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("parquet-only");
    let o = nhikit(&[
        "gen",
        "--households",
        "3",
        "--seed",
        "1",
        "--out",
        data.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "--current",
        "builtin",
        "--new",
        "builtin",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "{}: the dataset has no JSON Lines household files",
            data.display()
        )),
        "{}",
        text(&o)
    );
}
