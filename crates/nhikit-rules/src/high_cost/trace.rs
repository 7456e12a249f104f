//! Optional derivations: the hot path (the generator computing millions of values) skips them.

use crate::explain::Derivation;

/// A derivation that is only built when asked for.
pub(crate) struct Trace {
    pub(crate) on: bool,
    pub(crate) der: Derivation,
}

impl Trace {
    /// A trace that records steps when `on`.
    pub(crate) fn new(on: bool) -> Trace {
        Trace {
            on,
            der: Derivation::default(),
        }
    }
}

/// Pushes a step onto a [`Trace`]; the arguments (often `format!`s) are evaluated only when
/// the trace is on.
macro_rules! step {
    ($tr:expr, $what:expr, $rule:expr, $params:expr, $amount:expr $(,)?) => {
        if $tr.on {
            $tr.der.push($what, $rule, $params, $amount);
        }
    };
}

pub(crate) use step;
