//! 負担割合 and eligibility transitions: hand calculations from the statutes' wording and the
//! municipal pages cited in DOMAIN-FACTS.md §3.4, §3.5, §4.1, each test naming its source.
#![allow(clippy::unwrap_used)]

use nhikit_core::Yen;
use nhikit_core::date::{FiscalYear, NaiveDate};
use nhikit_rules::copay::{CopayCategory, CopayRatio, KoureiIncome, copay_ratio};
use nhikit_rules::eligibility::{
    kaigo_months_in_fiscal_year, koki_koreisha_date, kourei_jukyusha_start, mishugaku_until,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn ratio(birth: NaiveDate, on: NaiveDate, income: &KoureiIncome) -> Option<CopayRatio> {
    copay_ratio(birth, on, income).unwrap().ratio
}

fn ippan() -> KoureiIncome {
    KoureiIncome {
        kourei_members: 1,
        ..KoureiIncome::default()
    }
}

// DOMAIN-FACTS §3.4 (未就学児均等割, FY2025): children born on or after 2019-04-02 are 未就学 in
// FY2025. A child born 2019-04-01 reaches 6 on 2025-03-31 (年齢計算ニ関スル法律), so its first March 31
// on or after that day is 2025-03-31 itself: 2割 that day, 3割 from 2025-04-01.
#[test]
fn mishugaku_ends_on_the_march_31_after_reaching_six() {
    let april_1 = d(2019, 4, 1);
    let april_2 = d(2019, 4, 2);
    assert_eq!(mishugaku_until(april_1).unwrap(), d(2025, 3, 31));
    assert_eq!(mishugaku_until(april_2).unwrap(), d(2026, 3, 31));
    let none = KoureiIncome::default();
    assert_eq!(
        ratio(april_1, d(2025, 3, 31), &none),
        Some(CopayRatio::TwoTenths)
    );
    assert_eq!(
        ratio(april_1, d(2025, 4, 1), &none),
        Some(CopayRatio::ThreeTenths)
    );
    assert_eq!(
        ratio(april_2, d(2025, 4, 1), &none),
        Some(CopayRatio::TwoTenths)
    );
    assert_eq!(
        ratio(april_2, d(2026, 4, 1), &none),
        Some(CopayRatio::ThreeTenths)
    );
    let r = copay_ratio(april_2, d(2026, 3, 31), &none).unwrap();
    assert_eq!(r.category, CopayCategory::Mishugaku);
}

// 山梨市・東大阪市 [S84][S85]: 高齢受給者 from the 1st of the month after the 70th-birthday month;
// born on the 1st, from the birthday month. Born 1956-05-15: reaches 70 on 2026-05-14 → from
// 2026-06-01; in May 2026 the person is 70 but still 3割.
#[test]
fn kourei_starts_the_month_after_the_seventieth_birthday_month() {
    let birth = d(1956, 5, 15);
    assert_eq!(kourei_jukyusha_start(birth).unwrap(), d(2026, 6, 1));
    let r = copay_ratio(birth, d(2026, 5, 31), &ippan()).unwrap();
    assert_eq!(r.age, 70);
    assert_eq!(r.ratio, Some(CopayRatio::ThreeTenths));
    assert_eq!(r.category, CopayCategory::General);
    assert_eq!(
        ratio(birth, d(2026, 6, 1), &ippan()),
        Some(CopayRatio::TwoTenths)
    );
}

// Same sources: born 1956-06-01 reaches 70 on 2026-05-31, so 高齢受給者 from 2026-06-01 — the
// birthday month itself. December birth rolls the year: born 1956-12-10 → 2027-01-01.
#[test]
fn born_on_the_first_starts_in_the_birthday_month() {
    assert_eq!(kourei_jukyusha_start(d(1956, 6, 1)).unwrap(), d(2026, 6, 1));
    assert_eq!(kourei_jukyusha_start(d(1956, 6, 2)).unwrap(), d(2026, 7, 1));
    assert_eq!(
        kourei_jukyusha_start(d(1956, 12, 10)).unwrap(),
        d(2027, 1, 1)
    );
    assert_eq!(
        ratio(d(1956, 6, 1), d(2026, 6, 1), &ippan()),
        Some(CopayRatio::TwoTenths)
    );
}

// 北広島市 [S73]: 後期高齢者医療 from the 75th birthday, NHI lost that day. Born 1951-06-10: NHI
// (2割) on 2026-06-09, 後期 from 2026-06-10. A 2/29 birth reaches 75 at the end of 2/28 in a
// common year (年齢計算ニ関スル法律), so 後期 from 3/1.
#[test]
fn seventy_fifth_birthday_ends_nhi() {
    let birth = d(1951, 6, 10);
    assert_eq!(koki_koreisha_date(birth).unwrap(), d(2026, 6, 10));
    assert_eq!(
        ratio(birth, d(2026, 6, 9), &ippan()),
        Some(CopayRatio::TwoTenths)
    );
    let r = copay_ratio(birth, d(2026, 6, 10), &ippan()).unwrap();
    assert_eq!(r.ratio, None);
    assert_eq!(r.category, CopayCategory::KokiKoreisha);
    assert_eq!(koki_koreisha_date(d(1952, 2, 29)).unwrap(), d(2027, 3, 1));
    assert_eq!(koki_koreisha_date(d(1956, 2, 29)).unwrap(), d(2031, 3, 1));
}

// 山形市 (70–74 限度額 page): 現役並み = 課税標準額 145万円以上; on application 一般 when the 70+
// members' 収入 is under 383万円 (one) / 520万円 (two or more). Boundaries: 145万 counts; 383万 and
// 520万 do not save.
// http://www.city.yamagata-yamagata.lg.jp/shimin/sub2/kenkohoken/599f8genndo70-74.html
#[test]
fn geneki_nami_and_the_revenue_tests() {
    let birth = d(1954, 10, 10); // 71 in 2025-2026
    let on = d(2025, 9, 1);
    let single = |taxable: i64, revenue: i64| KoureiIncome {
        taxable_income_max: Yen(taxable),
        kourei_members: 1,
        revenue_kourei_total: Yen(revenue),
        ..KoureiIncome::default()
    };
    assert_eq!(
        ratio(birth, on, &single(1_449_999, 9_000_000)),
        Some(CopayRatio::TwoTenths)
    );
    assert_eq!(
        ratio(birth, on, &single(1_450_000, 3_830_000)),
        Some(CopayRatio::ThreeTenths)
    );
    assert_eq!(
        ratio(birth, on, &single(1_450_000, 3_829_999)),
        Some(CopayRatio::TwoTenths)
    );
    let pair = |revenue: i64| KoureiIncome {
        taxable_income_max: Yen(2_000_000),
        kourei_members: 2,
        revenue_kourei_total: Yen(revenue),
        ..KoureiIncome::default()
    };
    assert_eq!(
        ratio(birth, on, &pair(5_190_000)),
        Some(CopayRatio::TwoTenths)
    );
    assert_eq!(
        ratio(birth, on, &pair(5_200_000)),
        Some(CopayRatio::ThreeTenths)
    );
    let r = copay_ratio(birth, on, &pair(5_200_000)).unwrap();
    assert_eq!(r.category, CopayCategory::KoureiGenekiNami);
}

// DOMAIN-FACTS §4.1 [S93][S94]: one 70–74 member plus a 旧国保 member now in 後期 (特定同一世帯所属者):
// combined 収入 under 520万 → 2割 (4,000,000 + 1,000,000 = 5,000,000), else 3割; and 2割 when the 70+
// members' 基礎控除後の総所得金額等 total is 210万円 or less.
#[test]
fn former_member_and_basic_income_exceptions() {
    let birth = d(1954, 10, 10);
    let on = d(2025, 9, 1);
    let with_former = |former: i64| KoureiIncome {
        taxable_income_max: Yen(1_600_000),
        kourei_members: 1,
        revenue_kourei_total: Yen(4_000_000),
        former_koki_members: 1,
        revenue_former_total: Yen(former),
        basic_income_total: None,
    };
    assert_eq!(
        ratio(birth, on, &with_former(1_000_000)),
        Some(CopayRatio::TwoTenths)
    );
    assert_eq!(
        ratio(birth, on, &with_former(1_200_000)),
        Some(CopayRatio::ThreeTenths)
    );
    let low_basic = KoureiIncome {
        basic_income_total: Some(Yen(2_100_000)),
        ..with_former(9_000_000)
    };
    assert_eq!(ratio(birth, on, &low_basic), Some(CopayRatio::TwoTenths));
}

// 熊谷市・長久手市・栄町 [S80][S81][S82]: 介護分 from the month containing the day before the 40th
// birthday; to the month before the month containing the day before the 65th birthday.
// Born 1986-04-01: reaches 40 on 2026-03-31 → FY2025 charges March 2026 only.
// Born 1986-04-02: reaches 40 on 2026-04-01 → nothing in FY2025, all 12 months of FY2026.
// Born 1961-06-15: reaches 65 on 2026-06-14 → FY2026 charges April and May.
// Born 1961-06-01: reaches 65 on 2026-05-31 → FY2026 charges April only (one month earlier).
#[test]
fn kaigo_months() {
    let m = kaigo_months_in_fiscal_year(d(1986, 4, 1), FiscalYear(2025)).unwrap();
    assert_eq!(m.months(), vec![3]);
    assert_eq!(
        kaigo_months_in_fiscal_year(d(1986, 4, 2), FiscalYear(2025))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        kaigo_months_in_fiscal_year(d(1986, 4, 2), FiscalYear(2026))
            .unwrap()
            .count(),
        12
    );
    assert_eq!(
        kaigo_months_in_fiscal_year(d(1961, 6, 15), FiscalYear(2026))
            .unwrap()
            .months(),
        vec![4, 5]
    );
    assert_eq!(
        kaigo_months_in_fiscal_year(d(1961, 6, 1), FiscalYear(2026))
            .unwrap()
            .months(),
        vec![4]
    );
}

#[test]
fn service_before_birth_is_refused() {
    assert!(copay_ratio(d(2020, 1, 1), d(2019, 12, 31), &KoureiIncome::default()).is_err());
}

#[test]
fn kourei_without_members_is_refused() {
    let err = copay_ratio(d(1954, 10, 10), d(2025, 9, 1), &KoureiIncome::default()).unwrap_err();
    assert!(err.to_string().contains("kourei_members"));
}

mod properties {
    use super::*;
    use nhikit_core::date::age_on;
    use proptest::prelude::*;

    fn date(lo: NaiveDate, days: u32) -> impl Strategy<Value = NaiveDate> {
        (0..days).prop_map(move |n| lo + chrono::Days::new(u64::from(n)))
    }

    proptest! {
        // Each transition date characterised by legal age alone (年齢計算ニ関スル法律), independently
        // of how the functions compute it.
        #[test]
        fn transitions_match_legal_age(birth in date(d(1930, 1, 1), 36_500)) {
            // 後期: the day before is the first day at 75, two days before the person is 74.
            let koki = koki_koreisha_date(birth).unwrap();
            let before = koki.pred_opt().unwrap();
            prop_assert_eq!(age_on(birth, before), 75);
            prop_assert_eq!(age_on(birth, before.pred_opt().unwrap()), 74);
            // 高齢受給者: starts on a 1st; the last day of the previous month is at 70, the last
            // day of the month before that at 69 (the previous month is the month of reaching 70).
            let start = kourei_jukyusha_start(birth).unwrap();
            prop_assert_eq!(chrono::Datelike::day(&start), 1);
            let end_prev = start.pred_opt().unwrap();
            let end_prev2 = chrono::Datelike::with_day(&end_prev, 1).unwrap().pred_opt().unwrap();
            prop_assert_eq!(age_on(birth, end_prev), 70);
            prop_assert_eq!(age_on(birth, end_prev2), 69);
            // 未就学: ends on a March 31 at age ≥ 6; a year earlier the child was under 6.
            let until = mishugaku_until(birth).unwrap();
            let month_day = (chrono::Datelike::month(&until), chrono::Datelike::day(&until));
            prop_assert_eq!(month_day, (3, 31));
            prop_assert!(age_on(birth, until) >= 6);
            let year_before =
                NaiveDate::from_ymd_opt(chrono::Datelike::year(&until) - 1, 3, 31).unwrap();
            prop_assert!(age_on(birth, year_before) < 6);
        }

        // The 介護分 months of a fiscal year, characterised by legal age: a month is charged iff
        // it is the month of reaching 40 or later (its last day is at age ≥ 40) and before the
        // month of reaching 65 (its last day is at age < 65). The months are contiguous.
        #[test]
        fn kaigo_months_are_contiguous(birth in date(d(1940, 1, 1), 25_000), fy in 2019i32..2040) {
            let m = kaigo_months_in_fiscal_year(birth, FiscalYear(fy)).unwrap();
            let months = m.months();
            prop_assert!(months.len() <= 12);
            // contiguous in fiscal order
            let idx: Vec<u32> = months.iter().map(|&mo| (mo + 8) % 12).collect();
            for w in idx.windows(2) {
                prop_assert_eq!(w[1], w[0] + 1);
            }
            for mo in 1..=12u32 {
                let year = if mo >= 4 { fy } else { fy + 1 };
                let next = if mo == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, mo + 1, 1)
                }
                .unwrap();
                let last = next.pred_opt().unwrap();
                let age = age_on(birth, last);
                let expected = (40..65).contains(&age);
                prop_assert_eq!(m.contains(mo), expected, "month {}", mo);
            }
        }
    }
}
