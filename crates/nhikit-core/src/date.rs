//! Dates: legal age (年齢計算ニ関スル法律), fiscal years (年度), and 和暦 (Japanese eras).

use chrono::Datelike;
pub use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Age in whole years on `on` under 年齢計算ニ関スル法律 (明治35年法律第50号) and 民法第143条:
/// a person reaches a new age at the end of the day *before* the birthday, so on the day
/// before the birthday the new age already holds. A person born on 2/29 reaches it at the end
/// of 2/28 in common years. Dates before the birth give 0.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    // Age on day d is the ordinary (birthday-based) age on day d + 1.
    let Some(next) = on.succ_opt() else {
        return completed_years(birth, on);
    };
    completed_years(birth, next)
}

/// Completed years counted on birthdays (the everyday count): the number of birthdays that
/// have occurred on or before `on`, with a 2/29 birthday falling on 3/1 in common years.
fn completed_years(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The date on which a person born on `birth` reaches `age` under the legal rule: the day
/// before the `age`-th birthday (the age holds from the start of this day for the purposes
/// of every rule that says "in the month in which the person reaches the age").
pub fn date_reaching_age(birth: NaiveDate, age: u32) -> Option<NaiveDate> {
    let year = birth.year().checked_add(i32::try_from(age).ok()?)?;
    // The birthday of that year; a 2/29 birth in a common year has its birthday on 3/1, so
    // the age is reached on 2/28.
    let birthday = NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))?;
    birthday.pred_opt()
}

/// A fiscal year (年度): April 1 of `year` to March 31 of `year + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FiscalYear(pub i32);

impl FiscalYear {
    /// The fiscal year containing `date`.
    pub fn of(date: NaiveDate) -> FiscalYear {
        if date.month() >= 4 {
            FiscalYear(date.year())
        } else {
            FiscalYear(date.year() - 1)
        }
    }

    /// April 1 of the fiscal year.
    pub fn start(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0, 4, 1)
    }

    /// March 31 of the following calendar year.
    pub fn end(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31)
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FY{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    // Worked from the statute's wording (年齢計算ニ関スル法律 with 民法143条): a person born on
    // 1960-04-01 turns 65 at the end of 2025-03-31, so on 2025-03-31 the age is 65.
    #[test]
    fn age_increases_on_the_day_before_the_birthday() {
        let birth = d(1960, 4, 1);
        assert_eq!(age_on(birth, d(2025, 3, 30)), 64);
        assert_eq!(age_on(birth, d(2025, 3, 31)), 65);
        assert_eq!(age_on(birth, d(2025, 4, 1)), 65);
    }

    #[test]
    fn leap_day_birth_reaches_age_on_february_28() {
        let birth = d(2000, 2, 29);
        assert_eq!(age_on(birth, d(2001, 2, 27)), 0);
        assert_eq!(age_on(birth, d(2001, 2, 28)), 1);
        assert_eq!(age_on(birth, d(2004, 2, 28)), 4);
        assert_eq!(date_reaching_age(birth, 1), Some(d(2001, 2, 28)));
        assert_eq!(date_reaching_age(birth, 4), Some(d(2004, 2, 28)));
    }

    #[test]
    fn fiscal_year_runs_april_to_march() {
        assert_eq!(FiscalYear::of(d(2026, 3, 31)), FiscalYear(2025));
        assert_eq!(FiscalYear::of(d(2026, 4, 1)), FiscalYear(2026));
    }
}
