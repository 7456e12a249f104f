//! 同月得喪, 更正 (減額/増額, installments not yet due recomputed) and 遡及賦課 (issue 25).
//! Hand calculations written out step by step; the 名取市 household of 333,900 is published
//! (https://www.city.natori.miyagi.jp/page/39025.html).

use crate::premium::{builtin, d, head, household, person};
use nhikit_core::Yen;
use nhikit_rules::params::{Part, RuleSet};
use nhikit_rules::premium::revision::{
    CorrectionKind, check_retroactive, correct, earliest_retroactive_year, respread, retroactive,
};
use nhikit_rules::premium::{Household, Member, assess};
use proptest::prelude::*;

fn natori_pair(spouse_income: i64) -> Household {
    household(vec![
        head(person(d(1968, 7, 1), 0, 0, 1_202_000)),
        person(d(1971, 9, 9), 0, 0, spouse_income),
    ])
}

fn ys(v: &[i64]) -> Vec<Yen> {
    v.iter().map(|&x| Yen(x)).collect()
}

// 減額更正 — 名取市 FY2025: the published household (所得 1,202,000 each) pays 333,900 in 10
// installments 34,200 + 33,300 × 9 (docs/oracle.md example 1). 所得更正: the spouse's 所得 is 0.
// By hand: 軽減判定 1,202,000; 給与所得者等 0 → 7割 43万; 5割 43万 + 30.5万×2 = 1,040,000; 2割
// 43万 + 56万×2 = 1,550,000 → 2割. 旧ただし書き 772,000 (世帯主 only).
//   医療: 57,900 + 26,600×2×0.8 (42,560) + 23,000×0.8 (18,400) = 118,860 → 118,800
//   支援: 23,160 + 16,800 + 6,400 = 46,360 → 46,300
//   介護: 19,300 + 16,800 + 5,600 = 41,700;  total 206,800, difference −127,100.
// Three installments due (34,200 + 33,300 + 33,300 = 100,800): 106,000 left over 7 installments,
// 106,000 ÷ 7 = 15,142 → 15,100 each, the first 106,000 − 15,100 × 6 = 15,400.
// Seven due (234,000 > 206,800): the last three are 0 and 27,200 is overpaid.
#[test]
fn decrease_after_income_correction() {
    let p = builtin("natori", 2025);
    let (a0, a1, c) = correct(&natori_pair(1_202_000), &natori_pair(0), &p, 3).unwrap();
    assert_eq!(a0.total, Yen(333_900));
    assert_eq!(
        Part::ALL.map(|x| a1.part(x).amount.0),
        [118_800, 46_300, 41_700, 0]
    );
    assert_eq!(c.kind, CorrectionKind::Decrease);
    assert_eq!(c.difference, Yen(-127_100));
    assert_eq!(
        c.installments_before,
        ys(&[
            34_200, 33_300, 33_300, 33_300, 33_300, 33_300, 33_300, 33_300, 33_300, 33_300
        ])
    );
    assert_eq!(
        c.installments_after,
        ys(&[
            34_200, 33_300, 33_300, 15_400, 15_100, 15_100, 15_100, 15_100, 15_100, 15_100
        ])
    );
    assert_eq!(c.overpaid, Yen(0));
    let (_, _, c7) = correct(&natori_pair(1_202_000), &natori_pair(0), &p, 7).unwrap();
    assert_eq!(
        c7.installments_after,
        ys(&[
            34_200, 33_300, 33_300, 33_300, 33_300, 33_300, 33_300, 0, 0, 0
        ])
    );
    assert_eq!(c7.overpaid, Yen(27_200));
}

// 増額更正 — the reverse: billed 206,800 as 21,400 + 20,600 × 9 (206,800 ÷ 10 = 20,680 → 20,600;
// 206,800 − 20,600 × 9 = 21,400). Corrected to 333,900 with three due (21,400 + 20,600 × 2 =
// 62,600): 271,300 over 7, 38,757 → 38,700 each, the first 271,300 − 38,700 × 6 = 39,100.
#[test]
fn increase_after_income_correction() {
    let p = builtin("natori", 2025);
    let (_, _, c) = correct(&natori_pair(0), &natori_pair(1_202_000), &p, 3).unwrap();
    assert_eq!(c.kind, CorrectionKind::Increase);
    assert_eq!(c.difference, Yen(127_100));
    assert_eq!(
        c.installments_after,
        ys(&[
            21_400, 20_600, 20_600, 39_100, 38_700, 38_700, 38_700, 38_700, 38_700, 38_700
        ])
    );
    assert!(correct(&natori_pair(0), &natori_pair(1), &p, 11).is_err());
}

#[test]
fn respread_keeps_due_installments() {
    // 100,000 billed as 10 × 10,000; 3 due; new total 50,000: 20,000 over 7 → 2,800 each (2,857
    // → 2,800), the first 20,000 − 2,800 × 6 = 3,200.
    let billed = ys(&[10_000; 10]);
    let (v, over) = respread(Yen(50_000), &billed, 3, 100);
    assert_eq!(
        v,
        ys(&[
            10_000, 10_000, 10_000, 3_200, 2_800, 2_800, 2_800, 2_800, 2_800, 2_800
        ])
    );
    assert_eq!(over, Yen(0));
    let (v, over) = respread(Yen(50_000), &billed, 10, 100);
    assert_eq!(v, billed);
    assert_eq!(over, Yen(50_000));
}

// 同月得喪 — 名取市 FY2025, one person aged 30 with 所得 1,000,000 (旧ただし書き 570,000), insured
// 2025-06-05 and lost 2025-06-25. 軽減判定 1,000,000 > 2割基準 43万 + 56万 = 990,000: none.
// The annual basis: 医療 42,750 + 26,600 + 23,000 = 92,350, one month 7,695.8 → 7,600;
// 支援 17,100 + 10,500 + 8,000 = 35,600, one month 2,966.7 → 2,900. Total 10,500 — the same as
// for a loss on 2025-07-10 (June counted by the ordinary rule). Insured by another
// municipality's NHI in June: nothing.
#[test]
fn same_month_acquisition_and_loss_levies_one_month() {
    let p = builtin("natori", 2025);
    let one = |lost: (i32, u32, u32), elsewhere: bool| {
        let mut m: Member = head(person(d(1995, 3, 3), 0, 0, 1_000_000));
        m.acquired = Some(d(2025, 6, 5));
        m.lost = Some(d(lost.0, lost.1, lost.2));
        m.same_month_insured_elsewhere = elsewhere;
        assess(&household(vec![m]), &p).unwrap().total
    };
    assert_eq!(one((2025, 6, 25), false), Yen(10_500));
    assert_eq!(one((2025, 7, 10), false), Yen(10_500));
    assert_eq!(one((2025, 6, 25), true), Yen(0));
}

// 遡及賦課 — 輪之内町 令和4年度 rates (fiscal_years.rs): 世帯主 給与収入 500万 and a 子 aged 3 owe
// 270,600 + 77,500 = 348,100 for FY2022 (hand calculation in fiscal_years.rs). Assessed on
// 2025-06-01 (FY2025) as a 保険税 it is within three years back; on 2026-04-01 it is not.
// As a 保険料 only two years back: FY2023 on 2025-06-01, not FY2022.
#[test]
fn retroactive_uses_that_years_parameters_within_the_limit() {
    let mut rules = RuleSet::builtin().unwrap();
    rules
        .add_municipal_toml(crate::fiscal_years::WANOUCHI_2022, "wanouchi-2022")
        .unwrap();
    let h = household(vec![
        head(person(d(1990, 10, 1), 5_000_000, 0, 0)),
        person(d(2019, 5, 5), 0, 0, 0),
    ]);
    let (p, a) = retroactive(&h, &rules, "wanouchi", 2022, d(2025, 6, 1)).unwrap();
    assert_eq!(p.fiscal_year.0, 2022);
    assert_eq!(a.total, Yen(348_100));
    let e = retroactive(&h, &rules, "wanouchi", 2022, d(2026, 4, 1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("FY2022") && e.contains("FY2023"), "{e}");
    use nhikit_rules::params::Levy;
    assert_eq!(earliest_retroactive_year(Levy::Tax, d(2025, 6, 1)), 2022);
    assert_eq!(
        earliest_retroactive_year(Levy::Premium, d(2025, 6, 1)),
        2023
    );
    assert_eq!(earliest_retroactive_year(Levy::Tax, d(2026, 3, 31)), 2022);
    assert!(check_retroactive(Levy::Premium, 2022, d(2025, 6, 1)).is_err());
    assert!(check_retroactive(Levy::Tax, 2026, d(2025, 6, 1)).is_err());
}

fn arb_income() -> impl Strategy<Value = (i64, i64, i64)> {
    (0i64..8_000_000, 0i64..3_000_000, 0i64..5_000_000)
}

proptest! {
    // A 更正 to the same facts changes nothing, whatever is already due.
    #[test]
    fn correction_to_the_same_income_changes_nothing(inc in arb_income(), due in 0usize..=10) {
        let p = builtin("natori", 2025);
        let h = household(vec![head(person(d(1970, 1, 1), inc.0, inc.1, inc.2)), person(d(1975, 1, 1), 0, 0, 0)]);
        let (_, _, c) = correct(&h, &h, &p, due).unwrap();
        prop_assert_eq!(c.difference, Yen(0));
        prop_assert_eq!(c.kind, CorrectionKind::None);
        prop_assert_eq!(&c.installments_after, &c.installments_before);
        prop_assert_eq!(c.overpaid, Yen(0));
    }

    // The corrected installments keep those due and add up to the new amount plus what was
    // overpaid.
    #[test]
    fn corrected_installments_add_up(a in arb_income(), b in arb_income(), due in 0usize..=10) {
        let p = builtin("natori", 2025);
        let h = |x: (i64, i64, i64)| household(vec![head(person(d(1970, 1, 1), x.0, x.1, x.2))]);
        let (_, a1, c) = correct(&h(a), &h(b), &p, due).unwrap();
        prop_assert_eq!(&c.installments_after[..due], &c.installments_before[..due]);
        let sum: Yen = c.installments_after.iter().copied().sum();
        prop_assert_eq!(sum, a1.total + c.overpaid);
        prop_assert!(c.installments_after.iter().all(|x| x.0 >= 0));
    }

    // 遡及 of a year equals that year's assessment computed then, whenever it is made within the
    // limit (保険税 3 fiscal years back, 保険料 — 大垣市 — 2), for every shipped earlier year.
    #[test]
    fn retroactive_equals_the_assessment_of_that_year(inc in arb_income(), which in 0usize..5, days in 0i64..1_500) {
        let (id, fy, back) = [("ogaki", 2020, 2), ("hiraizumi", 2021, 3), ("wanouchi", 2022, 3), ("rifu", 2023, 3), ("rifu", 2024, 3)][which];
        let rules = RuleSet::builtin().unwrap();
        let h = household(vec![head(person(d(1970, 1, 1), inc.0, inc.1, inc.2)), person(d(2000, 5, 5), 0, 0, 0)]);
        let then = assess(&h, &rules.params(id, fy).unwrap()).unwrap();
        let on = d(fy, 4, 1) + chrono::Duration::days(days);
        match retroactive(&h, &rules, id, fy, on) {
            Ok((p, a)) => {
                prop_assert_eq!(p.fiscal_year.0, fy);
                prop_assert_eq!(a, then);
            }
            Err(_) => prop_assert!(nhikit_core::date::FiscalYear::of(on).0 > fy + back),
        }
    }
}

// The 計算例 text (`--explain`): the published 名取市 household — 医療分 (1,202,000 − 430,000) × 2 ×
// 7.5% = 115,800 + 26,600 × 2 + 23,000 = 192,000; total 333,900 — and its 減額更正 above.
#[test]
fn statement_reads_like_a_municipal_example() {
    use nhikit_rules::params::Levy;
    use nhikit_rules::premium::statement::{correction_statement, statement};
    let p = builtin("natori", 2025);
    let (a0, _, c) = correct(&natori_pair(1_202_000), &natori_pair(0), &p, 3).unwrap();
    let text = statement(&a0, &p, Levy::Tax);
    assert!(
        text.starts_with("令和7年度 国民健康保険税 計算例"),
        "{text}"
    );
    assert!(
        text.contains("軽減判定所得 2,404,000円 → 軽減なし"),
        "{text}"
    );
    assert!(
        text.contains(
            "[医療分] 所得割額 115,800円 + 均等割額 53,200円 + 平等割額 23,000円 = 192,000円 → 192,000円 (100円未満切捨て)"
        ),
        "{text}"
    );
    assert!(text.contains("年税額 333,900円"), "{text}");
    assert!(text.contains("第1期 34,200円、第2期 33,300円"), "{text}");
    let fix = correction_statement(&c, 3);
    assert!(
        fix.contains("減額更正: 更正前 333,900円 → 更正後 206,800円 (差額 −127,100円)"),
        "{fix}"
    );
    assert!(fix.contains("第4期 15,400円、第5期 15,100円"), "{fix}");
}

// docs/oracle.md's 更正 example runs and gives the documented `correction` (the numbers are the
// hand calculation of `decrease_after_income_correction`).
#[test]
fn docs_correction_example_runs() {
    use nhikit_rules::premium::input::CalcRequest;
    let doc = include_str!("../../../../docs/oracle.md");
    let block = |marker: &str| -> &str {
        let at = doc.find(marker).unwrap();
        let rest = &doc[at..];
        let start = rest.find("```json\n").unwrap() + "```json\n".len();
        let end = rest[start..].find("```").unwrap();
        &rest[start..start + end]
    };
    let req: CalcRequest =
        serde_json::from_str(block("<!-- premium-example correction request -->")).unwrap();
    let p = builtin("natori", 2025);
    let before = req.household(2025).unwrap();
    let after = req.corrected_household(2025).unwrap().unwrap();
    let due = req.correction.as_ref().unwrap().installments_due;
    let (_, _, c) = correct(&before, &after, &p, due).unwrap();
    let got = serde_json::json!({
        "kind": c.kind,
        "difference": c.difference,
        "installments_due": due,
        "installments": c.installments_after,
        "overpaid": c.overpaid,
    });
    let want: serde_json::Value =
        serde_json::from_str(block("<!-- premium-example correction response -->")).unwrap();
    assert_eq!(got, want);
}

// ---------------------------------------------------------------------------------------------
// Household changes during the year, expressed as one assessment per 世帯 and period: the
// months a member belongs to each 世帯 are given with `acquired`/`lost` (the month of the move
// counts in the new 世帯), and a 世帯 formed during the year is judged for 軽減 on the day its
// first member became insured in it (軽減 is judged on 4/1, or on the 資格取得日 for mid-year
// entrants: 豊明市 and 能美市 pages, DOMAIN-FACTS §3.1, S35, S36).

// Hand calculation — 世帯分離 on 2025-10-10, 名取市 FY2025. 世帯A: 父 (head, 50, 所得 300万,
// 旧ただし書き 2,570,000) and 子 (25, 給与収入 200万 → 132万, 旧ただし書き 890,000) until October.
//   A 医療: 192,750 + 66,750 × 6/12 + 26,600 × 1.5 + 23,000 = 289,025 → 289,000
//   A 支援: 77,100 + 13,350 + 15,750 + 8,000 = 114,200;  A 介護 (父): 64,250 + 10,500 + 7,000 → 81,700
//   A total 484,900 (judged on 4/1 with both: 4,320,000, none).
// 世帯B (子 alone from 2025-10-10): judged that day, 1,320,000 > 2割基準 43万 + 56万 = 990,000: none.
//   B 医療: (66,750 + 26,600 + 23,000) × 6/12 = 58,175 → 58,100;  支援: 45,200 × 6/12 = 22,600.
#[test]
fn household_split_mid_year() {
    let p = builtin("natori", 2025);
    let mut child_in_a = person(d(2000, 1, 15), 2_000_000, 0, 0);
    child_in_a.lost = Some(d(2025, 10, 10));
    let a = assess(
        &household(vec![
            head(person(d(1975, 3, 3), 0, 0, 3_000_000)),
            child_in_a,
        ]),
        &p,
    )
    .unwrap();
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [289_000, 114_200, 81_700, 0]
    );
    let mut child_in_b = head(person(d(2000, 1, 15), 2_000_000, 0, 0));
    child_in_b.acquired = Some(d(2025, 10, 10));
    let b = assess(&household(vec![child_in_b]), &p).unwrap();
    assert_eq!(b.judgement_income, Yen(1_320_000));
    assert_eq!(
        Part::ALL.map(|x| b.part(x).amount.0),
        [58_100, 22_600, 0, 0]
    );
}

// Hand calculation — the 擬制世帯主 joins NHI on 2025-10-01 (leaves 社保). 世帯主 48, 給与収入 400万
// (276万, 旧ただし書き 233万); 配偶者 45, insured all year, no income. Judged on 4/1: the 擬制世帯主's
// 2,760,000 counts, but not as a person: 2割基準 43万 + 56万 × 1 = 990,000 → none.
//   医療: 174,750 × 6/12 + 26,600 + 26,600 × 6/12 + 23,000 = 150,275 → 150,200
//   支援: 34,950 + 15,750 + 8,000 = 58,700;  介護: 29,125 + 15,750 + 7,000 = 51,875 → 51,800.
#[test]
fn fictive_head_becomes_insured_mid_year() {
    let p = builtin("natori", 2025);
    let mut h = head(person(d(1977, 5, 5), 4_000_000, 0, 0));
    h.acquired = Some(d(2025, 10, 1));
    let a = assess(&household(vec![h, person(d(1980, 6, 6), 0, 0, 0)]), &p).unwrap();
    assert_eq!(a.judgement_income, Yen(2_760_000));
    assert_eq!(
        Part::ALL.map(|x| a.part(x).amount.0),
        [150_200, 58_700, 51_800, 0]
    );
}

proptest! {
    // 世帯主変更 between members insured all year changes who pays, not what: the judgement counts
    // every insured member anyway.
    #[test]
    fn householder_change_between_insured_members_changes_nothing(a in arb_income(), b in arb_income()) {
        let p = builtin("natori", 2025);
        let first = household(vec![head(person(d(1970, 1, 1), a.0, a.1, a.2)), person(d(1972, 2, 2), b.0, b.1, b.2)]);
        let mut second = first.clone();
        second.members[0].householder = false;
        second.members[1].householder = true;
        prop_assert_eq!(assess(&first, &p).unwrap(), assess(&second, &p).unwrap());
    }
}
