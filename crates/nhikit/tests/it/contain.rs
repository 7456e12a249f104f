//! Issue 19, item 1: every path that comes from data is resolved under its root and refused
//! when it escapes — `..`, an absolute path, or a symbolic link (to a file or a directory)
//! anywhere on the way. Each command is attacked the same four ways; each test asserts the
//! refusal message, that the victim outside the dataset is intact, and that its content never
//! appears in the output (it was not read).

use crate::{gen_ok, nhikit, text};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Output;

/// What the victim files hold: it must never appear in any output.
const SECRET: &str = "SECRET-VICTIM-CONTENT";

/// A JSON Lines file of the person entity, listed in every dataset of these tests.
const PERSON: &str = "jsonl/person/prefecture=13/part-00000.jsonl";

/// The ways a dataset is attacked.
#[derive(Debug, Clone, Copy)]
enum Attack {
    /// The manifest lists `../victim.jsonl`.
    Parent,
    /// The manifest lists the victim's absolute path.
    Absolute,
    /// A listed file is a link to the victim.
    FileLink,
    /// The `jsonl` directory is a link to a directory holding the victim under the same names.
    DirLink,
}

const ATTACKS: [Attack; 4] = [
    Attack::Parent,
    Attack::Absolute,
    Attack::FileLink,
    Attack::DirLink,
];

/// A dataset and a victim outside it.
struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    victim: PathBuf,
    victim_dir: PathBuf,
}

impl Setup {
    /// Everything the victim holds, to compare after the attack.
    fn victims(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = vec![(self.victim.clone(), std::fs::read(&self.victim).unwrap())];
        for e in crate::files_under(&self.victim_dir) {
            out.push((e.clone(), std::fs::read(&e).unwrap()));
        }
        out
    }
}

/// Makes a sealed dataset writable (files 0644, directories 0755), not following links.
fn unseal(path: &Path) {
    let meta = std::fs::symlink_metadata(path).unwrap();
    if meta.file_type().is_symlink() {
        return;
    }
    let mode = if meta.is_dir() { 0o755 } else { 0o644 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if meta.is_dir() {
        for e in std::fs::read_dir(path).unwrap() {
            unseal(&e.unwrap().path());
        }
    }
}

/// A small JSON Lines dataset, writable, with `attack` applied.
fn attacked(attack: Attack) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ds");
    gen_ok(
        &dir,
        &["--households", "20", "--seed", "3", "--format", "jsonl"],
    );
    unseal(&dir);
    let victim = tmp.path().join("victim.jsonl");
    std::fs::write(&victim, format!("{SECRET}\n")).unwrap();
    // The victim directory mirrors the dataset's `jsonl` tree, every file the secret.
    let victim_dir = tmp.path().join("victim-dir");
    for f in crate::files_under(&dir.join("jsonl")) {
        let rel = f.strip_prefix(dir.join("jsonl")).unwrap();
        let to = victim_dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(&to, format!("{SECRET}\n")).unwrap();
    }
    let manifest_path = dir.join("manifest.json");
    let rewrite = |to: &str| {
        let text = std::fs::read_to_string(&manifest_path).unwrap();
        assert!(text.contains(PERSON));
        std::fs::write(&manifest_path, text.replace(PERSON, to)).unwrap();
    };
    match attack {
        Attack::Parent => rewrite("../victim.jsonl"),
        Attack::Absolute => rewrite(victim.to_str().unwrap()),
        Attack::FileLink => {
            std::fs::remove_file(dir.join(PERSON)).unwrap();
            symlink(&victim, dir.join(PERSON)).unwrap();
        }
        Attack::DirLink => {
            std::fs::remove_dir_all(dir.join("jsonl")).unwrap();
            symlink(&victim_dir, dir.join("jsonl")).unwrap();
        }
    }
    Setup {
        _tmp: tmp,
        dir,
        victim,
        victim_dir,
    }
}

/// Runs `command` on each attacked dataset: exit 1, `expect(attack)` in the output, the victim
/// intact and its content nowhere in the output.
fn each_attack(command: impl Fn(&Setup) -> Output, expect: impl Fn(Attack, &Setup) -> Vec<String>) {
    for attack in ATTACKS {
        let s = attacked(attack);
        let before = s.victims();
        let o = command(&s);
        let all = text(&o);
        assert_eq!(o.status.code(), Some(1), "{attack:?}: {all}");
        assert!(!all.contains("panicked"), "{attack:?}: {all}");
        for e in expect(attack, &s) {
            assert!(all.contains(&e), "{attack:?}: expected {e:?} in:\n{all}");
        }
        assert!(
            !all.contains(SECRET),
            "{attack:?}: the victim was read:\n{all}"
        );
        assert_eq!(s.victims(), before, "{attack:?}: the victim changed");
    }
}

/// What a refused manifest says (the manifest is refused as a whole for `..` and absolute
/// paths), or what a refused link says.
fn refusal(attack: Attack, s: &Setup) -> String {
    match attack {
        Attack::Parent => format!(
            "{}: refused: ../victim.jsonl: `..` refused (a path from data must stay under {})",
            s.dir.join("manifest.json").display(),
            s.dir.display()
        ),
        Attack::Absolute => format!(
            "{}: refused: {}: absolute path refused (a path from data must be relative to {})",
            s.dir.join("manifest.json").display(),
            s.victim.display(),
            s.dir.display()
        ),
        Attack::FileLink => PERSON.to_owned(),
        Attack::DirLink => "jsonl".to_owned(),
    }
}

/// The mismatch line of `validate`/`verify` for a link found in the dataset.
const LINK_REFUSED: &str = "a symbolic link (refused inside a dataset; not followed)";

#[test]
fn validate_refuses_paths_that_escape_the_dataset() {
    each_attack(
        |s| nhikit(&["validate", s.dir.to_str().unwrap()]),
        |attack, s| match attack {
            Attack::Parent | Attack::Absolute => vec![refusal(attack, s)],
            Attack::FileLink | Attack::DirLink => vec![format!(
                "{}:0: [] manifest: {LINK_REFUSED}",
                refusal(attack, s)
            )],
        },
    );
}

#[test]
fn verify_refuses_paths_that_escape_the_dataset() {
    each_attack(
        |s| nhikit(&["verify", s.dir.to_str().unwrap()]),
        |attack, s| match attack {
            Attack::Parent | Attack::Absolute => vec![refusal(attack, s)],
            Attack::FileLink | Attack::DirLink => vec![
                format!("{}: {LINK_REFUSED}", refusal(attack, s)),
                "NOT verified".to_owned(),
            ],
        },
    );
}

#[test]
fn stats_refuses_paths_that_escape_the_dataset() {
    each_attack(
        |s| nhikit(&["stats", s.dir.to_str().unwrap()]),
        |attack, s| match attack {
            Attack::Parent | Attack::Absolute => vec![refusal(attack, s)],
            Attack::FileLink => vec![format!(
                "{}: symbolic link refused (nothing under {} may be a link)",
                s.dir.join(PERSON).display(),
                s.dir.display()
            )],
            Attack::DirLink => vec![format!(
                "{}: symbolic link refused (nothing under {} may be a link)",
                s.dir.join("jsonl").display(),
                s.dir.display()
            )],
        },
    );
}

#[test]
fn reference_import_refuses_paths_that_escape_the_dataset() {
    each_attack(
        |s| {
            let db = s.dir.parent().unwrap().join("ref.db");
            let o = crate::reference_import(&db, &s.dir);
            // All or nothing: the database holds no record of the refused import.
            let counts = nhikit_reference::Reference::open(&db)
                .unwrap()
                .counts()
                .unwrap();
            assert!(counts.values().all(|n| *n == 0), "{counts:?}");
            o
        },
        |attack, s| match attack {
            Attack::Parent | Attack::Absolute => vec![refusal(attack, s)],
            Attack::FileLink => vec![format!(
                "{}: symbolic link refused",
                s.dir.join(PERSON).display()
            )],
            Attack::DirLink => vec![format!(
                "{}: symbolic link refused",
                s.dir.join("jsonl").display()
            )],
        },
    );
}

/// Scan reads no data file, only the manifest it is given: a manifest naming escaping paths
/// is refused, and so is a `manifest.json` that is a link (here to a copy of a real one).
#[test]
fn scan_refuses_a_manifest_that_escapes_its_dataset() {
    for attack in [Attack::Parent, Attack::Absolute] {
        let s = attacked(attack);
        let export = s.dir.parent().unwrap().join("export.csv");
        std::fs::write(&export, "name,birth_date\n").unwrap();
        let o = nhikit(&[
            "scan",
            export.to_str().unwrap(),
            "--manifest",
            s.dir.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(text(&o).contains(&refusal(attack, &s)), "{}", text(&o));
    }
    let s = attacked(Attack::FileLink);
    let real = s.dir.parent().unwrap().join("real-manifest.json");
    std::fs::rename(s.dir.join("manifest.json"), &real).unwrap();
    symlink(&real, s.dir.join("manifest.json")).unwrap();
    let export = s.dir.parent().unwrap().join("export.csv");
    std::fs::write(&export, "name,birth_date\n").unwrap();
    let o = nhikit(&[
        "scan",
        export.to_str().unwrap(),
        "--manifest",
        s.dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "{}: symbolic link refused",
            s.dir.join("manifest.json").display()
        )),
        "{}",
        text(&o)
    );
}

/// `reference export --out` and `gen --out` never write through a link, and `--overwrite`
/// replaces only a dataset nhikit wrote (issue 19, items 1 and 5).
#[test]
fn export_and_gen_never_overwrite_through_a_link_or_a_foreign_directory() {
    let s = attacked(Attack::FileLink);
    let tmp = s.dir.parent().unwrap();
    let db = tmp.join("empty.db");
    let link = tmp.join("out-link");
    symlink(&s.victim_dir, &link).unwrap();
    let before = s.victims();
    let export = |out: &Path| {
        nhikit(&[
            "reference",
            "export",
            "--db",
            db.to_str().unwrap(),
            "--overwrite",
            "--audit-log",
            tmp.join("audit.jsonl").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let gen_into = |out: &Path| {
        nhikit(&[
            "gen",
            "--households",
            "5",
            "--quiet",
            "--overwrite",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    for o in [export(&link), gen_into(&link)] {
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains(&format!(
                "{}: not replaced: it is a symbolic link (nhikit never writes through a link); nothing was removed",
                link.display()
            )),
            "{}",
            text(&o)
        );
    }
    for o in [export(&s.victim_dir), gen_into(&s.victim_dir)] {
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains(&format!(
                "{}: not replaced: it is not an nhikit dataset",
                s.victim_dir.display()
            )),
            "{}",
            text(&o)
        );
    }
    // A dataset holding a link (the attacked one): not replaced, the link's target untouched.
    for o in [export(&s.dir), gen_into(&s.dir)] {
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(
            text(&o).contains(&format!(
                "not replaced: {PERSON} is a symbolic link (nhikit never follows or removes links in a dataset)"
            )),
            "{}",
            text(&o)
        );
    }
    assert_eq!(s.victims(), before);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// Issue 19, item 5: a second writer into an output another process is writing fails at once,
/// naming the lock; `gen` and `reference export` share the lock. The lock is held here by the
/// test process itself (an `flock` on `OUT.nhikit-lock`, as a running `gen` holds it), so the
/// race is deterministic.
#[test]
fn a_second_writer_into_a_locked_output_fails_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let lock_path = tmp.path().join("ds.nhikit-lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap();
    lock.try_lock().unwrap();
    let expected = format!(
        "{}: another nhikit process is writing there (it holds {}); wait for it to finish, or choose another output",
        out.display(),
        lock_path.display()
    );
    let started = std::time::Instant::now();
    let o = nhikit(&[
        "gen",
        "--households",
        "5",
        "--quiet",
        "--overwrite",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(&expected), "{}", text(&o));
    let db = tmp.path().join("empty.db");
    let o = nhikit(&[
        "reference",
        "export",
        "--db",
        db.to_str().unwrap(),
        "--audit-log",
        tmp.path().join("audit.jsonl").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(&expected), "{}", text(&o));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(!out.exists());
    // Released: the next run writes, and removes the lock file when done.
    drop(lock);
    gen_ok(&out, &["--households", "5"]);
    assert!(!lock_path.exists());
}

/// Issue 19, item 5: what a killed `gen` left beside its output (`OUT.nhikit-partial-PID`) is
/// removed by the next run into that output, which says so.
#[test]
fn the_next_gen_removes_a_killed_runs_partial_output_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ds");
    let partial = tmp.path().join("ds.nhikit-partial-4194301");
    std::fs::create_dir_all(partial.join("csv")).unwrap();
    std::fs::write(partial.join("csv/part-00000.csv"), "half a file").unwrap();
    // Sealed, as a run killed just before its rename leaves it.
    std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o555)).unwrap();
    let o = gen_ok(&out, &["--households", "5"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!(
            "note: removed {}, left by an earlier run (process 4194301) that did not finish",
            partial.display()
        )),
        "{}",
        text(&o)
    );
    assert!(!partial.exists());
    assert!(out.join("manifest.json").is_file());
}
