//! The result model of a conformance run and its renderers: console summary, `report.json`
//! (schema in `docs/conformance.md`), JUnit XML and a self-contained HTML page.

use crate::scenario::Catalog;
use nhikit_core::markup::{escape_html as html, escape_xml as xml};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The version of `report.json`'s layout.
pub const REPORT_VERSION: u32 = 1;

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// A check did not hold.
    Fail,
    /// The target (or the scenario's data) failed in a way the scenario did not expect:
    /// a transport error, a timeout, a crash, an unexpected error response.
    Error,
    /// Failed or errored, and listed in the expected failures.
    ExpectedFail,
    /// Listed in the expected failures, but passed: the list is out of date.
    UnexpectedPass,
}

impl Outcome {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::ExpectedFail => "expected_fail",
            Outcome::UnexpectedPass => "unexpected_pass",
        }
    }

    /// Whether the run may still exit 0 with this outcome.
    pub fn is_ok(self) -> bool {
        matches!(self, Outcome::Pass | Outcome::ExpectedFail)
    }

    /// Every outcome, in report order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::ExpectedFail,
        Outcome::UnexpectedPass,
    ];
}

/// Why a scenario did not pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// The step (its name) where it happened; empty for the data set-up.
    pub step: String,
    /// The step's line in the scenario file (0 for set-up).
    pub line: usize,
    /// What went wrong, in one line.
    pub message: String,
    /// The differences, one `path: expected X, actual Y` per line.
    pub diff: Vec<String>,
    /// The request sent, if one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// What was expected (a response, or `{"error": code}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// What the target answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
}

/// One step's run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepResult {
    /// The step's name.
    pub name: String,
    /// Its line in the scenario file.
    pub line: usize,
    /// Requests sent (one per `for_each` entity).
    pub calls: usize,
    /// Time spent, in milliseconds.
    pub duration_ms: f64,
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioResult {
    /// The scenario id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The file, as given.
    pub file: String,
    /// Requirement ids.
    pub requirements: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Wall time, in milliseconds (data preparation included).
    pub duration_ms: f64,
    /// Steps run (up to the failing one).
    pub steps: Vec<StepResult>,
    /// Why it did not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// Counts per outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Scenarios run.
    pub scenarios: usize,
    /// [`Outcome::Pass`].
    pub pass: usize,
    /// [`Outcome::Fail`].
    pub fail: usize,
    /// [`Outcome::Error`].
    pub error: usize,
    /// [`Outcome::ExpectedFail`].
    pub expected_fail: usize,
    /// [`Outcome::UnexpectedPass`].
    pub unexpected_pass: usize,
}

impl Totals {
    /// Counts the outcomes.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Totals {
        let mut t = Totals::default();
        for o in outcomes {
            t.scenarios += 1;
            match o {
                Outcome::Pass => t.pass += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::Error => t.error += 1,
                Outcome::ExpectedFail => t.expected_fail += 1,
                Outcome::UnexpectedPass => t.unexpected_pass += 1,
            }
        }
        t
    }

    fn get(&self, o: Outcome) -> usize {
        match o {
            Outcome::Pass => self.pass,
            Outcome::Fail => self.fail,
            Outcome::Error => self.error,
            Outcome::ExpectedFail => self.expected_fail,
            Outcome::UnexpectedPass => self.unexpected_pass,
        }
    }
}

/// A requirement's row of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequirementResult {
    /// The id.
    pub id: String,
    /// What is required.
    pub description: String,
    /// The scenarios that check it, with their outcomes.
    pub scenarios: BTreeMap<String, Outcome>,
    /// Counts per outcome.
    pub totals: Totals,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// [`REPORT_VERSION`].
    pub report_version: u32,
    /// The nhikit version that ran.
    pub nhikit_version: String,
    /// The `--target` given.
    pub target: String,
    /// The seeded faults switched on (builtin target).
    pub faults: Vec<String>,
    /// Wall time of the run, in milliseconds.
    pub duration_ms: f64,
    /// Counts per outcome.
    pub totals: Totals,
    /// Per requirement (only those some scenario run checks).
    pub requirements: Vec<RequirementResult>,
    /// Per scenario, in catalog order.
    pub scenarios: Vec<ScenarioResult>,
    /// When the report was made (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub date: String,
    /// Whether the run was stopped (Ctrl-C, SIGTERM) before every scenario ran.
    pub interrupted: bool,
    /// The scenarios of the run that were not run because it was interrupted.
    pub not_run: Vec<String>,
}

impl Report {
    /// Builds the report from results.
    pub fn new(
        target: &str,
        faults: &[String],
        catalog: &Catalog,
        scenarios: Vec<ScenarioResult>,
        duration_ms: f64,
    ) -> Report {
        let totals = Totals::of(scenarios.iter().map(|s| &s.outcome));
        let mut by_req: BTreeMap<String, BTreeMap<String, Outcome>> = BTreeMap::new();
        for s in &scenarios {
            for r in &s.requirements {
                by_req
                    .entry(r.clone())
                    .or_default()
                    .insert(s.id.clone(), s.outcome);
            }
        }
        let requirements = by_req
            .into_iter()
            .map(|(id, scenarios)| RequirementResult {
                description: catalog
                    .requirements
                    .get(&id)
                    .map(|r| r.description.clone())
                    .unwrap_or_default(),
                totals: Totals::of(scenarios.values()),
                id,
                scenarios,
            })
            .collect();
        Report {
            report_version: REPORT_VERSION,
            nhikit_version: env!("CARGO_PKG_VERSION").to_owned(),
            target: target.to_owned(),
            faults: faults.to_vec(),
            duration_ms,
            totals,
            requirements,
            scenarios,
            date: utc_now(),
            interrupted: false,
            not_run: Vec::new(),
        }
    }

    /// Marks the run interrupted: `planned` are the ids the run was to cover; those without a
    /// result are listed as not run.
    pub fn interrupt(&mut self, planned: &[String]) {
        self.interrupted = true;
        self.not_run = planned
            .iter()
            .filter(|id| !self.scenarios.iter().any(|s| &s.id == *id))
            .cloned()
            .collect();
    }

    /// Whether the run passes: it ran to its end and every result is pass or expected-fail.
    pub fn ok(&self) -> bool {
        !self.interrupted && self.scenarios.iter().all(|s| s.outcome.is_ok())
    }

    /// The console summary: one line per scenario that is not a pass, then the totals.
    pub fn console(&self) -> String {
        let mut out = String::new();
        for s in &self.scenarios {
            if s.outcome == Outcome::Pass {
                continue;
            }
            let why = s.failure.as_ref().map_or_else(String::new, |f| {
                let at = if f.line > 0 {
                    format!("{}:{} step `{}`: ", s.file, f.line, f.step)
                } else {
                    format!("{}: ", s.file)
                };
                format!("{at}{}", f.message)
            });
            let _ = writeln!(
                out,
                "{:<15} {}  {why}",
                s.outcome.name().to_uppercase(),
                s.id
            );
        }
        let _ = writeln!(out, "{}", self.totals_line());
        out
    }

    /// `N scenarios: P passed, F failed, E errors, X expected failures, U unexpected passes (T s)`,
    /// and `, interrupted: K not run` after an interrupt.
    pub fn totals_line(&self) -> String {
        let t = &self.totals;
        let interrupted = if self.interrupted {
            format!(", INTERRUPTED: {} not run", self.not_run.len())
        } else {
            String::new()
        };
        format!(
            "{} scenarios: {} passed, {} failed, {} errors, {} expected failures, {} unexpected passes ({:.2} s){interrupted}",
            t.scenarios,
            t.pass,
            t.fail,
            t.error,
            t.expected_fail,
            t.unexpected_pass,
            self.duration_ms / 1000.0
        )
    }

    /// `report.json`.
    pub fn to_json(&self) -> String {
        // A tree of strings, numbers and JSON values always serializes.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// JUnit XML: one `<testsuite>` per run, one `<testcase>` per scenario (classname
    /// `conformance.<first tag>`); fail → `<failure>`, error → `<error>`, expected-fail →
    /// `<skipped>`, unexpected-pass → `<failure>` (the expected-failures list is stale).
    pub fn to_junit(&self) -> String {
        let t = &self.totals;
        let failures = t.fail + t.unexpected_pass;
        // An interrupted run adds a `run complete` case in error: never a green suite.
        let extra = usize::from(self.interrupted);
        let (tests, errors) = (t.scenarios + extra, t.error + extra);
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"nhikit conform\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{}\" time=\"{:.3}\">",
            t.expected_fail,
            self.duration_ms / 1000.0
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"conformance\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{}\" time=\"{:.3}\">",
            t.expected_fail,
            self.duration_ms / 1000.0
        );
        let _ = writeln!(x, "    <properties>");
        let _ = writeln!(
            x,
            "      <property name=\"target\" value=\"{}\"/>",
            xml(&self.target)
        );
        for f in &self.faults {
            let _ = writeln!(x, "      <property name=\"fault\" value=\"{}\"/>", xml(f));
        }
        let _ = writeln!(x, "    </properties>");
        for s in &self.scenarios {
            let class = format!(
                "conformance.{}",
                s.tags.first().map_or("untagged", String::as_str)
            );
            let _ = write!(
                x,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
                xml(&s.id),
                xml(&class),
                xml(&s.file),
                s.duration_ms / 1000.0
            );
            let detail = |f: &Failure| {
                let mut d = String::new();
                if f.line > 0 {
                    let _ = writeln!(d, "{}:{} step `{}`", s.file, f.line, f.step);
                }
                let _ = writeln!(d, "{}", f.message);
                for l in &f.diff {
                    let _ = writeln!(d, "{l}");
                }
                d
            };
            let message = s
                .failure
                .as_ref()
                .map_or_else(String::new, |f| f.message.clone());
            let body = s.failure.as_ref().map_or_else(String::new, detail);
            let inner = match s.outcome {
                Outcome::Pass => None,
                Outcome::Fail => Some(format!(
                    "<failure message=\"{}\" type=\"fail\">{}</failure>",
                    xml(&message),
                    xml(&body)
                )),
                Outcome::UnexpectedPass => Some(
                    "<failure message=\"passed, but listed as an expected failure\" type=\"unexpected_pass\"/>"
                        .to_owned(),
                ),
                Outcome::Error => Some(format!(
                    "<error message=\"{}\" type=\"error\">{}</error>",
                    xml(&message),
                    xml(&body)
                )),
                Outcome::ExpectedFail => Some(format!(
                    "<skipped message=\"expected failure: {}\"/>",
                    xml(&message)
                )),
            };
            match inner {
                None => x.push_str("/>\n"),
                Some(i) => {
                    let _ = write!(x, ">\n      {i}\n    </testcase>\n");
                }
            }
        }
        if self.interrupted {
            let _ = writeln!(
                x,
                "    <testcase name=\"run complete\" classname=\"conformance\">\n      <error message=\"interrupted\" type=\"interrupted\">{} scenario(s) not run: {}</error>\n    </testcase>",
                self.not_run.len(),
                xml(&self.not_run.join(", "))
            );
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }

    /// The self-contained HTML page, for a test lead to read in ten seconds: the verdict and
    /// the run (date, target, version, faults) at the top, then what failed — each failure
    /// with its place, message and expected against actual, the differing items marked —
    /// then the requirement × outcome matrix and every scenario with its timing.
    pub fn to_html(&self) -> String {
        let t = &self.totals;
        let mut h = String::new();
        h.push_str("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str("<title>nhikit conformance report</title>\n<style>\n");
        h.push_str(CSS);
        h.push_str("</style>\n</head>\n<body>\n");
        let verdict = if self.ok() { "pass" } else { "fail" };
        let word = if self.interrupted {
            "INTERRUPTED"
        } else if self.ok() {
            "PASS"
        } else {
            "FAIL"
        };
        let _ = writeln!(
            h,
            "<h1>nhikit conformance report <span class=\"badge {verdict}\">{word}</span></h1>"
        );
        let _ = writeln!(
            h,
            "<p class=\"meta\">run <b>{}</b> · target <code>{}</code> · nhikit {} · faults {} · {:.2} s</p>",
            html(&self.date.replace('T', " ").replace('Z', " UTC")),
            html(&self.target),
            html(&self.nhikit_version),
            if self.faults.is_empty() {
                "none".to_owned()
            } else {
                format!("<code>{}</code>", html(&self.faults.join(", ")))
            },
            self.duration_ms / 1000.0
        );
        if self.interrupted {
            let _ = writeln!(
                h,
                "<p class=\"banner\">Interrupted: {} scenario(s) were not run ({}). The results below are partial; the run is not a verdict.</p>",
                self.not_run.len(),
                html(&self.not_run.join(", "))
            );
        }
        h.push_str("<table id=\"totals\" class=\"totals\">\n<tr><th>scenarios</th>");
        for o in Outcome::ALL {
            let _ = write!(h, "<th>{}</th>", o.name().replace('_', " "));
        }
        let _ = write!(
            h,
            "</tr>\n<tr><td id=\"total-scenarios\">{}</td>",
            t.scenarios
        );
        for o in Outcome::ALL {
            let _ = write!(
                h,
                "<td id=\"total-{}\" class=\"{}\">{}</td>",
                o.name(),
                o.name(),
                t.get(o)
            );
        }
        h.push_str("</tr>\n</table>\n");
        self.html_failures(&mut h);
        self.html_matrix(&mut h);
        h.push_str("<h2 id=\"all\">Every scenario</h2>\n<table id=\"scenarios\" class=\"wide\">\n<tr><th>scenario</th><th>title</th><th>result</th><th>time</th><th>steps</th></tr>\n");
        for s in &self.scenarios {
            let steps: Vec<String> = s
                .steps
                .iter()
                .map(|st| format!("{} ×{} {:.1} ms", html(&st.name), st.calls, st.duration_ms))
                .collect();
            let name = if s.outcome == Outcome::Pass {
                format!("<code>{}</code>", html(&s.id))
            } else {
                format!(
                    "<a href=\"#s-{id}\"><code>{id}</code></a>",
                    id = html(&s.id)
                )
            };
            let _ = writeln!(
                h,
                "<tr id=\"row-{id}\"><td>{name}</td><td>{title}</td><td class=\"{o}\">{on}</td><td class=\"n\">{ms:.1} ms</td><td>{steps}</td></tr>",
                id = html(&s.id),
                o = s.outcome.name(),
                title = html(&s.title),
                on = s.outcome.name().replace('_', " "),
                ms = s.duration_ms,
                steps = steps.join("<br>")
            );
        }
        h.push_str("</table>\n</body>\n</html>\n");
        h
    }

    /// The failures first: unexpected results (fail, error, unexpected pass), then the
    /// expected failures.
    fn html_failures(&self, h: &mut String) {
        let order = [
            Outcome::Fail,
            Outcome::Error,
            Outcome::UnexpectedPass,
            Outcome::ExpectedFail,
        ];
        let shown: Vec<&ScenarioResult> = order
            .iter()
            .flat_map(|o| self.scenarios.iter().filter(move |s| s.outcome == *o))
            .collect();
        let unexpected = shown.iter().filter(|s| !s.outcome.is_ok()).count();
        let _ = writeln!(
            h,
            "<h2 id=\"failures\">What failed: {unexpected} unexpected, {} expected</h2>",
            shown.len() - unexpected
        );
        if shown.is_empty() {
            h.push_str("<p class=\"pass\">Every scenario passed.</p>\n");
        }
        for s in shown {
            let _ = writeln!(
                h,
                "<section class=\"failure {o}\" id=\"s-{id}\">\n<h3><span class=\"tag {o}\">{on}</span> <code>{id}</code> {title}</h3>",
                o = s.outcome.name(),
                on = s.outcome.name().replace('_', " ").to_uppercase(),
                id = html(&s.id),
                title = html(&s.title),
            );
            if s.outcome == Outcome::UnexpectedPass {
                h.push_str("<p>Listed in the expected failures, but passed: remove it from the list.</p>\n");
            }
            if let Some(f) = &s.failure {
                let _ = writeln!(
                    h,
                    "<p class=\"where\"><code>{}{}</code>{}</p>\n<p class=\"message\">{}</p>",
                    html(&s.file),
                    if f.line > 0 {
                        format!(":{}", f.line)
                    } else {
                        String::new()
                    },
                    if f.line > 0 {
                        format!(" step <code>{}</code>", html(&f.step))
                    } else {
                        " (data set-up)".to_owned()
                    },
                    html(&f.message)
                );
                if !f.diff.is_empty() {
                    h.push_str("<table class=\"diff\"><tr><th>item</th><th>expected</th><th>actual</th></tr>\n");
                    for l in &f.diff {
                        match split_diff(l) {
                            Some((item, want, got)) => {
                                let _ = writeln!(
                                    h,
                                    "<tr><td><code>{}</code></td><td><mark class=\"want\">{}</mark></td><td><mark class=\"got\">{}</mark></td></tr>",
                                    html(item),
                                    html(want),
                                    html(got)
                                );
                            }
                            None => {
                                let _ = writeln!(h, "<tr><td colspan=\"3\">{}</td></tr>", html(l));
                            }
                        }
                    }
                    h.push_str("</table>\n");
                }
                let pretty = |v: &Option<Value>| {
                    v.as_ref()
                        .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                };
                match (pretty(&f.expected), pretty(&f.actual)) {
                    (Some(e), Some(a)) => {
                        let _ = writeln!(
                            h,
                            "<div class=\"pair\"><div><h4>expected</h4><pre>{}</pre></div><div><h4>actual</h4><pre>{}</pre></div></div>",
                            marked(&e, &a),
                            marked(&a, &e)
                        );
                    }
                    (None, Some(a)) => {
                        let _ = writeln!(h, "<h4>actual</h4><pre>{}</pre>", html(&a));
                    }
                    (Some(e), None) => {
                        let _ = writeln!(h, "<h4>expected</h4><pre>{}</pre>", html(&e));
                    }
                    (None, None) => {}
                }
                if let Some(r) = pretty(&f.request) {
                    let _ = writeln!(
                        h,
                        "<details><summary>request</summary><pre>{}</pre></details>",
                        html(&r)
                    );
                }
            }
            h.push_str("</section>\n");
        }
    }

    /// The requirement × outcome matrix.
    fn html_matrix(&self, h: &mut String) {
        h.push_str("<h2 id=\"requirements\">Requirements</h2>\n<table id=\"matrix\" class=\"wide\">\n<tr><th>requirement</th><th>description</th>");
        for o in Outcome::ALL {
            let _ = write!(h, "<th>{}</th>", o.name().replace('_', " "));
        }
        h.push_str("<th>scenarios</th></tr>\n");
        for r in &self.requirements {
            let worst = if r.totals.fail + r.totals.error + r.totals.unexpected_pass > 0 {
                "fail"
            } else {
                "pass"
            };
            let _ = write!(
                h,
                "<tr class=\"{worst}\"><td><code>{}</code></td><td>{}</td>",
                html(&r.id),
                html(&r.description)
            );
            for o in Outcome::ALL {
                let n = r.totals.get(o);
                let _ = write!(
                    h,
                    "<td class=\"n {}\">{}</td>",
                    if n > 0 { o.name() } else { "zero" },
                    n
                );
            }
            let links: Vec<String> = r
                .scenarios
                .iter()
                .map(|(id, o)| {
                    let anchor = if *o == Outcome::Pass { "row" } else { "s" };
                    format!(
                        "<a href=\"#{anchor}-{}\" class=\"{}\">{}</a>",
                        html(id),
                        o.name(),
                        html(id)
                    )
                })
                .collect();
            let _ = writeln!(h, "<td>{}</td></tr>", links.join(" "));
        }
        h.push_str("</table>\n");
    }
}

/// A diff line `path: expected X, actual Y` as (path, X, Y).
fn split_diff(line: &str) -> Option<(&str, &str, &str)> {
    let (item, rest) = line.split_once(": expected ")?;
    let (want, got) = rest.rsplit_once(", actual ")?;
    Some((item, want, got))
}

/// `text` (pretty JSON) escaped for HTML, each line that `other` lacks marked.
fn marked(text: &str, other: &str) -> String {
    let mut theirs: BTreeMap<&str, usize> = BTreeMap::new();
    for l in other.lines() {
        *theirs.entry(l.trim_end_matches(',')).or_default() += 1;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for l in text.lines() {
        let key = l.trim_end_matches(',');
        match theirs.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                out.push_str(&html(l));
            }
            _ => {
                let _ = write!(out, "<mark>{}</mark>", html(l));
            }
        }
        out.push('\n');
    }
    out
}

/// Fonts: the system's, then Japanese families (so 漢字 and かな never fall to boxes where one
/// is installed), then any sans-serif.
const CSS: &str = "body{font-family:system-ui,-apple-system,\"Segoe UI\",\"Hiragino Sans\",\"Hiragino Kaku Gothic ProN\",\"Noto Sans JP\",\"Noto Sans CJK JP\",\"Yu Gothic\",YuGothic,Meiryo,sans-serif;margin:1.5em 2em;color:#222;line-height:1.45}
h1{margin:.2em 0}h2{margin-top:1.6em;border-bottom:2px solid #ddd}
table{border-collapse:collapse;margin-bottom:1.5em}
table.wide{width:100%}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.n{text-align:right}
.pass{color:#17612a}.fail,.error,.unexpected_pass{color:#a31515}.expected_fail{color:#8a6d00}
td.zero{color:#bbb}
pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:30em;margin:0}
mark{background:#ffe08a;color:inherit}
table.diff{width:100%}table.diff mark.want{background:#d8f5d8}table.diff mark.got{background:#ffd6d6}
.pair{display:flex;flex-wrap:wrap;gap:1em}.pair>div{flex:1 1 22em;min-width:0}
.badge{font-size:.6em;padding:.1em .5em;border-radius:.3em;color:#fff;vertical-align:middle}
.badge.pass{background:#17612a}.badge.fail{background:#a31515}
.tag{font-size:.75em;padding:.1em .4em;border-radius:.3em;border:1px solid currentColor}
.meta{color:#444;margin-top:0}
.banner{background:#fff3cd;border:1px solid #e0b400;padding:.5em .8em}
section.failure{border:1px solid #e5c7c2;border-left:6px solid #a31515;background:#fffaf9;padding:.2em 1em 1em;margin:1em 0}
section.failure.expected_fail{border-left-color:#8a6d00;background:#fffdf3;border-color:#eadfb0}
section.failure h3{margin:.5em 0 .3em;color:#222}
.where{margin:.2em 0;color:#444}.message{margin:.2em 0 .6em;font-weight:600}
@media (max-width:700px){body{margin:.8em}th,td{padding:.2em .3em}}
";

/// The current time, UTC, as `YYYY-MM-DDTHH:MM:SSZ` (no time zone reaches a report).
fn utc_now() -> String {
    stamp(std::time::SystemTime::now())
}

/// A time as `YYYY-MM-DDTHH:MM:SSZ`, UTC.
fn stamp(t: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(xml("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;\u{fffd}");
        assert_eq!(html("<script>"), "&lt;script&gt;");
    }

    #[test]
    fn run_dates_are_civil_utc() {
        // Reference values from `date -u -d @N` (GNU coreutils).
        let at = |s| stamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_798_761_599), "2026-12-31T23:59:59Z");
    }

    #[test]
    fn diff_lines_split_and_differing_json_lines_are_marked() {
        assert_eq!(
            split_diff("person.name: expected \"a, b\", actual \"c\""),
            Some(("person.name", "\"a, b\"", "\"c\""))
        );
        let want = "{\n  \"a\": 1,\n  \"b\": 2\n}";
        let got = "{\n  \"a\": 1,\n  \"b\": 3\n}";
        assert_eq!(
            marked(want, got),
            "{\n  &quot;a&quot;: 1,\n<mark>  &quot;b&quot;: 2</mark>\n}\n"
        );
    }

    #[test]
    fn only_pass_and_expected_fail_are_ok() {
        let ok: Vec<Outcome> = Outcome::ALL.into_iter().filter(|o| o.is_ok()).collect();
        assert_eq!(ok, vec![Outcome::Pass, Outcome::ExpectedFail]);
    }
}
