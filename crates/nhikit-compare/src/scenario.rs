//! A finding's smallest case as a conformance scenario (docs/scenario-format.md): the records of
//! that one household inline, and one step with the request that showed the difference, checked
//! against the oracle (`expect.oracle`, or `expect.equals` with the compare referee's answer for
//! `lookup_household` and `issue_certificate`). It fails against the side the oracle says is
//! wrong and passes against the reference.

use crate::diff::Class;
use crate::{Finding, Options};
use nhikit_conform::data::Rec;
use nhikit_conform::oracle::Answer;
use serde::Serialize;
use serde_json::Value;

/// The requirement catalog the scenarios name (`scenarios/requirements.toml`), written beside
/// them so that they load on their own.
pub(crate) const CATALOG: &str = include_str!("../../../scenarios/requirements.toml");

#[derive(Serialize)]
struct FileOut {
    id: String,
    title: String,
    description: String,
    requirements: Vec<String>,
    tags: Vec<String>,
    data: toml::Table,
    step: Vec<StepOut>,
}

#[derive(Serialize)]
struct StepOut {
    name: String,
    op: String,
    request: toml::Table,
    expect: toml::Table,
}

/// A record as a TOML table (null items left out).
fn table(r: &Rec) -> Option<toml::Table> {
    let mut t = toml::Table::new();
    for (k, v) in r {
        let tv = match v {
            Value::Null => continue,
            Value::String(s) => toml::Value::String(s.clone()),
            Value::Bool(b) => toml::Value::Boolean(*b),
            Value::Number(n) => toml::Value::Integer(n.as_i64()?),
            _ => return None,
        };
        t.insert(k.clone(), tv);
    }
    Some(t)
}

/// JSON without nulls (TOML has none), as a TOML value.
fn no_nulls(v: &Value) -> Option<toml::Value> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => toml::Value::Boolean(*b),
        Value::Number(n) => toml::Value::Integer(n.as_i64()?),
        Value::String(s) => toml::Value::String(s.clone()),
        Value::Array(a) => toml::Value::Array(a.iter().filter_map(no_nulls).collect()),
        Value::Object(m) => toml::Value::Table(
            m.iter()
                .filter_map(|(k, v)| no_nulls(v).map(|v| (k.clone(), v)))
                .collect(),
        ),
    })
}

fn requirement(op: &str) -> &'static str {
    match op {
        "assess" => "PREM-COMPONENTS",
        "lookup_person" => "QUAL-AS-OF",
        "lookup_household" => "HH-HEAD",
        "copay_ratio" => "AGE-70-COPAY",
        "issue_certificate" => "CERTIFICATE",
        "high_cost_limit" => "HIGH-COST",
        _ => "IO-ROUND-TRIP",
    }
}

/// The scenario id of a finding.
pub(crate) fn id(f: &Finding) -> String {
    format!(
        "compare-{}-{}",
        f.id.to_lowercase(),
        f.operation.replace('_', "-")
    )
}

/// The scenario file of a finding, when it has a reproducing case the oracle referees.
pub(crate) fn render(f: &Finding, options: &Options) -> Option<String> {
    if f.class == Class::Unrefereed {
        return None;
    }
    let title = format!(
        "現新比較 {}: {} {} ({}, {})",
        f.id, f.operation, f.item, f.class, f.shape
    );
    let description = format!(
        "Written by `nhikit compare`: the smallest of {} case(s) of this difference. It fails \
         against the system the oracle says is wrong and passes against the reference.",
        f.count
    );
    let mut data = toml::Table::new();
    let step = if f.operation == "export" {
        // An export difference: the generated data it was found on, exported and compared.
        let (seed, households) = options.generated?;
        data.insert(
            "seed".into(),
            toml::Value::Integer(i64::try_from(seed).ok()?),
        );
        data.insert(
            "households".into(),
            toml::Value::Integer(i64::try_from(households).ok()?),
        );
        let mut expect = toml::Table::new();
        expect.insert("round_trip".into(), toml::Value::Boolean(true));
        StepOut {
            name: "export round trip".into(),
            op: "export".into(),
            request: toml::Table::new(),
            expect,
        }
    } else {
        let s = f.smallest.as_ref()?;
        let case = &s.case;
        let rows = |name: &str, recs: &[Rec]| -> Option<(String, toml::Value)> {
            Some((
                name.to_owned(),
                toml::Value::Array(
                    recs.iter()
                        .map(|r| table(r).map(toml::Value::Table))
                        .collect::<Option<Vec<_>>>()?,
                ),
            ))
        };
        for (k, v) in [
            rows("insurer", &case.insurer.iter().cloned().collect::<Vec<_>>())?,
            rows("household", std::slice::from_ref(&case.household))?,
            rows("person", &case.persons)?,
            rows("qualification", &case.qualifications)?,
        ] {
            if v.as_array().is_some_and(|a| !a.is_empty()) {
                data.insert(k, v);
            }
        }
        let request = match no_nulls(&s.request)? {
            toml::Value::Table(t) => t,
            _ => return None,
        };
        let mut expect = toml::Table::new();
        match (f.operation.as_str(), s.oracle.as_ref()?) {
            ("assess" | "copay_ratio" | "high_cost_limit" | "lookup_person", _) => {
                expect.insert("oracle".into(), toml::Value::Boolean(true));
            }
            (_, Answer::Error(code)) => {
                expect.insert("error".into(), toml::Value::String(code.name().into()));
            }
            (_, Answer::Response(v)) => {
                expect.insert("equals".into(), no_nulls(v)?);
                let nulls: Vec<toml::Value> = v
                    .as_object()?
                    .iter()
                    .filter(|(_, x)| x.is_null())
                    .map(|(k, _)| toml::Value::String(k.clone()))
                    .collect();
                if !nulls.is_empty() {
                    expect.insert("null".into(), toml::Value::Array(nulls));
                }
            }
        }
        StepOut {
            name: format!("{} as both systems were asked", f.operation),
            op: f.operation.clone(),
            request,
            expect,
        }
    };
    let out = FileOut {
        id: id(f),
        title,
        description,
        requirements: vec![requirement(&f.operation).into()],
        tags: vec!["compare".into(), f.operation.clone()],
        data,
        step: vec![step],
    };
    toml::to_string(&out).ok()
}
