//! Income conversions the premium depends on: 収入 (revenue) to 所得 (income).
//!
//! - 給与所得 = 給与収入 − 給与所得控除, by income year: the 平成29年分 table (minimum 65万,
//!   10万 more deduction in every bracket, cap 220万 above 1,000万) for 2017–2019 income (FY2020
//!   premiums), the 令和2年分 table (minimum 55万) for 2020–2024 income and the 令和7年分 table
//!   (minimum 65万 again) from 2025 income (国税庁 タックスアンサー No.1410).
//! - 公的年金等に係る雑所得 = 公的年金等収入 − 公的年金等控除, by age (65 on December 31 of the
//!   income year) and by the other income (国税庁 タックスアンサー No.1600); for income up to 2019
//!   the older table (minimum 120万 at 65+, 70万 under 65, 10万 more in every bracket, no
//!   adjustment for other income).
//!
//! All amounts are whole yen; fractions from percentages are truncated, as in the 国税庁 tables.
//! - 所得金額調整控除 (from 2020 income, 国税庁 タックスアンサー No.1411), deducted from 給与所得:
//!   [`income_adjustment`].
//!
//! Not modelled: 特定支出控除.

use crate::params::{PensionDeductionTable, SalaryDeductionTable};

/// 給与所得 for a 給与収入 under the given table. Negative revenue gives 0.
///
/// Between 1,628,000 and 6,599,999 yen the statute's table (所得税法別表第五) rounds the revenue
/// down to a multiple of 4,000 yen before applying the rate; the formulas below reproduce it.
pub fn salary_income(revenue: i64, table: SalaryDeductionTable) -> i64 {
    let r = revenue.max(0);
    let a = r / 4_000 * 4_000;
    match table {
        SalaryDeductionTable::R2 => {
            if r < 551_000 {
                0
            } else if r < 1_619_000 {
                r - 550_000
            } else if r < 1_620_000 {
                1_069_000
            } else if r < 1_622_000 {
                1_070_000
            } else if r < 1_624_000 {
                1_072_000
            } else if r < 1_628_000 {
                1_074_000
            } else if r < 1_800_000 {
                a * 6 / 10 + 100_000
            } else {
                upper_salary_income(r, a)
            }
        }
        SalaryDeductionTable::H29 => {
            // 平成29年分〜令和元年分: the same brackets with 10万 more deduction, minimum 65万,
            // and a 220万 cap from 1,000万 (所得税法別表第五 before the 平成30年度改正 took effect).
            if r < 651_000 {
                0
            } else if r < 1_619_000 {
                r - 650_000
            } else if r < 1_620_000 {
                969_000
            } else if r < 1_622_000 {
                970_000
            } else if r < 1_624_000 {
                972_000
            } else if r < 1_628_000 {
                974_000
            } else if r < 1_800_000 {
                a * 6 / 10
            } else if r < 3_600_000 {
                a * 7 / 10 - 180_000
            } else if r < 6_600_000 {
                a * 8 / 10 - 540_000
            } else if r < 10_000_000 {
                r * 9 / 10 - 1_200_000
            } else {
                r - 2_200_000
            }
        }
        SalaryDeductionTable::R7 => {
            if r < 651_000 {
                0
            } else if r < 1_900_000 {
                r - 650_000
            } else {
                upper_salary_income(r, a)
            }
        }
    }
}

/// The brackets from 1,800,000 yen up, unchanged by the 2025 reform.
fn upper_salary_income(r: i64, a: i64) -> i64 {
    if r < 3_600_000 {
        a * 7 / 10 - 80_000
    } else if r < 6_600_000 {
        a * 8 / 10 - 440_000
    } else if r < 8_500_000 {
        r * 9 / 10 - 1_100_000
    } else {
        r - 1_950_000
    }
}

/// 所得金額調整控除 (from 2020 income; 国税庁 タックスアンサー No.1411,
/// <https://www.nta.go.jp/m/taxanswer/1411.htm>), deducted from the 給与所得:
/// 1. 給与収入 over 850万 and `dependants` (本人が特別障害者, a 扶養親族 under 23, or a 特別障害者
///    spouse or 扶養親族): (min(給与収入, 1,000万) − 850万) × 10%, 1円未満切上げ (at most 15万);
/// 2. both 給与所得 and 公的年金等所得: min(給与所得, 10万) + min(年金所得, 10万) − 10万 (at most 10万).
///
/// `salary_income` is the 給与所得控除後の給与等の金額; the result never exceeds it.
pub fn income_adjustment(
    salary_revenue: i64,
    salary_income: i64,
    pension_income: i64,
    dependants: bool,
) -> i64 {
    let mut adjustment = 0;
    if dependants && salary_revenue > 8_500_000 {
        adjustment += (salary_revenue.min(10_000_000) - 8_500_000 + 9) / 10;
    }
    if salary_income > 0 && pension_income > 0 {
        adjustment += (salary_income.min(100_000) + pension_income.min(100_000) - 100_000).max(0);
    }
    adjustment.min(salary_income.max(0))
}

/// 公的年金等に係る雑所得 for a 公的年金等収入.
///
/// `aged_65_plus`: 65 or older on December 31 of the income year. `other_income`: the 合計所得
/// 金額 other than public pensions, which lowers the deduction by 10万 above 1,000万 and by 20万
/// above 2,000万.
pub fn pension_income(revenue: i64, aged_65_plus: bool, other_income: i64) -> i64 {
    pension_income_with(
        revenue,
        aged_65_plus,
        other_income,
        PensionDeductionTable::R2,
    )
}

/// 公的年金等に係る雑所得 under a given 公的年金等控除 table (see [`pension_income`]).
///
/// [`PensionDeductionTable::H17`] (income up to 2019): 65+ 収入 − 120万 below 330万, then
/// ×75% − 37.5万, ×85% − 78.5万 (from 410万), ×95% − 155.5万 (from 770万); under 65 the first
/// bracket is 収入 − 70万 below 130万; the other income does not matter.
pub fn pension_income_with(
    revenue: i64,
    aged_65_plus: bool,
    other_income: i64,
    table: PensionDeductionTable,
) -> i64 {
    let r = revenue.max(0);
    if table == PensionDeductionTable::H17 {
        let (minimum, flat_until) = if aged_65_plus {
            (1_200_000, 3_300_000)
        } else {
            (700_000, 1_300_000)
        };
        let income = if r < flat_until {
            r - minimum
        } else if r < 4_100_000 {
            r * 75 / 100 - 375_000
        } else if r < 7_700_000 {
            r * 85 / 100 - 785_000
        } else {
            r * 95 / 100 - 1_555_000
        };
        return income.max(0);
    }
    let adjust = if other_income <= 10_000_000 {
        0
    } else if other_income <= 20_000_000 {
        100_000
    } else {
        200_000
    };
    let minimum = if aged_65_plus { 1_100_000 } else { 600_000 } - adjust;
    let flat_until = if aged_65_plus { 3_300_000 } else { 1_300_000 };
    let income = if r < flat_until {
        r - minimum
    } else if r < 4_100_000 {
        r * 75 / 100 - 275_000 + adjust
    } else if r < 7_700_000 {
        r * 85 / 100 - 685_000 + adjust
    } else if r < 10_000_000 {
        r * 95 / 100 - 1_455_000 + adjust
    } else {
        r - 1_955_000 + adjust
    };
    income.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use SalaryDeductionTable::{H29, R2, R7};

    // Bracket edges, worked by hand from the 国税庁 No.1410 formulas (収入÷4 千円未満切捨て ×2.4 + 10万 = ×0.6 on
    // the revenue rounded down to 4,000 yen).
    #[test]
    fn salary_bracket_edges() {
        assert_eq!(salary_income(1_618_999, R2), 1_068_999);
        assert_eq!(salary_income(1_628_000, R2), 1_076_800);
        assert_eq!(salary_income(1_899_999, R7), 1_249_999);
        assert_eq!(salary_income(1_900_000, R7), 1_250_000);
        assert_eq!(salary_income(8_500_000, R2), 6_550_000);
    }

    // 平成29年分 table, by hand from its brackets: 95万 → 30万 (the 御船町 令和2年度 計算例 例1
    // prints this pair: https://www.town.mifune.kumamoto.jp/page5744.html); 200万: A = 2,000,000,
    // ×0.7 − 18万 = 122万; 1,000万: 1,000万 − 220万 = 780万; 999万: 999万×0.9 − 120万 = 7,791,000.
    // Each bracket edge is continuous with the next (1,619,000 → 969,000 = 1,618,999 − 649,999).
    #[test]
    fn salary_h29_table() {
        assert_eq!(salary_income(950_000, H29), 300_000);
        assert_eq!(salary_income(650_999, H29), 0);
        assert_eq!(salary_income(2_000_000, H29), 1_220_000);
        assert_eq!(salary_income(9_990_000, H29), 7_791_000);
        assert_eq!(salary_income(10_000_000, H29), 7_800_000);
        assert_eq!(salary_income(1_618_999, H29), 968_999);
        // 10万 less income than the 令和2年分 table in the middle brackets.
        assert_eq!(
            salary_income(3_000_000, H29) + 100_000,
            salary_income(3_000_000, R2)
        );
    }

    // Pre-2020 公的年金等控除 (minimum 120万 at 65+): 200万 → 80万 (DOMAIN-FACTS §3.7); 400万 →
    // 400万×0.75 − 37.5万 = 262.5万; under 65, 100万 → 30万.
    #[test]
    fn pension_h17_table() {
        use PensionDeductionTable::H17;
        assert_eq!(pension_income_with(2_000_000, true, 0, H17), 800_000);
        assert_eq!(pension_income_with(4_000_000, true, 0, H17), 2_625_000);
        assert_eq!(pension_income_with(1_000_000, false, 0, H17), 300_000);
        assert_eq!(pension_income_with(1_100_000, true, 0, H17), 0);
        // Continuous at 330万: 330万 − 120万 = 210万 = 330万 × 0.75 − 37.5万.
        assert_eq!(pension_income_with(3_300_000, true, 0, H17), 2_100_000);
        assert_eq!(pension_income_with(3_299_999, true, 0, H17), 2_099_999);
    }

    // 国税庁 No.1411's two cases, by hand: 給与収入 900万 with a child under 23 → (900万 − 850万) ×
    // 10% = 50,000; 1,200万 → capped at (1,000万 − 850万) × 10% = 150,000; 給与所得 45万 and 年金所得
    // 90万 → 10万 + 10万 − 10万 = 100,000; 給与所得 3万 and 年金所得 4万 → 0 (7万 − 10万 < 0);
    // 給与所得 6万 and 年金所得 9万 → 5万.
    #[test]
    fn income_adjustment_cases() {
        assert_eq!(income_adjustment(9_000_000, 7_050_000, 0, true), 50_000);
        assert_eq!(income_adjustment(9_000_000, 7_050_000, 0, false), 0);
        assert_eq!(income_adjustment(12_000_000, 10_050_000, 0, true), 150_000);
        assert_eq!(
            income_adjustment(1_000_000, 450_000, 900_000, false),
            100_000
        );
        assert_eq!(income_adjustment(580_000, 30_000, 40_000, false), 0);
        assert_eq!(income_adjustment(610_000, 60_000, 90_000, false), 50_000);
        // 1円未満切上げ: 8,500,005 → 0.5 → 1.
        assert_eq!(income_adjustment(8_500_005, 6_550_005, 0, true), 1);
    }

    #[test]
    fn pension_brackets_are_continuous() {
        assert_eq!(pension_income(3_299_999, true, 0), 2_199_999);
        assert_eq!(pension_income(3_300_000, true, 0), 2_200_000);
        assert_eq!(pension_income(1_299_999, false, 0), 699_999);
        assert_eq!(pension_income(1_300_000, false, 0), 700_000);
        assert_eq!(pension_income(500_000, false, 0), 0);
    }
}
