//! Issue 19, item 5: no panic on a closed pipe. Every command that prints is run with its
//! stdout already closed at the reading end (as `nhikit … | head -1` leaves it once `head`
//! has its line): it must end without a panic (exit 101, "panicked" on stderr), with its own
//! exit code; and with stderr closed too (`2>&1 | head -1`).

use crate::{gen_ok, nhikit, text, workspace};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `nhikit ARGS` with stdout a pipe whose reading end is closed before the command
/// starts (every write fails with `EPIPE`); stderr captured unless `close_stderr`.
fn closed(args: &[&str], close_stderr: bool) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nhikit"));
    cmd.args(args)
        .current_dir(workspace())
        .env_remove("NHIKIT_SCHEMAS")
        .env(
            "NHIKIT_AUDIT_LOG",
            std::env::temp_dir().join("nhikit-test-audit.jsonl"),
        )
        .stdin(Stdio::null());
    if close_stderr {
        let both = writer.try_clone().unwrap();
        cmd.stdout(writer).stderr(both);
    } else {
        cmd.stdout(writer).stderr(Stdio::piped());
    }
    cmd.output().unwrap()
}

/// Runs `args` with stdout closed, then with stdout and stderr closed: no panic either way,
/// and the exit code of an undisturbed run.
fn ends_quietly(args: &[&str]) {
    ends_quietly_with(args, true);
}

/// As [`ends_quietly`]; `stderr_too` also closes stderr.
fn ends_quietly_with(args: &[&str], stderr_too: bool) {
    let normal = nhikit(args);
    assert!(
        !normal.stdout.is_empty(),
        "{args:?} prints nothing to stdout: the test would prove nothing\n{}",
        text(&normal)
    );
    let o = closed(args, false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_ne!(o.status.code(), Some(101), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    assert_eq!(o.status.code(), normal.status.code(), "{args:?}: {stderr}");
    if !stderr_too {
        return;
    }
    let o = closed(args, true);
    assert_ne!(
        o.status.code(),
        Some(101),
        "{args:?} with stderr closed too"
    );
    assert_eq!(o.status.code(), normal.status.code(), "{args:?}");
}

fn dataset(dir: &Path) {
    gen_ok(
        dir,
        &["--households", "30", "--seed", "5", "--format", "csv,jsonl"],
    );
}

#[test]
fn dataset_commands_end_quietly_on_a_closed_pipe() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    dataset(&ds);
    let d = ds.to_str().unwrap();
    ends_quietly(&["validate", d, "--json"]);
    ends_quietly(&["verify", d, "--json"]);
    ends_quietly(&["stats", d]);
    ends_quietly(&["stats", d, "--json"]);
    let export = tmp.path().join("export.csv");
    std::fs::copy(
        ds.join("csv/person_csv/prefecture=13/part-00000.csv"),
        &export,
    )
    .unwrap();
    ends_quietly(&["scan", export.to_str().unwrap(), "--manifest", d, "--json"]);
    // A dataset with findings: many lines on stdout, exit 1.
    let altered = tmp.path().join("altered");
    dataset(&altered);
    let extra = altered.join("csv/person_csv/prefecture=13/part-00000.csv");
    let mut perms = std::fs::metadata(&extra).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&extra, perms).unwrap();
    std::fs::write(&extra, "x\r\n").unwrap();
    ends_quietly(&["verify", altered.to_str().unwrap()]);
    ends_quietly(&["validate", altered.to_str().unwrap()]);
    // The reference target's output.
    let db = tmp.path().join("ref.db");
    let o = nhikit(&["reference", "import", "--db", db.to_str().unwrap(), d]);
    assert!(o.status.success(), "{}", text(&o));
    let person =
        std::fs::read_to_string(ds.join("jsonl/person/prefecture=13/part-00000.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(person.lines().next().unwrap()).unwrap();
    ends_quietly(&[
        "reference",
        "lookup",
        "--db",
        db.to_str().unwrap(),
        "--lgcode",
        first["lgcode"].as_str().unwrap(),
        "--address-number",
        first["address_number"].as_str().unwrap(),
    ]);
}

#[test]
fn other_commands_end_quietly_on_a_closed_pipe() {
    let input = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        input.path(),
        r#"{"fiscal_year": 2025, "municipality": "natori", "members": [
            {"id": "a", "birth_date": "1968-07-01", "householder": true, "income": {"other_income": 1202000}}]}"#,
    )
    .unwrap();
    ends_quietly(&["calc", "premium", "--input", input.path().to_str().unwrap()]);
    ends_quietly(&["schema", "show", "person"]);
    ends_quietly(&["id", "check", "mynumber", "123456789018"]);
    ends_quietly(&["id", "gen", "mynumber", "--count", "100000"]);
    ends_quietly(&["serve", "--list-faults"]);
    ends_quietly(&["conform", "--list"]);
    ends_quietly(&["completions", "bash"]);
    ends_quietly(&["man"]);
    let log = tempfile::tempdir().unwrap();
    let log = log.path().join("audit.jsonl");
    let tmp = tempfile::tempdir().unwrap();
    gen_ok(
        &tmp.path().join("ds"),
        &["--households", "5", "--audit-log", log.to_str().unwrap()],
    );
    // `audit` still uses `eprintln!`, which panics on a closed stderr: stdout only here.
    ends_quietly_with(
        &["audit", "report", "--audit-log", log.to_str().unwrap()],
        false,
    );
}
