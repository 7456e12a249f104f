//! Every reference `schemas/` declares is enforced by both consumers: for each declaration
//! (read from the schema, not listed here), the record a generated dataset's first referring
//! record names is removed, and both `nhikit validate` and the reference target's import must
//! refuse the orphan, at its file and row, naming the declaration's items.

use nhikit_dataset::{RunSpec, generate, validate};
use nhikit_io::{DatasetWriter, Format, WriterOptions};
use nhikit_reference::Reference;
use nhikit_target::{ImportRequest, RejectionCode, Target};
use serde_json::{Map, Value};
use std::path::Path;

type Row = Map<String, Value>;

/// The JSON Lines files of `entity` in `dir` in path order: (path relative to `dir`, rows).
fn rows(dir: &Path, entity: &str) -> Vec<(String, Vec<Row>)> {
    crate::jsonl_files(dir, entity)
        .into_iter()
        .map(|(rel, path)| {
            let text = std::fs::read_to_string(&path).unwrap();
            let rows = text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            (rel, rows)
        })
        .collect()
}

/// The value of `item` in a row (absent is null).
fn item(row: &Row, item: &str) -> Value {
    row.get(item).cloned().unwrap_or(Value::Null)
}

#[test]
fn validate_and_import_refuse_an_orphan_of_every_declared_reference() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    // The edge profile with every extra entity, so that as many entities as the generator
    // writes have records.
    let mut run = RunSpec {
        seed: 11,
        households: 150,
        // Two municipalities: an optional reference (to the insurers) is checked only while
        // the dataset holds a record of its entity, so one must remain.
        municipalities: vec!["131016".into(), "271004".into()],
        formats: vec![Format::Jsonl],
        ..RunSpec::default()
    };
    let with: Vec<String> = [
        "income",
        "assessment",
        "payment",
        "edge_case",
        "event",
        "benefit",
    ]
    .map(String::from)
    .into();
    run.select_extras(nhikit_synth::Profile::Edge, &with, Some(2023), None)
        .unwrap();
    let options = WriterOptions {
        formats: run.formats.clone(),
        ..WriterOptions::default()
    };
    let writer = DatasetWriter::create(&dir, &schema, options).unwrap();
    generate(&run, writer, 2, &|_, _| {}).unwrap();
    let clean = validate(&dir, &schema).unwrap();
    assert!(clean.violations.is_empty(), "{:#?}", clean.violations);

    let mut checked = 0;
    let mut not_generated = Vec::new();
    for entity in &schema.entities {
        for reference in &entity.references {
            let target = schema.entity(&reference.entity).unwrap();
            // The first record of the entity whose reference items are all present.
            let referring = rows(&dir, &entity.id).into_iter().find_map(|(file, rows)| {
                rows.into_iter().enumerate().find_map(|(i, r)| {
                    let key: Vec<Value> = reference.items.iter().map(|k| item(&r, k)).collect();
                    (!key.contains(&Value::Null)).then(|| (file.clone(), i as u64 + 1, key))
                })
            });
            let Some((file, row, key)) = referring else {
                not_generated.push(format!("{}.{}", entity.id, reference.items.join("+")));
                continue;
            };
            // The dataset without the referenced record (its files restored after).
            let mut originals = Vec::new();
            let mut removed = 0;
            for (rel, rows) in rows(&dir, &target.id) {
                let path = dir.join(&rel);
                originals.push((path.clone(), std::fs::read(&path).unwrap()));
                let kept: Vec<String> = rows
                    .iter()
                    .filter(|r| {
                        let pk: Vec<Value> =
                            target.primary_key.iter().map(|k| item(r, k)).collect();
                        pk != key
                    })
                    .map(|r| serde_json::to_string(r).unwrap() + "\n")
                    .collect();
                removed += rows.len() - kept.len();
                std::fs::write(&path, kept.concat()).unwrap();
            }
            assert_eq!(removed, 1, "{} {key:?}", target.id);
            let item = format!("{}.{}", entity.id, reference.items.join("+"));

            let report = validate(&dir, &schema).unwrap();
            assert!(
                report.violations.iter().any(|v| v.rule == "reference"
                    && v.file == file
                    && v.row == row
                    && v.item == item),
                "validate: {item} at {file}:{row} not reported: {:#?}",
                report.violations
            );

            let refused = Reference::in_memory()
                .unwrap()
                .import(&ImportRequest {
                    dataset: Some(dir.clone()),
                    files: Vec::new(),
                })
                .unwrap_err();
            assert!(
                refused
                    .rejections
                    .iter()
                    .any(|r| r.code == RejectionCode::UnknownReference
                        && r.file == file
                        && r.row == row
                        && r.item == item),
                "import: {item} at {file}:{row} not refused: {:#?}",
                refused.rejections
            );
            for (path, bytes) in originals {
                std::fs::write(path, bytes).unwrap();
            }
            checked += 1;
        }
    }
    // The generator writes no certificates or 所得区分 histories: their references have no
    // record to orphan.
    assert!(
        not_generated
            .iter()
            .all(|r| r.starts_with("certificate.") || r.starts_with("household_income_category.")),
        "{not_generated:?}"
    );
    assert!(checked >= 25, "{checked} references checked");
}
