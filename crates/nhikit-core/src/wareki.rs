//! 和暦 (Japanese era calendar) dates from 1873-01-01 onwards.
//!
//! Japan adopted the Gregorian calendar on 明治6年1月1日 (1873-01-01); earlier 明治 dates
//! were lunisolar and are out of scope. Era boundaries (first day of each era):
//! 明治 1873-01-01 (for our purposes), 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08,
//! 令和 2019-05-01 (DOMAIN.md "Dates and ages"; the 改元 dates of the 元号を改める政令).

use crate::serde_str::serde_via_str;
use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// A Japanese era (元号) from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    /// 明治 (M), from 1873-01-01 here (the era itself began in 1868).
    Meiji,
    /// 大正 (T), from 1912-07-30.
    Taisho,
    /// 昭和 (S), from 1926-12-25.
    Showa,
    /// 平成 (H), from 1989-01-08.
    Heisei,
    /// 令和 (R), from 2019-05-01.
    Reiwa,
}

const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// The first date this module supports: 明治6年1月1日, the Gregorian calendar's adoption.
pub const FIRST_SUPPORTED: NaiveDate = ymd(1873, 1, 1);

impl Era {
    /// All eras, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era name in kanji (`令和`).
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter code (`M`, `T`, `S`, `H`, `R`).
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The conventional numeric era code, 明治 1, 大正 2, 昭和 3, 平成 4, 令和 5: the de facto
    /// standard of many systems (◐ secondary source: the comparison of era-code schemes at
    /// wiki.suikawiki.org "年号コード"). The J-LIS 中間標準レイアウト uses a 2-digit 年号コード
    /// (DOMAIN-FACTS §1.6 \[S14\]) whose values we have not confirmed; do not assume they equal
    /// these.
    pub fn conventional_code(self) -> u8 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    /// The Gregorian year of the era's first year (元年): 1868, 1912, 1926, 1989, 2019.
    pub fn first_year(self) -> i32 {
        match self {
            Era::Meiji => 1868,
            Era::Taisho => 1912,
            Era::Showa => 1926,
            Era::Heisei => 1989,
            Era::Reiwa => 2019,
        }
    }

    /// The first supported day of the era (明治: 1873-01-01, see [`FIRST_SUPPORTED`]).
    pub fn start(self) -> NaiveDate {
        match self {
            Era::Meiji => FIRST_SUPPORTED,
            Era::Taisho => ymd(1912, 7, 30),
            Era::Showa => ymd(1926, 12, 25),
            Era::Heisei => ymd(1989, 1, 8),
            Era::Reiwa => ymd(2019, 5, 1),
        }
    }

    /// The last day of the era, `None` for the current one.
    pub fn end(self) -> Option<NaiveDate> {
        match self {
            Era::Meiji => Some(ymd(1912, 7, 29)),
            Era::Taisho => Some(ymd(1926, 12, 24)),
            Era::Showa => Some(ymd(1989, 1, 7)),
            Era::Heisei => Some(ymd(2019, 4, 30)),
            Era::Reiwa => None,
        }
    }

    /// The era of `date`, `None` before 1873-01-01.
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|era| era.start() <= date)
    }

    /// The era with this one-letter code.
    pub fn from_letter(letter: char) -> Option<Era> {
        Era::ALL.into_iter().find(|era| era.letter() == letter)
    }

    fn strip_kanji(text: &str) -> Option<(Era, &str)> {
        Era::ALL
            .into_iter()
            .find_map(|era| text.strip_prefix(era.kanji()).map(|rest| (era, rest)))
    }
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kanji())
    }
}

/// `1989-01-08 to 2019-04-30`, or `from 2019-05-01` for the current era.
fn era_span(first: NaiveDate, last: Option<NaiveDate>) -> String {
    match last {
        Some(last) => format!("{first} to {last}"),
        None => format!("from {first}"),
    }
}

/// Why a 和暦 date was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WarekiError {
    /// A Gregorian date before 1873-01-01.
    #[error("{date} is before 1873-01-01 (明治6年1月1日), the first date supported")]
    BeforeMeiji {
        /// The date given.
        date: NaiveDate,
    },
    /// A date that exists but not in the era named (平成31年5月1日 is 令和元年5月1日).
    #[error("{era}{year}年{month}月{day}日 is outside {era} ({})", era_span(*first, *last))]
    OutsideEra {
        /// The era named.
        era: Era,
        /// The era year given.
        year: u32,
        /// The month given.
        month: u32,
        /// The day given.
        day: u32,
        /// The era's first supported day.
        first: NaiveDate,
        /// The era's last day, `None` for the current era.
        last: Option<NaiveDate>,
    },
    /// A month or day that does not exist (2月30日, 13月).
    #[error("{era}{year}年{month}月{day}日 does not exist")]
    NoSuchDate {
        /// The era named.
        era: Era,
        /// The era year given.
        year: u32,
        /// The month given.
        month: u32,
        /// The day given.
        day: u32,
    },
    /// Text that is not a 和暦 date in a supported form.
    #[error(
        "cannot read {input:?} as a 和暦 date: {reason} (forms: 令和7年4月1日, 令和元年5月1日, R7.4.1, R07.04.01)"
    )]
    Syntax {
        /// The text given.
        input: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// A date in the 和暦: era, era year (1 = 元年), month and day, always a real day inside
/// its era and not before 1873-01-01.
///
/// Text forms: `Display` gives `令和7年4月1日` (`令和元年5月1日` for year 1); `FromStr` also
/// accepts `令和1年5月1日`, full-width digits in the kanji form, and the short forms `R7.4.1`
/// and `R07.04.01` (letters M, T, S, H, R). [`WarekiDate::short`] gives `R07.04.01`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WarekiDate {
    date: NaiveDate,
    era: Era,
    year: u32,
}

impl WarekiDate {
    /// The date `era` `year`年`month`月`day`日, checked against the era's boundaries.
    pub fn new(era: Era, year: u32, month: u32, day: u32) -> Result<WarekiDate, WarekiError> {
        let gregorian = i32::try_from(year)
            .ok()
            .and_then(|y| y.checked_add(era.first_year() - 1));
        let Some(date) = gregorian.and_then(|y| NaiveDate::from_ymd_opt(y, month, day)) else {
            return Err(WarekiError::NoSuchDate {
                era,
                year,
                month,
                day,
            });
        };
        if year == 0 || date < era.start() || era.end().is_some_and(|end| date > end) {
            return Err(WarekiError::OutsideEra {
                era,
                year,
                month,
                day,
                first: era.start(),
                last: era.end(),
            });
        }
        Ok(WarekiDate { date, era, year })
    }

    /// The 和暦 form of a Gregorian date; an error before 1873-01-01.
    pub fn from_gregorian(date: NaiveDate) -> Result<WarekiDate, WarekiError> {
        let era = Era::of(date).ok_or(WarekiError::BeforeMeiji { date })?;
        // The era's first year is at most the date's year, so this is at least 1.
        let year = u32::try_from(date.year() - era.first_year() + 1)
            .map_err(|_| WarekiError::BeforeMeiji { date })?;
        Ok(WarekiDate { date, era, year })
    }

    /// The Gregorian date.
    pub fn to_gregorian(self) -> NaiveDate {
        self.date
    }

    /// The era.
    pub fn era(self) -> Era {
        self.era
    }

    /// The era year (1 = 元年).
    pub fn year(self) -> u32 {
        self.year
    }

    /// The month, 1..=12.
    pub fn month(self) -> u32 {
        self.date.month()
    }

    /// The day of the month.
    pub fn day(self) -> u32 {
        self.date.day()
    }

    /// The short form `R07.04.01` (letter, then 2-digit year, month and day).
    pub fn short(self) -> String {
        format!(
            "{}{:02}.{:02}.{:02}",
            self.era.letter(),
            self.year,
            self.month(),
            self.day()
        )
    }
}

impl fmt::Display for WarekiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.era.kanji())?;
        if self.year == 1 {
            f.write_str("元")?;
        } else {
            write!(f, "{}", self.year)?;
        }
        write!(f, "年{}月{}日", self.month(), self.day())
    }
}

/// Reads a run of 1–6 digits (ASCII, or full-width when `fullwidth` is allowed) from the
/// start of `text`, returning its value and the rest.
fn leading_number(text: &str, fullwidth: bool) -> Option<(u32, &str)> {
    let mut value = 0u32;
    let mut count = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let digit = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            '０'..='９' if fullwidth => u32::from(c) - u32::from('０'),
            _ => break,
        };
        count += 1;
        if count > 6 {
            return None;
        }
        value = value * 10 + digit;
        end = i + c.len_utf8();
    }
    (count > 0).then(|| (value, &text[end..]))
}

fn parse_kanji(rest: &str) -> Result<(u32, u32, u32), &'static str> {
    let (year, rest) = match rest.strip_prefix('元') {
        Some(rest) => (1, rest),
        None => leading_number(rest, true).ok_or("the year should be 元 or digits")?,
    };
    let rest = rest.strip_prefix('年').ok_or("年 should follow the year")?;
    let (month, rest) = leading_number(rest, true).ok_or("the month should be digits")?;
    let rest = rest
        .strip_prefix('月')
        .ok_or("月 should follow the month")?;
    let (day, rest) = leading_number(rest, true).ok_or("the day should be digits")?;
    match rest {
        "日" => Ok((year, month, day)),
        _ => Err("日 should end the date"),
    }
}

fn parse_short(rest: &str) -> Result<(u32, u32, u32), &'static str> {
    let mut parts = rest.split('.');
    let mut next = |what: &'static str| -> Result<u32, &'static str> {
        let part = parts.next().ok_or(what)?;
        match leading_number(part, false) {
            Some((value, "")) => Ok(value),
            _ => Err(what),
        }
    };
    let year = next("the year should be 1-2 digits")?;
    let month = next("the month should be digits after a '.'")?;
    let day = next("the day should be digits after a '.'")?;
    if parts.next().is_some() {
        return Err("there should be exactly three numbers");
    }
    Ok((year, month, day))
}

impl FromStr for WarekiDate {
    type Err = WarekiError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = |reason| WarekiError::Syntax {
            input: s.to_owned(),
            reason,
        };
        let (era, fields) = if let Some((era, rest)) = Era::strip_kanji(s) {
            (era, parse_kanji(rest))
        } else {
            let mut chars = s.chars();
            let era = chars.next().and_then(Era::from_letter).ok_or_else(|| {
                syntax("it should start with an era: 明治, 大正, 昭和, 平成, 令和 or M, T, S, H, R")
            })?;
            (era, parse_short(chars.as_str()))
        };
        let (year, month, day) = fields.map_err(syntax)?;
        WarekiDate::new(era, year, month, day)
    }
}

serde_via_str!(WarekiDate);

impl From<WarekiDate> for NaiveDate {
    fn from(date: WarekiDate) -> NaiveDate {
        date.to_gregorian()
    }
}

impl TryFrom<NaiveDate> for WarekiDate {
    type Error = WarekiError;

    fn try_from(date: NaiveDate) -> Result<WarekiDate, WarekiError> {
        WarekiDate::from_gregorian(date)
    }
}

impl FromStr for Era {
    type Err = WarekiError;

    /// Reads an era name in kanji (`令和`) or its letter (`R`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Era::ALL
            .into_iter()
            .find(|era| era.kanji() == s || s.len() == 1 && s.starts_with(era.letter()))
            .ok_or_else(|| WarekiError::Syntax {
                input: s.to_owned(),
                reason: "not an era name (明治, 大正, 昭和, 平成, 令和 or M, T, S, H, R)",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn w(s: &str) -> Result<WarekiDate, WarekiError> {
        s.parse()
    }

    // Era boundaries: DOMAIN.md "Dates and ages" and the 改元 dates (平成 from 1989-01-08 by
    // 元号を改める政令 (昭和64年政令第1号); 令和 from 2019-05-01 (平成31年政令第143号)).
    #[test]
    fn era_boundaries() {
        assert_eq!(w("平成31年4月30日").unwrap().to_gregorian(), d(2019, 4, 30));
        assert!(matches!(
            w("平成31年5月1日"),
            Err(WarekiError::OutsideEra {
                era: Era::Heisei,
                ..
            })
        ));
        assert_eq!(w("昭和64年1月7日").unwrap().to_gregorian(), d(1989, 1, 7));
        assert!(matches!(
            w("昭和64年1月8日"),
            Err(WarekiError::OutsideEra { .. })
        ));
        assert_eq!(w("平成元年1月8日").unwrap().to_gregorian(), d(1989, 1, 8));
        assert!(w("平成元年1月7日").is_err());
        assert_eq!(w("大正元年7月30日").unwrap().to_gregorian(), d(1912, 7, 30));
        assert_eq!(w("明治45年7月29日").unwrap().to_gregorian(), d(1912, 7, 29));
        assert!(w("明治45年7月30日").is_err());
        assert_eq!(
            w("昭和元年12月25日").unwrap().to_gregorian(),
            d(1926, 12, 25)
        );
        assert_eq!(
            w("大正15年12月24日").unwrap().to_gregorian(),
            d(1926, 12, 24)
        );
        assert!(w("大正15年12月25日").is_err());
        assert_eq!(w("明治6年1月1日").unwrap().to_gregorian(), d(1873, 1, 1));
        assert!(w("明治5年12月31日").is_err());
    }

    #[test]
    fn from_gregorian_and_display() {
        let r = WarekiDate::from_gregorian(d(2025, 4, 1)).unwrap();
        assert_eq!(r.to_string(), "令和7年4月1日");
        assert_eq!(r.short(), "R07.04.01");
        assert_eq!(
            (r.era(), r.year(), r.month(), r.day()),
            (Era::Reiwa, 7, 4, 1)
        );
        assert_eq!(
            WarekiDate::from_gregorian(d(2019, 5, 1))
                .unwrap()
                .to_string(),
            "令和元年5月1日"
        );
        assert_eq!(
            WarekiDate::from_gregorian(d(2019, 4, 30))
                .unwrap()
                .to_string(),
            "平成31年4月30日"
        );
        assert_eq!(
            WarekiDate::from_gregorian(d(1989, 1, 7))
                .unwrap()
                .to_string(),
            "昭和64年1月7日"
        );
        assert_eq!(
            WarekiDate::from_gregorian(d(1872, 12, 31)).unwrap_err(),
            WarekiError::BeforeMeiji {
                date: d(1872, 12, 31)
            }
        );
    }

    #[test]
    fn accepted_forms() {
        let expected = d(2025, 4, 1);
        for text in [
            "令和7年4月1日",
            "R7.4.1",
            "R07.04.01",
            "令和07年04月01日",
            "令和７年４月１日",
        ] {
            assert_eq!(w(text).unwrap().to_gregorian(), expected, "{text}");
        }
        assert_eq!(w("令和元年5月1日").unwrap().to_gregorian(), d(2019, 5, 1));
        assert_eq!(w("令和1年5月1日").unwrap().to_gregorian(), d(2019, 5, 1));
        assert_eq!(w("H31.04.30").unwrap().to_gregorian(), d(2019, 4, 30));
        assert_eq!(w("S64.1.7").unwrap().to_gregorian(), d(1989, 1, 7));
        assert_eq!(w("M45.7.29").unwrap().era(), Era::Meiji);
        assert_eq!(w("T1.7.30").unwrap().era(), Era::Taisho);
    }

    #[test]
    fn rejected_forms() {
        for text in [
            "",
            "令和",
            "令和7年4月1",
            "令和7年4月1日 ",
            "令和年4月1日",
            "R7.4",
            "R7.4.1.1",
            "R7..1",
            "r7.4.1",
            "X7.4.1",
            "R７.4.1",
            "2025-04-01",
            "令和7年4月1日日",
            "R1234567.1.1",
        ] {
            assert!(
                matches!(w(text), Err(WarekiError::Syntax { .. })),
                "{text:?}"
            );
        }
        assert!(matches!(
            w("令和7年2月29日"),
            Err(WarekiError::NoSuchDate { .. })
        ));
        assert!(matches!(
            w("令和8年13月1日"),
            Err(WarekiError::NoSuchDate { .. })
        ));
        assert!(matches!(
            w("令和0年5月1日"),
            Err(WarekiError::OutsideEra { .. })
        ));
        // 令和6年 = 2024, a leap year.
        assert_eq!(w("令和6年2月29日").unwrap().to_gregorian(), d(2024, 2, 29));
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            w("平成31年5月1日").unwrap_err().to_string(),
            "平成31年5月1日 is outside 平成 (1989-01-08 to 2019-04-30)"
        );
        assert_eq!(
            w("令和7年2月30日").unwrap_err().to_string(),
            "令和7年2月30日 does not exist"
        );
    }

    #[test]
    fn era_names() {
        for era in Era::ALL {
            assert_eq!(era.kanji().parse::<Era>().unwrap(), era);
            assert_eq!(era.letter().to_string().parse::<Era>().unwrap(), era);
        }
        assert!("令".parse::<Era>().is_err());
        assert!("RR".parse::<Era>().is_err());
        assert_eq!(Era::of(d(1989, 1, 7)), Some(Era::Showa));
        assert_eq!(Era::of(d(1872, 12, 31)), None);
        let date = d(2000, 1, 1);
        assert_eq!(NaiveDate::from(WarekiDate::try_from(date).unwrap()), date);
    }

    #[test]
    fn serde_as_text() {
        let r = w("R1.5.1").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"令和元年5月1日\"");
        assert_eq!(
            serde_json::from_str::<WarekiDate>("\"令和元年5月1日\"").unwrap(),
            r
        );
    }
}
