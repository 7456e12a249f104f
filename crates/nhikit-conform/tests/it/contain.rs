//! Issue 19: the runner's data files are read under their dataset directory, a scenario's
//! `data.dir` stays beside the scenario, and copying a dataset for a scenario's edits refuses
//! links instead of following them.

use nhikit_conform::data::{Model, copy_dir, generate};
use std::os::unix::fs::symlink;

const SECRET: &str = "SECRET-VICTIM-CONTENT";

fn dataset() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    generate(&dir, 3, 10, &[]).unwrap();
    let victim = tmp.path().join("victim.jsonl");
    std::fs::write(&victim, format!("{SECRET}\n")).unwrap();
    (tmp, dir, victim)
}

fn writable(dir: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
            writable(&p);
        } else if meta.is_file() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn model_read_refuses_a_manifest_path_that_leaves_the_dataset_and_a_link() {
    let (_tmp, dir, victim) = dataset();
    writable(&dir);
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let listed: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let person = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .find(|p| p.starts_with("jsonl/person/"))
        .unwrap();
    let person = person.as_str();
    for to in ["../victim.jsonl", victim.to_str().unwrap()] {
        std::fs::write(dir.join("manifest.json"), manifest.replace(person, to)).unwrap();
        let e = Model::read(&dir).unwrap_err().to_string();
        assert!(e.contains("refused"), "{e}");
        assert!(!e.contains(SECRET), "{e}");
    }
    std::fs::write(dir.join("manifest.json"), &manifest).unwrap();
    std::fs::remove_file(dir.join(person)).unwrap();
    symlink(&victim, dir.join(person)).unwrap();
    let e = Model::read(&dir).unwrap_err().to_string();
    assert!(e.contains("symbolic link refused"), "{e}");
    assert!(!e.contains(SECRET), "{e}");
    // The copy for a scenario's edits refuses the link too, and copies nothing through it.
    let copy = dir.parent().unwrap().join("copy");
    let e = copy_dir(&dir, &copy).unwrap_err().to_string();
    assert!(e.contains("a symbolic link in a dataset directory"), "{e}");
    assert!(!copy.join(person).exists());
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        format!("{SECRET}\n")
    );
}

#[test]
fn a_scenario_data_dir_stays_beside_the_scenario() {
    let (catalog, _) = crate::catalog();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.toml");
    for dir in ["../elsewhere", "/etc"] {
        let text = format!(
            "id = \"x\"\ntitle = \"x\"\nrequirements = [\"AGE-70-COPAY\"]\n[data]\ndir = \"{dir}\"\n\
             [[step]]\nname = \"s\"\nop = \"copay_ratio\"\nrequest = {{}}\nexpect.oracle = true\n"
        );
        let e = nhikit_conform::scenario::parse_scenario(&path, &text, &catalog)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("data.dir") && e.contains("refused"),
            "{dir}: {e}"
        );
    }
}
