//! Every adapter of `nhikit-adapters` against the real reference binaries: the same sequence of
//! operations gives the same JSON through `builtin`, `nhikit serve` over HTTP, `nhikit serve
//! --stdio` through the process adapter, and `nhikit reference call` through the files adapter.

use crate::{gen_ok, nhikit, read_json, text, workspace};
use nhikit_adapters::{ConnectOptions, SharedTarget, connect};
use nhikit_target::*;
use serde_json::{Value, json};
use std::path::Path;

fn req<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn as_json<T: serde::Serialize>(r: Result<T, TargetError>) -> Value {
    match r {
        Ok(v) => serde_json::to_value(v).unwrap(),
        Err(e) => json!({ "error": e }),
    }
}

/// The first `n` persons of a JSON Lines dataset.
fn persons(dir: &Path, n: usize) -> Vec<Value> {
    let manifest = read_json(&dir.join("manifest.json"));
    let mut out = Vec::new();
    for f in manifest["files"].as_array().unwrap() {
        if f["entity"] == "person" && f["format"] == "jsonl" {
            let text = std::fs::read_to_string(dir.join(f["path"].as_str().unwrap())).unwrap();
            out.extend(
                text.lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()),
            );
        }
    }
    out.truncate(n);
    assert_eq!(out.len(), n);
    out
}

/// Every operation, successes and errors, as JSON; the export directory's name replaced.
fn sequence(t: &dyn Target, dataset: &Path, export_dir: &Path) -> Vec<Value> {
    let mut out = vec![as_json(t.import(&ImportRequest {
        dataset: Some(dataset.to_owned()),
        files: Vec::new(),
    }))];
    for p in persons(dataset, 3) {
        let (lg, an, hh) = (&p["lgcode"], &p["address_number"], &p["household_number"]);
        let on = |d: &str| -> PersonQuery {
            req(json!({"lgcode": lg, "address_number": an, "as_of": d}))
        };
        out.push(as_json(t.lookup_person(&on("2026-04-01"))));
        out.push(as_json(t.lookup_household(&req(
            json!({"lgcode": lg, "household_number": hh, "as_of": "2026-04-01"}),
        ))));
        out.push(as_json(t.assess(&req(
            json!({"lgcode": lg, "household_number": hh, "fiscal_year": 2026, "rates": "natori"}),
        ))));
        out.push(as_json(
            t.copay_ratio(&req(json!({"lgcode": lg, "address_number": an,
            "service_date": "2026-06-01", "income": {"kourei_members": 1}}))),
        ));
        out.push(as_json(t.issue_certificate(&req(
            json!({"lgcode": lg, "address_number": an, "issue_date": "2026-06-01"}),
        ))));
        out.push(as_json(t.register_event(&req(
            json!({"lgcode": lg, "address_number": an,
            "kind": "loss", "date": "2026-07-01", "reason": "11"}),
        ))));
        out.push(as_json(t.lookup_person(&on("2026-07-01"))));
    }
    out.push(as_json(t.high_cost_limit(&req(json!({
        "service_month": "2026-05", "under70_category": "ウ",
        "claims": [{"person": "A", "age_group": "under70", "setting": "入院",
                    "medical_cost": 1000000, "copay": 300000}]
    })))));
    out.push(as_json(t.lookup_person(&req(
        json!({"lgcode": "131016", "address_number": "0000000000", "as_of": "2026-04-01"}),
    ))));
    for _ in 0..2 {
        out.push(as_json(t.export(&ExportRequest {
            dir: export_dir.to_owned(),
            overwrite: false,
        })));
    }
    let dir = export_dir.display().to_string();
    out.into_iter()
        .map(|v| serde_json::from_str(&v.to_string().replace(&dir, "<export>")).unwrap())
        .collect()
}

fn assert_same(got: &[Value], want: &[Value], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{what}: result {i} differs");
    }
}

#[test]
fn every_adapter_gives_what_builtin_gives() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("ds");
    gen_ok(
        &ds,
        &["--households", "12", "--seed", "11", "--format", "jsonl"],
    );
    let options = ConnectOptions::default();
    let run = |t: SharedTarget, name: &str| sequence(t.as_ref(), &ds, &tmp.path().join(name));

    let want = run(connect("builtin", &options).unwrap(), "builtin");
    let errors = want.iter().filter(|v| v.get("error").is_some()).count();
    assert!(errors >= 2 && errors < want.len() - 10, "{want:#?}");

    let server = crate::Served::start();
    let with_token = ConnectOptions {
        token: Some(crate::TEST_TOKEN.into()),
        ..ConnectOptions::default()
    };
    let got = run(connect(&server.url, &with_token).unwrap(), "http");
    assert_same(&got, &want, "http (nhikit serve)");

    let spec = format!("process:{} serve --stdio", env!("CARGO_BIN_EXE_nhikit"));
    let got = run(connect(&spec, &options).unwrap(), "process");
    assert_same(&got, &want, "process (nhikit serve --stdio)");

    // The files adapter with the example profile's command, nhikit named by its full path.
    let profile = tmp.path().join("files.toml");
    let example =
        std::fs::read_to_string(workspace().join("examples/files-reference/reference.toml"))
            .unwrap();
    // `{nhikit}` is the running nhikit; this test binary is not, so name it by its path.
    let nhikit_path = serde_json::to_string(env!("CARGO_BIN_EXE_nhikit")).unwrap();
    assert!(example.contains("[\"{nhikit}\","), "{example}");
    std::fs::write(
        &profile,
        example.replacen("[\"{nhikit}\",", &format!("[{nhikit_path},"), 1),
    )
    .unwrap();
    let got = run(
        connect(profile.to_str().unwrap(), &options).unwrap(),
        "files",
    );
    assert_same(&got, &want, "files (nhikit reference call)");
    assert!(tmp.path().join("work/ref.db").exists());
}

#[test]
fn reference_call_writes_a_response_or_an_error_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, request, response) = (
        tmp.path().join("ref.db"),
        tmp.path().join("q.json"),
        tmp.path().join("r.json"),
    );
    let call = |op: &str, body: &str| {
        std::fs::write(&request, body).unwrap();
        let o = nhikit(&[
            "reference",
            "call",
            "--db",
            db.to_str().unwrap(),
            "--op",
            op,
            "--request",
            request.to_str().unwrap(),
            "--response",
            response.to_str().unwrap(),
        ]);
        let written = read_json(&response);
        (o, written)
    };
    // docs/target-interface.md's high-cost example: 87,430 yen borne.
    let (o, r) = call(
        "high_cost_limit",
        r#"{"service_month":"2026-05","under70_category":"ウ","claims":[{"person":"A","age_group":"under70","setting":"入院","medical_cost":1000000,"copay":300000}]}"#,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(r["burden"], 87430);
    let (o, r) = call(
        "lookup_person",
        r#"{"lgcode":"131016","address_number":"0000000000","as_of":"2026-04-01"}"#,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(r["error"]["code"], "not_found");
    let (o, r) = call("lookup_person", "{ not json");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(r["error"]["code"], "invalid_request");
    assert_eq!(r["error"]["item"], "request");
    let o = nhikit(&[
        "reference",
        "call",
        "--db",
        db.to_str().unwrap(),
        "--op",
        "lookup",
        "--request",
        request.to_str().unwrap(),
        "--response",
        response.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("lookup_person"), "{}", text(&o));
}
