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

fn run_json(args: &[&str], json: &str) -> serde_json::Value {
    let f = write(json);
    let mut a: Vec<&str> = args.to_vec();
    a.extend(["--input", f.path().to_str().unwrap()]);
    let o = nhikit(&a);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

// 減額更正 from the CLI (hand calculation in crates/nhikit-rules/tests/it/revision.rs): the
// published 名取市 household (333,900) corrected to a spouse with 所得 0 → 206,800; three
// installments due (100,800), 106,000 over 7: 15,400 then 15,100 × 6.
#[test]
fn premium_correction_respreads_the_open_installments() {
    let json = NATORI.replacen(
        "  ]\n}",
        r#"  ],
  "correction": {
    "installments_due": 3,
    "members": [
      { "id": "世帯主", "birth_date": "1968-07-01", "householder": true, "income": { "other_income": 1202000 } },
      { "id": "配偶者", "birth_date": "1971-09-09", "income": { "other_income": 0 } }
    ]
  }
}"#,
        1,
    );
    let v = run_json(&["calc", "premium"], &json);
    assert_eq!(v["total"], 333_900);
    let c = &v["correction"];
    assert_eq!(c["kind"], "減額更正");
    assert_eq!(c["difference"], -127_100);
    assert_eq!(c["assessment"]["total"], 206_800);
    assert_eq!(
        c["installments"],
        serde_json::json!([
            34200, 33300, 33300, 15400, 15100, 15100, 15100, 15100, 15100, 15100
        ])
    );
}

// 遡及賦課 from the CLI: FY2023 (利府町, 保険税) assessed on 2026-06-01 is within three fiscal years
// (FY2023 … FY2026); on 2027-04-01 it is not, and the message names the item.
#[test]
fn premium_retroactive_limit() {
    let req = |on: &str| {
        format!(
            r#"{{ "fiscal_year": 2023, "municipality": "rifu", "assessed_on": "{on}",
                 "members": [ {{ "birth_date": "1970-01-01", "householder": true, "income": {{ "other_income": 1000000 }} }} ] }}"#
        )
    };
    let ok = run_json(&["calc", "premium"], &req("2026-06-01"));
    assert!(ok["total"].as_i64().unwrap() > 0);
    let f = write(&req("2027-04-01"));
    let o = nhikit(&["calc", "premium", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("fiscal_year"), "{}", text(&o));
}

// FY2020 from the CLI with inline 大垣市 令和2年度 rates: the hand calculation of
// crates/nhikit-rules/tests/it/fiscal_years.rs (2割, 137,500 + 44,500 + 35,200 = 217,200).
#[test]
fn premium_fy2020() {
    let v = run_json(
        &["calc", "premium"],
        r#"{ "fiscal_year": 2020,
  "rates": { "id": "ogaki", "fiscal_year": 2020, "levy": "premium",
    "medical": { "income_rate": "7.00%", "asset_rate": "6.00%", "per_capita": 24700, "per_household": 20000 },
    "support": { "income_rate": "2.24%", "asset_rate": "1.80%", "per_capita": 8000, "per_household": 6800 },
    "care": { "income_rate": "1.90%", "asset_rate": "2.30%", "per_capita": 8800, "per_household": 5300 } },
  "members": [
    { "birth_date": "1974-07-07", "householder": true, "income": { "salary_revenue": 2000000 } },
    { "birth_date": "1976-03-03" }, { "birth_date": "2009-12-12" } ] }"#,
    );
    assert_eq!(v["reduction"], "2割");
    assert_eq!(v["total"], 217_200);
}

// 特定疾病 from the CLI (hand calculation in crates/nhikit-rules/tests/it/high_cost.rs): ウ, 人工透析
// 外来 copay 120,000 → 10,000 (110,000 back); the spouse's 90,000 against 80,430 → 9,570.
#[test]
fn high_cost_specified_disease() {
    let v = run_json(
        &["calc", "high-cost"],
        r#"{ "service_month": "2025-10", "under70_category": "ウ", "claims": [
  { "person": "夫", "age_group": "under70", "setting": "外来", "medical_cost": 400000, "copay": 120000, "specified_disease": "人工透析" },
  { "person": "妻", "age_group": "under70", "setting": "外来", "medical_cost": 300000, "copay": 90000 } ] }"#,
    );
    assert_eq!(v["specified_disease"][0]["refund"], 110_000);
    assert_eq!(v["refund"], 119_570);
}

// Annual limits from the CLI. 70–74 一般 外来 年間上限 144,000 (August–July, 山形市 / 神栖市,
// DOMAIN-FACTS §4.2): 12 months of 18,000 = 216,000 → 72,000 back. The 年間上限 from 2026-08
// (table 2026-08, ウ 530,000): 12 × 50,000 = 600,000 → 70,000 back for August 2026 – July 2027.
#[test]
fn annual_limits() {
    let v = run_json(
        &["calc", "annual"],
        r#"{ "kind": "outpatient", "period_end_july_year": 2026, "category": "一般",
             "monthly_burdens": [18000,18000,18000,18000,18000,18000,18000,18000,18000,18000,18000,18000] }"#,
    );
    assert_eq!(v["refund"], 72_000);
    assert_eq!(v["total_burden"], 216_000);
    let v = run_json(
        &["calc", "annual"],
        r#"{ "kind": "household", "period_end_july_year": 2027, "age_group": "under70", "category": "ウ",
             "monthly_burdens": [50000,50000,50000,50000,50000,50000,50000,50000,50000,50000,50000,50000] }"#,
    );
    assert_eq!(v["refund"], 70_000);
    let f = write(
        r#"{ "kind": "household", "period_end_july_year": 2026, "age_group": "under70", "category": "ウ", "monthly_burdens": [1] }"#,
    );
    let o = nhikit(&["calc", "annual", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

// `--explain` prints the 計算例 as a municipality would: the published 名取市 total and 医療分
// (192,000 = 115,800 + 53,200 + 23,000) in Japanese terms.
#[test]
fn premium_explain_prints_a_keisanrei() {
    let f = write(NATORI);
    let o = nhikit(&[
        "calc",
        "premium",
        "--input",
        f.path().to_str().unwrap(),
        "--explain",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("令和7年度 国民健康保険税 計算例"), "{err}");
    assert!(
        err.contains(
            "[医療分] 所得割額 115,800円 + 均等割額 53,200円 + 平等割額 23,000円 = 192,000円"
        ),
        "{err}"
    );
    assert!(err.contains("年税額 333,900円"), "{err}");
}

// 出産育児一時金 (鹿屋市, 安城市: 500,000円 per child covered by 産科医療補償制度 from
// 2023-04-01) and 葬祭費 (文京区 70,000円; docs/statistics-sources.md §6).
#[test]
fn benefit_amounts_come_from_the_rules() {
    let v = run_json(
        &["calc", "benefit"],
        r#"{ "kind": "childbirth", "birth_date": "2024-05-01", "compensation_scheme": true, "children": 2 }"#,
    );
    assert_eq!(v["amount"], 1_000_000);
    assert_eq!(v["per_child"], 500_000);
    assert_eq!(v["scheme_premium"], 12_000);
    let v = run_json(
        &["calc", "benefit"],
        r#"{ "kind": "funeral", "lgcode": "131059" }"#,
    );
    assert_eq!(v["amount"], 70_000);
    let f = write(
        r#"{ "kind": "childbirth", "birth_date": "2010-05-01", "compensation_scheme": true }"#,
    );
    let o = nhikit(&["calc", "benefit", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("birth_date"), "{}", text(&o));
}

#[test]
fn high_cost_bad_month_exits_1_naming_the_item() {
    let f = write(r#"{ "service_month": "2025-13", "claims": [] }"#);
    let o = nhikit(&["calc", "high-cost", "--input", f.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("service_month"), "{}", text(&o));
}
