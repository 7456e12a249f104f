//! One test per seeded fault: on the same data and request, the faulty reference gives at least
//! one answer different from the clean one (which the other tests tie to the oracle), so a
//! conformance suite can catch it.

use crate::assess::{amounts, oracle, requests};
use crate::lookup::{alone, event, person_query};
use crate::*;
use nhikit_reference::{Fault, Reference};
use nhikit_target::{
    CopayRequest, ErrorCode, EventKind, EventRequest, ExportRequest, ImportRequest, Target,
};

const N: u64 = 150;

fn pair(fault: Fault) -> (Fixture, Reference, Reference, Records) {
    let f = fixture(N, &[Format::Jsonl, Format::Csv]);
    let clean = loaded(&f, &[]);
    let faulty = loaded(&f, &[fault]);
    (f, clean, faulty, records(N, 7, MUNICIPALITIES))
}

/// Some household, at one of the income scales, is assessed differently; the clean answer
/// equals the oracle there.
fn assessment_differs(
    fault: Fault,
    fy: i32,
    scales: &[i64],
    prepare: impl Fn(&Reference, &Records),
) {
    let (_f, clean, faulty, recs) = pair(fault);
    prepare(&clean, &recs);
    prepare(&faulty, &recs);
    for &scale in scales {
        for h in &recs.households {
            let (want, req) = requests(&recs, h, fy, "natori", scale);
            let (Ok(c), Ok(x)) = (clean.assess(&req), faulty.assess(&req)) else {
                continue;
            };
            if c != x {
                if fault != Fault::ProrateLossMonth {
                    assert_eq!(amounts(&c), oracle(&want));
                }
                return;
            }
        }
    }
    panic!("{fault}: no assessment differs");
}

#[test]
fn round_household_total() {
    assessment_differs(Fault::RoundHouseholdTotal, 2025, &[1, 3], |_, _| {});
}

#[test]
fn ignore_fictive_head_income() {
    assessment_differs(Fault::IgnoreFictiveHeadIncome, 2025, &[1, 3], |_, _| {});
}

#[test]
fn preschool_before_reduction() {
    assessment_differs(Fault::PreschoolBeforeReduction, 2025, &[0, 1], |_, _| {});
}

#[test]
fn cap_on_total() {
    assessment_differs(Fault::CapOnTotal, 2025, &[3, 4, 5, 6, 8], |_, _| {});
}

#[test]
fn prorate_loss_month() {
    // Everyone acquired before the fiscal year loses on 2025-10-15: the clean reference counts
    // April–September, the faulty one April–October.
    assessment_differs(Fault::ProrateLossMonth, 2025, &[1], |r, recs| {
        for q in &recs.qualifications {
            if d(q, "acquisition_date").unwrap() < date("2025-04-01") {
                r.register_event(&event(q, EventKind::Loss, "2025-10-15", Some("03")))
                    .unwrap();
            }
        }
    });
}

#[test]
fn seventy_five_off_by_one() {
    let (_f, clean, faulty, recs) = pair(Fault::SeventyFiveOffByOne);
    // An insured person aged 74: on the 75th birthday NHI has ended (後期高齢者医療).
    let q = recs
        .qualifications
        .iter()
        .find(|q| nhikit_core::date::age_on(d(q, "birth_date").unwrap(), date("2026-04-01")) == 74)
        .unwrap();
    let birthday = nhikit_core::date::date_reaching_age(d(q, "birth_date").unwrap(), 75)
        .unwrap()
        .succ_opt()
        .unwrap();
    let req = CopayRequest {
        lgcode: s(q, "lgcode").into(),
        address_number: s(q, "address_number").into(),
        service_date: birthday,
        income: alone(),
    };
    assert_eq!(clean.copay_ratio(&req).unwrap().ratio, None);
    assert!(faulty.copay_ratio(&req).unwrap().ratio.is_some());
}

#[test]
fn kourei_from_birthday_month() {
    let (_f, clean, faulty, recs) = pair(Fault::KoureiFromBirthdayMonth);
    // An insured person who turns 70 (not born on the 1st) after the reference date.
    let q = recs
        .qualifications
        .iter()
        .find(|q| {
            let b = d(q, "birth_date").unwrap();
            nhikit_core::date::age_on(b, date("2026-04-01")) == 69 && chrono::Datelike::day(&b) > 2
        })
        .unwrap();
    let birthday = nhikit_core::date::date_reaching_age(d(q, "birth_date").unwrap(), 70)
        .unwrap()
        .succ_opt()
        .unwrap();
    let req = CopayRequest {
        lgcode: s(q, "lgcode").into(),
        address_number: s(q, "address_number").into(),
        service_date: birthday,
        income: alone(),
    };
    assert_eq!(
        clean.copay_ratio(&req).unwrap().ratio.map(|r| r.percent()),
        Some(30)
    );
    assert_eq!(
        faulty.copay_ratio(&req).unwrap().ratio.map(|r| r.percent()),
        Some(20)
    );
}

fn change(q: &Record, name: Option<&str>, kana: Option<&str>) -> EventRequest {
    EventRequest {
        name: name.map(str::to_owned),
        name_kana: kana.map(str::to_owned),
        ..event(q, EventKind::Change, "2026-04-01", None)
    }
}

#[test]
fn kana_truncate_20() {
    let (_f, clean, faulty, recs) = pair(Fault::KanaTruncate20);
    let q = &recs.qualifications[0];
    let long = "ヤマノウチ　アレクサンドラヒロミツコノリカズ".to_owned();
    assert!(long.chars().count() > 20);
    for r in [&clean, &faulty] {
        r.register_event(&change(q, None, Some(&long))).unwrap();
    }
    let ask = person_query(s(q, "lgcode"), s(q, "address_number"), date("2026-04-01"));
    assert_eq!(clean.lookup_person(&ask).unwrap().person.name_kana, long);
    assert_eq!(
        faulty
            .lookup_person(&ask)
            .unwrap()
            .person
            .name_kana
            .chars()
            .count(),
        20
    );
}

#[test]
fn surrogate_to_geta() {
    let (_f, clean, faulty, recs) = pair(Fault::SurrogateToGeta);
    let q = &recs.qualifications[0];
    for r in [&clean, &faulty] {
        r.register_event(&change(q, Some("𠮷田　太郎"), None))
            .unwrap();
    }
    let ask = person_query(s(q, "lgcode"), s(q, "address_number"), date("2026-04-01"));
    assert_eq!(clean.lookup_person(&ask).unwrap().person.name, "𠮷田　太郎");
    assert_eq!(
        faulty.lookup_person(&ask).unwrap().person.name,
        "〓田　太郎"
    );
}

#[test]
fn lookup_ignores_as_of() {
    let (_f, clean, faulty, recs) = pair(Fault::LookupIgnoresAsOf);
    let q = recs
        .qualifications
        .iter()
        .find(|q| d(q, "acquisition_date") > d(q, "birth_date"))
        .unwrap();
    let before = d(q, "acquisition_date").unwrap().pred_opt().unwrap();
    let ask = person_query(s(q, "lgcode"), s(q, "address_number"), before);
    assert!(clean.lookup_person(&ask).unwrap().qualification.is_none());
    assert!(faulty.lookup_person(&ask).unwrap().qualification.is_some());
}

#[test]
fn accept_events_after_death() {
    let f = fixture(20, &[Format::Jsonl]);
    // The first person of the first file died on 2026-01-10 (their qualification is still open).
    let (_, path) = jsonl_files(&f.dir, "person").remove(0);
    let mut who = (String::new(), String::new());
    edit_jsonl(&path, 1, |o| {
        o.insert("death_date".into(), "2026-01-10".into());
        who = (
            o["lgcode"].as_str().unwrap().into(),
            o["address_number"].as_str().unwrap().into(),
        );
    });
    let clean = loaded(&f, &[]);
    let faulty = loaded(&f, &[Fault::AcceptEventsAfterDeath]);
    let late_loss = EventRequest {
        lgcode: who.0.clone(),
        address_number: who.1.clone(),
        kind: EventKind::Loss,
        date: date("2026-03-01"),
        notified: None,
        reason: Some("01".into()),
        name: None,
        name_kana: None,
    };
    assert_eq!(
        clean.register_event(&late_loss).unwrap_err().code,
        ErrorCode::Conflict
    );
    assert!(faulty.register_event(&late_loss).is_ok());
    // The day after the death is the right 喪失日.
    let right = EventRequest {
        date: date("2026-01-11"),
        ..late_loss
    };
    assert!(clean.register_event(&right).is_ok());
}

fn bad_dataset(edit: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, 30, 3, &[Format::Jsonl], &["131016"]);
    edit(&ds);
    (tmp, ds)
}

fn import(r: &Reference, ds: &Path) -> Result<(), nhikit_target::TargetError> {
    r.import(&ImportRequest {
        dataset: Some(ds.to_path_buf()),
        files: Vec::new(),
    })
    .map(|_| ())
}

#[test]
fn accept_bad_check_digit() {
    let (_t, ds) = bad_dataset(|ds| {
        let (_, path) = jsonl_files(ds, "household").remove(0);
        edit_jsonl(&path, 2, |o| {
            let n = o["insurer_number"].as_str().unwrap().to_owned();
            let last = (n.as_bytes()[n.len() - 1] - b'0' + 1) % 10;
            o.insert(
                "insurer_number".into(),
                format!("{}{last}", &n[..n.len() - 1]).into(),
            );
        });
    });
    // The faulty reference may still refuse the record for naming no insurer, but never for
    // its check digit.
    let clean = Reference::in_memory().unwrap();
    let e = import(&clean, &ds).unwrap_err();
    assert!(
        e.rejections
            .iter()
            .any(|x| x.code == nhikit_target::RejectionCode::CheckDigit)
    );
    let faulty = Reference::in_memory()
        .unwrap()
        .with_faults(&[Fault::AcceptBadCheckDigit]);
    let e2 = import(&faulty, &ds).err();
    assert!(e2.is_none_or(|e| {
        !e.rejections
            .iter()
            .any(|x| x.code == nhikit_target::RejectionCode::CheckDigit)
    }));
}

#[test]
fn non_atomic_import() {
    let (_t, ds) = bad_dataset(|ds| {
        let (_, path) = jsonl_files(ds, "qualification").remove(0);
        edit_jsonl(&path, 5, |o| {
            o.insert("card_class".into(), "99".into());
        });
    });
    let clean = Reference::in_memory().unwrap();
    assert_eq!(
        import(&clean, &ds).unwrap_err().code,
        ErrorCode::ImportRejected
    );
    assert!(clean.counts().unwrap().is_empty());
    let faulty = Reference::in_memory()
        .unwrap()
        .with_faults(&[Fault::NonAtomicImport]);
    assert_eq!(
        import(&faulty, &ds).unwrap_err().code,
        ErrorCode::ImportRejected
    );
    let kept = faulty.counts().unwrap();
    assert!(
        kept.contains_key("person") && kept["qualification"] == 4,
        "{kept:?}"
    );
}

#[test]
fn accept_overlapping_qualifications() {
    let (_t, ds) = bad_dataset(|ds| {
        let (_, path) = jsonl_files(ds, "qualification").remove(0);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut o: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text.lines().next().unwrap()).unwrap();
        o.insert("qualification_seq".into(), 2.into());
        std::fs::write(&path, text + &serde_json::to_string(&o).unwrap() + "\n").unwrap();
    });
    let clean = Reference::in_memory().unwrap();
    assert_eq!(
        import(&clean, &ds).unwrap_err().code,
        ErrorCode::ImportRejected
    );
    let faulty = Reference::in_memory()
        .unwrap()
        .with_faults(&[Fault::AcceptOverlappingQualifications]);
    import(&faulty, &ds).unwrap();
}

#[test]
fn export_reorder_columns() {
    let (f, clean, faulty, _) = pair(Fault::ExportReorderColumns);
    let dirs = [f.tmp.path().join("clean"), f.tmp.path().join("faulty")];
    for (r, dir) in [&clean, &faulty].into_iter().zip(&dirs) {
        r.export(&ExportRequest {
            dir: dir.clone(),
            overwrite: false,
        })
        .unwrap();
    }
    assert_eq!(csv_hashes(&dirs[0]), csv_hashes(&f.dir));
    assert_ne!(csv_hashes(&dirs[1]), csv_hashes(&f.dir));
}

#[test]
fn every_fault_has_a_test_here() {
    let text = include_str!("faults.rs");
    for fault in Fault::ALL {
        let name = fault.name().replace('-', "_");
        assert!(
            text.contains(&format!("fn {name}()")),
            "no test for {fault}"
        );
    }
}
