//! `nhikit calc`: JSON in, JSON out, exit codes.

use crate::{nhikit, text};

fn write(json: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), json).unwrap();
    f
}

// 名取市 publishes this household (所得 1,202,000 each, FY2025): 192,000 + 75,300 + 66,600 =
// 333,900 (https://www.city.natori.miyagi.jp/page/39025.html).
const NATORI: &str = r#"{
  "fiscal_year": 2025,
  "municipality": "natori",
  "members": [
    { "id": "世帯主", "birth_date": "1968-07-01", "householder": true, "income": { "other_income": 1202000 } },
    { "id": "配偶者", "birth_date": "1971-09-09", "income": { "other_income": 1202000 } }
  ]
}"#;

#[test]
fn premium_of_a_published_household() {
    let f = write(NATORI);
    let o = nhikit(&["calc", "premium", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["total"], 333_900);
}

#[test]
fn premium_explain_prints_the_derivation() {
    let f = write(NATORI);
    let o = nhikit(&[
        "calc",
        "premium",
        "--input",
        f.path().to_str().unwrap(),
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("所得割"), "{}", text(&o));
}

#[test]
fn negative_income_exits_1_naming_the_item() {
    let f = write(&NATORI.replacen(
        "\"other_income\": 1202000 } },",
        "\"salary_revenue\": -5 } },",
        1,
    ));
    let o = nhikit(&["calc", "premium", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("members[0].income.salary_revenue"),
        "{}",
        text(&o)
    );
}

#[test]
fn unknown_fiscal_year_and_municipality_exit_1() {
    let f = write(&NATORI.replace("2025", "2019"));
    let o = nhikit(&["calc", "premium", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let f = write(&NATORI.replace("natori", "atlantis"));
    let o = nhikit(&["calc", "premium", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("atlantis"), "{}", text(&o));
}

// 福島市 FAQ: ウ, 医療費 100万円 → 80,100 + (1,000,000 − 267,000) × 1% = 87,430; 3割 300,000
// paid → 212,570 back.
#[test]
fn high_cost_of_a_published_example() {
    let f = write(
        r#"{ "service_month": "2025-10", "under70_category": "ウ",
             "claims": [ { "person": "A", "age_group": "under70", "setting": "入院",
                           "medical_cost": 1000000, "copay": 300000 } ] }"#,
    );
    let o = nhikit(&["calc", "high-cost", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("212570"), "{out}");
    assert!(out.contains("87430"), "{out}");
}

#[test]
fn malformed_json_exits_1() {
    let f = write("{ \"service_month\": ");
    let o = nhikit(&["calc", "high-cost", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
