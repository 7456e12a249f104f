//! Assessments of every fiscal year of a history window, and their payments.
//!
//! Each assessment row is checked against the oracle on a household rebuilt from the rows
//! alone — who was insured in the year from the `qualification` periods (資格取得日 and
//! 資格喪失日), their incomes from the `income` rows of the year's income year, the 世帯主 from
//! the row's 納税義務者 — through the request path of `nhikit calc premium`. Payments are
//! checked against a hand-made reading of the schedule rules (docs/generator.md): due dates on
//! business days, 期割 by 100円 with the remainder on the first installment, nothing received
//! after the reference date.

use crate::extras::{Key, by_address, compare, int, key, perinatal_inputs, s};
use crate::rec::date;
use crate::{reference, schema};
use chrono::{Datelike, Weekday};
use nhikit_core::date::{FiscalYear, NaiveDate};
use nhikit_rules::params::RuleSet;
use nhikit_rules::premium::Status;
use nhikit_rules::premium::input::{IncomeInput, MemberInput};
use nhikit_schema::{Record, RecordCollector, Value};
use nhikit_synth::{ExtraSinks, Extras, Generator, Options, Profile, Window};
use std::collections::{BTreeMap, HashMap};

/// A period: 資格取得日, 資格喪失日.
type Period = (NaiveDate, Option<NaiveDate>);
/// Per (household, fiscal year), per installment: billed, paid.
type Installments = BTreeMap<(Key, i64), BTreeMap<i64, (i64, i64)>>;

struct Run {
    persons: Vec<Record>,
    qualifications: Vec<Record>,
    incomes: Vec<Record>,
    assessments: Vec<Record>,
    payments: Vec<Record>,
    perinatal: Vec<Record>,
    edge_cases: Vec<Record>,
}

/// The entities of a run, in the order `run` takes their collectors.
const ENTITIES: [&str; 9] = [
    "household",
    "person",
    "qualification",
    "income",
    "assessment",
    "payment",
    "qualification_event",
    "perinatal",
    "edge_case",
];

fn run(options: &Options, profile: Profile) -> Run {
    let s = schema();
    let mut extras = Extras {
        profile,
        income: true,
        edge_cases: true,
        ..Extras::default()
    };
    assert!(extras.add("payment", Window::default_for(options.as_of)));
    let g = Generator::new(reference(), options)
        .unwrap()
        .with_extras(extras)
        .unwrap();
    let e = |n: &str| s.entity(n).unwrap();
    let mut c: HashMap<&str, RecordCollector> = ENTITIES
        .into_iter()
        .map(|n| (n, RecordCollector::new(e(n))))
        .collect();
    for part in &g.plan().parts {
        let [h, p, q, i, a, y, v, n, x] = c.get_disjoint_mut(ENTITIES).map(Option::unwrap);
        let mut sinks = ExtraSinks {
            income: Some(i),
            assessment: Some(a),
            event: Some(v),
            payment: Some(y),
            perinatal: Some(n),
            edge_case: Some(x),
            ..ExtraSinks::default()
        };
        g.write_part_with(part, h, p, q, &mut sinks);
    }
    for (name, c) in &c {
        crate::assert_valid(name, c);
    }
    let mut take = |n: &str| std::mem::take(&mut c.get_mut(n).unwrap().records);
    Run {
        persons: take("person"),
        qualifications: take("qualification"),
        incomes: take("income"),
        assessments: take("assessment"),
        payments: take("payment"),
        perinatal: take("perinatal"),
        edge_cases: take("edge_case"),
    }
}

/// Checks every assessment row of a fiscal year that started on or before `as_of` and
/// returns how many rows of years before the reference year were checked.
fn check_years(r: &Run, as_of: NaiveDate) -> usize {
    let rules = RuleSet::builtin().unwrap();
    let mut members: HashMap<(String, String), Vec<&Record>> = HashMap::new();
    for p in &r.persons {
        members
            .entry(key(p, "household_number"))
            .or_default()
            .push(p);
    }
    let mut periods: HashMap<Key, Vec<Period>> = HashMap::new();
    for q in &r.qualifications {
        periods
            .entry(key(q, "address_number"))
            .or_default()
            .push((date(q, "acquisition_date").unwrap(), date(q, "loss_date")));
    }
    let incomes: HashMap<((String, String), i64), &Record> = r
        .incomes
        .iter()
        .map(|i| ((key(i, "address_number"), int(i, "income_year")), i))
        .collect();
    let reference_year = FiscalYear::of(as_of).0;
    let perinatal = perinatal_inputs(&r.perinatal);
    let mut past = 0;
    for a in &r.assessments {
        let fy = int(a, "fiscal_year") as i32;
        let (start, end) = (
            FiscalYear(fy).start().unwrap(),
            FiscalYear(fy).end().unwrap(),
        );
        // The reference year's row is of the snapshot; it is the same household when the
        // reference date is April 1 (nobody can have left yet).
        if fy == reference_year && as_of != start {
            continue;
        }
        past += usize::from(fy < reference_year);
        let hk = key(a, "household_number");
        let taxpayer = (hk.0.clone(), s(a, "taxpayer_address_number").to_owned());
        let mut req = Vec::new();
        for p in &members[&hk] {
            let pk = key(p, "address_number");
            let head = pk == taxpayer;
            if head {
                assert_eq!(
                    s(p, "relationship"),
                    "01",
                    "{hk:?}: the taxpayer is a 世帯主"
                );
            }
            let inside: Vec<_> = periods
                .get(&pk)
                .into_iter()
                .flatten()
                .filter(|(acq, loss)| *acq <= end && loss.is_none_or(|l| l > start))
                .collect();
            assert!(inside.len() <= 1, "{pk:?}: two periods in FY{fy}");
            if inside.is_empty() && !head {
                continue;
            }
            let inc = incomes
                .get(&(pk.clone(), i64::from(fy - 1)))
                .unwrap_or_else(|| panic!("{pk:?}: no income of {}", fy - 1));
            let status = match (inside.first(), s(a, "fictive_head_flag")) {
                (Some(_), _) => Status::Insured,
                (None, "2") => Status::FormerInsuredInKouki,
                (None, _) => Status::NotInsured,
            };
            let acquired = inside.first().map(|p| p.0).filter(|d| *d > start);
            let lost = inside.first().and_then(|p| p.1).filter(|d| *d <= end);
            req.push(MemberInput {
                id: None,
                birth_date: date(p, "birth_date").unwrap().to_string(),
                status,
                householder: head,
                acquired: acquired.map(|d| d.to_string()),
                lost: lost.map(|d| d.to_string()),
                income: IncomeInput {
                    salary_revenue: int(inc, "salary_revenue"),
                    pension_revenue: int(inc, "pension_revenue"),
                    other_income: int(inc, "business_income")
                        + int(inc, "real_estate_income")
                        + int(inc, "interest_dividend_income"),
                    ..IncomeInput::default()
                },
                involuntary_unemployed: inc.get("involuntary_unemployed")
                    == Some(&Value::Bool(true)),
                income_declared: s(inc, "declaration_status") != "3",
                perinatal: inside.first().and(perinatal.get(&pk).cloned()),
            });
        }
        assert!(
            req.iter().any(|m| m.householder),
            "{hk:?} FY{fy}: the taxpayer is not a person of the household"
        );
        compare(a, req, &rules, fy);
    }
    past
}

/// Whether a due date may fall on `d`: a weekday, not 12/29–1/3.
fn business_day(d: NaiveDate) -> bool {
    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let new_year = (d.month() == 12 && d.day() >= 29) || (d.month() == 1 && d.day() <= 3);
    !weekend && !new_year
}

fn check_payments(r: &Run, as_of: NaiveDate) -> (i64, i64) {
    let total: HashMap<((String, String), i64), i64> = r
        .assessments
        .iter()
        .map(|a| {
            (
                (key(a, "household_number"), int(a, "fiscal_year")),
                int(a, "total_amount"),
            )
        })
        .collect();
    let mut installments: Installments = BTreeMap::new();
    let (mut billed_due, mut paid_due) = (0, 0);
    for p in &r.payments {
        let k = (key(p, "household_number"), int(p, "fiscal_year"));
        let due = date(p, "due_date").unwrap();
        assert!(business_day(due), "{k:?}: due on {due}");
        let paid = int(p, "paid_amount");
        match date(p, "paid_date") {
            Some(on) => {
                assert!(on <= as_of, "{k:?}: received on {on}, after {as_of}");
                assert!(paid > 0 && !matches!(p.get("payment_method"), Some(Value::Null)));
            }
            None => assert_eq!(paid, 0, "{k:?}: an amount without a date"),
        }
        let e = installments
            .entry(k)
            .or_default()
            .entry(int(p, "installment_no"))
            .or_default();
        e.0 = int(p, "billed_amount");
        e.1 += paid;
        if int(p, "payment_seq") == 1 && due <= as_of {
            billed_due += e.0;
        }
        if due <= as_of {
            paid_due += paid;
        }
    }
    for (k, inst) in &installments {
        let t = total[k];
        let n = inst.len() as i64;
        assert_eq!(
            inst.keys().copied().collect::<Vec<_>>(),
            (1..=n).collect::<Vec<_>>()
        );
        // 期割: every installment but the first is ⌊total ÷ n⌋ rounded down to 100円.
        let each = t / n / 100 * 100;
        for (&no, &(billed, paid)) in inst {
            let want = if no == 1 { t - each * (n - 1) } else { each };
            assert_eq!(billed, want, "{k:?} installment {no}");
            assert!(
                paid <= billed,
                "{k:?} installment {no}: paid {paid} of {billed}"
            );
        }
    }
    // Every assessment with an amount has its installments.
    assert_eq!(
        installments.len(),
        total.values().filter(|&&t| t > 0).count()
    );
    (billed_due, paid_due)
}

/// The `move_in_out_same_day` cases of the edge profile: the 世帯主's mother, 転出者, insured
/// from the day she moved in (転入) to the next day (転出: lost the day after moving out).
fn check_same_day_moves(r: &Run) -> usize {
    let persons = by_address(&r.persons);
    let periods = by_address(&r.qualifications);
    let mut n = 0;
    for e in r
        .edge_cases
        .iter()
        .filter(|e| s(e, "tag") == "move_in_out_same_day")
    {
        let k = key(e, "address_number");
        let p = persons[&k];
        assert_eq!(s(p, "relationship"), "12", "{k:?}");
        assert_eq!(s(p, "resident_status"), "2", "{k:?}: 転出者");
        let q = periods[&k];
        let acquired = date(q, "acquisition_date").unwrap();
        assert_eq!(date(q, "loss_date"), acquired.succ_opt(), "{k:?}");
        assert_eq!(s(q, "acquisition_reason"), "01", "{k:?}: 転入");
        assert_eq!(s(q, "loss_reason"), "11", "{k:?}: 転出");
        assert_eq!(date(p, "moved_out_date"), Some(acquired), "{k:?}");
        n += 1;
    }
    n
}

#[test]
fn every_years_assessment_equals_the_oracle_and_payments_follow_the_schedule() {
    let mut past = 0;
    for (households, seed, as_of, profile) in [
        (
            3000,
            21,
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            Profile::Realistic,
        ),
        (
            2000,
            22,
            NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            Profile::Edge,
        ),
    ] {
        let options = Options {
            households,
            seed,
            as_of,
            ..Options::default()
        };
        let r = run(&options, profile);
        past += check_years(&r, as_of);
        let same_day = check_same_day_moves(&r);
        if profile == Profile::Edge {
            // 2,000 households, 3 in 5 edge cases over 24 tags: about 50.
            assert!(same_day >= 10, "{same_day} same-day moves");
        }
        let (billed, paid) = check_payments(&r, as_of);
        // 収納率 of the installments due by the reference date: about the national 94 %
        // (docs/statistics-sources.md: 94.20 % in FY2023).
        let rate = paid as f64 / billed as f64;
        assert!((0.90..0.97).contains(&rate), "collection rate {rate}");
    }
    // FY2025 is assessed for most households of both runs.
    assert!(past > 4000, "{past} past-year assessments");
}
