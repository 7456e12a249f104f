//! 和暦: every day from 1873-01-01 to 2100-12-31 round-trips.

use nhikit_core::date::NaiveDate;
use nhikit_core::wareki::{Era, WarekiDate};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The era of a date by an independent table of first days (DOMAIN.md "Dates and ages").
fn expected_era(date: NaiveDate) -> (&'static str, i32) {
    let table = [
        (d(2019, 5, 1), "令和", 2019),
        (d(1989, 1, 8), "平成", 1989),
        (d(1926, 12, 25), "昭和", 1926),
        (d(1912, 7, 30), "大正", 1912),
        (d(1873, 1, 1), "明治", 1868),
    ];
    let (_, name, first) = table
        .into_iter()
        .find(|(start, ..)| *start <= date)
        .unwrap();
    (name, first)
}

#[test]
fn every_day_round_trips() {
    let mut date = d(1873, 1, 1);
    let last = d(2100, 12, 31);
    let mut days = 0;
    while date <= last {
        let w = WarekiDate::from_gregorian(date).unwrap();
        let (era, first) = expected_era(date);
        assert_eq!(w.era().kanji(), era, "{date}");
        use chrono::Datelike;
        assert_eq!(w.year() as i32, date.year() - first + 1, "{date}");
        let text = w.to_string();
        assert!(text.starts_with(era));
        assert_eq!(text.parse::<WarekiDate>().unwrap(), w, "{text}");
        assert_eq!(w.short().parse::<WarekiDate>().unwrap(), w, "{}", w.short());
        assert_eq!(
            WarekiDate::new(w.era(), w.year(), w.month(), w.day()).unwrap(),
            w
        );
        assert_eq!(w.to_gregorian(), date);
        // The same day named in the previous or next era is rejected.
        for other in Era::ALL.into_iter().filter(|e| *e != w.era()) {
            let y = date.year() - other.first_year() + 1;
            if let Ok(y) = u32::try_from(y) {
                assert!(
                    WarekiDate::new(other, y, w.month(), w.day()).is_err(),
                    "{other}{y} {date}"
                );
            }
        }
        days += 1;
        date = date.succ_opt().unwrap();
    }
    // 1873-01-01 ..= 2100-12-31 is 228 years: 228 × 365 + 55 leap days (1876..=2096 every
    // 4 years, 56, minus 1900 and 2100; plus 2000 which is leap → 55).
    assert_eq!(days, 228 * 365 + 55);
    assert!(WarekiDate::from_gregorian(d(1872, 12, 31)).is_err());
}
