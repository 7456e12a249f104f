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
# As written it runs adapter.py (beside this file), which delegates every operation to
# nhikit's reference until you wire in your system there.
kind = "process"
command = @COMMAND@
cwd = "."                 # the program runs in this file's folder
timeout_secs = 30
"#;

const FILES_PROFILE: &str = r#"# nhikit target profile: a file-based system. For each call nhikit writes the request JSON to a
# file, runs a command, and reads the response file (docs/adapters.md, "Files").
kind = "files"
exchange_dir = "work/exchange"
timeout_secs = 120

# Placeholders: {op}, {request}, {response}, {exchange}, {id}, {profile_dir}, {nhikit} (the
# nhikit that runs this profile), and top-level fields of the request (e.g. {dataset} of
# import, {dir} of export). As written it drives nhikit's own reference target, so the project
# works before you point it at your system.
command = ["{nhikit}", "reference", "call", "--db", "{profile_dir}/work/ref.db", "--op", "{op}",
           "--request", "{request}", "--response", "{response}"]

# Your bulk-import tool, for example:
# [ops.import]
# command = ["my-import", "--from", "{dataset}", "--result", "{response}"]
"#;

const EXPECTED_FAILURES: &str = r#"# Scenarios your system is known to fail, one id per line (`nhikit conform --list` lists ids).
# They are reported as expected failures and do not fail CI; one that starts passing is
# reported as an unexpected pass, so this list only shrinks.
"#;

/// The conformance run, as every file of the project spells it.
const CONFORM: &str = "nhikit conform --target target.toml --expected-failures expected-failures.txt --report reports/conformance";

/// The load run (HTTP targets only), as every file of the project spells it.
const LOAD: &str = "nhikit load --scenario performance/counter-peak.toml --target @URL@ --out reports/load/results.json --html reports/load/report.html --junit reports/load/junit.xml";

/// The bearer token of the stand-in reference in CI when no secret is set (it guards nothing:
/// the reference holds only the run's synthetic data and listens on loopback).
const STAND_IN_TOKEN: &str = "stand-in-reference-token";

/// The project's commands, in the order they run: conformance, then (HTTP) load.
fn commands(kind: Kind, url: &str) -> Vec<String> {
    let mut out = vec![CONFORM.to_owned()];
    if kind == Kind::Http {
        out.push(LOAD.replace("@URL@", url));
    }
    out
}

/// `HOST:PORT` of a loopback `http://` URL: where the stand-in reference listens in CI.
fn loopback_addr(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://")?;
    let addr = rest.split('/').next()?;
    (addr.starts_with("127.0.0.1:") || addr.starts_with("localhost:")).then_some(addr)
}

fn github(kind: Kind, url: &str) -> String {
    let mut y = String::from(
        "# GitHub Actions: nhikit conformance (and load) against your system, with JUnit and HTML reports.\n\
         name: nhikit\n\
         on: [push, pull_request]\n\
         jobs:\n  nhikit:\n    runs-on: ubuntu-latest\n",
    );
    if kind == Kind::Http {
        y.push_str(&format!(
            "    env:\n      # The bearer token (target.toml: token_env). Set the secret for your system; without\n      # it the stand-in reference below is started with a placeholder.\n      NHIKIT_TOKEN: ${{{{ secrets.NHIKIT_TOKEN || '{STAND_IN_TOKEN}' }}}}\n"
        ));
    }
    y.push_str(
        "    steps:\n      - uses: actions/checkout@v4\n      - name: Install nhikit\n        run: cargo install --locked --git https://example.invalid/nhikit nhikit\n",
    );
    if kind == Kind::Http {
        match loopback_addr(url) {
            Some(addr) => y.push_str(&format!(
                "      # As written, nhikit's reference stands in for your system on {url}, so the job passes\n      # before your system is wired in: replace this step with starting yours.\n      - name: Start the system under test\n        run: |\n          nhikit serve --addr {addr} > serve.log 2>&1 &\n          for i in $(seq 50); do grep -q 'listening on' serve.log && break; sleep 0.2; done\n"
            )),
            None => y.push_str("      # Start your system here, or point target.toml at a test environment.\n"),
        }
    }
    let mut first = true;
    for c in commands(kind, url) {
        let name = if first { "Conformance" } else { "Load" };
        y.push_str(&format!("      - name: {name}\n"));
        if !first {
            y.push_str("        if: always()\n");
        }
        y.push_str(&format!("        run: {c}\n"));
        first = false;
    }
    if kind != Kind::Http {
        y.push_str("      # `nhikit load` speaks HTTP only: give your system's HTTP endpoint to run a load scenario.\n");
    }
    y.push_str(
        "      - name: Publish reports\n        if: always()\n        uses: actions/upload-artifact@v4\n        with:\n          name: nhikit-reports\n          path: reports/\n",
    );
    y
}

fn gitlab(kind: Kind, url: &str) -> String {
    let mut y = String::from(
        "# GitLab CI: nhikit conformance (and load) against your system, with JUnit and HTML reports.\nnhikit:\n  image: rust:latest\n",
    );
    y.push_str(
        "  script:\n    - cargo install --locked --git https://example.invalid/nhikit nhikit\n",
    );
    if kind == Kind::Http {
        y.push_str(&format!(
            "    # NHIKIT_TOKEN: a masked CI/CD variable holding your system's bearer token; without it\n    # the stand-in reference below is started with a placeholder.\n    - export NHIKIT_TOKEN=\"${{NHIKIT_TOKEN:-{STAND_IN_TOKEN}}}\"\n"
        ));
        match loopback_addr(url) {
            Some(addr) => y.push_str(&format!(
                "    # As written, nhikit's reference stands in for your system: replace with starting yours.\n    - nhikit serve --addr {addr} > serve.log 2>&1 &\n    - for i in $(seq 50); do grep -q 'listening on' serve.log && break; sleep 0.2; done\n"
            )),
            None => y.push_str("    # Start your system here, or point target.toml at a test environment.\n"),
        }
    }
    for c in commands(kind, url) {
        y.push_str(&format!("    - {c}\n"));
    }
    y.push_str("  artifacts:\n    when: always\n    paths: [reports/]\n    reports:\n      junit: [reports/conformance/junit.xml");
    if kind == Kind::Http {
        y.push_str(", reports/load/junit.xml");
    }
    y.push_str("]\n");
    y
}

fn readme(kind: Kind, url: &str) -> String {
    let mut r = String::from(
        "# Testing a system with nhikit\n\nThis project was made by `nhikit init`. Its files:\n\n| file | what |\n|---|---|\n| `target.toml` | how nhikit reaches your system (docs/adapters.md) |\n",
    );
    if kind == Kind::Process {
        r.push_str("| `adapter.py` | the adapter program: nhikit's process protocol, delegating to nhikit's reference until you wire in your system |\n");
    }
    r.push_str(
        "| `expected-failures.txt` | scenario ids known to fail, one a line |\n| `performance/counter-peak.toml` | the April counter peak load scenario, to edit (docs/load-format.md) |\n| `.github/workflows/nhikit.yml`, `.gitlab-ci.yml` | CI that runs the commands below and publishes JUnit and HTML |\n\n",
    );
    match kind {
        Kind::Http => {
            r.push_str(&format!(
                "`target.toml` points at {url} and sends the bearer token in `NHIKIT_TOKEN`. To try the\nproject before your system is up, start nhikit's reference there in another terminal:\n\n```sh\nexport NHIKIT_TOKEN=choose-a-token-of-16-or-more-characters\nnhikit serve --addr {}\n```\n\n",
                loopback_addr(url).unwrap_or("127.0.0.1:8080")
            ));
        }
        Kind::Process => r.push_str(
            "As written, `adapter.py` hands every operation to nhikit's reference (`nhikit serve\n--stdio`), so the commands below pass at once; then move the operations to your system one by\none (see the top of `adapter.py`).\n\n",
        ),
        Kind::Files => r.push_str(
            "As written, `target.toml` drives nhikit's reference through `nhikit reference call`, so\nthe commands below pass at once; then replace its `command` with your system's.\n\n",
        ),
    }
    r.push_str("Run:\n\n```sh\n");
    for c in commands(kind, url) {
        r.push_str(&c);
        r.push('\n');
    }
    r.push_str("```\n\n");
    r.push_str(
        "`nhikit conform` runs the catalog built into nhikit and exits 1 when any scenario fails that\nis not listed as expected; open `reports/conformance/report.html` for what failed and why.\n",
    );
    if kind == Kind::Http {
        r.push_str(
            "`nhikit load` exits 1 when a threshold of `performance/counter-peak.toml` is breached; its\nreport is `reports/load/report.html` (add `--duration 10s` for a short try).\n",
        );
    } else {
        r.push_str(
            "`nhikit load` speaks HTTP only: to run the load scenario, give your system's HTTP endpoint\n(`nhikit load --scenario performance/counter-peak.toml --target http://HOST:PORT`).\n",
        );
    }
    r
}

/// The adapter skeleton of `--kind process` (Python, standard library only).
const ADAPTER_PY: &str = include_str!("../templates/adapter.py");

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
    let kind = args.kind;
    let profile = match kind {
        Kind::Http => HTTP_PROFILE.replace("@URL@", url),
        Kind::Process => PROCESS_PROFILE.replace("@COMMAND@", &toml_command(&args.command)),
        Kind::Files => FILES_PROFILE.to_owned(),
    };
    let mut files: Vec<(&str, String)> = vec![("target.toml", profile)];
    if kind == Kind::Process {
        files.push(("adapter.py", ADAPTER_PY.to_owned()));
    }
    let peak = crate::shipped::file("performance/counter-peak.toml")
        .context("the binary carries no performance/counter-peak.toml (a build problem)")?;
    files.extend([
        ("expected-failures.txt", EXPECTED_FAILURES.to_owned()),
        (
            "performance/counter-peak.toml",
            String::from_utf8_lossy(peak).into_owned(),
        ),
        (".github/workflows/nhikit.yml", github(kind, url)),
        (".gitlab-ci.yml", gitlab(kind, url)),
        ("README.md", readme(kind, url)),
        (
            ".gitignore",
            "reports/\nwork/\nserve.log\n__pycache__/\n".to_owned(),
        ),
    ]);
    for (rel, text) in &files {
        write(t, rel, text)?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir).with_context(|| format!("cannot replace {}", dir.display()))?;
    }
    let kept = tmp.keep();
    std::fs::rename(&kept, dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let how = match kind {
        Kind::Http => format!("over HTTP at {url}"),
        Kind::Process => format!("through the program `{}` (process protocol)", args.command),
        Kind::Files => "through commands and request/response files".to_owned(),
    };
    let mut text = String::new();
    crate::out::outln!(
        text,
        "Created {}: a project to test a system reached {how}.",
        dir.display()
    );
    for (rel, _) in files.iter().filter(|(rel, _)| *rel != ".gitignore") {
        crate::out::outln!(text, "  {}", dir.join(rel).display());
    }
    crate::out::outln!(text);
    let first = match kind {
        Kind::Http => {
            "edit target.toml to map your API (as written it expects nhikit's own routes)"
        }
        Kind::Process => {
            "wire your system into adapter.py (as written it hands every operation to nhikit's reference)"
        }
        Kind::Files => {
            "replace the command in target.toml with your system's (as written it runs nhikit's reference)"
        }
    };
    crate::out::outln!(text, "Next: {first}, then run, in {}:", dir.display());
    for c in commands(kind, url) {
        crate::out::outln!(text, "  {c}");
    }
    crate::out::print(&text)?;
    Ok(ExitCode::SUCCESS)
}
