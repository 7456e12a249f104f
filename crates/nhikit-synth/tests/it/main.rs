//! Integration tests of nhikit-synth.
#![allow(clippy::unwrap_used)]

mod benefits;
mod extras;
mod history;
mod plan;
mod realism;
mod records;
mod years;

use nhikit_schema::{Record, RecordCollector, Schema};
use nhikit_synth::{Generator, Options, Reference};
use std::path::Path;
use std::sync::OnceLock;

/// The shipped schema.
pub fn schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(|| {
        nhikit_schema::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas"))
            .unwrap()
    })
}

/// The embedded reference data.
pub fn reference() -> &'static Reference {
    static R: OnceLock<Reference> = OnceLock::new();
    R.get_or_init(|| Reference::embedded().unwrap())
}

/// All records of a run, per entity (households, persons, qualifications), checked against
/// the schema's item order as they are written.
pub fn generate(options: &Options) -> [Vec<Record>; 3] {
    let s = schema();
    let g = Generator::new(reference(), options).unwrap();
    let (eh, ep, eq) = (
        s.entity("household").unwrap(),
        s.entity("person").unwrap(),
        s.entity("qualification").unwrap(),
    );
    let (mut h, mut p, mut q) = (
        RecordCollector::new(eh),
        RecordCollector::new(ep),
        RecordCollector::new(eq),
    );
    for part in &g.plan().parts {
        g.write_part(part, &mut h, &mut p, &mut q);
    }
    for c in [&h, &p, &q] {
        assert!(c.errors.is_empty(), "{:?}", c.errors);
    }
    [h.records, p.records, q.records]
}

/// Asserts that the collector of entity `name` read every row and that every record is valid
/// against the schema.
pub fn assert_valid(name: &str, c: &RecordCollector) {
    assert!(c.errors.is_empty(), "{name}: {:?}", c.errors.first());
    let v = schema()
        .entity(name)
        .unwrap()
        .validate_batch(schema(), &c.records);
    assert!(
        v.is_empty(),
        "{name}: {} violations, first {:?}",
        v.len(),
        v[0]
    );
}

/// Record accessors shared by the tests: `None` (or a panic for `int`) when the item is
/// absent or of another type.
pub mod rec {
    use nhikit_core::date::NaiveDate;
    use nhikit_schema::{Record, Value};

    /// A string item.
    pub fn s<'a>(r: &'a Record, item: &str) -> Option<&'a str> {
        match r.get(item) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A date item.
    pub fn date(r: &Record, item: &str) -> Option<NaiveDate> {
        match r.get(item) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    /// An integer item; panics on anything else (null included).
    pub fn int(r: &Record, item: &str) -> i64 {
        match r.get(item) {
            Some(Value::Int(n)) => *n,
            other => panic!("{item}: {other:?}"),
        }
    }
}
