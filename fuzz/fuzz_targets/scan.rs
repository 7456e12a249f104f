//! `nhikit scan`'s reading of a target's export (CSV or JSON Lines, the first byte picks) against
//! a tiny dataset's manifest: a report or an error naming the record, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::LazyLock;

static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary directory"));
static SCHEMA: LazyLock<nhikit_schema::Schema> =
    LazyLock::new(|| nhikit_schema::embedded().expect("the embedded schema loads"));

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let name = if first & 1 == 1 { "export.csv" } else { "export.jsonl" };
    let path = DIR.path().join(name);
    std::fs::write(&path, rest).expect("writing the input");
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
    let options = nhikit_safety::ScanOptions { threads: 1 };
    match nhikit_safety::scan(&path, &manifest, &SCHEMA, &Default::default(), &options) {
        Ok(report) => assert!(report.suspects.len() as u64 <= report.records),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
