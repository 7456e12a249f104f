//! The working calendar against an independent list: holiday-jp's transcription of 内閣府's
//! holidays (`holidays_2000_2050.txt`, source in its header), and the office and bank rules
//! against days a hand can check.

use nhikit_core::calendar::{
    Holiday, holiday, is_bank_day, is_office_day, next_bank_day, next_office_day,
};
use nhikit_core::date::NaiveDate;
use std::collections::BTreeMap;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn published() -> BTreeMap<NaiveDate, &'static str> {
    include_str!("holidays_2000_2050.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (date, name) = l.split_once(": ").unwrap();
            (NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(), name)
        })
        .collect()
}

#[test]
fn every_day_from_2000_to_2050_is_a_holiday_exactly_when_the_published_list_says_so() {
    let list = published();
    assert!(list.len() > 800, "the list holds {} days", list.len());
    let mut wrong = Vec::new();
    let mut day = d(2000, 1, 1);
    while day <= d(2050, 12, 31) {
        let ours = holiday(day);
        if ours.is_some() != list.contains_key(&day) {
            wrong.push(format!(
                "{day}: ours {ours:?}, published {:?}",
                list.get(&day)
            ));
        }
        day = day.succ_opt().unwrap();
    }
    assert!(
        wrong.is_empty(),
        "{} day(s) differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_kind_of_each_holiday_matches_the_published_name() {
    // The published names carry the kind: "… 振替休日", "休日" (国民の休日), the rest by name.
    for (date, name) in published() {
        let ours = holiday(date).unwrap();
        let expected = if name.ends_with("振替休日") {
            Holiday::Furikae
        } else if name == "休日" {
            Holiday::Kokumin
        } else if name == "休日（祝日扱い）" {
            Holiday::Enthronement
        } else if name.starts_with("体育の日") {
            Holiday::Sports
        } else {
            // Every other published name is one of ours verbatim.
            assert_eq!(ours.name(), name, "{date}");
            continue;
        };
        assert_eq!(ours, expected, "{date} ({name})");
    }
}

#[test]
fn outside_the_known_years_no_day_is_a_holiday() {
    assert_eq!(holiday(d(1999, 1, 1)), None);
    assert_eq!(holiday(d(2100, 1, 1)), None);
}

#[test]
fn municipal_offices_close_on_weekends_holidays_and_from_12_29_to_1_3() {
    // Hand-checked on a 2026 calendar: 12/28 Monday open, 12/29–1/3 closed, 1/4 Monday open.
    assert!(is_office_day(d(2026, 12, 28)));
    for day in [
        d(2026, 12, 29),
        d(2026, 12, 30),
        d(2026, 12, 31),
        d(2027, 1, 1),
        d(2027, 1, 2),
    ] {
        assert!(!is_office_day(day), "{day}");
    }
    assert!(!is_office_day(d(2027, 1, 3)));
    assert!(is_office_day(d(2027, 1, 4)));
    // Saturday, Sunday, and the Silver Week of 2026 (9/21 敬老の日, 9/22 休日, 9/23 秋分の日).
    assert!(!is_office_day(d(2026, 12, 5)) && !is_office_day(d(2026, 12, 6)));
    assert_eq!(next_office_day(d(2026, 9, 19)), d(2026, 9, 24));
}

#[test]
fn banks_settle_on_12_30_but_not_from_12_31_to_1_3() {
    // 2026-12-30 is a Wednesday: banks open (offices closed); a 12/31 debit moves to 1/4.
    assert!(is_bank_day(d(2026, 12, 30)));
    assert!(!is_office_day(d(2026, 12, 30)));
    assert_eq!(next_bank_day(d(2026, 12, 31)), d(2027, 1, 4));
    // A 口座振替日 on Sunday 2026-05-31 is debited on Monday 6/1; on 5/3 (Sunday, holidays
    // through the 振替休日 5/6) on Thursday 5/7.
    assert_eq!(next_bank_day(d(2026, 5, 31)), d(2026, 6, 1));
    assert_eq!(next_bank_day(d(2026, 5, 3)), d(2026, 5, 7));
    assert_eq!(next_bank_day(d(2026, 6, 1)), d(2026, 6, 1));
}
