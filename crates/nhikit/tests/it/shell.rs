//! `nhikit completions` and `nhikit man`: generated from the clap definitions, so every
//! subcommand appears in them.

use crate::{nhikit, text};

const SUBCOMMANDS: [&str; 6] = ["gen", "validate", "verify", "serve", "conform", "load"];

#[test]
fn bash_completion_knows_every_subcommand() {
    let o = nhikit(&["completions", "bash"]);
    assert!(o.status.success(), "{}", text(&o));
    let script = String::from_utf8_lossy(&o.stdout);
    assert!(
        script.contains("complete -F"),
        "not a bash completion script"
    );
    for sub in SUBCOMMANDS {
        assert!(
            script.contains(sub),
            "`{sub}` missing from the completion script"
        );
    }
    let bad = nhikit(&["completions", "tcsh"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_are_roff_with_one_page_per_subcommand() {
    let o = nhikit(&["man"]);
    assert!(o.status.success(), "{}", text(&o));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH nhikit"),
        "{page:.200}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let o = nhikit(&["man", "--out", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    for sub in SUBCOMMANDS {
        let f = tmp.path().join(format!("nhikit-{sub}.1"));
        assert!(f.is_file(), "{} missing", f.display());
    }
}

#[test]
fn every_subcommand_help_has_a_summary_and_an_example() {
    let o = nhikit(&["--help"]);
    assert!(o.status.success(), "{}", text(&o));
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    let commands: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap()
        .lines()
        // A command's line is indented by two spaces; wrapped summary lines by more.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help" && c.chars().all(|ch| ch.is_ascii_lowercase()))
        .collect();
    assert!(commands.len() >= 15, "{commands:?}");
    for c in commands {
        let o = nhikit(&[&c, "--help"]);
        assert!(o.status.success(), "{c}: {}", text(&o));
        let h = String::from_utf8_lossy(&o.stdout);
        assert!(
            h.contains("Example"),
            "`nhikit {c} --help` has no example:\n{h}"
        );
    }
}

#[test]
fn colour_only_on_request_or_a_terminal_and_quiet_keeps_stderr_empty() {
    let args = [
        "conform",
        "--filter",
        "premium-cap",
        "--fault",
        "cap-on-total",
    ];
    // Not a terminal (captured): no escape sequences.
    let o = crate::nhikit(&args);
    assert_eq!(o.status.code(), Some(1), "{}", crate::text(&o));
    assert!(!crate::text(&o).contains('\u{1b}'), "{}", crate::text(&o));
    let mut always = args.to_vec();
    always.extend(["--color", "always"]);
    let o = crate::nhikit(&always);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("\u{1b}[1;31mFAIL\u{1b}[0m"), "{err}");

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("d");
    let o = crate::nhikit(&[
        "-q",
        "gen",
        "--households",
        "20",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(o.status.success(), "{}", crate::text(&o));
    assert!(o.stderr.is_empty(), "{}", crate::text(&o));
    let o = crate::nhikit(&[
        "gen",
        "--households",
        "20",
        "--out",
        tmp.path().join("e").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(!o.stderr.is_empty(), "without -q gen prints its summary");
}
