//! Issue 22, a vendor's first hour: a project `nhikit init` writes works outside the source
//! tree with only the binary on PATH; a run fails fast against a target that is not there,
//! prepares its output directories first, and stops cleanly on Ctrl-C; writers leave nothing
//! half-written when interrupted.

use crate::{TEST_TOKEN, audit_key, read_json, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A directory outside the source tree with a `bin/` holding only `nhikit` (a link to this
/// build), for a PATH on which the source tree's files cannot be found.
struct Outside {
    dir: tempfile::TempDir,
}

impl Outside {
    fn new() -> Outside {
        let dir = tempfile::Builder::new()
            .prefix("nhikit-first-hour-")
            .tempdir_in(std::env::temp_dir())
            .unwrap();
        let workspace = crate::workspace().canonicalize().unwrap();
        assert!(
            !dir.path().canonicalize().unwrap().starts_with(&workspace),
            "the test directory must be outside the source tree"
        );
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_nhikit"), bin.join("nhikit")).unwrap();
        Outside { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Only this build's `nhikit`, then the system's tools (sh, python3): no cargo, no tree.
    fn path_var(&self) -> String {
        format!("{}:/usr/bin:/bin", self.path().join("bin").display())
    }

    /// A command line run by `sh -c` in `cwd`, as CI runs a job's line.
    fn sh(&self, cwd: &Path, line: &str) -> Output {
        self.command(Path::new("/bin/sh"), cwd)
            .args(["-c", line])
            .output()
            .unwrap()
    }

    fn nhikit(&self, cwd: &Path, args: &[&str]) -> Output {
        self.command(&self.path().join("bin/nhikit"), cwd)
            .args(args)
            .output()
            .unwrap()
    }

    fn spawn(&self, cwd: &Path, args: &[&str]) -> Child {
        self.command(&self.path().join("bin/nhikit"), cwd)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn command(&self, program: &Path, cwd: &Path) -> Command {
        let mut c = Command::new(program);
        c.current_dir(cwd)
            .env("PATH", self.path_var())
            .env("NHIKIT_TOKEN", TEST_TOKEN)
            .env_remove("NHIKIT_SCHEMAS")
            .env_remove("NHIKIT_TARGET")
            .env_remove("NHIKIT_JUNIT")
            .env_remove("NHIKIT_SEGMENT")
            .env("NHIKIT_AUDIT_LOG", self.path().join("audit.jsonl"))
            .env("NHIKIT_AUDIT_KEY", audit_key());
        c
    }
}

/// The `nhikit …` lines of a CI file or README, except starting the stand-in reference.
fn nhikit_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim().trim_start_matches("- ").trim())
        .map(|l| l.strip_prefix("run: ").unwrap_or(l))
        .filter(|l| l.starts_with("nhikit ") && !l.starts_with("nhikit serve"))
        .map(str::to_owned)
        .collect()
}

/// The `run:` lines of the GitHub workflow's steps, read as YAML.
fn github_runs(project: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(project.join(".github/workflows/nhikit.yml")).unwrap();
    let y: serde_json::Value = serde_norway::from_str(&text).unwrap();
    y["jobs"]["nhikit"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .flat_map(|r| r.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn totals(report: &Path) -> serde_json::Value {
    let v = read_json(&report.join("report.json"));
    v["totals"].clone()
}

/// Initialises a project of `kind` and runs the commands its CI jobs run, as written, from
/// the project directory: the README, GitHub and GitLab spell the same commands, and the
/// conformance run passes the whole shipped catalog.
fn init_and_run(kind: &str, url: Option<&str>) {
    let outside = Outside::new();
    let mut args = vec!["init", "my-system", "--kind", kind];
    if let Some(u) = url {
        args.extend(["--url", u]);
    }
    let o = outside.nhikit(outside.path(), &args);
    assert!(o.status.success(), "{}", text(&o));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.starts_with("Created my-system: a project to test a system reached "),
        "{said}"
    );
    let project = outside.path().join("my-system");
    let github: Vec<String> = nhikit_lines(&github_runs(&project).join("\n"));
    let gitlab = nhikit_lines(&std::fs::read_to_string(project.join(".gitlab-ci.yml")).unwrap());
    let readme = nhikit_lines(&std::fs::read_to_string(project.join("README.md")).unwrap());
    assert_eq!(github, gitlab, "GitHub and GitLab run the same commands");
    assert_eq!(github, readme, "the README shows the commands CI runs");
    assert!(github[0].starts_with("nhikit conform "), "{github:?}");
    assert_eq!(
        github.len(),
        if kind == "http" { 2 } else { 1 },
        "{github:?}"
    );
    for line in &github {
        let started = Instant::now();
        if line.starts_with("nhikit load ") {
            // The shipped 3-minute peak, cut short for a test; thresholds depend on this
            // machine's speed, so 1 (breached) is a finished run too.
            let o = outside.sh(&project, &format!("{line} --duration 2s --households 200"));
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{line}\n{}",
                text(&o)
            );
            for f in ["results.json", "report.html", "junit.xml"] {
                assert!(project.join("reports/load").join(f).is_file(), "{f}");
            }
        } else {
            let o = outside.sh(&project, line);
            assert!(o.status.success(), "{kind}: {line}\n{}", text(&o));
            let t = totals(&project.join("reports/conformance"));
            assert!(t["scenarios"].as_u64().unwrap() >= 60, "{t}");
            assert_eq!(t["pass"], t["scenarios"], "{t}");
        }
        eprintln!("{kind}: {line}: {:?}", started.elapsed());
    }
}

#[test]
fn an_http_project_passes_outside_the_tree_with_only_the_binary() {
    let server = crate::Served::start();
    init_and_run("http", Some(&server.url));
}

#[test]
fn a_process_project_with_its_adapter_skeleton_passes_outside_the_tree() {
    if !Path::new("/usr/bin/python3").exists() {
        eprintln!("skipped: python3 is missing");
        return;
    }
    init_and_run("process", None);
}

#[test]
fn a_files_project_passes_outside_the_tree() {
    init_and_run("files", None);
}

/// The shipped load scenarios are used by name from the binary outside the tree.
#[test]
fn load_takes_a_shipped_scenario_by_name_outside_the_tree() {
    let server = crate::Served::start();
    let outside = Outside::new();
    let o = outside.nhikit(
        outside.path(),
        &[
            "load",
            "--scenario",
            "lookup-storm",
            "--target",
            &server.url,
            "--duration",
            "1s",
            "--households",
            "100",
            "--out",
            "new/dir/results.json",
        ],
    );
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    assert!(outside.path().join("new/dir/results.json").is_file());
    let o = outside.nhikit(outside.path(), &["load", "--scenario", "no-such-scenario"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("nor a shipped scenario (shipped: ") && text(&o).contains("lookup-storm"),
        "{}",
        text(&o)
    );
}

/// A port nothing listens on: bound, then closed.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

/// A target that accepts connections and never answers.
fn silent_target() -> (String, std::net::TcpListener) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    (format!("http://{}", l.local_addr().unwrap()), l)
}

#[test]
fn conform_and_load_fail_fast_against_a_target_that_is_not_there() {
    let outside = Outside::new();
    let (silent, _listener) = silent_target();
    for url in [closed_port(), silent] {
        let started = Instant::now();
        let o = outside.nhikit(
            outside.path(),
            &[
                "conform",
                "--target",
                &url,
                "--timeout",
                "2",
                "--report",
                "r",
            ],
        );
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{t}");
        assert!(
            t.contains("does not answer") && t.contains("no scenario was run"),
            "{t}"
        );
        let errors = t.lines().filter(|l| l.starts_with("error:")).count();
        assert_eq!(errors, 1, "one message, not one per scenario: {t}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );

        let started = Instant::now();
        let o = outside.nhikit(
            outside.path(),
            &["load", "--scenario", "lookup-storm", "--target", &url],
        );
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{t}");
        assert!(t.contains("does not answer"), "{t}");
        // lookup-storm's request timeout is its probe's.
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "{:?}",
            started.elapsed()
        );
    }
}

/// An HTTP profile whose error-code pointer matches nothing in the target's error answers is
/// a profile problem, said once before the run — not every error scenario failing.
#[test]
fn an_error_pointer_that_matches_nothing_is_a_profile_problem() {
    let server = crate::Served::start();
    let outside = Outside::new();
    let profile = outside.path().join("target.toml");
    std::fs::write(
        &profile,
        format!(
            "kind = \"http\"\nbase_url = \"{}\"\ntransfer = \"archive\"\ntoken_env = \"NHIKIT_TOKEN\"\n[errors]\ncode = \"/error/kind\"\n",
            server.url
        ),
    )
    .unwrap();
    let o = outside.nhikit(outside.path(), &["conform", "--target", "target.toml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("`/error/kind`") && t.contains("matches nothing") && t.contains("HTTP 4"),
        "{t}"
    );
    assert!(!t.contains("scenarios:"), "no scenario ran: {t}");
    // The pointer of nhikit's own error body passes the probe.
    std::fs::write(
        &profile,
        format!(
            "kind = \"http\"\nbase_url = \"{}\"\ntransfer = \"archive\"\ntoken_env = \"NHIKIT_TOKEN\"\n[errors]\ncode = \"/code\"\n",
            server.url
        ),
    )
    .unwrap();
    let o = outside.nhikit(
        outside.path(),
        &[
            "conform",
            "--target",
            "target.toml",
            "--filter",
            "id-check-digit",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
}

/// An output path that cannot be a directory is refused before the run (in well under the
/// time a run takes), and a missing one is made.
#[test]
fn output_places_are_made_or_refused_before_the_run() {
    let outside = Outside::new();
    std::fs::write(outside.path().join("taken"), "a file").unwrap();
    let o = outside.nhikit(outside.path(), &["conform", "--report", "taken/report"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("cannot create the output directory taken/report"),
        "{t}"
    );
    assert!(!t.contains("scenarios:"), "refused before running: {t}");
    let o = outside.nhikit(
        outside.path(),
        &[
            "load",
            "--scenario",
            "lookup-storm",
            "--target",
            &closed_port(),
            "--html",
            "taken/report.html",
        ],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("cannot create the output directory taken"),
        "{t}"
    );
    assert!(
        !t.contains("does not answer"),
        "refused before the probe: {t}"
    );
}

fn interrupt(child: &Child, signal: &str) {
    let s = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(s.success());
}

/// Waits until `path` exists (the run is under way), at most `limit`.
fn wait_for(path: &Path, limit: Duration) {
    let started = Instant::now();
    while !path.exists() {
        assert!(
            started.elapsed() < limit,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_interrupted_conform_reports_what_ran_marked_interrupted_and_exits_130() {
    let outside = Outside::new();
    let child = outside.spawn(
        outside.path(),
        &[
            "conform",
            "--jobs",
            "1",
            "--report",
            "r",
            "--junit",
            "j/junit.xml",
        ],
    );
    std::thread::sleep(Duration::from_secs(3));
    interrupt(&child, "INT");
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(130), "{t}");
    assert!(
        t.contains("interrupted") && t.contains("were not run"),
        "{t}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(outside.path().join("r/report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["interrupted"], true);
    let not_run = report["not_run"].as_array().unwrap().len();
    let ran = report["totals"]["scenarios"].as_u64().unwrap() as usize;
    assert!(not_run > 0, "{report}");
    assert!(
        ran + not_run >= 60,
        "every scenario is either run or listed as not run"
    );
    assert!(outside.path().join("j/junit.xml").is_file());
}

#[test]
fn an_interrupted_load_is_not_green_and_keeps_its_results() {
    let server = crate::Served::start();
    let outside = Outside::new();
    let child = outside.spawn(
        outside.path(),
        &[
            "load",
            "--scenario",
            "lookup-storm",
            "--target",
            &server.url,
            "--duration",
            "60s",
            "--households",
            "100",
            "--out",
            "out/results.json",
            "--junit",
            "out/junit.xml",
        ],
    );
    std::thread::sleep(Duration::from_secs(4));
    interrupt(&child, "TERM");
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(130), "{t}");
    assert!(t.contains("interrupted") && t.contains("not judged"), "{t}");
    let r: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(outside.path().join("out/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(r["interrupted"], true);
    let xml = std::fs::read_to_string(outside.path().join("out/junit.xml")).unwrap();
    assert!(xml.contains("<error message=\"interrupted\""), "{xml}");
}

/// What is in `dir` but `keep`.
fn entries_but(dir: &Path, keep: &[&str]) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !keep.iter().any(|k| p.file_name().is_some_and(|n| n == *k)))
        .collect()
}

/// Ctrl-C in the middle of a large `gen` removes its temporary directory and its lock, says
/// so, and exits 130: nothing is left beside the output.
#[test]
fn ctrl_c_in_gen_leaves_nothing_behind() {
    let outside = Outside::new();
    let work = outside.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let child = outside.spawn(
        &work,
        &[
            "gen",
            "--households",
            "3000000",
            "--seed",
            "7",
            "--out",
            "big",
        ],
    );
    // Under way: its temporary directory is there.
    let started = Instant::now();
    loop {
        let partial = std::fs::read_dir(&work).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".nhikit-partial-")
        });
        if partial {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "gen never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    interrupt(&child, "INT");
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(130), "{t}");
    assert!(
        t.contains("removed the unfinished output") && t.contains(".nhikit-partial-"),
        "{t}"
    );
    assert!(t.contains("error: interrupted (Ctrl-C)"), "{t}");
    assert_eq!(entries_but(&work, &[]), Vec::<PathBuf>::new(), "{t}");
}

/// Ctrl-C in a `reference import` that is creating its database removes the database.
#[test]
fn ctrl_c_in_reference_import_removes_the_database_it_was_creating() {
    let outside = Outside::new();
    let work = outside.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let o = outside.nhikit(
        &work,
        &[
            "gen",
            "--households",
            "60000",
            "--seed",
            "3",
            "--out",
            "ds",
            "--format",
            "csv",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let child = outside.spawn(&work, &["reference", "import", "--db", "ref.db", "ds"]);
    wait_for(&work.join("ref.db"), Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    interrupt(&child, "INT");
    let o = child.wait_with_output().unwrap();
    let t = text(&o);
    if o.status.code() == Some(0) {
        eprintln!("skipped: the import finished before the signal came ({t})");
        return;
    }
    assert_eq!(o.status.code(), Some(130), "{t}");
    assert!(
        t.contains("removed the unfinished output") && t.contains("ref.db"),
        "{t}"
    );
    assert_eq!(entries_but(&work, &["ds"]), Vec::<PathBuf>::new(), "{t}");
}

/// examples/python-testee passes the whole catalog as shipped (its README says so), and its
/// copay scenarios run on its own Python code: with the 高齢受給者 start moved to the birthday
/// month (a realistic slip), exactly the scenarios of the month of reaching 70 fail.
#[test]
fn the_python_testee_passes_the_catalog_on_its_own_copay_code() {
    if !Path::new("/usr/bin/python3").exists() {
        eprintln!("skipped: python3 is missing");
        return;
    }
    let outside = Outside::new();
    let source =
        std::fs::read_to_string(crate::workspace().join("examples/python-testee/testee.py"))
            .unwrap();
    let right =
        "kourei = datetime.date(seventy.year + seventy.month // 12, seventy.month % 12 + 1, 1)";
    assert!(
        source.contains(right),
        "the testee's 高齢受給者 start moved: update this test"
    );
    std::fs::write(outside.path().join("testee.py"), &source).unwrap();
    std::fs::write(
        outside.path().join("broken.py"),
        source.replace(
            right,
            "kourei = datetime.date(seventy.year, seventy.month, 1)",
        ),
    )
    .unwrap();
    let run = |script: &str, report: &str| {
        let target = format!("process:python3 {script}");
        let o = outside.nhikit(
            outside.path(),
            &[
                "conform",
                "--target",
                &target,
                "--report",
                report,
                "--timeout",
                "20",
            ],
        );
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(outside.path().join(report).join("report.json")).unwrap(),
        )
        .unwrap();
        (o, json)
    };
    let (o, report) = run("testee.py", "ok");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(report["totals"]["fail"], 0, "{}", report["totals"]);
    assert_eq!(report["totals"]["error"], 0, "{}", report["totals"]);
    assert!(
        report["totals"]["pass"].as_u64().unwrap() >= 78,
        "{}",
        report["totals"]
    );
    let readme =
        std::fs::read_to_string(crate::workspace().join("examples/python-testee/README.md"))
            .unwrap();
    assert!(
        readme.contains("The whole catalog passes as shipped"),
        "{readme}"
    );

    let (o, report) = run("broken.py", "broken");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let mut failed: Vec<&str> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["outcome"] != "pass")
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    failed.sort_unstable();
    assert_eq!(
        failed,
        ["age-70-born-first", "age-70-copay"],
        "{}",
        text(&o)
    );
}
