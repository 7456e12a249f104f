//! Entry points for the fuzz targets in `fuzz/` (`docs/fuzzing.md`): the adapters' decoding of
//! a target's answers, without a child process or a socket. Not a stable API.

use crate::{Adapted, Transport, http, process, profile};
use nhikit_target::TargetError;
use nhikit_target::wire::Operation;
use serde_json::Value;

/// Answers every call with one decoded result.
struct Canned(Result<Value, TargetError>);

impl Transport for Canned {
    fn call(&self, _op: Operation, _request: Value) -> Result<Value, TargetError> {
        self.0.clone()
    }
}

/// Runs `op` through [`Adapted`] on the decoded `result`, so the shape check is the one the
/// adapters use; returns the error text, if any (rendering it is part of the test).
fn typed(op: Operation, result: Result<Value, TargetError>) -> Result<(), String> {
    use nhikit_target as t;
    let a = Adapted(Canned(result));
    let q = Value::Null;
    let r = match op {
        Operation::Import => a.run::<_, t::ImportResponse>(op, &q).map(drop),
        Operation::Export => a.run::<_, t::ExportResponse>(op, &q).map(drop),
        Operation::RegisterEvent => a.run::<_, t::EventResponse>(op, &q).map(drop),
        Operation::LookupPerson => a.run::<_, t::PersonResponse>(op, &q).map(drop),
        Operation::LookupHousehold => a.run::<_, t::HouseholdResponse>(op, &q).map(drop),
        Operation::Assess => a.run::<_, t::AssessResponse>(op, &q).map(drop),
        Operation::HighCostLimit => a.run::<_, t::HighCostResponse>(op, &q).map(drop),
        Operation::CopayRatio => a.run::<_, t::CopayResponse>(op, &q).map(drop),
        Operation::IssueCertificate => a.run::<_, t::CertificateResponse>(op, &q).map(drop),
        Operation::Reset => a.run::<_, t::ResetResponse>(op, &q).map(drop),
    };
    r.map_err(|e| e.to_string())
}

/// The process adapter's decoding of `line` as the reply to request 1 of `op`, then the
/// response's shape. `Err` holds the reason the run would record.
pub fn process_reply(op: Operation, line: &[u8]) -> Result<(), String> {
    let result = process::decode_reply(op, 1, line)?;
    typed(op, result)
}

/// The HTTP adapter's decoding of an answer with `status` and `body` under the default
/// mapping of `op`, then the response's shape.
pub fn http_response(op: Operation, status: u16, body: &str) -> Result<(), String> {
    let m = profile::OpMapping::default_for(op, &profile::ErrorMapping::default());
    let result = http::decode_response(op, "fuzz", status, body, &m);
    typed(op, result)
}
