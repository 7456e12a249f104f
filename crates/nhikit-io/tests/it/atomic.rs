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
    let options = WriterOptions {
        overwrite: true,
        formats: vec![Format::Jsonl],
        ..WriterOptions::default()
    };
    // A file nhikit did not write makes the directory one it does not replace (issue 19).
    std::fs::write(out.join("stale.txt"), "old").unwrap();
    let err = write_dataset(&out, &schema, options.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not replaced: stale.txt is not listed in its manifest (nhikit removes only what it wrote); nothing was removed",
            out.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(out.join("stale.txt")).unwrap(),
        "old"
    );
    std::fs::remove_file(out.join("stale.txt")).unwrap();
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
            listing(dir.path()),
            vec![
                "ds.nhikit-lock".to_owned(),
                format!("ds.nhikit-partial-{}", std::process::id())
            ],
            "the partial directory and the lock exist meanwhile"
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
    assert!(matches!(err, Error::OutputLocked { .. }), "{err:?}");
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

/// Issue 19: a temporary directory left by a killed writer (another pid) is removed by the next
/// writer into the same output, which says so; the `.old` of a killed overwrite is kept while
/// it is the only copy of the previous dataset.
#[test]
fn a_killed_writers_partial_is_removed_by_the_next_one() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let stale = dir.path().join("ds.nhikit-partial-4194305");
    std::fs::create_dir_all(stale.join("csv")).unwrap();
    std::fs::write(stale.join("csv/part.csv"), "half").unwrap();
    let old = dir.path().join("ds.nhikit-partial-4194306.old");
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(old.join("manifest.json"), "{}").unwrap();
    // Not ours: a different name and a decrypt staging directory.
    std::fs::create_dir(dir.path().join("dsx.nhikit-partial-1")).unwrap();
    let dataset = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    let notes = dataset.notes().to_vec();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with(&format!("removed {}", stale.display())),
        "{notes:?}"
    );
    assert!(notes[0].ends_with("left by an earlier run (process 4194305) that did not finish"));
    assert!(notes[1].contains("is the previous dataset"), "{notes:?}");
    assert!(!stale.exists());
    assert!(old.exists());
    dataset.finish(info()).unwrap();
    // With OUT complete, the `.old` is only what a finished overwrite was discarding.
    let again = DatasetWriter::create(
        &out,
        &schema,
        WriterOptions {
            overwrite: true,
            ..WriterOptions::default()
        },
    )
    .unwrap();
    assert!(again.notes()[0].starts_with(&format!("removed {}", old.display())));
    assert!(!old.exists());
    drop(again);
    assert!(dir.path().join("dsx.nhikit-partial-1").exists());
}

/// Issue 19: `overwrite` removes only a dataset nhikit wrote, never through or along a link.
#[test]
fn overwrite_refuses_what_it_does_not_recognise_and_never_follows_links() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("secret.txt"), "secret").unwrap();
    let overwrite = || WriterOptions {
        overwrite: true,
        ..WriterOptions::default()
    };
    // A directory without a manifest.
    let err = DatasetWriter::create(&victim, &schema, overwrite()).unwrap_err();
    assert!(matches!(err, Error::NotReplaceable { .. }), "{err:?}");
    assert!(
        err.to_string().contains("it is not an nhikit dataset"),
        "{err}"
    );
    // A link as the output.
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let err = DatasetWriter::create(&link, &schema, overwrite()).unwrap_err();
    assert!(err.to_string().contains("it is a symbolic link"), "{err}");
    // A dataset holding a link to the victim, read-only as `gen` leaves it.
    use std::os::unix::fs::PermissionsExt;
    let out = dir.path().join("ds");
    let mut w = DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    w.seal_on_finish(true);
    w.finish(info()).unwrap();
    nhikit_io::unseal_dir(&out).unwrap();
    std::os::unix::fs::symlink(&victim, out.join("parquet")).unwrap();
    let read_only = std::fs::Permissions::from_mode(0o555);
    std::fs::set_permissions(&out, read_only).unwrap();
    let err = DatasetWriter::create(&out, &schema, overwrite()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not replaced: parquet is a symbolic link (nhikit never follows or removes links in a dataset); nothing was removed",
            out.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(victim.join("secret.txt")).unwrap(),
        "secret"
    );
    let mode = std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o755,
        "the victim's mode was not changed through the link"
    );
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
}
