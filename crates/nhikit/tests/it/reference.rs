//! `nhikit reference import|export|lookup` end to end: the generator's CSV bytes come back out of
//! the reference, and a dataset with one bad record is refused with exit 1.

use crate::{gen_ok, nhikit, read_json, text};
use std::collections::BTreeMap;
use std::path::Path;

fn csv_hashes(dir: &Path) -> BTreeMap<String, String> {
    let manifest = read_json(&dir.join("manifest.json"));
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["format"] == "csv")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn reference_import_export_round_trips_gen_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    let db = tmp.path().join("ref.sqlite");
    let out = tmp.path().join("out");
    let (ds_s, db_s, out_s) = (
        ds.to_str().unwrap(),
        db.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let o = nhikit(&[
        "gen",
        "--households",
        "200",
        "--seed",
        "3",
        "--out",
        ds_s,
        "--format",
        "csv",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let o = nhikit(&["reference", "import", "--db", db_s, ds_s]);
    assert!(o.status.success(), "{}", text(&o));
    let resp: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(resp["records"]["household"], 200);
    let audit = tmp.path().join("audit.jsonl");
    let audit_s = audit.to_str().unwrap();
    let o = nhikit(&[
        "reference",
        "export",
        "--db",
        db_s,
        "--out",
        out_s,
        "--audit-log",
        audit_s,
        "--operator",
        "alice",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(csv_hashes(&out), csv_hashes(&ds));
    // The copy is recorded in the audit log, and the log still verifies.
    let log = std::fs::read_to_string(&audit).unwrap();
    let entry: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(entry["event"], "export", "{entry}");
    assert_eq!(entry["operator"], "alice", "{entry}");
    let o = nhikit(&["audit", "verify", "--audit-log", audit_s]);
    assert!(o.status.success(), "{}", text(&o));

    // A person looked up as of the reference date.
    let person = std::fs::read_dir(ds.join("csv/person_csv"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("part-00000.csv");
    let body = std::fs::read_to_string(person).unwrap();
    let fields: Vec<&str> = body.lines().nth(1).unwrap().split(',').collect();
    let o = nhikit(&[
        "reference",
        "lookup",
        "--db",
        db_s,
        "--lgcode",
        fields[0],
        "--address-number",
        fields[1],
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let resp: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(resp["person"]["name"], fields[4]);
}

#[test]
fn reference_import_refuses_a_bad_record_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    let db = tmp.path().join("ref.sqlite");
    gen_ok(
        &ds,
        &[
            "--households",
            "30",
            "--seed",
            "3",
            "--format",
            "csv",
            "--municipality",
            "131016",
        ],
    );
    let file = ds.join("csv/person_csv/prefecture=13/part-00000.csv");
    let body = std::fs::read_to_string(&file).unwrap();
    // Row 2: the 地方公共団体コード's check digit made wrong (131016 → 131017).
    let mut lines: Vec<String> = body.split("\r\n").map(str::to_owned).collect();
    lines[2] = lines[2].replacen("131016", "131017", 1);
    std::fs::write(&file, lines.join("\r\n")).unwrap();
    let o = crate::reference_import(&db, &ds);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("csv/person_csv/prefecture=13/part-00000.csv:2: [person.lgcode] check_digit"),
        "{err}"
    );
}
