//! Premium oracle: independent worked examples (published municipal 計算例, published per-person
//! amounts, and hand calculations written out step by step), each citing its source, plus
//! property tests of the invariants.
#![allow(clippy::unwrap_used)]

use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use nhikit_rules::income::{pension_income, salary_income};
use nhikit_rules::params::{MunicipalRates, Params, Part, RuleSet, SalaryDeductionTable};
use nhikit_rules::premium::{
    Household, Income, Member, Perinatal, Reduction, SpecifiedHousehold, Status, assess,
    assess_explained, installments, month_number,
};
use proptest::prelude::*;

pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub(crate) fn params(fy: i32, municipal_toml: &str) -> Params {
    let rules = RuleSet::builtin().unwrap();
    let m = MunicipalRates::from_toml_str(municipal_toml, "test").unwrap();
    Params::resolve(rules.national(fy).unwrap(), &m).unwrap()
}

pub(crate) fn builtin(id: &str, fy: i32) -> Params {
    RuleSet::builtin().unwrap().params(id, fy).unwrap()
}

pub(crate) fn person(birth: NaiveDate, salary: i64, pension: i64, other: i64) -> Member {
    let mut m = Member::insured(birth);
    m.income = Income {
        salary_revenue: salary,
        pension_revenue: pension,
        other_income: other,
        ..Income::default()
    };
    m
}

pub(crate) fn head(mut m: Member) -> Member {
    m.householder = true;
    m
}

pub(crate) fn household(members: Vec<Member>) -> Household {
    Household {
        members,
        specified: SpecifiedHousehold::None,
    }
}

pub(crate) fn amounts(h: &Household, p: &Params) -> [i64; 4] {
    let a = assess(h, p).unwrap();
    Part::ALL.map(|part| a.part(part).amount.0)
}

// 成田市 令和7年度 rates as used in its 計算例 (医療 6.81% / 22,100 / 19,100; 支援 2.13% / 8,700).
// Only the 医療分 is asserted: the excerpt of the page does not show every 支援・介護 figure.
const NARITA_2025: &str = r#"
id = "narita"
fiscal_year = 2025
[medical]
income_rate = "6.81%"
per_capita = 22100
per_household = 19100
[support]
income_rate = "2.13%"
per_capita = 8700
[care]
"#;

// Worked example 1 — 成田市「令和7年度 国民健康保険税の計算例【世帯員が複数(軽減世帯該当)の場合】」
// https://www.city.narita.chiba.jp/kurashi/page100601.html (updated 2025-05-01):
// A 45 世帯主 給与収入 200万 (給与所得 132万), B 43 and C 17 no income.
// 軽減判定 1,320,000 ≤ 5割基準 305,000×3 + 430,000 = 1,345,000 → 5割.
// 所得割 (1,320,000 − 430,000) × 6.81% = 60,609; 均等割 22,100×3×50% = 33,150;
// 平等割 19,100×50% = 9,550; 60,609 + 33,150 + 9,550 = 103,309 → 103,300 (基礎課税分).
#[test]
fn narita_fy2025_five_tenths_reduction() {
    let p = params(2025, NARITA_2025);
    let h = household(vec![
        head(person(d(1980, 1, 15), 2_000_000, 0, 0)),
        person(d(1982, 2, 10), 0, 0, 0),
        person(d(2008, 6, 1), 0, 0, 0),
    ]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::Fifty);
    assert_eq!(a.judgement_income, Yen(1_320_000));
    let m = a.part(Part::Medical);
    assert_eq!(m.income_levy, Yen(60_609));
    assert_eq!(m.per_capita_levy, Yen(33_150));
    assert_eq!(m.per_household_levy, Yen(9_550));
    assert_eq!(m.amount, Yen(103_300));
}

// Worked example 2 — the same 成田市 page in its 令和6年度 version (updated 2024-04-01), same
// household: 5割基準 295,000×3 + 430,000 = 1,315,000 < 1,320,000 ≤ 2割基準 545,000×3 + 430,000 =
// 2,065,000 → 2割. 所得割 890,000 × 6.59% = 58,651; 均等割 63,000 − 12,600 = 50,400;
// 平等割 18,100 − 3,620 = 14,480; 123,531 → 123,500.
#[test]
fn narita_fy2024_two_tenths_reduction() {
    let p = params(
        2024,
        r#"
id = "narita"
fiscal_year = 2024
[medical]
income_rate = "6.59%"
per_capita = 21000
per_household = 18100
[support]
income_rate = "1.95%"
[care]
"#,
    );
    let h = household(vec![
        head(person(d(1979, 1, 15), 2_000_000, 0, 0)),
        person(d(1981, 2, 10), 0, 0, 0),
        person(d(2007, 6, 1), 0, 0, 0),
    ]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::Twenty);
    assert_eq!(a.part(Part::Medical).amount, Yen(123_500));
    assert_eq!(a.part(Part::Medical).legal_reduction, Yen(12_600 + 3_620));
}

// Worked example 3 — 伊勢崎市「令和5年度分の国民健康保険税の計算例」計算例1
// https://www.city.isesaki.lg.jp/soshiki/kensui/kokumin/huka/2114.html :
// 世帯主 45 給与収入 300万 (202万), 配偶者 43 給与収入 105万 (50万), 子 14.
// 課税総所得 159万 + 7万 = 166万. 医療 166万×6.9% + 26,000×3 + 20,500 = 213,000;
// 支援 166万×2.6% + 10,000×3 + 7,500 = 80,600; 介護 166万×2.1% + 11,000×2 + 6,100 = 62,900;
// total 356,500. (No 軽減: 2,520,000 > 2割基準 530,000 + 535,000×3 = 2,135,000.)
#[test]
fn isesaki_fy2023_three_parts_with_care() {
    let p = params(
        2023,
        r#"
id = "isesaki"
fiscal_year = 2023
[medical]
income_rate = "6.9%"
per_capita = 26000
per_household = 20500
[support]
income_rate = "2.6%"
per_capita = 10000
per_household = 7500
[care]
income_rate = "2.1%"
per_capita = 11000
per_household = 6100
"#,
    );
    let h = household(vec![
        head(person(d(1977, 5, 20), 3_000_000, 0, 0)),
        person(d(1979, 8, 3), 1_050_000, 0, 0),
        person(d(2008, 11, 30), 0, 0, 0),
    ]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(amounts(&h, &p), [213_000, 80_600, 62_900, 0]);
    assert_eq!(a.total, Yen(356_500));
}

// Worked examples 4 and 5 — 名取市「令和8年度から国民健康保険税の税率が変わります」世帯例(1)
// https://www.city.natori.miyagi.jp/page/39025.html : one insured person aged 40–64 with 所得
// 1,202,000. R7: 医療 107,500, 支援 41,600, 介護 36,800 = 185,900; R8: 109,100, 43,100, 41,900 =
// 194,100 (the R8 figures exclude the 子ども・子育て支援納付金分, not yet set). Uses the shipped files.
#[test]
fn natori_single_member_fy2025_and_fy2026() {
    let h = household(vec![head(person(d(1970, 6, 15), 0, 0, 1_202_000))]);
    assert_eq!(
        amounts(&h, &builtin("natori", 2025)),
        [107_500, 41_600, 36_800, 0]
    );
    let p26 = builtin("natori", 2026);
    assert_eq!(amounts(&h, &p26), [109_100, 43_100, 41_900, 0]);
    assert_eq!(assess(&h, &p26).unwrap().total, Yen(194_100));
    assert!(
        p26.warnings.iter().any(|w| w.contains("子ども")),
        "{:?}",
        p26.warnings
    );
}

// Worked example 5b — 利府町, hand calculation with the town's rates (令和6年度 税率改正のお知らせ,
// https://www.town.rifu.miyagi.jp/gyosei/soshikikarasagasu/tyoumin/kokuho/2/2/5508.html: 現在の
// 税率 = 令和5年度, 新税率 = 令和6年度). One insured person aged 40–64 with 所得 2,000,000:
// 算定基礎 2,000,000 − 430,000 = 1,570,000; no 軽減 (2,000,000 > 430,000 + 545,000 in R6,
// > 430,000 + 535,000 in R5). 100円未満切捨て per part.
// R6: 医療 1,570,000×7.6% = 119,320 + 33,000 + 22,000 = 174,320 → 174,300;
//     支援 ×3.1% = 48,670 + 13,000 + 9,000 = 70,670 → 70,600;
//     介護 ×2.6% = 40,820 + 12,800 + 6,500 = 60,120 → 60,100. Total 305,000.
// R5: 医療 ×6.2% = 97,340 + 27,000 + 18,000 = 142,340 → 142,300;
//     支援 ×2.5% = 39,250 + 10,000 + 7,500 = 56,750 → 56,700;
//     介護 ×2.25% = 35,325 + 10,000 + 6,500 = 51,825 → 51,800. Total 250,800.
// Also: 利府町 is the default rate set for those years (名取市 has none shipped).
#[test]
fn rifu_single_member_fy2023_and_fy2024() {
    let h = household(vec![head(person(d(1975, 5, 20), 0, 0, 2_000_000))]);
    let p24 = builtin("rifu", 2024);
    assert_eq!(amounts(&h, &p24), [174_300, 70_600, 60_100, 0]);
    assert_eq!(assess(&h, &p24).unwrap().total, Yen(305_000));
    assert_eq!(
        amounts(&h, &builtin("rifu", 2023)),
        [142_300, 56_700, 51_800, 0]
    );
    let rules = RuleSet::builtin().unwrap();
    for (fy, want) in [
        (2023, "rifu"),
        (2024, "rifu"),
        (2025, "natori"),
        (2026, "natori"),
    ] {
        assert_eq!(rules.assigned_rates("131016", fy), Some(want), "FY{fy}");
    }
    assert_eq!(rules.assigned_rates("131016", 2022), None);
}

// Worked example 6 — 名取市 世帯例(2) (same page): two insured aged 40–64, 所得 1,202,000 each.
// R7: 192,000 + 75,300 + 66,600 = 333,900; R8: 194,100 + 77,300 + 73,900 = 345,300.
#[test]
fn natori_two_members_fy2025_and_fy2026() {
    let h = household(vec![
        head(person(d(1968, 7, 1), 0, 0, 1_202_000)),
        person(d(1971, 9, 9), 0, 0, 1_202_000),
    ]);
    assert_eq!(
        amounts(&h, &builtin("natori", 2025)),
        [192_000, 75_300, 66_600, 0]
    );
    assert_eq!(
        amounts(&h, &builtin("natori", 2026)),
        [194_100, 77_300, 73_900, 0]
    );
}

// Worked example 7 — 秋田市「国民健康保険税の計算例 その5 加入者が1人(特定継続世帯)の場合」
// http://www.city.akita.lg.jp/kurashi/hoken-nenkin/1005311/1009999/1003976.html :
// L 61 世帯主 年金収入 2,700,000 (所得 1,750,000), M 81 in 後期 (年金 80万, 所得 0).
// 医療 1,320,000×9.22% + 22,960 + 21,510 (特定継続 ¾ of 28,680) = 166,174 → 166,100;
// 支援 33,132 + 6,620 + 5,580 (¾ of 7,440) = 45,332 → 45,300;
// 介護 38,016 + 8,950 + 8,570 (not reduced) = 55,536 → 55,500.
// The page's caps are 66万/26万 (FY2025). No 軽減: 1,750,000 > 430,000 + 560,000×2.
#[test]
fn akita_specified_continuing_household() {
    let p = params(
        2025,
        r#"
id = "akita"
fiscal_year = 2025
[medical]
income_rate = "9.22%"
per_capita = 22960
per_household = 28680
[support]
income_rate = "2.51%"
per_capita = 6620
per_household = 7440
[care]
income_rate = "2.88%"
per_capita = 8950
per_household = 8570
"#,
    );
    let l = head(person(d(1963, 5, 10), 0, 2_700_000, 0));
    let mut m = person(d(1944, 3, 3), 0, 800_000, 0);
    m.status = Status::FormerInsuredInKouki;
    let h = Household {
        members: vec![l, m],
        specified: SpecifiedHousehold::Continuing,
    };
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(a.part(Part::Medical).income_levy, Yen(121_704));
    assert_eq!(amounts(&h, &p), [166_100, 45_300, 55_500, 0]);
}

// 熊野町 令和7年度 (shipped file; https://www.town.kumano.hiroshima.jp/www/contents/1748243311429/index.html):
// 医療 7.38% / 34,100 / 24,100, 支援 2.42% / 11,100 / 7,800, 介護 2.10% / 11,000 / 7,100,
// caps 66万 / 26万 / 17万.

// Worked example 8 — 特定世帯 (hand calculation). Rule: 特定世帯 医療・支援 平等割 ½ for 5 years,
// not 介護 (https://www.city.kitahiroshima.hokkaido.jp/hotnews/detail/00000774.html ; 秋田市 その3
// publishes 14,340 = ½ of 28,680). 熊野町 FY2025; insured 世帯主 66, 年金収入 3,000,000 → 所得 1,900,000
// (65+: 3,000,000 − 1,100,000), spouse 76 in 後期 with no income. 旧ただし書き 1,470,000.
// 軽減判定 1,900,000 − 150,000 = 1,750,000 > 430,000 + 560,000×2 = 1,550,000 → none.
// 医療 1,470,000×7.38% = 108,486 + 34,100 + 12,050 = 154,636 → 154,600;
// 支援 1,470,000×2.42% = 35,574 + 11,100 + 3,900 = 50,574 → 50,500. Total 205,100.
#[test]
fn specified_household_halves_the_per_household_levy() {
    let p = builtin("kumano", 2025);
    let mut spouse = person(d(1948, 10, 10), 0, 0, 0);
    spouse.status = Status::FormerInsuredInKouki;
    let h = Household {
        members: vec![head(person(d(1958, 9, 1), 0, 3_000_000, 0)), spouse],
        specified: SpecifiedHousehold::Specified,
    };
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(amounts(&h, &p), [154_600, 50_500, 0, 0]);
    assert_eq!(a.total, Yen(205_100));
}

// 滑川町 publishes the post-軽減 均等割 per person (令和7年度 現行 / 令和8年度 改正後):
// https://www.town.namegawa.saitama.jp/soshikikarasagasu/zeimuka/zeikin/3/4752.html
// 医療 7割 11,400 / 5割 19,000 / 2割 30,400 (R7), 7割 12,600 (R8); 支援 4,500 / 7,500 / 12,000
// (R7), 4,800 (R8); 介護 4,800 / 8,000 / 12,800 (R7), 5,100 (R8). 2方式: no 平等割.

// Worked example 9 — 7割: one insured aged 50 with no income pays exactly the published
// 7割 amounts (所得割 0, no 平等割). R7: 11,400 + 4,500 + 4,800; R8: 12,600 + 4,800 + 5,100.
#[test]
fn namegawa_seven_tenths_matches_published_amounts() {
    let h = household(vec![head(person(d(1975, 4, 20), 0, 0, 0))]);
    let p = builtin("namegawa", 2025);
    assert_eq!(assess(&h, &p).unwrap().reduction, Reduction::Seventy);
    assert_eq!(amounts(&h, &p), [11_400, 4_500, 4_800, 0]);
    assert_eq!(
        amounts(&h, &builtin("namegawa", 2026)),
        [12_600, 4_800, 5_100, 0]
    );
}

// Worked example 10 — 5割 and 2割 with the published per-person amounts, households chosen so
// that each member's 所得 is below 基礎控除 (所得割 0):
// two members aged 30, 所得 300,000 each: 600,000 > 430,000 and ≤ 430,000 + 305,000×2 = 1,040,000
// → 5割: 医療 2×19,000 = 38,000, 支援 2×7,500 = 15,000.
// four members aged 20–39, 所得 420,000 each: 1,680,000 > 430,000 + 305,000×4 = 1,650,000 and
// ≤ 430,000 + 560,000×4 = 2,670,000 → 2割: 医療 4×30,400 = 121,600, 支援 4×12,000 = 48,000.
#[test]
fn namegawa_five_and_two_tenths_match_published_amounts() {
    let p = builtin("namegawa", 2025);
    let two = household(vec![
        head(person(d(1995, 1, 1), 0, 0, 300_000)),
        person(d(1995, 2, 2), 0, 0, 300_000),
    ]);
    assert_eq!(assess(&two, &p).unwrap().reduction, Reduction::Fifty);
    assert_eq!(amounts(&two, &p), [38_000, 15_000, 0, 0]);
    let four = household(vec![
        head(person(d(1990, 1, 1), 0, 0, 420_000)),
        person(d(1992, 2, 2), 0, 0, 420_000),
        person(d(2000, 3, 3), 0, 0, 420_000),
        person(d(2003, 4, 4), 0, 0, 420_000),
    ]);
    assert_eq!(assess(&four, &p).unwrap().reduction, Reduction::Twenty);
    assert_eq!(amounts(&four, &p), [121_600, 48_000, 0, 0]);
}

// Worked example 11 — 未就学児: the child's 均等割 is halved after the 法定軽減 (弥富市: 7割軽減世帯の
// 未就学児 8.5割; https://www.city.yatomi.lg.jp/kurashi/1000103/1000104/1004786.html). 滑川町 R7,
// parent 30 without income + child aged 3 → 7割: 医療 11,400 + 11,400/2 = 17,100;
// 支援 4,500 + 2,250 = 6,750 → 6,700. A child born 2019-04-01 is no longer 未就学児 in FY2025
// (FY2025 covers births on/after 2019-04-02), so a second household with that child pays
// 11,400×2 = 22,800 and 4,500×2 = 9,000.
#[test]
fn preschool_child_per_capita_is_halved_after_reduction() {
    let p = builtin("namegawa", 2025);
    let h = household(vec![
        head(person(d(1995, 5, 5), 0, 0, 0)),
        person(d(2022, 1, 10), 0, 0, 0),
    ]);
    assert_eq!(amounts(&h, &p), [17_100, 6_700, 0, 0]);
    let older = household(vec![
        head(person(d(1995, 5, 5), 0, 0, 0)),
        person(d(2019, 4, 1), 0, 0, 0),
    ]);
    assert_eq!(amounts(&older, &p), [22_800, 9_000, 0, 0]);
    let youngest_cohort = household(vec![
        head(person(d(1995, 5, 5), 0, 0, 0)),
        person(d(2019, 4, 2), 0, 0, 0),
    ]);
    assert_eq!(amounts(&youngest_cohort, &p), [17_100, 6_700, 0, 0]);
}

// Worked example 12 — caps: 熊野町 FY2025, one insured aged 45 with 所得 20,000,000:
// 旧ただし書き 19,570,000; 医療 19,570,000×7.38% = 1,444,266 + 34,100 + 24,100 > 660,000 → 660,000;
// 支援 473,594 + … > 260,000 → 260,000; 介護 410,970 + … > 170,000 → 170,000; total 1,090,000
// (= the national 109万, https://www.town.kumano.hiroshima.jp/www/contents/1306390027822/index.html).
#[test]
fn caps_apply_per_part() {
    let p = builtin("kumano", 2025);
    let h = household(vec![head(person(d(1980, 7, 7), 0, 0, 20_000_000))]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(amounts(&h, &p), [660_000, 260_000, 170_000, 0]);
    assert!(a.part(Part::Medical).capped && a.part(Part::Care).capped);
    assert_eq!(a.total, Yen(1_090_000));
}

// Worked example 13 — 月割 (hand calculation). Rule: 年税額 ÷ 12 × months, the month of acquisition
// counted (鹿島市: 9月10日加入 → ×7, https://www.city.saga-kashima.lg.jp/main/26689.html ;
// 喜多方市: loss month not counted, https://www.city.kitakata.fukushima.jp/soshiki/zeimu/426.html).
// 熊野町 FY2025, one person aged 30 with 所得 2,000,000 (旧ただし書き 1,570,000, no 軽減):
// annual 医療 115,866 + 34,100 + 24,100 = 174,066; 支援 37,994 + 11,100 + 7,800 = 56,894.
// Acquired 2025-09-10 → 7 months: 医療 174,066×7/12 = 101,538.5 → 101,500;
// 支援 56,894×7/12 = 33,188.2 → 33,100. Lost 2025-12-01 → April–November, 8 months:
// 医療 174,066×8/12 = 116,044 → 116,000; 支援 56,894×8/12 = 37,929.3 → 37,900.
#[test]
fn monthly_proration_for_acquisition_and_loss() {
    let p = builtin("kumano", 2025);
    let mut m = head(person(d(1995, 3, 3), 0, 0, 2_000_000));
    m.acquired = Some(d(2025, 9, 10));
    assert_eq!(amounts(&household(vec![m]), &p), [101_500, 33_100, 0, 0]);
    let mut m = head(person(d(1995, 3, 3), 0, 0, 2_000_000));
    m.lost = Some(d(2025, 12, 1));
    assert_eq!(amounts(&household(vec![m]), &p), [116_000, 37_900, 0, 0]);
}

// Worked example 14 — 非自発的失業者 (hand calculation). Rule: 給与所得 × 30/100 for 所得割 and
// 軽減判定 (https://www.city.nomi.ishikawa.jp/www/contents/1001000000755/index.html ;
// http://www.city.kurume.fukuoka.jp/1070kenkou/2020kokuhonenkin/3030kokuhoryou/kokuhoryo_hijihatsu_keigen.html).
// 熊野町 FY2025, one person aged 35, 給与収入 3,000,000 → 給与所得 2,020,000 → × 30% = 606,000.
// 旧ただし書き 176,000. 軽減判定 606,000 ≤ 430,000 + 305,000 = 735,000 → 5割.
// 医療 176,000×7.38% = 12,988.8 + 17,050 + 12,050 = 42,088.8 → 42,000;
// 支援 176,000×2.42% = 4,259.2 + 5,550 + 3,900 = 13,709.2 → 13,700.
#[test]
fn involuntary_unemployment_counts_thirty_percent_of_salary_income() {
    let p = builtin("kumano", 2025);
    let mut m = head(person(d(1990, 8, 8), 3_000_000, 0, 0));
    m.involuntary_unemployed = true;
    let h = household(vec![m]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(606_000));
    assert_eq!(a.reduction, Reduction::Fifty);
    assert_eq!(amounts(&h, &p), [42_000, 13_700, 0, 0]);
}

// Worked example 15 — 介護分 from the month of reaching 40 (hand calculation). Rule: charged from
// the month containing the day before the 40th birthday (born on the 1st: the previous month)
// (https://www.city.kumagaya.lg.jp/faq/2/22/nendo4065kaigo.html). 熊野町 FY2025, 所得 2,000,000:
// annual 介護 1,570,000×2.10% = 32,970 + 11,000 + 7,100 = 51,070.
// Born 1985-10-15 → 40 on 2025-10-14 → October–March, 6 months: 51,070×6/12 = 25,535 → 25,500.
// Born 1985-10-01 → 40 on 2025-09-30 → September–March, 7 months: 29,790.8 → 29,700.
// Born 1961-01-15 → 65 on 2026-01-14 → April–December, 9 months: 38,302.5 → 38,300.
#[test]
fn care_part_follows_the_age_months() {
    let p = builtin("kumano", 2025);
    let care = |birth| amounts(&household(vec![head(person(birth, 0, 0, 2_000_000))]), &p)[2];
    assert_eq!(care(d(1985, 10, 15)), 25_500);
    assert_eq!(care(d(1985, 10, 1)), 29_700);
    assert_eq!(care(d(1961, 1, 15)), 38_300);
    assert_eq!(care(d(1970, 1, 1)), 51_000);
}

// 朝霞市 令和8年度 子ども・子育て支援納付金分 (案): 2方式, 所得割 0.3%, 均等割 1,800, 18歳以上均等割 100,
// cap 3万, 18歳未満 均等割 全額減免 (https://www.city.asaka.lg.jp/soshiki/25/kodomo-kosodade.html).
// The other parts are set to zero here so that only the 子ども分 is exercised.
const ASAKA_2026_CHILD: &str = r#"
id = "asaka"
fiscal_year = 2026
[medical]
[support]
[care]
[child]
income_rate = "0.3%"
per_capita = 1800
adult_per_capita = 100
"#;

// Worked example 16 — FY2026 子ども・子育て支援納付金分 (hand calculation with 朝霞市's rates).
// Two adults (one with 所得 3,000,000 → 旧ただし書き 2,570,000), children aged 10 and 17:
// 所得割 2,570,000×0.3% = 7,710; 均等割 adults 2×(1,800 + 100) = 3,800; minors exempt →
// 11,510 → 11,500. (No 軽減: 3,000,000 > 430,000 + 560,000×4.) A person born 2008-04-01 reached 18
// on 2026-03-31, before FY2026, and pays 1,900; one born 2008-04-02 is still exempt.
// Cap: 所得 20,000,000 → 19,570,000×0.3% = 58,710 + 1,900 > 30,000 → 30,000.
#[test]
fn fy2026_child_support_levy() {
    let p = params(2026, ASAKA_2026_CHILD);
    let h = household(vec![
        head(person(d(1984, 5, 5), 0, 0, 3_000_000)),
        person(d(1986, 6, 6), 0, 0, 0),
        person(d(2016, 1, 1), 0, 0, 0),
        person(d(2009, 3, 1), 0, 0, 0),
    ]);
    assert_eq!(amounts(&h, &p), [0, 0, 0, 11_500]);
    let adult18 = household(vec![head(person(d(2008, 4, 1), 0, 0, 0))]);
    let a = assess(&adult18, &p).unwrap();
    assert_eq!(a.reduction, Reduction::Seventy);
    // 7割 of 1,900 = 570 → 500 (100円未満切捨て).
    assert_eq!(a.part(Part::Child).amount, Yen(500));
    let minor = household(vec![head(person(d(2008, 4, 2), 0, 0, 0))]);
    assert_eq!(assess(&minor, &p).unwrap().part(Part::Child).amount, Yen(0));
    let rich = household(vec![head(person(d(1970, 1, 1), 0, 0, 20_000_000))]);
    assert_eq!(
        assess(&rich, &p).unwrap().part(Part::Child).amount,
        Yen(30_000)
    );
}

// Worked example 17 — 産前産後 (hand calculation). Rule: the 出産被保険者's 所得割 and 均等割 are not
// levied for 4 months from the month before the birth month (https://www.vill.yamae.lg.jp/kiji003950/index.html).
// 熊野町 FY2025, mother 32 alone, 所得 1,500,000 (旧ただし書き 1,070,000), birth 2025-10 → Sep–Dec exempt.
// 医療: 所得割 78,966 + 均等割 34,100 for 8 months, 平等割 24,100 for 12:
// (113,066×8 + 24,100×12)/12 = 1,193,728/12 = 99,477.3 → 99,400.
// 支援: (25,894 + 11,100)×8 + 7,800×12 = 389,552 → /12 = 32,462.7 → 32,400.
#[test]
fn perinatal_exemption_removes_income_and_per_capita_levies() {
    let p = builtin("kumano", 2025);
    let mut m = head(person(d(1993, 2, 2), 0, 0, 1_500_000));
    m.perinatal = Some(Perinatal {
        birth_month: month_number(2025, 10),
        multiple: false,
    });
    assert_eq!(amounts(&household(vec![m]), &p), [99_400, 32_400, 0, 0]);
}

// Worked example 18 — 擬制世帯主 (hand calculation). Rule: the uninsured householder's income counts
// in the 軽減判定 but not in the 所得割 (https://www.city.miyakonojo.miyazaki.jp/soshiki/52/3684.html ;
// https://www.city.nomi.ishikawa.jp/www/contents/1001000000755/index.html). 名取市 FY2025: 世帯主 in
// 社保 with 給与収入 3,000,000 (202万), wife 45 insured without income. 判定 2,020,000 >
// 430,000 + 560,000 → no 軽減: 医療 26,600 + 23,000 = 49,600; 支援 10,500 + 8,000 = 18,500;
// 介護 10,500 + 7,000 = 17,500. Were the householder's income ignored, she would get 7割.
#[test]
fn deemed_householder_income_counts_for_the_judgement_only() {
    let p = builtin("natori", 2025);
    let mut husband = head(person(d(1978, 3, 3), 3_000_000, 0, 0));
    husband.status = Status::NotInsured;
    let h = household(vec![husband, person(d(1980, 4, 4), 0, 0, 0)]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(2_020_000));
    assert_eq!(amounts(&h, &p), [49_600, 18_500, 17_500, 0]);
}

// Worked example 19 — 65歳以上 公的年金 special deduction of 15万 in the judgement (hand calculation).
// Rule: https://www.vill.nishihara.kumamoto.jp/kiji003939/index.html . 名取市 FY2025, one insured aged
// 70, 年金収入 1,950,000 → 所得 850,000 (−110万). 判定 850,000 − 150,000 = 700,000 ≤ 735,000 → 5割
// (850,000 alone would give 2割). 旧ただし書き 420,000: 医療 31,500 + 13,300 + 11,500 = 56,300;
// 支援 12,600 + 5,250 + 4,000 = 21,850 → 21,800.
#[test]
fn elderly_pension_deduction_in_the_judgement() {
    let p = builtin("natori", 2025);
    let h = household(vec![head(person(d(1955, 5, 5), 0, 1_950_000, 0))]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(700_000));
    assert_eq!(a.reduction, Reduction::Fifty);
    assert_eq!(amounts(&h, &p), [56_300, 21_800, 0, 0]);
}

// The 65歳以上 boundary of the judgement: 福島市 states that for 令和7年度 it means born on or
// before 昭和35年1月1日 (1960-01-01), i.e. 65 on December 31 of the income year
// (https://www.city.fukushima.fukushima.jp/soshiki/7/1030/2/6193.html). Same household as above:
// born 1960-01-01 → 5割 (判定 700,000); born 1960-01-02 → under 65: 年金所得 1,950,000×0.75 −
// 275,000 = 1,187,500, no 15万 → 判定 1,187,500 > 990,000 → none.
#[test]
fn elderly_boundary_is_december_31_of_the_income_year() {
    let p = builtin("natori", 2025);
    let a = |birth| assess(&household(vec![head(person(birth, 0, 1_950_000, 0))]), &p).unwrap();
    assert_eq!(a(d(1960, 1, 1)).reduction, Reduction::Fifty);
    assert_eq!(a(d(1960, 1, 2)).judgement_income, Yen(1_187_500));
    assert_eq!(a(d(1960, 1, 2)).reduction, Reduction::None);
}

// Worked example 20 — 未申告: a household with an undeclared member gets no 法定軽減 (西原村, same page).
// 滑川町 R7, one person without income and without 申告: full 均等割 38,000 + 15,000.
#[test]
fn undeclared_income_removes_the_reduction() {
    let p = builtin("namegawa", 2025);
    let mut m = head(person(d(1990, 1, 1), 0, 0, 0));
    m.income_declared = false;
    let h = household(vec![m]);
    assert_eq!(assess(&h, &p).unwrap().reduction, Reduction::None);
    assert_eq!(amounts(&h, &p), [38_000, 15_000, 0, 0]);
}

// Worked example 21 — municipal 独自減免: 18歳まで 均等割 免除 (山元町, https://www.town.yamamoto.miyagi.jp/soshiki/8/12719.html).
// 熊野町 FY2025 rates with that option for 医療・支援; parent 40 with 所得 3,000,000, child 10.
// 旧ただし書き 2,570,000. 医療 189,666 + 34,100 (parent only) + 24,100 = 247,866 → 247,800;
// 支援 62,194 + 11,100 + 7,800 = 81,094 → 81,000; 介護 53,970 + 11,000 + 7,100 = 72,070 → 72,000.
#[test]
fn local_minor_exemption_option() {
    let text = format!(
        "{}\n[options.minor_per_capita_exemption]\nup_to_age = 18\npercent = 100\nparts = [\"medical\", \"support\"]\n",
        include_str!("../../../../schemas/rules/municipal/kumano-fy2025.toml")
    );
    let p = params(2025, &text);
    let h = household(vec![
        head(person(d(1985, 1, 20), 0, 0, 3_000_000)),
        person(d(2015, 5, 5), 0, 0, 0),
    ]);
    assert_eq!(amounts(&h, &p), [247_800, 81_000, 72_000, 0]);
}

// Worked example 22 — 鳩山町's own 減免 of the 均等割 of insured persons up to the March 31 after
// their 18th birthday (令和6年度: born on/after 2006-04-02), model case (1): 45歳 couple, a high
// school and a middle school student, 世帯主 給与収入 400万 (所得 276万): 424,200 before, 340,200
// after, 差額 84,000 = (30,000 医療 + 12,000 支援 均等割) × 2
// (https://www.town.hatoyama.saitama.jp/hatonet/news/page003711.html). The page gives only the
// 均等割 amounts, so the other rates are zero here and the difference is what is checked; the
// 所得 276万 is also a 給与所得控除 pair (4,000,000 × 0.8 − 440,000). No 軽減: 2,760,000 >
// 430,000 + 545,000 × 4.
#[test]
fn hatoyama_minor_exemption_difference() {
    let base = r#"
id = "hatoyama"
fiscal_year = 2024
[medical]
per_capita = 30000
[support]
per_capita = 12000
[care]
"#;
    let with = format!(
        "{base}[options.minor_per_capita_exemption]\nup_to_age = 18\npercent = 100\nparts = [\"medical\", \"support\"]\n"
    );
    let h = household(vec![
        head(person(d(1978, 10, 1), 4_000_000, 0, 0)),
        person(d(1979, 2, 1), 0, 0, 0),
        person(d(2007, 9, 1), 0, 0, 0),
        person(d(2010, 5, 1), 0, 0, 0),
    ]);
    assert_eq!(
        salary_income(4_000_000, SalaryDeductionTable::R2),
        2_760_000
    );
    let before = assess(&h, &params(2024, base)).unwrap().total;
    let after = assess(&h, &params(2024, &with)).unwrap().total;
    assert_eq!(before - after, Yen(84_000));
}

// Income conversions. 給与所得: published pairs 300万→202万, 105万→50万 (伊勢崎市, above), 200万→132万
// (成田市, above). 公的年金等 雑所得: 秋田市 その5 (61歳 2,700,000 → 1,750,000) and その3 (76歳
// 2,800,000 → 1,700,000, https://aktweb-aws.akitanet.co.jp/kurashi/hoken-nenkin/1005311/1009999/1003974.html).
// 2025 income (令和7年分, minimum 65万, https://www.aoiro-odawara.com/news_post/zeikiso-202508):
// by hand, 1,000,000 − 650,000 = 350,000 (was 450,000); 1,900,000 − 650,000 = 1,250,000 (was
// 1,900,000×0.7 − 80,000 = 1,250,000: the reform stops at 190万); 3,000,000 unchanged 2,020,000.
#[test]
fn income_conversions_match_published_pairs() {
    use SalaryDeductionTable::{R2, R7};
    assert_eq!(salary_income(3_000_000, R2), 2_020_000);
    assert_eq!(salary_income(1_050_000, R2), 500_000);
    assert_eq!(salary_income(2_000_000, R2), 1_320_000);
    assert_eq!(pension_income(2_700_000, false, 0), 1_750_000);
    assert_eq!(pension_income(2_800_000, true, 0), 1_700_000);
    assert_eq!(salary_income(1_000_000, R2), 450_000);
    assert_eq!(salary_income(1_000_000, R7), 350_000);
    assert_eq!(salary_income(1_900_000, R7), 1_250_000);
    assert_eq!(salary_income(1_900_000, R2), 1_250_000);
    assert_eq!(salary_income(3_000_000, R7), 2_020_000);
    assert_eq!(salary_income(650_000, R7), 0);
}

// The FY2026 premium of the same 給与収入 falls because of the 65万 minimum (hand calculation):
// 名取市, one insured aged 50 with 給与収入 1,500,000: FY2025 (2024 income) 給与所得 950,000,
// 旧ただし書き 520,000 → 医療 39,000 + 26,600 + 23,000 = 88,600 (判定 950,000 ≤ 990,000 → 2割:
// 26,600×0.8 + 23,000×0.8 = 39,680 → 医療 78,680 → 78,600). FY2026 (2025 income) 給与所得 850,000,
// 旧ただし書き 420,000 → 医療 31,500; 判定 850,000 ≤ 990,000 → 2割: 27,100×0.8 + 24,100×0.8 = 40,960
// → 72,460 → 72,400.
#[test]
fn salary_deduction_reform_lowers_fy2026_income_levy() {
    let h = household(vec![head(person(d(1975, 6, 6), 1_500_000, 0, 0))]);
    assert_eq!(amounts(&h, &builtin("natori", 2025))[0], 78_600);
    assert_eq!(amounts(&h, &builtin("natori", 2026))[0], 72_400);
}

// The 給与所得者等 term makes the law itself non-monotone in 給与収入 (hand calculation, rule as in
// https://www.city.nomi.ishikawa.jp/www/contents/1001000000755/index.html). 名取市 FY2025:
// 世帯主 50 給与収入 2,400,000 (給与所得 2,400,000×0.7 − 80,000 = 1,600,000), spouse 48.
// Spouse 給与収入 550,000 (所得 0, not 給与所得者等): 判定 1,600,000 > 2割 430,000 + 560,000×2 =
// 1,550,000 → none; 医療 1,170,000×7.5% = 87,750 + 53,200 + 23,000 = 163,950 → 163,900.
// Spouse 551,000 (所得 1,000, now 給与所得者等): 判定 1,601,000 ≤ 1,550,000 + 100,000 → 2割;
// 医療 87,750 + (53,200 + 23,000)×0.8 = 148,710 → 148,700.
#[test]
fn earner_threshold_makes_the_law_non_monotone() {
    let p = builtin("natori", 2025);
    let h = |spouse_salary| {
        household(vec![
            head(person(d(1975, 1, 1), 2_400_000, 0, 0)),
            person(d(1977, 1, 1), spouse_salary, 0, 0),
        ])
    };
    assert_eq!(assess(&h(550_000), &p).unwrap().reduction, Reduction::None);
    assert_eq!(amounts(&h(550_000), &p)[0], 163_900);
    assert_eq!(
        assess(&h(551_000), &p).unwrap().reduction,
        Reduction::Twenty
    );
    assert_eq!(amounts(&h(551_000), &p)[0], 148_700);
}

#[test]
fn installments_put_the_remainder_first() {
    // 熊野町 FY2025 example above: 205,100 over 10 installments of 100円 units:
    // 205,100 / 10 = 20,510 → 20,500; first = 205,100 − 20,500×9 = 20,600.
    let v = installments(Yen(205_100), 10, 100);
    assert_eq!(v.len(), 10);
    assert_eq!(v[0], Yen(20_600));
    assert!(v[1..].iter().all(|x| *x == Yen(20_500)));
    assert_eq!(v.iter().copied().sum::<Yen>(), Yen(205_100));
}

#[test]
fn explained_result_equals_fast_result_and_names_each_part() {
    let p = builtin("natori", 2025);
    let h = household(vec![head(person(d(1970, 6, 15), 0, 0, 1_202_000))]);
    let (a, dvn) = assess_explained(&h, &p).unwrap();
    assert_eq!(a, assess(&h, &p).unwrap());
    let text = dvn.to_text();
    for needle in [
        "医療分",
        "後期高齢者支援金等分",
        "介護納付金分",
        "法定軽減",
        "185900円",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
}

#[test]
fn household_without_insured_member_owes_nothing() {
    let p = builtin("natori", 2025);
    let mut m = head(person(d(1970, 1, 1), 5_000_000, 0, 0));
    m.status = Status::NotInsured;
    let a = assess(&household(vec![m]), &p).unwrap();
    assert_eq!(a.total, Yen(0));
    // NHI ends on the 75th birthday: a member already 75 on April 1 owes nothing.
    let old = household(vec![head(person(d(1949, 4, 1), 0, 0, 1_000_000))]);
    assert_eq!(assess(&old, &p).unwrap().total, Yen(0));
}

// ---------------------------------------------------------------------------------------------
// Properties

fn arb_member() -> impl Strategy<Value = Member> {
    (
        1945i32..2025,
        1u32..=12,
        1u32..=28,
        0i64..12_000_000,
        0i64..5_000_000,
        0i64..30_000_000,
        0u8..6,
        any::<bool>(),
    )
        .prop_map(|(y, mo, day, salary, pension, other, status, unemployed)| {
            let mut m = person(d(y, mo, day), salary, pension, other);
            m.status = match status {
                0 => Status::FormerInsuredInKouki,
                1 => Status::NotInsured,
                _ => Status::Insured,
            };
            m.involuntary_unemployed = unemployed && m.status == Status::Insured;
            m
        })
}

fn arb_household() -> impl Strategy<Value = Household> {
    (prop::collection::vec(arb_member(), 1..7), 0u8..3).prop_map(|(mut members, s)| {
        members[0].householder = true;
        Household {
            members,
            specified: match s {
                0 => SpecifiedHousehold::Specified,
                1 => SpecifiedHousehold::Continuing,
                _ => SpecifiedHousehold::None,
            },
        }
    })
}

fn all_params() -> Vec<Params> {
    vec![
        builtin("natori", 2025),
        builtin("kumano", 2025),
        builtin("namegawa", 2026),
        params(2026, ASAKA_2026_CHILD),
        // The earlier years (issue 25): the old deductions, the 33万 base, 資産割.
        builtin("ogaki", 2020),
        builtin("hiraizumi", 2021),
        builtin("wanouchi", 2022),
    ]
}

proptest! {
    #[test]
    fn premium_is_non_decreasing_in_income(h in arb_household(), who in 0usize..6, extra in 0i64..20_000_000, which in 0u8..3, pi in 0usize..7) {
        let p = &all_params()[pi];
        let before = assess(&h, p).unwrap().total;
        let mut h2 = h.clone();
        let i = who % h2.members.len();
        let inc = &mut h2.members[i].income;
        // Revenue changes that cross the 給与所得者等 thresholds (55万 給与, 60万/125万 年金) can lower
        // the premium by law (see `earner_threshold_makes_the_law_non_monotone`), so revenue is
        // only raised for members already above them; 所得 (other_income) moves freely.
        match which {
            0 if inc.salary_revenue > 550_000 => inc.salary_revenue += extra,
            1 if inc.pension_revenue > 1_250_000 => inc.pension_revenue += extra,
            _ => inc.other_income += extra,
        }
        let after = assess(&h2, p).unwrap().total;
        prop_assert!(after >= before, "{before} → {after}");
    }

    #[test]
    fn premium_never_exceeds_the_sum_of_caps(h in arb_household(), pi in 0usize..7) {
        let p = &all_params()[pi];
        let a = assess(&h, p).unwrap();
        let caps: i64 = p.parts.iter().filter(|x| x.levied).map(|x| x.cap).sum();
        prop_assert!(a.total.0 <= caps);
        for part in Part::ALL {
            prop_assert!(a.part(part).amount.0 <= p.parts[part.index()].cap.max(0));
            prop_assert!(a.part(part).amount.0 >= 0);
        }
    }

    #[test]
    fn premium_does_not_depend_on_member_order(h in arb_household(), rot in 0usize..6, pi in 0usize..7) {
        let p = &all_params()[pi];
        let mut h2 = h.clone();
        let n = h2.members.len();
        h2.members.rotate_left(rot % n);
        h2.members.reverse();
        prop_assert_eq!(assess(&h, p).unwrap(), assess(&h2, p).unwrap());
    }

    #[test]
    fn household_with_no_insured_member_owes_nothing(h in arb_household(), pi in 0usize..7) {
        let p = &all_params()[pi];
        let mut h2 = h.clone();
        for m in &mut h2.members {
            if m.status == Status::Insured {
                m.status = Status::NotInsured;
            }
        }
        prop_assert_eq!(assess(&h2, p).unwrap().total, Yen(0));
    }
}

// docs/oracle.md: the premium examples run and give the documented output.
#[test]
fn docs_examples_run() {
    use nhikit_rules::premium::input::{CalcRequest as PremiumRequest, PremiumResponse};
    let doc = include_str!("../../../../docs/oracle.md");
    let block = |marker: &str| -> &str {
        let at = doc
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} missing"));
        let rest = &doc[at..];
        let start = rest.find("```json\n").unwrap() + "```json\n".len();
        let end = rest[start..].find("```").unwrap();
        &rest[start..start + end]
    };
    let rules = RuleSet::builtin().unwrap();
    for name in ["natori", "karumai"] {
        let req: PremiumRequest =
            serde_json::from_str(block(&format!("<!-- premium-example {name} request -->")))
                .unwrap();
        let fy = req.fiscal_year(None).unwrap();
        let p = match (&req.rates, &req.municipality) {
            (Some(r), None) => Params::resolve(rules.national(fy).unwrap(), r).unwrap(),
            (None, Some(id)) => rules.params(id, fy).unwrap(),
            _ => panic!("{name}: municipality or rates"),
        };
        let a = assess(&req.household(fy).unwrap(), &p).unwrap();
        let got = serde_json::to_value(PremiumResponse::new(&a, &p, None)).unwrap();
        let want: serde_json::Value =
            serde_json::from_str(block(&format!("<!-- premium-example {name} response -->")))
                .unwrap();
        assert_eq!(got, want, "{name}");
    }
}

// Request validation names the item (the CLI prints these messages and exits 1).
#[test]
fn request_errors_name_the_item() {
    use nhikit_rules::premium::input::PremiumRequest;
    let err = |json: &str| {
        let req: PremiumRequest = serde_json::from_str(json).unwrap();
        req.household(2025).unwrap_err().to_string()
    };
    let e = err(
        r#"{"members":[{"birth_date":"1970-01-01","householder":true},{"birth_date":"1971-01-01","income":{"salary_revenue":-5}}]}"#,
    );
    assert!(
        e.contains("members[1].income.salary_revenue") && e.contains("≥ 0"),
        "{e}"
    );
    let e = err(r#"{"members":[{"birth_date":"1970-13-01","householder":true}]}"#);
    assert!(e.contains("members[0].birth_date"), "{e}");
    let e = err(r#"{"members":[{"birth_date":"1970-01-01"}]}"#);
    assert!(e.contains("householder"), "{e}");
    let e = err(
        r#"{"members":[{"birth_date":"1970-01-01","householder":true,"acquired":"2025-09-01","lost":"2025-08-01"}]}"#,
    );
    assert!(e.contains("members[0].lost"), "{e}");
    let e = err(
        r#"{"members":[{"birth_date":"1970-01-01","householder":true,"acquired":"2024-09-01"}]}"#,
    );
    assert!(e.contains("members[0].acquired"), "{e}");
    let unknown: Result<PremiumRequest, _> = serde_json::from_str(
        r#"{"members":[{"birth_date":"1970-01-01","householder":true,"incom":{}}]}"#,
    );
    assert!(unknown.unwrap_err().to_string().contains("incom"));
}
