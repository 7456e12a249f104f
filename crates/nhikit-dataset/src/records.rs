//! What verify and scan share: records collected flat (one `Value` per item, no item names)
//! so a part can be held and compared cheaply, and how values compare and show.

use nhikit_core::date::NaiveDate;
use nhikit_schema::{RowWriter, Value};

/// Records of one entity as a flat list of values, `width` per record: a [`RowWriter`] that
/// holds a part's records for comparison.
#[derive(Debug, Clone)]
pub struct FlatRows {
    width: usize,
    values: Vec<Value>,
}

impl FlatRows {
    /// No records yet, `width` values (items) per record.
    pub fn new(width: usize) -> FlatRows {
        FlatRows {
            width,
            values: Vec::new(),
        }
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether there is no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record `i` (0-based; panics past [`FlatRows::len`]).
    pub fn row(&self, i: usize) -> &[Value] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
}

impl RowWriter for FlatRows {
    fn null(&mut self) {
        self.values.push(Value::Null);
    }
    fn str(&mut self, value: &str) {
        self.values.push(Value::Str(value.to_owned()));
    }
    fn int(&mut self, value: i64) {
        self.values.push(Value::Int(value));
    }
    fn date(&mut self, value: NaiveDate) {
        self.values.push(Value::Date(value));
    }
    fn bool(&mut self, value: bool) {
        self.values.push(Value::Bool(value));
    }
    fn end_row(&mut self) {
        // Keep rows aligned even if a generator wrote too few or too many values.
        let rem = self.values.len() % self.width.max(1);
        if rem != 0 {
            let target = self.values.len() - rem + self.width;
            self.values.resize(target, Value::Null);
        }
    }
}

/// A value as a text cell compares it: an empty string is null (CSV cannot tell them apart).
pub(crate) fn text_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(s), Value::Null) | (Value::Null, Value::Str(s)) => s.is_empty(),
        _ => a == b,
    }
}

/// A short display of a value: `null`, a quoted string (Japanese text, full-width spaces
/// included, shown as is; only quotes, backslashes and control characters escaped), a number
/// or a date.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if c.is_control() => out.extend(c.escape_default()),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}
