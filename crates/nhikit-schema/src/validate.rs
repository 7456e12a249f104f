//! Validating records against an entity: every violation, not just the first.

use crate::model::{Entity, Item, ItemType, Schema};
use crate::rules::{ItemFault, item_faults};
use nhikit_core::date::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A value of one item in a record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    /// Absent.
    Null,
    /// Text (also code values).
    Str(String),
    /// A whole number (also yen).
    Int(i64),
    /// A date.
    Date(NaiveDate),
    /// A boolean.
    Bool(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A record: item id → value. Items not present count as null.
pub type Record = BTreeMap<String, Value>;

/// One way a record breaks the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Index of the record in the batch (0 for a single record).
    pub row: usize,
    /// The entity.
    pub entity: String,
    /// The item, or empty for record-level violations.
    pub item: String,
    /// What is wrong, with the expected value or form.
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "row {}: [{}.{}] {}",
            self.row, self.entity, self.item, self.reason
        )
    }
}

impl Entity {
    /// Parses the text form of a value of `item` (as in a CSV cell): empty is null, dates are
    /// ISO `YYYY-MM-DD`, booleans `true`/`false` (or `1`/`0`), integers in decimal.
    pub fn parse_text(item: &Item, text: &str) -> Result<Value, String> {
        if text.is_empty() {
            return Ok(Value::Null);
        }
        match item.ty {
            ItemType::String | ItemType::Code => Ok(Value::Str(text.to_owned())),
            ItemType::Integer | ItemType::Yen => text
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("{text:?} is not a whole number")),
            ItemType::Date => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Value::Date)
                .map_err(|_| format!("{text:?} is not a date in the form YYYY-MM-DD")),
            ItemType::Boolean => match text {
                "true" | "1" => Ok(Value::Bool(true)),
                "false" | "0" => Ok(Value::Bool(false)),
                _ => Err(format!("{text:?} is not a boolean (true/false)")),
            },
        }
    }

    /// Every violation of `record` against this entity: unknown items, missing required
    /// items, wrong types, lengths, character classes, code values, check digits and bounds.
    pub fn validate(&self, schema: &Schema, record: &Record) -> Vec<Violation> {
        let mut out = Vec::new();
        self.validate_into(schema, 0, record, &mut out);
        out
    }

    /// Validates a batch of records: each record as [`Entity::validate`], plus primary-key
    /// uniqueness within the batch.
    pub fn validate_batch(&self, schema: &Schema, records: &[Record]) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut keys: BTreeMap<Vec<Value>, usize> = BTreeMap::new();
        for (row, record) in records.iter().enumerate() {
            self.validate_into(schema, row, record, &mut out);
            let key: Vec<Value> = self
                .primary_key
                .iter()
                .map(|k| record.get(k).cloned().unwrap_or(Value::Null))
                .collect();
            if key.contains(&Value::Null) {
                continue;
            }
            if let Some(first) = keys.get(&key) {
                out.push(Violation {
                    row,
                    entity: self.id.clone(),
                    item: self.primary_key.join("+"),
                    reason: format!(
                        "duplicate primary key ({}) first seen in row {first}",
                        key.iter()
                            .map(Value::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            } else {
                keys.insert(key, row);
            }
        }
        out
    }

    fn validate_into(
        &self,
        schema: &Schema,
        row: usize,
        record: &Record,
        out: &mut Vec<Violation>,
    ) {
        let mut push = |item: &str, reason: String| {
            out.push(Violation {
                row,
                entity: self.id.clone(),
                item: item.to_owned(),
                reason,
            })
        };
        let known: BTreeSet<&str> = self.items.iter().map(|i| i.id.as_str()).collect();
        for key in record.keys() {
            if !known.contains(key.as_str()) {
                push(
                    key,
                    format!("unknown item: entity `{}` has no such item", self.id),
                );
            }
        }
        for item in &self.items {
            let value = record.get(&item.id).unwrap_or(&Value::Null);
            for reason in check_value(schema, item, value) {
                push(&item.id, reason);
            }
        }
    }
}

/// All reasons `value` is not a valid value of `item`: the faults of
/// [`crate::rules::item_faults`] in the words of `nhikit validate`.
fn check_value(schema: &Schema, item: &Item, value: &Value) -> Vec<String> {
    let mut reasons = Vec::new();
    let table = item.code.as_deref().and_then(|t| schema.code_table(t));
    item_faults(item, table, value, |fault| {
        reasons.push(match fault {
            ItemFault::Missing => format!("required ({}) but missing", item.label),
            ItemFault::TooLong { found, max } => {
                format!("{found} characters; at most {max} allowed")
            }
            ItemFault::TooShort { found, min } => {
                format!("{found} characters; at least {min} required")
            }
            ItemFault::Chars(why) => why,
            ItemFault::Check(why) => format!(
                "{value} is not a valid {}: {why}",
                item.check.map_or("", |c| c.name())
            ),
            ItemFault::NotACode => match table {
                Some(t) => format!(
                    "{value} is not a code of {} ({}); allowed: {}",
                    t.id,
                    t.label,
                    t.codes
                        .iter()
                        .map(|c| c.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => format!("{value} is not a code"),
            },
            ItemFault::NoCodeTable => format!(
                "code table `{}` is not in the schema",
                item.code.as_deref().unwrap_or_default()
            ),
            ItemFault::BelowMin(min) => format!("{value} is below the minimum {min}"),
            ItemFault::AboveMax(max) => format!("{value} is above the maximum {max}"),
            ItemFault::WrongType => {
                format!("expected a value of type {}, found {value}", item.ty.name())
            }
        })
    });
    reasons
}
