//! Lookups as of dates, events, copay and certificates.

use crate::*;
use nhikit_target::{
    CertificateRequest, CopayRequest, ErrorCode, EventKind, EventRequest, HouseholdQuery,
    PersonQuery, Target,
};

pub fn person_query(lgcode: &str, an: &str, as_of: NaiveDate) -> PersonQuery {
    PersonQuery {
        lgcode: lgcode.into(),
        address_number: Some(an.into()),
        mynumber: None,
        as_of,
    }
}

pub fn event(q: &Record, kind: EventKind, on: &str, reason: Option<&str>) -> EventRequest {
    EventRequest {
        lgcode: s(q, "lgcode").into(),
        address_number: s(q, "address_number").into(),
        kind,
        date: date(on),
        notified: None,
        reason: reason.map(str::to_owned),
        name: None,
        name_kana: None,
    }
}

#[test]
fn person_lookup_follows_the_acquisition_date() {
    let f = fixture(40, &[Format::Jsonl]);
    let r = loaded(&f, &[]);
    let recs = records(40, 7, MUNICIPALITIES);
    let mut checked = 0;
    for q in &recs.qualifications {
        let acquired = d(q, "acquisition_date").unwrap();
        let birth = d(q, "birth_date").unwrap();
        let before = acquired.pred_opt().unwrap();
        let (lg, an) = (s(q, "lgcode"), s(q, "address_number"));
        let on = r.lookup_person(&person_query(lg, an, acquired)).unwrap();
        assert!(on.insured);
        assert_eq!(
            on.qualification.as_ref().unwrap().acquisition_date,
            acquired
        );
        assert_eq!(on.person.name, s(q, "name"));
        if before >= birth {
            let off = r.lookup_person(&person_query(lg, an, before)).unwrap();
            assert!(
                !off.insured,
                "{lg}/{an} insured on {before}, acquired {acquired}"
            );
            assert!(off.qualification.is_none());
        }
        checked += 1;
    }
    assert!(checked > 40);
    // By 個人番号.
    let q = recs
        .qualifications
        .iter()
        .find(|q| q.contains_key("mynumber"))
        .unwrap();
    let by = r
        .lookup_person(&PersonQuery {
            lgcode: String::new(),
            address_number: None,
            mynumber: Some(s(q, "mynumber").into()),
            as_of: date("2026-04-01"),
        })
        .unwrap();
    assert_eq!(by.person.address_number, s(q, "address_number"));
    // Unknown person, bad code.
    let e = r
        .lookup_person(&person_query("131016", "0000000000", date("2026-04-01")))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let e = r
        .lookup_person(&person_query("131017", "0000000000", date("2026-04-01")))
        .unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::InvalidRequest, Some("lgcode"))
    );
}

#[test]
fn household_lookup_lists_members_born_by_the_date() {
    let f = fixture(40, &[Format::Jsonl]);
    let r = loaded(&f, &[]);
    let recs = records(40, 7, MUNICIPALITIES);
    for h in &recs.households {
        let (lg, hh) = (s(h, "lgcode"), s(h, "household_number"));
        let members: Vec<&Record> = recs
            .persons
            .iter()
            .filter(|p| s(p, "lgcode") == lg && s(p, "household_number") == hh)
            .collect();
        let youngest = members
            .iter()
            .map(|p| d(p, "birth_date").unwrap())
            .max()
            .unwrap();
        let resp = r
            .lookup_household(&HouseholdQuery {
                lgcode: lg.into(),
                household_number: hh.into(),
                as_of: date("2026-04-01"),
            })
            .unwrap();
        assert_eq!(resp.members.len(), members.len());
        assert_eq!(resp.head_address_number, s(h, "head_address_number"));
        assert_eq!(resp.fictive_head, s(h, "fictive_head_flag") == "1");
        let earlier = r
            .lookup_household(&HouseholdQuery {
                lgcode: lg.into(),
                household_number: hh.into(),
                as_of: youngest.pred_opt().unwrap(),
            })
            .unwrap();
        assert_eq!(
            earlier.members.len(),
            members.len()
                - members
                    .iter()
                    .filter(|p| d(p, "birth_date") == Some(youngest))
                    .count()
        );
    }
}

#[test]
fn loss_and_reacquisition_events() {
    let f = fixture(30, &[Format::Jsonl]);
    let r = loaded(&f, &[]);
    let recs = records(30, 7, MUNICIPALITIES);
    let q = recs
        .qualifications
        .iter()
        .find(|q| d(q, "acquisition_date").unwrap() < date("2025-01-01"))
        .unwrap();
    let (lg, an) = (s(q, "lgcode"), s(q, "address_number"));
    // A loss with an unknown reason is refused.
    let e = r
        .register_event(&event(q, EventKind::Loss, "2025-10-15", Some("55")))
        .unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::InvalidRequest, Some("reason"))
    );
    let lost = r
        .register_event(&event(q, EventKind::Loss, "2025-10-15", Some("03")))
        .unwrap();
    assert_eq!(lost.qualification.loss_date, Some(date("2025-10-15")));
    assert!(
        r.lookup_person(&person_query(lg, an, date("2025-10-14")))
            .unwrap()
            .insured
    );
    assert!(
        !r.lookup_person(&person_query(lg, an, date("2025-10-15")))
            .unwrap()
            .insured
    );
    // Losing twice is a conflict; acquiring again opens qualification 2.
    let e = r
        .register_event(&event(q, EventKind::Loss, "2025-11-01", Some("03")))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    let e = r
        .register_event(&event(q, EventKind::Acquisition, "2025-09-01", Some("02")))
        .unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::Conflict,
        "overlaps the old qualification"
    );
    let again = r
        .register_event(&event(q, EventKind::Acquisition, "2026-01-05", Some("02")))
        .unwrap();
    assert_eq!(again.qualification.seq, 2);
    assert_eq!(again.qualification.edaban, s(q, "edaban"));
    assert!(
        !r.lookup_person(&person_query(lg, an, date("2025-12-31")))
            .unwrap()
            .insured
    );
    let now = r
        .lookup_person(&person_query(lg, an, date("2026-01-05")))
        .unwrap();
    assert_eq!(now.qualification.unwrap().seq, 2);
    // The certificate of the new qualification.
    let c = r
        .issue_certificate(&CertificateRequest {
            lgcode: lg.into(),
            address_number: an.into(),
            issue_date: date("2026-02-01"),
        })
        .unwrap();
    assert_eq!(c.acquisition_date, date("2026-01-05"));
    assert_eq!(c.insured_number, s(q, "insured_number"));
    assert!(c.valid_until <= date("2026-07-31"));
    let e = r
        .issue_certificate(&CertificateRequest {
            lgcode: lg.into(),
            address_number: an.into(),
            issue_date: date("2025-12-01"),
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotInsured);
}

#[test]
fn copay_equals_the_oracle_for_insured_persons() {
    let f = fixture(40, &[Format::Jsonl]);
    let r = loaded(&f, &[]);
    let recs = records(40, 7, MUNICIPALITIES);
    let on = date("2026-06-01");
    for q in &recs.qualifications {
        let birth = d(q, "birth_date").unwrap();
        let got = r
            .copay_ratio(&CopayRequest {
                lgcode: s(q, "lgcode").into(),
                address_number: s(q, "address_number").into(),
                service_date: on,
                income: alone(),
            })
            .unwrap();
        let want = nhikit_rules::copay::copay_ratio(birth, on, &alone()).unwrap();
        assert_eq!(
            (got.ratio, got.category, got.age),
            (want.ratio, want.category, want.age)
        );
    }
}

/// 70–74 income facts of a person alone with no income.
pub fn alone() -> nhikit_rules::copay::KoureiIncome {
    nhikit_rules::copay::KoureiIncome {
        kourei_members: 1,
        ..Default::default()
    }
}

/// The `high_cost_limit` example of docs/target-interface.md, answered by the reference. By
/// hand: ウ 80,100 + (1,000,000 − 267,000) × 1% = 87,430; refund 300,000 − 87,430 = 212,570.
#[test]
fn high_cost_doc_example() {
    let doc = include_str!("../../../../docs/target-interface.md");
    let block = |marker: &str| {
        let at = doc.find(marker).unwrap();
        let rest = &doc[at..];
        let start = rest.find("```json\n").unwrap() + 8;
        let end = rest[start..].find("```").unwrap();
        rest[start..start + end].to_owned()
    };
    let req: nhikit_target::HighCostRequest =
        serde_json::from_str(&block("<!-- target-example request high-cost -->")).unwrap();
    let want: nhikit_target::HighCostResponse =
        serde_json::from_str(&block("<!-- target-example response high-cost -->")).unwrap();
    let r = nhikit_reference::Reference::in_memory().unwrap();
    let got = r.high_cost_limit(&req).unwrap();
    assert_eq!(got, want);
    assert_eq!(got.household_limit.map(|y| y.0), Some(87_430));
}
