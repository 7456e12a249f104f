//! 旧被扶養者減免 (issue 25). No municipality publishes a numeric 計算例 that we found; the rule
//! is read on 上越市, 久留米市, 三郷町 and 酒々井町 pages:
//! - 所得割 of the 旧被扶養者 exempt (当分の間), 均等割 ½, 平等割 ½ when only 旧被扶養者 are insured
//!   (https://www.city.joetsu.niigata.jp/soshiki/kokuho-nenkin/lifeguide-kokuho1.html);
//! - the 均等割/平等割 part only from the month of 資格取得 to the month two years end in, from
//!   令和2年度 (https://www.town.shisui.chiba.jp/docs/2020031300021/);
//! - not on top of 7割/5割 軽減 (https://www.town.sango.nara.jp/soshiki/11/1351.html); the higher
//!   of the two applies, so a 2割 household gets the ½ instead
//!   (https://www.city.kurume.fukuoka.jp/1070kenkou/2020kokuhonenkin/3030kokuhoryou/kokuhoryo_kouki_ikou_keigen.html).
//!
//! The worked examples are hand calculations with 名取市 令和7年度 rates (医療 7.5% / 26,600 /
//! 23,000; 支援 3.0% / 10,500 / 8,000; 介護 2.5% / 10,500 / 7,000, schemas/rules/municipal).

use crate::premium::{builtin, d, head, household, person};
use nhikit_core::Yen;
use nhikit_rules::params::Part;
use nhikit_rules::premium::{
    Household, Member, Reduction, Status, assess, former_dependant_months,
};
use proptest::prelude::*;

fn husband_in_kouki(pension: i64) -> Member {
    let mut m = head(person(d(1948, 5, 1), 0, pension, 0));
    m.status = Status::NotInsured;
    m
}

// Hand calculation 1 — the 旧被扶養者 alone in NHI, 擬制世帯主 in 後期高齢者医療.
// 夫 (擬制世帯主) 年金 300万 → 所得 190万, judged 175万; 妻 (since 2024-10-10, aged 69) 年金 150万
// → 40万 plus other 所得 100万 = 140万, judged 125万. 軽減判定 300万: no 軽減.
// 妻 旧ただし書き 970,000: 所得割 72,750 exempt. Window 2024-10 … 2026-10 covers FY2025.
//   医療: 0 + 26,600 × ½ (13,300) + 23,000 × ½ (11,500) = 24,800
//   支援: 0 + 5,250 + 4,000 = 9,250 → 9,200;  介護: none (aged 69). Total 34,000.
//   減免 医療: 72,750 + 13,300 + 11,500 = 97,550.
#[test]
fn former_dependant_alone_income_exempt_and_halves() {
    let p = builtin("natori", 2025);
    let mut wife = person(d(1955, 8, 20), 0, 1_500_000, 1_000_000);
    wife.former_dependant_since = Some(d(2024, 10, 10));
    let h = household(vec![husband_in_kouki(3_000_000), wife]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(a.judgement_income, Yen(3_000_000));
    let m = a.part(Part::Medical);
    assert_eq!(m.income_levy, Yen(0));
    assert_eq!(m.per_capita_levy, Yen(13_300));
    assert_eq!(m.per_household_levy, Yen(11_500));
    assert_eq!(m.former_dependant_reduction, Yen(97_550));
    assert_eq!(m.amount, Yen(24_800));
    assert_eq!(a.part(Part::Support).amount, Yen(9_200));
    assert_eq!(a.total, Yen(34_000));
}

// Hand calculation 2 — the window ends inside the year, and a second insured member who is not a
// 旧被扶養者 keeps the 平等割 whole. 妻 since 2023-06-15: window 2023-06 … 2025-06 (two years end
// on 2025-06-14), so April–June 2025 (3 months) at ½. 子 born 1985-01-10 (40 from January 2025),
// 給与収入 400万 → 276万, 旧ただし書き 233万. 夫 (擬制) 年金 200万 → 90万 (judged 75万). No 軽減.
//   医療: 2,330,000 × 7.5% = 174,750; 均等割 26,600 + 26,600 × (3/12 × ½ + 9/12) = 49,875;
//         平等割 23,000; 247,625 → 247,600
//   支援: 69,900 + 10,500 + 9,187.5 + 8,000 = 97,587.5 → 97,500
//   介護: 58,250 + 10,500 + 7,000 = 75,750 → 75,700;  total 420,800.
#[test]
fn former_dependant_window_ends_mid_year() {
    let p = builtin("natori", 2025);
    let mut wife = person(d(1957, 3, 3), 0, 0, 0);
    wife.former_dependant_since = Some(d(2023, 6, 15));
    let son = person(d(1985, 1, 10), 4_000_000, 0, 0);
    let h = household(vec![husband_in_kouki(2_000_000), wife, son]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(a.part(Part::Medical).per_capita_levy, Yen(49_875));
    assert_eq!(a.part(Part::Medical).per_household_levy, Yen(23_000));
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [247_600, 97_500, 75_700, 0]
    );
    assert_eq!(a.total, Yen(420_800));
}

// Hand calculation 3 — interaction with 法定軽減. 妻 alone insured, no income.
// (a) 夫 年金 150万 → 40万, judged 25万 ≤ 43万: 7割. 減免 does not apply: 均等割 7,980, 平等割
//     6,900, 医療 14,880 → 14,800, with or without the 旧被扶養者 status.
// (b) 夫 年金 220万 → 110万, judged 95万; 給与所得者等 1; 5割基準 43万 + 30.5万 = 73.5万 < 95万 ≤
//     2割基準 43万 + 56万 = 99万: 2割. Without the status 21,280 + 18,400 = 39,680 → 39,600; with
//     it the ½ replaces the 2割: 13,300 + 11,500 = 24,800.
#[test]
fn former_dependant_yields_to_seven_and_five_tenths_and_replaces_two() {
    let p = builtin("natori", 2025);
    let medical = |pension: i64, former: bool| {
        let mut wife = person(d(1956, 2, 2), 0, 0, 0);
        if former {
            wife.former_dependant_since = Some(d(2025, 4, 1));
        }
        let a = assess(&household(vec![husband_in_kouki(pension), wife]), &p).unwrap();
        (a.reduction, a.part(Part::Medical).amount.0)
    };
    assert_eq!(medical(1_500_000, false), (Reduction::Seventy, 14_800));
    assert_eq!(medical(1_500_000, true), (Reduction::Seventy, 14_800));
    assert_eq!(medical(2_200_000, false), (Reduction::Twenty, 39_600));
    assert_eq!(medical(2_200_000, true), (Reduction::Twenty, 24_800));
}

// The window: acquired on the 1st, two years end on the last day of the 24th month; on the
// 15th, in the 25th month (the day before the second anniversary).
#[test]
fn former_dependant_window_months() {
    let m = |y: i32, mo: i32| y * 12 + mo - 1;
    assert_eq!(
        former_dependant_months(d(2024, 5, 1)),
        (m(2024, 5), m(2026, 4))
    );
    assert_eq!(
        former_dependant_months(d(2024, 5, 15)),
        (m(2024, 5), m(2026, 5))
    );
    assert_eq!(
        former_dependant_months(d(2024, 2, 29)),
        (m(2024, 2), m(2026, 2))
    );
}

proptest! {
    // The 減免 never raises a premium, and never touches a household with 7割/5割 whose
    // 旧被扶養者 has no income.
    #[test]
    fn former_dependant_never_raises_the_premium(pension in 0i64..6_000_000, income in 0i64..3_000_000, since_m in 0u32..36) {
        let p = builtin("natori", 2025);
        let since = d(2023 + (since_m / 12) as i32, since_m % 12 + 1, 10);
        let base = household(vec![husband_in_kouki(pension), person(d(1956, 2, 2), 0, 0, income)]);
        let mut with = base.clone();
        with.members[1].former_dependant_since = Some(since);
        let a0 = assess(&base, &p).unwrap();
        let a1 = assess(&with, &p).unwrap();
        prop_assert!(a1.total <= a0.total);
        if income == 0 && a0.reduction >= Reduction::Fifty {
            prop_assert_eq!(a1.total, a0.total);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 青色専従者給与 in the 軽減判定: 専従者給与 is counted as the 事業主's income and not the
// 専従者's (東伊豆町 https://www.town.higashiizu.shizuoka.jp/bg/life/ent/2897.html: 専従者給与は
// 支払者の所得金額として計算; 白井市
// https://www.city.shiroi.chiba.jp/soshiki/kenko/k08/hne001/hne004/hne009/1490596495382.html:
// 専従者給与は事業所得に繰り戻されます; DOMAIN-FACTS §3.3, S39). 所得割 is unchanged.

fn business_couple(business_after: i64, paid: i64, spouse_salary: i64, rule: bool) -> Household {
    let mut owner = head(person(d(1975, 5, 5), 0, 0, business_after));
    let mut spouse = person(d(1977, 7, 7), spouse_salary, 0, 0);
    if rule {
        owner.family_employee_salary_paid = paid;
        spouse.family_employee = true;
    }
    household(vec![owner, spouse])
}

// Hand calculation 1 — 名取市 FY2025. 事業主 事業所得 800,000 after 青色専従者給与 1,200,000 paid to
// the spouse (給与所得 1,200,000 − 550,000 = 650,000). Judgement: 800,000 + 1,200,000 = 2,000,000
// (spouse's 650,000 left out; no 給与所得者等 → 7割基準 43万) > 2割基準 43万 + 56万×2 = 1,550,000:
// none. (Counted naively: 1,450,000 with one 給与所得者等 → 2割.) 旧ただし書き 370,000 + 220,000.
//   医療: 590,000 × 7.5% = 44,250 + 53,200 + 23,000 = 120,450 → 120,400
//   支援: 17,700 + 21,000 + 8,000 = 46,700;  介護: 14,750 + 21,000 + 7,000 = 42,750 → 42,700.
#[test]
fn family_employee_salary_goes_back_to_the_owner() {
    let p = builtin("natori", 2025);
    let a = assess(&business_couple(800_000, 1_200_000, 1_200_000, true), &p).unwrap();
    assert_eq!(a.judgement_income, Yen(2_000_000));
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [120_400, 46_700, 42_700, 0]
    );
    let naive = assess(&business_couple(800_000, 1_200_000, 1_200_000, false), &p).unwrap();
    assert_eq!(naive.judgement_income, Yen(1_450_000));
    assert_eq!(naive.reduction, Reduction::Twenty);
}

// Hand calculation 2 — 事業所得 300,000 after 専従者給与 600,000 (spouse 給与所得 50,000).
// Judgement 900,000: 7割基準 43万 < 900,000 ≤ 5割基準 43万 + 30.5万×2 = 1,040,000 → 5割 (naively
// 350,000 → 7割). 所得割 0 (both under 43万). 医療 26,600 × 2 × ½ + 23,000 × ½ = 38,100 (7割:
// 15,960 + 6,900 = 22,860 → 22,800).
#[test]
fn family_employee_rule_moves_seven_tenths_to_five() {
    let p = builtin("natori", 2025);
    let a = assess(&business_couple(300_000, 600_000, 600_000, true), &p).unwrap();
    assert_eq!(
        (a.judgement_income, a.reduction),
        (Yen(900_000), Reduction::Fifty)
    );
    assert_eq!(a.part(Part::Medical).amount, Yen(38_100));
    let naive = assess(&business_couple(300_000, 600_000, 600_000, false), &p).unwrap();
    assert_eq!(naive.reduction, Reduction::Seventy);
    assert_eq!(naive.part(Part::Medical).amount, Yen(22_800));
}

// ---------------------------------------------------------------------------------------------
// 所得金額調整控除 (国税庁 タックスアンサー No.1411 https://www.nta.go.jp/m/taxanswer/1411.htm;
// 所得割 and 軽減判定 both use 総所得金額等, which is after it).

// Hand calculation 1 — 給与と年金: 名取市 FY2025, aged 66, 給与収入 100万 (給与所得 45万) and 年金
// 200万 (65歳以上: 90万). 調整控除 10万 + 10万 − 10万 = 10万 → 総所得 1,250,000, 旧ただし書き 820,000.
// Judgement 1,250,000 − 150,000 = 1,100,000; one 給与所得者等 (a person counts once) → 7割 43万,
// 2割 43万 + 56万 = 990,000 < 1,100,000: none.
//   医療: 61,500 + 26,600 + 23,000 = 111,100;  支援: 24,600 + 10,500 + 8,000 = 43,100.
#[test]
fn income_adjustment_salary_and_pension() {
    let p = builtin("natori", 2025);
    let h = household(vec![head(person(d(1958, 6, 6), 1_000_000, 2_000_000, 0))]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(1_100_000));
    assert_eq!(a.reduction, Reduction::None);
    assert_eq!(a.part(Part::Medical).income_levy, Yen(61_500));
    assert_eq!(a.total, Yen(111_100 + 43_100));
}

// Hand calculation 2 — 子ども等: aged 45, 給与収入 900万 (給与所得 900万 − 195万 = 705万) with a child
// under 23: 調整控除 (900万 − 850万) × 10% = 50,000 → 7,000,000; 旧ただし書き 6,570,000; 子 aged 10
// insured. 医療: 492,750 + 53,200 + 23,000 = 568,950 → 568,900; 支援: 197,100 + 21,000 + 8,000 =
// 226,100; 介護: 164,250 + 10,500 + 7,000 = 181,750 → cap 170,000. Total 965,000. Without the
// dependants' condition the 旧ただし書き is 6,620,000 (医療 572,700).
#[test]
fn income_adjustment_high_salary_with_child() {
    let p = builtin("natori", 2025);
    let mut parent = head(person(d(1980, 2, 2), 9_000_000, 0, 0));
    parent.income_adjustment_dependants = true;
    let h = household(vec![parent, person(d(2015, 1, 1), 0, 0, 0)]);
    let a = assess(&h, &p).unwrap();
    assert_eq!(a.judgement_income, Yen(7_000_000));
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [568_900, 226_100, 170_000, 0]
    );
    assert_eq!(a.total, Yen(965_000));
    let mut h2 = h.clone();
    h2.members[0].income_adjustment_dependants = false;
    assert_eq!(
        assess(&h2, &p).unwrap().part(Part::Medical).amount,
        Yen(572_700)
    );
}

// A request naming a 旧被扶養者 under 65 on the 資格取得日 is refused, naming the item; at 65 (on the
// 65th birthday) it is accepted.
#[test]
fn former_dependant_request_checks_the_age() {
    use nhikit_rules::premium::input::CalcRequest;
    let req = |birth: &str, since: &str| -> CalcRequest {
        serde_json::from_str(&format!(
            r#"{{ "fiscal_year": 2025, "municipality": "natori", "members": [
                 {{ "birth_date": "1948-05-01", "householder": true, "status": "not_insured" }},
                 {{ "birth_date": "{birth}", "former_dependant_since": "{since}" }} ] }}"#
        ))
        .unwrap()
    };
    let e = req("1962-01-01", "2025-04-01")
        .household(2025)
        .unwrap_err()
        .to_string();
    assert!(e.contains("members[1].former_dependant_since"), "{e}");
    assert!(req("1960-04-01", "2025-04-01").household(2025).is_ok());
    assert!(req("1960-04-02", "2025-04-01").household(2025).is_err());
}
