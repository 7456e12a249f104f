//! The wire forms shared by every transport: the operation names, a dispatcher that runs a
//! JSON request against any [`Target`], the HTTP status of each [`ErrorCode`], and the line
//! messages of the process protocol (`docs/adapter-protocol.md`).
//!
//! ```
//! use nhikit_target::wire::{Operation, ProcessRequest};
//! let op: Operation = "lookup_person".parse().unwrap();
//! assert_eq!(op.http_path(), "/v1/lookup_person");
//! let line = r#"{"id":7,"op":"assess","request":{"lgcode":"042072","household_number":"0000000001","fiscal_year":2026}}"#;
//! let req: ProcessRequest = serde_json::from_str(line).unwrap();
//! assert_eq!(req.op, Operation::Assess);
//! ```

use crate::{ErrorCode, ImportRequest, Target, TargetError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// One operation of the [`Target`] interface. The wire name is the snake_case method name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// [`Target::import`]
    Import,
    /// [`Target::export`]
    Export,
    /// [`Target::register_event`]
    RegisterEvent,
    /// [`Target::lookup_person`]
    LookupPerson,
    /// [`Target::lookup_household`]
    LookupHousehold,
    /// [`Target::assess`]
    Assess,
    /// [`Target::high_cost_limit`]
    HighCostLimit,
    /// [`Target::copay_ratio`]
    CopayRatio,
    /// [`Target::issue_certificate`]
    IssueCertificate,
    /// [`Target::reset`] (a test hook, not a standard-spec operation)
    Reset,
}

impl Operation {
    /// Every operation, in the order of the [`Target`] trait.
    pub const ALL: [Operation; 10] = [
        Operation::Import,
        Operation::Export,
        Operation::RegisterEvent,
        Operation::LookupPerson,
        Operation::LookupHousehold,
        Operation::Assess,
        Operation::HighCostLimit,
        Operation::CopayRatio,
        Operation::IssueCertificate,
        Operation::Reset,
    ];

    /// The wire name (`lookup_person`, …).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Import => "import",
            Operation::Export => "export",
            Operation::RegisterEvent => "register_event",
            Operation::LookupPerson => "lookup_person",
            Operation::LookupHousehold => "lookup_household",
            Operation::Assess => "assess",
            Operation::HighCostLimit => "high_cost_limit",
            Operation::CopayRatio => "copay_ratio",
            Operation::IssueCertificate => "issue_certificate",
            Operation::Reset => "reset",
        }
    }

    /// The path of the operation on `nhikit serve` (and the default HTTP mapping):
    /// `POST /v1/<name>` with the request as the JSON body.
    pub fn http_path(self) -> String {
        format!("/v1/{}", self.name())
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Operation {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Operation, TargetError> {
        Operation::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Operation::ALL.iter().map(|o| o.name()).collect();
                TargetError::invalid(
                    "op",
                    format!("unknown operation `{s}`; known: {}", known.join(", ")),
                )
            })
    }
}

/// The HTTP status that carries an error of this code (`nhikit serve` answers with it, and the
/// HTTP adapter expects it under the default mapping).
pub fn http_status(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::InvalidRequest => 400,
        ErrorCode::NotFound => 404,
        ErrorCode::Conflict => 409,
        ErrorCode::ImportRejected
        | ErrorCode::NotInsured
        | ErrorCode::NoRates
        | ErrorCode::Rules => 422,
        ErrorCode::Io | ErrorCode::Storage => 500,
        ErrorCode::Unsupported => 501,
    }
}

fn call<Q: DeserializeOwned, R: Serialize>(
    request: Value,
    f: impl FnOnce(&Q) -> Result<R, TargetError>,
) -> Result<Value, TargetError> {
    let q: Q = serde_json::from_value(request)
        .map_err(|e| TargetError::invalid("request", format!("bad request: {e}")))?;
    let r = f(&q)?;
    serde_json::to_value(r).map_err(|e| {
        TargetError::new(
            ErrorCode::Storage,
            format!("response not serializable: {e}"),
        )
    })
}

/// Runs one JSON request against `target`: parses it as the operation's request type (an
/// unparseable one is [`ErrorCode::InvalidRequest`] blaming `request`), calls the operation,
/// and returns its response as JSON.
pub fn dispatch<T: Target + ?Sized>(
    target: &T,
    op: Operation,
    request: Value,
) -> Result<Value, TargetError> {
    match op {
        Operation::Import => call(request, |q| target.import(q)),
        Operation::Export => call(request, |q| target.export(q)),
        Operation::RegisterEvent => call(request, |q| target.register_event(q)),
        Operation::LookupPerson => call(request, |q| target.lookup_person(q)),
        Operation::LookupHousehold => call(request, |q| target.lookup_household(q)),
        Operation::Assess => call(request, |q| target.assess(q)),
        Operation::HighCostLimit => call(request, |q| target.high_cost_limit(q)),
        Operation::CopayRatio => call(request, |q| target.copay_ratio(q)),
        Operation::IssueCertificate => call(request, |q| target.issue_certificate(q)),
        Operation::Reset => call(request, |q| target.reset(q)),
    }
}

/// The content type of an `import` upload and of an `export` download over HTTP: a tar archive
/// (docs/target-interface.md, "Data on the wire").
pub const ARCHIVE_CONTENT_TYPE: &str = "application/x-tar";
/// The first entry of an `import` upload: the [`ImportRequest`] with archive-relative paths.
pub const ARCHIVE_REQUEST: &str = ".nhikit/request.json";
/// The first entry of an `export` download: the [`ExportResponse`](crate::ExportResponse).
pub const ARCHIVE_RESPONSE: &str = ".nhikit/response.json";

/// One local source of an `import` upload and its name in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadSource {
    /// A dataset directory: every file under it, as `name/<relative path>`.
    Tree {
        /// The directory on the caller's machine.
        local: PathBuf,
        /// Its name in the archive.
        name: String,
    },
    /// One file.
    File {
        /// The file on the caller's machine.
        local: PathBuf,
        /// Its name in the archive.
        name: String,
    },
}

/// How an `import` request travels as an upload: the request as the archive names its files
/// (the archive's first entry, [`ARCHIVE_REQUEST`]) and the local sources to pack.
///
/// A dataset directory becomes `dataset/…`; file `i` becomes `files/<i>/` followed by its path
/// from the first `prefecture=` component on (the partition the import reads from the path),
/// or its bare name. No local path reaches the target.
///
/// ```
/// use nhikit_target::{ImportFile, ImportRequest};
/// use nhikit_target::wire::upload_plan;
/// let r = ImportRequest { files: vec![ImportFile {
///     path: "/home/me/out/csv/person_csv/prefecture=13/part-00000.csv".into(),
///     entity: "person".into(), format: "csv".into(), layout: None }], ..Default::default() };
/// let (sent, _) = upload_plan(&r);
/// assert_eq!(sent.files[0].path.to_str(), Some("files/0/prefecture=13/part-00000.csv"));
/// ```
pub fn upload_plan(request: &ImportRequest) -> (ImportRequest, Vec<UploadSource>) {
    let mut sent = request.clone();
    let mut sources = Vec::new();
    if let Some(d) = &request.dataset {
        sources.push(UploadSource::Tree {
            local: d.clone(),
            name: "dataset".into(),
        });
        sent.dataset = Some(PathBuf::from("dataset"));
    }
    for (i, (f, s)) in request.files.iter().zip(sent.files.iter_mut()).enumerate() {
        let parts: Vec<String> = f
            .path
            .components()
            .filter_map(|c| match c {
                std::path::Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        let from = parts
            .iter()
            .position(|p| p.starts_with("prefecture="))
            .unwrap_or(parts.len().saturating_sub(1));
        let tail = parts.get(from..).unwrap_or_default().join("/");
        let tail = if tail.is_empty() {
            "file".to_owned()
        } else {
            tail
        };
        let name = format!("files/{i}/{tail}");
        sources.push(UploadSource::File {
            local: f.path.clone(),
            name: name.clone(),
        });
        s.path = PathBuf::from(name);
    }
    (sent, sources)
}

/// The request of an unpacked upload with every path resolved by `resolve` (which must refuse
/// a path that leaves the directory the upload was unpacked in).
pub fn resolve_upload<E>(
    mut request: ImportRequest,
    mut resolve: impl FnMut(&Path) -> Result<PathBuf, E>,
) -> Result<ImportRequest, E> {
    if let Some(d) = &request.dataset {
        request.dataset = Some(resolve(d)?);
    }
    for f in &mut request.files {
        f.path = resolve(&f.path)?;
    }
    Ok(request)
}

/// One request line of the process protocol (`docs/adapter-protocol.md`): the caller writes
/// it, with a newline, to the child's stdin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessRequest {
    /// Chosen by the caller; the reply carries it back.
    pub id: u64,
    /// The operation.
    pub op: Operation,
    /// The operation's request (as in `docs/target-interface.md`).
    pub request: Value,
}

/// One reply line of the process protocol: exactly one of `response` and `error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessReply {
    /// The `id` of the request answered.
    pub id: u64,
    /// The operation's response, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// The error, on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TargetError>,
}

impl ProcessReply {
    /// The reply to request `id` carrying `result`.
    pub fn new(id: u64, result: Result<Value, TargetError>) -> ProcessReply {
        match result {
            Ok(v) => ProcessReply {
                id,
                response: Some(v),
                error: None,
            },
            Err(e) => ProcessReply {
                id,
                response: None,
                error: Some(e),
            },
        }
    }

    /// The result the reply carries; a reply with both or neither is an
    /// [`ErrorCode::InvalidRequest`] blaming `reply`.
    pub fn into_result(self) -> Result<Value, TargetError> {
        match (self.response, self.error) {
            (Some(v), None) => Ok(v),
            (None, Some(e)) => Err(e),
            _ => Err(TargetError::invalid(
                "reply",
                "a reply must carry exactly one of `response` and `error`",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for op in Operation::ALL {
            assert_eq!(op.name().parse::<Operation>().ok(), Some(op));
            assert_eq!(
                serde_json::to_value(op).ok(),
                Some(Value::String(op.name().into()))
            );
        }
        let e = "lookup".parse::<Operation>().err().map(|e| e.message);
        assert!(e.is_some_and(|m| m.contains("lookup_person")));
    }

    #[test]
    fn reply_with_both_or_neither_is_invalid() {
        let both = ProcessReply {
            id: 1,
            response: Some(Value::Null),
            error: Some(TargetError::new(ErrorCode::Io, "x")),
        };
        assert_eq!(
            both.into_result().err().map(|e| e.code),
            Some(ErrorCode::InvalidRequest)
        );
        let neither: Result<ProcessReply, _> = serde_json::from_str(r#"{"id":2}"#);
        let neither = neither.map(|r| r.into_result().is_err());
        assert_eq!(neither.ok(), Some(true));
    }

    #[test]
    fn every_error_code_has_a_client_or_server_status() {
        for code in ErrorCode::ALL {
            let s = http_status(code);
            assert!((400..600).contains(&s), "{code}: {s}");
        }
        assert_eq!(http_status(ErrorCode::NotFound), 404);
    }
}
