//! Load errors name the file, line and reason.

use nhikit_conform::Error;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const CATALOG: &str = "[[requirement]]\nid = \"R-1\"\ndescription = \"one\"\n";

fn load_one(scenario: &str) -> Result<(), Error> {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "requirements.toml", CATALOG);
    std::fs::create_dir(tmp.path().join("conformance")).unwrap();
    write(&tmp.path().join("conformance"), "s.toml", scenario);
    nhikit_conform::load_all(&tmp.path().join("conformance")).map(|_| ())
}

fn line_of(e: Error) -> (usize, String) {
    match e {
        Error::Load { line, reason, .. } => (line, reason),
        other => panic!("{other}"),
    }
}

#[test]
fn unknown_requirement_is_named_with_its_line() {
    let e = load_one(
        "id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\",\n  \"R-2\"]\n[[step]]\nop = \"export\"\n",
    )
    .unwrap_err();
    let text = e.to_string();
    let (line, reason) = line_of(e);
    assert_eq!(line, 4, "{text}");
    assert!(reason.contains("unknown requirement `R-2`"), "{reason}");
    assert!(text.contains("s.toml:4:"), "{text}");
}

#[test]
fn toml_mistakes_point_at_the_line() {
    // An unknown key in a step.
    let e = load_one(
        "id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[[step]]\nop = \"export\"\nexpct.round_trip = true\n",
    )
    .unwrap_err();
    let (line, reason) = line_of(e);
    assert_eq!(line, 6);
    assert!(reason.contains("expct"), "{reason}");
    // An unknown op.
    let (line, reason) = line_of(
        load_one(
            "id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[[step]]\nop = \"delete\"\n",
        )
        .unwrap_err(),
    );
    assert_eq!(line, 5);
    assert!(reason.contains("unknown op `delete`"), "{reason}");
    // A bad selector, and a template naming nothing bound.
    let (line, reason) = line_of(
        load_one("id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[let]\nh = \"houses#1\"\n[[step]]\nop = \"export\"\n")
            .unwrap_err(),
    );
    assert_eq!(line, 5);
    assert!(reason.contains("unknown entity `houses`"), "{reason}");
    let (_, reason) = line_of(
        load_one("id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[[step]]\nop = \"lookup_person\"\nrequest = { lgcode = \"{p.lgcode}\" }\n")
            .unwrap_err(),
    );
    assert!(reason.contains("no binding `p`"), "{reason}");
    // An unknown error code.
    let (line, reason) = line_of(
        load_one("id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[[step]]\nop = \"export\"\nexpect.error = \"teapot\"\n")
            .unwrap_err(),
    );
    assert_eq!(line, 6);
    assert!(reason.contains("teapot"), "{reason}");
}

#[test]
fn duplicate_ids_and_binding_cycles_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "requirements.toml", CATALOG);
    let s = "id = \"same\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[[step]]\nop = \"export\"\n";
    write(tmp.path(), "a.toml", s);
    write(tmp.path(), "b.toml", s);
    let e = nhikit_conform::load_all(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("id `same` is already used"), "{e}");
    let (_, reason) = line_of(
        load_one("id = \"s\"\ntitle = \"t\"\nrequirements = [\"R-1\"]\n[let]\na = \"person[in=b]\"\nb = \"person[in=a]\"\n[[step]]\nop = \"export\"\n")
            .unwrap_err(),
    );
    assert!(reason.contains("cycle"), "{reason}");
}

#[test]
fn the_catalog_loads_and_every_requirement_is_checked() {
    let (catalog, scenarios) = crate::catalog();
    for id in catalog.requirements.keys() {
        assert!(
            scenarios.iter().any(|s| s.requirements.contains(id)),
            "no scenario checks {id}"
        );
    }
}
