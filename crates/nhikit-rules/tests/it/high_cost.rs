//! 高額療養費: published worked examples and hand calculations, each with its source.
#![allow(clippy::unwrap_used)]

use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use nhikit_rules::Error;
use nhikit_rules::high_cost::{
    AgeGroup, Claim, HighCostTables, HouseholdMonth, Setting, annual_outpatient_refund,
    compute_month, over70_category, under70_category,
};

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
    }
}

fn over70(month: NaiveDate, cat: &str, claims: Vec<Claim>) -> HouseholdMonth {
    HouseholdMonth {
        service_month: month,
        under70_category: None,
        over70_category: Some(cat.into()),
        many_times: false,
        claims,
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

// 2026-08 table. Published (共同通信 via livedoor 2025-12-23; datazoo): ウ rises by 5,700 to
// 85,800円 (+1%), 年間上限 53万円, 多数回 据え置き. 菊本税理士事務所: 70歳以上 一般 外来 22,000円.
// A ウ month with 医療費 200,000 (below any 1% threshold) has the bare 85,800 limit; in July 2026
// the same month had 80,100.
#[test]
fn the_2026_08_table_is_chosen_by_service_month() {
    let t = tables();
    let july = compute_month(
        &t,
        &under70(
            d(2026, 7, 31),
            "ウ",
            false,
            vec![claim("本人", Under70, Inpatient, 200_000, 60_000)],
        ),
    )
    .unwrap();
    assert_eq!(july.household_limit, Some(Yen(80_100)));
    let august = compute_month(
        &t,
        &under70(
            d(2026, 8, 1),
            "ウ",
            false,
            vec![claim("本人", Under70, Inpatient, 200_000, 60_000)],
        ),
    )
    .unwrap();
    assert_eq!(august.table, "2026-08");
    assert_eq!(august.household_limit, Some(Yen(85_800)));
    assert!(
        !august.confirmed,
        "the 2026-08 table is not fully confirmed"
    );
    let many = compute_month(
        &t,
        &under70(
            d(2026, 9, 1),
            "ウ",
            true,
            vec![claim("本人", Under70, Inpatient, 200_000, 60_000)],
        ),
    )
    .unwrap();
    assert_eq!(many.household_limit, Some(Yen(44_400)));
    let table = t.for_date(d(2026, 8, 15)).unwrap();
    assert_eq!(table.under70("ウ").unwrap().annual_cap, Some(Yen(530_000)));
    // 外来 30,000 in a month for 一般: 30,000 − 22,000 = 8,000 (July 2026: 30,000 − 18,000 = 12,000).
    let out = compute_month(
        &t,
        &over70(
            d(2026, 8, 1),
            "一般",
            vec![claim("本人", Kourei, Outpatient, 150_000, 30_000)],
        ),
    )
    .unwrap();
    assert_eq!(out.outpatient[0].refund, Yen(8_000));
    let out_july = compute_month(
        &t,
        &over70(
            d(2026, 7, 1),
            "一般",
            vec![claim("本人", Kourei, Outpatient, 150_000, 30_000)],
        ),
    )
    .unwrap();
    assert_eq!(out_july.outpatient[0].refund, Yen(12_000));
}

// 2027-08: the old 区分 codes are gone; the published top band (ダイヤモンド 383318: 342,000円 + 1%,
// applying above 医療費 114万円) is there, unconfirmed.
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
    assert!(!top.confirmed);
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
