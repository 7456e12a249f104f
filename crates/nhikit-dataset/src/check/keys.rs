//! Where records are (`At`, `Places`), the codes the cross-record rules keep in 8 bytes
//! (`Code`, `Codes`) and what they keep per record (`Keys`). Unique keys and references are
//! the schema's (`nhikit_schema::keys`).

use nhikit_core::date::NaiveDate;
use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU64;

use super::{Violation, s};
use nhikit_schema::Record;

/// Where a record came from: its ordinal in reading order, which [`Places`] turns back into
/// the file and the row (8 bytes kept per record instead of a path and a row).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct At(pub(crate) u64);

/// The files read and where each record came from, kept as runs of consecutive rows: a file
/// whose reader numbers its rows one by one is one run.
#[derive(Default)]
pub(crate) struct Places {
    pub(crate) files: Vec<String>,
    /// (first ordinal, file index, row): the records from that ordinal on are the rows `row`,
    /// `row + 1`, … of the file, up to the next run.
    pub(crate) runs: Vec<(u64, usize, u64)>,
    pub(crate) next: u64,
}

impl Places {
    /// Starts reading the file at `path`: its index, for [`Places::record`].
    pub(crate) fn file(&mut self, path: &str) -> usize {
        self.files.push(path.to_owned());
        self.files.len() - 1
    }

    /// The place of the next record read: row `row` of file `file`.
    pub(crate) fn record(&mut self, file: usize, row: u64) -> At {
        let at = At(self.next);
        self.next += 1;
        let continues = self
            .runs
            .last()
            .is_some_and(|&(first, f, r)| f == file && r.checked_add(at.0 - first) == Some(row));
        if !continues {
            self.runs.push((at.0, file, row));
        }
        at
    }

    /// The file and row of a record.
    pub(crate) fn place(&self, at: At) -> (&str, u64) {
        // Every `At` comes from `record`, which starts a run at or before it.
        let i = self.runs.partition_point(|r| r.0 <= at.0).saturating_sub(1);
        let (first, file, row) = self.runs[i];
        (&self.files[file], row + (at.0 - first))
    }

    /// A violation at a record.
    pub(crate) fn violation(
        &self,
        at: At,
        item: &str,
        rule: &'static str,
        message: String,
    ) -> Violation {
        let (file, row) = self.place(at);
        Violation {
            file: file.to_owned(),
            row,
            item: item.to_owned(),
            rule,
            message,
        }
    }
}

/// A code or number that the cross-record rules keep — lgcode, 宛名番号, 世帯番号, 保険者番号,
/// 続柄, 事由 — in 8 bytes: 1 to 17 ASCII digits packed with their count (leading zeros
/// kept), any other text the index of its copy in [`Codes`]. Equal codes are equal texts;
/// their order is not that of the texts (see [`Codes::cmp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Code(pub(crate) NonZeroU64);

/// The tag of a [`Code`] of digits: (value << 5 | count), below 2^62 for 17 digits.
pub(crate) const DIGITS: u64 = 1 << 62;

/// The tag of a [`Code`] of other text: the index in [`Codes::texts`].
pub(crate) const TEXT: u64 = 1 << 63;

impl Code {
    /// The code of 1 to 17 ASCII digits; `None` for any other text.
    pub(crate) fn digits(s: &str) -> Option<Code> {
        if s.is_empty() || s.len() > 17 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value = s.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'));
        NonZeroU64::new(DIGITS | value << 5 | s.len() as u64).map(Code)
    }
}

/// The texts of the [`Code`]s that are not digits, one copy each.
#[derive(Default)]
pub(crate) struct Codes {
    pub(crate) index: HashMap<Box<str>, u64>,
    pub(crate) texts: Vec<Box<str>>,
}

impl Codes {
    /// The code of `s`, keeping a copy of it if it is not digits.
    pub(crate) fn code(&mut self, s: &str) -> Code {
        Code::digits(s).unwrap_or_else(|| {
            let n = match self.index.get(s) {
                Some(&n) => n,
                None => {
                    let n = self.texts.len() as u64;
                    self.texts.push(s.into());
                    self.index.insert(s.into(), n);
                    n
                }
            };
            Code(NonZeroU64::new(TEXT | n).expect("the tag is not zero"))
        })
    }

    /// The text of `c` as bytes, written into `buf` when it is digits.
    pub(crate) fn bytes<'a>(&'a self, c: Code, buf: &'a mut [u8; 17]) -> &'a [u8] {
        let n = c.0.get();
        if n & TEXT != 0 {
            return self.texts[(n & !TEXT) as usize].as_bytes();
        }
        let (mut value, len) = ((n & !DIGITS) >> 5, (n & 31) as usize);
        for b in buf[..len].iter_mut().rev() {
            *b = b'0' + (value % 10) as u8;
            value /= 10;
        }
        &buf[..len]
    }

    /// `c` as text, for a message.
    pub(crate) fn show(&self, c: Code) -> Shown<'_> {
        Shown(self, Some(c))
    }

    /// `c` as text, `-` for none.
    pub(crate) fn show_or_dash(&self, c: Option<Code>) -> Shown<'_> {
        Shown(self, c)
    }

    /// The order of the texts of `a` and `b`.
    pub(crate) fn cmp(&self, a: Code, b: Code) -> std::cmp::Ordering {
        let (x, y) = (a.0.get(), b.0.get());
        // As many digits on both sides: the order of the values.
        if (x | y) & TEXT == 0 && x & 31 == y & 31 {
            return x.cmp(&y);
        }
        let (mut x, mut y) = ([0; 17], [0; 17]);
        self.bytes(a, &mut x).cmp(self.bytes(b, &mut y))
    }
}

/// A code shown as its text (see [`Codes::show`]).
pub(crate) struct Shown<'a>(&'a Codes, Option<Code>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(c) = self.1 else {
            return f.write_str("-");
        };
        let mut buf = [0; 17];
        // Both kinds of code are UTF-8: ASCII digits, or a copy of a `str`.
        f.write_str(std::str::from_utf8(self.0.bytes(c, &mut buf)).map_err(|_| fmt::Error)?)
    }
}

/// The items of a record that the cross-record rules need, kept while the files are read.
#[derive(Default)]
pub(crate) struct Keys {
    /// The texts of the codes kept.
    pub(crate) codes: Codes,
    /// (lgcode, 世帯番号) → (where, 世帯主宛名番号).
    pub(crate) households: HashMap<(Code, Code), HouseholdKey>,
    /// Whether the dataset has `person` records.
    pub(crate) have_persons: bool,
    /// The members of the households, in reading order (sorted by household at the end).
    pub(crate) members: Vec<MemberKey>,
    /// Whether the dataset has `qualification_event` files: then the history rules run and
    /// `deaths`, `periods` and `events` are filled.
    pub(crate) track_history: bool,
    /// First and last day of the history window (manifest `options.history`), if recorded.
    pub(crate) window: Option<(NaiveDate, NaiveDate)>,
    /// (lgcode, 宛名番号) → 死亡日.
    pub(crate) deaths: HashMap<(Code, Code), NaiveDate>,
    /// The `qualification` rows, in reading order (sorted by person at the end).
    pub(crate) periods: Vec<PeriodKey>,
    /// The `qualification_event` rows, in reading order (sorted by person at the end).
    pub(crate) events: Vec<EventKey>,
    /// 葬祭費 claims to match with the person's 死亡日: (where, lgcode, 宛名番号, 死亡年月日).
    pub(crate) funeral_deaths: Vec<(At, Code, Code, NaiveDate)>,
    /// (lgcode, 世帯番号, 年度) → 年税額 of the 当初賦課 (revision 0).
    pub(crate) assessments: HashMap<(Code, Code, i64), i64>,
    /// (lgcode, 世帯番号, 年度) → the payments of that assessment.
    pub(crate) payments: HashMap<(Code, Code, i64), PaymentSum>,
}

impl Keys {
    /// The code of `item` in `r`, if it is text.
    pub(crate) fn code(&mut self, r: &Record, item: &str) -> Option<Code> {
        s(r, item).map(|t| self.codes.code(t))
    }

    /// The code of `item` in `r`, of the empty text if it has none.
    pub(crate) fn id(&mut self, r: &Record, item: &str) -> Code {
        self.codes.code(s(r, item).unwrap_or_default())
    }
}

/// The `payment` rows of one assessment, summed: where the first is, the 期別調定額 of the
/// installments (rows with 収納連番 1), the amounts received.
pub(crate) struct PaymentSum {
    pub(crate) at: At,
    pub(crate) billed: i64,
    pub(crate) paid: i64,
}

/// A `qualification` row: where, (lgcode, 宛名番号), 資格履歴番号, 資格取得日, 取得事由, 喪失日,
/// 喪失事由.
pub(crate) struct PeriodKey {
    pub(crate) at: At,
    pub(crate) person: (Code, Code),
    pub(crate) seq: i64,
    pub(crate) acquired: Option<NaiveDate>,
    pub(crate) reason: Option<Code>,
    pub(crate) lost: Option<NaiveDate>,
    pub(crate) loss_reason: Option<Code>,
}

/// A `qualification_event` row: where, (lgcode, 宛名番号), 異動連番, 資格履歴番号, 異動区分,
/// 異動日, 事由.
pub(crate) struct EventKey {
    pub(crate) at: At,
    pub(crate) person: (Code, Code),
    pub(crate) seq: i64,
    pub(crate) qualification_seq: i64,
    pub(crate) kind: Option<Code>,
    pub(crate) date: Option<NaiveDate>,
    pub(crate) reason: Option<Code>,
}

/// A household as the cross-record rules see it: where, 世帯主宛名番号.
pub(crate) type HouseholdKey = (At, Option<Code>);

/// A `person` row as a member of its household: (lgcode, 世帯番号), 宛名番号, 続柄, birth
/// date, whether a current resident (住民状態 1 or absent).
pub(crate) struct MemberKey {
    pub(crate) household: (Code, Code),
    pub(crate) address: Code,
    pub(crate) relationship: Option<Code>,
    pub(crate) birth: Option<NaiveDate>,
    pub(crate) resident: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that are packed (digits, leading zeros, 17 digits) and kept (empty, 18 digits,
    /// letters, full-width digits).
    const TEXTS: [&str; 12] = [
        "",
        "0",
        "00",
        "0000000000",
        "9",
        "10",
        "131024",
        "12345678901234567",
        "99999999999999999",
        "123456789012345678",
        "ABC",
        "１２３",
    ];

    #[test]
    fn a_code_shows_its_text_and_equal_codes_are_equal_texts() {
        let mut codes = Codes::default();
        let all: Vec<Code> = TEXTS.iter().map(|t| codes.code(t)).collect();
        for (t, c) in TEXTS.iter().zip(&all) {
            assert_eq!(codes.show(*c).to_string(), *t);
            assert_eq!(codes.code(t), *c, "{t:?} has one code");
        }
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert_eq!(a == b, i == j, "{:?} {:?}", TEXTS[i], TEXTS[j]);
                // The order of the texts, as `str` orders them.
                assert_eq!(codes.cmp(*a, *b), TEXTS[i].cmp(TEXTS[j]));
            }
        }
        assert_eq!(codes.show_or_dash(None).to_string(), "-");
        assert_eq!(
            codes.texts.len(),
            4,
            "only the texts that are not 1–17 digits are kept"
        );
    }
}
