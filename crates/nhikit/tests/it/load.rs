//! `nhikit load` end to end against `nhikit serve` on loopback (issue 5).

use crate::{nhikit, text, workspace};
use serde_json::Value;
use std::path::Path;

/// A fresh `nhikit serve` on a free port; killed on drop.
fn results(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every shipped scenario runs against `nhikit serve` and reports: a results file with
/// requests, an HTML report and JUnit XML with one test case per threshold.
#[test]
fn every_shipped_scenario_runs_against_nhikit_serve() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<_> = std::fs::read_dir(workspace().join("scenarios/performance"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 4);
    for scenario in names {
        let stem = scenario.file_stem().unwrap().to_string_lossy().into_owned();
        let server = crate::Served::start();
        let out = dir.path().join(format!("{stem}.json"));
        let html = dir.path().join(format!("{stem}.html"));
        let junit = dir.path().join(format!("{stem}.xml"));
        let o = nhikit(&[
            "load",
            "--scenario",
            scenario.to_str().unwrap(),
            "--target",
            &server.url,
            "--duration",
            "2s",
            "--households",
            "150",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ]);
        // Exit 0 (thresholds held) or 1 (a threshold breached on this small, slow debug
        // run) — never a crash or a usage error.
        let code = o.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{stem}: {code:?}\n{}",
            text(&o)
        );
        let r = results(&out);
        assert_eq!(r["scenario"], stem.as_str(), "{stem}");
        let requests = r["requests"].as_u64().unwrap();
        assert!(requests > 0, "{stem}: no requests\n{}", text(&o));
        // The shipped mixes are valid against the reference: no request is refused.
        assert_eq!(r["errors"], 0, "{stem}: {}", r["all"]["errors_by_kind"]);
        let checks = r["checks"].as_array().unwrap().len();
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert_eq!(xml.matches("<testcase ").count(), checks, "{stem}");
        let failed = r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["passed"] == false)
            .count();
        assert_eq!(code == Some(1), failed > 0, "{stem}: exit code vs breaches");
        assert_eq!(xml.matches("<failure ").count(), failed);
        assert!(std::fs::read_to_string(&html).unwrap().contains("<svg"));
    }
}

/// A breached threshold exits 1 and is named; two segments merged give the whole run's
/// request count exactly.
#[test]
fn thresholds_gate_and_segments_merge() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("ping.toml");
    std::fs::write(
        &scenario,
        r#"
name = "ping"
[workload]
model = "open"
stages = [{ duration = "1s", rate = 200 }]
max_in_flight = 4
[mix]
health = 1
[thresholds.all]
p99 = "1ms"
max = "10s"
"#,
    )
    .unwrap();
    let server = crate::Served::start();
    let run = |extra: &[&str], out: &Path| {
        let mut args = vec![
            "load",
            "--scenario",
            scenario.to_str().unwrap(),
            "--target",
            &server.url,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        nhikit(&args)
    };
    let whole = dir.path().join("whole.json");
    let o = run(&["--segment", "1/1"], &whole);
    // p99 ≤ 1 ms on a debug build over HTTP may or may not hold; the gate must agree with
    // the checks either way.
    let r = results(&whole);
    assert_eq!(r["requests"], 200);
    let breached = r["checks"][1]["passed"] == false || r["checks"][0]["passed"] == false;
    assert_eq!(o.status.code(), Some(if breached { 1 } else { 0 }));
    if breached {
        assert!(text(&o).contains("threshold breached: all"), "{}", text(&o));
    }
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    run(&["--segment", "1/2"], &a);
    run(&["--segment", "2/2"], &b);
    let merged = dir.path().join("merged.json");
    let junit = dir.path().join("merged.xml");
    let o = nhikit(&[
        "load",
        "merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let m = results(&merged);
    assert_eq!(m["requests"], 200);
    assert_eq!(m["segments"], serde_json::json!(["1/2", "2/2"]));
    assert_eq!(results(&a)["requests"], 100);
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<testsuite")
    );
}

#[test]
fn bad_input_is_a_precise_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\n[workload]\nmodel = \"closed\"\nvus = 1\niterations = 1\n[mix]\nlookup = 1\n",
    )
    .unwrap();
    let o = nhikit(&["load", "--scenario", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("bad.toml") && text(&o).contains("mix.lookup"),
        "{}",
        text(&o)
    );
    let o = nhikit(&[
        "load",
        "--scenario",
        bad.to_str().unwrap(),
        "--segment",
        "3/2",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"format\": 1}").unwrap();
    let o = nhikit(&["load", "merge", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("junk.json"), "{}", text(&o));
    let o = nhikit(&["load"]);
    assert_eq!(o.status.code(), Some(2));
}
