//! The Japanese working calendar: national holidays (国民の祝日), the days a municipal office
//! is open, and the days banks settle — so generated 届出日, 処理日 and 口座振替日 fall where a real
//! municipality's would.
//!
//! Holidays are computed from the rules of 国民の祝日に関する法律 (祝日法) and its amendments,
//! not read from a table, for the years [`FIRST_YEAR`]`..=`[`LAST_YEAR`]:
//!
//! - fixed days: 元日 1/1, 建国記念の日 2/11, 天皇誕生日 (12/23 until 2018, none in 2019, 2/23 from
//!   2020), 昭和の日 4/29 (みどりの日 until 2006), 憲法記念日 5/3, みどりの日 5/4 (from 2007),
//!   こどもの日 5/5, 山の日 8/11 (from 2016), 文化の日 11/3, 勤労感謝の日 11/23;
//! - Happy Monday days (from 2000/2003): 成人の日 (2nd Monday of January), 海の日 (3rd Monday of
//!   July; 7/20 until 2002), 敬老の日 (3rd Monday of September; 9/15 until 2002), 体育の日 /
//!   スポーツの日 (2nd Monday of October);
//! - 春分の日 and 秋分の日 on the equinox as the 国立天文台 announces it, by the standard
//!   approximation valid for 1980–2099;
//! - the Olympic years' moves (2020: 海の日 7/23, スポーツの日 7/24, 山の日 8/10; 2021: 7/22, 7/23,
//!   8/8, 東京オリンピック競技大会特別措置法) and 2019's enthronement days (5/1 and 10/22,
//!   天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする法律);
//! - 振替休日: a holiday on a Sunday moves to the next day that is not a holiday (the next Monday
//!   until 2006);
//! - 国民の休日: a day between two holidays that is not itself a holiday or a Sunday.
//!
//! Offices and banks: a municipal office is closed on Saturdays, Sundays, holidays and from 12/29
//! to 1/3 (地方自治法 第4条の2, each municipality's 休日条例); banks are closed on Saturdays,
//! Sundays, holidays and from 12/31 to 1/3 (銀行法施行令 第5条).
//!
//! ```
//! use nhikit_core::calendar::{holiday, next_bank_day, Holiday};
//! use nhikit_core::date::NaiveDate;
//!
//! let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
//! assert_eq!(holiday(d(2026, 9, 22)), Some(Holiday::Kokumin)); // between 敬老の日 and 秋分の日
//! assert_eq!(holiday(d(2026, 5, 6)), Some(Holiday::Furikae)); // 5/3 was a Sunday
//! // 口座振替日 2027-01-01 rolls forward to the first bank day.
//! assert_eq!(next_bank_day(d(2027, 1, 1)), d(2027, 1, 4));
//! ```

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The first year whose holidays [`holiday`] knows.
pub const FIRST_YEAR: i32 = 2000;
/// The last year whose holidays [`holiday`] knows (the equinox approximation and today's law).
pub const LAST_YEAR: i32 = 2099;

/// A non-working day that is not a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Holiday {
    /// 元日.
    NewYear,
    /// 成人の日.
    ComingOfAge,
    /// 建国記念の日.
    NationalFoundation,
    /// 天皇誕生日.
    EmperorsBirthday,
    /// 春分の日.
    VernalEquinox,
    /// 昭和の日 (4/29 from 2007).
    Showa,
    /// 憲法記念日.
    Constitution,
    /// みどりの日 (4/29 until 2006, 5/4 from 2007).
    Greenery,
    /// こどもの日.
    Children,
    /// 海の日.
    Marine,
    /// 山の日.
    Mountain,
    /// 敬老の日.
    RespectForAged,
    /// 秋分の日.
    AutumnalEquinox,
    /// 体育の日 (until 2019) / スポーツの日 (from 2020).
    Sports,
    /// 文化の日.
    Culture,
    /// 勤労感謝の日.
    LabourThanksgiving,
    /// 2019's 即位の日 and 即位礼正殿の儀.
    Enthronement,
    /// 振替休日.
    Furikae,
    /// 国民の休日 (a day between two holidays).
    Kokumin,
}

impl Holiday {
    /// The name as 内閣府's list prints it (`体育の日` until 2019, `スポーツの日` from 2020 are both
    /// [`Holiday::Sports`]; this gives the later name).
    pub fn name(self) -> &'static str {
        match self {
            Holiday::NewYear => "元日",
            Holiday::ComingOfAge => "成人の日",
            Holiday::NationalFoundation => "建国記念の日",
            Holiday::EmperorsBirthday => "天皇誕生日",
            Holiday::VernalEquinox => "春分の日",
            Holiday::Showa => "昭和の日",
            Holiday::Constitution => "憲法記念日",
            Holiday::Greenery => "みどりの日",
            Holiday::Children => "こどもの日",
            Holiday::Marine => "海の日",
            Holiday::Mountain => "山の日",
            Holiday::RespectForAged => "敬老の日",
            Holiday::AutumnalEquinox => "秋分の日",
            Holiday::Sports => "スポーツの日",
            Holiday::Culture => "文化の日",
            Holiday::LabourThanksgiving => "勤労感謝の日",
            Holiday::Enthronement => "休日（祝日扱い）",
            Holiday::Furikae => "振替休日",
            Holiday::Kokumin => "休日",
        }
    }
}

/// The `n`th (1-based) Monday of a month.
fn nth_monday(year: i32, month: u32, n: u32) -> u32 {
    let first =
        NaiveDate::from_ymd_opt(year, month, 1).map_or(0, |d| d.weekday().num_days_from_monday());
    1 + (7 - first) % 7 + 7 * (n - 1)
}

/// The day of March of 春分 and of September of 秋分 (1980–2099: 国立天文台's approximation
/// `floor(c + 0.242194 (y − 1980) − floor((y − 1980) / 4))`, in integer arithmetic).
fn equinoxes(year: i32) -> (u32, u32) {
    let y = i64::from(year - 1980);
    let day = |c: i64| ((c + 242_194 * y) / 1_000_000 - y / 4) as u32;
    (day(20_843_100), day(23_248_800))
}

/// The holiday a day is by its own right (not 振替休日 or 国民の休日).
fn proper(date: NaiveDate) -> Option<Holiday> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let (spring, autumn) = equinoxes(y);
    let h = match (m, d) {
        (1, 1) => Holiday::NewYear,
        (1, _) if d == nth_monday(y, 1, 2) => Holiday::ComingOfAge,
        (2, 11) => Holiday::NationalFoundation,
        (2, 23) if y >= 2020 => Holiday::EmperorsBirthday,
        (12, 23) if y <= 2018 => Holiday::EmperorsBirthday,
        (3, _) if d == spring => Holiday::VernalEquinox,
        (4, 29) if y >= 2007 => Holiday::Showa,
        (4, 29) => Holiday::Greenery,
        (5, 1) if y == 2019 => Holiday::Enthronement,
        (5, 3) => Holiday::Constitution,
        (5, 4) if y >= 2007 => Holiday::Greenery,
        (5, 5) => Holiday::Children,
        (7, _) if d == marine_day(y) => Holiday::Marine,
        (7, 24) if y == 2020 => Holiday::Sports,
        (7, 23) if y == 2021 => Holiday::Sports,
        (8, _) if y >= 2016 && d == mountain_day(y) => Holiday::Mountain,
        (9, _) if d == respect_day(y) => Holiday::RespectForAged,
        (9, _) if d == autumn => Holiday::AutumnalEquinox,
        (10, _) if !(2020..=2021).contains(&y) && d == nth_monday(y, 10, 2) => Holiday::Sports,
        (10, 22) if y == 2019 => Holiday::Enthronement,
        (11, 3) => Holiday::Culture,
        (11, 23) => Holiday::LabourThanksgiving,
        _ => return None,
    };
    Some(h)
}

fn marine_day(y: i32) -> u32 {
    match y {
        ..=2002 => 20,
        2020 => 23,
        2021 => 22,
        _ => nth_monday(y, 7, 3),
    }
}

fn mountain_day(y: i32) -> u32 {
    match y {
        2020 => 10,
        2021 => 8,
        _ => 11,
    }
}

fn respect_day(y: i32) -> u32 {
    if y <= 2002 { 15 } else { nth_monday(y, 9, 3) }
}

/// The holiday `date` is, if any; `None` outside [`FIRST_YEAR`]`..=`[`LAST_YEAR`].
pub fn holiday(date: NaiveDate) -> Option<Holiday> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return None;
    }
    if let Some(h) = proper(date) {
        return Some(h);
    }
    let day = Duration::days(1);
    // 振替休日: the run of holidays just before this day starts or contains a Sunday holiday
    // (from 2007: the first non-holiday after it; until 2006: only the Monday after).
    let mut back = date - day;
    while proper(back).is_some() {
        if back.weekday() == Weekday::Sun && (date.year() >= 2007 || back + day == date) {
            return Some(Holiday::Furikae);
        }
        back -= day;
    }
    // 国民の休日: between two holidays, itself not a Sunday.
    if date.weekday() != Weekday::Sun
        && proper(date - day).is_some()
        && proper(date + day).is_some()
    {
        return Some(Holiday::Kokumin);
    }
    None
}

/// Whether `date` is a Saturday or a Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Whether a municipal office is open on `date`: not a weekend, not a holiday, not 12/29–1/3.
pub fn is_office_day(date: NaiveDate) -> bool {
    let year_end = matches!((date.month(), date.day()), (12, 29..) | (1, ..=3));
    !is_weekend(date) && !year_end && holiday(date).is_none()
}

/// Whether banks settle on `date`: not a weekend, not a holiday, not 12/31–1/3.
pub fn is_bank_day(date: NaiveDate) -> bool {
    let year_end = matches!((date.month(), date.day()), (12, 31) | (1, ..=3));
    !is_weekend(date) && !year_end && holiday(date).is_none()
}

/// `date` if a municipal office is open on it, else the next day it is.
pub fn next_office_day(date: NaiveDate) -> NaiveDate {
    roll(date, is_office_day)
}

/// `date` if banks settle on it, else the next day they do (a 口座振替日 that falls on a closed
/// day is debited on the next bank day).
pub fn next_bank_day(date: NaiveDate) -> NaiveDate {
    roll(date, is_bank_day)
}

/// The first day from `date` on that `open` accepts (at most a fortnight on: no closure in law
/// is longer, so the loop ends).
fn roll(mut date: NaiveDate, open: fn(NaiveDate) -> bool) -> NaiveDate {
    for _ in 0..14 {
        if open(date) {
            return date;
        }
        date += Duration::days(1);
    }
    date
}
