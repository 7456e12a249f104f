//! Target adapters: every way the suite reaches a system under test, each a
//! [`nhikit_target::Target`]. [`connect`] turns a `--target` argument into one.

use nhikit_reference::{Fault, Reference};
use nhikit_target::Target;

/// A target that the runners can share between threads.
pub type SharedTarget = Box<dyn Target + Send + Sync>;

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
    /// The builtin reference could not start.
    #[error("builtin reference: {0}")]
    Reference(#[from] nhikit_reference::Error),
}

/// Opens the target named by `spec`: `builtin` (the in-process reference, with `faults`
/// switched on).
pub fn connect(spec: &str, faults: &[String]) -> Result<SharedTarget, AdapterError> {
    match spec {
        "builtin" => {
            let faults: Vec<Fault> = faults
                .iter()
                .map(|f| f.parse::<Fault>())
                .collect::<Result<_, _>>()?;
            Ok(Box::new(Reference::in_memory()?.with_faults(&faults)))
        }
        _ => Err(AdapterError::Spec {
            spec: spec.to_owned(),
            reason: "unknown target; use `builtin`".into(),
        }),
    }
}
