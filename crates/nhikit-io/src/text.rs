//! Text sinks: a row's values in text form (formatted once, buffers reused), and the CSV and
//! JSON Lines writers that emit them.

use crate::error::{Error, Result, io};
use crate::hash::HashingWriter;
use crate::plan::{EntityPlan, LayoutPlan, encoding_name};
use crate::protect::{FileEncryptor, FileOut, Written, finish_file};
use nhikit_schema::Encoding;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;

/// How a cell's text is to be written in JSON.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Null,
    /// A string: quoted and escaped in JSON.
    Str,
    /// A number or boolean: written bare in JSON.
    Bare,
    /// A date `YYYY-MM-DD`: quoted in JSON, never needs escaping.
    Date,
}

#[derive(Debug)]
pub(crate) struct Cell {
    pub(crate) kind: Kind,
    pub(crate) text: String,
}

/// One record's values in text form, indexed by item.
#[derive(Debug)]
pub(crate) struct TextRow {
    pub(crate) cells: Vec<Cell>,
}

impl TextRow {
    pub(crate) fn new(items: usize) -> TextRow {
        TextRow {
            cells: (0..items)
                .map(|_| Cell {
                    kind: Kind::Null,
                    text: String::with_capacity(16),
                })
                .collect(),
        }
    }

    pub(crate) fn null(&mut self, i: usize) {
        let c = &mut self.cells[i];
        c.kind = Kind::Null;
        c.text.clear();
    }

    pub(crate) fn str(&mut self, i: usize, v: &str) {
        let c = &mut self.cells[i];
        c.kind = Kind::Str;
        c.text.clear();
        c.text.push_str(v);
    }

    pub(crate) fn int(&mut self, i: usize, v: i64) {
        let c = &mut self.cells[i];
        c.kind = Kind::Bare;
        c.text.clear();
        push_int(&mut c.text, v);
    }

    pub(crate) fn date(&mut self, i: usize, v: chrono::NaiveDate) {
        use chrono::Datelike;
        let c = &mut self.cells[i];
        c.kind = Kind::Date;
        c.text.clear();
        let year = v.year();
        if (0..=9999).contains(&year) {
            // The common case without the formatting machinery: YYYY-MM-DD.
            let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
            let y = year.unsigned_abs();
            for n in [y / 1000, y / 100, y / 10, y] {
                c.text.push(digit(n));
            }
            c.text.push('-');
            c.text.push(digit(v.month() / 10));
            c.text.push(digit(v.month()));
            c.text.push('-');
            c.text.push(digit(v.day() / 10));
            c.text.push(digit(v.day()));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(c.text, "{}", v.format("%Y-%m-%d"));
        }
    }

    pub(crate) fn bool(&mut self, i: usize, v: bool) {
        let c = &mut self.cells[i];
        c.kind = Kind::Bare;
        c.text.clear();
        c.text.push_str(if v { "true" } else { "false" });
    }
}

/// Appends the decimal form of `v` (as `Display` writes it).
fn push_int(out: &mut String, v: i64) {
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

pub(crate) type Out = BufWriter<HashingWriter<FileOut>>;

pub(crate) fn create(
    tmp_root: &Path,
    rel: &str,
    encryptor: Option<&dyn FileEncryptor>,
) -> Result<Out> {
    let path = tmp_root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let file = FileOut::create(&path, encryptor).map_err(io(&path))?;
    Ok(BufWriter::with_capacity(
        256 * 1024,
        HashingWriter::new(file),
    ))
}

/// Flushes, completes the file and returns what it holds.
pub(crate) fn close(out: Out, tmp_root: &Path, rel: &str) -> Result<Written> {
    let path = tmp_root.join(rel);
    let inner = out.into_inner().map_err(|e| Error::Io {
        path: path.clone(),
        source: e.into_error(),
    })?;
    finish_file(inner).map_err(io(path))
}

/// A CSV file in one layout.
pub(crate) struct CsvSink {
    pub(crate) rel: String,
    out: Out,
    layout_index: usize,
    encoder: Option<encoding_rs::Encoder>,
    delimiter: String,
    /// The field being quoted.
    scratch: String,
    /// The line being built, in the file's encoding.
    line: Vec<u8>,
    records: u64,
}

impl CsvSink {
    pub(crate) fn create(
        tmp_root: &Path,
        rel: String,
        plan: &EntityPlan,
        layout_index: usize,
        encryptor: Option<&dyn FileEncryptor>,
    ) -> Result<CsvSink> {
        let layout = &plan.layouts[layout_index];
        let out = create(tmp_root, &rel, encryptor)?;
        let mut sink = CsvSink {
            rel,
            out,
            layout_index,
            encoder: match layout.encoding {
                Encoding::Utf8 => None,
                Encoding::Cp932 => Some(encoding_rs::SHIFT_JIS.new_encoder()),
            },
            delimiter: layout.delimiter.to_string(),
            scratch: String::with_capacity(64),
            line: Vec::with_capacity(1024),
            records: 0,
        };
        if layout.header {
            sink.line.clear();
            for (n, &item) in layout.columns.iter().enumerate() {
                if n > 0 {
                    sink.push_raw_delimiter();
                }
                let label = &plan.items[item].label;
                sink.push_field(label, true, plan, item)?;
            }
            sink.line.extend_from_slice(layout.line_ending.as_bytes());
            let path = tmp_root.join(&sink.rel);
            sink.out.write_all(&sink.line).map_err(io(path))?;
        }
        Ok(sink)
    }

    fn push_raw_delimiter(&mut self) {
        // Delimiters are ASCII in every layout the schema allows; in CP932 ASCII is unchanged.
        self.line.extend_from_slice(self.delimiter.as_bytes());
    }

    /// Appends one field, quoted if it holds the delimiter, a quote, CR or LF (RFC 4180).
    fn push_field(
        &mut self,
        value: &str,
        may_quote: bool,
        plan: &EntityPlan,
        item: usize,
    ) -> Result<()> {
        let needs_quotes = may_quote && needs_quotes(value, &self.delimiter);
        let text: &str = if needs_quotes {
            self.scratch.clear();
            self.scratch.push('"');
            for ch in value.chars() {
                if ch == '"' {
                    self.scratch.push('"');
                }
                self.scratch.push(ch);
            }
            self.scratch.push('"');
            &self.scratch
        } else {
            value
        };
        match &mut self.encoder {
            None => self.line.extend_from_slice(text.as_bytes()),
            Some(encoder) => {
                if let Err(character) = encode_cp932(encoder, text, &mut self.line) {
                    let it = &plan.items[item];
                    return Err(Error::Unencodable {
                        file: self.rel.clone(),
                        record: self.records,
                        item: it.id.clone(),
                        label: it.label.clone(),
                        character,
                        encoding: encoding_name(Encoding::Cp932),
                    });
                }
            }
        }
        Ok(())
    }

    /// Writes the record in the layout's column order.
    pub(crate) fn write_row(
        &mut self,
        row: &TextRow,
        plan: &EntityPlan,
        tmp_root: &Path,
    ) -> Result<()> {
        self.records += 1;
        self.line.clear();
        let layout: &LayoutPlan = &plan.layouts[self.layout_index];
        for (n, &item) in layout.columns.iter().enumerate() {
            if n > 0 {
                self.push_raw_delimiter();
            }
            let cell = &row.cells[item];
            // Numbers, booleans and dates never need quoting.
            self.push_field(&cell.text, cell.kind == Kind::Str, plan, item)?;
        }
        self.line.extend_from_slice(layout.line_ending.as_bytes());
        self.out
            .write_all(&self.line)
            .map_err(io(tmp_root.join(&self.rel)))
    }

    pub(crate) fn close(self, tmp_root: &Path) -> Result<Written> {
        close(self.out, tmp_root, &self.rel)
    }
}

/// Whether a field must be quoted (RFC 4180): it holds the delimiter, a quote, CR or LF.
fn needs_quotes(value: &str, delimiter: &str) -> bool {
    match delimiter.as_bytes() {
        &[d] => value
            .bytes()
            .any(|b| b == d || b == b'"' || b == b'\r' || b == b'\n'),
        _ => {
            value.contains(delimiter)
                || value.bytes().any(|b| b == b'"' || b == b'\r' || b == b'\n')
        }
    }
}

/// Encodes `text` to CP932 (WHATWG Shift_JIS) at the end of `out`; the error is the first
/// character that has no CP932 code.
pub(crate) fn encode_cp932(
    encoder: &mut encoding_rs::Encoder,
    mut text: &str,
    out: &mut Vec<u8>,
) -> std::result::Result<(), char> {
    loop {
        let need = encoder
            .max_buffer_length_from_utf8_without_replacement(text.len())
            .unwrap_or(text.len().saturating_mul(2))
            .max(4);
        out.reserve(need);
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(text, out, false);
        text = &text[read..];
        match result {
            encoding_rs::EncoderResult::InputEmpty => return Ok(()),
            encoding_rs::EncoderResult::OutputFull => continue,
            encoding_rs::EncoderResult::Unmappable(c) => return Err(c),
        }
    }
}

/// A JSON Lines file: one object per record, every item as a key in item order, null items
/// as `null`.
pub(crate) struct JsonlSink {
    pub(crate) rel: String,
    out: Out,
    /// `{"id":` for the first item, `,"id":` for the others: escaped once, not per row.
    keys: Vec<Vec<u8>>,
    line: Vec<u8>,
}

impl JsonlSink {
    pub(crate) fn create(
        tmp_root: &Path,
        rel: String,
        plan: &EntityPlan,
        encryptor: Option<&dyn FileEncryptor>,
    ) -> Result<JsonlSink> {
        let out = create(tmp_root, &rel, encryptor)?;
        let keys = plan
            .items
            .iter()
            .enumerate()
            .map(|(n, item)| {
                let mut key = vec![if n == 0 { b'{' } else { b',' }];
                push_json_string(&mut key, &item.id);
                key.push(b':');
                key
            })
            .collect();
        Ok(JsonlSink {
            rel,
            out,
            keys,
            line: Vec::with_capacity(1024),
        })
    }

    pub(crate) fn write_row(&mut self, row: &TextRow, tmp_root: &Path) -> Result<()> {
        self.line.clear();
        if row.cells.is_empty() {
            self.line.push(b'{');
        }
        for (cell, key) in row.cells.iter().zip(&self.keys) {
            self.line.extend_from_slice(key);
            match cell.kind {
                Kind::Null => self.line.extend_from_slice(b"null"),
                Kind::Str => push_json_string(&mut self.line, &cell.text),
                Kind::Bare => self.line.extend_from_slice(cell.text.as_bytes()),
                Kind::Date => {
                    self.line.push(b'"');
                    self.line.extend_from_slice(cell.text.as_bytes());
                    self.line.push(b'"');
                }
            }
        }
        self.line.extend_from_slice(b"}\n");
        self.out
            .write_all(&self.line)
            .map_err(io(tmp_root.join(&self.rel)))
    }

    pub(crate) fn close(self, tmp_root: &Path) -> Result<Written> {
        close(self.out, tmp_root, &self.rel)
    }
}

/// Appends `s` as a JSON string (RFC 8259): `"` and `\` escaped, control characters as
/// `\n`, `\r`, `\t` or `\u00XX`; everything else as UTF-8.
pub(crate) fn push_json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    if bytes.iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 15)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_format_like_display() {
        let mut row = TextRow::new(1);
        for v in [0, 7, -7, 10, 3_500_000, i64::MAX, i64::MIN] {
            row.int(0, v);
            assert_eq!(row.cells[0].text, v.to_string());
        }
        for (y, m, d) in [
            (1, 1, 1),
            (1980, 4, 1),
            (2001, 12, 31),
            (9999, 12, 31),
            (-5, 3, 9),
        ] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            row.date(0, date);
            assert_eq!(row.cells[0].text, date.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn json_strings_match_serde_json() {
        for s in [
            "",
            "plain",
            "山田 太郎",
            "a\"b\\c",
            "line\nbreak\r\t",
            "\u{1}\u{1f}x",
            "𠮷",
        ] {
            let mut out = Vec::new();
            push_json_string(&mut out, s);
            let ours = String::from_utf8(out).unwrap();
            assert_eq!(ours, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn cp932_encodes_kanji_and_rejects_outside_characters() {
        let mut enc = encoding_rs::SHIFT_JIS.new_encoder();
        let mut out = Vec::new();
        // 山 is 0x8E52 in JIS X 0208 / CP932; ① (NEC row 13) is 0x8740.
        assert_eq!(encode_cp932(&mut enc, "山①", &mut out), Ok(()));
        assert_eq!(out, [0x8E, 0x52, 0x87, 0x40]);
        out.clear();
        assert_eq!(encode_cp932(&mut enc, "吉𠮷", &mut out), Err('𠮷'));
    }
}
