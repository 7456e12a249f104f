//! Eligibility transitions by legal age (年齢計算ニ関スル法律): 未就学, 高齢受給者 (70–74),
//! 後期高齢者医療 (75), and the months in which the 介護分 (介護保険 第2号被保険者, 40–64) is charged.
//!
//! Every date here follows from [`date_reaching_age`]: a person *reaches* an age at the end of
//! the day before the birthday, so "the day on which the person reaches N" (N歳に達する日) is
//! the day before the N-th birthday. The rules, with their sources (DOMAIN-FACTS.md §3.5, §5):
//!
//! | transition | rule | source |
//! |---|---|---|
//! | 未就学 | to the first March 31 on or after the day the person reaches 6 (六歳に達する日以後の最初の三月三十一日) | 国民健康保険法第42条第1項第2号; DOMAIN-FACTS §4.1, S93, S94 |
//! | 高齢受給者 | from the 1st of the month after the month containing the day the person reaches 70 (born on the 1st: the birthday month) | 国民健康保険法第42条第1項第3号; 山梨市, 東大阪市 (DOMAIN-FACTS S84, S85) |
//! | 後期高齢者医療 | from the 75th birthday itself (the day after the day the person reaches 75); NHI is lost that day | 高齢者医療確保法第50条・第52条; 北広島市 (DOMAIN-FACTS S73) |
//! | 介護分 | from the month containing the day the person reaches 40 to the month before the month containing the day the person reaches 65 | 介護保険法第9条第2号; 熊谷市, 長久手市, 栄町 (DOMAIN-FACTS S80, S81, S82) |

use crate::Error;
use chrono::Datelike;
use nhikit_core::date::{FiscalYear, NaiveDate, date_reaching_age};

/// The day a person reaches `age` (N歳に達する日), or an input error naming `what`.
fn reaching(birth: NaiveDate, age: u32, what: &str) -> Result<NaiveDate, Error> {
    date_reaching_age(birth, age).ok_or_else(|| Error::InvalidInput {
        item: what.to_owned(),
        reason: format!("birth date {birth} has no date of reaching age {age} in range"),
    })
}

/// The first day of the month after the month containing `d`.
fn first_of_next_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if d.month() == 12 {
        (d.year().checked_add(1)?, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// The first day of the month containing `d`.
pub(crate) fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn out_of_range(item: &str, birth: NaiveDate) -> Error {
    Error::InvalidInput {
        item: item.to_owned(),
        reason: format!("birth date {birth} gives a transition date out of range"),
    }
}

/// 未就学: the last day on which a child counts as not yet at school (未就学児), i.e. the first
/// March 31 on or after the day the child reaches 6. Born on April 1 the child reaches 6 on
/// March 31 and starts school that April, a year before a child born on April 2.
pub fn mishugaku_until(birth: NaiveDate) -> Result<NaiveDate, Error> {
    let six = reaching(birth, 6, "birth_date")?;
    let year = if (six.month(), six.day()) <= (3, 31) {
        six.year()
    } else {
        six.year() + 1
    };
    NaiveDate::from_ymd_opt(year, 3, 31).ok_or_else(|| out_of_range("birth_date", birth))
}

/// 高齢受給者: the first day on which the person is a 70–74 insured person with the 70歳以上
/// copay and limits — the 1st of the month after the month containing the day they reach 70
/// (a person born on the 1st reaches 70 on the last day of the previous month, so it is the 1st
/// of the birthday month itself).
pub fn kourei_jukyusha_start(birth: NaiveDate) -> Result<NaiveDate, Error> {
    let seventy = reaching(birth, 70, "birth_date")?;
    first_of_next_month(seventy).ok_or_else(|| out_of_range("birth_date", birth))
}

/// 後期高齢者医療: the date the person enters 後期高齢者医療 and loses NHI (資格喪失日): the
/// 75th birthday (for a 2/29 birth in a common year, March 1).
pub fn koki_koreisha_date(birth: NaiveDate) -> Result<NaiveDate, Error> {
    let seventy_five = reaching(birth, 75, "birth_date")?;
    seventy_five
        .succ_opt()
        .ok_or_else(|| out_of_range("birth_date", birth))
}

/// 75歳到達月の特例: whether the person enters 後期高齢者医療 during the month containing
/// `month` on a day other than the 1st — then the person has NHI days in that month, and their
/// NHI 高額療養費 limits for it are halved. A 75th birthday on the 1st starts 後期 with the month
/// (no NHI days remain), so it does not count.
pub fn turns_75_in_month(birth: NaiveDate, month: NaiveDate) -> Result<bool, Error> {
    let koki = koki_koreisha_date(birth)?;
    Ok(first_of_month(koki) == first_of_month(month) && koki.day() != 1)
}

/// The months of one fiscal year in which the 介護分 (介護納付金課税額) is charged for a person
/// born on `birth`, as a mask: bit 0 = April, bit 1 = May, …, bit 11 = March of the next year.
/// Membership of NHI (acquisition, loss) is not considered here; intersect with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MonthMask(pub u16);

impl MonthMask {
    /// The number of months set.
    pub fn count(self) -> u32 {
        (self.0 & 0x0fff).count_ones()
    }

    /// Whether the month `month` (1–12) of the fiscal year is set.
    pub fn contains(self, month: u32) -> bool {
        match fiscal_index(month) {
            Some(i) => self.0 & (1 << i) != 0,
            None => false,
        }
    }

    /// The calendar months set, in fiscal order (4, 5, …, 12, 1, 2, 3).
    pub fn months(self) -> Vec<u32> {
        (0..12u32)
            .filter(|i| self.0 & (1 << i) != 0)
            .map(|i| (i + 3) % 12 + 1)
            .collect()
    }
}

/// April → 0, …, March → 11.
fn fiscal_index(month: u32) -> Option<u32> {
    if (1..=12).contains(&month) {
        Some((month + 8) % 12)
    } else {
        None
    }
}

/// The months of fiscal year `fy` in which the 介護分 is charged: from the month containing the
/// day the person reaches 40 up to the month *before* the month containing the day they reach 65.
pub fn kaigo_months_in_fiscal_year(birth: NaiveDate, fy: FiscalYear) -> Result<MonthMask, Error> {
    let from = first_of_month(reaching(birth, 40, "birth_date")?);
    // Exclusive end: the first day of the month containing the day the person reaches 65.
    let until = first_of_month(reaching(birth, 65, "birth_date")?);
    let start = fy.start().ok_or_else(|| Error::InvalidInput {
        item: "fiscal_year".into(),
        reason: format!("{fy} is out of range"),
    })?;
    let mut mask = 0u16;
    let mut month = start;
    for i in 0..12 {
        if month >= from && month < until {
            mask |= 1 << i;
        }
        month = first_of_next_month(month).ok_or_else(|| Error::InvalidInput {
            item: "fiscal_year".into(),
            reason: format!("{fy} is out of range"),
        })?;
    }
    Ok(MonthMask(mask))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    // Hand calculations from the statute's wording (see the module table).
    #[test]
    fn month_after_december_rolls_the_year() {
        assert_eq!(first_of_next_month(d(2025, 12, 31)), Some(d(2026, 1, 1)));
    }

    #[test]
    fn mask_months_are_in_fiscal_order() {
        let m = MonthMask(0b1000_0000_0001);
        assert_eq!(m.months(), vec![4, 3]);
        assert!(m.contains(4) && m.contains(3) && !m.contains(5));
        assert_eq!(m.count(), 2);
    }
}
