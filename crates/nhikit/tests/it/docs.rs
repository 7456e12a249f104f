//! Docs that cannot drift: every `console` block of the documents listed in [`DOCS`] is run,
//! command by command, and each command's output is compared with what the document shows.
//!
//! A block is a sequence of `$ command` lines, each followed by the output it prints (stdout
//! and stderr together). Commands run through `sh -c` in one scratch directory per document,
//! in the document's order, with only this build's `nhikit` on `PATH` (plus `/usr/bin:/bin`),
//! `HOME` in the scratch directory, and `examples/`, `schemas/` and `scenarios/` reachable by
//! those names. In the shown output, `...` on a line of its own stands for any lines and
//! `[..]` for any text within a line (snapbox's wildcards); `[ROOT]` is the scratch directory.
//! A command must exit 0 unless its line ends in a comment `# exit N`. A line ending in `\`
//! continues on the next, which may start with `> ` (a shell's continuation prompt).
//!
//! Directives, in an HTML comment on the line before a block's fence:
//! - `<!-- doc-test: one command -->`: the block's first line is its only command, every other
//!   line its output (for `nhikit demo`, whose output itself shows `$` lines);
//! - `<!-- doc-test: slow -->`: the block runs only in the `--ignored` test, which CI runs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The documents whose commands are run (README first: it is the tour).
const DOCS: &[&str] = &[
    "README.md",
    "docs/adapter-protocol.md",
    "docs/compare.md",
    "docs/conformance.md",
    "docs/generator.md",
    "docs/migration-safety.md",
    "docs/scale-out.md",
];

/// One command of a document, with the output the document shows.
#[derive(Debug)]
struct Shown {
    /// Line of the `$` in the document.
    line: usize,
    command: String,
    output: String,
    slow: bool,
}

impl Shown {
    /// The exit code the document gives (`# exit N` in the command's comment), else 0.
    fn exit(&self) -> i32 {
        self.command
            .rsplit_once("# exit ")
            .and_then(|(_, code)| code.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }
}

/// The commands of `doc`'s console blocks, in order.
fn commands(doc: &str) -> Vec<Shown> {
    let mut out: Vec<Shown> = Vec::new();
    let mut lines = doc.lines().enumerate().peekable();
    let mut directive = String::new();
    while let Some((_, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(d) = trimmed
            .strip_prefix("<!-- doc-test:")
            .and_then(|d| d.strip_suffix("-->"))
        {
            directive = d.trim().to_owned();
            continue;
        }
        let Some(info) = trimmed.strip_prefix("```") else {
            if !trimmed.is_empty() {
                directive.clear();
            }
            continue;
        };
        let runs = info.trim() == "console";
        let one = directive.contains("one command");
        let slow = directive.contains("slow");
        directive.clear();
        let mut current: Option<Shown> = None;
        for (m, line) in lines.by_ref() {
            if line.trim_start().starts_with("```") {
                break;
            }
            if !runs {
                continue;
            }
            let starts = line.starts_with("$ ") && (!one || current.is_none());
            if starts {
                out.extend(current.take());
                current = Some(Shown {
                    line: m + 1,
                    command: line[2..].to_owned(),
                    output: String::new(),
                    slow,
                });
            } else if let Some(c) = current.as_mut() {
                if c.output.is_empty() && c.command.ends_with('\\') {
                    c.command.pop();
                    let next = line.trim_start();
                    let next = next.strip_prefix("> ").unwrap_or(next).trim_start();
                    c.command = format!("{} {}", c.command.trim_end(), next);
                } else {
                    c.output.push_str(line);
                    c.output.push('\n');
                }
            }
        }
        out.extend(current);
    }
    out
}

/// Runs the commands of every document (`slow`: only the slow ones, else only the others), each
/// document in a thread of its own, and returns one message per command whose exit code or
/// output differs.
fn run_docs(slow: bool) -> Vec<String> {
    std::thread::scope(|s| {
        let runs: Vec<_> = DOCS
            .iter()
            .map(|doc| s.spawn(move || run_doc(doc, slow)))
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    })
}

fn run_doc(doc: &str, slow: bool) -> Vec<String> {
    let root = crate::workspace();
    let text = std::fs::read_to_string(root.join(doc)).unwrap();
    let scratch = tempfile::Builder::new()
        .prefix("nhikit-docs-")
        .tempdir()
        .unwrap();
    let dir = scratch.path().canonicalize().unwrap();
    let bin = dir.join(".bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_nhikit"), bin.join("nhikit")).unwrap();
    for shared in ["examples", "schemas", "scenarios"] {
        std::os::unix::fs::symlink(root.join(shared), dir.join(shared)).unwrap();
    }
    commands(&text)
        .into_iter()
        .filter(|c| c.slow == slow)
        .filter_map(|c| run_one(doc, &dir, &bin, &c))
        .collect()
}

fn run_one(doc: &str, dir: &Path, bin: &Path, c: &Shown) -> Option<String> {
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{}", c.command))
        .current_dir(dir)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("HOME", dir.join("home"))
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .env("TMPDIR", std::env::temp_dir())
        .output()
        .unwrap();
    let actual = String::from_utf8_lossy(&o.stdout).into_owned();
    let place = format!("{doc}:{}: `{}`", c.line, c.command);
    let code = o.status.code().unwrap_or(-1);
    if code != c.exit() {
        return Some(format!(
            "{place}: exit {code}, the document says {}\n{actual}",
            c.exit()
        ));
    }
    let mut redactions = snapbox::Redactions::new();
    redactions.insert("[ROOT]", PathBuf::from(dir)).unwrap();
    snapbox::Assert::new()
        .redact_with(redactions)
        .try_eq(
            None,
            snapbox::Data::text(actual),
            snapbox::Data::text(c.output.clone()),
        )
        .err()
        .map(|e| format!("{place}: the output differs\n{e}"))
}

#[test]
fn every_console_command_of_the_docs_prints_what_the_docs_show() {
    let failures = run_docs(false);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The slow blocks (the whole demo): `cargo test -p nhikit --test it -- --ignored docs`, which
/// `.ci/run` runs.
#[test]
#[ignore = "slow: the README's whole demo; .ci/run runs it"]
fn the_slow_console_commands_of_the_docs_print_what_the_docs_show() {
    let failures = run_docs(true);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_parser_reads_commands_outputs_exits_and_directives() {
    let doc = "text\n```console\n$ nhikit a \\\n>   --b\nout 1\n$ nhikit c   # exit 1\n```\n\
               ```sh\n$ not run\n```\n<!-- doc-test: one command, slow -->\n```console\n\
               $ nhikit demo\n$ nhikit gen\nshown\n```\n";
    let c = commands(doc);
    let got: Vec<(usize, &str, &str, i32, bool)> = c
        .iter()
        .map(|c| {
            (
                c.line,
                c.command.as_str(),
                c.output.as_str(),
                c.exit(),
                c.slow,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (3, "nhikit a --b", "out 1\n", 0, false),
            (6, "nhikit c   # exit 1", "", 1, false),
            (13, "nhikit demo", "$ nhikit gen\nshown\n", 0, true),
        ]
    );
}
