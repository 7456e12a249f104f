//! Tables derived from the schema's entities, value encoding, and the per-record checks.

use nhikit_core::date::NaiveDate;
use nhikit_schema::{Entity, Item, ItemType, Record, Schema, Value};
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
        "person",
        "person_household",
        "CREATE INDEX IF NOT EXISTS person_household ON \"e_person\" (lgcode, household_number)",
    ),
    (
        "person",
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

/// Checks records of one entity without looking anything up by name per record: the items
/// sorted by id (to spread a record's sorted keys into item order), code tables resolved.
pub(crate) struct Checker<'s> {
    entity: &'s Entity,
    sorted: Vec<(&'s str, usize)>,
    codes: Vec<Option<&'s nhikit_schema::CodeTable>>,
    dates: Vec<(usize, usize, &'static str)>,
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
        let codes = entity
            .items
            .iter()
            .map(|i| i.code.as_deref().and_then(|t| schema.code_table(t)))
            .collect();
        let index = |id: &str| entity.items.iter().position(|i| i.id == id);
        let dates = date_pairs(&entity.id)
            .iter()
            .filter_map(|(a, b, what)| Some((index(a)?, index(b)?, *what)))
            .collect();
        Checker {
            entity,
            sorted,
            codes,
            dates,
            passed: vec![String::new(); entity.items.len()],
        }
    }

    /// Moves the record's values into `values` (item order, `Null` where absent) and pushes
    /// every problem: unknown items, the schema's item rules (nhikit-schema's model: types,
    /// lengths, character classes, check rules, code tables, bounds, required items), and the
    /// record's own date order.
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
    /// give them): the schema's item rules and the record's own date order.
    pub(crate) fn check_row(&mut self, values: &[Value], out: &mut Vec<Problem>) {
        let items = self.entity.items.iter().zip(&self.codes);
        for (((item, table), value), passed) in items.zip(values).zip(&mut self.passed) {
            if let Value::Str(s) = value {
                if !s.is_empty() && s == passed {
                    continue;
                }
                let before = out.len();
                item_problems(item, *table, value, out);
                if out.len() == before {
                    passed.clear();
                    passed.push_str(s);
                }
            } else {
                item_problems(item, *table, value, out);
            }
        }
        for (a, b, what) in &self.dates {
            if let (Value::Date(x), Value::Date(y)) = (&values[*a], &values[*b])
                && y < x
            {
                let (ea, eb) = (&self.entity.items[*a].id, &self.entity.items[*b].id);
                out.push((
                    eb.clone(),
                    RejectionCode::ImpossibleDate,
                    format!("{what}: {eb} {y} < {ea} {x}"),
                ));
            }
        }
    }
}

/// Every problem of one record (not for hot paths: see [`Checker`]).
pub(crate) fn record_problems(schema: &Schema, e: &Entity, r: &Record, out: &mut Vec<Problem>) {
    let mut values = Vec::new();
    Checker::new(schema, e).check(r.clone(), &mut values, out);
}

fn item_problems(
    item: &Item,
    table: Option<&nhikit_schema::CodeTable>,
    value: &Value,
    out: &mut Vec<Problem>,
) {
    let mut push = |code, msg: String| out.push((item.id.clone(), code, msg));
    match (item.ty, value) {
        (_, Value::Null) => {
            if !item.nullable {
                push(
                    RejectionCode::Missing,
                    format!("{} ({}) is required", item.id, item.label),
                );
            }
        }
        (ItemType::String | ItemType::Code, Value::Str(s)) => {
            let n = s.chars().count();
            if item.length.is_some_and(|max| n > max as usize)
                || item.min_length.is_some_and(|min| n < min as usize)
            {
                push(
                    RejectionCode::BadLength,
                    format!(
                        "{s:?}: {n} characters; allowed {}–{}",
                        item.min_length.unwrap_or(0),
                        item.length.map_or("∞".to_owned(), |m| m.to_string())
                    ),
                );
            }
            if let Some(class) = item.chars
                && let Err(e) = class.check(s)
            {
                push(RejectionCode::BadCharacter, format!("{s:?}: {e}"));
            }
            if let Some(rule) = item.check
                && let Err(e) = rule.check(s)
            {
                push(
                    RejectionCode::CheckDigit,
                    format!("{s:?} is not a valid {}: {e}", rule.name()),
                );
            }
            if let Some(table_id) = &item.code {
                match table {
                    Some(t) if t.codes.iter().any(|c| c.value == *s) => {}
                    Some(t) => push(
                        RejectionCode::UnknownCode,
                        format!("{s:?} is not a code of {} ({})", t.id, t.label),
                    ),
                    None => push(
                        RejectionCode::UnknownCode,
                        format!("code table `{table_id}` is not in the schema"),
                    ),
                }
            }
        }
        (ItemType::Integer | ItemType::Yen, Value::Int(i)) => {
            if item.min.is_some_and(|m| *i < m) || item.max.is_some_and(|m| *i > m) {
                push(RejectionCode::InvalidValue, format!("{i} is out of bounds"));
            }
        }
        (ItemType::Date, Value::Date(_)) | (ItemType::Boolean, Value::Bool(_)) => {}
        (ty, v) => push(
            RejectionCode::InvalidValue,
            format!("expected a value of type {}, found {v}", ty.name()),
        ),
    }
}

/// Pairs of dates that must be in order (`earlier` ≤ `later`), per entity.
fn date_pairs(entity: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match entity {
        "person" => &[
            ("birth_date", "death_date", "死亡年月日 before 生年月日"),
            (
                "birth_date",
                "resident_since",
                "住民となった年月日 before 生年月日",
            ),
        ],
        "qualification" => &[
            (
                "birth_date",
                "acquisition_date",
                "資格取得日 before 生年月日",
            ),
            (
                "acquisition_date",
                "loss_date",
                "資格喪失日 before 資格取得日",
            ),
            (
                "acquisition_date",
                "acquisition_notified_date",
                "取得届出日 before 資格取得日",
            ),
        ],
        "household" => &[(
            "nhi_acquisition_date",
            "nhi_loss_date",
            "国保資格喪失日 before 国保資格取得日",
        )],
        _ => &[],
    }
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
