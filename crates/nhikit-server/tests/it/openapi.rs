//! The OpenAPI document against independent JSON: the hand-written examples of
//! docs/target-interface.md and the real responses of a served reference are validated against
//! the path's schemas by a small JSON Schema validator (the keywords schemars emits; an unknown
//! keyword fails the test rather than being skipped).

use crate::*;
use nhikit_server::Config;
use nhikit_target::wire::Operation;
use serde_json::json;

/// Validates `v` against `schema` (resolving `#/components/schemas/…` in `doc`); returns the
/// violations as `path: reason`.
fn validate(doc: &Value, schema: &Value, v: &Value, path: &str, out: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        match schema {
            Value::Bool(true) => {}
            _ => out.push(format!("{path}: schema {schema} refuses everything")),
        }
        return;
    };
    for (k, kw) in s {
        match k.as_str() {
            "$ref" => {
                let name = kw
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    .unwrap_or_else(|| panic!("unsupported $ref {kw}"));
                let target = &doc["components"]["schemas"][name];
                assert!(target.is_object(), "dangling $ref {name}");
                validate(doc, target, v, path, out);
            }
            "type" => {
                let types: Vec<&str> = match kw {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => panic!("bad type {kw}"),
                };
                let ok = types.iter().any(|t| match *t {
                    "object" => v.is_object(),
                    "array" => v.is_array(),
                    "string" => v.is_string(),
                    "boolean" => v.is_boolean(),
                    "null" => v.is_null(),
                    "integer" => v.is_i64() || v.is_u64(),
                    "number" => v.is_number(),
                    other => panic!("unknown type {other}"),
                });
                if !ok {
                    out.push(format!("{path}: {v} is not of type {kw}"));
                }
            }
            "properties" => {
                if let Some(o) = v.as_object() {
                    for (p, ps) in kw.as_object().unwrap() {
                        if let Some(pv) = o.get(p) {
                            validate(doc, ps, pv, &format!("{path}.{p}"), out);
                        }
                    }
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for r in kw.as_array().unwrap() {
                        if !o.contains_key(r.as_str().unwrap()) {
                            out.push(format!("{path}: required {r} missing"));
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = v.as_object() {
                    let known = s.get("properties").and_then(Value::as_object);
                    for (p, pv) in o {
                        if known.is_some_and(|k| k.contains_key(p)) {
                            continue;
                        }
                        validate(doc, kw, pv, &format!("{path}.{p}"), out);
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, item) in a.iter().enumerate() {
                        validate(doc, kw, item, &format!("{path}[{i}]"), out);
                    }
                }
            }
            "enum" => {
                if !kw.as_array().unwrap().contains(v) {
                    out.push(format!("{path}: {v} not in {kw}"));
                }
            }
            "const" => {
                if kw != v {
                    out.push(format!("{path}: {v} is not {kw}"));
                }
            }
            "oneOf" | "anyOf" => {
                let passing = kw
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|sub| {
                        let mut o = Vec::new();
                        validate(doc, sub, v, path, &mut o);
                        o.is_empty()
                    })
                    .count();
                if passing == 0 || (k == "oneOf" && passing > 1) {
                    out.push(format!("{path}: {v} matches {passing} of {k}"));
                }
            }
            "allOf" => {
                for sub in kw.as_array().unwrap() {
                    validate(doc, sub, v, path, out);
                }
            }
            "minimum" => {
                if v.as_f64().is_some_and(|n| n < kw.as_f64().unwrap()) {
                    out.push(format!("{path}: {v} < {kw}"));
                }
            }
            "maximum" => {
                if v.as_f64().is_some_and(|n| n > kw.as_f64().unwrap()) {
                    out.push(format!("{path}: {v} > {kw}"));
                }
            }
            "format" => match (kw.as_str().unwrap(), v.as_str()) {
                ("date", Some(d)) => {
                    if nhikit_core::date::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                        out.push(format!("{path}: {d} is not a date"));
                    }
                }
                ("date", None) => {}
                // Integer formats (int32, uint64 …) are ranges that serde already enforces.
                (f, _) if f.starts_with("int") || f.starts_with("uint") => {}
                (f, _) => panic!("unknown format {f}"),
            },
            "description" | "title" | "default" | "examples" => {}
            other => panic!("validator does not know keyword {other} (in {path})"),
        }
    }
}

fn violations(doc: &Value, schema: &Value, v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    validate(doc, schema, v, "$", &mut out);
    out
}

fn request_schema(doc: &Value, op: Operation) -> Value {
    doc["paths"][op.http_path()]["post"]["requestBody"]["content"]["application/json"]["schema"]
        .clone()
}

fn response_schema(doc: &Value, op: Operation, status: u16) -> Value {
    let s = doc["paths"][op.http_path()]["post"]["responses"][status.to_string()]["content"]
        ["application/json"]["schema"]
        .clone();
    assert!(s.is_object(), "{op}: status {status} not documented");
    s
}

/// The examples of docs/target-interface.md as (kind, name, JSON).
fn doc_examples() -> Vec<(String, String, Value)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/target-interface.md"),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(marker) = line
            .strip_prefix("<!-- target-example ")
            .and_then(|m| m.strip_suffix(" -->"))
        else {
            continue;
        };
        assert_eq!(lines.next(), Some("```json"));
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        let mut words = marker.split(' ');
        let kind = words.next().unwrap().to_owned();
        let name = words.next().unwrap_or_default().to_owned();
        out.push((kind, name, serde_json::from_str(&body.join("\n")).unwrap()));
    }
    out
}

fn example_op(name: &str) -> Operation {
    match name {
        "import" | "import-files" => Operation::Import,
        "export" => Operation::Export,
        n if n.starts_with("event") => Operation::RegisterEvent,
        "person" | "person-mynumber" => Operation::LookupPerson,
        "household" => Operation::LookupHousehold,
        "assess" => Operation::Assess,
        "high-cost" => Operation::HighCostLimit,
        "copay" => Operation::CopayRatio,
        "certificate" => Operation::IssueCertificate,
        other => panic!("unknown example {other}"),
    }
}

#[test]
fn docs_examples_validate_against_the_document() {
    let doc = nhikit_server::openapi();
    let examples = doc_examples();
    assert!(examples.len() >= 20);
    for (kind, name, v) in &examples {
        let schema = match kind.as_str() {
            "request" => request_schema(&doc, example_op(name)),
            "response" => response_schema(&doc, example_op(name), 200),
            "error" => response_schema(&doc, Operation::Import, 422),
            other => panic!("unknown kind {other}"),
        };
        let bad = violations(&doc, &schema, v);
        assert!(bad.is_empty(), "{kind} {name}: {bad:?}");
    }
    // And the validator does refuse: an unknown field, a bad date, a missing item, a wrong enum.
    let person = request_schema(&doc, Operation::LookupPerson);
    for wrong in [
        json!({ "lgcode": "131016", "address_number": "1", "as_of": "2026-04-01", "x": 1 }),
        json!({ "lgcode": "131016", "address_number": "1", "as_of": "2026-02-30" }),
        json!({ "lgcode": "131016", "address_number": "1" }),
    ] {
        assert!(!violations(&doc, &person, &wrong).is_empty(), "{wrong}");
    }
    let event = request_schema(&doc, Operation::RegisterEvent);
    let wrong =
        json!({ "lgcode": "131016", "address_number": "1", "kind": "death", "date": "2026-04-01" });
    assert!(!violations(&doc, &event, &wrong).is_empty());
}

#[test]
fn real_responses_validate_against_the_document() {
    let f = fixture(20);
    let server = Server::start(
        shared(Reference::in_memory().unwrap()),
        Config {
            data_dir: Some(f.tmp.path().to_owned()),
            ..Config::default()
        },
    );
    let doc = get(&agent(), &server.url("/openapi.json")).json();
    assert_eq!(doc, nhikit_server::openapi());
    let agent = agent();
    let mut checked = std::collections::BTreeMap::<(Operation, u16), usize>::new();
    let mut check = |op: Operation, request: Value| {
        let req_bad = violations(&doc, &request_schema(&doc, op), &request);
        let r = post(&agent, &server.url(&op.http_path()), &request);
        let body = r.json();
        let bad = violations(&doc, &response_schema(&doc, op, r.status), &body);
        assert!(
            bad.is_empty(),
            "{op} {request} → {} {body}: {bad:?}",
            r.status
        );
        // A request the schema accepts is never refused as malformed, and the reverse.
        if r.status == 400 {
            assert!(
                !req_bad.is_empty(),
                "{op} {request}: 400 but schema-valid: {body}"
            );
        } else {
            assert!(req_bad.is_empty(), "{op} {request}: {req_bad:?}");
        }
        *checked.entry((op, r.status)).or_default() += 1;
    };
    check(Operation::Import, json!({ "dataset": "ds" }));
    for q in records(&f, "qualification") {
        for (op, request) in crate::http::read_requests(&q) {
            check(op, request);
        }
    }
    check(
        Operation::HighCostLimit,
        json!({ "service_month": "2026-05", "over70_category": "一般",
                "claims": [{ "person": "A", "age_group": "70to74", "setting": "外来",
                             "medical_cost": 200_000, "copay": 40_000 }] }),
    );
    check(
        Operation::Export,
        json!({ "dir": "out", "overwrite": true }),
    );
    check(Operation::Import, json!({ "dataset": "none" }));
    check(Operation::Assess, json!({ "lgcode": "131016" }));
    let q = records(&f, "qualification")
        .into_iter()
        .find(|q| q["loss_date"].is_null())
        .unwrap();
    let loss = json!({ "lgcode": q["lgcode"], "address_number": q["address_number"],
                       "kind": "loss", "date": "2026-05-01", "reason": "11" });
    check(Operation::RegisterEvent, loss.clone());
    check(Operation::RegisterEvent, loss);
    check(Operation::Reset, json!({}));
    for op in Operation::ALL {
        assert!(
            checked.keys().any(|(o, s)| *o == op && *s == 200),
            "{op} never answered 200: {checked:?}"
        );
    }
    assert!(checked.keys().any(|(_, s)| *s == 409), "{checked:?}");
}
