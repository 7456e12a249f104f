//! Atomic completion: OUT appears only complete; nothing is left by an unfinished writer.

use crate::support::*;
use nhikit_io::{DatasetWriter, Error, Format, WriterOptions};
use nhikit_schema::RowWriter;

#[test]
fn the_files_live_in_a_partial_sibling_until_finish() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    let tmp = dataset.temp_dir().to_path_buf();
    assert_eq!(
        tmp.file_name().unwrap().to_string_lossy(),
        format!("ds.nhikit-partial-{}", std::process::id())
    );
    let mut part = dataset.part("resident", &chiyoda(), 0).unwrap();
    residents()[0].write(&mut part);
    part.finish().unwrap();
    assert!(!out.exists());
    assert!(tmp.join("parquet/resident").is_dir());
    dataset.finish(info()).unwrap();
    assert!(out.join("manifest.json").is_file());
    assert!(!tmp.exists());
}

#[test]
fn an_existing_non_empty_output_is_refused() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let err = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap_err();
    assert!(matches!(err, Error::OutputExists { .. }), "{err:?}");
    assert!(err.to_string().contains("already exists and is not empty"));
    assert_eq!(listing(&out), vec!["keep.txt"]);
    assert_eq!(listing(dir.path()), vec!["ds"]);
}

#[test]
fn an_empty_output_directory_is_used_and_overwrite_replaces_a_full_one() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    std::fs::create_dir(&out).unwrap();
    write_dataset(&out, &schema, WriterOptions::default()).unwrap();
    std::fs::write(out.join("stale.txt"), "old").unwrap();
    let options = WriterOptions {
        overwrite: true,
        formats: vec![Format::Jsonl],
        ..WriterOptions::default()
    };
    write_dataset(&out, &schema, options).unwrap();
    assert_eq!(listing(&out), vec!["jsonl", "manifest.json"]);
    assert_eq!(listing(dir.path()), vec!["ds"]);
}

#[test]
fn dropping_the_writer_without_finish_leaves_nothing() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    {
        let dataset = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
        let mut part = dataset.part("resident", &chiyoda(), 0).unwrap();
        residents()[0].write(&mut part);
        part.finish().unwrap();
        assert_eq!(
            listing(dir.path()).len(),
            1,
            "the partial directory exists meanwhile"
        );
    }
    assert!(!out.exists());
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_part_dropped_without_finish_fails_the_dataset() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    {
        let mut part = dataset.part("resident", &chiyoda(), 0).unwrap();
        residents()[0].write(&mut part);
    }
    let err = dataset.finish(info()).unwrap_err().to_string();
    assert!(err.contains("was dropped without finish"), "{err}");
    assert!(
        err.contains("resident/prefecture=13/municipality=131016/part-00000"),
        "{err}"
    );
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn a_part_still_open_at_finish_fails_the_dataset() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    let part = dataset.part("resident", &chiyoda(), 0).unwrap();
    let err = dataset.finish(info()).unwrap_err().to_string();
    assert!(err.contains("1 parts are still being written"), "{err}");
    drop(part);
    assert!(!out.exists());
}

#[test]
fn parts_are_checked_and_claimed_once() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let dataset =
        DatasetWriter::create(&dir.path().join("ds"), &schema, WriterOptions::default()).unwrap();
    let bad = |prefecture, municipality: &str| nhikit_io::Partition {
        prefecture,
        municipality: Some(municipality.to_owned()),
    };
    for p in [
        bad(13, "13101"),
        bad(13, "../../x"),
        bad(14, "131016"),
        bad(0, "001016"),
    ] {
        let err = dataset.part("resident", &p, 0).unwrap_err();
        assert!(matches!(err, Error::InvalidPartition { .. }), "{err:?}");
    }
    let err = dataset.part("nobody", &chiyoda(), 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown entity `nobody` (not in the schema)"
    );
    let first = dataset.part("resident", &chiyoda(), 0).unwrap();
    let err = dataset.part("resident", &chiyoda(), 0).unwrap_err();
    assert!(matches!(err, Error::DuplicatePart { .. }), "{err:?}");
    first.finish().unwrap();
    dataset.finish(info()).unwrap();
}

#[test]
fn parts_can_be_written_from_several_threads() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let options = WriterOptions {
        formats: vec![Format::Parquet, Format::Csv],
        ..WriterOptions::default()
    };
    let dataset = DatasetWriter::create(&out, &schema, options).unwrap();
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let dataset = &dataset;
            s.spawn(move || {
                let mut part = dataset.part("resident", &chiyoda(), t).unwrap();
                for r in residents().iter().take(t as usize + 1) {
                    r.write(&mut part);
                }
                part.finish().unwrap();
            });
        }
    });
    let manifest = dataset.finish(info()).unwrap();
    assert_eq!(manifest.entities["resident"].rows, 1 + 2 + 3 + 3);
    assert_eq!(manifest.entities["resident"].parts, 4);
    assert_eq!(manifest.files.len(), 4 * 3);
    let mut sorted = manifest.files.clone();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(sorted, manifest.files);
}

#[test]
fn a_record_with_too_few_values_is_reported() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let dataset =
        DatasetWriter::create(&dir.path().join("ds"), &schema, WriterOptions::default()).unwrap();
    let mut part = dataset.table_part("insurer", 0).unwrap();
    part.str("138016");
    part.end_row();
    let err = part.finish().unwrap_err().to_string();
    assert_eq!(
        err,
        "insurer: record 1, item `name`: the record ended after 1 of 2 items"
    );
}

#[test]
fn two_writers_for_one_output_in_one_process_are_refused() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let first = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    let err = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap_err();
    assert!(matches!(err, Error::OutputBusy { .. }), "{err:?}");
    first.finish(info()).unwrap();
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn a_file_in_the_way_is_refused_even_with_overwrite() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    std::fs::write(&out, "a file").unwrap();
    let options = WriterOptions {
        overwrite: true,
        ..WriterOptions::default()
    };
    let err = DatasetWriter::create(&out, &schema, options).unwrap_err();
    assert!(matches!(err, Error::OutputExists { .. }), "{err:?}");
}
