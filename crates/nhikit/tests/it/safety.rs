//! `nhikit verify`, `scan`, `destroy`, `audit` and sealed output end to end (issue 6).

use crate::{gen_ok, nhikit, text};
use std::path::Path;

fn gen_dataset(dir: &Path, seed: &str, households: &str, formats: &str) {
    gen_ok(
        dir,
        &[
            "--households",
            households,
            "--seed",
            seed,
            "--municipality",
            "131016,271004",
            "--format",
            formats,
        ],
    );
}

#[test]
fn verify_passes_fresh_output_and_names_a_deleted_csv_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    gen_dataset(&dir, "5", "80", "parquet,csv,arrow,jsonl");
    let o = nhikit(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("verified"), "{}", text(&o));

    let file = "csv/person_csv/prefecture=13/part-00000.csv";
    let content = std::fs::read_to_string(dir.join(file)).unwrap();
    let mut lines: Vec<&str> = content.split_inclusive("\r\n").collect();
    lines.remove(2);
    std::fs::write(dir.join(file), lines.concat()).unwrap();
    let o = nhikit(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("{file}: row 2 (lgcode=131016 address_number=")),
        "{out}"
    );
    assert!(out.contains("record deleted"), "{out}");
}

#[test]
fn verify_refuses_another_output_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    gen_dataset(&dir, "5", "20", "jsonl");
    let path = dir.join("manifest.json");
    let m = std::fs::read_to_string(&path).unwrap().replace(
        &format!("\"output_version\": {}", nhikit_synth::OUTPUT_VERSION),
        "\"output_version\": 77",
    );
    std::fs::write(&path, m).unwrap();
    let o = nhikit(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("output version 77"), "{}", text(&o));
}

#[test]
fn scan_finds_a_planted_record() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    gen_dataset(&ours, "5", "30", "csv");
    gen_dataset(&theirs, "6", "30", "csv");
    let file = "csv/person_csv/prefecture=13/part-00000.csv";
    let mine = std::fs::read_to_string(ours.join(file)).unwrap();
    let planted = std::fs::read_to_string(theirs.join(file)).unwrap();
    let stranger = planted.split("\r\n").nth(1).unwrap();
    let export = format!("{mine}{stranger}\r\n");
    let path = tmp.path().join("export.csv");
    std::fs::write(&path, export).unwrap();
    let o = nhikit(&[
        "scan",
        path.to_str().unwrap(),
        "--manifest",
        ours.join("manifest.json").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let rows = mine.split("\r\n").filter(|l| !l.is_empty()).count() - 1;
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(&format!("record {} (", rows + 1)), "{out}");
}

#[test]
fn destroy_records_and_audit_verifies_and_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let log = tmp.path().join("audit.jsonl");
    gen_dataset(&dir, "5", "20", "parquet");
    let d = dir.to_str().unwrap();
    let l = log.to_str().unwrap();
    let o = nhikit(&[
        "destroy",
        d,
        "--two-person",
        "--operator",
        "alice",
        "--audit-log",
        l,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let keys = crate::two_operators(tmp.path());
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let with_keys = |second: &'static str| {
        let mut a = vec![
            "destroy",
            d,
            "--two-person",
            "--operator",
            "alice",
            "--confirm-operator",
            second,
            "--audit-log",
            l,
        ];
        a.extend_from_slice(&keys);
        nhikit(&a)
    };
    let o = with_keys("alice");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(dir.exists());
    let o = with_keys("bob");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!dir.exists());
    let o = nhikit(&["audit", "verify", "--audit-log", l]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = nhikit(&["audit", "report", "--audit-log", l]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("DESTROYED") && text(&o).contains("confirmed by bob"),
        "{}",
        text(&o)
    );
    // Tampering: delete the only entry's operator → edited.
    let edited = std::fs::read_to_string(&log)
        .unwrap()
        .replace("alice", "eve");
    std::fs::write(&log, edited).unwrap();
    let o = nhikit(&["audit", "verify", "--audit-log", l]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("entry 1 was edited"), "{}", text(&o));
}

#[test]
fn destroy_refuses_a_directory_without_a_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("keep.txt"), "x").unwrap();
    let log = tmp.path().join("audit.jsonl");
    let o = nhikit(&[
        "destroy",
        plain.to_str().unwrap(),
        "--operator",
        "alice",
        "--audit-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not an nhikit dataset"), "{}", text(&o));
    assert!(plain.join("keep.txt").exists());
    assert!(!log.exists());
}

#[cfg(unix)]
#[test]
fn sealed_output_is_read_only_and_overwrite_and_destroy_still_work() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let log = tmp.path().join("audit.jsonl");
    gen_dataset(&dir, "5", "20", "parquet,csv");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let mut dirs = vec![dir.clone()];
    let (mut nfiles, mut ndirs) = (0, 0);
    while let Some(d) = dirs.pop() {
        assert_eq!(mode(&d), 0o555, "{}", d.display());
        ndirs += 1;
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                assert_eq!(mode(&p), 0o444, "{}", p.display());
                nfiles += 1;
            }
        }
    }
    assert!(nfiles > 4 && ndirs > 4, "{nfiles} files, {ndirs} dirs");
    // --overwrite replaces a sealed dataset.
    let o = nhikit(&[
        "gen",
        "--households",
        "10",
        "--seed",
        "6",
        "--quiet",
        "--overwrite",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&dir.join("manifest.json")), 0o444);
    assert!(!dir.join("csv").exists());
    // destroy removes it.
    let o = nhikit(&[
        "destroy",
        dir.to_str().unwrap(),
        "--audit-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(!dir.exists());
    // No temporary sibling was left behind.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "audit.jsonl")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Changes `item` (an integer, or null) of the first record of a JSON Lines file.
fn change_first_record(file: &Path, item: &str) {
    let content = std::fs::read_to_string(file).unwrap();
    let (first, rest) = content.split_once('\n').unwrap();
    let mut record: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(first).unwrap();
    let value = record.get_mut(item).expect("the item is in the record");
    *value = serde_json::Value::from(value.as_i64().map_or(12_345, |v| v + 1));
    let first = serde_json::to_string(&record).unwrap();
    std::fs::write(file, format!("{first}\n{rest}")).unwrap();
}

/// `verify` regenerates the edge profile and every `--with` entity (incomes, assessments,
/// edge-case tags, histories with their former members, benefits) and finds a changed value
/// in them.
#[test]
fn verify_regenerates_the_edge_profile_and_every_extra_entity() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    gen_ok(
        &dir,
        &[
            "--households",
            "300",
            "--seed",
            "9",
            "--municipality",
            "131016,271004",
            "--profile",
            "edge",
            "--with",
            "income,assessment,edge_case,event,payment,benefit",
            "--format",
            "jsonl,parquet",
        ],
    );
    let o = nhikit(&["verify", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("verified"), "{}", text(&o));

    // 千代田区 has few households: the benefits are checked in 大阪市's file.
    for (entity, item, prefecture) in [
        ("assessment", "total_amount", 13),
        ("qualification_event", "qualification_seq", 13),
        ("income", "total_income", 13),
        ("payment", "billed_amount", 13),
        ("benefit_high_cost", "benefit_amount", 27),
        ("benefit_childbirth", "amount", 27),
    ] {
        let file = format!("jsonl/{entity}/prefecture={prefecture}/part-00000.jsonl");
        change_first_record(&dir.join(&file), item);
        let o = nhikit(&["verify", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(&format!("{file}: row 1 (")), "{out}");
        assert!(out.contains(&format!("item `{item}`")), "{out}");
    }
}
