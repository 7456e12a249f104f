//! Benefits (issue 4, build item 3): 出産育児一時金, 葬祭費 and 高額療養費 rows that are
//! schema-valid, follow the births and deaths of the history, and equal what the oracle
//! computes from each row's own inputs.

use crate::rec::{date, int, s};
use crate::{reference, schema};
use nhikit_core::Yen;
use nhikit_core::date::{NaiveDate, age_on};
use nhikit_rules::high_cost::{
    AgeGroup, Claim, HighCostTables, HouseholdMonth, Setting, compute_month,
};
use nhikit_schema::{Record, RecordCollector, Value};
use nhikit_synth::benefit::Kinds;
use nhikit_synth::{ExtraSinks, Extras, Generator, Options, Profile, Window};
use std::collections::{BTreeMap, BTreeSet};

const ENTITIES: [&str; 7] = [
    "household",
    "person",
    "qualification",
    "qualification_event",
    "benefit_childbirth",
    "benefit_funeral",
    "benefit_high_cost",
];

/// Every entity's records of a run, by entity id, each batch checked against the schema.
fn run(
    options: &Options,
    profile: Profile,
    benefits: Kinds,
) -> BTreeMap<&'static str, Vec<Record>> {
    let s = schema();
    let mut extras = Extras {
        profile,
        ..Extras::default()
    };
    let window = Window::default_for(options.as_of);
    extras.history = Some(window);
    extras.benefits = benefits;
    let g = Generator::new(reference(), options)
        .unwrap()
        .with_extras(extras)
        .unwrap();
    let e = |n: &str| s.entity(n).unwrap();
    let mut c: Vec<RecordCollector> = ENTITIES
        .iter()
        .map(|n| RecordCollector::new(e(n)))
        .collect();
    for part in &g.plan().parts {
        let [h, p, q, x, cb, fu, hc] = &mut c[..] else {
            unreachable!()
        };
        let mut sinks = ExtraSinks {
            event: Some(x),
            benefit_childbirth: Some(cb),
            benefit_funeral: Some(fu),
            benefit_high_cost: Some(hc),
            ..ExtraSinks::default()
        };
        g.write_part_with(part, h, p, q, &mut sinks);
    }
    let mut out = BTreeMap::new();
    for (name, c) in ENTITIES.iter().zip(c) {
        crate::assert_valid(name, &c);
        out.insert(*name, c.records);
    }
    out
}

const ALL: Kinds = Kinds {
    childbirth: true,
    funeral: true,
    high_cost: true,
};

fn key(r: &Record, item: &str) -> (String, String) {
    (
        s(r, "lgcode").unwrap().to_owned(),
        s(r, item).unwrap().to_owned(),
    )
}

fn options(households: u64, seed: u64) -> Options {
    Options {
        households,
        seed,
        ..Options::default()
    }
}

/// The dates of a claim are ordered and none is after the reference date; a payment only
/// after a decision.
fn dates_are_ordered(r: &Record, event: NaiveDate, as_of: NaiveDate) {
    let a = date(r, "application_date").unwrap();
    assert!(event <= a && a <= as_of, "{r:?}");
    match (date(r, "decision_date"), date(r, "payment_date")) {
        (Some(d), Some(p)) => assert!(a <= d && d <= p && p <= as_of, "{r:?}"),
        (Some(d), None) => assert!(a <= d && d <= as_of, "{r:?}"),
        (None, None) => {}
        (None, Some(_)) => panic!("paid without a decision: {r:?}"),
    }
}

/// Every 高額療養費 row, recomputed through the oracle's public API from the row's own inputs
/// (区分, 医療費, 一部負担金, 多数回; a 70–74 區分 means a 70–74 patient, each claim one 入院),
/// equals the row; the copay is 2割 or 3割 of the cost rounded to 10円 (健康保険法第75条:
/// 5円未満切捨て, 5円以上切上げ).
#[test]
fn every_high_cost_row_is_what_the_oracle_computes_from_its_inputs() {
    let o = options(6000, 5);
    let rows = run(&o, Profile::Realistic, ALL);
    let tables = HighCostTables::embedded().unwrap();
    let label = |table: &str, code: Option<&str>| {
        code.map(|c| {
            schema()
                .code_table(table)
                .unwrap()
                .get(c)
                .unwrap_or_else(|| panic!("{table} {c}"))
                .label
                .clone()
        })
    };
    let hc = &rows["benefit_high_cost"];
    assert!(hc.len() > 100, "only {} 高額療養費 rows", hc.len());
    let mut seen = BTreeSet::new();
    for r in hc {
        let under70 = label("income_category_under70", s(r, "income_category_under70"));
        let over70 = label("income_category_70_74", s(r, "income_category_70_74"));
        let group = match (&under70, &over70) {
            (Some(_), None) => AgeGroup::Under70,
            (None, Some(_)) => AgeGroup::Kourei,
            _ => panic!("exactly one 区分 expected: {r:?}"),
        };
        seen.insert(under70.clone().or(over70.clone()).unwrap());
        let many_times = r.get("many_times") == Some(&Value::Bool(true));
        seen.insert(format!("many_times={many_times}"));
        let (cost, copay) = (int(r, "total_medical_cost"), int(r, "copay_total"));
        let rounded = |p: i64| ((cost * p) as f64 / 100.0 / 10.0).round() as i64 * 10;
        assert!(
            copay == rounded(30) || copay == rounded(20),
            "copay {copay} of {cost}"
        );
        let month = date(r, "service_month").unwrap();
        let result = compute_month(
            &tables,
            &HouseholdMonth {
                service_month: month,
                under70_category: under70,
                over70_category: over70,
                many_times,
                claims: vec![Claim {
                    person: "x".into(),
                    age_group: group,
                    setting: Setting::Inpatient,
                    medical_cost: Yen(cost),
                    copay: Yen(copay),
                }],
                turning_75: vec![],
            },
        )
        .unwrap();
        let limit = result.household_limit.or(result.kourei_limit).unwrap();
        assert_eq!(int(r, "limit_amount"), limit.0, "{r:?}");
        assert_eq!(int(r, "copay_total"), result.total_copay.0, "{r:?}");
        assert_eq!(int(r, "benefit_amount"), result.refund.0, "{r:?}");
        assert_eq!(
            int(r, "benefit_amount"),
            (copay - int(r, "limit_amount")).max(0)
        );
        assert!(int(r, "benefit_amount") > 0);
        assert_eq!(chrono::Datelike::day(&month), 1);
        dates_are_ordered(r, month, o.as_of);
    }
    // Both age groups, several 区分 and 多数回該当 occur.
    for want in ["ウ", "エ", "一般", "many_times=true", "many_times=false"] {
        assert!(seen.contains(want), "no {want} among {seen:?}");
    }
}

/// Claims follow the population: per insured person-month of the reference year's service
/// months (FY2025 premiums, income year 2024: service months 2025-08 to 2026-03), between 0.5
/// and 4 in 100 (docs/generator.md gives 3–30 in 1,000 by age). Earlier months have claims
/// from 2020-08 on (the first service month whose income year, 2019, has national parameters:
/// FY2020's), none before.
#[test]
fn high_cost_claims_come_at_a_plausible_rate() {
    let o = options(6000, 9);
    let rows = run(&o, Profile::Realistic, ALL);
    let from = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
    let months = 8;
    let insured = rows["qualification"]
        .iter()
        .filter(|q| date(q, "loss_date").is_none() && date(q, "acquisition_date").unwrap() <= from)
        .count() as f64;
    let claims = rows["benefit_high_cost"]
        .iter()
        .filter(|r| date(r, "service_month").unwrap() >= from)
        .count() as f64;
    let rate = claims / (insured * f64::from(months));
    eprintln!("{claims} 高額療養費 claims, {insured} insured: {rate:.4} per person-month");
    assert!(
        (0.005..0.04).contains(&rate),
        "rate {rate}: {claims} claims, {insured} insured"
    );
    // No month without parameters has a claim; the earlier years with parameters have some.
    let first = NaiveDate::from_ymd_opt(2020, 8, 1).unwrap();
    for r in &rows["benefit_high_cost"] {
        assert!(date(r, "service_month").unwrap() >= first, "{r:?}");
    }
    let earlier = rows["benefit_high_cost"]
        .iter()
        .filter(|r| date(r, "service_month").unwrap() < from)
        .count() as f64;
    assert!(
        earlier > claims,
        "{earlier} claims before {from}, {claims} after"
    );
}

/// Every 出産育児一時金 claim is a birth of the person rows: a child of the household born that
/// day, whose mother is a woman of 15–50 insured then; the amount is the table's (鹿屋市,
/// 安城市: 500,000 / 488,000円 from 2023-04-01, 420,000 / 408,000円 from 2022-01-01, 420,000 /
/// 404,000円 before) per child.
#[test]
fn every_childbirth_claim_is_a_birth_to_an_insured_mother() {
    let o = options(8000, 3);
    let rows = run(&o, Profile::Realistic, ALL);
    let persons: BTreeMap<_, _> = rows["person"]
        .iter()
        .map(|p| (key(p, "address_number"), p))
        .collect();
    let mut periods: BTreeMap<_, Vec<&Record>> = BTreeMap::new();
    for q in &rows["qualification"] {
        periods.entry(key(q, "address_number")).or_default().push(q);
    }
    let cb = &rows["benefit_childbirth"];
    assert!(cb.len() > 10, "only {} claims", cb.len());
    let mut twins = 0;
    for r in cb {
        let birth = date(r, "birth_date").unwrap();
        let mother = persons[&key(r, "address_number")];
        assert_eq!(s(mother, "sex"), Some("2"));
        assert!((15..=50).contains(&age_on(date(mother, "birth_date").unwrap(), birth)));
        assert!(
            periods[&key(r, "address_number")].iter().any(|q| {
                date(q, "acquisition_date").unwrap() <= birth
                    && date(q, "loss_date").is_none_or(|l| birth < l)
            }),
            "mother not insured on {birth}: {r:?}"
        );
        let household = key(r, "household_number");
        let children = rows["person"]
            .iter()
            .filter(|p| {
                key(p, "household_number") == household
                    && s(p, "relationship") == Some("06")
                    && date(p, "birth_date") == Some(birth)
            })
            .count() as i64;
        assert!(children >= 1, "no child born {birth}: {r:?}");
        let count = int(r, "children_count");
        assert!(count >= children);
        twins += i64::from(count > 1);
        let scheme = r.get("compensation_scheme") == Some(&Value::Bool(true));
        let per_child = match (
            birth >= NaiveDate::from_ymd_opt(2023, 4, 1).unwrap(),
            birth >= NaiveDate::from_ymd_opt(2022, 1, 1).unwrap(),
            scheme,
        ) {
            (true, _, true) => 500_000,
            (true, _, false) => 488_000,
            (false, true, true) | (false, false, true) => 420_000,
            (false, true, false) => 408_000,
            (false, false, false) => 404_000,
        };
        assert_eq!(int(r, "amount"), per_child * count, "{r:?}");
        dates_are_ordered(r, birth, o.as_of);
    }
    assert!(twins * 20 < cb.len() as i64, "{twins} 多胎 of {}", cb.len());
}

/// Every 葬祭費 claim is a death of the person rows: 死亡者 with that 死亡日 whose membership was
/// lost by death; the amount is the municipality's.
#[test]
fn every_funeral_claim_is_the_death_of_an_insured_person() {
    let o = options(8000, 4);
    let rows = run(&o, Profile::Realistic, ALL);
    let persons: BTreeMap<_, _> = rows["person"]
        .iter()
        .map(|p| (key(p, "address_number"), p))
        .collect();
    let fu = &rows["benefit_funeral"];
    assert!(fu.len() > 20, "only {} claims", fu.len());
    let deaths = rows["qualification"]
        .iter()
        .filter(|q| s(q, "loss_reason") == Some("01"))
        .count();
    // 9 in 10 deaths are claimed, less those not yet filed on the reference date.
    assert!(
        fu.len() * 10 > deaths * 7 && fu.len() <= deaths,
        "{} of {deaths}",
        fu.len()
    );
    for r in fu {
        let death = date(r, "death_date").unwrap();
        let p = persons[&key(r, "address_number")];
        assert_eq!(date(p, "death_date"), Some(death), "{r:?}");
        assert_eq!(s(p, "resident_status"), Some("3"));
        assert!(
            rows["qualification"]
                .iter()
                .any(|q| key(q, "address_number") == key(r, "address_number")
                    && s(q, "loss_reason") == Some("01"))
        );
        let funeral = date(r, "funeral_date").unwrap();
        assert!(death < funeral);
        let ward = s(r, "lgcode").unwrap()[..5].parse::<u32>().unwrap();
        let amount = if (13101..=13123).contains(&ward) {
            70_000
        } else {
            50_000
        };
        assert_eq!(int(r, "amount"), amount);
        dates_are_ordered(r, funeral, o.as_of);
    }
}

/// Benefits come from streams of their own: each entity alone gives the same rows as all
/// three together, and the other entities do not change; the edge profile's rows are valid.
#[test]
fn each_benefit_is_independent_and_leaves_the_other_rows_alone() {
    let o = options(3000, 8);
    let all = run(&o, Profile::Realistic, ALL);
    let none = run(&o, Profile::Realistic, Kinds::default());
    for e in &ENTITIES[..4] {
        assert!(all[e] == none[e], "{e} changed");
    }
    for (k, e) in [
        (
            Kinds {
                childbirth: true,
                ..Kinds::default()
            },
            "benefit_childbirth",
        ),
        (
            Kinds {
                funeral: true,
                ..Kinds::default()
            },
            "benefit_funeral",
        ),
        (
            Kinds {
                high_cost: true,
                ..Kinds::default()
            },
            "benefit_high_cost",
        ),
    ] {
        let one = run(&o, Profile::Realistic, k);
        assert!(one[e] == all[e], "{e} alone differs");
        assert!(!one[e].is_empty());
    }
    let edge = run(&o, Profile::Edge, ALL);
    assert!(!edge["benefit_high_cost"].is_empty());
}
