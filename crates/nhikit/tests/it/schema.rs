//! `nhikit schema check|show`.

use crate::{nhikit, text, workspace};

#[test]
fn shipped_schemas_pass() {
    let o = nhikit(&["schema", "check", "schemas/"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn a_broken_schema_fails_with_file_and_line() {
    let dir = workspace().join("crates/nhikit-schema/tests/fixtures/broken/unknown_type");
    let o = nhikit(&["schema", "check", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("entities/person.toml:"), "{out}");
    assert!(out.contains("[person.birth_date]"), "{out}");
    assert!(out.contains("unknown type `datetime`"), "{out}");
}

#[test]
fn show_lists_items_and_unknown_entities_are_errors() {
    let o = nhikit(&["schema", "show", "person"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = nhikit(&["schema", "show", "nosuchentity"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no entity `nosuchentity`"));
}

#[test]
fn show_arrow_prints_the_arrow_schema_as_json() {
    let o = nhikit(&["schema", "show", "person", "--arrow"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(!v["fields"].as_array().unwrap().is_empty());
}
