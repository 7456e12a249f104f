//! Readers for validation: each calls back with every record of a file (1-based record
//! number, item id → value; null items absent, as in [`nhikit_schema::RecordCollector`]) and
//! returns how many it read. Errors name the file and the record.

use crate::columnar::date32;
use crate::error::{Error, Result, io};
use arrow_array::{Array, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray};
use nhikit_schema::{Encoding, Entity, ItemType, Layout, LineEnding, Record, Value, arrow_type};
use std::path::Path;

/// Reads a Parquet file of `entity`.
pub fn read_parquet(path: &Path, entity: &Entity, mut f: impl FnMut(u64, Record)) -> Result<u64> {
    let pq = |source| Error::Parquet {
        file: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(pq)?
        .with_batch_size(8192)
        .build()
        .map_err(pq)?;
    let mut n = 0;
    for batch in reader {
        let batch = batch.map_err(|source| Error::Arrow {
            file: path.display().to_string(),
            source,
        })?;
        batch_records(path, entity, &batch, &mut n, &mut f)?;
    }
    Ok(n)
}

/// Reads a Parquet file of `entity` into memory.
pub fn read_parquet_records(path: &Path, entity: &Entity) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    read_parquet(path, entity, |_, r| out.push(r))?;
    Ok(out)
}

/// Reads an Arrow IPC file of `entity`.
pub fn read_arrow(path: &Path, entity: &Entity, mut f: impl FnMut(u64, Record)) -> Result<u64> {
    let arrow_err = |source| Error::Arrow {
        file: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = arrow_ipc::reader::FileReader::try_new(std::io::BufReader::new(file), None)
        .map_err(arrow_err)?;
    let mut n = 0;
    for batch in reader {
        let batch = batch.map_err(arrow_err)?;
        batch_records(path, entity, &batch, &mut n, &mut f)?;
    }
    Ok(n)
}

fn batch_records(
    path: &Path,
    entity: &Entity,
    batch: &RecordBatch,
    n: &mut u64,
    f: &mut impl FnMut(u64, Record),
) -> Result<()> {
    let fields = batch.schema_ref().fields().clone();
    let names: Vec<&str> = fields.iter().map(|f| f.name().as_str()).collect();
    let ids: Vec<&str> = entity.items.iter().map(|i| i.id.as_str()).collect();
    if names != ids {
        return Err(Error::FileShape {
            file: path.to_path_buf(),
            reason: format!(
                "columns {names:?} are not the items of `{}` {ids:?}",
                entity.id
            ),
        });
    }
    for (field, item) in fields.iter().zip(&entity.items) {
        if field.data_type() != &arrow_type(item.ty) {
            return Err(Error::FileShape {
                file: path.to_path_buf(),
                reason: format!(
                    "column `{}` is {}, expected {} for type {}",
                    item.id,
                    field.data_type(),
                    arrow_type(item.ty),
                    item.ty.name()
                ),
            });
        }
    }
    let wrong = |item: &str| Error::FileShape {
        file: path.to_path_buf(),
        reason: format!("column `{item}` does not hold the declared Arrow type"),
    };
    for row in 0..batch.num_rows() {
        *n += 1;
        let mut record = Record::new();
        for (column, item) in batch.columns().iter().zip(&entity.items) {
            if column.is_null(row) {
                continue;
            }
            let any = column.as_any();
            let value = match item.ty {
                ItemType::String | ItemType::Code => {
                    let a = any
                        .downcast_ref::<StringArray>()
                        .ok_or_else(|| wrong(&item.id))?;
                    Value::Str(a.value(row).to_owned())
                }
                ItemType::Integer | ItemType::Yen => {
                    let a = any
                        .downcast_ref::<Int64Array>()
                        .ok_or_else(|| wrong(&item.id))?;
                    Value::Int(a.value(row))
                }
                ItemType::Date => {
                    let a = any
                        .downcast_ref::<Date32Array>()
                        .ok_or_else(|| wrong(&item.id))?;
                    let days = a.value(row);
                    let date = from_date32(days).ok_or_else(|| Error::BadRecord {
                        file: path.to_path_buf(),
                        record: *n,
                        item: Some(item.id.clone()),
                        reason: format!("day {days} is outside the calendar"),
                    })?;
                    Value::Date(date)
                }
                ItemType::Boolean => {
                    let a = any
                        .downcast_ref::<BooleanArray>()
                        .ok_or_else(|| wrong(&item.id))?;
                    Value::Bool(a.value(row))
                }
            };
            record.insert(item.id.clone(), value);
        }
        f(*n, record);
    }
    Ok(())
}

fn from_date32(days: i32) -> Option<chrono::NaiveDate> {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let d = epoch.checked_add_signed(chrono::TimeDelta::try_days(i64::from(days))?)?;
    debug_assert_eq!(date32(d), days);
    Some(d)
}

/// Reads a JSON Lines file of `entity`: each line an object whose keys are item ids; a
/// missing key or `null` is a null item; dates are `YYYY-MM-DD` strings.
pub fn read_jsonl(path: &Path, entity: &Entity, mut f: impl FnMut(u64, Record)) -> Result<u64> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(io(path))?;
    let reader = std::io::BufReader::new(file);
    let mut n = 0;
    for line in reader.lines() {
        let line = line.map_err(io(path))?;
        n += 1;
        let bad = |item: Option<&str>, reason: String| Error::BadRecord {
            file: path.to_path_buf(),
            record: n,
            item: item.map(str::to_owned),
            reason,
        };
        let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
            .map_err(|e| bad(None, format!("not a JSON object: {e}")))?;
        let mut record = Record::new();
        for (key, value) in object {
            let Some(item) = entity.item(&key) else {
                return Err(bad(Some(&key), format!("not an item of `{}`", entity.id)));
            };
            let v = match (&value, item.ty) {
                (serde_json::Value::Null, _) => continue,
                (serde_json::Value::String(s), ItemType::String | ItemType::Code) => {
                    Value::Str(s.clone())
                }
                (serde_json::Value::String(s), ItemType::Date) => {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .map(Value::Date)
                        .map_err(|_| bad(Some(&key), format!("{s:?} is not a YYYY-MM-DD date")))?
                }
                (serde_json::Value::Number(x), ItemType::Integer | ItemType::Yen) => {
                    Value::Int(x.as_i64().ok_or_else(|| {
                        bad(Some(&key), format!("{x} is not a 64-bit whole number"))
                    })?)
                }
                (serde_json::Value::Bool(b), ItemType::Boolean) => Value::Bool(*b),
                _ => {
                    return Err(bad(
                        Some(&key),
                        format!("{value} is not a JSON value of type {}", item.ty.name()),
                    ));
                }
            };
            record.insert(key, v);
        }
        f(n, record);
    }
    Ok(n)
}

/// Reads a CSV file in `layout` (columns, delimiter, header of item labels, line ending) and
/// in `encoding` (the layout's when `None`). Records hold the layout's columns; empty fields
/// are null. The whole file is decoded in memory (parts are one municipality each).
pub fn read_csv(
    path: &Path,
    entity: &Entity,
    layout: &Layout,
    encoding: Option<Encoding>,
    mut f: impl FnMut(u64, Record),
) -> Result<u64> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let bad = |record: u64, item: Option<&str>, reason: String| Error::BadRecord {
        file: path.to_path_buf(),
        record,
        item: item.map(str::to_owned),
        reason,
    };
    let text = match encoding.unwrap_or(layout.encoding) {
        Encoding::Utf8 => std::str::from_utf8(&bytes)
            .map(std::borrow::Cow::Borrowed)
            .map_err(|e| bad(0, None, format!("not UTF-8 at byte {}", e.valid_up_to())))?,
        Encoding::Cp932 => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(&bytes)
            .ok_or_else(|| bad(0, None, "not valid CP932".to_owned()))?,
    };
    let mut items = Vec::with_capacity(layout.columns.len());
    for column in &layout.columns {
        items.push(entity.item(column).ok_or_else(|| Error::FileShape {
            file: path.to_path_buf(),
            reason: format!("layout `{}` names unknown item `{column}`", layout.id),
        })?);
    }
    let mut parser = CsvParser {
        rest: &text,
        delimiter: layout.delimiter,
        crlf: layout.line_ending == LineEnding::Crlf,
    };
    let mut fields: Vec<String> = Vec::new();
    let mut n = 0;
    if layout.header {
        if !parser
            .next_record(&mut fields)
            .map_err(|r| bad(0, None, r))?
        {
            return Err(bad(0, None, "no header line".to_owned()));
        }
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        if fields != labels {
            return Err(bad(
                0,
                None,
                format!("header {fields:?} is not the layout's labels {labels:?}"),
            ));
        }
    }
    loop {
        let more = parser
            .next_record(&mut fields)
            .map_err(|r| bad(n + 1, None, r))?;
        if !more {
            break;
        }
        n += 1;
        if fields.len() != items.len() {
            return Err(bad(
                n,
                None,
                format!("{} fields, the layout has {}", fields.len(), items.len()),
            ));
        }
        let mut record = Record::new();
        for (field, item) in fields.iter().zip(&items) {
            match Entity::parse_text(item, field) {
                Ok(Value::Null) => {}
                Ok(v) => {
                    record.insert(item.id.clone(), v);
                }
                Err(reason) => return Err(bad(n, Some(&item.id), reason)),
            }
        }
        f(n, record);
    }
    Ok(n)
}

/// An RFC 4180 record parser over decoded text.
struct CsvParser<'a> {
    rest: &'a str,
    delimiter: char,
    crlf: bool,
}

impl CsvParser<'_> {
    /// Parses the next record into `fields`; `Ok(false)` at the end of the text.
    fn next_record(&mut self, fields: &mut Vec<String>) -> std::result::Result<bool, String> {
        fields.clear();
        if self.rest.is_empty() {
            return Ok(false);
        }
        let mut field = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut at_field_start = true;
        while let Some((pos, c)) = chars.next() {
            if quoted {
                if c == '"' {
                    if matches!(chars.peek(), Some((_, '"'))) {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                        match chars.peek() {
                            Some(&(_, d)) if d == self.delimiter || d == '\r' || d == '\n' => {}
                            None => {}
                            Some(&(_, d)) => {
                                return Err(format!("{d:?} after a closing quote"));
                            }
                        }
                    }
                } else {
                    field.push(c);
                }
                continue;
            }
            if c == '"' && at_field_start {
                quoted = true;
                at_field_start = false;
                continue;
            }
            at_field_start = false;
            if c == self.delimiter {
                fields.push(std::mem::take(&mut field));
                at_field_start = true;
            } else if c == '\r' {
                if matches!(chars.peek(), Some((_, '\n'))) {
                    if !self.crlf {
                        return Err("CRLF line ending in an LF layout".to_owned());
                    }
                    fields.push(field);
                    self.rest = &self.rest[pos + 2..];
                    return Ok(true);
                }
                return Err("a bare CR outside quotes".to_owned());
            } else if c == '\n' {
                if self.crlf {
                    return Err("LF line ending in a CRLF layout".to_owned());
                }
                fields.push(field);
                self.rest = &self.rest[pos + 1..];
                return Ok(true);
            } else if c == '"' {
                return Err("a quote inside an unquoted field".to_owned());
            } else {
                field.push(c);
            }
        }
        if quoted {
            return Err("a quoted field is not closed".to_owned());
        }
        // The last record has no terminator.
        fields.push(field);
        self.rest = "";
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, crlf: bool) -> std::result::Result<Vec<Vec<String>>, String> {
        let mut p = CsvParser {
            rest: text,
            delimiter: ',',
            crlf,
        };
        let mut out = Vec::new();
        let mut fields = Vec::new();
        while p.next_record(&mut fields)? {
            out.push(fields.clone());
        }
        Ok(out)
    }

    #[test]
    fn parses_rfc4180_quoting() {
        let rows = parse("a,\"b,c\",\"d\"\"e\"\r\n,\"x\r\ny\",\r\n", true).unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["a".to_owned(), "b,c".to_owned(), "d\"e".to_owned()],
                vec![String::new(), "x\r\ny".to_owned(), String::new()],
            ]
        );
        assert!(parse("a\nb\n", true).is_err());
        assert!(parse("\"open\r\n", true).is_err());
        assert_eq!(parse("a\nb", false).unwrap().len(), 2);
    }

    #[test]
    fn date32_round_trips() {
        for days in [-719_162, -1, 0, 1, 11_017, 2_932_896] {
            let d = from_date32(days).unwrap();
            assert_eq!(date32(d), days);
        }
    }
}
