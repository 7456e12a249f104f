//! Target adapters: every way the suite reaches a system under test, each a
//! [`nhikit_target::Target`]. [`connect`] turns a `--target` argument into one:
//!
//! - `builtin`: the in-process reference (`nhikit-reference`);
//! - `http://HOST:PORT[/base]` or `https://…`: JSON over HTTP with `nhikit serve`'s routes;
//! - `process:COMMAND ARG…`: a child speaking the process protocol on stdin/stdout;
//! - a path to a `*.toml` target profile (`kind = "http" | "process" | "files" | "builtin"`),
//!   which maps a vendor's own HTTP API, starts a child with arguments containing spaces, or
//!   drives a file-based system through commands.
//!
//! Every failure of a transport (a timeout, a child that exits, a body that is not JSON) is a
//! [`TargetError`] of code `io` or `storage` naming the operation, never a panic or a hang.
//! The formats are described in `docs/adapters.md`.
//!
//! ```
//! use nhikit_adapters::{connect, ConnectOptions};
//! use nhikit_target::{HighCostRequest, Target};
//! let target = connect("builtin", &ConnectOptions::default()).unwrap();
//! let request: HighCostRequest = serde_json::from_str(
//!     r#"{ "service_month": "2026-05", "under70_category": "ウ", "claims": [ { "person": "A",
//!          "age_group": "under70", "setting": "入院", "medical_cost": 1000000, "copay": 300000 } ] }"#,
//! ).unwrap();
//! // The worked example of docs/target-interface.md: 87,430 yen borne, the rest refunded.
//! assert_eq!(target.high_cost_limit(&request).unwrap().burden.0, 87_430);
//! ```

mod files;
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod process;
mod profile;
mod template;

pub use profile::Kind;

use nhikit_reference::{Fault, Reference};
use nhikit_target::wire::Operation;
use nhikit_target::{ErrorCode, Target, TargetError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A target that the runners can share between threads.
pub type SharedTarget = Box<dyn Target + Send + Sync>;

/// The per-call timeout when neither the options nor the profile set one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How [`connect`] sets a target up.
#[derive(Clone, Default)]
pub struct ConnectOptions {
    /// Seeded faults of the builtin reference (`--fault NAME`); refused for other kinds.
    pub faults: Vec<String>,
    /// The longest one call may take; `None`: the profile's `timeout_secs`, else
    /// [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// The bearer token for an `http://`/`https://` target (`nhikit serve`'s routes); `None`:
    /// the environment variable `NHIKIT_TOKEN`, when set. Profiles name their own
    /// (`token_env`).
    pub token: Option<String>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("faults", &self.faults)
            .field("timeout", &self.timeout)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why a target could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The `--target` argument is not understood.
    #[error("target `{spec}`: {reason}")]
    Spec {
        /// The argument given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A target profile is unreadable or wrong.
    #[error("{}:{line}:{column}: {key}: {reason}", file.display())]
    Profile {
        /// The profile file.
        file: PathBuf,
        /// 1-based line of the offending key or value (0 when the file cannot be read).
        line: usize,
        /// 1-based column.
        column: usize,
        /// The key (dotted, e.g. `ops.lookup_person.path`), or `profile` for the file.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A file the profile names (CA, certificate, key) cannot be used.
    #[error("{}: {reason}", file.display())]
    File {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An environment variable the profile names is not set (its value is never shown).
    #[error("environment variable `{name}` (named by `{key}`) is not set or not UTF-8")]
    MissingEnv {
        /// The variable.
        name: String,
        /// The profile key naming it.
        key: String,
    },
    /// The target did not answer the probe before a run (refused, closed, timed out, or
    /// answered with something that is not an answer).
    #[error("target `{spec}` does not answer: {reason}")]
    Unreachable {
        /// The `--target` given.
        spec: String,
        /// What happened.
        reason: String,
    },
    /// The profile's `[errors] code` JSON pointer (default `/code`) finds nothing in the
    /// target's JSON error answer: every error would be misread as `invalid_request`, so the
    /// run would report the profile's mistake as the target's failures.
    #[error(
        "{spec}: the error-code pointer `{pointer}` ([errors] code) matches nothing in the \
         target's error answer to a lookup of an unknown person: {body} — every error would be \
         read as `invalid_request`; point [errors] code at the code in that answer \
         (docs/adapters.md)"
    )]
    ErrorPointer {
        /// The `--target` given (a profile, or a URL using nhikit's own routes).
        spec: String,
        /// The JSON pointer in force.
        pointer: String,
        /// The start of the error answer's body.
        body: String,
    },
    /// The child process could not be started.
    #[error("starting `{command}`: {source}")]
    Spawn {
        /// The program.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// The builtin reference could not start.
    #[error("builtin reference: {0}")]
    Reference(#[from] nhikit_reference::Error),
}

/// Opens the target named by `spec`: `builtin`, `http://…` / `https://…`, `process:COMMAND
/// ARG…` (split at whitespace: use a profile for arguments with spaces), or a path to a
/// `*.toml` target profile.
pub fn connect(spec: &str, options: &ConnectOptions) -> Result<SharedTarget, AdapterError> {
    Ok(match open(spec, options)? {
        Opened::Builtin(t) => t,
        Opened::Http(t) => Box::new(Adapted(t)),
        Opened::Process(t) => Box::new(Adapted(t)),
        Opened::Files(t) => Box::new(Adapted(t)),
    })
}

/// Checks, once and before a run, that the target named by `spec` can be reached and answers
/// within the timeout, without changing what it holds: a read of a person that does not exist
/// (`lookup_person` of 000000/0000000000), whose answer — found or an error — only has to
/// arrive. An HTTP target whose error answer is JSON must also carry the error code where the
/// profile's `[errors] code` pointer looks ([`AdapterError::ErrorPointer`] otherwise: every error
/// would be misread as `invalid_request`). A files target is not called (each call is a
/// command of its own).
pub fn probe(spec: &str, options: &ConnectOptions) -> Result<(), AdapterError> {
    let unreachable = |reason: String| AdapterError::Unreachable {
        spec: spec.to_owned(),
        reason,
    };
    match open(spec, options)? {
        Opened::Builtin(_) | Opened::Files(_) => Ok(()),
        Opened::Http(t) => match t.probe(&probe_request()) {
            Ok(()) => Ok(()),
            Err(http::ProbeProblem::Unreachable(reason)) => Err(unreachable(reason)),
            Err(http::ProbeProblem::ErrorPointer { pointer, body }) => {
                Err(AdapterError::ErrorPointer {
                    spec: spec.to_owned(),
                    pointer,
                    body,
                })
            }
        },
        Opened::Process(t) => t.probe(&probe_request()).map_err(unreachable),
    }
}

/// The probe's request: a person no dataset has, so the answer changes nothing.
fn probe_request() -> Value {
    serde_json::json!({
        "lgcode": "000000",
        "address_number": "0000000000",
        "as_of": "2026-04-01",
    })
}

/// A target opened, by transport.
enum Opened {
    Builtin(SharedTarget),
    Http(http::HttpTarget),
    Process(process::ProcessTarget),
    Files(files::FilesTarget),
}

fn open(spec: &str, options: &ConnectOptions) -> Result<Opened, AdapterError> {
    let spec_err = |reason: &str| AdapterError::Spec {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let no_faults = || {
        if options.faults.is_empty() {
            Ok(())
        } else {
            Err(spec_err(
                "--fault switches seeded faults of the builtin reference only",
            ))
        }
    };
    let timeout = options.timeout.unwrap_or(DEFAULT_TIMEOUT);
    if spec == "builtin" {
        return builtin(None, &options.faults).map(Opened::Builtin);
    }
    if spec.starts_with("http://") || spec.starts_with("https://") {
        no_faults()?;
        let token = options.token.clone().or_else(|| {
            std::env::var("NHIKIT_TOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty())
        });
        let t = http::HttpTarget::default_mapping(spec, timeout, token)
            .map_err(|reason| spec_err(&reason))?;
        return Ok(Opened::Http(t));
    }
    if let Some(command) = spec.strip_prefix("process:") {
        no_faults()?;
        let argv: Vec<String> = command.split_whitespace().map(str::to_owned).collect();
        if argv.is_empty() {
            return Err(spec_err(
                "`process:` needs a command, e.g. `process:python3 testee.py`",
            ));
        }
        let t = process::ProcessTarget::spawn(&process::ProcessConfig::new(argv, timeout))?;
        return Ok(Opened::Process(t));
    }
    if spec.ends_with(".toml") {
        return from_profile(Path::new(spec), options);
    }
    Err(spec_err(
        "unknown target; use `builtin`, `http://HOST:PORT[/base]`, `https://…`, \
         `process:COMMAND ARG…` or a target profile `FILE.toml`",
    ))
}

fn builtin(db: Option<&Path>, faults: &[String]) -> Result<SharedTarget, AdapterError> {
    let faults: Vec<Fault> = faults
        .iter()
        .map(|f| f.parse::<Fault>())
        .collect::<Result<_, _>>()?;
    let reference = match db {
        Some(db) => Reference::open(db)?,
        None => Reference::in_memory()?,
    };
    Ok(Box::new(reference.with_faults(&faults)))
}

fn from_profile(path: &Path, options: &ConnectOptions) -> Result<Opened, AdapterError> {
    let profile = profile::Profile::load(path)?;
    if profile.kind() != Kind::Builtin && !options.faults.is_empty() {
        return Err(AdapterError::Spec {
            spec: path.display().to_string(),
            reason: "--fault switches seeded faults of the builtin reference only".into(),
        });
    }
    match profile {
        profile::Profile::Builtin { db, mut faults } => {
            faults.extend(options.faults.iter().cloned());
            builtin(db.as_deref(), &faults).map(Opened::Builtin)
        }
        profile::Profile::Http(p) => {
            let timeout = options.timeout.or(p.timeout).unwrap_or(DEFAULT_TIMEOUT);
            Ok(Opened::Http(http::HttpTarget::from_profile(*p, timeout)?))
        }
        profile::Profile::Process(mut p) => {
            if let Some(t) = options.timeout {
                p.timeout = t;
            }
            Ok(Opened::Process(process::ProcessTarget::spawn(&p)?))
        }
        profile::Profile::Files(mut p) => {
            if let Some(t) = options.timeout {
                p.timeout = t;
            }
            Ok(Opened::Files(files::FilesTarget::new(*p)?))
        }
    }
}

/// A transport that carries one operation's request JSON and brings back its response JSON.
pub(crate) trait Transport {
    /// Runs `op` with `request`; transport failures are [`TargetError`]s naming the operation.
    fn call(&self, op: Operation, request: Value) -> Result<Value, TargetError>;
}

/// A [`Transport`] seen as a [`Target`]: requests serialized, responses checked for shape.
pub(crate) struct Adapted<T>(pub(crate) T);

impl<T: Transport> Adapted<T> {
    fn run<Q: Serialize, R: DeserializeOwned>(
        &self,
        op: Operation,
        request: &Q,
    ) -> Result<R, TargetError> {
        let request = serde_json::to_value(request).map_err(|e| {
            TargetError::invalid(op.name(), format!("{op}: request not serializable: {e}"))
        })?;
        let response = self.0.call(op, request)?;
        serde_json::from_value(response).map_err(|e| {
            TargetError::new(
                ErrorCode::Storage,
                format!("{op}: the target's response does not have the expected shape: {e}"),
            )
            .with_item(op.name())
        })
    }
}

impl<T: Transport> Target for Adapted<T> {
    fn import(
        &self,
        request: &nhikit_target::ImportRequest,
    ) -> Result<nhikit_target::ImportResponse, TargetError> {
        self.run(Operation::Import, request)
    }

    fn export(
        &self,
        request: &nhikit_target::ExportRequest,
    ) -> Result<nhikit_target::ExportResponse, TargetError> {
        self.run(Operation::Export, request)
    }

    fn register_event(
        &self,
        request: &nhikit_target::EventRequest,
    ) -> Result<nhikit_target::EventResponse, TargetError> {
        self.run(Operation::RegisterEvent, request)
    }

    fn lookup_person(
        &self,
        request: &nhikit_target::PersonQuery,
    ) -> Result<nhikit_target::PersonResponse, TargetError> {
        self.run(Operation::LookupPerson, request)
    }

    fn lookup_household(
        &self,
        request: &nhikit_target::HouseholdQuery,
    ) -> Result<nhikit_target::HouseholdResponse, TargetError> {
        self.run(Operation::LookupHousehold, request)
    }

    fn assess(
        &self,
        request: &nhikit_target::AssessRequest,
    ) -> Result<nhikit_target::AssessResponse, TargetError> {
        self.run(Operation::Assess, request)
    }

    fn high_cost_limit(
        &self,
        request: &nhikit_target::HighCostRequest,
    ) -> Result<nhikit_target::HighCostResponse, TargetError> {
        self.run(Operation::HighCostLimit, request)
    }

    fn copay_ratio(
        &self,
        request: &nhikit_target::CopayRequest,
    ) -> Result<nhikit_target::CopayResponse, TargetError> {
        self.run(Operation::CopayRatio, request)
    }

    fn issue_certificate(
        &self,
        request: &nhikit_target::CertificateRequest,
    ) -> Result<nhikit_target::CertificateResponse, TargetError> {
        self.run(Operation::IssueCertificate, request)
    }

    fn reset(
        &self,
        request: &nhikit_target::ResetRequest,
    ) -> Result<nhikit_target::ResetResponse, TargetError> {
        self.run(Operation::Reset, request)
    }
}

/// The environment variable that tells a process or files target's commands which `nhikit`
/// started them (the running executable), so that an adapter delegating to nhikit's reference
/// (`$NHIKIT_BIN serve --stdio`) works without `nhikit` on `PATH`. A profile's own `env` wins.
pub const NHIKIT_BIN: &str = "NHIKIT_BIN";

/// The running executable when it is `nhikit` itself (not a test or another program using this
/// library): the value of `{nhikit}` in a files command and of [`NHIKIT_BIN`].
pub(crate) fn nhikit_bin() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let stem = exe.file_stem()?.to_str()?;
    (stem == "nhikit").then(|| exe.display().to_string())
}

/// An `io` error of a transport, blaming the operation.
pub(crate) fn io_error(op: Operation, message: impl Into<String>) -> TargetError {
    TargetError::new(ErrorCode::Io, message).with_item(op.name())
}

/// A `storage` error of a target's answer, blaming the operation.
pub(crate) fn storage_error(op: Operation, message: impl Into<String>) -> TargetError {
    TargetError::new(ErrorCode::Storage, message).with_item(op.name())
}

/// At most `max` bytes of `text` (cut at a character boundary), for error messages.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
