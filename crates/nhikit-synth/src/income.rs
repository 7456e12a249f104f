//! Incomes (所得) of the members of a household for the income year (所得年) a fiscal year's
//! premium is based on (the previous calendar year), drawn from their own random stream so that
//! the household records do not change when incomes are generated.
//!
//! The model (assumptions, documented in `docs/generator.md`): children under 15 have none;
//! adults of working age are employees (給与), self-employed (事業) or without income; from
//! 65 most receive a public pension (公的年金等), some still work. 給与所得 and 公的年金等所得
//! are derived by the oracle's own conversions (`nhikit_rules::income`) with the deduction
//! table of the income year. About 4 in 100 adults of 20+ without income did not declare (未申告).

use crate::edge::EdgeIncome;
use crate::model::{Household, stream};
use nhikit_core::date::{NaiveDate, date_reaching_age};
use nhikit_rng::Rng;
use nhikit_rules::income::{pension_income, salary_income};
use nhikit_rules::params::{BasicDeduction, Params, RuleSet};
use nhikit_rules::resident_tax::ResidentTax;

/// 申告区分 codes (`schemas/codes/declaration_status.toml`).
pub mod declaration {
    /// 申告あり.
    pub const DECLARED: &str = "1";
    /// 申告不要 (known from 給与・年金の支払報告).
    pub const NOT_NEEDED: &str = "2";
    /// 未申告.
    pub const UNDECLARED: &str = "3";
}

/// 住民税課税区分 codes (`schemas/codes/tax_status.toml`).
pub mod tax {
    /// 課税.
    pub const TAXED: &str = "1";
    /// 均等割のみ課税.
    pub const PER_CAPITA_ONLY: &str = "2";
    /// 非課税.
    pub const EXEMPT: &str = "3";
    /// 不明.
    pub const UNKNOWN: &str = "9";
}

/// The 住民税 figures the generator applies to one income year, from the oracle's tables: the
/// 基礎控除 (`schemas/rules/national/`) and the 非課税 limit of a person alone
/// (`schemas/rules/resident_tax.toml`).
///
/// Income years before the first year of `resident_tax.toml` (2020: only FY2020's, assessed
/// for 大垣市) get the figures of that first year, as the generator always has: the 2019
/// figures (基礎控除 33万円, a lower 非課税 limit) would change the output and are left to a
/// versioned change (`OUTPUT_VERSION`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxYear {
    basic_deduction: BasicDeduction,
    per_capita_exempt_limit: i64,
}

impl TaxYear {
    /// The figures for `income_year` (see the type's doc for years before the table).
    pub fn new(
        rules: &RuleSet,
        resident: &ResidentTax,
        income_year: i32,
    ) -> Result<TaxYear, nhikit_rules::Error> {
        let year = income_year.max(resident.first_income_year());
        Ok(TaxYear {
            basic_deduction: rules.national(year + 1)?.basic_deduction.clone(),
            per_capita_exempt_limit: resident.for_income_year(year)?.per_capita_exempt_limit.0,
        })
    }
}

/// One person's income for the income year, in yen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonIncome {
    /// 申告区分 code.
    pub declaration: &'static str,
    /// 住民税課税区分 code.
    pub tax_status: &'static str,
    /// 給与収入.
    pub salary_revenue: i64,
    /// 給与所得.
    pub salary_income: i64,
    /// 公的年金等収入.
    pub pension_revenue: i64,
    /// 公的年金等所得.
    pub pension_income: i64,
    /// 営業等所得.
    pub business_income: i64,
    /// 不動産所得.
    pub real_estate_income: i64,
    /// 利子・配当所得.
    pub interest_dividend_income: i64,
    /// 総所得金額等.
    pub total_income: i64,
    /// 住民税課税標準額 (approximation: 総所得金額等 − 基礎控除, [`TaxYear`]).
    pub taxable_income: i64,
    /// 非自発的失業者 軽減 for the fiscal year: 離職年月日 and 離職理由 code.
    pub involuntary: Option<(NaiveDate, &'static str)>,
}

impl PersonIncome {
    /// Whether the income is declared or known (not 未申告).
    pub fn declared(&self) -> bool {
        self.declaration != declaration::UNDECLARED
    }

    /// The other 所得 in 総所得金額等 (the oracle's `other_income`).
    pub fn other_income(&self) -> i64 {
        self.business_income + self.real_estate_income + self.interest_dividend_income
    }
}

/// A revenue in whole thousands of yen, uniform in `lo..=hi` thousand.
fn thousands(rng: &mut Rng, lo: u64, hi: u64) -> i64 {
    ((lo + rng.below(hi - lo + 1)) * 1000) as i64
}

/// Whether the person born `birth` is 65 on December 31 of `income_year` (公的年金等控除 for 65+).
pub fn aged_65_in(birth: NaiveDate, income_year: i32) -> bool {
    let dec31 = NaiveDate::from_ymd_opt(income_year, 12, 31);
    match (date_reaching_age(birth, 65), dec31) {
        (Some(r), Some(d)) => r <= d,
        _ => false,
    }
}

/// Completes `p` from its revenues and 所得: the derived 所得, 総所得金額等, taxable income and
/// 課税区分 (with the 住民税 figures `resident` of the income year of `params`).
pub fn finish(p: &mut PersonIncome, birth: NaiveDate, params: &Params, resident: &TaxYear) {
    p.salary_income = salary_income(p.salary_revenue, params.salary_table);
    let non_pension = p.salary_income + p.other_income();
    p.pension_income = pension_income(
        p.pension_revenue,
        aged_65_in(birth, params.income_year),
        non_pension,
    );
    p.total_income = non_pension + p.pension_income;
    p.taxable_income = (p.total_income - resident.basic_deduction.for_total(p.total_income)).max(0);
    p.tax_status = if !p.declared() {
        tax::UNKNOWN
    } else if p.total_income <= resident.per_capita_exempt_limit {
        tax::EXEMPT
    } else if p.taxable_income == 0 {
        tax::PER_CAPITA_ONLY
    } else {
        tax::TAXED
    };
}

/// Draws the incomes of the members of `h` (household `local` of the municipality with
/// reference `ordinal`) for the income year of `params` (住民税 figures `resident`) into `out`, one
/// per member.
/// Edge-profile incomes that depend on the premium parameters (thresholds, caps) are set
/// afterwards by the assessment module.
///
/// Each person draws from a stream of their own (household, person slot), the same for every
/// income year: a person keeps their occupation and revenue band from year to year, and only
/// their age (retirement, pension from 65) and a yearly variation of ±10 % of each revenue
/// (a stream of the person and year) change. The members of a past year's household
/// ([`crate::history::History::year_household`]), former members included, draw the same way.
pub fn draw(
    seed: u64,
    ordinal: u32,
    h: &Household,
    as_of: NaiveDate,
    params: &Params,
    resident: &TaxYear,
    out: &mut Vec<PersonIncome>,
) {
    out.clear();
    let year_end = NaiveDate::from_ymd_opt(params.income_year, 12, 31).unwrap_or(as_of);
    let person = |slot: u64| h.local * crate::ids::MEMBER_SLOTS + slot;
    for (i, m) in h.members.iter().enumerate() {
        let age = nhikit_core::date::age_on(m.birth, year_end);
        let mut p = PersonIncome {
            declaration: declaration::NOT_NEEDED,
            ..PersonIncome::default()
        };
        match h.edge_income {
            Some(EdgeIncome::Zero) => p.declaration = declaration::DECLARED,
            Some(_) => {
                // Thresholds and caps: the assessment module sets the 世帯主's income.
                p.declaration = declaration::DECLARED;
            }
            None => {
                let mut rng = Rng::new(seed, stream::INCOME | u64::from(ordinal), person(m.slot));
                draw_person(&mut rng, age, i == 0, &mut p);
                if let Some(separation) = m.separation {
                    involuntary(&mut rng, separation, params, &mut p);
                }
                let year = u64::try_from(params.income_year).unwrap_or(0);
                let mut yearly = Rng::new(
                    seed,
                    stream::INCOME_YEAR | u64::from(ordinal) | year << 40,
                    person(m.slot),
                );
                vary(&mut yearly, &mut p);
            }
        }
        finish(&mut p, m.birth, params, resident);
        out.push(p);
    }
}

/// A 非自発的失業者 who left their job on `separation`: the 軽減 applies to the fiscal year of
/// the separation and the next (国民健康保険法施行令 第29条の7の2; DOMAIN.md §3), so for the year
/// of `params` when it is one of them; the person had a salary in the income year (drawn
/// when the model gave none) and declared it.
fn involuntary(
    rng: &mut Rng,
    separation: (NaiveDate, &'static str),
    params: &Params,
    p: &mut PersonIncome,
) {
    let fy = params.fiscal_year;
    let first = nhikit_core::date::FiscalYear(fy.0 - 1).start();
    let applies =
        first.is_some_and(|f| separation.0 >= f) && fy.end().is_some_and(|e| separation.0 <= e);
    if !applies {
        return;
    }
    if p.salary_revenue == 0 {
        p.salary_revenue = thousands(rng, 2_000, 5_000);
    }
    p.declaration = declaration::DECLARED;
    p.involuntary = Some(separation);
}

/// The yearly variation: each revenue and 所得 times a factor uniform in 0.90–1.10, in whole
/// thousands of yen.
fn vary(rng: &mut Rng, p: &mut PersonIncome) {
    for x in [
        &mut p.salary_revenue,
        &mut p.pension_revenue,
        &mut p.business_income,
        &mut p.real_estate_income,
        &mut p.interest_dividend_income,
    ] {
        if *x > 0 {
            let permille = 900 + rng.below(201) as i64;
            *x = (*x / 1000 * permille / 1000) * 1000;
        }
    }
}

/// The realistic income of one person aged `age` at the end of the income year; `head`: the
/// person is the 世帯主 (member 0), who draws the larger pension of a couple.
fn draw_person(rng: &mut Rng, age: u32, head: bool, p: &mut PersonIncome) {
    if age < 15 {
        return;
    }
    if age < 20 {
        if rng.chance(15, 100) {
            p.salary_revenue = thousands(rng, 100, 1_030);
        }
    } else if age < 65 {
        // Occupation of NHI members of working age: employees (mostly non-regular), the
        // self-employed, and those without income.
        match rng.below(100) {
            0..=53 => {
                p.salary_revenue = match rng.below(100) {
                    0..=14 => thousands(rng, 600, 1_080),
                    15..=32 => thousands(rng, 1_080, 1_385),
                    33..=44 => thousands(rng, 1_385, 1_640),
                    45..=59 => thousands(rng, 1_640, 2_250),
                    60..=80 => thousands(rng, 2_250, 3_500),
                    81..=93 => thousands(rng, 3_500, 5_000),
                    _ => thousands(rng, 5_000, 10_000),
                };
            }
            54..=71 => {
                p.business_income = match rng.below(100) {
                    0..=29 => thousands(rng, 0, 730),
                    30..=41 => thousands(rng, 730, 990),
                    42..=53 => thousands(rng, 990, 1_430),
                    54..=69 => thousands(rng, 1_430, 2_500),
                    70..=91 => thousands(rng, 2_500, 6_000),
                    _ => thousands(rng, 6_000, 15_000),
                };
            }
            _ => {}
        }
        if age >= 60 && rng.chance(40, 100) {
            p.pension_revenue = thousands(rng, 500, 1_800);
        }
    } else {
        // 世帯主: mostly 厚生年金 on top of the 基礎年金; other members (a spouse): mostly
        // the 基礎年金 alone (about 80万円 a year when paid in full).
        if rng.chance(94, 100) {
            p.pension_revenue = match (head, rng.below(100)) {
                (true, 0..=14) => thousands(rng, 600, 1_200),
                (true, 15..=29) => thousands(rng, 1_200, 1_650),
                (true, 30..=51) => thousands(rng, 1_650, 1_985),
                (true, 52..=64) => thousands(rng, 1_985, 2_240),
                (true, 65..=72) => thousands(rng, 2_240, 2_500),
                (true, 73..=93) => thousands(rng, 2_500, 3_300),
                (true, _) => thousands(rng, 3_300, 4_500),
                (false, 0..=59) => thousands(rng, 500, 1_000),
                (false, 60..=89) => thousands(rng, 1_000, 1_600),
                (false, _) => thousands(rng, 1_600, 2_400),
            };
        }
        if rng.chance(14, 100) {
            p.salary_revenue = thousands(rng, 500, 2_000);
        }
        if rng.chance(10, 100) {
            p.business_income = thousands(rng, 300, 3_000);
        }
        if rng.chance(5, 100) {
            p.real_estate_income = thousands(rng, 500, 3_000);
        }
    }
    if rng.chance(3, 100) {
        p.interest_dividend_income = thousands(rng, 10, 300);
    }
    let other = p.business_income + p.real_estate_income + p.interest_dividend_income;
    p.declaration = if other > 0 || (p.salary_revenue > 0 && p.pension_revenue > 0) {
        declaration::DECLARED
    } else if p.salary_revenue > 0 || p.pension_revenue > 0 || age < 20 {
        declaration::NOT_NEEDED
    } else if rng.chance(4, 100) {
        declaration::UNDECLARED
    } else {
        declaration::DECLARED
    };
}
