//! Import, export and the all-or-nothing rule.

use crate::*;
use nhikit_reference::Reference;
use nhikit_target::{ErrorCode, ExportRequest, ImportFile, ImportRequest, RejectionCode, Target};

fn export(r: &Reference, dir: &Path) -> BTreeMap<String, String> {
    r.export(&ExportRequest {
        dir: dir.to_path_buf(),
        overwrite: true,
    })
    .unwrap();
    csv_hashes(dir)
}

/// Issue 10 "must show": import then export gives files identical to the generator's CSV output
/// (here read from JSON Lines, so the bytes are not simply copied).
#[test]
fn export_reproduces_generator_csv_bytes() {
    let f = fixture(300, &[Format::Jsonl, Format::Csv]);
    let r = loaded(&f, &[]);
    let expected = csv_hashes(&f.dir);
    assert!(expected.keys().any(|p| p.starts_with("csv/shikaku_kojin/")));
    let got = export(&r, &f.tmp.path().join("out"));
    assert_eq!(got, expected);
    let counts = r.counts().unwrap();
    assert_eq!(counts["household"], 300);
}

/// The same from CSV input, through the files form of the request.
#[test]
fn import_by_files_from_csv_round_trips() {
    let f = fixture(60, &[Format::Csv]);
    let files: Vec<ImportFile> = Manifest::read(&f.dir)
        .unwrap()
        .files
        .into_iter()
        .filter(|e| e.layout.as_deref() == Some(format!("{}_csv", e.entity).as_str()))
        .map(|e| ImportFile {
            path: f.dir.join(&e.path),
            entity: e.entity,
            format: "csv".into(),
            layout: None,
        })
        .collect();
    let r = Reference::in_memory().unwrap();
    let resp = r
        .import(&ImportRequest {
            dataset: None,
            files,
        })
        .unwrap();
    assert_eq!(resp.records["household"], 60);
    assert_eq!(export(&r, &f.tmp.path().join("out")), csv_hashes(&f.dir));
}

/// Issue 10 "must show": a dataset with one bad record is rejected whole and the database is
/// unchanged (counts and exported bytes as before).
#[test]
fn one_bad_record_rejects_the_whole_import_and_changes_nothing() {
    let good = fixture(40, &[Format::Jsonl]);
    let r = loaded(&good, &[]);
    let before_counts = r.counts().unwrap();
    let before = export(&r, &good.tmp.path().join("before"));

    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad");
    generate(&bad, 50, 99, &[Format::Jsonl], &["011002"]);
    let (shown, path) = jsonl_files(&bad, "person").remove(0);
    edit_jsonl(&path, 3, |o| {
        let mn = o["mynumber"].as_str().unwrap().to_owned();
        let last = mn.as_bytes()[11] - b'0';
        let wrong = format!("{}{}", &mn[..11], (last + 1) % 10);
        o.insert("mynumber".into(), wrong.into());
    });
    let err = r
        .import(&ImportRequest {
            dataset: Some(bad.clone()),
            files: Vec::new(),
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportRejected);
    assert_eq!(err.rejections.len(), 1, "{:#?}", err.rejections);
    let rej = &err.rejections[0];
    assert_eq!(
        (rej.file.as_str(), rej.row, rej.item.as_str(), rej.code),
        (
            shown.as_str(),
            3,
            "person.mynumber",
            RejectionCode::CheckDigit
        )
    );
    assert_eq!(r.counts().unwrap(), before_counts);
    assert_eq!(export(&r, &good.tmp.path().join("after")), before);
}

#[test]
fn rejection_report_names_every_kind_of_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, 40, 5, &[Format::Jsonl], &["131016"]);
    let persons = jsonl_files(&ds, "person");
    let quals = jsonl_files(&ds, "qualification");
    // Unknown code, a character outside the class, and an impossible order of dates.
    edit_jsonl(&persons[0].1, 1, |o| {
        o.insert("sex".into(), "7".into());
    });
    edit_jsonl(&persons[0].1, 2, |o| {
        o.insert("name_kana".into(), "abc".into());
    });
    edit_jsonl(&quals[0].1, 1, |o| {
        o.insert("loss_date".into(), "1900-01-01".into());
        o.insert("loss_reason".into(), "11".into());
    });
    // An overlapping second qualification of the person of row 2, and a person who died before
    // the acquisition of their qualification (row 3).
    let text = std::fs::read_to_string(&quals[0].1).unwrap();
    let second: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    let mut dup = second.clone();
    dup.insert("qualification_seq".into(), 2.into());
    std::fs::write(
        &quals[0].1,
        text + &serde_json::to_string(&dup).unwrap() + "\n",
    )
    .unwrap();
    let third: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        std::fs::read_to_string(&quals[0].1)
            .unwrap()
            .lines()
            .nth(2)
            .unwrap(),
    )
    .unwrap();
    let dead = third["address_number"].as_str().unwrap().to_owned();
    let acquired = date(third["acquisition_date"].as_str().unwrap());
    let rows = std::fs::read_to_string(&persons[0].1).unwrap();
    let row = rows
        .lines()
        .position(|l| l.contains(&format!("\"address_number\":\"{dead}\"")))
        .unwrap();
    edit_jsonl(&persons[0].1, row + 1, |o| {
        o.insert(
            "death_date".into(),
            (acquired - chrono_days(10)).to_string().into(),
        );
    });
    let r = Reference::in_memory().unwrap();
    let err = r
        .import(&ImportRequest {
            dataset: Some(ds),
            files: Vec::new(),
        })
        .unwrap_err();
    let codes: Vec<RejectionCode> = err.rejections.iter().map(|x| x.code).collect();
    for want in [
        RejectionCode::UnknownCode,
        RejectionCode::BadCharacter,
        RejectionCode::ImpossibleDate,
        RejectionCode::OverlappingQualification,
        RejectionCode::EventAfterDeath,
    ] {
        assert!(
            codes.contains(&want),
            "{want:?} missing from {:#?}",
            err.rejections
        );
    }
    assert!(r.counts().unwrap().is_empty());
}

fn chrono_days(n: i64) -> chrono::TimeDelta {
    chrono::TimeDelta::try_days(n).unwrap()
}

#[test]
fn an_unparsable_date_is_reported_with_its_row() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, 20, 5, &[Format::Jsonl], &["131016"]);
    let (shown, path) = jsonl_files(&ds, "person").remove(0);
    edit_jsonl(&path, 4, |o| {
        o.insert("birth_date".into(), "2025-02-30".into());
    });
    let err = Reference::in_memory()
        .unwrap()
        .import(&ImportRequest {
            dataset: Some(ds),
            files: Vec::new(),
        })
        .unwrap_err();
    assert!(err.rejections.iter().any(|x| x.file == shown
        && x.row == 4
        && x.code == RejectionCode::Unreadable
        && x.item == "person.birth_date"));
}

/// From Parquet (the generator's default format) too.
#[test]
fn export_from_parquet_input_matches_generator_csv() {
    let f = fixture(60, &[Format::Parquet, Format::Csv]);
    let r = loaded(&f, &[]);
    assert_eq!(export(&r, &f.tmp.path().join("out")), csv_hashes(&f.dir));
}

/// The secondary indexes named in docs/target-interface.md, read from a database file.
fn indexes(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Issue 10: an import into empty tables builds the person indexes after its inserts; they
/// exist after a committed import, after a rejected one (the rollback restores them), and a
/// second import into a table that is not empty keeps them.
#[test]
fn person_indexes_survive_bulk_imports_and_rollbacks() {
    let want = vec!["person_household".to_owned(), "person_mynumber".to_owned()];
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("ref.sqlite");

    let bad = tmp.path().join("bad");
    generate(&bad, 30, 3, &[Format::Jsonl], &["011002"]);
    let (_, path) = jsonl_files(&bad, "person").remove(0);
    edit_jsonl(&path, 2, |o| {
        o.insert("sex".into(), "9".into());
    });
    let r = Reference::open(&db).unwrap();
    let err = r
        .import(&ImportRequest {
            dataset: Some(bad),
            files: Vec::new(),
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ImportRejected);
    assert!(r.counts().unwrap().is_empty());
    assert_eq!(indexes(&db), want);

    for (seed, municipality) in [(1, "131016"), (2, "042072")] {
        let ds = tmp.path().join(format!("ds{seed}"));
        generate(&ds, 30, seed, &[Format::Parquet], &[municipality]);
        r.import(&ImportRequest {
            dataset: Some(ds),
            files: Vec::new(),
        })
        .unwrap();
        assert_eq!(indexes(&db), want);
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT * FROM e_person WHERE mynumber = '123456789018'",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("person_mynumber"), "{plan}");
}

/// Issue 10: a file's rows are inserted in key order, not in file order; problems still name
/// their file and row, and of two rows with the same key the later one is the duplicate.
#[test]
fn rows_inserted_in_key_order_keep_their_rows_in_the_report() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, 1_500, 11, &[Format::Jsonl], &["131016"]);
    let (shown, path) = jsonl_files(&ds, "person").remove(0);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 2_100, "{} persons", lines.len());
    // Row 2,050 repeats the key of row 5.
    let mut lines: Vec<String> = lines.into_iter().map(str::to_owned).collect();
    lines[2_049] = lines[4].clone();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    edit_jsonl(&path, 1_100, |o| {
        o.insert("resident_kind".into(), "x".into());
    });
    let err = Reference::in_memory()
        .unwrap()
        .import(&ImportRequest {
            dataset: Some(ds),
            files: Vec::new(),
        })
        .unwrap_err();
    let got: Vec<(&str, u64, &str, RejectionCode)> = err
        .rejections
        .iter()
        .filter(|x| x.file == shown)
        .map(|x| (x.file.as_str(), x.row, x.item.as_str(), x.code))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                shown.as_str(),
                1_100,
                "person.resident_kind",
                RejectionCode::UnknownCode
            ),
            (
                shown.as_str(),
                2_050,
                "person.lgcode+address_number",
                RejectionCode::DuplicateKey
            ),
        ],
        "{:#?}",
        err.rejections
    );
}

/// Issue 10: into empty tables the cross-record rules run in memory, else as SQL; both give
/// the same rejections (same rows, items, codes, messages, order), and the multi-row inserts
/// still find a duplicate key in the middle of a chunk.
#[test]
fn cross_record_rules_in_memory_equal_the_sql_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    generate(&ds, 120, 5, &[Format::Jsonl], &["131016"]);
    let households = jsonl_files(&ds, "household");
    let persons = jsonl_files(&ds, "person");
    let quals = jsonl_files(&ds, "qualification");
    let line = |path: &Path, n: usize| -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_str(
            std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .nth(n)
                .unwrap(),
        )
        .unwrap()
    };
    // A household of an unknown insurer; a person of an unknown household; a qualification of
    // an unknown person.
    edit_jsonl(&households[0].1, 3, |o| {
        o.insert("insurer_number".into(), "01130012".into());
    });
    edit_jsonl(&persons[0].1, 5, |o| {
        o.insert("household_number".into(), "0999999999".into());
    });
    edit_jsonl(&quals[0].1, 7, |o| {
        o.insert("address_number".into(), "0999999998".into());
    });
    // An overlapping second qualification, a duplicate of row 40 (mid-chunk), and a person who
    // died before the acquisition of their qualification.
    let second = line(&quals[0].1, 1);
    let mut overlapping = second.clone();
    overlapping.insert("qualification_seq".into(), 2.into());
    let duplicate = line(&quals[0].1, 39);
    let text = std::fs::read_to_string(&quals[0].1).unwrap();
    std::fs::write(
        &quals[0].1,
        text + &serde_json::to_string(&overlapping).unwrap()
            + "\n"
            + &serde_json::to_string(&duplicate).unwrap()
            + "\n",
    )
    .unwrap();
    let third = line(&quals[0].1, 2);
    let dead = third["address_number"].as_str().unwrap().to_owned();
    let acquired = date(third["acquisition_date"].as_str().unwrap());
    let rows = std::fs::read_to_string(&persons[0].1).unwrap();
    let row = rows
        .lines()
        .position(|l| l.contains(&format!("\"address_number\":\"{dead}\"")))
        .unwrap();
    edit_jsonl(&persons[0].1, row + 1, |o| {
        o.insert(
            "death_date".into(),
            (acquired - chrono_days(10)).to_string().into(),
        );
    });
    let request = ImportRequest {
        dataset: Some(ds),
        files: Vec::new(),
    };
    let fresh = Reference::in_memory()
        .unwrap()
        .import(&request)
        .unwrap_err();
    // A household of another municipality first: the tables are not empty, the rules run as SQL.
    let other = tmp.path().join("other");
    generate(&other, 5, 9, &[Format::Jsonl], &["011002"]);
    let held = Reference::in_memory().unwrap();
    held.import(&ImportRequest {
        dataset: None,
        files: vec![ImportFile {
            path: jsonl_files(&other, "household").remove(0).1,
            entity: "household".into(),
            format: "jsonl".into(),
            layout: None,
        }],
    })
    .unwrap();
    let sql = held.import(&request).unwrap_err();
    assert_eq!(fresh.rejections, sql.rejections);
    let codes: Vec<RejectionCode> = fresh.rejections.iter().map(|x| x.code).collect();
    for want in [
        RejectionCode::UnknownReference,
        RejectionCode::OverlappingQualification,
        RejectionCode::EventAfterDeath,
        RejectionCode::DuplicateKey,
    ] {
        assert!(
            codes.contains(&want),
            "{want:?} missing from {:#?}",
            fresh.rejections
        );
    }
    let references = codes
        .iter()
        .filter(|c| **c == RejectionCode::UnknownReference)
        .count();
    assert!(references >= 3, "{:#?}", fresh.rejections);
}
