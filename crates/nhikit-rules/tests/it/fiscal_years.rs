//! FY2020–FY2022 national parameters (issue 25): published thresholds and per-person amounts,
//! and hand calculations with published municipal rates, each written out step by step.

use crate::premium::{d, head, household, params, person};
use nhikit_core::Yen;
use nhikit_rules::income::pension_income_with;
use nhikit_rules::params::{Part, PensionDeductionTable};
use nhikit_rules::premium::{Reduction, assess};

// 輪之内町 令和4年度 (2方式): 医療 6.85% / 37,500; 支援 1.93% / 11,400; 介護 1.61% / 12,300;
// https://town.wanouchi.gifu.jp/news/news0041660/
pub(crate) const WANOUCHI_2022: &str = r#"
id = "wanouchi"
fiscal_year = 2022
[medical]
income_rate = "6.85%"
per_capita = 37500
[support]
income_rate = "1.93%"
per_capita = 11400
[care]
income_rate = "1.61%"
per_capita = 12300
"#;

// Published: 輪之内町 (above) prints the 未就学児 均等割 (医療 + 支援) for 令和4年度: 7割軽減世帯
// 7,335円, 軽減なし 24,450円 — (37,500 + 11,400) × 0.3 ÷ 2 = 7,335 and 48,900 ÷ 2 = 24,450.
// Household 1: 世帯主 aged 31, no income; 子 aged 3. 軽減判定所得 0 ≤ 43万 → 7割.
//   医療 均等割 11,250 (世帯主) + 5,625 (子) = 16,875; 支援 3,420 + 1,710 = 5,130.
//   The child's share 5,625 + 1,710 = 7,335 as published.
// Household 2: 世帯主 給与収入 500万 (2021 income: ×0.8 − 44万 = 356万); 子 aged 3. No 軽減.
//   医療 所得割 (3,560,000 − 430,000) × 6.85% = 214,405; 均等割 37,500 + 18,750 = 56,250;
//   270,655 → 270,600. 支援 3,130,000 × 1.93% = 60,409; 11,400 + 5,700 = 17,100; 77,509 → 77,500.
//   The child's share 18,750 + 5,700 = 24,450 as published.
#[test]
fn fy2022_preschool_half_matches_wanouchi_published_amounts() {
    let p = params(2022, WANOUCHI_2022);
    let h = household(vec![
        head(person(d(1990, 10, 1), 0, 0, 0)),
        person(d(2019, 5, 5), 0, 0, 0),
    ]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::Seventy);
    assert_eq!(a.part(Part::Medical).per_capita_levy, Yen(16_875));
    assert_eq!(a.part(Part::Support).per_capita_levy, Yen(5_130));
    assert_eq!(a.part(Part::Medical).amount, Yen(16_800));

    let h = household(vec![
        head(person(d(1990, 10, 1), 5_000_000, 0, 0)),
        person(d(2019, 5, 5), 0, 0, 0),
    ]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(a.part(Part::Medical).income_levy, Yen(214_405));
    assert_eq!(a.part(Part::Medical).per_capita_levy, Yen(56_250));
    assert_eq!(a.part(Part::Medical).amount, Yen(270_600));
    assert_eq!(a.part(Part::Support).amount, Yen(77_500));
    assert_eq!(a.part(Part::Care).amount, Yen(0));
}

// Published thresholds: 羽島市 (https://www.city.hashima.lg.jp/0000010373.html) prints the
// 令和4年度 bases in brackets: one person 5割 71万5千円, 2割 95万円; two insured who are both
// 給与所得者等: 5割 110万円, 2割 157万円 (令和5年度: 72万, 96.5万, 111万, 160万).
// Two members with 給与収入 1,335,000 each (給与所得 785,000 each, 2021 income) have 1,570,000.
#[test]
fn fy2022_thresholds_match_hashima_published_bases() {
    let p = params(2022, WANOUCHI_2022);
    let one = |income: i64| {
        let h = household(vec![head(person(d(1980, 4, 10), 0, 0, income))]);
        assess(&h, &p).unwrap().reduction
    };
    assert_eq!(one(715_000), Reduction::Fifty);
    assert_eq!(one(715_001), Reduction::Twenty);
    assert_eq!(one(950_000), Reduction::Twenty);
    assert_eq!(one(950_001), Reduction::None);
    let two = |extra: i64| {
        let h = household(vec![
            head(person(d(1980, 4, 10), 1_335_000, 0, extra)),
            person(d(1982, 4, 10), 1_335_000, 0, 0),
        ]);
        assess(&h, &p).unwrap()
    };
    assert_eq!(two(0).judgement_income, Yen(1_570_000));
    assert_eq!(two(0).reduction, Reduction::Twenty);
    assert_eq!(two(1).reduction, Reduction::None);
    // The same households a year later (FY2023 bases) are still reduced.
    let p23 = params(2023, &WANOUCHI_2022.replace("2022", "2023"));
    let h = household(vec![head(person(d(1980, 4, 10), 0, 0, 715_001))]);
    assert_eq!(assess(&h, &p23).unwrap().reduction, Reduction::Fifty);
}

// 平泉町 令和3年度 (4方式): 医療 6.0% / 資産 19.1% / 20,000 / 18,000; 支援 2.4% / 10.0% / 8,000 /
// 7,000; 介護 2.4% / 12.0% / 11,000 / 7,000; caps 63万/19万/17万.
// https://www.town.hiraizumi.iwate.jp/index.cfm/21,788,99,148,html
// Hand calculation: 世帯主 aged 50, 給与収入 300万 (2020 income, 令和2年分 table: ×0.7 − 8万 =
// 2,020,000), 固定資産税 50,000; 配偶者 aged 48, no income. 軽減判定 2,020,000 > 2割基準 43万 +
// 52万 × 2 = 1,470,000 → none. 旧ただし書き 2,020,000 − 430,000 = 1,590,000.
//   医療: 95,400 + 9,550 + 40,000 + 18,000 = 162,950 → 162,900
//   支援: 38,160 + 5,000 + 16,000 + 7,000 = 66,160 → 66,100
//   介護: 38,160 + 6,000 + 22,000 + 7,000 = 73,160 → 73,100;  total 302,100.
#[test]
fn fy2021_hiraizumi_four_method_by_hand() {
    let p = params(
        2021,
        r#"
id = "hiraizumi"
fiscal_year = 2021
[medical]
income_rate = "6.0%"
asset_rate = "19.1%"
per_capita = 20000
per_household = 18000
[support]
income_rate = "2.4%"
asset_rate = "10.0%"
per_capita = 8000
per_household = 7000
[care]
income_rate = "2.4%"
asset_rate = "12.0%"
per_capita = 11000
per_household = 7000
"#,
    );
    let mut h = head(person(d(1970, 9, 9), 3_000_000, 0, 0));
    h.income.fixed_asset_tax = 50_000;
    let hh = household(vec![h, person(d(1972, 12, 1), 0, 0, 0)]);
    let a = assess(&hh, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(a.judgement_income, Yen(2_020_000));
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [162_900, 66_100, 73_100, 0]
    );
    assert_eq!(a.total, Yen(302_100));
}

// FY2021 introduced 10万 × (給与所得者等の数 − 1) (秩父市, 美里町, 原村 pages cited in fy2021.toml).
// Two insured with 給与収入 815,000 each (給与所得 265,000 each): 530,000 ≤ 43万 + 10万 → 7割 in
// FY2021; in FY2020 the 7割 base is 33万 with no earner term and 2019 income uses the 平成29年分
// table (815,000 − 650,000 = 165,000 each, 330,000 → 7割 exactly at the base).
#[test]
fn fy2021_earner_term_and_fy2020_base() {
    let rates = |fy: i32| {
        format!(
            "id = \"x\"\nfiscal_year = {fy}\n[medical]\nper_capita = 20000\nper_household = 10000\n[support]\n[care]\n"
        )
    };
    let hh = |extra: i64| {
        household(vec![
            head(person(d(1985, 1, 20), 815_000, 0, extra)),
            person(d(1986, 1, 20), 815_000, 0, 0),
        ])
    };
    let p21 = params(2021, &rates(2021));
    assert_eq!(assess(&hh(0), &p21).unwrap().judgement_income, Yen(530_000));
    assert_eq!(assess(&hh(0), &p21).unwrap().reduction, Reduction::Seventy);
    assert_eq!(assess(&hh(1), &p21).unwrap().reduction, Reduction::Fifty);
    let p20 = params(2020, &rates(2020));
    assert_eq!(assess(&hh(0), &p20).unwrap().judgement_income, Yen(330_000));
    assert_eq!(assess(&hh(0), &p20).unwrap().reduction, Reduction::Seventy);
    assert_eq!(assess(&hh(1), &p20).unwrap().reduction, Reduction::Fifty);
}

// 大垣市 令和2年度 保険料率 (https://www.city.ogaki.lg.jp/0000065706.html): 医療 7.00% / 資産 6.00%
// / 24,700 / 20,000; 支援 2.24% / 1.80% / 8,000 / 6,800; 介護 1.90% / 2.30% / 8,800 / 5,300; 基礎控除
// 330,000. Hand calculation: 世帯主 aged 45, 給与収入 200万 (2019 income, 平成29年分 table: ×0.7 −
// 18万 = 1,220,000); 配偶者 43 and 子 10, no income. 軽減判定 1,220,000: 5割基準 33万 + 28.5万×3 =
// 1,185,000 < 1,220,000 ≤ 2割基準 33万 + 52万×3 = 1,890,000 → 2割. 旧ただし書き 890,000.
//   医療: 62,300 + 74,100×0.8 (59,280) + 20,000×0.8 (16,000) = 137,580 → 137,500
//   支援: 19,936 + 19,200 + 5,440 = 44,576 → 44,500
//   介護 (two aged 40–64): 16,910 + 17,600×0.8 (14,080) + 5,300×0.8 (4,240) = 35,230 → 35,200
#[test]
fn fy2020_ogaki_two_tenths_by_hand() {
    let p = params(
        2020,
        r#"
id = "ogaki"
fiscal_year = 2020
levy = "premium"
[medical]
income_rate = "7.00%"
asset_rate = "6.00%"
per_capita = 24700
per_household = 20000
[support]
income_rate = "2.24%"
asset_rate = "1.80%"
per_capita = 8000
per_household = 6800
[care]
income_rate = "1.90%"
asset_rate = "2.30%"
per_capita = 8800
per_household = 5300
"#,
    );
    let hh = household(vec![
        head(person(d(1974, 7, 7), 2_000_000, 0, 0)),
        person(d(1976, 3, 3), 0, 0, 0),
        person(d(2009, 12, 12), 0, 0, 0),
    ]);
    let a = assess(&hh, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(1_220_000));
    assert_eq!(a.reduction, Reduction::Twenty);
    assert_eq!(a.part(Part::Medical).income_levy, Yen(62_300));
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [137_500, 44_500, 35_200, 0]
    );
}

// 御船町「国民健康保険税の計算例(令和2年度)」例1 (https://www.town.mifune.kumamoto.jp/page5744.html):
// 夫 給与収入 950,000 (給与所得 300,000), 妻 no income: 所得割 0, 7割軽減; 平等割 医療 22,000,
// 支援 8,000 (→ 6,600 and 2,400 after 7割). 65歳以上 年金 200万 in 2019: 所得 80万 (旧表).
#[test]
fn fy2020_mifune_example_1() {
    let p = params(
        2020,
        "id = \"mifune\"\nfiscal_year = 2020\n[medical]\nincome_rate = \"8%\"\nper_household = 22000\n[support]\nincome_rate = \"2%\"\nper_household = 8000\n[care]\n",
    );
    let hh = household(vec![
        head(person(d(1970, 5, 5), 950_000, 0, 0)),
        person(d(1972, 5, 5), 0, 0, 0),
    ]);
    let a = assess(&hh, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(300_000));
    assert_eq!(a.reduction, Reduction::Seventy);
    assert_eq!(a.part(Part::Medical).income_levy, Yen(0));
    assert_eq!(a.part(Part::Medical).per_household_levy, Yen(6_600));
    assert_eq!(a.part(Part::Support).per_household_levy, Yen(2_400));
    assert_eq!(
        pension_income_with(2_000_000, true, 0, PensionDeductionTable::H17),
        800_000
    );
}
