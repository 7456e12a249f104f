//! The unique keys (`primary_key`) and references (`[[entity.references]]`) the schema
//! declares, enforced once: a [`KeyIndex`] is fed the records of a dataset entity by entity
//! and reports every duplicate primary key and every reference that does not resolve.
//! `nhikit validate` (nhikit-dataset) and the reference target's import (nhikit-reference)
//! both use it and only word the result ([`RuleKind::UniqueKey`](crate::rules::RuleKind),
//! [`RuleKind::Reference`](crate::rules::RuleKind)).
//!
//! What a declaration means:
//! - a reference whose items are not all present is not checked (as a foreign key in SQL):
//!   an absent item is the item rules' concern (`nullable`);
//! - a reference to an entity declared `optional` in the reference is checked only when the
//!   dataset holds records of that entity (`nhikit gen --with` leaves some out).
//!
//! The index keeps, per record, the 128-bit hash of its primary key and where it is (the
//! caller's place type `P`), and, per reference that does not resolve when its record is fed,
//! the hash, the place and the values as text, to check again at the end (the targets only
//! grow: a reference that resolves when fed resolves at the end too). Feeding the referenced
//! entities first ([`KeyIndex::feed_order`]) keeps that list short.
//!
//! ```
//! use nhikit_schema::keys::{KeyFault, KeyIndex};
//! use nhikit_schema::Value;
//! let schema = nhikit_schema::load_texts([
//!     ("nhikit-schema.toml", "[schema]\nname = \"demo\"\nversion = \"1\"\n"),
//!     ("entities/household.toml", r#"
//! [entity]
//! id = "household"
//! label = "世帯"
//! primary_key = ["number"]
//! [[item]]
//! id = "number"
//! label = "世帯番号"
//! type = "string"
//! length = 10
//! chars = "digits"
//! "#),
//!     ("entities/person.toml", r#"
//! [entity]
//! id = "person"
//! label = "個人"
//! primary_key = ["id"]
//! [[entity.references]]
//! items = ["household"]
//! entity = "household"
//! [[item]]
//! id = "id"
//! label = "宛名番号"
//! type = "string"
//! length = 10
//! chars = "digits"
//! [[item]]
//! id = "household"
//! label = "世帯番号"
//! type = "string"
//! length = 10
//! chars = "digits"
//! "#),
//! ]).unwrap();
//! let mut index = KeyIndex::new(&schema);
//! let text = |s: &str| Value::Str(s.into());
//! let household = [text("1")];
//! let person = [text("7"), text("2")];
//! let mut faults = Vec::new();
//! index.feed("household", 1, |i| household.get(i), |_, f| faults.push(f.to_string()));
//! index.feed("person", 2, |i| person.get(i), |_, f| faults.push(f.to_string()));
//! index.finish(|at, f| faults.push(format!("{at}: {f}")));
//! assert_eq!(faults, ["2: household 2 does not exist"]);
//! ```

use crate::model::{Entity, Reference, Schema};
use crate::validate::Value;
use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// The XXH3-128 hash of a key's values, kept instead of the values (16 bytes). Two different
/// keys share a hash with a probability of 2^-128 a pair, about 10^-25 for the 10^7 records of
/// a prefecture, so a hash seen before is taken for the same key without comparing values: a
/// collision could only report a false duplicate or resolve a reference falsely, never more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash([u64; 2]);

/// The [`KeyHash`] of `values` (absent is null), each written with its type and, for text,
/// its length, so that different keys hash different bytes; `buf` is reused between records.
pub fn key_hash<'a>(values: impl Iterator<Item = Option<&'a Value>>, buf: &mut Vec<u8>) -> KeyHash {
    use nhikit_core::date::NaiveDate;
    buf.clear();
    for value in values {
        match value {
            None | Some(Value::Null) => buf.push(0),
            Some(Value::Str(s)) => {
                buf.push(1);
                buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
                buf.extend_from_slice(s.as_bytes());
            }
            Some(Value::Int(n)) => {
                buf.push(2);
                buf.extend_from_slice(&n.to_le_bytes());
            }
            Some(Value::Date(d)) => {
                buf.push(3);
                let days = d.signed_duration_since(NaiveDate::MIN).num_days();
                buf.extend_from_slice(&days.to_le_bytes());
            }
            Some(Value::Bool(b)) => buf.extend_from_slice(&[4, u8::from(*b)]),
        }
    }
    let h = twox_hash::XxHash3_128::oneshot(buf);
    KeyHash([h as u64, (h >> 64) as u64])
}

/// A declared key rule broken by a record.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeyFault<'s, P> {
    /// The record's primary key was seen before, at `first`.
    Duplicate {
        /// The entity.
        entity: &'s Entity,
        /// Where the first record with this key is.
        first: P,
    },
    /// The record's reference names no record of the referenced entity.
    Unresolved {
        /// The referencing entity.
        entity: &'s Entity,
        /// The declaration.
        reference: &'s Reference,
        /// The values of the reference's items, `/` between them.
        values: String,
    },
}

impl<P> KeyFault<'_, P> {
    /// The entity and items the fault is about, as reports name them: `person.lgcode+household_number`.
    pub fn item(&self) -> String {
        match self {
            KeyFault::Duplicate { entity, .. } => {
                format!("{}.{}", entity.id, entity.primary_key.join("+"))
            }
            KeyFault::Unresolved {
                entity, reference, ..
            } => format!("{}.{}", entity.id, reference.items.join("+")),
        }
    }

    /// The rule kind: [`RuleKind::UniqueKey`](crate::rules::RuleKind::UniqueKey) or
    /// [`RuleKind::Reference`](crate::rules::RuleKind::Reference).
    pub fn kind(&self) -> crate::rules::RuleKind {
        match self {
            KeyFault::Duplicate { .. } => crate::rules::RuleKind::UniqueKey,
            KeyFault::Unresolved { .. } => crate::rules::RuleKind::Reference,
        }
    }
}

/// The message of an unresolved reference: `household 131016/0000000001 does not exist`.
pub fn unresolved_message(reference: &Reference, values: &str) -> String {
    format!("{} {values} does not exist", reference.entity)
}

impl<P> fmt::Display for KeyFault<'_, P> {
    /// The message, without the place of a duplicate's first record (the caller's to word).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyFault::Duplicate { .. } => f.write_str("duplicate primary key"),
            KeyFault::Unresolved {
                reference, values, ..
            } => f.write_str(&unresolved_message(reference, values)),
        }
    }
}

/// Writes `value` as a key value shows in a message: text as is, numbers, dates, booleans.
pub fn write_value(out: &mut String, value: &Value) {
    // Writing into a String cannot fail.
    let _ = match value {
        Value::Null => Ok(()),
        Value::Str(s) => out.write_str(s),
        Value::Int(n) => write!(out, "{n}"),
        Value::Date(d) => write!(out, "{d}"),
        Value::Bool(b) => write!(out, "{b}"),
    };
}

/// A reference resolved to positions: the referencing items and the referenced entity.
#[derive(Debug)]
struct Ref<'s> {
    reference: &'s Reference,
    items: Vec<usize>,
    target: usize,
}

/// One entity's declarations resolved to item positions.
#[derive(Debug)]
struct Keys<'s> {
    entity: &'s Entity,
    key: Vec<usize>,
    refs: Vec<Ref<'s>>,
}

/// A reference that did not resolve when its record was fed.
#[derive(Debug)]
struct Pending<P> {
    at: P,
    entity: u32,
    reference: u32,
    hash: KeyHash,
    values: Box<str>,
}

/// The primary keys of a dataset's records and its references still to resolve (see the
/// module documentation). `P` is the caller's place of a record (a file and row, an ordinal).
#[derive(Debug)]
pub struct KeyIndex<'s, P> {
    entities: Vec<Keys<'s>>,
    /// Per entity (as in `entities`): the hash of each primary key seen → where it was first.
    seen: Vec<HashMap<KeyHash, P>>,
    pending: Vec<Pending<P>>,
    buf: Vec<u8>,
}

impl<'s, P: Copy + Ord> KeyIndex<'s, P> {
    /// An empty index of the declarations of `schema`. A declaration naming an item or entity
    /// the schema does not have (which loading refuses) is left out.
    pub fn new(schema: &'s Schema) -> KeyIndex<'s, P> {
        let position = |e: &Entity, id: &str| e.items.iter().position(|i| i.id == id);
        let entities: Vec<Keys<'s>> = schema
            .entities
            .iter()
            .map(|entity| Keys {
                entity,
                key: entity
                    .primary_key
                    .iter()
                    .filter_map(|k| position(entity, k))
                    .collect(),
                refs: entity
                    .references
                    .iter()
                    .filter_map(|r| {
                        let items = r
                            .items
                            .iter()
                            .map(|i| position(entity, i))
                            .collect::<Option<Vec<_>>>()?;
                        let target = schema.entities.iter().position(|t| t.id == r.entity)?;
                        Some(Ref {
                            reference: r,
                            items,
                            target,
                        })
                    })
                    .collect(),
            })
            .collect();
        KeyIndex {
            seen: entities.iter().map(|_| HashMap::new()).collect(),
            entities,
            pending: Vec::new(),
            buf: Vec::new(),
        }
    }

    /// The entity ids of `schema` in an order that feeds every referenced entity before the
    /// entities referring to it, where the references allow (a cycle, as between household and
    /// person, is broken at the entity first by id); otherwise by id.
    pub fn feed_order(schema: &Schema) -> Vec<&str> {
        let mut done: Vec<&str> = Vec::with_capacity(schema.entities.len());
        let mut left: Vec<&Entity> = schema.entities.iter().collect();
        left.sort_by(|a, b| a.id.cmp(&b.id));
        while !left.is_empty() {
            let ready = |e: &Entity| {
                e.references.iter().all(|r| {
                    r.entity == e.id
                        || done.contains(&r.entity.as_str())
                        || schema.entity(&r.entity).is_none()
                })
            };
            let next = left.iter().position(|e| ready(e)).unwrap_or(0);
            done.push(left.remove(next).id.as_str());
        }
        done
    }

    /// Feeds one record of `entity`: `value(i)` is the value of its item at position `i` (in
    /// the entity's item order; `None` when absent). Calls `fault` with a duplicate primary key
    /// (the key stays that of its first record); the references that do not resolve yet are
    /// kept for [`KeyIndex::finish`]. An entity the schema does not have is ignored.
    pub fn feed<'v>(
        &mut self,
        entity: &str,
        at: P,
        value: impl Fn(usize) -> Option<&'v Value>,
        mut fault: impl FnMut(P, KeyFault<'s, P>),
    ) {
        let Some(e) = self.entities.iter().position(|k| k.entity.id == entity) else {
            return;
        };
        let keys = &self.entities[e];
        let hash = key_hash(keys.key.iter().map(|&i| value(i)), &mut self.buf);
        match self.seen[e].get(&hash) {
            Some(&first) => fault(
                at,
                KeyFault::Duplicate {
                    entity: keys.entity,
                    first,
                },
            ),
            None => {
                self.seen[e].insert(hash, at);
            }
        }
        for (n, r) in keys.refs.iter().enumerate() {
            let present = r
                .items
                .iter()
                .all(|&i| !matches!(value(i), None | Some(Value::Null)));
            if !present {
                continue;
            }
            let hash = key_hash(r.items.iter().map(|&i| value(i)), &mut self.buf);
            if self.seen[r.target].contains_key(&hash) {
                continue;
            }
            let mut values = String::new();
            for (k, &i) in r.items.iter().enumerate() {
                if k > 0 {
                    values.push('/');
                }
                if let Some(v) = value(i) {
                    write_value(&mut values, v);
                }
            }
            self.pending.push(Pending {
                at,
                entity: e as u32,
                reference: n as u32,
                hash,
                values: values.into(),
            });
        }
    }

    /// Whether any record of `entity` has been fed.
    pub fn holds(&self, entity: &str) -> bool {
        self.entities
            .iter()
            .position(|k| k.entity.id == entity)
            .is_some_and(|e| !self.seen[e].is_empty())
    }

    /// Calls `fault` for every reference that still does not resolve, in the order of the
    /// places of their records (and of declaration within a record). A reference declared
    /// `optional` to an entity of which no record was fed is not reported.
    pub fn finish(self, mut fault: impl FnMut(P, KeyFault<'s, P>)) {
        let KeyIndex {
            entities,
            seen,
            mut pending,
            ..
        } = self;
        pending.sort_by_key(|p| (p.at, p.reference));
        for p in pending {
            let keys = &entities[p.entity as usize];
            let r = &keys.refs[p.reference as usize];
            let target = &seen[r.target];
            if target.contains_key(&p.hash) || (r.reference.optional && target.is_empty()) {
                continue;
            }
            fault(
                p.at,
                KeyFault::Unresolved {
                    entity: keys.entity,
                    reference: r.reference,
                    values: p.values.into(),
                },
            );
        }
    }
}
