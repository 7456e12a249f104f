//! Reference import (`nhikit-reference`, through the `nhikit-io` CSV and JSON Lines readers):
//! a tiny valid dataset (`fixtures/tiny`, from `nhikit gen`) with one entity's file replaced by
//! the input. The first byte picks the entity and the format. Any bytes give an accepted
//! import or a rejection, never a panic; a rejected import leaves the database empty.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nhikit_target::{ImportFile, ImportRequest, Target};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

const ENTITIES: [(&str, &str, &str); 4] = [
    ("insurer", "insurer/part-00000", "insurer_csv/part-00000"),
    ("household", "household/prefecture=13/part-00000", "household_csv/prefecture=13/part-00000"),
    ("person", "person/prefecture=13/part-00000", "person_csv/prefecture=13/part-00000"),
    (
        "qualification",
        "qualification/prefecture=13/part-00000",
        "qualification_csv/prefecture=13/part-00000",
    ),
];

/// One database for the whole run, emptied by `reset` before each input (opening one per
/// input would cost most of the time).
static REFERENCE: LazyLock<nhikit_reference::Reference> =
    LazyLock::new(|| nhikit_reference::Reference::in_memory().expect("an in-memory database"));

static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary directory"));

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny").join(rel)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let which = usize::from(first >> 1) % ENTITIES.len();
    let csv = first & 1 == 1;
    let mut files = Vec::new();
    for (i, (entity, jsonl, csv_path)) in ENTITIES.iter().enumerate() {
        let (path, format) = if csv {
            (fixture(&format!("csv/{csv_path}.csv")), "csv")
        } else {
            (fixture(&format!("jsonl/{jsonl}.jsonl")), "jsonl")
        };
        let path = if i == which {
            let p = DIR.path().join(format!("{entity}.{format}"));
            std::fs::write(&p, rest).expect("writing the input");
            p
        } else {
            path
        };
        files.push(ImportFile {
            path,
            entity: (*entity).to_owned(),
            format: format.to_owned(),
            layout: None,
        });
    }
    let reference = &*REFERENCE;
    reference
        .reset(&nhikit_target::ResetRequest {})
        .expect("reset before each input");
    let request = ImportRequest {
        dataset: None,
        files,
    };
    if let Err(e) = reference.import(&request) {
        let _ = e.to_string();
        // All or nothing: after a rejection nothing is stored.
        let out = DIR.path().join("export");
        let _ = std::fs::remove_dir_all(&out);
        let exported = reference
            .export(&nhikit_target::ExportRequest {
                dir: out.clone(),
                overwrite: false,
            })
            .expect("export after a rejected import");
        assert!(
            exported.records.values().all(|&n| n == 0),
            "a rejected import stored records: {:?}",
            exported.records
        );
    }
});
