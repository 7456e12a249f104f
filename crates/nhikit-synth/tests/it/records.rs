//! Generated records: valid against the schema, consistent, unique, deterministic.

use crate::{generate, schema};
use nhikit_core::date::{NaiveDate, age_on};
use nhikit_schema::{Record, Value};
use nhikit_synth::Options;
use std::collections::{BTreeMap, BTreeSet};

fn options(households: u64, seed: u64) -> Options {
    Options {
        households,
        seed,
        ..Options::default()
    }
}

fn s<'a>(r: &'a Record, item: &str) -> &'a str {
    match r.get(item) {
        Some(Value::Str(s)) => s,
        other => panic!("{item}: {other:?}"),
    }
}

fn date(r: &Record, item: &str) -> NaiveDate {
    match r.get(item) {
        Some(Value::Date(d)) => *d,
        other => panic!("{item}: {other:?}"),
    }
}

#[test]
fn records_are_valid_against_the_schema() {
    let [h, p, q] = generate(&options(3000, 1));
    let s = schema();
    for (entity, records) in [("household", &h), ("person", &p), ("qualification", &q)] {
        let e = s.entity(entity).unwrap();
        let v = e.validate_batch(s, records);
        assert!(
            v.is_empty(),
            "{entity}: {} violations, first: {}",
            v.len(),
            v[0]
        );
    }
    assert_eq!(h.len(), 3000);
}

#[test]
fn same_seed_same_records_other_seed_other_records() {
    let a = generate(&options(500, 7));
    let b = generate(&options(500, 7));
    let c = generate(&options(500, 8));
    assert_eq!(a, b);
    assert_ne!(a[1], c[1]);
}

#[test]
fn households_keep_their_records_when_more_are_generated() {
    // Generation is keyed by (municipality, local index): household k of a municipality is
    // the same whatever the total.
    let only = vec!["131016".to_owned()];
    let small = generate(&Options {
        households: 50,
        municipalities: only.clone(),
        ..options(0, 3)
    });
    let large = generate(&Options {
        households: 200,
        municipalities: only,
        ..options(0, 3)
    });
    assert_eq!(small[0][..], large[0][..50]);
}

#[test]
fn identifiers_are_unique() {
    let [h, p, _] = generate(&options(20_000, 11));
    let mut addresses = BTreeSet::new();
    let mut households = BTreeSet::new();
    let mut my_numbers = BTreeSet::new();
    for r in &p {
        assert!(addresses.insert((s(r, "lgcode").to_owned(), s(r, "address_number").to_owned())));
        if let Some(Value::Str(n)) = r.get("mynumber") {
            assert!(my_numbers.insert(n.clone()), "個人番号 {n} twice");
        }
    }
    for r in &h {
        assert!(households.insert((
            s(r, "lgcode").to_owned(),
            s(r, "household_number").to_owned()
        )));
    }
}

#[test]
fn households_are_consistent() {
    let as_of = Options::default().as_of;
    let [h, p, q] = generate(&options(5000, 5));
    let mut members: BTreeMap<(String, String), Vec<&Record>> = BTreeMap::new();
    for r in &p {
        members
            .entry((
                s(r, "lgcode").to_owned(),
                s(r, "household_number").to_owned(),
            ))
            .or_default()
            .push(r);
    }
    for r in &h {
        let key = (
            s(r, "lgcode").to_owned(),
            s(r, "household_number").to_owned(),
        );
        let ms = &members[&key];
        // Exactly one 世帯主, and it is the household's head.
        let heads: Vec<_> = ms.iter().filter(|m| s(m, "relationship") == "01").collect();
        assert_eq!(heads.len(), 1);
        assert_eq!(s(heads[0], "address_number"), s(r, "head_address_number"));
        assert_eq!(s(heads[0], "name"), s(r, "head_name"));
        // Parents at least 15 years older than their children.
        let oldest_child = ms
            .iter()
            .filter(|m| s(m, "relationship") == "06")
            .map(|m| date(m, "birth_date"))
            .min();
        if let Some(child) = oldest_child {
            for parent in ms
                .iter()
                .filter(|m| ["01", "02", "03"].contains(&s(m, "relationship")))
            {
                let gap = age_on(date(parent, "birth_date"), child);
                assert!(
                    gap >= 15,
                    "parent born {} child {}",
                    date(parent, "birth_date"),
                    child
                );
            }
        }
    }
    for r in &q {
        let birth = date(r, "birth_date");
        let acquired = date(r, "acquisition_date");
        assert!(birth <= acquired && acquired <= as_of, "{birth} {acquired}");
        assert!(date(r, "acquisition_notified_date") >= acquired);
        // NHI ends at 75: no insured person is 75 or older on the reference date.
        assert!(age_on(birth, as_of) < 75);
    }
}
