//! `generate`: the same files for any thread count, a manifest that records the run so that
//! `verify` regenerates it (with extras and municipality partitions too), refusals named.

use crate::{spec, writer};
use nhikit_dataset::{Error, RunSpec, VerifyOptions, check_output, generate, verify};
use nhikit_io::PartitionLevel;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Relative path → bytes of every file under `dir` but the manifest.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "manifest.json" {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn extras_run() -> RunSpec {
    let mut run = RunSpec {
        partition: PartitionLevel::Municipality,
        ..spec(5, 80, "jsonl,csv")
    };
    let with = [
        "event".to_owned(),
        "income".to_owned(),
        "payment".to_owned(),
    ];
    run.select_extras(nhikit_synth::Profile::Edge, &with, Some(2023), None)
        .unwrap();
    run
}

#[test]
fn any_thread_count_writes_the_same_files_and_the_manifest_regenerates_them() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = extras_run();
    let mut sets = Vec::new();
    for threads in [1, 3] {
        let out = tmp.path().join(format!("t{threads}"));
        let households = AtomicU64::new(0);
        let progress = |done: u64, total: u64| {
            assert_eq!(total, 80);
            households.fetch_add(done, Ordering::Relaxed);
        };
        let g = generate(&run, writer(&out, &schema, &run), threads, &progress).unwrap();
        assert_eq!(households.into_inner(), 80);
        assert_eq!(g.households, 80);
        assert!(g.counts.events > 0 && g.counts.incomes > 0 && g.counts.payments > 0);
        // Municipality partitions: every data file lies in a municipality= directory.
        let f = files(&out);
        assert!(
            f.keys()
                .filter(|p| !p.contains("/insurer"))
                .all(|p| p.contains("/municipality=")),
            "{:?}",
            f.keys().collect::<Vec<_>>()
        );
        // What the manifest records reads back as the same run.
        let manifest = nhikit_io::Manifest::read(&out).unwrap();
        let back = RunSpec::regenerable(&manifest, &out.join("manifest.json")).unwrap();
        assert_eq!(back, run);
        let report = verify(&out, &schema, &VerifyOptions::default()).unwrap();
        assert!(report.is_ok(), "{:#?}", report.findings);
        assert!(report.records_regenerated > 80);
        sets.push(f);
    }
    assert!(sets[0] == sets[1], "1 and 3 threads wrote different files");
}

#[test]
fn a_writer_of_other_formats_and_bad_outputs_are_refused() {
    let schema = nhikit_schema::embedded().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let run = spec(1, 10, "parquet");
    let other = spec(1, 10, "csv");
    let out = tmp.path().join("d");
    let err = generate(&run, writer(&out, &schema, &other), 1, &|_, _| {}).unwrap_err();
    assert!(matches!(err, Error::Options(_)), "{err}");
    assert!(!out.exists(), "a refused run left {}", out.display());

    let file = tmp.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let err = check_output(&file).unwrap_err().to_string();
    assert!(
        err.contains("a file is there") && err.contains("--overwrite"),
        "{err}"
    );
    let err = check_output(&file.join("sub")).unwrap_err().to_string();
    assert!(
        err.contains(&format!("{} is a file", file.display())),
        "{err}"
    );
    check_output(&tmp.path().join("new/deeper")).unwrap();
    check_output(tmp.path()).unwrap();
}
