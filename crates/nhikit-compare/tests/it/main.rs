//! Integration tests of the comparison: the builtin reference against itself with seeded
//! faults, whose effects are counted independently by calling the two targets directly.
#![allow(clippy::unwrap_used)]

use nhikit_adapters::{ConnectOptions, SharedTarget, connect};
use nhikit_compare::{Class, Comparison, KnownList, Options, compare};
use nhikit_target::AssessRequest;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A dataset shared by the tests (generated once): (directory, households).
fn dataset(profile: nhikit_synth::Profile) -> PathBuf {
    static REALISTIC: OnceLock<tempfile::TempDir> = OnceLock::new();
    static EDGE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let cell = match profile {
        nhikit_synth::Profile::Edge => &EDGE,
        _ => &REALISTIC,
    };
    let dir = cell.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        nhikit_conform::data::generate_profile(&d.path().join("data"), 7, 150, &[], profile)
            .unwrap();
        d
    });
    dir.path().join("data")
}

fn builtin(faults: &[&str]) -> SharedTarget {
    connect(
        "builtin",
        &ConnectOptions {
            faults: faults.iter().map(|f| (*f).to_owned()).collect(),
            ..ConnectOptions::default()
        },
    )
    .unwrap()
}

fn run(current: &[&str], new: &[&str], data: &Path, options: &Options) -> Comparison {
    compare(
        &*builtin(current),
        &*builtin(new),
        data,
        options,
        &mut |_| {},
    )
    .unwrap()
}

fn households(data: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    nhikit_compare::source::Source::open(data)
        .unwrap()
        .for_each_household(&mut |h| {
            out.push((h.lgcode().to_owned(), h.household_number().to_owned()));
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn identical_targets_give_no_findings() {
    let data = dataset(nhikit_synth::Profile::Realistic);
    let r = run(&[], &[], &data, &Options::default());
    assert_eq!(r.households, 150);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    // Every operation was exercised, the export record by record.
    for op in nhikit_compare::OPERATIONS {
        assert!(
            r.totals.get(op).is_some_and(|t| t.calls > 0),
            "{op}: {:?}",
            r.totals
        );
    }
}

#[test]
fn a_fault_of_the_new_system_is_new_wrong_and_one_finding() {
    let data = dataset(nhikit_synth::Profile::Realistic);
    let r = run(&[], &["round-household-total"], &data, &Options::default());
    // Independently: the households whose assessment the fault changes, by asking a plain
    // reference and a faulty one directly (no diffing or grouping of the compare crate).
    let (plain, faulty) = (builtin(&[]), builtin(&["round-household-total"]));
    let import = nhikit_target::ImportRequest {
        dataset: Some(data.clone()),
        files: Vec::new(),
    };
    plain.import(&import).unwrap();
    faulty.import(&import).unwrap();
    let affected = households(&data)
        .into_iter()
        .filter(|(lg, hh)| {
            let q = AssessRequest {
                lgcode: lg.clone(),
                household_number: hh.clone(),
                fiscal_year: 2026,
                rates: None,
                incomes: Default::default(),
                specified_household: Default::default(),
            };
            plain.assess(&q).ok() != faulty.assess(&q).ok()
        })
        .count() as u64;
    assert!(
        affected > 10,
        "the dataset must show the fault ({affected})"
    );
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!((f.operation.as_str(), f.item.as_str()), ("assess", "total"));
    assert_eq!(f.class, Class::NewWrong);
    assert_eq!(f.count, affected);
    assert_eq!(f.examples.len(), 3);
    assert!(
        f.derivation
            .as_deref()
            .is_some_and(|d| d.contains("premium::assess"))
    );
    let scenario = f.scenario.as_deref().unwrap();
    assert!(
        scenario.contains("op = \"assess\"") && scenario.contains("oracle = true"),
        "{scenario}"
    );
}

#[test]
fn faults_on_either_side_are_told_apart() {
    let data = dataset(nhikit_synth::Profile::Edge);
    let r = run(
        &["kana-truncate-20"],
        &["round-household-total"],
        &data,
        &Options::default(),
    );
    assert!(!r.findings.is_empty());
    for f in &r.findings {
        let kana = f.item.ends_with("_kana") || f.item.contains("カナ");
        match f.class {
            Class::NewWrong => assert!(f.operation == "assess" && f.item == "total", "{f:?}"),
            Class::CurrentWrong => assert!(kana && f.shape == "truncated", "{f:?}"),
            other => panic!("unexpected class {other}: {f:?}"),
        }
    }
    assert!(
        r.findings
            .iter()
            .any(|f| f.class == Class::CurrentWrong && f.operation == "lookup_person")
    );
    assert!(r.findings.iter().any(|f| f.class == Class::NewWrong));
}

#[test]
fn both_systems_agreeing_against_the_oracle_is_found() {
    let data = dataset(nhikit_synth::Profile::Realistic);
    let options = Options {
        export: false,
        ..Options::default()
    };
    let r = run(
        &["round-household-total"],
        &["round-household-total"],
        &data,
        &options,
    );
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    assert_eq!(r.findings[0].class, Class::BothAgreeNotOracle);
    assert_eq!(r.findings[0].item, "total");
}

#[test]
fn known_differences_accept_findings_and_report_stale_entries() {
    let data = dataset(nhikit_synth::Profile::Realistic);
    let options = Options {
        export: false,
        ..Options::default()
    };
    let mut r = run(&[], &["round-household-total"], &data, &options);
    let known = KnownList::parse(
        Path::new("known.toml"),
        "[[known]]\noperation = \"assess\"\nitem = \"total\"\nclass = \"new_wrong\"\n\
         reason = \"rounded once in the new system; accepted by 国保年金課\"\nowner = \"system-team\"\n\n\
         [[known]]\noperation = \"copay_ratio\"\nitem = \"ratio\"\nclass = \"current_wrong\"\n\
         reason = \"old\"\nowner = \"x\"\n",
    )
    .unwrap();
    r.apply_known(&known);
    assert_eq!(r.new_findings().count(), 0);
    assert_eq!(r.stale_known.len(), 1);
    assert_eq!(r.stale_known[0].at, "known.toml:8");
}

#[test]
fn reports_are_written_and_the_junit_xml_parses() {
    let data = dataset(nhikit_synth::Profile::Realistic);
    let options = Options {
        export: false,
        ..Options::default()
    };
    let r = run(&[], &["round-household-total"], &data, &options);
    let out = tempfile::tempdir().unwrap();
    let header = nhikit_compare::Header {
        current: "builtin".into(),
        new: "builtin (faults: round-household-total)".into(),
        data: "test".into(),
        run_date: "2026-12-07T00:00:00Z".into(),
        nhikit_version: "0.1.0".into(),
        seconds: 1.0,
    };
    nhikit_compare::write_reports(out.path(), &r, &header).unwrap();
    // A JUnit consumer's view: testsuites > testsuite > testcase (one per finding) > failure.
    let xml = std::fs::read_to_string(out.path().join("compare.junit.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut depth_ok) = (0, 0, true);
    let mut stack: Vec<String> = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref().as_bytes()).into_owned();
                match name.as_str() {
                    "testcase" => {
                        cases += 1;
                        depth_ok &= stack.last().map(String::as_str) == Some("testsuite");
                    }
                    "failure" => failures += 1,
                    _ => {}
                }
                stack.push(name);
            }
            quick_xml::events::Event::End(_) => {
                stack.pop();
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert!(depth_ok && stack.is_empty());
    assert_eq!((cases, failures), (r.findings.len(), r.findings.len()));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("compare.json")).unwrap())
            .unwrap();
    assert_eq!(json["ok"], false);
    assert_eq!(json["comparison"]["findings"][0]["class"], "new_wrong");
    let html = std::fs::read_to_string(out.path().join("compare.html")).unwrap();
    assert!(html.contains("lang=\"ja\"") && html.contains("2026-12-07T00:00:00Z"));
    assert!(out.path().join("scenarios/requirements.toml").is_file());
    assert!(
        out.path()
            .join("scenarios/compare-f001-assess.toml")
            .is_file()
    );
}
