//! Derivations: every oracle result carries the steps that produced it.

use nhikit_core::Yen;
use serde::Serialize;

/// One step of a computation: which rule was applied, with which parameter, giving what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What this step computes, e.g. `医療分.所得割`.
    pub what: String,
    /// The rule applied, in words, e.g. `所得割 = 旧ただし書き所得 × 所得割率, 100円未満切捨て`.
    pub rule: String,
    /// The parameters used and where they came from, e.g. `所得割率 7.10% (FY2025 example-city)`.
    pub parameters: String,
    /// The amount the step produced, when it produces one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Yen>,
}

/// The ordered steps of one result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Derivation(pub Vec<Step>);

impl Derivation {
    /// Appends a step.
    pub fn push(
        &mut self,
        what: impl Into<String>,
        rule: impl Into<String>,
        parameters: impl Into<String>,
        amount: Option<Yen>,
    ) {
        self.0.push(Step {
            what: what.into(),
            rule: rule.into(),
            parameters: parameters.into(),
            amount,
        });
    }

    /// The derivation in words, one line per step, for `--explain`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.0.iter().enumerate() {
            let amount = s.amount.map(|a| format!(" = {a}")).unwrap_or_default();
            out.push_str(&format!(
                "{:>3}. {}{}\n     rule: {}\n     with: {}\n",
                i + 1,
                s.what,
                amount,
                s.rule,
                s.parameters
            ));
        }
        out
    }
}

/// An amount as Japanese documents print it: `1234567` → `1,234,567円` (negative: `−1,000円`).
pub fn yen_ja(y: Yen) -> String {
    let v = y.0;
    let digits = v.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 4);
    if v < 0 {
        out.push('−');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push('円');
    out
}
