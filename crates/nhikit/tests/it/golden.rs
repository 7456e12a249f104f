//! The bytes of `nhikit gen` pinned: a golden SHA-256 digest per table directory (an entity, or
//! a CSV layout) of a small dataset in every format, for the default run, `--profile edge` and
//! every `--with`. A change in any digest means the same seed now gives other files: that
//! needs an `nhikit_synth::OUTPUT_VERSION` bump (its history is the doc comment in
//! `crates/nhikit-synth/src/lib.rs`) and new golden values, never a silent change.
//!
//! The digests were computed with `sha256sum` from a build of the tree before the code they
//! guard was last refactored (`golden_digests.txt` says how); this test recomputes them in
//! Rust, the same way, from what the built binary writes.

use crate::{nhikit, text};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// The golden values: `RUN TABLE DIGEST` per line, `#` comments.
const GOLDEN: &str = include_str!("golden_digests.txt");

/// The options every run shares (see `golden_digests.txt`).
const COMMON: [&str; 8] = [
    "--households",
    "60",
    "--seed",
    "7",
    "--municipality",
    "131016,271004",
    "--format",
    "parquet,arrow,csv,jsonl",
];

/// Each run's name and its own options.
const RUNS: [(&str, &[&str]); 8] = [
    ("default", &[]),
    ("edge", &["--profile", "edge"]),
    ("event", &["--with", "event"]),
    ("income", &["--with", "income"]),
    ("assessment", &["--with", "assessment"]),
    ("payment", &["--with", "payment"]),
    ("benefit", &["--with", "benefit"]),
    ("edge_case", &["--profile", "edge", "--with", "edge_case"]),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Every file under `dir` but the manifest, relative, with `/` separators.
fn data_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "manifest.json" {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push(rel);
            }
        }
    }
    out
}

/// `FORMAT/TABLE` → the SHA-256 of the `sha256sum` lines (`HEX  PATH\n`) of its files, sorted
/// by path: `find FORMAT/TABLE -type f | LC_ALL=C sort | xargs sha256sum | sha256sum`.
fn digests(dir: &Path) -> BTreeMap<String, String> {
    let mut lines: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for rel in data_files(dir) {
        let mut parts = rel.splitn(3, '/');
        let table = format!(
            "{}/{}",
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default()
        );
        let file = hex(&Sha256::digest(std::fs::read(dir.join(&rel)).unwrap()));
        lines.entry(table).or_default().push((rel, file));
    }
    lines
        .into_iter()
        .map(|(table, mut files)| {
            files.sort();
            let mut h = Sha256::new();
            for (path, file) in files {
                h.update(format!("{file}  {path}\n"));
            }
            (table, hex(&h.finalize()))
        })
        .collect()
}

fn golden() -> BTreeMap<(String, String), String> {
    GOLDEN
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "golden_digests.txt: bad line {l:?}");
            ((f[0].to_owned(), f[1].to_owned()), f[2].to_owned())
        })
        .collect()
}

#[test]
fn generated_bytes_match_the_golden_digests_of_this_output_version() {
    let golden = golden();
    assert!(
        golden.len() > 100,
        "golden_digests.txt holds {} digests",
        golden.len()
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut found = BTreeMap::new();
    for (run, extra) in RUNS {
        let out = tmp.path().join(run);
        let mut args = vec!["gen", "--out", out.to_str().unwrap()];
        args.extend(COMMON);
        args.extend(extra);
        let o = nhikit(&args);
        assert_eq!(o.status.code(), Some(0), "{run}: {}", text(&o));
        for (table, digest) in digests(&out) {
            found.insert((run.to_owned(), table), digest);
        }
    }
    let mut differences = Vec::new();
    for (key, want) in &golden {
        match found.get(key) {
            Some(got) if got == want => {}
            Some(got) => differences.push(format!("{} {}: {got}, golden {want}", key.0, key.1)),
            None => differences.push(format!("{} {}: not written any more", key.0, key.1)),
        }
    }
    for key in found.keys().filter(|k| !golden.contains_key(*k)) {
        differences.push(format!("{} {}: new, no golden digest", key.0, key.1));
    }
    assert!(
        differences.is_empty(),
        "nhikit gen's output changed for the same seed and options ({} tables):\n{}\n\
         Same seed, other bytes: bump nhikit_synth::OUTPUT_VERSION (say what changed in its \
         history in crates/nhikit-synth/src/lib.rs), then regenerate \
         crates/nhikit/tests/it/golden_digests.txt as its header says. (Parquet files also \
         carry the nhikit version in their footer: a release bump changes their digests alone.)",
        differences.len(),
        differences.join("\n")
    );
}
