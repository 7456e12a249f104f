//! `nhikit stats`: the shares it prints are recounted here from the JSON Lines records, the
//! distance gate exits 1 when breached, a directory that is not a dataset is a clear error, a
//! distribution whose entity was not generated is reported as absent, and on 20,000 households
//! every distribution is within its bound of the cited target.

use crate::{nhikit, text};
use serde_json::Value;
use std::path::Path;

/// `nhikit gen --households N --seed S [args] --out ds --quiet`; fails the test if it fails.
fn generate(ds: &Path, households: &str, seed: &str, args: &[&str]) {
    let mut all = vec!["gen", "--households", households, "--seed", seed];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", ds.to_str().unwrap(), "--quiet"]);
    let o = nhikit(&all);
    assert!(o.status.success(), "{}", text(&o));
}

/// `nhikit stats ds --format json`, parsed.
fn stats_json(ds: &Path) -> Value {
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn stats_counts_what_the_records_say_and_gates_on_distance() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, "1500", "5", &["--format", "jsonl"]);
    let s = stats_json(&ds);

    // Recount from the qualification records: in force on 2026-04-01 (the default as-of).
    let mut bands = [0u64; 15];
    let mut households = std::collections::HashMap::<String, u64>::new();
    let mut insured = 0u64;
    for entry in crate::files_under(&ds.join("jsonl/qualification")) {
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

    // No income, assessment or event rows: reported as absent, not measured, not an error.
    for (i, with) in [(2, "--with income"), (3, "--with assessment")] {
        let d = &s["distributions"][i];
        assert!(d["measured"].is_null(), "{d}");
        assert!(d["total_variation"].is_null(), "{d}");
        let note = d["note"].as_str().unwrap();
        assert!(
            note.contains("not in dataset") && note.contains(with),
            "{note}"
        );
    }
    assert_eq!(s["event_rates"]["present"], false);
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--format", "text"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("not in dataset (generate with --with income)"),
        "{}",
        text(&o)
    );

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
    // The cause is printed once, not once by the error and again by its source.
    assert_eq!(text(&o).matches("os error 2").count(), 1, "{}", text(&o));
}

/// The realism gate of issue 4 at test scale. Bounds (total-variation distance): age bands,
/// household sizes and income bands 0.05; 法定軽減 shares 0.08, because that target is a proxy
/// assembled from a national share and one municipal split (schemas/reference/README.md) that
/// the income model misses by 0.066 on 1M households (docs/statistics-sources.md,
/// measurement). Sampling noise at 20,000 households is about 0.005.
#[test]
fn stats_on_20k_households_is_near_every_target() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, "20000", "4", &["--with", "income,assessment,event"]);
    let s = stats_json(&ds);
    let dists = s["distributions"].as_array().unwrap();
    let bounds = [
        ("age band of insured persons", 0.05),
        ("insured members per household", 0.05),
        ("household 所得 (旧ただし書き所得 of insured members)", 0.05),
        ("法定軽減 class of households", 0.08),
    ];
    assert_eq!(dists.len(), bounds.len());
    for (d, (name, bound)) in dists.iter().zip(bounds) {
        assert_eq!(d["name"], name);
        let measured: Vec<f64> = d["measured"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} not measured: {d}"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(measured.len(), d["target"].as_array().unwrap().len());
        let sum: f64 = measured.iter().sum();
        assert!(sum <= 1.0 + 1e-9, "{name}: shares sum to {sum}");
        let tv = d["total_variation"].as_f64().unwrap();
        assert!(
            tv <= bound,
            "{name}: total-variation distance {tv} > {bound}"
        );
        assert!(d["count"].as_u64().unwrap() > 10_000, "{d}");
    }
    // Every household has one 当初賦課 row, so the reduction shares count every household.
    assert_eq!(dists[3]["count"], s["households_with_insured"]);

    // 資格異動 rates: present, per reason, and a net change beside its national target.
    let ev = &s["event_rates"];
    assert_eq!(ev["present"], true, "{ev}");
    let rates = ev["rates"].as_array().unwrap();
    assert!(rates.len() >= 6, "{ev}");
    assert!(rates.iter().any(|r| r["label"] == "出生"), "{ev}");
    assert!(
        ev["insured_person_years"].as_f64().unwrap() > 20_000.0,
        "{ev}"
    );
    let net = ev["net_change_per_1000_insured_years"].as_f64().unwrap();
    assert!((-80.0..0.0).contains(&net), "net change {net} per 1,000");

    // The gate applies to the reduction distribution too.
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--max-distance", "0.05"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--max-distance", "0.08"]);
    assert!(o.status.success(), "{}", text(&o));
    // `--json` still works (hidden alias of --format json).
    let o = nhikit(&["stats", ds.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["distributions"], s["distributions"]);
}

/// A dataset with histories has the incomes and assessments of earlier years too: stats
/// counts the reference year's only, so the income bands and reduction shares are those of the
/// same run without histories (whose reference-year rows are the same).
#[test]
fn stats_counts_only_the_reference_year_of_a_dataset_with_histories() {
    let tmp = tempfile::tempdir().unwrap();
    let distributions = |with: &str| {
        let ds = tmp.path().join(with.replace(',', "-"));
        generate(&ds, "1500", "5", &["--with", with]);
        stats_json(&ds)["distributions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| !d["measured"].is_null())
            .map(|d| (d["name"].to_string(), d["measured"].clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let snapshot = distributions("income,assessment");
    let with_history = distributions("income,payment");
    assert_eq!(snapshot.len(), 4, "{snapshot:?}");
    assert_eq!(snapshot, with_history);
}
