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

    #[test]
    fn pension_brackets_are_continuous() {
        assert_eq!(pension_income(3_299_999, true, 0), 2_199_999);
        assert_eq!(pension_income(3_300_000, true, 0), 2_200_000);
        assert_eq!(pension_income(1_299_999, false, 0), 699_999);
        assert_eq!(pension_income(1_300_000, false, 0), 700_000);
        assert_eq!(pension_income(500_000, false, 0), 0);
    }
}
