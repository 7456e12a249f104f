//! The shipped `scenarios/` tree (conformance catalog, requirement catalog, performance
//! scenarios), embedded by build.rs: what `conform`, `load`, `demo` and `init` use when no
//! directory or file is given, so an installed binary works outside the source tree.

use anyhow::Context;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));
}

/// How the embedded files are named in messages and reports: their path in the source tree.
const SHOWN_ROOT: &str = "scenarios";

/// One embedded file by its path relative to `scenarios/`.
pub fn file(rel: &str) -> Option<&'static [u8]> {
    embedded::FILES
        .iter()
        .find(|(r, _)| *r == rel)
        .map(|(_, b)| *b)
}

/// Writes the embedded `scenarios/` tree (or the files under `only`) under `dir`.
pub fn write_scenarios(dir: &Path, only: Option<&str>) -> anyhow::Result<usize> {
    let mut n = 0;
    for (rel, bytes) in embedded::FILES {
        if only.is_some_and(|prefix| !rel.starts_with(prefix)) {
            continue;
        }
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        n += 1;
    }
    Ok(n)
}

fn text(rel: &str) -> anyhow::Result<&'static str> {
    let bytes =
        file(rel).with_context(|| format!("the binary carries no {rel} (a build problem)"))?;
    std::str::from_utf8(bytes).with_context(|| format!("the embedded {rel} is not UTF-8"))
}

/// The embedded requirement catalog's text.
pub fn requirements() -> anyhow::Result<&'static str> {
    text("requirements.toml")
}

/// The shipped conformance catalog and its requirements, loaded from the binary; files are
/// named `scenarios/conformance/…` as in the source tree.
pub fn conformance() -> anyhow::Result<(nhikit_conform::Catalog, Vec<nhikit_conform::Scenario>)> {
    let shown = |rel: &str| PathBuf::from(SHOWN_ROOT).join(rel);
    let files: Vec<(PathBuf, &str)> = embedded::FILES
        .iter()
        .filter(|(rel, _)| rel.starts_with("conformance/") && rel.ends_with(".toml"))
        .map(|(rel, bytes)| {
            std::str::from_utf8(bytes)
                .map(|t| (shown(rel), t))
                .with_context(|| format!("the embedded {rel} is not UTF-8"))
        })
        .collect::<anyhow::Result<_>>()?;
    let catalog = shown("requirements.toml");
    Ok(nhikit_conform::load_texts(
        (&catalog, requirements()?),
        &files,
    )?)
}

/// The names of the shipped performance scenarios (`lookup-storm`, …).
pub fn performance_names() -> Vec<&'static str> {
    embedded::FILES
        .iter()
        .filter_map(|(rel, _)| rel.strip_prefix("performance/")?.strip_suffix(".toml"))
        .collect()
}

/// A shipped performance scenario by name (`lookup-storm` or `lookup-storm.toml`): its shown
/// path and text.
pub fn performance(name: &str) -> Option<(PathBuf, &'static str)> {
    let stem = name.strip_suffix(".toml").unwrap_or(name);
    let rel = format!("performance/{stem}.toml");
    let bytes = file(&rel)?;
    let text = std::str::from_utf8(bytes).ok()?;
    Some((PathBuf::from(SHOWN_ROOT).join(rel), text))
}
