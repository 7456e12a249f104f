//! Readers for validation and import. Each file kind has two forms:
//!
//! - row readers ([`read_parquet_rows`], [`read_csv_rows`], …) call back with every record as a
//!   slice of values in the entity's item order (`Null` where absent), reused from row to row
//!   (strings keep their buffers), so that a bulk import allocates nothing per row;
//! - record readers ([`read_parquet`], [`read_csv`], …) call back with a [`Record`] (item id →
//!   value; null items absent, as in [`nhikit_schema::RecordCollector`]).
//!
//! Both give the 1-based record number and return how many records they read. Errors name the
//! file and the record.
//!
//! Every reader takes a [`DataFile`]: a file already opened, under its dataset directory with
//! [`DataFile::open`] (through [`crate::contain::Root`], so a path from a manifest or a request
//! cannot leave the directory or cross a link), or a file the user named with
//! [`DataFile::open_named`]. What was checked is what is read: no reader opens a path again.

use crate::columnar::date32;
use crate::contain::Root;
use crate::error::{Error, Result, io};
use arrow_array::{Array, BooleanArray, Date32Array, Int64Array, RecordBatch, StringArray};
use nhikit_schema::{
    Encoding, Entity, Item, ItemType, Layout, LineEnding, Record, Value, arrow_type,
};
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A data file opened for reading, with the path its errors name.
#[derive(Debug)]
pub struct DataFile {
    file: File,
    path: PathBuf,
}

impl DataFile {
    /// Opens `rel` (a path from data: a manifest entry, a request) under `root`, refusing a
    /// path that leaves it or crosses a link (see [`crate::contain`]).
    pub fn open(root: &Root, rel: impl AsRef<Path>) -> Result<DataFile> {
        let rel = rel.as_ref();
        let file = root.open_file(rel)?;
        Ok(DataFile {
            file,
            path: root.display(rel),
        })
    }

    /// Opens a file the user named (a command-line argument), which may be anywhere; it must
    /// be a regular file. Not for paths that come from data: use [`DataFile::open`].
    pub fn open_named(path: impl AsRef<Path>) -> Result<DataFile> {
        let path = path.as_ref();
        let file = File::open(path).map_err(io(path))?;
        let meta = file.metadata().map_err(io(path))?;
        if !meta.is_file() {
            return Err(Error::FileShape {
                file: path.to_path_buf(),
                reason: "not a regular file".to_owned(),
            });
        }
        Ok(DataFile {
            file,
            path: path.to_path_buf(),
        })
    }

    /// A file the caller opened itself (a path the user named), with the path errors name.
    pub fn from_file(file: File, path: impl Into<PathBuf>) -> DataFile {
        DataFile {
            file,
            path: path.into(),
        }
    }

    /// The path errors name.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Moves a row's non-null values into a record.
fn to_record(entity: &Entity, row: &mut [Value]) -> Record {
    let mut record = Record::new();
    for (item, value) in entity.items.iter().zip(row.iter_mut()) {
        if !matches!(value, Value::Null) {
            record.insert(item.id.clone(), std::mem::replace(value, Value::Null));
        }
    }
    record
}

/// Sets `slot` to the text `s`, reusing the buffer of a string already there.
fn set_str(slot: &mut Value, s: &str) {
    if let Value::Str(buf) = slot {
        buf.clear();
        buf.push_str(s);
    } else {
        *slot = Value::Str(s.to_owned());
    }
}

/// Reads a Parquet file of `entity`.
pub fn read_parquet(
    file: DataFile,
    entity: &Entity,
    mut f: impl FnMut(u64, Record),
) -> Result<u64> {
    read_parquet_rows(file, entity, |n, row| f(n, to_record(entity, row)))
}

/// Reads a Parquet file of `entity` row by row (values in item order; see the module docs).
pub fn read_parquet_rows(
    file: DataFile,
    entity: &Entity,
    mut f: impl FnMut(u64, &mut [Value]),
) -> Result<u64> {
    let DataFile { file, path } = file;
    let path = path.as_path();
    let pq = |source| Error::Parquet {
        file: path.display().to_string(),
        source,
    };
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(pq)?
        .with_batch_size(8192)
        .build()
        .map_err(pq)?;
    let mut n = 0;
    let mut row = vec![Value::Null; entity.items.len()];
    for batch in reader {
        let batch = batch.map_err(|source| Error::Arrow {
            file: path.display().to_string(),
            source,
        })?;
        batch_rows(path, entity, &batch, &mut n, &mut row, &mut f)?;
    }
    Ok(n)
}

/// Reads a Parquet file of `entity` into memory.
pub fn read_parquet_records(file: DataFile, entity: &Entity) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    read_parquet(file, entity, |_, r| out.push(r))?;
    Ok(out)
}

/// Reads an Arrow IPC file of `entity`.
pub fn read_arrow(file: DataFile, entity: &Entity, mut f: impl FnMut(u64, Record)) -> Result<u64> {
    read_arrow_rows(file, entity, |n, row| f(n, to_record(entity, row)))
}

/// Reads an Arrow IPC file of `entity` row by row (values in item order; see the module docs).
pub fn read_arrow_rows(
    file: DataFile,
    entity: &Entity,
    mut f: impl FnMut(u64, &mut [Value]),
) -> Result<u64> {
    let DataFile { file, path } = file;
    let path = path.as_path();
    let arrow_err = |source| Error::Arrow {
        file: path.display().to_string(),
        source,
    };
    let reader = arrow_ipc::reader::FileReader::try_new(std::io::BufReader::new(file), None)
        .map_err(arrow_err)?;
    let mut n = 0;
    let mut row = vec![Value::Null; entity.items.len()];
    for batch in reader {
        let batch = batch.map_err(arrow_err)?;
        batch_rows(path, entity, &batch, &mut n, &mut row, &mut f)?;
    }
    Ok(n)
}

/// A column of a batch, resolved to its array type once per batch.
enum Column<'a> {
    Str(&'a StringArray),
    Int(&'a Int64Array),
    Date(&'a Date32Array),
    Bool(&'a BooleanArray),
}

fn batch_rows(
    path: &Path,
    entity: &Entity,
    batch: &RecordBatch,
    n: &mut u64,
    row: &mut [Value],
    f: &mut impl FnMut(u64, &mut [Value]),
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
    let mut columns = Vec::with_capacity(entity.items.len());
    for (column, item) in batch.columns().iter().zip(&entity.items) {
        let any = column.as_any();
        columns.push(match item.ty {
            ItemType::String | ItemType::Code => {
                Column::Str(any.downcast_ref().ok_or_else(|| wrong(&item.id))?)
            }
            ItemType::Integer | ItemType::Yen => {
                Column::Int(any.downcast_ref().ok_or_else(|| wrong(&item.id))?)
            }
            ItemType::Date => Column::Date(any.downcast_ref().ok_or_else(|| wrong(&item.id))?),
            ItemType::Boolean => Column::Bool(any.downcast_ref().ok_or_else(|| wrong(&item.id))?),
        });
    }
    for r in 0..batch.num_rows() {
        *n += 1;
        for ((column, item), slot) in columns.iter().zip(&entity.items).zip(row.iter_mut()) {
            match column {
                Column::Str(a) if a.is_valid(r) => set_str(slot, a.value(r)),
                Column::Int(a) if a.is_valid(r) => *slot = Value::Int(a.value(r)),
                Column::Bool(a) if a.is_valid(r) => *slot = Value::Bool(a.value(r)),
                Column::Date(a) if a.is_valid(r) => {
                    let days = a.value(r);
                    let date = from_date32(days).ok_or_else(|| Error::BadRecord {
                        file: path.to_path_buf(),
                        record: *n,
                        item: Some(item.id.clone()),
                        reason: format!("day {days} is outside the calendar"),
                    })?;
                    *slot = Value::Date(date);
                }
                _ => *slot = Value::Null,
            }
        }
        f(*n, row);
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
pub fn read_jsonl(file: DataFile, entity: &Entity, mut f: impl FnMut(u64, Record)) -> Result<u64> {
    read_jsonl_rows(file, entity, |n, row| f(n, to_record(entity, row)))
}

/// Reads a JSON Lines file of `entity` row by row (values in item order; see the module docs
/// and [`read_jsonl`]).
pub fn read_jsonl_rows(
    file: DataFile,
    entity: &Entity,
    mut f: impl FnMut(u64, &mut [Value]),
) -> Result<u64> {
    use std::io::BufRead;
    let DataFile { file, path } = file;
    let path = path.as_path();
    let reader = std::io::BufReader::new(file);
    let index: std::collections::HashMap<&str, usize> = entity
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id.as_str(), i))
        .collect();
    let mut row = vec![Value::Null; entity.items.len()];
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
        row.fill(Value::Null);
        for (key, value) in object {
            let Some(&i) = index.get(key.as_str()) else {
                return Err(bad(Some(&key), format!("not an item of `{}`", entity.id)));
            };
            let item = &entity.items[i];
            row[i] = match (value, item.ty) {
                (serde_json::Value::Null, _) => Value::Null,
                (serde_json::Value::String(s), ItemType::String | ItemType::Code) => Value::Str(s),
                (serde_json::Value::String(s), ItemType::Date) => {
                    chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                        .map(Value::Date)
                        .map_err(|_| bad(Some(&key), format!("{s:?} is not a YYYY-MM-DD date")))?
                }
                (serde_json::Value::Number(x), ItemType::Integer | ItemType::Yen) => {
                    Value::Int(x.as_i64().ok_or_else(|| {
                        bad(Some(&key), format!("{x} is not a 64-bit whole number"))
                    })?)
                }
                (serde_json::Value::Bool(b), ItemType::Boolean) => Value::Bool(b),
                (value, _) => {
                    return Err(bad(
                        Some(&key),
                        format!("{value} is not a JSON value of type {}", item.ty.name()),
                    ));
                }
            };
        }
        f(n, &mut row);
    }
    Ok(n)
}

/// Reads a data file of any `format`, record by record, with the reader of that format. A CSV
/// file is read in the layout and encoding of `csv`; without them nothing is read (0).
pub fn read_file(
    format: crate::Format,
    file: DataFile,
    entity: &Entity,
    csv: Option<(&Layout, Option<Encoding>)>,
    f: impl FnMut(u64, Record),
) -> Result<u64> {
    match (format, csv) {
        (crate::Format::Parquet, _) => read_parquet(file, entity, f),
        (crate::Format::Arrow, _) => read_arrow(file, entity, f),
        (crate::Format::Jsonl, _) => read_jsonl(file, entity, f),
        (crate::Format::Csv, Some((layout, encoding))) => {
            read_csv(file, entity, layout, encoding, f)
        }
        (crate::Format::Csv, None) => Ok(0),
    }
}

/// Reads a CSV file in `layout` (columns, delimiter, header of item labels, line ending) and
/// in `encoding` (the layout's when `None`). Records hold the layout's columns; empty fields
/// are null. The whole file is decoded in memory (parts are one municipality each).
pub fn read_csv(
    file: DataFile,
    entity: &Entity,
    layout: &Layout,
    encoding: Option<Encoding>,
    mut f: impl FnMut(u64, Record),
) -> Result<u64> {
    read_csv_rows(file, entity, layout, encoding, |n, row| {
        f(n, to_record(entity, row))
    })
}

/// Reads a CSV file as [`read_csv`] does, row by row (values in item order, `Null` for the
/// items the layout leaves out; see the module docs).
pub fn read_csv_rows(
    file: DataFile,
    entity: &Entity,
    layout: &Layout,
    encoding: Option<Encoding>,
    mut f: impl FnMut(u64, &mut [Value]),
) -> Result<u64> {
    let DataFile { mut file, path } = file;
    let path = path.as_path();
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io(path))?;
    let bad = |record: u64, item: Option<&str>, reason: String| Error::BadRecord {
        file: path.to_path_buf(),
        record,
        item: item.map(str::to_owned),
        reason,
    };
    let text = match encoding.unwrap_or(layout.encoding) {
        Encoding::Utf8 => std::str::from_utf8(&bytes)
            .map(Cow::Borrowed)
            .map_err(|e| bad(0, None, format!("not UTF-8 at byte {}", e.valid_up_to())))?,
        Encoding::Cp932 => encoding_rs::SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(&bytes)
            .ok_or_else(|| bad(0, None, "not valid CP932".to_owned()))?,
    };
    // Each column's item and its place in the row.
    let mut items: Vec<(&Item, usize)> = Vec::with_capacity(layout.columns.len());
    for column in &layout.columns {
        let place = entity.items.iter().position(|i| i.id == *column);
        items.push(
            place
                .map(|i| (&entity.items[i], i))
                .ok_or_else(|| Error::FileShape {
                    file: path.to_path_buf(),
                    reason: format!("layout `{}` names unknown item `{column}`", layout.id),
                })?,
        );
    }
    let mut parser = CsvParser::new(
        &text,
        layout.delimiter,
        layout.line_ending == LineEnding::Crlf,
    );
    let mut fields: Vec<Cow<'_, str>> = Vec::new();
    let mut n = 0;
    if layout.header {
        if !parser
            .next_record(&mut fields)
            .map_err(|r| bad(0, None, r))?
        {
            return Err(bad(0, None, "no header line".to_owned()));
        }
        let labels: Vec<&str> = items.iter().map(|(i, _)| i.label.as_str()).collect();
        if fields.iter().map(|f| f.as_ref()).ne(labels.iter().copied()) {
            let fields: Vec<&str> = fields.iter().map(|f| f.as_ref()).collect();
            return Err(bad(
                0,
                None,
                format!("header {fields:?} is not the layout's labels {labels:?}"),
            ));
        }
    }
    let mut row = vec![Value::Null; entity.items.len()];
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
        for (field, (item, i)) in fields.iter().zip(&items) {
            parse_into(item, field, &mut row[*i])
                .map_err(|reason| bad(n, Some(&item.id), reason))?;
        }
        f(n, &mut row);
    }
    Ok(n)
}

/// Parses the text form of a value of `item` into `slot`, as [`Entity::parse_text`] does
/// (whose messages the errors are), without allocating for the common forms.
fn parse_into(item: &Item, text: &str, slot: &mut Value) -> std::result::Result<(), String> {
    if text.is_empty() {
        *slot = Value::Null;
        return Ok(());
    }
    match item.ty {
        ItemType::String | ItemType::Code => set_str(slot, text),
        ItemType::Integer | ItemType::Yen => match text.parse::<i64>() {
            Ok(i) => *slot = Value::Int(i),
            Err(_) => *slot = Entity::parse_text(item, text)?,
        },
        ItemType::Date => match iso_date(text) {
            Some(d) => *slot = Value::Date(d),
            None => *slot = Entity::parse_text(item, text)?,
        },
        ItemType::Boolean => *slot = Entity::parse_text(item, text)?,
    }
    Ok(())
}

/// A date in exactly the form `YYYY-MM-DD`; anything else (including invalid dates) is left
/// to the general parser.
fn iso_date(text: &str) -> Option<chrono::NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    chrono::NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// An RFC 4180 record parser over decoded text; fields borrow from the text unless they hold
/// an escaped quote.
struct CsvParser<'a> {
    rest: &'a str,
    /// The delimiter, UTF-8 encoded.
    delimiter: [u8; 4],
    delimiter_len: usize,
    crlf: bool,
}

impl<'a> CsvParser<'a> {
    fn new(text: &'a str, delimiter: char, crlf: bool) -> CsvParser<'a> {
        let mut buf = [0u8; 4];
        let delimiter_len = delimiter.encode_utf8(&mut buf).len();
        CsvParser {
            rest: text,
            delimiter: buf,
            delimiter_len,
            crlf,
        }
    }

    /// Parses the next record into `fields`; `Ok(false)` at the end of the text.
    fn next_record(&mut self, fields: &mut Vec<Cow<'a, str>>) -> std::result::Result<bool, String> {
        fields.clear();
        if self.rest.is_empty() {
            return Ok(false);
        }
        let text = self.rest;
        let bytes = text.as_bytes();
        let delimiter = &self.delimiter[..self.delimiter_len];
        let mut i = 0;
        loop {
            // At the start of a field.
            let field = if bytes.get(i) == Some(&b'"') {
                let mut owned: Option<String> = None;
                let mut start = i + 1;
                let end = loop {
                    let Some(q) = bytes[start..].iter().position(|&b| b == b'"') else {
                        return Err("a quoted field is not closed".to_owned());
                    };
                    let q = start + q;
                    if bytes.get(q + 1) == Some(&b'"') {
                        owned
                            .get_or_insert_with(String::new)
                            .push_str(&text[start..=q]);
                        start = q + 2;
                    } else {
                        break q;
                    }
                };
                i = end + 1;
                match text[i..].chars().next() {
                    None | Some('\r' | '\n') => {}
                    Some(_) if bytes[i..].starts_with(delimiter) => {}
                    Some(d) => return Err(format!("{d:?} after a closing quote")),
                }
                match owned {
                    Some(mut s) => {
                        s.push_str(&text[start..end]);
                        Cow::Owned(s)
                    }
                    None => Cow::Borrowed(&text[start..end]),
                }
            } else {
                let start = i;
                loop {
                    match bytes.get(i) {
                        None | Some(b'\r' | b'\n') => break,
                        Some(&b) if b == delimiter[0] && bytes[i..].starts_with(delimiter) => {
                            break;
                        }
                        Some(b'"') => return Err("a quote inside an unquoted field".to_owned()),
                        Some(_) => i += 1,
                    }
                }
                Cow::Borrowed(&text[start..i])
            };
            fields.push(field);
            match bytes.get(i) {
                None => {
                    // The last record has no terminator.
                    self.rest = "";
                    return Ok(true);
                }
                Some(&b) if b == delimiter[0] && bytes[i..].starts_with(delimiter) => {
                    i += delimiter.len();
                }
                Some(b'\r') => {
                    if bytes.get(i + 1) != Some(&b'\n') {
                        return Err("a bare CR outside quotes".to_owned());
                    }
                    if !self.crlf {
                        return Err("CRLF line ending in an LF layout".to_owned());
                    }
                    self.rest = &text[i + 2..];
                    return Ok(true);
                }
                _ => {
                    if self.crlf {
                        return Err("LF line ending in a CRLF layout".to_owned());
                    }
                    self.rest = &text[i + 1..];
                    return Ok(true);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(
        text: &str,
        delimiter: char,
        crlf: bool,
    ) -> std::result::Result<Vec<Vec<String>>, String> {
        let mut p = CsvParser::new(text, delimiter, crlf);
        let mut out = Vec::new();
        let mut fields = Vec::new();
        while p.next_record(&mut fields)? {
            out.push(fields.iter().map(|f| f.to_string()).collect());
        }
        Ok(out)
    }

    fn parse(text: &str, crlf: bool) -> std::result::Result<Vec<Vec<String>>, String> {
        parse_with(text, ',', crlf)
    }

    fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| (*s).to_owned()).collect())
            .collect()
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

    /// RFC 4180 §2: fields may be quoted; a quote inside a quoted field is doubled; line
    /// breaks only end a record outside quotes. Each malformed form gets its own reason.
    #[test]
    fn csv_edge_cases() {
        assert_eq!(
            parse("\"\"\"\",\"\",x\n", false).unwrap(),
            strings(&[&["\"", "", "x"]])
        );
        assert_eq!(parse("a,\n", false).unwrap(), strings(&[&["a", ""]]));
        assert_eq!(
            parse("全角,かな\n", false).unwrap(),
            strings(&[&["全角", "かな"]])
        );
        assert_eq!(
            parse_with("a、b、\"c、d\"\n", '、', false).unwrap(),
            strings(&[&["a", "b", "c、d"]])
        );
        assert_eq!(
            parse("\"a\"x,b\n", false).unwrap_err(),
            "'x' after a closing quote"
        );
        assert_eq!(
            parse("a\"b\n", false).unwrap_err(),
            "a quote inside an unquoted field"
        );
        assert_eq!(
            parse("a\rb\n", false).unwrap_err(),
            "a bare CR outside quotes"
        );
        assert_eq!(
            parse("a\r\n", false).unwrap_err(),
            "CRLF line ending in an LF layout"
        );
        assert_eq!(
            parse("a\n", true).unwrap_err(),
            "LF line ending in a CRLF layout"
        );
        assert_eq!(
            parse("\"a\"\"\n", false).unwrap_err(),
            "a quoted field is not closed"
        );
    }

    #[test]
    fn iso_dates_match_the_general_parser() {
        for text in [
            "2024-02-29",
            "2023-02-29",
            "1900-01-01",
            "0001-01-01",
            "2024-13-01",
            "2024-1-05",
            "20240105",
            "2024-01-0x",
            "+2024-01-05",
        ] {
            let general = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
            if let Some(d) = iso_date(text) {
                assert_eq!(Some(d), general, "{text}");
            }
        }
        assert_eq!(
            iso_date("2024-02-29"),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(iso_date("2023-02-29"), None);
    }

    /// Rows come in item order whatever the layout's column order; the row is reused, so a
    /// value of one row must not leak into the next (a null after a string, a shorter string
    /// after a longer one); the record form holds only the non-null items.
    #[test]
    fn csv_rows_are_reused_without_leaking_values() {
        let schema = nhikit_schema::embedded().unwrap();
        let entity = schema.entity("person").unwrap();
        let layout = nhikit_schema::Layout {
            id: "test".into(),
            label: "test".into(),
            entity: "person".into(),
            encoding: Encoding::Utf8,
            header: false,
            delimiter: ',',
            line_ending: LineEnding::Lf,
            columns: vec!["name".into(), "birth_date".into(), "lgcode".into()],
            source: String::new(),
            file: "test.toml".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(
            &path,
            "\"山田, 太郎\",2000-01-02,131016\n,1999-12-31,01\n\"x\"\"y\",,042072\n",
        )
        .unwrap();
        let at = |id: &str| entity.items.iter().position(|i| i.id == id).unwrap();
        let (name, birth, lgcode) = (at("name"), at("birth_date"), at("lgcode"));
        let date = |y, m, d| Value::Date(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap());
        let text = |s: &str| Value::Str(s.to_owned());
        let mut rows = Vec::new();
        let open = || DataFile::open_named(&path).unwrap();
        let n = read_csv_rows(open(), entity, &layout, None, |n, row| {
            assert_eq!(row.len(), entity.items.len());
            let others = row
                .iter()
                .enumerate()
                .filter(|(i, _)| ![name, birth, lgcode].contains(i))
                .all(|(_, v)| *v == Value::Null);
            assert!(others, "row {n}: {row:?}");
            rows.push((
                n,
                row[name].clone(),
                row[birth].clone(),
                row[lgcode].clone(),
            ));
        })
        .unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            rows,
            vec![
                (1, text("山田, 太郎"), date(2000, 1, 2), text("131016")),
                (2, Value::Null, date(1999, 12, 31), text("01")),
                (3, text("x\"y"), Value::Null, text("042072")),
            ]
        );
        let mut records = Vec::new();
        read_csv(open(), entity, &layout, None, |_, r| records.push(r)).unwrap();
        let keys: Vec<Vec<&str>> = records
            .iter()
            .map(|r| r.keys().map(String::as_str).collect())
            .collect();
        assert_eq!(
            keys,
            vec![
                vec!["birth_date", "lgcode", "name"],
                vec!["birth_date", "lgcode"],
                vec!["lgcode", "name"],
            ]
        );

        std::fs::write(&path, "a,2000-02-30,131016\n").unwrap();
        let err = read_csv_rows(open(), entity, &layout, None, |_, _| {}).unwrap_err();
        assert!(
            matches!(&err, Error::BadRecord { record: 1, item: Some(i), reason, .. }
                if i == "birth_date" && reason.contains("2000-02-30")),
            "{err}"
        );
    }

    #[test]
    fn date32_round_trips() {
        for days in [-719_162, -1, 0, 1, 11_017, 2_932_896] {
            let d = from_date32(days).unwrap();
            assert_eq!(date32(d), days);
        }
    }
}
