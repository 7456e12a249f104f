//! `nhikit init [DIR]`: scaffolds a project for testing one's own system — a target profile
//! (HTTP mapping, process or files) with comments, an empty expected-failures file, a
//! performance scenario to edit, and CI examples for GitHub Actions and GitLab CI that run
//! `nhikit conform` and `nhikit load` and publish JUnit and HTML.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Which adapter the scaffolded target profile uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// Your system's HTTP API, mapped operation by operation in TOML (no code).
    Http,
    /// A program of yours speaking JSON Lines on stdin/stdout (docs/adapter-protocol.md).
    Process,
    /// A file-based system driven by commands (request and response files).
    Files,
}

/// Arguments of `nhikit init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// The project directory (created; must be empty or absent).
    #[arg(default_value = "nhikit-project")]
    pub dir: PathBuf,
    /// How nhikit reaches your system.
    #[arg(long, value_enum, default_value_t = Kind::Http)]
    pub kind: Kind,
    /// For `--kind http`: your system's base URL (the profile's `base_url`).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// For `--kind process`: the command that starts your adapter program.
    #[arg(long, default_value = "python3 adapter.py")]
    pub command: String,
}

const HTTP_PROFILE: &str = r#"# nhikit target profile: how nhikit reaches your system over HTTP (docs/adapters.md).
#
# As written, it uses nhikit's own routes: each operation is `POST {base_url}/v1/<operation>`
# with the request JSON (docs/target-interface.md) as the body — what `nhikit serve` offers.
# Map your own API below, operation by operation, without code.
kind = "http"
base_url = "@URL@"
timeout_secs = 30
# Import and export carry the data: the dataset is uploaded as an archive and the export comes
# back as one, so your system never needs to see nhikit's disk ("paths" would send file paths
# your system reads itself; docs/target-interface.md, "Data on the wire").
transfer = "archive"

# Secrets come from the environment and never appear in reports or logs. The bearer token
# (`nhikit serve` requires one; so should your system):
token_env = "NHIKIT_TOKEN"               # sends `Authorization: Bearer $NHIKIT_TOKEN`
# [headers]
# X-Api-Key = { env = "MY_SYSTEM_API_KEY" }

# HTTPS with your own CA and a client certificate (paths relative to this file):
# [tls]
# ca_file = "certs/ca.pem"
# client_cert = "certs/client.pem"
# client_key = "certs/client.key"

# An operation of your API that differs from nhikit's route, e.g. a GET lookup:
# [ops.lookup_person]
# method = "GET"
# path = "/persons/{lgcode}/{address_number}"
# body = "none"
# query = { date = "{as_of}" }
# response = "/data"

# How your error bodies map back to nhikit's error codes (defaults: /code, /message, /item):
# [errors]
# code = "/error/kind"
# message = "/error/detail"
# codes = { "E0404" = "not_found", "E0409" = "conflict" }
"#;

const PROCESS_PROFILE: &str = r#"# nhikit target profile: a program of yours that speaks the process protocol — one JSON
# request per line on stdin, one JSON reply per line on stdout (docs/adapter-protocol.md).
# examples/python-testee/testee.py in nhikit's repository is a small starting point.
kind = "process"
command = @COMMAND@
timeout_secs = 30
"#;

const FILES_PROFILE: &str = r#"# nhikit target profile: a file-based system. For each call nhikit writes the request JSON to a
# file, runs a command, and reads the response file (docs/adapters.md, "Files").
kind = "files"
exchange_dir = "work/exchange"
timeout_secs = 120

# Placeholders: {op}, {request}, {response}, {exchange}, {id}, {profile_dir}, and top-level
# fields of the request (e.g. {dataset} of import, {dir} of export). As written it drives
# nhikit's own reference target, so the project works before you point it at your system.
command = ["nhikit", "reference", "call", "--db", "{profile_dir}/work/ref.db", "--op", "{op}",
           "--request", "{request}", "--response", "{response}"]

# Your bulk-import tool, for example:
# [ops.import]
# command = ["my-import", "--from", "{dataset}", "--result", "{response}"]
"#;

const EXPECTED_FAILURES: &str = r#"# Scenarios your system is known to fail, one id per line (`nhikit conform --list` lists ids).
# They are reported as expected failures and do not fail CI; one that starts passing is
# reported as an unexpected pass, so this list only shrinks.
"#;

const GITHUB: &str = r#"# GitHub Actions: nhikit conformance and load against your system, with JUnit and HTML reports.
name: nhikit
on: [push, pull_request]
jobs:
  nhikit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Install nhikit
        run: cargo install --locked --git https://example.invalid/nhikit nhikit
      # Start your system here (or point target.toml at a test environment).
      - name: Conformance
        run: nhikit conform --target target.toml --expected-failures expected-failures.txt --report reports/conformance
        env:
          NHIKIT_TOKEN: ${{ secrets.NHIKIT_TOKEN }}
      - name: Load
        if: always()
        env:
          NHIKIT_TOKEN: ${{ secrets.NHIKIT_TOKEN }}
        run: nhikit load --scenario performance/counter-peak.toml --target @URL@ --out reports/load/results.json --html reports/load/report.html --junit reports/load/junit.xml
      - name: Publish reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: nhikit-reports
          path: reports/
"#;

const GITLAB: &str = r#"# GitLab CI: nhikit conformance and load against your system, with JUnit and HTML reports.
nhikit:
  image: rust:latest
  # NHIKIT_TOKEN: a masked CI/CD variable holding your system's bearer token.
  script:
    - cargo install --locked --git https://example.invalid/nhikit nhikit
    # Start your system here (or point target.toml at a test environment).
    - nhikit conform --target target.toml --expected-failures expected-failures.txt --report reports/conformance
    - nhikit load --scenario performance/counter-peak.toml --target @URL@ --out reports/load/results.json --html reports/load/report.html --junit reports/load/junit.xml
  artifacts:
    when: always
    paths: [reports/]
    reports:
      junit: [reports/conformance/junit.xml, reports/load/junit.xml]
"#;

const README: &str = r#"# Testing a system with nhikit

This project was made by `nhikit init`. Its files:

| file | what |
|---|---|
| `target.toml` | how nhikit reaches your system (docs/adapters.md) |
| `expected-failures.txt` | scenario ids known to fail, one a line |
| `performance/counter-peak.toml` | the April counter peak load scenario, to edit (docs/load-format.md) |
| `.github/workflows/nhikit.yml`, `.gitlab-ci.yml` | CI that runs both and publishes JUnit and HTML |

Run:

```sh
nhikit conform --target target.toml --expected-failures expected-failures.txt --report reports/conformance
nhikit load --scenario performance/counter-peak.toml --target @URL@ --html reports/load/report.html
```

`nhikit conform` exits 1 when any scenario fails that is not listed as expected; open
`reports/conformance/report.html` for the diffs.
"#;

fn write(dir: &Path, rel: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// A TOML array of strings from a whitespace-separated command.
fn toml_command(command: &str) -> String {
    let parts: Vec<String> = command
        .split_whitespace()
        .map(|p| toml::Value::String(p.to_owned()).to_string())
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Runs `nhikit init`.
pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty; nhikit init only writes into a new or empty directory",
            dir.display()
        );
    }
    // Written into a temporary sibling, then renamed: never a half-made project.
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".nhikit-init-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot write into {}", parent.display()))?;
    let t = tmp.path();
    let url = args.url.trim_end_matches('/');
    let profile = match args.kind {
        Kind::Http => HTTP_PROFILE.replace("@URL@", url),
        Kind::Process => PROCESS_PROFILE.replace("@COMMAND@", &toml_command(&args.command)),
        Kind::Files => FILES_PROFILE.to_owned(),
    };
    write(t, "target.toml", &profile)?;
    write(t, "expected-failures.txt", EXPECTED_FAILURES)?;
    let peak = crate::demo_cmd::embedded_file("performance/counter-peak.toml")
        .context("the binary carries no performance/counter-peak.toml (a build problem)")?;
    write(
        t,
        "performance/counter-peak.toml",
        &String::from_utf8_lossy(peak),
    )?;
    write(
        t,
        ".github/workflows/nhikit.yml",
        &GITHUB.replace("@URL@", url),
    )?;
    write(t, ".gitlab-ci.yml", &GITLAB.replace("@URL@", url))?;
    write(t, "README.md", &README.replace("@URL@", url))?;
    write(t, ".gitignore", "reports/\nwork/\n")?;
    if dir.exists() {
        std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut text = String::new();
    crate::out::outln!(text, "created {} ({:?} target):", dir.display(), args.kind);
    for f in [
        "target.toml",
        "expected-failures.txt",
        "performance/counter-peak.toml",
        ".github/workflows/nhikit.yml",
        ".gitlab-ci.yml",
        "README.md",
    ] {
        crate::out::outln!(text, "  {}", dir.join(f).display());
    }
    crate::out::outln!(text);
    crate::out::outln!(text, "next: edit target.toml, then");
    crate::out::outln!(
        text,
        "  nhikit conform --target {} --expected-failures {} --report {}",
        dir.join("target.toml").display(),
        dir.join("expected-failures.txt").display(),
        dir.join("reports/conformance").display()
    );
    crate::out::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
