//! The dependency direction of ARCHITECTURE.md, checked with `cargo metadata`: an edge that
//! breaks it fails here, so an arrow or tokio upgrade keeps touching only the crates that own it.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// package name → names of its normal (non-dev) dependencies.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(crate::workspace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: BTreeSet<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let mut g = BTreeMap::new();
    for p in meta["packages"].as_array().unwrap() {
        if !members.contains(p["id"].as_str().unwrap()) {
            continue;
        }
        let deps = p["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        g.insert(p["name"].as_str().unwrap().to_owned(), deps);
    }
    g
}

#[test]
fn dependencies_point_down_only() {
    let g = graph();
    let deps = |p: &str| g.get(p).cloned().unwrap_or_default();
    assert!(
        deps("nhikit-rng").is_empty(),
        "nhikit-rng has no dependencies: {:?}",
        deps("nhikit-rng")
    );
    for p in ["nhikit-core", "nhikit-rng", "nhikit-rules", "nhikit-schema"] {
        let d = deps(p);
        for forbidden in [
            "arrow", "parquet", "tokio", "hyper", "axum", "reqwest", "rusqlite", "anyhow", "clap",
        ] {
            assert!(!d.contains(forbidden), "{p} must not depend on {forbidden}");
        }
    }
    assert!(
        !deps("nhikit-core").iter().any(|d| d.starts_with("nhikit-")),
        "nhikit-core is the bottom"
    );
    assert!(
        !deps("nhikit-rules").contains("nhikit-schema"),
        "the oracle takes parameters, not schema files"
    );
    assert!(!deps("nhikit-schema").contains("nhikit-rules"));
    // Only nhikit-schema (Arrow schema derivation), nhikit-io, the CLI and the benches may use arrow.
    for (p, d) in &g {
        if d.iter().any(|x| x.starts_with("arrow") || x == "parquet") {
            assert!(
                ["nhikit-schema", "nhikit-io", "nhikit", "nhikit-benches"].contains(&p.as_str()),
                "{p} depends on arrow"
            );
        }
    }
}
