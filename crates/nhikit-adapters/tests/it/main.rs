//! Integration tests of the adapters: each adapter against the reference (or a toy, or a
//! hostile peer) through a real transport — loopback HTTP, child processes, files.
#![allow(clippy::unwrap_used, missing_docs)]

mod files;
mod http;
mod process;
mod spec;

use nhikit_io::{DatasetWriter, Format, Manifest, ManifestInfo, Partition, WriterOptions};
use nhikit_synth::{Generator, Options};
use nhikit_target::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A small dataset (JSON Lines), written once per test binary.
pub fn dataset() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("ds");
        generate(&out, 12, 11, &["131016", "042072"]);
        (tmp, out)
    })
    .1
}

/// Writes a dataset the way `nhikit gen` does (insurers, then every part of the plan).
fn generate(out: &Path, households: u64, seed: u64, municipalities: &[&str]) {
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
            formats: vec![Format::Jsonl],
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

/// Connects to the target of the profile file `profile`, each call timing out after
/// `timeout_ms`.
pub fn connect_with_timeout(profile: &Path, timeout_ms: u64) -> nhikit_adapters::SharedTarget {
    nhikit_adapters::connect(
        profile.to_str().unwrap(),
        &nhikit_adapters::ConnectOptions {
            timeout: Some(std::time::Duration::from_millis(timeout_ms)),
            ..nhikit_adapters::ConnectOptions::default()
        },
    )
    .unwrap()
}

/// The first `n` persons of the dataset, as JSON records.
pub fn persons(dir: &Path, n: usize) -> Vec<Value> {
    let manifest = Manifest::read(dir).unwrap();
    let mut out = Vec::new();
    for f in manifest
        .files
        .iter()
        .filter(|f| f.entity == "person" && f.format == Format::Jsonl)
    {
        let text = std::fs::read_to_string(dir.join(&f.path)).unwrap();
        out.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()),
        );
    }
    out.truncate(n);
    assert_eq!(out.len(), n, "the dataset has fewer than {n} persons");
    out
}

fn as_json<T: serde::Serialize>(r: Result<T, TargetError>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap(),
        Err(e) => json!({ "error": e }),
    }
}

fn req<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

/// A fixed sequence of operations touching every operation, with errors among them; every
/// result (response or error) as JSON. `export_dir` must not exist.
pub fn sequence(t: &dyn Target, dataset: &Path, export_dir: &Path) -> Vec<Value> {
    let people = persons(dataset, 3);
    let mut out = Vec::new();
    out.push(as_json(t.import(&ImportRequest {
        dataset: Some(dataset.to_owned()),
        files: Vec::new(),
    })));
    for p in &people {
        let (lg, an) = (&p["lgcode"], &p["address_number"]);
        out.push(as_json(t.lookup_person(&req(
            json!({"lgcode": lg, "address_number": an, "as_of": "2026-04-01"}),
        ))));
        out.push(as_json(t.lookup_household(&req(
            json!({"lgcode": lg, "household_number": p["household_number"], "as_of": "2026-04-01"}),
        ))));
        out.push(as_json(t.assess(&req(json!({
            "lgcode": lg, "household_number": p["household_number"], "fiscal_year": 2026,
            "rates": "natori"
        })))));
        out.push(as_json(t.copay_ratio(&req(json!({
            "lgcode": lg, "address_number": an, "service_date": "2026-06-01",
            "income": { "kourei_members": 1 }
        })))));
        out.push(as_json(t.issue_certificate(&req(
            json!({"lgcode": lg, "address_number": an, "issue_date": "2026-06-01"}),
        ))));
        out.push(as_json(t.register_event(&req(json!({
            "lgcode": lg, "address_number": an, "kind": "loss", "date": "2026-07-01",
            "reason": "11"
        })))));
        out.push(as_json(t.lookup_person(&req(
            json!({"lgcode": lg, "address_number": an, "as_of": "2026-07-01"}),
        ))));
    }
    out.push(as_json(t.high_cost_limit(&req(json!({
        "service_month": "2026-05", "under70_category": "ウ",
        "claims": [ { "person": "A", "age_group": "under70", "setting": "入院",
                      "medical_cost": 1000000, "copay": 300000 } ]
    })))));
    out.push(as_json(t.lookup_person(&req(
        json!({"lgcode": "131016", "address_number": "0000000000", "as_of": "2026-04-01"}),
    ))));
    out.push(as_json(t.assess(&req(json!({
        "lgcode": "131016", "household_number": "0000000000", "fiscal_year": 2026
    })))));
    out.push(as_json(t.export(&ExportRequest {
        dir: export_dir.to_owned(),
        overwrite: false,
    })));
    out.push(as_json(t.export(&ExportRequest {
        dir: export_dir.to_owned(),
        overwrite: false,
    })));
    // Messages naming the export directory name it alike.
    let dir = export_dir.display().to_string();
    out.into_iter()
        .map(|v| serde_json::from_str(&v.to_string().replace(&dir, "<export>")).unwrap())
        .collect()
}

/// The sequence through the builtin reference: what every adapter must reproduce.
pub fn builtin_sequence() -> &'static [Value] {
    static OUT: OnceLock<Vec<Value>> = OnceLock::new();
    OUT.get_or_init(|| {
        let t = nhikit_adapters::connect("builtin", &Default::default()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let out = sequence(t.as_ref(), dataset(), &tmp.path().join("export"));
        // The sequence exercises successes and errors alike.
        let errors = out.iter().filter(|v| v.get("error").is_some()).count();
        assert!(errors >= 3 && errors < out.len() - 10, "{out:#?}");
        out
    })
}

/// Compares two sequences item by item, for a readable failure.
pub fn assert_same(got: &[Value], want: &[Value], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: number of results");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{what}: result {i} differs");
    }
}
