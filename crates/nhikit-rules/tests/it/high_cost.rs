//! 高額療養費: published worked examples and hand calculations, each with its source.
#![allow(clippy::unwrap_used)]

use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use nhikit_rules::Error;
use nhikit_rules::high_cost::{
    AgeGroup, Claim, HighCostTables, HouseholdMonth, MonthOptions, Setting, SpecifiedDisease,
    annual_outpatient_refund, compute_month, compute_month_ext, over70_category, under70_category,
};
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn tables() -> HighCostTables {
    HighCostTables::embedded().unwrap()
}

fn claim(person: &str, age: AgeGroup, setting: Setting, medical: i64, copay: i64) -> Claim {
    Claim {
        person: person.into(),
        age_group: age,
        setting,
        medical_cost: Yen(medical),
        copay: Yen(copay),
    }
}

fn under70(month: NaiveDate, cat: &str, many: bool, claims: Vec<Claim>) -> HouseholdMonth {
    HouseholdMonth {
        service_month: month,
        under70_category: Some(cat.into()),
        over70_category: None,
        many_times: many,
        claims,
        turning_75: vec![],
    }
}

fn over70(month: NaiveDate, cat: &str, claims: Vec<Claim>) -> HouseholdMonth {
    HouseholdMonth {
        service_month: month,
        under70_category: None,
        over70_category: Some(cat.into()),
        many_times: false,
        claims,
        turning_75: vec![],
    }
}

use AgeGroup::{Kourei, Under70};
use Setting::{Inpatient, Outpatient};

// 積水化学健康保険組合 「高額療養費…支給額の例」 (平成27年1月診療分以降), 医療費100万円 (3割 30万円):
// ア 252,600 + (1,000,000 − 842,000) × 1% = 254,180 → 高額療養費 45,820.
// https://sekisui-kenpo.or.jp/tetsuzuki/index_byoukikega/kougaku/kougaku_rei/
#[test]
fn a_one_million_yen_month() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2025, 10, 1),
            "ア",
            false,
            vec![claim("本人", Under70, Inpatient, 1_000_000, 300_000)],
        ),
    )
    .unwrap();
    assert_eq!(r.household_limit, Some(Yen(254_180)));
    assert_eq!(r.refund, Yen(45_820));
    assert_eq!(r.table, "2018-08");
    assert!(r.confirmed);
}

// Same source: イ 167,400 + (1,000,000 − 558,000) × 1% = 171,820 → 128,180.
#[test]
fn i_one_million_yen_month() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2025, 10, 1),
            "イ",
            false,
            vec![claim("本人", Under70, Inpatient, 1_000_000, 300_000)],
        ),
    )
    .unwrap();
    assert_eq!(r.household_limit, Some(Yen(171_820)));
    assert_eq!(r.refund, Yen(128_180));
}

// 福島市 FAQ 「高額療養費の自己負担限度額の1パーセントは…」: ウ, 請求額 300,000 (医療費 1,000,000):
// 80,100 + 7,330 = 87,430 (積水化学健保: 高額療養費 212,570).
// http://www.city.fukushima.fukushima.jp/kokuho-kyufu/shitsumon/kurashi/kokuhokyufu/hokenkyufu/kokuho18.html
#[test]
fn u_one_million_yen_month() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2025, 10, 1),
            "ウ",
            false,
            vec![claim("本人", Under70, Inpatient, 1_000_000, 300_000)],
        ),
    )
    .unwrap();
    assert_eq!(r.household_limit, Some(Yen(87_430)));
    assert_eq!(r.refund, Yen(212_570));
}

// 「高額療養費の計算例(70歳未満の方)」 (a municipal page, copy at
// https://928997.bisvwx80.asia/kurashi/kenkouhoken/kokuho/hokenkyufu/kougakukeisan70miman.html):
// パターン1 区分エ, 総医療費 50万円, 一部負担 150,000 → 150,000 − 57,600 = 92,400;
// パターン2 区分ウ, 50万円 → 80,100 + 2,330 = 82,430 → 67,570.
#[test]
fn e_and_u_half_million() {
    let t = tables();
    let e = compute_month(
        &t,
        &under70(
            d(2024, 5, 1),
            "エ",
            false,
            vec![claim("A", Under70, Outpatient, 500_000, 150_000)],
        ),
    )
    .unwrap();
    assert_eq!(e.refund, Yen(92_400));
    let u = compute_month(
        &t,
        &under70(
            d(2024, 5, 1),
            "ウ",
            false,
            vec![claim("A", Under70, Outpatient, 500_000, 150_000)],
        ),
    )
    .unwrap();
    assert_eq!(u.household_limit, Some(Yen(82_430)));
    assert_eq!(u.refund, Yen(67_570));
}

// 高萩市 「高額療養費」 具体例1 (区分オ): A 外来 20,000 (under 21,000: not summed), B 外来 24,500,
// C 入院 25,000 → 49,500 − 35,400 = 14,100. 医療費 is not given; a flat limit does not use it.
// https://www.city.takahagi.ibaraki.jp/kurashi/hoken_nenkin/kenkouhoken/page001170.html
#[test]
fn o_sums_only_claims_of_21000_or_more() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2024, 11, 1),
            "オ",
            false,
            vec![
                claim("本人", Under70, Outpatient, 66_700, 20_000),
                claim("本人", Under70, Outpatient, 81_700, 24_500),
                claim("本人", Under70, Inpatient, 83_400, 25_000),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.excluded_claims, vec![0]);
    assert_eq!(r.refund, Yen(14_100));
}

// 高萩市 具体例2 (区分ウ): the same hospital's 外来 20,000 is separate from its 入院 and under
// 21,000; 入院 医療費 400,000, 一部負担 120,000 → limit 81,430 → 38,570.
#[test]
fn u_inpatient_and_outpatient_are_separate_claims() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2024, 11, 1),
            "ウ",
            false,
            vec![
                claim("本人", Under70, Outpatient, 66_700, 20_000),
                claim("本人", Under70, Inpatient, 400_000, 120_000),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.household_limit, Some(Yen(81_430)));
    assert_eq!(r.refund, Yen(38_570));
}

// 設楽町 「医療費が高額になったとき」 世帯合算 (一般 = 80,100 + 1%): 夫 60,000, 妻 30,000,
// 娘 15,000 (under 21,000, excluded) → 医療費 300,000, limit 80,100 + 330 = 80,430 →
// 90,000 − 80,430 = 9,570.  http://www.town.shitara.aichi.jp/index.cfm/15,452,64,228,html
#[test]
fn household_sum_excludes_a_claim_under_21000() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2023, 6, 1),
            "ウ",
            false,
            vec![
                claim("夫", Under70, Outpatient, 200_000, 60_000),
                claim("妻", Under70, Outpatient, 100_000, 30_000),
                claim("娘", Under70, Outpatient, 50_000, 15_000),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.excluded_claims, vec![2]);
    assert_eq!(r.household_limit, Some(Yen(80_430)));
    assert_eq!(r.refund, Yen(9_570));
}

// kogaku.umin.jp 「多数該当とは」 事例3: 4th month, paid 60,000 (under the usual limit), 多数該当
// limit 44,400 → 60,000 − 44,400 = 15,600.  http://kogaku.umin.jp/tasuu.html
#[test]
fn many_times_limit_applies_from_the_fourth_month() {
    let r = compute_month(
        &tables(),
        &under70(
            d(2025, 3, 1),
            "ウ",
            true,
            vec![claim("本人", Under70, Outpatient, 200_000, 60_000)],
        ),
    )
    .unwrap();
    assert_eq!(r.household_limit, Some(Yen(44_400)));
    assert_eq!(r.refund, Yen(15_600));
}

// 大和市 「高額療養費の計算例(70歳以上の人のみの世帯)」, 一般: 夫 外来 A 10,000 + B 10,000 (医療費
// 5万円ずつ, 2割) → 外来 limit 18,000 → 2,000; 妻 入院 (医療費 800,000) 57,600; 世帯
// 18,000 + 57,600 = 75,600 − 57,600 = 18,000; total 20,000.
// https://www.city.yamato.lg.jp/gyosei/soshik/2020/kokuminkenkohoken/kokuho_kyufu/kogakuryoyohi/6997.html
#[test]
fn kourei_outpatient_then_household() {
    let r = compute_month(
        &tables(),
        &over70(
            d(2024, 9, 1),
            "一般",
            vec![
                claim("夫", Kourei, Outpatient, 50_000, 10_000),
                claim("夫", Kourei, Outpatient, 50_000, 10_000),
                claim("妻", Kourei, Inpatient, 800_000, 57_600),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.outpatient.len(), 1);
    assert_eq!(r.outpatient[0].refund, Yen(2_000));
    assert_eq!(r.kourei_refund, Yen(18_000));
    assert_eq!(r.refund, Yen(20_000));
    assert_eq!(r.burden, Yen(57_600));
}

// ダイヤモンド・オンライン 「…世帯合算」 (2019) 手順1–2: 花子 外来 内科 16,000 + 整形外科 10,000
// = 26,000 − 18,000 = 8,000; 太郎 入院 57,600 + 18,000 = 75,600 − 57,600 = 18,000.
// 医療費 is not given; 一般 limits are flat. https://diamond.jp/articles/-/211268?page=4
#[test]
fn kourei_couple_outpatient_and_inpatient() {
    let r = compute_month(
        &tables(),
        &over70(
            d(2019, 9, 1),
            "一般",
            vec![
                claim("花子", Kourei, Outpatient, 80_000, 16_000),
                claim("花子", Kourei, Outpatient, 50_000, 10_000),
                claim("太郎", Kourei, Inpatient, 600_000, 57_600),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.outpatient[0].refund, Yen(8_000));
    assert_eq!(r.kourei_refund, Yen(18_000));
    assert_eq!(r.refund, Yen(26_000));
}

// Hand calculation with the 山形市 table (70–74, 現役並みⅠ = 80,100 + (総医療費 − 267,000) × 1%) and
// the arithmetic of the 福島市 example: 3割 入院, 医療費 1,000,000 → 87,430 → 300,000 − 87,430 =
// 212,570. 現役並み has no 外来 (個人) limit.
// http://www.city.yamagata-yamagata.lg.jp/shimin/sub2/kenkohoken/599f8genndo70-74.html
#[test]
fn kourei_geneki_nami_uses_the_one_percent_formula() {
    let t = tables();
    let r = compute_month(
        &t,
        &over70(
            d(2025, 1, 1),
            "現役並みⅠ",
            vec![claim("本人", Kourei, Inpatient, 1_000_000, 300_000)],
        ),
    )
    .unwrap();
    assert_eq!(r.kourei_limit, Some(Yen(87_430)));
    assert_eq!(r.refund, Yen(212_570));
    // 現役並み has no 外来 (個人) limit: an outpatient month of 30,000 (医療費 100,000) is only
    // held to the 80,100 世帯 limit, so nothing is refunded.
    let out = compute_month(
        &t,
        &over70(
            d(2025, 1, 1),
            "現役並みⅠ",
            vec![claim("本人", Kourei, Outpatient, 100_000, 30_000)],
        ),
    )
    .unwrap();
    assert_eq!(out.outpatient[0].limit, None);
    assert_eq!(out.refund, Yen(0));
}

// Hand calculation with the 山形市 / 神栖市 table, 低所得Ⅱ (外来 8,000, 世帯 24,600): 夫 外来
// 12,000 (医療費 60,000, 2割) → 4,000; 妻 入院 40,000 (医療費 200,000); 世帯 8,000 + 40,000 =
// 48,000 − 24,600 = 23,400; total 27,400. 低所得Ⅰ (世帯 15,000): 入院 30,000 → 15,000.
#[test]
fn kourei_low_income() {
    let t = tables();
    let r = compute_month(
        &t,
        &over70(
            d(2025, 1, 1),
            "低所得Ⅱ",
            vec![
                claim("夫", Kourei, Outpatient, 60_000, 12_000),
                claim("妻", Kourei, Inpatient, 200_000, 40_000),
            ],
        ),
    )
    .unwrap();
    assert_eq!(r.outpatient[0].refund, Yen(4_000));
    assert_eq!(r.kourei_refund, Yen(23_400));
    assert_eq!(r.refund, Yen(27_400));
    let r1 = compute_month(
        &t,
        &over70(
            d(2025, 1, 1),
            "低所得Ⅰ",
            vec![claim("本人", Kourei, Inpatient, 150_000, 30_000)],
        ),
    )
    .unwrap();
    assert_eq!(r1.refund, Yen(15_000));
}

// Hand calculation, mixed household, following the order 大和市 / en-count.com describe (70–74 first,
// then the under-70 区分 over the whole household, the 1% term on the 医療費 of every claim summed,
// 健康保険法施行令第42条 「前条第一項第一号及び第二号に掲げる額を合算した額に係る療養」): 父 (70–74, 一般)
// 入院 57,600 (医療費 800,000) → 世帯 70–74 limit 57,600, no refund; 子 (under 70, ウ) 入院 90,000
// (医療費 300,000); whole household 57,600 + 90,000 = 147,600; limit 80,100 + (1,100,000 −
// 267,000) × 1% = 88,430 → 59,170.  http://en-count.com/archives/iryo6-3
#[test]
fn mixed_household_applies_the_under70_limit_last() {
    let r = compute_month(
        &tables(),
        &HouseholdMonth {
            service_month: d(2025, 2, 1),
            under70_category: Some("ウ".into()),
            over70_category: Some("一般".into()),
            many_times: false,
            turning_75: vec![],
            claims: vec![
                claim("父", Kourei, Inpatient, 800_000, 57_600),
                claim("子", Under70, Inpatient, 300_000, 90_000),
            ],
        },
    )
    .unwrap();
    assert_eq!(r.kourei_refund, Yen(0));
    assert_eq!(r.household_limit, Some(Yen(88_430)));
    assert_eq!(r.refund, Yen(59_170));
}

// Hand calculation from the rule (エネルギア健保, 神栖市: 一般 外来 年間上限 144,000円, 8月〜翌7月):
// 18,000 paid in each of 12 months = 216,000 → 216,000 − 144,000 = 72,000.
#[test]
fn annual_outpatient_cap() {
    let (refund, _) =
        annual_outpatient_refund(&tables(), 2025, "一般", &[Yen(18_000); 12]).unwrap();
    assert_eq!(refund, Yen(72_000));
    let (none, _) = annual_outpatient_refund(&tables(), 2025, "一般", &[Yen(12_000); 12]).unwrap();
    assert_eq!(none, Yen(0));
    assert!(annual_outpatient_refund(&tables(), 2025, "現役並みⅠ", &[Yen(1); 12]).is_err());
}

// 2026-08 table, chosen by service month. Published: ウ rises by 5,700 to 85,800円 (+1%), 年間上限
// 53万円, 多数回 据え置き (共同通信 via livedoor 2025-12-23; datazoo 71595568). A ウ month with 医療費
// 200,000 (below any 1% threshold) has the bare 85,800 limit; in July 2026 the same month had 80,100.
#[test]
fn the_2026_08_table_is_chosen_by_service_month() {
    let t = tables();
    let one = |month, cat: &str, many| {
        compute_month(
            &t,
            &under70(
                month,
                cat,
                many,
                vec![claim("本人", Under70, Inpatient, 200_000, 60_000)],
            ),
        )
        .unwrap()
    };
    let july = one(d(2026, 7, 31), "ウ", false);
    assert_eq!(july.household_limit, Some(Yen(80_100)));
    let august = one(d(2026, 8, 1), "ウ", false);
    assert_eq!(august.table, "2026-08");
    assert_eq!(august.household_limit, Some(Yen(85_800)));
    assert_eq!(
        one(d(2026, 9, 1), "ウ", true).household_limit,
        Some(Yen(44_400))
    );
    let table = t.for_date(d(2026, 8, 15)).unwrap();
    assert_eq!(table.under70("ウ").unwrap().annual_cap, Some(Yen(530_000)));
}

// 2026-08, 医療費 1,000,000 円: the test vectors of a public 高額療養費 calculator (GitHub; search-index
// file id 57353297867, TEST-06..10, 協会けんぽ 令和8年8月 table): エ 61,500; ウ 92,940 (85,800 +
// (1,000,000 − 286,000) × 1%); イ 183,130 (179,100 + (1,000,000 − 597,000) × 1%); オ 36,900;
// 多数回 ウ 44,400.
#[test]
fn the_2026_08_limits_for_one_million_yen() {
    let t = tables();
    let limit = |cat: &str, many| {
        compute_month(
            &t,
            &under70(
                d(2026, 8, 1),
                cat,
                many,
                vec![claim("本人", Under70, Inpatient, 1_000_000, 300_000)],
            ),
        )
        .unwrap()
        .household_limit
    };
    assert_eq!(limit("エ", false), Some(Yen(61_500)));
    assert_eq!(limit("ウ", false), Some(Yen(92_940)));
    assert_eq!(limit("イ", false), Some(Yen(183_130)));
    assert_eq!(limit("オ", false), Some(Yen(36_900)));
    assert_eq!(limit("ウ", true), Some(Yen(44_400)));
}

// 2026-08, 70歳以上 一般 外来 22,000円 (菊本税理士事務所; a public article checker, search-index file
// id 63099924102, with its example: 2割, 外来 80,000 → 22,000 borne, 58,000 back; the 世帯 limit
// alone (61,500) would give back only 18,500). In July 2026 (18,000): 62,000 back.
#[test]
fn the_2026_08_kourei_outpatient_limit() {
    let t = tables();
    let out = |month| {
        compute_month(
            &t,
            &over70(
                month,
                "一般",
                vec![claim("本人", Kourei, Outpatient, 400_000, 80_000)],
            ),
        )
        .unwrap()
    };
    let aug = out(d(2026, 8, 1));
    assert_eq!(aug.outpatient[0].refund, Yen(58_000));
    assert_eq!(aug.kourei_limit, Some(Yen(61_500)));
    assert_eq!(aug.burden, Yen(22_000));
    assert!(aug.confirmed);
    assert_eq!(out(d(2026, 7, 1)).refund, Yen(62_000));
    // 低所得Ⅱ rests on one source for its 世帯 figure: the result says so.
    let low = compute_month(
        &t,
        &over70(
            d(2026, 8, 1),
            "低所得Ⅱ",
            vec![claim("本人", Kourei, Outpatient, 100_000, 20_000)],
        ),
    )
    .unwrap();
    assert_eq!(low.outpatient[0].refund, Yen(9_000));
    assert!(!low.confirmed);
}

// 2027-08: the old 区分 codes ア〜エ are gone; the published top band (ダイヤモンド 383318: 342,000円 + 1%,
// applying above 医療費 114万円, and 303,000円 + 1% above 101万円) is there, unconfirmed.
#[test]
fn the_2027_08_table_refuses_old_codes() {
    let t = tables();
    let err = compute_month(
        &t,
        &under70(
            d(2027, 8, 1),
            "ウ",
            false,
            vec![claim("本人", Under70, Inpatient, 200_000, 60_000)],
        ),
    )
    .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref item, .. } if item == "under70_category"));
    let top = t.for_date(d(2027, 8, 1)).unwrap().under70("ア-1").unwrap();
    assert_eq!(top.limit.amount(Yen(1_140_000)), Yen(342_000));
    assert_eq!(top.limit.amount(Yen(1_240_000)), Yen(343_000));
    assert!(!top.confirmed);
    let second = t.for_date(d(2027, 8, 1)).unwrap().under70("ア-2").unwrap();
    assert_eq!(second.limit.amount(Yen(1_010_000)), Yen(303_000));
}

// 区分 boundaries (三島市: ア 901万円超, イ 600万円超〜901万円以下, ウ 210万円超〜600万円以下, エ 210万円以下,
// オ 住民税非課税; 未申告 → ア per DOMAIN-FACTS §4.2). 70–74 (山形市: 現役並み by 課税所得 690万/380万/145万).
#[test]
fn category_boundaries() {
    assert_eq!(under70_category(Yen(9_010_000), false, false), "イ");
    assert_eq!(under70_category(Yen(9_010_001), false, false), "ア");
    assert_eq!(under70_category(Yen(6_000_000), false, false), "ウ");
    assert_eq!(under70_category(Yen(2_100_000), false, false), "エ");
    assert_eq!(under70_category(Yen(2_100_001), false, false), "ウ");
    assert_eq!(under70_category(Yen(0), true, false), "オ");
    assert_eq!(under70_category(Yen(0), false, true), "ア");
    assert_eq!(
        over70_category(true, Yen(6_900_000), false, false),
        "現役並みⅢ"
    );
    assert_eq!(
        over70_category(true, Yen(3_800_000), false, false),
        "現役並みⅡ"
    );
    assert_eq!(
        over70_category(true, Yen(3_799_999), false, false),
        "現役並みⅠ"
    );
    assert_eq!(over70_category(false, Yen(0), true, true), "低所得Ⅰ");
    assert_eq!(over70_category(false, Yen(0), true, false), "低所得Ⅱ");
    assert_eq!(over70_category(false, Yen(1_000_000), false, false), "一般");
}

#[test]
fn table_errors_name_source_line_and_item() {
    let text = "id = \"x\"\neffective_from = \"2020-01-01\"\nconfirmed = true\nsource = \"s\"\n\n[[under70]]\ncode = \"ア\"\nincome = \"i\"\nbase = -5\nconfirmed = true\nsource = \"s\"\n";
    let err = HighCostTables::from_toml_str(text, "t.toml").unwrap_err();
    match err {
        Error::Table {
            source_name,
            line,
            item,
            ..
        } => {
            assert_eq!(source_name, "t.toml");
            assert_eq!(line, 6);
            assert_eq!(item, "under70[0].base");
        }
        other => panic!("unexpected {other:?}"),
    }
    let unknown = "id = \"x\"\neffective_from = \"2020-01-01\"\nconfirmed = true\nsource = \"s\"\nbogus = 1\n";
    let err = HighCostTables::from_toml_str(unknown, "u.toml").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("u.toml:5:"), "{msg}");
    assert!(msg.contains("bogus"), "{msg}");
    let mid_month =
        "id = \"x\"\neffective_from = \"2020-01-02\"\nconfirmed = true\nsource = \"s\"\n";
    assert!(HighCostTables::from_toml_str(mid_month, "m.toml").is_err());
}

#[test]
fn embedded_tables_load_in_order() {
    let t = tables();
    let ids: Vec<&str> = t.tables().iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["2018-08", "2026-08", "2027-08"]);
    assert!(t.for_date(d(2018, 7, 31)).is_none());
}

// Hand calculation from the rule of the 年間上限 introduced from 2026-08 ("8月〜翌年7月の自己負担の
// 累計に上限", datazoo 71595568 / 新潟日報 751838: ウ 53万円): August 2026 – July 2027 with 3 months at
// the ウ limit 85,800 and 9 months at 多数回 44,400 = 257,400 + 399,600 = 657,000 → 657,000 − 530,000
// = 127,000. The period ending July 2026 has no such limit.
#[test]
fn annual_household_cap_from_2026_08() {
    use nhikit_rules::high_cost::annual_household_refund;
    let t = tables();
    let mut months = vec![Yen(85_800); 3];
    months.extend(vec![Yen(44_400); 9]);
    let (refund, der) = annual_household_refund(&t, 2027, Under70, "ウ", &months).unwrap();
    assert_eq!(refund, Yen(127_000));
    assert!(der.to_text().contains("530000円"));
    assert!(annual_household_refund(&t, 2026, Under70, "ウ", &months).is_err());
    // 70–74 一般 外来 年間 216,000 (public calculators C1/C3, see 2026-08.toml): 12 × 22,000 = 264,000
    // → 48,000.
    let (out, _) = annual_outpatient_refund(&t, 2027, "一般", &[Yen(22_000); 12]).unwrap();
    assert_eq!(out, Yen(48_000));
}

mod properties {
    use super::*;
    use nhikit_rules::high_cost::compute_month_with;

    fn claims() -> impl Strategy<Value = Vec<(bool, bool, i64, u8)>> {
        // (70–74?, 入院?, 医療費, copay in tenths of 医療費 1..=3), up to 6 claims.
        prop::collection::vec(
            (any::<bool>(), any::<bool>(), 0i64..3_000_000, 1u8..=3),
            0..6,
        )
    }

    proptest! {
        // Invariants of any household month: the refund is never negative, the household never
        // bears more than it paid, and with explain off the numbers are the same.
        #[test]
        fn refund_is_bounded(
            raw in claims(),
            under in prop::sample::select(vec!["ア", "イ", "ウ", "エ", "オ"]),
            over in prop::sample::select(vec![
                "現役並みⅢ", "現役並みⅡ", "現役並みⅠ", "一般", "低所得Ⅱ", "低所得Ⅰ",
            ]),
            many in any::<bool>(),
            month in prop::sample::select(vec![d(2024, 5, 1), d(2026, 8, 1)]),
        ) {
            let claims: Vec<Claim> = raw
                .iter()
                .enumerate()
                .map(|(i, &(old, inpatient, medical, tenths))| Claim {
                    person: format!("p{}", i % 3),
                    age_group: if old { Kourei } else { Under70 },
                    setting: if inpatient { Inpatient } else { Outpatient },
                    medical_cost: Yen(medical),
                    copay: Yen(medical * i64::from(tenths) / 10),
                })
                .collect();
            let input = HouseholdMonth {
                service_month: month,
                under70_category: Some(under.into()),
                over70_category: Some(over.into()),
                many_times: many,
                claims,
                turning_75: vec![],
            };
            let t = tables();
            let r = compute_month(&t, &input).unwrap();
            prop_assert!(r.refund >= Yen(0));
            prop_assert!(r.burden >= Yen(0));
            prop_assert!(r.burden <= r.total_copay);
            prop_assert_eq!(r.burden + r.refund, r.total_copay);
            if let Some(limit) = r.household_limit {
                let excluded: Yen = r.excluded_claims.iter().map(|&i| input.claims[i].copay).sum();
                prop_assert!(r.burden <= limit + excluded);
            }
            let quiet = compute_month_with(&t, &input, false).unwrap();
            prop_assert_eq!(quiet.refund, r.refund);
            prop_assert!(quiet.derivation.0.is_empty());
        }

        // The limit never decreases as 医療費 grows (the 1% term is non-negative).
        #[test]
        fn limit_is_monotonic(a in 0i64..10_000_000, b in 0i64..10_000_000) {
            let t = tables();
            for table in t.tables() {
                for c in table.under70.iter().chain(table.over70.iter()) {
                    let (lo, hi) = (a.min(b), a.max(b));
                    prop_assert!(c.limit.amount(Yen(lo)) <= c.limit.amount(Yen(hi)));
                    prop_assert!(c.limit.amount(Yen(lo)) >= c.limit.base);
                }
            }
        }
    }
}

// 75歳到達月の特例 (エネルギア健保 https://energia-kenpo.or.jp/jinsei/10_01.html: in the month the person
// becomes a 後期 insured person, unless the birthday is the 1st, the individual limits are ½;
// 益城町, DOMAIN-FACTS S104). Hand calculations: 一般, 入院 医療費 300,000 at 2割 = 60,000 against
// ½ × 57,600 = 28,800 → 31,200; 外来 12,000 against ½ × 18,000 = 9,000 → 3,000.
// 現役並みⅢ: ½ of 252,600 + (医療費 − 842,000) × 1% is 126,300 + (医療費 − 421,000) × 1%; 医療費
// 1,000,000 → 126,300 + 5,790 = 132,090; copay 300,000 → 167,910.
#[test]
fn turning_75_halves_the_persons_limits() {
    use nhikit_rules::eligibility::turns_75_in_month;
    let t = tables();
    assert!(turns_75_in_month(d(1950, 6, 15), d(2025, 6, 1)).unwrap());
    assert!(turns_75_in_month(d(1950, 6, 2), d(2025, 6, 30)).unwrap());
    assert!(!turns_75_in_month(d(1950, 6, 1), d(2025, 6, 1)).unwrap());
    assert!(!turns_75_in_month(d(1950, 6, 15), d(2025, 7, 1)).unwrap());

    let mut m = over70(
        d(2025, 6, 1),
        "一般",
        vec![
            claim("父", Kourei, Inpatient, 300_000, 60_000),
            claim("母", Kourei, Outpatient, 60_000, 12_000),
        ],
    );
    m.turning_75 = vec!["父".into()];
    let r = compute_month(&t, &m).unwrap();
    assert_eq!(r.turning_75.len(), 1);
    assert_eq!(r.turning_75[0].limit, Some(Yen(28_800)));
    assert_eq!(r.turning_75[0].refund, Yen(31_200));
    // 母 is not turning 75: 外来 12,000 stays under 18,000; household 28,800 + 12,000 = 40,800
    // is under 57,600.
    assert_eq!(r.refund, Yen(31_200));

    let mut out = over70(
        d(2025, 6, 1),
        "一般",
        vec![claim("父", Kourei, Outpatient, 60_000, 12_000)],
    );
    out.turning_75 = vec!["父".into()];
    assert_eq!(compute_month(&t, &out).unwrap().refund, Yen(3_000));

    let mut high = over70(
        d(2025, 6, 1),
        "現役並みⅢ",
        vec![claim("父", Kourei, Inpatient, 1_000_000, 300_000)],
    );
    high.turning_75 = vec!["父".into()];
    let r = compute_month(&t, &high).unwrap();
    assert_eq!(r.turning_75[0].limit, Some(Yen(132_090)));
    assert_eq!(r.refund, Yen(167_910));

    let mut bad = over70(
        d(2025, 6, 1),
        "一般",
        vec![claim("父", Kourei, Inpatient, 1, 1)],
    );
    bad.turning_75 = vec!["祖父".into()];
    assert!(compute_month(&t, &bad).is_err());
}

// Age groups by the transitions of eligibility.rs: born 1956-05-15 → 高齢受給者 from 2026-06-01,
// 後期 from 2031-05-15 (see the copay tests for the sources).
#[test]
fn age_group_follows_the_transitions() {
    use nhikit_rules::high_cost::age_group_on;
    let b = d(1956, 5, 15);
    assert_eq!(age_group_on(b, d(2026, 5, 31)).unwrap(), Some(Under70));
    assert_eq!(age_group_on(b, d(2026, 6, 1)).unwrap(), Some(Kourei));
    assert_eq!(age_group_on(b, d(2031, 5, 14)).unwrap(), Some(Kourei));
    assert_eq!(age_group_on(b, d(2031, 5, 15)).unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// 特定疾病 (issue 25). The rule as read on 五霞町
// (https://www.town.goka.lg.jp/kurashi/kurashi-tetsuzuki/hoken-nenkin/kokuminkenkouhoken/kyufu/page000348.html),
// 東大阪市 (https://www.city.higashiosaka.lg.jp/0000043083.html) and 浅口市
// (https://www.city.asakuchi.lg.jp/page/12803.html): with the 特定疾病療養受療証 the monthly copay per
// institution and 入院/外来 is 10,000円; for 人工透析 of an under-70 person in 区分 ア・イ 20,000円.
// The claim's remaining copay then enters the usual steps.

fn with_disease(
    m: &HouseholdMonth,
    claims: &[(usize, SpecifiedDisease)],
) -> nhikit_rules::high_cost::HighCostResult {
    let opts = MonthOptions {
        specified_disease: claims.to_vec(),
    };
    compute_month_ext(&tables(), m, &opts, true).unwrap()
}

// Hand calculation 1 — 区分ウ, 2025-10. 夫 人工透析 外来: 医療費 400,000, copay 120,000 → 10,000
// (refund 110,000); it is then under 21,000 and not summed. 妻 外来 医療費 300,000, copay 90,000:
// 80,100 + (300,000 − 267,000) × 1% = 80,430 → 9,570. Total 119,570; burden 10,000 + 80,430.
#[test]
fn specified_disease_under70_u() {
    let m = under70(
        d(2025, 10, 1),
        "ウ",
        false,
        vec![
            claim("夫", Under70, Outpatient, 400_000, 120_000),
            claim("妻", Under70, Outpatient, 300_000, 90_000),
        ],
    );
    let r = with_disease(&m, &[(0, SpecifiedDisease::Dialysis)]);
    assert_eq!(r.specified_disease[0].limit, Yen(10_000));
    assert_eq!(r.specified_disease[0].refund, Yen(110_000));
    assert_eq!(r.excluded_claims, vec![0]);
    assert_eq!(r.household_limit, Some(Yen(80_430)));
    assert_eq!(r.refund, Yen(119_570));
    assert_eq!(r.burden, Yen(90_430));
}

// Hand calculation 2 — 区分イ: 人工透析 is held to 20,000 (refund 100,000 of 120,000); 血友病 to
// 10,000 (refund 110,000). Under 区分 ア-2 (2027-08 table) the 人工透析 limit is 20,000 as well.
#[test]
fn specified_disease_upper_category_dialysis() {
    let m = under70(
        d(2025, 10, 1),
        "イ",
        false,
        vec![claim("本人", Under70, Inpatient, 400_000, 120_000)],
    );
    let r = with_disease(&m, &[(0, SpecifiedDisease::Dialysis)]);
    assert_eq!(
        (r.specified_disease[0].limit, r.refund),
        (Yen(20_000), Yen(100_000))
    );
    let r = with_disease(&m, &[(0, SpecifiedDisease::Hemophilia)]);
    assert_eq!(
        (r.specified_disease[0].limit, r.refund),
        (Yen(10_000), Yen(110_000))
    );
    let m27 = under70(
        d(2027, 9, 1),
        "ア-2",
        false,
        vec![claim("本人", Under70, Inpatient, 400_000, 120_000)],
    );
    assert_eq!(
        with_disease(&m27, &[(0, SpecifiedDisease::Dialysis)]).refund,
        Yen(100_000)
    );
    // A claim index that does not exist is an input error naming the item.
    let e = compute_month_ext(
        &tables(),
        &m,
        &MonthOptions {
            specified_disease: vec![(3, SpecifiedDisease::Hiv)],
        },
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("specified_disease[0].claim"), "{e}");
}

// Hand calculation 3 — 70–74 一般, 2025-10: 父 人工透析 外来 医療費 400,000 at 2割 = 80,000 → 10,000
// (refund 70,000); his other 外来 copay 12,000: 外来 22,000 against 18,000 → 4,000. Total 74,000,
// burden 18,000 (the 特定疾病 copay still counts toward the 70–74 外来 limit).
#[test]
fn specified_disease_kourei_counts_in_the_outpatient_sum() {
    let m = over70(
        d(2025, 10, 1),
        "一般",
        vec![
            claim("父", Kourei, Outpatient, 400_000, 80_000),
            claim("父", Kourei, Outpatient, 60_000, 12_000),
        ],
    );
    let r = with_disease(&m, &[(0, SpecifiedDisease::Dialysis)]);
    assert_eq!(r.outpatient[0].copay, Yen(22_000));
    assert_eq!(r.outpatient[0].refund, Yen(4_000));
    assert_eq!(r.refund, Yen(74_000));
    assert_eq!(r.burden, Yen(18_000));
}

// 多数回 within the 75歳到達月 step: the 特例 halves every 算定基準額 of the month, the 多数回 one
// included (一般 44,400 → 22,200; 現役並みⅢ 140,100 → 70,050). Hand calculations, 2025-06:
// 一般, 多数回, 父 turning 75, 入院 copay 60,000: 60,000 − 22,200 = 37,800 (not ½ × 57,600 =
// 28,800 → 31,200 as without 多数回). 現役並みⅢ, 多数回, 入院 300,000 → 300,000 − 70,050 = 229,950.
#[test]
fn turning_75_with_many_times_halves_the_many_times_limit() {
    let t = tables();
    let mut m = over70(
        d(2025, 6, 1),
        "一般",
        vec![claim("父", Kourei, Inpatient, 300_000, 60_000)],
    );
    m.turning_75 = vec!["父".into()];
    m.many_times = true;
    let r = compute_month(&t, &m).unwrap();
    assert_eq!(r.turning_75[0].limit, Some(Yen(22_200)));
    assert_eq!(r.refund, Yen(37_800));
    m.many_times = false;
    assert_eq!(compute_month(&t, &m).unwrap().refund, Yen(31_200));

    let mut high = over70(
        d(2025, 6, 1),
        "現役並みⅢ",
        vec![claim("父", Kourei, Inpatient, 1_000_000, 300_000)],
    );
    high.turning_75 = vec!["父".into()];
    high.many_times = true;
    let r = compute_month(&t, &high).unwrap();
    assert_eq!(r.turning_75[0].limit, Some(Yen(70_050)));
    assert_eq!(r.refund, Yen(229_950));
}

proptest! {
    // A 特定疾病 flag never lowers the refund and never leaves the claim's burden above its limit.
    #[test]
    fn specified_disease_never_lowers_the_refund(medical in 0i64..3_000_000, pct in 1i64..=3, cat in 0usize..5) {
        let code = ["ア", "イ", "ウ", "エ", "オ"][cat];
        let copay = medical * pct / 10;
        let m = under70(d(2025, 10, 1), code, false, vec![claim("本人", Under70, Inpatient, medical, copay)]);
        let plain = compute_month(&tables(), &m).unwrap();
        let sd = with_disease(&m, &[(0, SpecifiedDisease::Dialysis)]);
        prop_assert!(sd.refund >= plain.refund);
        prop_assert!(sd.burden <= Yen(20_000));
    }
}

// The 計算例 text: 福島市 FAQ's ウ month (医療費 100万円, 3割 300,000 → limit 87,430, 212,570 back)
// and the 特定疾病 hand calculation above.
#[test]
fn statement_reads_like_a_municipal_example() {
    use nhikit_rules::high_cost::statement;
    let m = under70(
        d(2025, 10, 1),
        "ウ",
        false,
        vec![
            claim("夫", Under70, Outpatient, 400_000, 120_000),
            claim("妻", Under70, Outpatient, 300_000, 90_000),
        ],
    );
    let r = with_disease(&m, &[(0, SpecifiedDisease::Dialysis)]);
    let text = statement(&r, d(2025, 10, 1));
    assert!(
        text.starts_with("令和7年10月診療分 高額療養費 計算例"),
        "{text}"
    );
    assert!(
        text.contains(
            "[特定疾病] claims[0]: 一部負担金 120,000円 − 限度額 10,000円 = 支給 110,000円"
        ),
        "{text}"
    );
    assert!(
        text.contains("合算対象外 (70歳未満 21,000円未満): claims[0]"),
        "{text}"
    );
    assert!(
        text.contains("[世帯合算] 自己負担限度額 80,430円 → 支給 9,570円"),
        "{text}"
    );
    let one = under70(
        d(2025, 10, 1),
        "ウ",
        false,
        vec![claim("本人", Under70, Inpatient, 1_000_000, 300_000)],
    );
    let text = statement(&compute_month(&tables(), &one).unwrap(), d(2025, 10, 1));
    assert!(
        text.contains("高額療養費 212,570円 (一部負担金 計 300,000円、自己負担 87,430円)"),
        "{text}"
    );
}
