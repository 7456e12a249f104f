//! Legal age (年齢計算ニ関スル法律) against an independent formulation.

use chrono::Datelike;
use nhikit_core::date::{NaiveDate, age_on, date_reaching_age};
use proptest::prelude::*;

/// Age by counting the ages already reached: age k is reached on `date_reaching_age(k)`
/// (the day before the k-th birthday; 2/28 for a 2/29 birthday in a common year).
fn age_by_counting(birth: NaiveDate, on: NaiveDate) -> u32 {
    (1..=300)
        .take_while(|&k| date_reaching_age(birth, k).is_some_and(|reached| reached <= on))
        .count() as u32
}

/// The statute read directly for a 2/29 birth: in a common year the day before the
/// birthday (3/1) is 2/28; in a leap year it is 2/28 as well (the day before 2/29).
fn leap_day_age(birth_year: i32, on: NaiveDate) -> u32 {
    let mut age = on.year() - birth_year;
    // The age of this year is reached at the start of 2/28 (the end of 2/27 plus one
    // day, i.e. on 2/28 the new age holds).
    if (on.month(), on.day()) < (2, 28) {
        age -= 1;
    }
    u32::try_from(age).unwrap_or(0)
}

fn date_strategy(from_year: i32, to_year: i32) -> impl Strategy<Value = NaiveDate> {
    (from_year..=to_year, 1u32..=366).prop_map(|(y, ordinal)| {
        NaiveDate::from_yo_opt(y, ordinal)
            .unwrap_or_else(|| NaiveDate::from_yo_opt(y, 365).unwrap())
    })
}

proptest! {
    #[test]
    fn age_agrees_with_counting(birth in date_strategy(1900, 2030), on in date_strategy(1900, 2110)) {
        prop_assert_eq!(age_on(birth, on), age_by_counting(birth, on));
    }

    #[test]
    fn leap_day_births(year in (476i32..=507).prop_map(|k| k * 4), days in 0i64..45_000) {
        // Leap years 1904..=2028 (all divisible by 4 and none a century year).
        let birth = NaiveDate::from_ymd_opt(year, 2, 29).unwrap();
        let on = birth + chrono::Duration::days(days);
        prop_assert_eq!(age_on(birth, on), age_by_counting(birth, on));
        prop_assert_eq!(age_on(birth, on), leap_day_age(year, on));
    }
}
