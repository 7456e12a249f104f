//! The scenario loader (`docs/scenario-format.md`) on arbitrary text, with the real
//! requirement catalog: a scenario or an error naming file, line and column, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::LazyLock;

static CATALOG: LazyLock<nhikit_conform::Catalog> = LazyLock::new(|| {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/requirements.toml");
    nhikit_conform::Catalog::load(path.as_ref()).expect("the requirement catalog loads")
});

static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary directory"));

fuzz_target!(|data: &[u8]| {
    let path: PathBuf = DIR.path().join("fuzz.toml");
    std::fs::write(&path, data).expect("writing the input");
    if let Err(e) = nhikit_conform::load_scenario(&path, &CATALOG) {
        let text = e.to_string();
        assert!(text.contains("fuzz.toml"), "the error names the file: {text}");
    }
});
