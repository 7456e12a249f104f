//! Every broken fixture fails with the error its `expect.toml` names: file, line, item, reason.

use nhikit_schema::{Problem, load_dir};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::mem::discriminant;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    file: String,
    line: usize,
    entity: String,
    item: Option<String>,
    message: String,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn the_good_fixture_loads() {
    let schema = load_dir(&fixtures().join("good")).unwrap();
    assert_eq!(schema.entities.len(), 2);
    assert_eq!(schema.code_tables.len(), 1);
    assert_eq!(schema.layouts.len(), 1);
}

#[test]
fn each_broken_fixture_names_file_line_and_item() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("broken"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 8,
        "the issue asks for at least 8 kinds of mistakes"
    );
    let mut kinds = Vec::new();
    for case in &cases {
        let expect: Expect =
            toml::from_str(&std::fs::read_to_string(case.join("expect.toml")).unwrap()).unwrap();
        let errors = match load_dir(case) {
            Ok(_) => panic!("{} loaded but should fail", case.display()),
            Err(e) => e.0,
        };
        let file = case.join(&expect.file);
        let hit = errors.iter().find(|e| {
            e.file == file
                && e.line == expect.line
                && e.entity.as_deref() == Some(expect.entity.as_str())
                && e.item == expect.item
                && e.to_string().contains(&expect.message)
        });
        match hit {
            Some(e) => {
                // The rendered message starts with FILE:LINE:COL.
                let rendered = e.to_string();
                assert!(
                    rendered.starts_with(&format!("{}:{}:", file.display(), expect.line)),
                    "{rendered}"
                );
                kinds.push(discriminant(&e.problem));
            }
            None => panic!(
                "{}: expected an error at {}:{} [{}.{:?}] containing {:?}; got:\n{}",
                case.display(),
                expect.file,
                expect.line,
                expect.entity,
                expect.item,
                expect.message,
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
    let distinct: BTreeSet<String> = kinds.iter().map(|k| format!("{k:?}")).collect();
    assert!(
        distinct.len() >= 8,
        "only {} distinct kinds of error",
        distinct.len()
    );
}

#[test]
fn a_missing_directory_is_an_error_not_a_panic() {
    let errors = load_dir(Path::new("/nonexistent/schemas")).unwrap_err();
    assert!(errors.0.iter().all(|e| matches!(e.problem, Problem::Io(_))));
    assert!(!errors.0.is_empty());
}

#[test]
fn all_mistakes_in_one_directory_are_reported_together() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("good"), dir.path());
    let person = dir.path().join("entities/person.toml");
    let text = std::fs::read_to_string(&person)
        .unwrap()
        .replace(r#"type = "date""#, r#"type = "when""#)
        .replace(r#"code = "sex""#, r#"code = "gender""#);
    std::fs::write(&person, text).unwrap();
    let errors = load_dir(dir.path()).unwrap_err();
    assert!(
        errors
            .0
            .iter()
            .any(|e| e.problem == Problem::UnknownType("when".into()))
    );
    assert!(
        errors
            .0
            .iter()
            .any(|e| e.problem == Problem::UnknownCodeTable("gender".into()))
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
