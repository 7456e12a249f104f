//! `nhikit stats`: the shares it prints are recounted here from the JSON Lines records, the
//! distance gate exits 1 when breached, and a directory that is not a dataset is a clear error.

use crate::{nhikit, text};
use serde_json::Value;

#[test]
fn stats_counts_what_the_records_say_and_gates_on_distance() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    let o = nhikit(&[
        "gen",
        "--households",
        "1500",
        "--seed",
        "5",
        "--format",
        "jsonl",
        "--out",
        ds.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();

    // Recount from the qualification records: in force on 2026-04-01 (the default as-of).
    let mut bands = [0u64; 15];
    let mut households = std::collections::HashMap::<String, u64>::new();
    let mut insured = 0u64;
    for entry in walk(&ds.join("jsonl/qualification")) {
        for line in std::fs::read_to_string(entry).unwrap().lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            let acquired = r["acquisition_date"].as_str().unwrap();
            let lost = r["loss_date"].as_str();
            if acquired > "2026-04-01" || lost.is_some_and(|l| l <= "2026-04-01") {
                continue;
            }
            let birth = r["birth_date"].as_str().unwrap();
            let (y, md) = (birth[..4].parse::<i64>().unwrap(), &birth[4..]);
            // Legal age on 04-01: a birthday on 04-01 or 04-02 has been reached (年齢計算ニ関スル法律).
            let age = 2026 - y - i64::from(md > "-04-02");
            bands[(age / 5).min(14) as usize] += 1;
            insured += 1;
            *households
                .entry(format!("{}/{}", r["lgcode"], r["household_number"]))
                .or_default() += 1;
        }
    }
    assert_eq!(s["insured"], insured);
    assert_eq!(s["households_with_insured"], households.len() as u64);
    let measured = &s["distributions"][0]["measured"];
    for (i, &n) in bands.iter().enumerate() {
        let share = measured[i].as_f64().unwrap();
        assert!(
            (share - n as f64 / insured as f64).abs() < 1e-9,
            "band {i}: {share}"
        );
    }
    let singles = households.values().filter(|&&n| n == 1).count() as f64;
    let size1 = s["distributions"][1]["measured"][0].as_f64().unwrap();
    assert!((size1 - singles / households.len() as f64).abs() < 1e-9);
    let tv = s["distributions"][0]["total_variation"].as_f64().unwrap();
    assert!(tv > 0.0 && tv < 0.2, "{tv}");

    let o = nhikit(&["stats", ds.to_str().unwrap(), "--max-distance", "0"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--max-distance"), "{}", text(&o));
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--max-distance", "0.5"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("total-variation distance"),
        "{}",
        text(&o)
    );

    let o = nhikit(&["stats", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not a dataset"), "{}", text(&o));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
