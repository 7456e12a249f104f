//! Integration tests of the reference target: import/export round trip against the generator's
//! bytes, all-or-nothing rejection, lookups as of dates, assessments against the oracle, and one
//! test per seeded fault.
#![allow(clippy::unwrap_used, missing_docs)]

mod assess;
mod concurrency;
mod contain;
mod faults;
mod import_export;
mod lookup;
mod orphans;

use nhikit_core::date::NaiveDate;
use nhikit_io::{DatasetWriter, Format, Manifest, ManifestInfo, Partition, WriterOptions};
use nhikit_reference::Reference;
use nhikit_schema::{Record, RecordCollector, Value};
use nhikit_synth::{Generator, Options};
use nhikit_target::{ImportRequest, Target};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Writes a dataset the way `nhikit gen` does (insurers, then every part of the plan).
pub fn generate(
    out: &Path,
    households: u64,
    seed: u64,
    formats: &[Format],
    municipalities: &[&str],
) {
    let schema = nhikit_schema::embedded().unwrap();
    let reference = nhikit_synth::Reference::embedded().unwrap();
    let options = Options {
        seed,
        households,
        municipalities: municipalities.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    };
    let g = Generator::new(&reference, &options).unwrap();
    let w = DatasetWriter::create(
        out,
        &schema,
        WriterOptions {
            formats: formats.to_vec(),
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut ins = w.table_part("insurer", 0).unwrap();
    g.write_insurers(&mut ins);
    ins.finish().unwrap();
    for part in &g.plan().parts {
        let partition = Partition::prefecture(part.prefecture);
        let mut h = w.part("household", &partition, part.number).unwrap();
        let mut p = w.part("person", &partition, part.number).unwrap();
        let mut q = w.part("qualification", &partition, part.number).unwrap();
        g.write_part(part, &mut h, &mut p, &mut q);
        h.finish().unwrap();
        p.finish().unwrap();
        q.finish().unwrap();
    }
    w.finish(ManifestInfo::default()).unwrap();
}

/// The generated records (households, persons, qualifications) of the same options, in memory.
pub struct Records {
    pub households: Vec<Record>,
    pub persons: Vec<Record>,
    pub qualifications: Vec<Record>,
}

pub fn records(households: u64, seed: u64, municipalities: &[&str]) -> Records {
    let schema = nhikit_schema::embedded().unwrap();
    let reference = nhikit_synth::Reference::embedded().unwrap();
    let options = Options {
        seed,
        households,
        municipalities: municipalities.iter().map(|s| s.to_string()).collect(),
        ..Options::default()
    };
    let g = Generator::new(&reference, &options).unwrap();
    let mut h = RecordCollector::new(schema.entity("household").unwrap());
    let mut p = RecordCollector::new(schema.entity("person").unwrap());
    let mut q = RecordCollector::new(schema.entity("qualification").unwrap());
    for part in &g.plan().parts {
        g.write_part(part, &mut h, &mut p, &mut q);
    }
    Records {
        households: h.records,
        persons: p.records,
        qualifications: q.records,
    }
}

pub fn s<'a>(r: &'a Record, item: &str) -> &'a str {
    match r.get(item) {
        Some(Value::Str(s)) => s,
        other => panic!("{item}: {other:?}"),
    }
}

pub fn d(r: &Record, item: &str) -> Option<NaiveDate> {
    match r.get(item) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

/// SHA-256 per CSV file of a dataset's manifest.
pub fn csv_hashes(dir: &Path) -> BTreeMap<String, String> {
    Manifest::read(dir)
        .unwrap()
        .files
        .into_iter()
        .filter(|f| f.format == Format::Csv)
        .map(|f| (f.path, f.sha256))
        .collect()
}

/// A temporary directory with a generated dataset in `ds`.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

pub const MUNICIPALITIES: &[&str] = &["131016", "042072"];

pub fn fixture(households: u64, formats: &[Format]) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    generate(&dir, households, 7, formats, MUNICIPALITIES);
    Fixture { tmp, dir }
}

pub fn loaded(f: &Fixture, faults: &[nhikit_reference::Fault]) -> Reference {
    let r = Reference::in_memory().unwrap().with_faults(faults);
    r.import(&ImportRequest {
        dataset: Some(f.dir.clone()),
        files: Vec::new(),
    })
    .unwrap();
    r
}

/// Rewrites line `row` (1-based, JSON Lines) of a file with `edit`.
pub fn edit_jsonl(
    path: &Path,
    row: usize,
    edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut obj: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&lines[row - 1]).unwrap();
    edit(&mut obj);
    lines[row - 1] = serde_json::to_string(&obj).unwrap();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// The JSON Lines files of an entity in a dataset, sorted.
pub fn jsonl_files(dir: &Path, entity: &str) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = Manifest::read(dir)
        .unwrap()
        .files
        .into_iter()
        .filter(|f| f.format == Format::Jsonl && f.entity == entity)
        .map(|f| (f.path.clone(), dir.join(&f.path)))
        .collect();
    v.sort();
    v
}
