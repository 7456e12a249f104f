//! `verify`: fresh output of every format passes; each kind of alteration is found and named.

use crate::{generate_tampered, spec, writer};
use nhikit_dataset::{FindingKind, VerifyOptions, VerifyReport, generate, verify};
use std::path::Path;

fn run(dir: &Path) -> VerifyReport {
    let schema = nhikit_schema::embedded().unwrap();
    verify(dir, &schema, &VerifyOptions::default()).unwrap()
}

fn fresh(dir: &Path) {
    let schema = nhikit_schema::embedded().unwrap();
    let spec = spec(7, 120, "parquet,csv,arrow,jsonl");
    generate(&spec, writer(dir, &schema, &spec), 2, &|_, _| {}).unwrap();
}

#[test]
fn fresh_output_of_every_format_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    let report = run(&dir);
    assert!(report.is_ok(), "{:#?}", report.findings);
    assert!(report.records_regenerated > 120);
    // Every format is covered: 4 formats, 2 CSV layouts for household and qualification.
    assert!(report.records_compared > 4 * report.records_regenerated);
    // The same without the re-encoding shortcut: every record of every file read back.
    let schema = nhikit_schema::embedded().unwrap();
    let slow = VerifyOptions {
        reencode: false,
        ..VerifyOptions::default()
    };
    let full = verify(&dir, &schema, &slow).unwrap();
    assert!(full.is_ok(), "{:#?}", full.findings);
    assert_eq!(full.records_compared, report.records_compared);
}

#[test]
fn a_changed_value_is_found_even_when_the_manifest_was_rewritten_to_match() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    let schema = nhikit_schema::embedded().unwrap();
    let other = tmp.path().join("tampered");
    generate_tampered(
        &other,
        &schema,
        &spec(7, 120, "parquet,csv,arrow,jsonl"),
        (0, 4, "改竄　花子"),
    );
    let file = "jsonl/person/prefecture=27/part-00000.jsonl";
    std::fs::copy(other.join(file), dir.join(file)).unwrap();
    // The forger also rewrites the manifest entry, so the hashes agree.
    let forged = nhikit_io::Manifest::read(&other).unwrap();
    let mut m = nhikit_io::Manifest::read(&dir).unwrap();
    let entry = forged
        .files
        .iter()
        .find(|f| f.path == file)
        .unwrap()
        .clone();
    *m.files.iter_mut().find(|f| f.path == file).unwrap() = entry;
    std::fs::write(dir.join("manifest.json"), m.to_json().unwrap()).unwrap();
    let report = run(&dir);
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = &report.findings[0];
    assert_eq!((f.file.as_str(), f.row), (file, 1));
    assert!(
        matches!(&f.kind, FindingKind::Changed { item, .. } if item == "name"),
        "{f}"
    );
}

#[test]
fn a_changed_parquet_value_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    // The same dataset with one person's name (item 4) changed in the third row of each part.
    let schema = nhikit_schema::embedded().unwrap();
    let other = tmp.path().join("tampered");
    generate_tampered(
        &other,
        &schema,
        &spec(7, 120, "parquet"),
        (2, 4, "改竄　太郎"),
    );
    let file = "parquet/person/prefecture=13/part-00000.parquet";
    std::fs::copy(other.join(file), dir.join(file)).unwrap();
    let report = run(&dir);
    let changed: Vec<_> = report
        .findings
        .iter()
        .filter(|f| matches!(f.kind, FindingKind::Changed { .. }))
        .collect();
    assert_eq!(changed.len(), 1, "{:#?}", report.findings);
    let f = changed[0];
    assert_eq!((f.file.as_str(), f.row), (file, 3));
    assert!(
        f.key.starts_with("lgcode=131016 address_number="),
        "{}",
        f.key
    );
    match &f.kind {
        FindingKind::Changed { item, found, .. } => {
            assert_eq!(item, "name");
            assert_eq!(found, "\"改竄　太郎\"");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.file == file && matches!(f.kind, FindingKind::Manifest(_)))
    );
    assert!(f.to_string().contains("item `name` (氏名)"), "{f}");
}

#[test]
fn a_deleted_csv_row_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    let file = "csv/person_csv/prefecture=27/part-00000.csv";
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut lines: Vec<&str> = text.split_inclusive("\r\n").collect();
    let gone = lines.remove(5); // header + 4 rows stay before it: data row 5
    std::fs::write(dir.join(file), lines.concat()).unwrap();
    let report = run(&dir);
    let deleted: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Deleted)
        .collect();
    assert_eq!(deleted.len(), 1, "{:#?}", report.findings);
    assert_eq!((deleted[0].file.as_str(), deleted[0].row), (file, 5));
    let number = gone.split(',').nth(1).unwrap();
    assert!(
        deleted[0].key.contains(number),
        "{} / {gone}",
        deleted[0].key
    );
    assert!(
        !report
            .findings
            .iter()
            .any(|f| matches!(f.kind, FindingKind::Changed { .. }))
    );
}

#[test]
fn an_added_row_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    let file = "jsonl/person/prefecture=13/part-00000.jsonl";
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // A copy of row 2 with another 宛名番号, inserted as row 3.
    let added = lines[1].replacen("\"address_number\":\"", "\"address_number\":\"9", 1);
    assert_ne!(added, lines[1]);
    lines.insert(2, added);
    std::fs::write(dir.join(file), lines.join("\n") + "\n").unwrap();
    let report = run(&dir);
    let added: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Added)
        .collect();
    assert_eq!(added.len(), 1, "{:#?}", report.findings);
    assert_eq!((added[0].file.as_str(), added[0].row), (file, 3));
    assert!(
        !report
            .findings
            .iter()
            .any(|f| matches!(f.kind, FindingKind::Changed { .. } | FindingKind::Deleted))
    );
}

#[test]
fn a_swapped_file_is_named_with_its_part() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    let a = dir.join("arrow/household/prefecture=13/part-00000.arrow");
    let b = dir.join("arrow/household/prefecture=27/part-00000.arrow");
    let t = dir.join("swap.tmp");
    std::fs::rename(&a, &t).unwrap();
    std::fs::rename(&b, &a).unwrap();
    std::fs::rename(&t, &b).unwrap();
    let report = run(&dir);
    let foreign: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| match &f.kind {
            FindingKind::Foreign { part } => Some((f.file.as_str(), part.as_deref())),
            _ => None,
        })
        .collect();
    assert_eq!(
        foreign,
        vec![
            (
                "arrow/household/prefecture=13/part-00000.arrow",
                Some("prefecture=27/part-00000")
            ),
            (
                "arrow/household/prefecture=27/part-00000.arrow",
                Some("prefecture=13/part-00000")
            ),
        ],
        "{:#?}",
        report.findings
    );
}

#[test]
fn another_output_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    fresh(&dir);
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        &format!("\"output_version\": {}", nhikit_synth::OUTPUT_VERSION),
        "\"output_version\": 999",
    );
    assert_ne!(text, edited);
    std::fs::write(&path, edited).unwrap();
    let schema = nhikit_schema::embedded().unwrap();
    let err = verify(&dir, &schema, &VerifyOptions::default()).unwrap_err();
    assert!(
        matches!(err, nhikit_dataset::Error::OutputVersion { found: 999, .. }),
        "{err}"
    );
}
