//! The manifest: deterministic, complete, and able to detect damage.

use crate::support::*;
use nhikit_io::{Format, Manifest, Mismatch, WriterOptions, verify_files};

fn all() -> WriterOptions {
    WriterOptions {
        formats: Format::ALL.to_vec(),
        ..WriterOptions::default()
    }
}

fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, rel: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for name in listing(dir) {
            let path = dir.join(&name);
            let rel = format!("{rel}/{name}");
            if path.is_dir() {
                walk(&path, &rel, out);
            } else {
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out
}

#[test]
fn the_same_rows_give_byte_identical_files_and_manifest() {
    let schema = schema();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write_dataset(&a.path().join("ds"), &schema, all()).unwrap();
    write_dataset(&b.path().join("other-name"), &schema, all()).unwrap();
    let ta = tree(&a.path().join("ds"));
    let tb = tree(&b.path().join("other-name"));
    assert_eq!(ta.len(), 9);
    assert_eq!(ta, tb);
}

#[test]
fn the_manifest_has_fixed_fields_and_reads_back() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let written = write_dataset(&out, &schema, all()).unwrap();
    let read = Manifest::read(&out).unwrap();
    assert_eq!(read, written);
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("    "))
        .map(|l| l.trim().split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "manifest_version",
            "nhikit_version",
            "schema",
            "generator",
            "seed",
            "options",
            "shard",
            "entities",
            "files"
        ]
    );
    assert!(!text.contains("created"));
    assert_eq!(read.schema.name, "io-test");
    assert_eq!(read.schema.version, "7");
    assert_eq!(read.generator.output_version, 3);
    assert_eq!(read.seed, 42);
    assert_eq!(read.shard, None);
    let parquet = read
        .files
        .iter()
        .find(|f| f.format == Format::Parquet && f.entity == "resident")
        .unwrap();
    // The recorded hash is the SHA-256 of the bytes on disk (hashed here independently).
    let bytes = std::fs::read(out.join(&parquet.path)).unwrap();
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(parquet.sha256, hex);
    assert_eq!(parquet.bytes, bytes.len() as u64);
}

#[test]
fn verify_files_detects_a_flipped_byte_a_missing_file_and_an_extra_one() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let manifest = write_dataset(&out, &schema, all()).unwrap();
    assert_eq!(verify_files(&out).unwrap(), vec![]);

    let victim = &manifest.files[3].path;
    let mut bytes = std::fs::read(out.join(victim)).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(out.join(victim), &bytes).unwrap();
    let gone = &manifest.files[0].path;
    std::fs::remove_file(out.join(gone)).unwrap();
    std::fs::write(out.join("parquet/stray.parquet"), b"x").unwrap();

    let found = verify_files(&out).unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.contains(&Mismatch::Missing { path: gone.clone() }));
    assert!(found.contains(&Mismatch::Extra {
        path: "parquet/stray.parquet".to_owned()
    }));
    assert!(
        found
            .iter()
            .any(|m| matches!(m, Mismatch::Hash { path, .. } if path == victim))
    );
}

#[test]
fn a_created_field_appears_only_when_given() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset =
        nhikit_io::DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    let mut info = info();
    info.created = Some("2026-11-25T07:00:00Z".to_owned());
    info.shard = Some(nhikit_io::Shard { index: 2, count: 3 });
    dataset.finish(info).unwrap();
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        text.contains("\"created\": \"2026-11-25T07:00:00Z\""),
        "{text}"
    );
    assert!(text.contains("\"index\": 2"), "{text}");
    assert!(text.contains("\"files\": []"), "{text}");
}
