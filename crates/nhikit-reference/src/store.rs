//! Tables derived from the schema's entities, value encoding, and the per-record checks.

use nhikit_core::date::NaiveDate;
use nhikit_schema::rules::{EntityRules, ItemFault, ItemRule, RuleKind};
use nhikit_schema::{Entity, Item, ItemType, Record, Schema, Value, names};
use nhikit_target::RejectionCode;
use rusqlite::Connection;

/// The table of an entity.
pub(crate) fn table(entity: &str) -> String {
    format!("\"e_{entity}\"")
}

/// A quoted column name.
pub(crate) fn col(item: &str) -> String {
    format!("\"{item}\"")
}

/// Creates `_files` and one table per entity, with the indexes the lookups use.
pub(crate) fn create_tables(conn: &Connection, schema: &Schema) -> rusqlite::Result<()> {
    let mut sql = String::from(
        "CREATE TABLE IF NOT EXISTS _files (id INTEGER PRIMARY KEY, path TEXT NOT NULL, \
         entity TEXT NOT NULL, prefecture INTEGER, municipality TEXT, part INTEGER NOT NULL);\n",
    );
    for e in &schema.entities {
        let mut cols = vec![
            "_file INTEGER NOT NULL".to_owned(),
            "_row INTEGER NOT NULL".to_owned(),
        ];
        for item in &e.items {
            let ty = match item.ty {
                ItemType::String | ItemType::Code => "TEXT",
                _ => "INTEGER",
            };
            cols.push(format!("{} {ty}", col(&item.id)));
        }
        if !e.primary_key.is_empty() {
            cols.push(format!(
                "PRIMARY KEY ({})",
                e.primary_key
                    .iter()
                    .map(|k| col(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        sql.push_str(&format!(
            "CREATE TABLE IF NOT EXISTS {} ({});\n",
            table(&e.id),
            cols.join(", ")
        ));
    }
    for (_, _, create) in SECONDARY_INDEXES {
        sql.push_str(create);
        sql.push_str(";\n");
    }
    conn.execute_batch(&sql)
}

/// The indexes beside the primary keys, for lookups: (entity, name, `CREATE INDEX` statement).
/// A bulk import into an empty table drops them and builds them again after its inserts
/// (one sort instead of a B-tree insertion per row), inside its transaction.
pub(crate) const SECONDARY_INDEXES: [(&str, &str, &str); 2] = [
    (
        names::person::ENTITY,
        "person_household",
        "CREATE INDEX IF NOT EXISTS person_household ON \"e_person\" (lgcode, household_number)",
    ),
    (
        names::person::ENTITY,
        "person_mynumber",
        "CREATE INDEX IF NOT EXISTS person_mynumber ON \"e_person\" (mynumber)",
    ),
];

/// `INSERT INTO e_<entity> (_file, _row, items…) VALUES (?, …)`.
pub(crate) fn insert_sql(e: &Entity) -> String {
    let mut names = vec!["_file".to_owned(), "_row".to_owned()];
    names.extend(e.items.iter().map(|i| col(&i.id)));
    let marks = vec!["?"; names.len()].join(", ");
    format!(
        "INSERT INTO {} ({}) VALUES ({marks})",
        table(&e.id),
        names.join(", ")
    )
}

/// `INSERT INTO e_<entity> (_file, _row, items…) VALUES (?, …), (?, …), …` for `rows` rows.
pub(crate) fn insert_rows_sql(e: &Entity, rows: usize) -> String {
    let one = insert_sql(e);
    let (head, values) = one.split_at(one.rfind(" VALUES ").unwrap_or(one.len()));
    let tuple = values.trim_start_matches(" VALUES ");
    let mut sql = String::with_capacity(head.len() + rows * (tuple.len() + 2) + 8);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(tuple);
    }
    sql
}

/// Days since 0001-01-01 (CE), the stored form of a date.
pub(crate) fn days(d: NaiveDate) -> i64 {
    use chrono::Datelike;
    i64::from(d.num_days_from_ce())
}

/// The date of a stored day number.
pub(crate) fn from_days(n: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(n).ok()?)
}

/// The record value of a stored value of `item` of `entity` (dates back from day numbers);
/// null for a value that is not of the item's type.
pub(crate) fn value_of(entity: &Entity, item: &str, v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    let ty = entity.item(item).map(|i| i.ty);
    match (ty, v) {
        (Some(ItemType::Date), ValueRef::Integer(n)) => {
            from_days(n).map_or(Value::Null, Value::Date)
        }
        (Some(ItemType::Boolean), ValueRef::Integer(n)) => Value::Bool(n != 0),
        (_, ValueRef::Integer(n)) => Value::Int(n),
        (_, ValueRef::Text(t)) => Value::Str(String::from_utf8_lossy(t).into_owned()),
        _ => Value::Null,
    }
}

/// The SQLite value of a record value.
pub(crate) fn sql_value(v: &Value) -> rusqlite::types::ToSqlOutput<'_> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    match v {
        Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
        Value::Str(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Value::Int(i) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(*i)),
        Value::Date(d) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(days(*d))),
        Value::Bool(b) => ToSqlOutput::Owned(rusqlite::types::Value::Integer(i64::from(*b))),
    }
}

/// A problem of a record: the item, the rejection code, the message.
pub(crate) type Problem = (String, RejectionCode, String);

/// The rejection code of a fault of a declared rule (`nhikit_schema::rules`): the mapping
/// from the schema's rule kinds to the codes of docs/target-interface.md.
pub(crate) fn rejection_code(kind: RuleKind) -> RejectionCode {
    match kind {
        RuleKind::Item(ItemRule::Required) => RejectionCode::Missing,
        RuleKind::Item(ItemRule::Length) => RejectionCode::BadLength,
        RuleKind::Item(ItemRule::Chars) => RejectionCode::BadCharacter,
        RuleKind::Item(ItemRule::Check) => RejectionCode::CheckDigit,
        RuleKind::Item(ItemRule::Code) => RejectionCode::UnknownCode,
        RuleKind::Order => RejectionCode::ImpossibleDate,
        RuleKind::Reference => RejectionCode::UnknownReference,
        RuleKind::UniqueKey => RejectionCode::DuplicateKey,
        _ => RejectionCode::InvalidValue,
    }
}

/// Checks records of one entity without looking anything up by name per record: the items
/// sorted by id (to spread a record's sorted keys into item order), the declared rules
/// resolved once ([`EntityRules`]).
pub(crate) struct Checker<'s> {
    entity: &'s Entity,
    sorted: Vec<(&'s str, usize)>,
    rules: EntityRules<'s>,
    /// Per item, the last text value that had no problem: the item rules are pure functions
    /// of the text, and rows repeat many values (地方公共団体コード, 保険者番号, 世帯番号 of
    /// consecutive members), so a repeat skips the check digits and character classes.
    passed: Vec<String>,
}

impl<'s> Checker<'s> {
    /// The checker of `entity`.
    pub(crate) fn new(schema: &'s Schema, entity: &'s Entity) -> Checker<'s> {
        let mut sorted: Vec<(&str, usize)> = entity
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| (item.id.as_str(), i))
            .collect();
        sorted.sort_unstable();
        Checker {
            entity,
            sorted,
            rules: EntityRules::new(schema, entity),
            passed: vec![String::new(); entity.items.len()],
        }
    }

    /// Moves the record's values into `values` (item order, `Null` where absent) and pushes
    /// every problem: unknown items, the schema's item rules and the record's date orders.
    pub(crate) fn check(
        &mut self,
        record: Record,
        values: &mut Vec<Value>,
        out: &mut Vec<Problem>,
    ) {
        values.clear();
        values.resize(self.entity.items.len(), Value::Null);
        let mut slots = self.sorted.iter().peekable();
        for (key, value) in record {
            while slots.next_if(|(id, _)| *id < key.as_str()).is_some() {}
            match slots.peek() {
                Some((id, i)) if *id == key.as_str() => values[*i] = value,
                _ => out.push((
                    key.clone(),
                    RejectionCode::UnknownItem,
                    format!("entity `{}` has no item `{key}`", self.entity.id),
                )),
            }
        }
        self.check_row(values, out);
    }

    /// Pushes every problem of a row (values in item order, as the `nhikit_io` row readers
    /// give them): the schema's item rules and the record's declared date orders.
    pub(crate) fn check_row(&mut self, values: &[Value], out: &mut Vec<Problem>) {
        for (i, ((item, value), passed)) in self
            .entity
            .items
            .iter()
            .zip(values)
            .zip(&mut self.passed)
            .enumerate()
        {
            if let Value::Str(s) = value {
                if !s.is_empty() && s == passed {
                    continue;
                }
                let before = out.len();
                item_problems(&self.rules, i, item, value, out);
                if out.len() == before {
                    passed.clear();
                    passed.push_str(s);
                }
            } else {
                item_problems(&self.rules, i, item, value, out);
            }
        }
        let date = |i: usize| match values.get(i) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        };
        self.rules.order_faults(date, |f| {
            out.push((
                f.order.later.clone(),
                rejection_code(RuleKind::Order),
                format!(
                    "{}: {} {} < {} {}",
                    f.order.reason, f.order.later, f.later, f.order.earlier, f.earlier
                ),
            ));
        });
    }
}

/// Every problem of one record (not for hot paths: see [`Checker`]).
pub(crate) fn record_problems(schema: &Schema, e: &Entity, r: &Record, out: &mut Vec<Problem>) {
    let mut values = Vec::new();
    Checker::new(schema, e).check(r.clone(), &mut values, out);
}

/// The faults of the item at `index` ([`EntityRules::item_faults`]) in the reference
/// target's words.
fn item_problems(
    rules: &EntityRules<'_>,
    index: usize,
    item: &Item,
    value: &Value,
    out: &mut Vec<Problem>,
) {
    rules.item_faults(index, value, |fault| {
        let code = rejection_code(RuleKind::Item(fault.rule()));
        let message = match fault {
            ItemFault::Missing => format!("{} ({}) is required", item.id, item.label),
            ItemFault::TooLong { found, .. } | ItemFault::TooShort { found, .. } => format!(
                "{value}: {found} characters; allowed {}–{}",
                item.min_length.unwrap_or(0),
                item.length.map_or("∞".to_owned(), |m| m.to_string())
            ),
            ItemFault::Chars(why) => format!("{value}: {why}"),
            ItemFault::Check(why) => format!(
                "{value} is not a valid {}: {why}",
                item.check.map_or("", |c| c.name())
            ),
            ItemFault::NotACode => match rules.table(index) {
                Some(t) => format!("{value} is not a code of {} ({})", t.id, t.label),
                None => format!("{value} is not a code"),
            },
            ItemFault::NoCodeTable => format!(
                "code table `{}` is not in the schema",
                item.code.as_deref().unwrap_or_default()
            ),
            ItemFault::BelowMin(_) | ItemFault::AboveMax(_) => {
                format!("{value} is out of bounds")
            }
            ItemFault::WrongType => {
                format!("expected a value of type {}, found {value}", item.ty.name())
            }
            _ => format!("{value} breaks a rule of {}", item.id),
        };
        out.push((item.id.clone(), code, message));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The problems of `lgcode` when a person row holds only that value.
    fn lgcode_problems(c: &mut Checker<'_>, lgcode: &str) -> Vec<RejectionCode> {
        let mut values = vec![Value::Null; c.entity.items.len()];
        let at = c
            .entity
            .items
            .iter()
            .position(|i| i.id == "lgcode")
            .unwrap();
        values[at] = Value::Str(lgcode.to_owned());
        let mut out = Vec::new();
        c.check_row(&values, &mut out);
        out.into_iter()
            .filter(|p| p.0 == "lgcode")
            .map(|p| p.1)
            .collect()
    }

    /// The memo of values that passed never hides a bad value, repeated or following a good
    /// one (131016 is 千代田区's valid code; 131017 has a wrong check digit).
    #[test]
    fn repeated_values_are_checked_like_new_ones() {
        let schema = nhikit_schema::embedded().unwrap();
        let mut c = Checker::new(&schema, schema.entity("person").unwrap());
        let bad = vec![RejectionCode::CheckDigit];
        assert_eq!(lgcode_problems(&mut c, "131016"), vec![]);
        assert_eq!(lgcode_problems(&mut c, "131016"), vec![]);
        assert_eq!(lgcode_problems(&mut c, "131017"), bad);
        assert_eq!(lgcode_problems(&mut c, "131017"), bad);
        assert_eq!(lgcode_problems(&mut c, "131016"), vec![]);
        assert_eq!(
            lgcode_problems(&mut c, "1310"),
            vec![RejectionCode::BadLength, RejectionCode::CheckDigit]
        );
    }
}
