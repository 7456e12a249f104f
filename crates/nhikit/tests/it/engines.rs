//! Our Parquet and Arrow IPC files read by an engine no one here wrote: pyarrow (PyPI), run
//! through the Python in `NHIKIT_PYTHON` (default `python3`). CI installs pyarrow and sets
//! `NHIKIT_REQUIRE_ENGINES=1`, so there a missing pyarrow fails the test; elsewhere it is
//! skipped with a notice.

use crate::{nhikit, read_json, text};
use std::process::Command;

const SCRIPT: &str = r#"
import json, sys, glob, os
import pyarrow as pa, pyarrow.dataset as ds, pyarrow.ipc as ipc
root = sys.argv[1]
out = {}
for entity in ["insurer", "household", "person", "qualification"]:
    d = ds.dataset(os.path.join(root, "parquet", entity), format="parquet", partitioning="hive")
    t = d.to_table()
    arrow_rows = 0
    for f in glob.glob(os.path.join(root, "arrow", entity, "**", "*.arrow"), recursive=True):
        with ipc.open_file(f) as r:
            arrow_rows += r.read_all().num_rows
    out[entity] = {
        "rows": t.num_rows,
        "arrow_rows": arrow_rows,
        "types": {f.name: str(f.type) for f in t.schema},
    }
print(json.dumps(out))
"#;

#[test]
fn pyarrow_reads_our_parquet_and_arrow_with_the_same_rows_and_types() {
    let python = std::env::var("NHIKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_pyarrow = Command::new(&python)
        .args(["-c", "import pyarrow.dataset"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pyarrow {
        assert!(
            std::env::var("NHIKIT_REQUIRE_ENGINES").is_err(),
            "NHIKIT_REQUIRE_ENGINES is set but {python} has no pyarrow"
        );
        eprintln!("skipped: {python} has no pyarrow (pip install pyarrow to run this test)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let o = nhikit(&[
        "gen",
        "--households",
        "3000",
        "--seed",
        "3",
        "--format",
        "parquet,arrow",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = Command::new(&python)
        .args(["-c", SCRIPT, dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let seen: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let manifest = read_json(&dir.join("manifest.json"));
    for entity in ["insurer", "household", "person", "qualification"] {
        let rows = manifest["entities"][entity]["rows"].as_u64().unwrap();
        assert!(rows > 0);
        assert_eq!(
            seen[entity]["rows"].as_u64(),
            Some(rows),
            "{entity} parquet rows"
        );
        assert_eq!(
            seen[entity]["arrow_rows"].as_u64(),
            Some(rows),
            "{entity} arrow rows"
        );
    }
    let person = &seen["person"]["types"];
    assert_eq!(person["birth_date"], "date32[day]");
    assert_eq!(person["name"], "string");
    assert_eq!(person["support_measure"], "bool");
    assert_eq!(seen["qualification"]["types"]["qualification_seq"], "int64");
    // The hive partition key is read as a column.
    assert!(person.get("prefecture").is_some(), "{person}");
}
