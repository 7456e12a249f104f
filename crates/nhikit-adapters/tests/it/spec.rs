//! `connect`: the forms of `--target` and the errors of bad ones.

use nhikit_adapters::{ConnectOptions, connect};

fn error(spec: &str, options: &ConnectOptions) -> String {
    connect(spec, options)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[test]
fn unknown_and_malformed_specs_are_refused() {
    let o = ConnectOptions::default();
    assert!(error("ftp://x", &o).starts_with("target `ftp://x`: unknown target; use `builtin`"));
    assert!(error("process:", &o).contains("`process:` needs a command"));
    assert!(error("process:   ", &o).contains("`process:` needs a command"));
    let e = error("http://", &o);
    assert!(e.starts_with("target `http://`:"), "{e}");
    let faults = ConnectOptions {
        faults: vec!["cap-on-total".into()],
        ..ConnectOptions::default()
    };
    assert!(error("http://127.0.0.1:9", &faults).contains("builtin reference only"));
    assert!(
        error(
            "builtin",
            &ConnectOptions {
                faults: vec!["no-such-fault".into()],
                ..ConnectOptions::default()
            }
        )
        .contains("no-such-fault")
    );
    assert!(connect("builtin", &faults).is_ok());
    let missing = error("/nonexistent/target.toml", &o);
    assert!(
        missing.starts_with("/nonexistent/target.toml:0:0: profile: cannot read"),
        "{missing}"
    );
}

#[test]
fn a_builtin_profile_takes_its_faults_and_database() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("b.toml");
    std::fs::write(
        &profile,
        "kind = \"builtin\"\ndb = \"ref.db\"\nfaults = [\"cap-on-total\"]\n",
    )
    .unwrap();
    let t = connect(profile.to_str().unwrap(), &ConnectOptions::default()).unwrap();
    drop(t);
    assert!(tmp.path().join("ref.db").exists());
    std::fs::write(&profile, "kind = \"builtin\"\nfaults = [\"nope\"]\n").unwrap();
    assert!(error(profile.to_str().unwrap(), &ConnectOptions::default()).contains("nope"));
    std::fs::write(&profile, "kind = \"builtin\"\nport = 3\n").unwrap();
    let e = error(profile.to_str().unwrap(), &ConnectOptions::default());
    assert!(e.contains("b.toml:2:1: port: unknown field `port`"), "{e}");
}
