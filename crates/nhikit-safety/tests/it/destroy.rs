//! `destroy`: refuses what is not a dataset, removes a dataset and records it.

use crate::{generate, options};
use nhikit_safety::{DestroyOptions, dataset_id, destroy};

fn opts(op: &str) -> DestroyOptions {
    DestroyOptions {
        operator: op.into(),
        ..DestroyOptions::default()
    }
}

#[test]
fn destroys_a_dataset_and_the_record_verifies() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    generate(&dir, &schema, &options(7, 40), "parquet,csv");
    let id = dataset_id(&dir).unwrap();
    let manifest = nhikit_io::Manifest::read(&dir).unwrap();
    let log = crate::keyed(tmp.path().join("audit.jsonl"));
    let done = destroy(&dir, &opts("alice"), &log).unwrap();
    assert!(!dir.exists());
    assert_eq!(done.dataset, id);
    assert_eq!(done.files.len(), manifest.files.len());
    assert!(done.altered.is_empty());
    log.append(done.to_entry()).unwrap();
    assert!(log.verify().unwrap().problems.is_empty());
    let report = log.report().unwrap();
    assert_eq!(
        report[0].destroyed.as_ref().unwrap().details["method"],
        "delete"
    );
}

#[test]
fn refuses_a_directory_that_is_not_a_dataset_or_has_extra_files() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let log = crate::keyed(tmp.path().join("audit.jsonl"));
    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("precious.txt"), "x").unwrap();
    assert!(destroy(&plain, &opts("alice"), &log).is_err());
    assert!(plain.join("precious.txt").exists());
    let dir = tmp.path().join("d");
    generate(&dir, &schema, &options(7, 20), "jsonl");
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let err = destroy(&dir, &opts("alice"), &log).unwrap_err();
    assert!(err.to_string().contains("does not list"), "{err}");
    assert!(dir.join("manifest.json").exists());
}

#[test]
fn two_person_destruction_needs_a_distinct_second_operator() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let log = crate::keyed(tmp.path().join("audit.jsonl"));
    let dir = tmp.path().join("d");
    generate(&dir, &schema, &options(7, 20), "jsonl");
    let mut o = opts("alice");
    o.two_person = true;
    assert!(destroy(&dir, &o, &log).is_err());
    for same in ["alice", "Alice", "\u{430}lice", "ali\u{200b}ce"] {
        o.confirm_operator = Some(same.into());
        assert!(destroy(&dir, &o, &log).is_err(), "{same:?}");
    }
    assert!(dir.exists());
    // Two names are not enough: both operators must prove registered keys.
    o.confirm_operator = Some("bob".into());
    let err = destroy(&dir, &o, &log).unwrap_err().to_string();
    assert!(err.contains("registered keys"), "{err}");
    assert!(dir.exists());
    // Without --two-person, a confirming name is recorded as given (normalized).
    o.two_person = false;
    let done = destroy(&dir, &o, &log).unwrap();
    assert_eq!(done.confirmed_by.as_deref(), Some("bob"));
    assert!(!dir.exists());
}
