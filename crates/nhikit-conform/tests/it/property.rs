//! Property-based cases against the builtin reference: a correct target passes every case, a
//! seeded fault is found and shrunk, and the written scenario reproduces it.

use nhikit_conform::{
    Catalog, Outcome, PropertyOptions, PropertyRun, Runner, SharedTarget, parse_scenario,
    run_property,
};
use nhikit_reference::{Fault, Reference};
use std::path::Path;
use std::sync::Arc;

fn requirements() -> Catalog {
    Catalog::load(&crate::scenarios_dir().join("../requirements.toml")).unwrap()
}

fn property(runner: &Runner, faults: &[Fault], cases: u32, seed: u64) -> PropertyRun {
    let connect = crate::faulty_builtin(faults);
    run_property(
        runner,
        &requirements(),
        &connect,
        &PropertyOptions {
            cases,
            seed,
            ..PropertyOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn a_correct_reference_passes_every_case() {
    let runner = Runner::new().unwrap();
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(24);
    let run = property(&runner, &[], cases, 11);
    for r in &run.results {
        assert_eq!(r.outcome, Outcome::Pass, "{r:#?}");
    }
    assert!(run.failure.is_none(), "{:#?}", run.failure);
    assert_eq!(run.results.len(), cases as usize);
}

#[test]
fn a_fault_is_found_shrunk_and_written_as_a_scenario() {
    let runner = Runner::new().unwrap();
    let run = property(&runner, &[Fault::CapOnTotal], 64, 1);
    let f = run.failure.expect("cap-on-total is found");
    let last = run.results.last().unwrap();
    assert_eq!(last.outcome, Outcome::Fail);
    assert_eq!(last.id, f.id);
    let s = parse_scenario(Path::new("x.toml"), &f.scenario, &requirements()).unwrap();
    assert_eq!(s.id, f.id);
    assert!(s.tags.contains(&"property".to_owned()));
    assert!(
        s.requirements.contains(&"PREM-CAP".to_owned()),
        "{:?}",
        s.requirements
    );
    // Shrunk: one person is enough to put some parts over their cap and others not, and the
    // first failing case had at least as many.
    assert_eq!(f.persons.0, 1, "{}", f.scenario);
    assert!(f.persons.0 <= f.persons.1);
    assert!(f.shrink_steps >= 1 && f.shrink_runs >= f.shrink_steps);
    // The written case is about the fault, not the data: it passes against a correct target.
    let clean = || -> Result<SharedTarget, String> {
        Ok(Arc::new(Reference::in_memory().map_err(|e| e.to_string())?))
    };
    let r = runner.run(&[s], &clean, &nhikit_conform::RunOptions::default());
    assert_eq!(r[0].outcome, Outcome::Pass, "{:#?}", r[0]);
}

/// The inline-data example of docs/scenario-format.md, completed with a person and a
/// qualification, loads, imports and round-trips through an export.
const INLINE: &str = r#"
id = "inline-example"
title = "Inline records import and export unchanged"
requirements = ["IO-ROUND-TRIP"]

[[data.insurer]]
insurer_number = "040063"
insurer_kind = "1"
name = "名取市"
name_kana = "ナトリシ"
prefecture_code = "04"
lgcode = "042072"
premium_form = "1"
valid_from = "1961-04-01"

[[data.household]]
lgcode = "042072"
household_number = "9017068510"
insurer_number = "040063"
insured_symbol = "3818"
insured_number = "87038497"
head_address_number = "1541862683"
head_name = "坂　叶夢"
head_name_kana = "サカ　トム"
fictive_head_flag = "0"
postal_code = "9811239"
address = "宮城県名取市愛島塩手６５番地"
nhi_acquisition_date = 2005-06-17

[[data.person]]
lgcode = "042072"
address_number = "1541862683"
household_number = "9017068510"
mynumber = "083440673379"
name = "坂　叶夢"
name_kana = "サカ　トム"
birth_date = "1987-03-01"
sex = "1"
relationship = "01"
resident_kind = "1"
resident_status = "1"
resident_since = "2016-04-11"
support_measure = false

[[data.qualification]]
lgcode = "042072"
address_number = "1541862683"
qualification_seq = 1
insurer_number = "040063"
household_number = "9017068510"
insured_symbol = "3818"
insured_number = "87038497"
edaban = "01"
mynumber = "083440673379"
name = "坂　叶夢"
name_kana = "サカ　トム"
birth_date = "1987-03-01"
sex = "1"
insured_class = "1"
head_family_class = "1"
card_class = "01"
acquisition_date = "2016-04-11"
acquisition_reason = "01"
acquisition_notified_date = "2016-04-12"
jushochi_tokurei = false

[[step]]
op = "export"
expect.round_trip = true

[[step]]
op = "lookup_person"
request = { lgcode = "042072", address_number = "1541862683", as_of = "2025-04-01" }
expect.oracle = true
expect.equals = { insured = true, person = { name = "坂　叶夢" } }
"#;

#[test]
fn inline_records_load_import_and_round_trip() {
    let catalog = requirements();
    let s = parse_scenario(Path::new("inline.toml"), INLINE, &catalog).unwrap();
    let runner = Runner::new().unwrap();
    let connect = || -> Result<SharedTarget, String> {
        Ok(Arc::new(Reference::in_memory().map_err(|e| e.to_string())?))
    };
    let r = runner.run(&[s], &connect, &nhikit_conform::RunOptions::default());
    assert_eq!(r[0].outcome, Outcome::Pass, "{:#?}", r[0]);
}

#[test]
fn inline_record_mistakes_are_named() {
    let catalog = requirements();
    // A float is no record value: the error points at the record's line.
    let bad = INLINE.replace("qualification_seq = 1", "qualification_seq = 1.5");
    let e = parse_scenario(Path::new("inline.toml"), &bad, &catalog).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("inline.toml:"), "{msg}");
    assert!(
        msg.contains("[[data.qualification]]") && msg.contains("qualification_seq"),
        "{msg}"
    );
    // Records and a generator seed at once.
    let both = INLINE.replace(
        "[[data.insurer]]",
        "[data]\nseed = 1\nhouseholds = 2\n\n[[data.insurer]]",
    );
    let e = parse_scenario(Path::new("inline.toml"), &both, &catalog).unwrap_err();
    assert!(e.to_string().contains("give one of"), "{e}");
    // An item the schema does not have: an error result naming the record and the item.
    let unknown = INLINE.replace(
        "sex = \"1\"\nrelationship",
        "sex = \"1\"\nshoe_size = 27\nrelationship",
    );
    let s = parse_scenario(Path::new("inline.toml"), &unknown, &catalog).unwrap();
    let runner = Runner::new().unwrap();
    let connect = || -> Result<SharedTarget, String> {
        Ok(Arc::new(Reference::in_memory().map_err(|e| e.to_string())?))
    };
    let r = runner.run(&[s], &connect, &nhikit_conform::RunOptions::default());
    assert_eq!(r[0].outcome, Outcome::Error, "{:#?}", r[0]);
    let msg = &r[0].failure.as_ref().unwrap().message;
    assert!(
        msg.contains("[[data.person]] #1") && msg.contains("shoe_size"),
        "{msg}"
    );
}
