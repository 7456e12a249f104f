//! Every operation over HTTP answers what `wire::dispatch` answers on an in-process reference
//! holding the same data; errors carry `wire::http_status`; every other failure is a
//! `TargetError` JSON body too.

use crate::*;
use nhikit_server::Config;
use nhikit_target::wire::{Operation, dispatch, http_status};
use nhikit_target::*;
use serde_json::json;
use std::time::Duration;

/// POSTs `request` to `op` and checks status and body against `dispatch` on `local`; returns
/// the body.
pub fn same(
    agent: &ureq::Agent,
    server: &Server,
    local: &Reference,
    op: Operation,
    request: Value,
) -> Value {
    same_with(agent, server, local, op, request.clone(), request)
}

/// [`same`] where the server is sent `remote` (its paths relative to its data directory) and
/// `local` is asked `request` (the same paths, absolute).
pub fn same_with(
    agent: &ureq::Agent,
    server: &Server,
    local: &Reference,
    op: Operation,
    remote: Value,
    request: Value,
) -> Value {
    let r = post(agent, &server.url(&op.http_path()), &remote);
    assert!(
        r.content_type.starts_with("application/json"),
        "{op}: {}",
        r.content_type
    );
    let body = r.json();
    match dispatch(local, op, request.clone()) {
        Ok(expected) => {
            assert_eq!(r.status, 200, "{op} {request}: {body}");
            assert_eq!(body, expected, "{op} {request}");
        }
        Err(e) => {
            assert_eq!(r.status, http_status(e.code), "{op} {request}: {body}");
            assert_eq!(body, serde_json::to_value(&e).unwrap(), "{op} {request}");
        }
    }
    body
}

/// The sample requests of every stateless-read operation for one qualification record.
pub fn read_requests(q: &serde_json::Map<String, Value>) -> Vec<(Operation, Value)> {
    let (lg, an, hh) = (&q["lgcode"], &q["address_number"], &q["household_number"]);
    let acquired = q["acquisition_date"].as_str().unwrap();
    let mut v = vec![
        (
            Operation::LookupPerson,
            json!({ "lgcode": lg, "address_number": an, "as_of": "2026-04-01" }),
        ),
        (
            Operation::LookupPerson,
            json!({ "lgcode": lg, "address_number": an, "as_of": acquired }),
        ),
        (
            Operation::LookupHousehold,
            json!({ "lgcode": lg, "household_number": hh, "as_of": "2026-04-01" }),
        ),
        (
            Operation::Assess,
            json!({ "lgcode": lg, "household_number": hh, "fiscal_year": 2025,
                    "incomes": { an.as_str().unwrap(): { "salary_revenue": 2_400_000 } } }),
        ),
        (
            Operation::CopayRatio,
            json!({ "lgcode": lg, "address_number": an, "service_date": "2026-06-01",
                    "income": { "kourei_members": 1 } }),
        ),
        (
            Operation::IssueCertificate,
            json!({ "lgcode": lg, "address_number": an, "issue_date": "2026-04-01" }),
        ),
    ];
    if let Some(m) = q.get("mynumber").and_then(Value::as_str) {
        v.push((
            Operation::LookupPerson,
            json!({ "mynumber": m, "as_of": "2026-04-01" }),
        ));
    }
    v
}

#[test]
fn every_operation_answers_as_dispatch_does() {
    let f = fixture(30);
    let local = Reference::in_memory().unwrap();
    let server = Server::start(
        shared(Reference::in_memory().unwrap()),
        Config {
            data_dir: Some(f.tmp.path().to_owned()),
            ..Config::default()
        },
    );
    let agent = agent();

    // import: both start empty; the server is named the dataset under its data directory.
    let imported = same_with(
        &agent,
        &server,
        &local,
        Operation::Import,
        json!({ "dataset": "ds" }),
        json!({ "dataset": f.dir }),
    );
    assert_eq!(imported["records"]["household"], 30);

    let quals = records(&f, "qualification");
    let mut answered = 0;
    let mut errors = 0;
    for q in &quals {
        for (op, request) in read_requests(q) {
            let body = same(&agent, &server, &local, op, request);
            if body.get("code").is_some() {
                errors += 1;
            } else {
                answered += 1;
            }
        }
    }
    assert!(answered > 100, "{answered} answered, {errors} errors");

    // Stateless.
    same(
        &agent,
        &server,
        &local,
        Operation::HighCostLimit,
        json!({ "service_month": "2026-05", "under70_category": "ウ",
                "claims": [{ "person": "A", "age_group": "under70", "setting": "入院",
                             "medical_cost": 1_000_000, "copay": 300_000 }] }),
    );

    // Events, applied to both in the same order: a loss, the same loss again (conflict), a
    // change of name.
    let q = quals.iter().find(|q| q["loss_date"].is_null()).unwrap();
    let (lg, an) = (&q["lgcode"], &q["address_number"]);
    let loss = json!({ "lgcode": lg, "address_number": an, "kind": "loss",
                       "date": "2026-05-01", "reason": "11" });
    let first = same(
        &agent,
        &server,
        &local,
        Operation::RegisterEvent,
        loss.clone(),
    );
    assert_eq!(first["qualification"]["loss_date"], "2026-05-01");
    let again = same(&agent, &server, &local, Operation::RegisterEvent, loss);
    assert_eq!(again["code"], "conflict");
    same(
        &agent,
        &server,
        &local,
        Operation::RegisterEvent,
        json!({ "lgcode": lg, "address_number": an, "kind": "change", "date": "2026-04-10",
                "name": "𠮷田　輝乃", "name_kana": "ヨシダ　テルノ" }),
    );
    same(
        &agent,
        &server,
        &local,
        Operation::LookupPerson,
        json!({ "lgcode": lg, "address_number": an, "as_of": "2026-04-20" }),
    );

    // Not found, and a request of the wrong shape (dispatch's invalid_request).
    let nf = same(
        &agent,
        &server,
        &local,
        Operation::LookupPerson,
        json!({ "lgcode": "131016", "address_number": "0000000000", "as_of": "2026-04-01" }),
    );
    assert_eq!(nf["code"], "not_found");
    let bad = same(
        &agent,
        &server,
        &local,
        Operation::Assess,
        json!({ "lgcode": "131016", "fiscal_year": "2025" }),
    );
    assert_eq!(bad["code"], "invalid_request");

    // export: the same counts from both.
    let a = same_with(
        &agent,
        &server,
        &local,
        Operation::Export,
        json!({ "dir": "exported", "overwrite": true }),
        json!({ "dir": f.tmp.path().join("exported-local"), "overwrite": true }),
    );
    assert!(f.tmp.path().join("exported/manifest.json").is_file());
    assert_eq!(a["records"]["household"], 30);

    // reset: both remove the same records, and hold nothing after it.
    let removed = same(&agent, &server, &local, Operation::Reset, json!({}));
    assert_eq!(removed["removed"]["household"], 30);
    let gone = same(
        &agent,
        &server,
        &local,
        Operation::LookupPerson,
        json!({ "lgcode": lg, "address_number": an, "as_of": "2026-04-20" }),
    );
    assert_eq!(gone["code"], "not_found");
}

fn assert_target_error(r: &Reply, status: u16, code: &str, item: &str) {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.content_type, "application/json");
    let e: TargetError = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(e.code.name(), code, "{e}");
    assert_eq!(e.item.as_deref(), Some(item), "{e}");
    assert!(!e.message.is_empty());
}

#[test]
fn transport_failures_are_target_errors() {
    let server = Server::start(
        shared(Reference::in_memory().unwrap()),
        Config {
            max_body: 2048,
            ..Config::default()
        },
    );
    let agent = agent();
    let url = server.url("/v1/lookup_person");

    let r = post_raw(
        &agent,
        &server.url("/v2/nothing"),
        "application/json",
        b"{}",
    );
    assert_target_error(&r, 404, "not_found", "path");
    let r = get(&agent, &url);
    assert_target_error(&r, 405, "invalid_request", "method");
    let r = post_raw(&agent, &server.url("/health"), "application/json", b"{}");
    assert_target_error(&r, 405, "invalid_request", "method");
    let r = post_raw(&agent, &url, "text/plain", b"{}");
    assert_target_error(&r, 415, "invalid_request", "content-type");
    let r = reply_without_content_type(&agent, &url);
    assert_target_error(&r, 415, "invalid_request", "content-type");
    let r = post_raw(&agent, &url, "application/json", b"{\"lgcode\": ");
    assert_target_error(&r, 400, "invalid_request", "body");
    let r = post_raw(&agent, &url, "application/json", &[0xff, 0xfe, b'{']);
    assert_target_error(&r, 400, "invalid_request", "body");
    let r = post_raw(&agent, &url, "application/json", b"[1, 2]");
    assert_target_error(&r, 400, "invalid_request", "request");
    // Charset parameters are fine.
    let r = post_raw(
        &agent,
        &url,
        "application/json; charset=utf-8",
        br#"{"lgcode":"131016","address_number":"0000000001","as_of":"2026-04-01"}"#,
    );
    assert_target_error(&r, 404, "not_found", "address_number");

    // Over the body limit: 413.
    let big = format!(
        r#"{{"lgcode":"131016","address_number":"{}","as_of":"2026-04-01"}}"#,
        "1".repeat(4096)
    );
    let r = post_raw(&agent, &url, "application/json", big.as_bytes());
    assert_target_error(&r, 413, "invalid_request", "body");
    // Just under the limit goes through to the target.
    let small = format!(
        r#"{{"lgcode":"131016","address_number":"{}","as_of":"2026-04-01"}}"#,
        "1".repeat(1900)
    );
    let r = post_raw(&agent, &url, "application/json", small.as_bytes());
    assert_ne!(r.status, 413);

    let r = get(&agent, &server.url("/health"));
    assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
    let r = get(&agent, &server.url("/openapi.json"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["openapi"], "3.1.0");
}

fn reply_without_content_type(agent: &ureq::Agent, url: &str) -> Reply {
    let mut r = agent
        .post(url)
        .header("authorization", format!("Bearer {}", crate::TOKEN))
        .send(&b"{}"[..])
        .unwrap();
    Reply {
        status: r.status().as_u16(),
        content_type: r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: r.body_mut().read_to_vec().unwrap(),
    }
}

/// A target whose lookups take `delay`; everything else is a storage error.
struct Slow {
    delay: Duration,
}

fn unsupported<T>() -> Result<T, TargetError> {
    Err(TargetError::new(ErrorCode::Storage, "not in this test"))
}

impl Target for Slow {
    fn import(&self, _: &ImportRequest) -> Result<ImportResponse, TargetError> {
        unsupported()
    }
    fn export(&self, _: &ExportRequest) -> Result<ExportResponse, TargetError> {
        unsupported()
    }
    fn register_event(&self, _: &EventRequest) -> Result<EventResponse, TargetError> {
        unsupported()
    }
    fn lookup_person(&self, _: &PersonQuery) -> Result<PersonResponse, TargetError> {
        std::thread::sleep(self.delay);
        Err(TargetError::new(ErrorCode::NotFound, "slowly not found"))
    }
    fn lookup_household(&self, _: &HouseholdQuery) -> Result<HouseholdResponse, TargetError> {
        unsupported()
    }
    fn assess(&self, _: &AssessRequest) -> Result<AssessResponse, TargetError> {
        unsupported()
    }
    fn high_cost_limit(&self, _: &HighCostRequest) -> Result<HighCostResponse, TargetError> {
        unsupported()
    }
    fn copay_ratio(&self, _: &CopayRequest) -> Result<CopayResponse, TargetError> {
        unsupported()
    }
    fn issue_certificate(
        &self,
        _: &CertificateRequest,
    ) -> Result<CertificateResponse, TargetError> {
        unsupported()
    }
}

#[test]
fn a_request_over_the_timeout_is_503() {
    let server = Server::start(
        Arc::new(Slow {
            delay: Duration::from_millis(1500),
        }),
        Config {
            timeout: Duration::from_millis(200),
            ..Config::default()
        },
    );
    let agent = agent();
    let started = std::time::Instant::now();
    let r = post(
        &agent,
        &server.url("/v1/lookup_person"),
        &json!({ "lgcode": "131016", "address_number": "0000000001", "as_of": "2026-04-01" }),
    );
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
    let e: TargetError = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(e.code, ErrorCode::Storage);
    assert!(e.message.contains("timeout"), "{e}");
    assert!(started.elapsed() < Duration::from_millis(1400));
}
