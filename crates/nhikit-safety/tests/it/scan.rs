//! `scan`: planted records that are not the dataset's are found, and nothing else.

use crate::{generate, options};
use nhikit_safety::{Mapping, ScanOptions, scan};

/// Reads the person CSV files of a dataset: (header, rows), each row its fields.
fn person_rows(dir: &std::path::Path) -> Vec<Vec<String>> {
    let manifest = nhikit_io::Manifest::read(dir).unwrap();
    let mut rows = Vec::new();
    for f in manifest
        .files
        .iter()
        .filter(|f| f.layout.as_deref() == Some("person_csv"))
    {
        let text = std::fs::read_to_string(dir.join(&f.path)).unwrap();
        for line in text.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
            rows.push(line.split(',').map(str::to_owned).collect());
        }
    }
    rows
}

#[test]
fn finds_exactly_the_planted_records_in_a_reordered_csv_subset() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    generate(&ours, &schema, &options(7, 150), "csv");
    // Real-looking records that are not ours: the same model with another seed.
    generate(&theirs, &schema, &options(8, 20), "csv");
    let mine = person_rows(&ours);
    let planted = person_rows(&theirs);
    // person_csv columns: 0 lgcode, 1 address_number, 3 mynumber, 4 name, 5 kana, 7 birth, 8 sex.
    // The export: another order, a subset, other column names.
    let pick = |r: &Vec<String>| format!("{}\t{}\t{}\t{}\t{}\n", r[4], r[7], r[1], r[0], r[8]);
    let mut export = String::from("SHIMEI\tBIRTH\tATENA\tLG\tSEX\n");
    let mut expected = Vec::new();
    let mut n = 0u64;
    for (i, r) in mine.iter().enumerate() {
        export.push_str(&pick(r));
        n += 1;
        if i % 40 == 7 {
            let p = &planted[expected.len()];
            export.push_str(&pick(p));
            n += 1;
            expected.push(n);
        }
    }
    // A synthetic person with one item altered is not synthetic either.
    let mut altered = mine[3].clone();
    altered[7] = "1950-01-01".into();
    export.push_str(&pick(&altered));
    n += 1;
    expected.push(n);
    let path = tmp.path().join("export.tsv");
    std::fs::write(&path, export).unwrap();
    let mapping: Mapping = toml::from_str(
        r#"
        [columns]
        SHIMEI = "name"
        BIRTH = "birth_date"
        ATENA = "address_number"
        LG = "lgcode"
        SEX = "sex"
        "#,
    )
    .unwrap();
    let report = scan(&path, &ours, &schema, &mapping, &ScanOptions::default()).unwrap();
    assert_eq!(report.records, n);
    assert_eq!(report.persons, mine.len() as u64);
    let found: Vec<u64> = report.suspects.iter().map(|s| s.record).collect();
    assert_eq!(found, expected, "{:#?}", report.suspects);
    let last = report.suspects.last().unwrap();
    assert!(last.reason.contains("birth_date"), "{last}");
}

#[test]
fn default_mapping_reads_nhikit_jsonl_and_needs_a_key() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("ours");
    generate(&ours, &schema, &options(7, 60), "jsonl");
    let file = ours.join("jsonl/person/prefecture=13/part-00000.jsonl");
    let report = scan(
        &file,
        &ours.join("manifest.json"),
        &schema,
        &Mapping::default(),
        &ScanOptions::default(),
    )
    .unwrap();
    assert!(report.records > 0);
    assert!(report.suspects.is_empty(), "{:#?}", report.suspects);
    // An export with no key column is refused, not passed.
    let keyless = tmp.path().join("keyless.csv");
    std::fs::write(&keyless, "性別\n1\n").unwrap();
    let err = scan(
        &keyless,
        &ours,
        &schema,
        &Mapping::default(),
        &ScanOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("maps no key"), "{err}");
}
