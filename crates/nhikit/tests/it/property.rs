//! `nhikit conform --property`: random cases pass against a correct reference (builtin and over
//! HTTP), a seeded fault is found, shrunk and written as a scenario file that reproduces it,
//! and the same seed writes the same file.

use crate::{Served, nhikit, read_json, text};
use std::path::Path;
use std::process::Output;

/// `[[data.person]]` records of a scenario file.
fn persons(scenario: &str) -> usize {
    let v: toml::Table = toml::from_str(scenario).unwrap();
    v["data"]["person"].as_array().map_or(0, Vec::len)
}

/// The `from M to N person(s)` numbers of the console line.
fn shrunk_persons(console: &str) -> (usize, usize) {
    let line = console
        .lines()
        .find(|l| l.contains("run while shrinking"))
        .unwrap_or_else(|| panic!("no shrink line in {console}"));
    let tail = line.split(" from ").nth(1).unwrap();
    let mut n = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().unwrap());
    (n.next().unwrap(), n.next().unwrap())
}

/// `nhikit conform --property --cases CASES --seed SEED ARGS…`.
fn property_run(cases: u32, seed: u64, args: &[&str]) -> Output {
    let (cases, seed) = (cases.to_string(), seed.to_string());
    let mut all = vec!["conform", "--property", "--cases", &cases, "--seed", &seed];
    all.extend_from_slice(args);
    nhikit(&all)
}

#[test]
fn a_correct_builtin_reference_passes_every_case() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report");
    let o = property_run(32, 1, &["--report", report.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("32 case(s) of seed 1 passed"),
        "{}",
        text(&o)
    );
    // The report shows each case like a scenario.
    let json = read_json(&report.join("report.json"));
    assert_eq!(json["totals"]["scenarios"], 32, "{json}");
    assert_eq!(json["totals"]["pass"], 32, "{json}");
    let ids: Vec<&str> = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], "property-1-1");
    assert_eq!(ids[31], "property-1-32");
    let junit = std::fs::read_to_string(report.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 32, "{junit}");
    // No failure, no file.
    assert!(!report.join("property-1-1.toml").exists());
}

#[test]
fn a_fault_is_found_shrunk_and_the_written_case_reproduces_it() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("report");
    let o = property_run(
        64,
        1,
        &[
            "--fault",
            "cap-on-total",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let console = text(&o);
    assert_eq!(o.status.code(), Some(1), "{console}");
    // Written beside the reports by default, named after the seed and the case.
    let files: Vec<_> = std::fs::read_dir(&report)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("property-1-") && n.ends_with(".toml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = report.join(&files[0]);
    assert!(
        console.contains(&format!("written to {}", file.display())),
        "{console}"
    );
    let scenario = std::fs::read_to_string(&file).unwrap();
    assert!(scenario.contains("tags = [\"property\"]"), "{scenario}");
    assert!(scenario.contains("--fault cap-on-total"), "{scenario}");
    // Shrunk: fewer (or as many) persons than the first failing case, and the file holds
    // exactly as many as the console says. A cap applied to the total instead of each part
    // needs one person with an income between two parts' caps: more is not minimal.
    let (from, to) = shrunk_persons(&console);
    assert!(to <= from, "{console}");
    assert_eq!(persons(&scenario), to, "{scenario}");
    assert_eq!(to, 1, "{scenario}");
    // The report shows the shrunk case as a failure pointing at the file.
    let json = read_json(&report.join("report.json"));
    let last = json["scenarios"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["outcome"], "fail", "{last}");
    assert_eq!(last["file"], file.display().to_string(), "{last}");
    assert!(
        last["failure"]["message"]
            .as_str()
            .unwrap()
            .contains("shrunk in"),
        "{last}"
    );
    // A ready scenario: it loads, fails with the fault and passes without it.
    let f = file.to_str().unwrap();
    let o = nhikit(&["conform", "--scenarios", f, "--list"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = nhikit(&["conform", "--scenarios", f, "--fault", "cap-on-total"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("capped"), "{}", text(&o));
    let o = nhikit(&["conform", "--scenarios", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn the_same_seed_writes_the_same_file() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |out: &Path| {
        let o = property_run(
            64,
            1,
            &[
                "--fault",
                "round-household-total",
                "--write-failure",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        std::fs::read(out).unwrap()
    };
    let a = run(&tmp.path().join("a/case.toml"));
    let b = run(&tmp.path().join("b/case.toml"));
    assert!(!a.is_empty());
    assert_eq!(
        a,
        b,
        "{}\n----\n{}",
        String::from_utf8_lossy(&a),
        String::from_utf8_lossy(&b)
    );
    // The catalog the file names its requirements in is copied beside it.
    assert!(tmp.path().join("a/requirements.toml").is_file());
}

#[test]
fn cases_run_over_http_after_a_reset_each() {
    let served = Served::start();
    let o = property_run(6, 2, &["--target", &served.url]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("6 case(s) of seed 2 passed"),
        "{}",
        text(&o)
    );
}

#[test]
fn property_options_are_usage_errors_without_property() {
    let o = nhikit(&["conform", "--cases", "3"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = nhikit(&["conform", "--property", "--list"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
