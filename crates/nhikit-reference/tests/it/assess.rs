//! Assessments of imported households against the oracle: the expected values come from
//! `nhikit calc premium`'s documented JSON request (docs/oracle.md), built here from the
//! generated records, not from the reference's own mapping.

use crate::*;
use nhikit_rules::params::{Part, RuleSet};
use nhikit_rules::premium::input::PremiumRequest;
use nhikit_target::{AssessRequest, AssessResponse, ErrorCode, IncomeFacts, Target};

/// A member's income in these tests: varied so that every 軽減 level occurs.
pub fn income_of(i: usize, scale: i64) -> i64 {
    ((i as i64 * 337_000) % 4_100_000) * scale
}

/// The oracle's request for a generated household in a fiscal year, and the reference's.
pub fn requests(
    recs: &Records,
    h: &Record,
    fy: i32,
    rates: &str,
    scale: i64,
) -> (serde_json::Value, AssessRequest) {
    let (lg, hh) = (s(h, "lgcode"), s(h, "household_number"));
    let start = date(&format!("{fy}-04-01"));
    let end = date(&format!("{}-03-31", fy + 1));
    let mut members = Vec::new();
    let mut incomes = BTreeMap::new();
    for (i, p) in recs.persons.iter().enumerate() {
        if s(p, "lgcode") != lg || s(p, "household_number") != hh {
            continue;
        }
        let an = s(p, "address_number");
        let birth = d(p, "birth_date").unwrap();
        if birth > end {
            continue;
        }
        let q = recs
            .qualifications
            .iter()
            .find(|q| s(q, "lgcode") == lg && s(q, "address_number") == an)
            .filter(|q| d(q, "acquisition_date").unwrap() <= end);
        let head = an == s(h, "head_address_number");
        if q.is_none() && !head {
            continue;
        }
        let income = income_of(i, scale);
        incomes.insert(
            an.to_owned(),
            IncomeFacts {
                other_income: income,
                ..IncomeFacts::default()
            },
        );
        let mut m = serde_json::json!({
            "id": an,
            "birth_date": birth.to_string(),
            "householder": head,
            "status": if q.is_some() { "insured" } else { "not_insured" },
            "income": { "other_income": income },
        });
        if let Some(a) = q
            .and_then(|q| d(q, "acquisition_date"))
            .filter(|a| *a > start)
        {
            m["acquired"] = a.to_string().into();
        }
        members.push(m);
    }
    (
        serde_json::json!({ "fiscal_year": fy, "municipality": rates, "members": members }),
        AssessRequest {
            lgcode: lg.into(),
            household_number: hh.into(),
            fiscal_year: fy,
            rates: Some(rates.into()),
            incomes,
            specified_household: Default::default(),
        },
    )
}

/// The oracle's answer to a `calc premium` request: (parts' amounts, total).
pub fn oracle(request: &serde_json::Value) -> ([i64; 4], i64) {
    let req: PremiumRequest = serde_json::from_value(request.clone()).unwrap();
    let fy = req.fiscal_year(None).unwrap();
    let household = req.household(fy).unwrap();
    let params = RuleSet::builtin()
        .unwrap()
        .params(req.municipality.as_deref().unwrap(), fy)
        .unwrap();
    let a = nhikit_rules::premium::assess(&household, &params).unwrap();
    (Part::ALL.map(|p| a.part(p).amount.0), a.total.0)
}

pub fn amounts(r: &AssessResponse) -> ([i64; 4], i64) {
    (
        [
            r.medical.amount.0,
            r.support.amount.0,
            r.care.amount.0,
            r.child.amount.0,
        ],
        r.total.0,
    )
}

#[test]
fn assessments_equal_the_oracle_for_generated_households() {
    let f = fixture(120, &[Format::Jsonl]);
    let r = loaded(&f, &[]);
    let recs = records(120, 7, MUNICIPALITIES);
    let mut nonzero = 0;
    for (fy, rates) in [(2025, "natori"), (2026, "natori"), (2025, "kumano")] {
        for h in &recs.households {
            let (want_req, req) = requests(&recs, h, fy, rates, 1);
            if want_req["members"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["status"] != "insured")
            {
                continue;
            }
            let got = r.assess(&req).unwrap();
            assert_eq!(amounts(&got), oracle(&want_req), "{want_req}");
            if got.total.0 > 0 {
                nonzero += 1;
            }
        }
    }
    assert!(nonzero > 100);
}

#[test]
fn rates_default_and_errors() {
    let f = fixture(10, &[Format::Jsonl]);
    let r = loaded(&f, &[]);
    let recs = records(10, 7, MUNICIPALITIES);
    let h = &recs.households[0];
    let (_, mut req) = requests(&recs, h, 2025, "natori", 1);
    req.rates = None;
    // 千代田区 has no shipped set: the default (natori) assesses it; 名取市 maps to its own.
    assert_eq!(r.assess(&req).unwrap().rates, "natori");
    req.fiscal_year = 2019;
    assert_eq!(r.assess(&req).unwrap_err().code, ErrorCode::NoRates);
    req.fiscal_year = 2025;
    req.household_number = "0000000000".into();
    assert_eq!(r.assess(&req).unwrap_err().code, ErrorCode::NotFound);
}
