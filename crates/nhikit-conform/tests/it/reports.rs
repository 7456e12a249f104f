//! Reports of a run that has every outcome: JUnit XML read back with quick-xml, the HTML page
//! rendered by headless Chromium, report.json; and a target that hangs or crashes gives an
//! `error` while the run goes on.

use crate::*;
use nhikit_conform::{Outcome, Report, RunOptions};
use nhikit_target::*;
use quick_xml::events::Event;
use std::collections::BTreeMap;
use std::time::Duration;

/// The reference, except that `lookup_household` hangs and `issue_certificate` panics.
struct Broken(Reference);

impl Target for Broken {
    fn import(&self, r: &ImportRequest) -> Result<ImportResponse, TargetError> {
        self.0.import(r)
    }
    fn export(&self, r: &ExportRequest) -> Result<ExportResponse, TargetError> {
        self.0.export(r)
    }
    fn register_event(&self, r: &EventRequest) -> Result<EventResponse, TargetError> {
        self.0.register_event(r)
    }
    fn lookup_person(&self, r: &PersonQuery) -> Result<PersonResponse, TargetError> {
        self.0.lookup_person(r)
    }
    fn lookup_household(&self, _: &HouseholdQuery) -> Result<HouseholdResponse, TargetError> {
        std::thread::sleep(Duration::from_secs(5));
        Err(TargetError::new(ErrorCode::Storage, "late"))
    }
    fn assess(&self, r: &AssessRequest) -> Result<AssessResponse, TargetError> {
        self.0.assess(r)
    }
    fn high_cost_limit(&self, r: &HighCostRequest) -> Result<HighCostResponse, TargetError> {
        self.0.high_cost_limit(r)
    }
    fn copay_ratio(&self, r: &CopayRequest) -> Result<CopayResponse, TargetError> {
        self.0.copay_ratio(r)
    }
    fn issue_certificate(
        &self,
        _: &CertificateRequest,
    ) -> Result<CertificateResponse, TargetError> {
        panic!("certificate printer on fire")
    }
}

/// A run with pass, fail, error, expected-fail and unexpected-pass results.
fn mixed_report() -> Report {
    let (catalog, mut scenarios) = catalog();
    let wanted = [
        "char-surrogate",         // fail (surrogate-to-geta)
        "char-ivs",               // fail, listed as expected → expected_fail
        "high-cost-shitara",      // pass, listed as expected → unexpected_pass
        "household-fictive-head", // hangs → error
        "certificate",            // panics → error
        "premium-rounding",       // pass
        "lookup-as-of",           // pass
    ];
    scenarios.retain(|s| wanted.contains(&s.id.as_str()));
    assert_eq!(scenarios.len(), wanted.len());
    let connect = || -> Result<SharedTarget, String> {
        Ok(Arc::new(Broken(
            Reference::in_memory()
                .map_err(|e| e.to_string())?
                .with_faults(&[Fault::SurrogateToGeta]),
        )))
    };
    let options = RunOptions {
        jobs: 2,
        timeout: Duration::from_secs(2),
        expected_failures: ["char-ivs", "high-cost-shitara"].map(str::to_owned).into(),
        stop: None,
    };
    let results = nhikit_conform::run(&scenarios, &connect, &options).unwrap();
    Report::new(
        "builtin",
        &["surrogate-to-geta".into()],
        &catalog,
        results,
        1234.5,
    )
}

fn outcome(report: &Report, id: &str) -> Outcome {
    report
        .scenarios
        .iter()
        .find(|s| s.id == id)
        .unwrap()
        .outcome
}

#[test]
fn every_outcome_and_its_reports() {
    let report = mixed_report();
    assert_eq!(outcome(&report, "char-surrogate"), Outcome::Fail);
    assert_eq!(outcome(&report, "char-ivs"), Outcome::ExpectedFail);
    assert_eq!(
        outcome(&report, "high-cost-shitara"),
        Outcome::UnexpectedPass
    );
    assert_eq!(outcome(&report, "household-fictive-head"), Outcome::Error);
    assert_eq!(outcome(&report, "certificate"), Outcome::Error);
    assert_eq!(outcome(&report, "premium-rounding"), Outcome::Pass);
    assert!(!report.ok());
    let t = &report.totals;
    assert_eq!(
        (
            t.scenarios,
            t.pass,
            t.fail,
            t.error,
            t.expected_fail,
            t.unexpected_pass
        ),
        (7, 2, 1, 2, 1, 1)
    );
    let hang = report
        .scenarios
        .iter()
        .find(|s| s.id == "household-fictive-head")
        .unwrap();
    let msg = &hang.failure.as_ref().unwrap().message;
    assert!(
        msg.contains("no answer to `lookup_household` within 2.0 s"),
        "{msg}"
    );
    let crash = report
        .scenarios
        .iter()
        .find(|s| s.id == "certificate")
        .unwrap();
    let msg = &crash.failure.as_ref().unwrap().message;
    assert!(msg.contains("crashed") && msg.contains("on fire"), "{msg}");
    // The failing check shows a readable diff of expected vs actual.
    let fail = report
        .scenarios
        .iter()
        .find(|s| s.id == "char-surrogate")
        .unwrap();
    let f = fail.failure.as_ref().unwrap();
    assert!(
        f.diff
            .iter()
            .any(|l| l.contains("person.name: expected \"𠮷田　太郎\", actual \"〓田　太郎\"")),
        "{:?}",
        f.diff
    );
    // Console: one line per non-pass scenario and the totals.
    let console = report.console();
    assert_eq!(console.lines().count(), 6, "{console}");
    assert!(console.contains(
        "7 scenarios: 2 passed, 1 failed, 2 errors, 1 expected failures, 1 unexpected passes"
    ));

    // report.json
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(json["report_version"], 1);
    assert_eq!(json["totals"]["error"], 2);
    let req = json["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CHAR-OUTSIDE-BMP")
        .unwrap();
    assert_eq!(req["scenarios"]["char-surrogate"], "fail");
    assert_eq!(req["scenarios"]["char-ivs"], "expected_fail");

    junit_structure(&report.to_junit());
    html_in_chromium(&report.to_html());
}

/// An element's attributes.
type Attrs = BTreeMap<String, String>;

/// JUnit XML as a CI server reads it.
fn junit_structure(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut suite: BTreeMap<String, String> = BTreeMap::new();
    let mut cases: Vec<(Attrs, Vec<(String, Attrs)>)> = Vec::new();
    let attrs = |e: &quick_xml::events::BytesStart| -> BTreeMap<String, String> {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    };
    let mut depth_case = false;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "testsuite" => {
                suite = attrs(&e);
            }
            Event::Start(e) if e.name().as_ref() == "testcase" => {
                cases.push((attrs(&e), Vec::new()));
                depth_case = true;
            }
            Event::Empty(e) if e.name().as_ref() == "testcase" => {
                cases.push((attrs(&e), Vec::new()));
            }
            Event::End(e) if e.name().as_ref() == "testcase" => depth_case = false,
            Event::Start(e) | Event::Empty(e) if depth_case => {
                let name = e.name().as_ref().to_owned();
                cases.last_mut().unwrap().1.push((name, attrs(&e)));
            }
            _ => {}
        }
    }
    assert_eq!(suite["tests"], "7");
    assert_eq!(suite["failures"], "2"); // fail + unexpected pass
    assert_eq!(suite["errors"], "2");
    assert_eq!(suite["skipped"], "1");
    assert_eq!(cases.len(), 7);
    for (a, _) in &cases {
        assert!(
            a.contains_key("name") && a.contains_key("classname"),
            "{a:?}"
        );
        assert!(a["time"].parse::<f64>().unwrap() >= 0.0);
        assert!(a["classname"].starts_with("conformance."));
    }
    let kinds = |n: &str| {
        cases
            .iter()
            .filter(|(_, c)| c.iter().any(|(k, _)| k == n))
            .count()
    };
    assert_eq!(
        (kinds("failure"), kinds("error"), kinds("skipped")),
        (2, 2, 1)
    );
    let surrogate = cases
        .iter()
        .find(|(a, _)| a["name"] == "char-surrogate")
        .unwrap();
    assert_eq!(surrogate.0["classname"], "conformance.characters");
    let (kind, fa) = &surrogate.1[0];
    assert_eq!(kind, "failure");
    assert!(fa["message"].contains("differs"), "{fa:?}");
}

/// The page as a browser shows it: Chromium renders it and we find the totals in its DOM.
fn html_in_chromium(html: &str) {
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"));
    let chromium = std::env::var("NHIKIT_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&chromium).exists() {
        assert!(
            std::env::var("NHIKIT_REQUIRE_ENGINES").is_err(),
            "NHIKIT_REQUIRE_ENGINES is set but {chromium} is missing"
        );
        eprintln!("skipped: {chromium} is missing (apt-get install -y chromium to run this check)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    std::fs::write(&page, html).unwrap();
    let profile = tmp.path().join("profile");
    let out = std::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (id, n) in [
        ("total-scenarios", 7),
        ("total-pass", 2),
        ("total-fail", 1),
        ("total-error", 2),
        ("total-expected_fail", 1),
        ("total-unexpected_pass", 1),
    ] {
        let needle = format!("id=\"{id}\"");
        let at = dom
            .find(&needle)
            .unwrap_or_else(|| panic!("{id} not in the DOM"));
        let cell = &dom[at..];
        let value = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
        assert_eq!(value, n.to_string(), "{id}");
    }
    assert!(dom.contains("id=\"matrix\"") && dom.contains("CHAR-OUTSIDE-BMP"));
    assert!(dom.contains("〓田　太郎"), "the diff is on the page");
}
