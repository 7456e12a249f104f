//! End-to-end tests of the `nhikit` binary.
#![allow(clippy::unwrap_used)]

mod adapters;
mod add_item;
mod calc;
mod closed_pipe;
mod compare;
mod conform;
mod conform_targets;
mod contain;
mod crash;
mod crypto;
mod demo;
mod deps;
mod docs;
mod engines;
mod first_hour;
mod generate;
mod golden;
mod hostile;
mod id;
mod load;
mod property;
mod reference;
mod safety;
mod safety_attacks;
mod scale_out;
mod schema;
mod serve;
mod serve_security;
mod shell;
mod stats;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

/// The bearer token of the servers the tests start (`NHIKIT_TOKEN` of every command run).
pub const TEST_TOKEN: &str = "nhikit-test-token-0123456789";

/// Runs the built `nhikit` binary from the workspace root.
pub fn nhikit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(args)
        .current_dir(workspace())
        .env("NHIKIT_TOKEN", TEST_TOKEN)
        .env_remove("NHIKIT_SCHEMAS")
        .env(
            "NHIKIT_AUDIT_LOG",
            std::env::temp_dir().join("nhikit-test-audit.jsonl"),
        )
        .env("NHIKIT_AUDIT_KEY", audit_key())
        .output()
        .unwrap()
}

/// `nhikit gen --quiet --out OUT ARGS…`, which must succeed: a dataset for a test to use.
pub fn gen_ok(out: &std::path::Path, args: &[&str]) -> Output {
    let mut all = vec!["gen", "--quiet", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = nhikit(&all);
    assert!(o.status.success(), "{}", text(&o));
    o
}

/// `nhikit conform` refused a target that does not answer: exit 1, no scenario was run and
/// no report was written to `report`; `what` names the case in a failure.
pub fn assert_refused_before_any_scenario(o: &Output, report: &std::path::Path, what: &str) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "{what}: {t}");
    assert!(
        t.contains("does not answer") && t.contains("no scenario was run"),
        "{what}: {t}"
    );
    assert!(!report.join("report.json").exists(), "{what}: nothing ran");
}

/// The arguments of `nhikit reference import --db DB DS`.
pub fn import_args<'a>(db: &'a std::path::Path, ds: &'a std::path::Path) -> [&'a str; 5] {
    let (db, ds) = (db.to_str().unwrap(), ds.to_str().unwrap());
    ["reference", "import", "--db", db, ds]
}

/// `nhikit reference import --db DB DS`.
pub fn reference_import(db: &std::path::Path, ds: &std::path::Path) -> Output {
    nhikit(&import_args(db, ds))
}

/// Every file under `dir` (not directories), sorted.
pub fn files_under(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .flat_map(|p| if p.is_dir() { files_under(&p) } else { vec![p] })
        .collect();
    out.sort();
    out
}

/// The JSON file at `path` (a report, a manifest, load results).
pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The audit key the tests use (never the user's own): shared, created on first use.
pub fn audit_key() -> PathBuf {
    std::env::temp_dir().join("nhikit-test-audit.key")
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// stdout and stderr as one string.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `nhikit serve` on an ephemeral loopback port (in-memory database); killed on drop.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`, as the server printed it.
    pub url: String,
}

impl Served {
    /// Starts the server and waits for its `listening on URL` line.
    pub fn start() -> Served {
        Served::with_faults(&[])
    }

    /// The same, with seeded faults of the reference switched on (`--fault NAME`).
    pub fn with_faults(faults: &[&str]) -> Served {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nhikit"));
        c.args(["serve", "--addr", "127.0.0.1:0"])
            .current_dir(workspace())
            .env(
                "NHIKIT_AUDIT_LOG",
                std::env::temp_dir().join("nhikit-test-audit.jsonl"),
            )
            .env("NHIKIT_AUDIT_KEY", audit_key());
        for f in faults {
            c.args(["--fault", f]);
        }
        Served::spawn(&mut c)
    }

    /// Any server `command` whose first stdout line is `listening on URL` (nhikit's, or an
    /// example service in front of it), with the tests' token in its environment.
    pub fn spawn(command: &mut Command) -> Served {
        let mut child = command
            .env("NHIKIT_TOKEN", TEST_TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Served { child, url }
    }
}

impl Served {
    /// Kills the server now (a target that dies mid-run).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Registers operators `alice` and `bob` in `dir/operators.toml` with key files
/// `dir/alice.key`, `dir/bob.key`; returns the options that prove both for a two-person
/// destroy or decrypt.
pub fn two_operators(dir: &std::path::Path) -> Vec<String> {
    let ops = dir.join("operators.toml");
    for name in ["alice", "bob"] {
        let key = dir.join(format!("{name}.key"));
        for args in [
            vec![
                "operator",
                "keygen",
                "--name",
                name,
                "--out",
                key.to_str().unwrap(),
            ],
            vec![
                "operator",
                "register",
                "--name",
                name,
                "--key-file",
                key.to_str().unwrap(),
                "--operators",
                ops.to_str().unwrap(),
            ],
        ] {
            let o = nhikit(&args);
            assert!(o.status.success(), "{}", text(&o));
        }
    }
    [
        "--operators",
        ops.to_str().unwrap(),
        "--operator-key",
        dir.join("alice.key").to_str().unwrap(),
        "--confirm-key",
        dir.join("bob.key").to_str().unwrap(),
    ]
    .map(str::to_owned)
    .to_vec()
}

/// `DIR/manifest.json` without its random `dataset_id` (issue 19): what two runs with the same
/// seed and options must agree on.
pub fn manifest_without_id(dir: &std::path::Path) -> serde_json::Value {
    let mut m = read_json(&dir.join("manifest.json"));
    m.as_object_mut().unwrap().remove("dataset_id");
    m
}
