//! 高額療養費 (high-cost medical expense benefit): the monthly 自己負担限度額 of an NHI
//! household and the refund it gives, from date-effective tables chosen by service month.
//!
//! One month of one household is computed in the order the 政令 prescribes (国民健康保険法施行令
//! 第29条の2 onwards, built like 健康保険法施行令第41条–第42条), as municipal pages
//! explain it (大和市 計算例, DOMAIN-FACTS §4.2 [S97][S102]):
//! 1. 70–74 (高齢受給者): each person's 外来 copays are summed and the 外来 (個人) limit applied;
//! 2. 70–74 household: what remains plus the 70–74 入院 copays, against the 70–74 世帯 limit;
//! 3. whole household: what remains of the 70–74 part plus every under-70 claim of 21,000円 or
//!    more (per person, institution, 入院/外来), against the under-70 区分 limit.
//!
//! A claim is one person's copay at one institution, 入院 or 外来, in the month (as on a
//! レセプト); the caller splits 医科/歯科 and 院外処方 as the rules require.

mod table;

pub use table::{Category, HighCostTable, HighCostTables, Limit};

use crate::Error;
use crate::explain::Derivation;
use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Under-70 claims below this copay are not summed (健康保険法施行令第41条第1項, and the NHI 政令 alike: 二万千円以上のものに限る).
pub const GASSAN_MINIMUM: Yen = Yen(21_000);

/// The age group a claim belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AgeGroup {
    /// Under 70, or 70 before 高齢受給者 starts.
    #[serde(rename = "under70")]
    Under70,
    /// 高齢受給者 (70–74).
    #[serde(rename = "70to74")]
    Kourei,
}

/// 入院 or 外来.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Setting {
    /// 入院 (inpatient).
    #[serde(rename = "入院")]
    Inpatient,
    /// 外来 (outpatient, including 調剤).
    #[serde(rename = "外来")]
    Outpatient,
}

/// One claim: one person's copay at one institution, 入院 or 外来, in the service month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Who (any label; claims with the same label are the same person).
    pub person: String,
    /// The person's age group in the service month.
    pub age_group: AgeGroup,
    /// 入院 or 外来.
    pub setting: Setting,
    /// 医療費 (10割, total cost).
    pub medical_cost: Yen,
    /// The copay actually due (一部負担金).
    pub copay: Yen,
}

/// One household's service month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdMonth {
    /// Any day of the service month; the table in force on its 1st is used.
    pub service_month: NaiveDate,
    /// The household's under-70 区分 (e.g. `ウ`); needed when there are under-70 claims.
    pub under70_category: Option<String>,
    /// The household's 70–74 区分 (e.g. `一般`); needed when there are 70–74 claims.
    pub over70_category: Option<String>,
    /// 多数回該当: the household already received 高額療養費 in 3 or more of the previous 12
    /// months, so the 多数回 limit applies (at each level that has one).
    pub many_times: bool,
    /// The month's claims.
    pub claims: Vec<Claim>,
}

/// A 70–74 person's 外来 (個人) step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutpatientStep {
    /// The person.
    pub person: String,
    /// Their 外来 copays summed.
    pub copay: Yen,
    /// The 外来 limit applied, if the 区分 has one.
    pub limit: Option<Yen>,
    /// The refund at this step.
    pub refund: Yen,
}

/// The result for one household month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HighCostResult {
    /// The table used.
    pub table: String,
    /// Whether every figure used is confirmed from a public source.
    pub confirmed: bool,
    /// Indexes of the claims left out (under-70 claims under 21,000円).
    pub excluded_claims: Vec<usize>,
    /// Step 1, per 70–74 person.
    pub outpatient: Vec<OutpatientStep>,
    /// Step 2: the 70–74 household limit and refund, when there are 70–74 claims.
    pub kourei_limit: Option<Yen>,
    /// Step 2 refund.
    pub kourei_refund: Yen,
    /// Step 3: the under-70 区分 limit for the whole household, when it applies.
    pub household_limit: Option<Yen>,
    /// Step 3 refund.
    pub household_refund: Yen,
    /// 高額療養費 in total.
    pub refund: Yen,
    /// The copays of all claims.
    pub total_copay: Yen,
    /// What the household bears after the refund.
    pub burden: Yen,
    /// The steps, in words.
    pub derivation: Derivation,
}

fn invalid(item: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        item: item.into(),
        reason: reason.into(),
    }
}

fn describe(limit: &Limit) -> String {
    match limit.threshold {
        Some(t) => format!("{} + (医療費 − {}) × 1%", limit.base, t),
        None => format!("{}", limit.base),
    }
}

/// Computes one household month.
pub fn compute_month(
    tables: &HighCostTables,
    input: &HouseholdMonth,
) -> Result<HighCostResult, Error> {
    let table = tables
        .for_date(input.service_month)
        .ok_or_else(|| invalid("service_month", "no 高額療養費 table is in force then"))?;
    let mut der = Derivation::default();
    let mut confirmed = table.confirmed;
    der.push(
        "table",
        "the table in force for the service month",
        format!(
            "{} from {} ({}){}",
            table.id,
            table.effective_from,
            table.source_name,
            if table.confirmed {
                ""
            } else {
                "; NOT CONFIRMED: some figures are inferred or recalled, see the table"
            }
        ),
        None,
    );
    for (i, c) in input.claims.iter().enumerate() {
        if c.copay.0 < 0 || c.medical_cost.0 < 0 {
            return Err(invalid(
                format!("claims[{i}]"),
                "amounts must not be negative",
            ));
        }
        if c.copay > c.medical_cost {
            return Err(invalid(
                format!("claims[{i}].copay"),
                format!("copay {} exceeds 医療費 {}", c.copay, c.medical_cost),
            ));
        }
    }
    let total_copay: Yen = input.claims.iter().map(|c| c.copay).sum();

    // Step 1 and 2: 70–74.
    let kourei: Vec<&Claim> = input
        .claims
        .iter()
        .filter(|c| c.age_group == AgeGroup::Kourei)
        .collect();
    let mut outpatient_steps = Vec::new();
    let mut kourei_limit = None;
    let mut kourei_refund = Yen::ZERO;
    let mut kourei_remaining = Yen::ZERO;
    let mut kourei_medical = Yen::ZERO;
    if !kourei.is_empty() {
        let code = input
            .over70_category
            .as_deref()
            .ok_or_else(|| invalid("over70_category", "required when there are 70to74 claims"))?;
        let cat = table.over70(code).ok_or_else(|| {
            invalid(
                "over70_category",
                format!("`{code}` is not a 70–74 区分 of table {}", table.id),
            )
        })?;
        confirmed &= cat.confirmed;
        let mut by_person: BTreeMap<&str, Yen> = BTreeMap::new();
        let mut inpatient = Yen::ZERO;
        for c in &kourei {
            kourei_medical += c.medical_cost;
            match c.setting {
                Setting::Outpatient => *by_person.entry(c.person.as_str()).or_default() += c.copay,
                Setting::Inpatient => inpatient += c.copay,
            }
        }
        let mut remaining_outpatient = Yen::ZERO;
        for (person, copay) in by_person {
            let (kept, refund) = match cat.outpatient {
                Some(limit) => (copay.min(limit), (copay - limit).max(Yen::ZERO)),
                None => (copay, Yen::ZERO),
            };
            if let Some(limit) = cat.outpatient {
                der.push(
                    format!("外来(個人) {person}"),
                    "70–74: a person's 外来 copays summed, over the 外来 limit refunded",
                    format!("区分 {code}, 外来 copays {copay}, limit {limit}"),
                    Some(refund),
                );
            }
            remaining_outpatient += kept;
            outpatient_steps.push(OutpatientStep {
                person: person.to_owned(),
                copay,
                limit: cat.outpatient,
                refund,
            });
        }
        let sum = remaining_outpatient + inpatient;
        let (limit, rule) = match (input.many_times, cat.many_times) {
            (true, Some(m)) => (m, format!("多数回該当 {m}")),
            _ => (
                cat.limit.amount(kourei_medical),
                format!("{} with 医療費 {}", describe(&cat.limit), kourei_medical),
            ),
        };
        let refund = (sum - limit).max(Yen::ZERO);
        der.push(
            "70–74 世帯",
            "70–74: 外来 after step 1 plus 入院 copays, over the 世帯 limit refunded",
            format!("区分 {code}: limit {rule} = {limit}; copays {sum}"),
            Some(refund),
        );
        kourei_limit = Some(limit);
        kourei_refund = refund;
        kourei_remaining = sum.min(limit);
    }

    // Step 3: the whole household with the under-70 区分.
    let mut excluded = Vec::new();
    let mut under_sum = Yen::ZERO;
    let mut under_medical = Yen::ZERO;
    let mut under_count = 0usize;
    for (i, c) in input.claims.iter().enumerate() {
        if c.age_group != AgeGroup::Under70 {
            continue;
        }
        if c.copay < GASSAN_MINIMUM {
            excluded.push(i);
            der.push(
                format!("claims[{i}]"),
                "under 70: only claims of 21,000円 or more are summed (世帯合算)",
                format!(
                    "{} {} copay {} — excluded",
                    c.person,
                    setting_name(c.setting),
                    c.copay
                ),
                None,
            );
        } else {
            under_sum += c.copay;
            under_medical += c.medical_cost;
            under_count += 1;
        }
    }
    let mut household_limit = None;
    let mut household_refund = Yen::ZERO;
    if under_count > 0 {
        let code = input
            .under70_category
            .as_deref()
            .ok_or_else(|| invalid("under70_category", "required when there are under70 claims"))?;
        let cat = table.under70(code).ok_or_else(|| {
            invalid(
                "under70_category",
                format!("`{code}` is not a 70歳未満 区分 of table {}", table.id),
            )
        })?;
        confirmed &= cat.confirmed;
        let medical = under_medical + kourei_medical;
        let (limit, rule) = match (input.many_times, cat.many_times) {
            (true, Some(m)) => (m, format!("多数回該当 {m}")),
            _ => (
                cat.limit.amount(medical),
                format!("{} with 医療費 {}", describe(&cat.limit), medical),
            ),
        };
        let sum = under_sum + kourei_remaining;
        let refund = (sum - limit).max(Yen::ZERO);
        der.push(
            "世帯",
            "under-70 claims ≥ 21,000円 plus what remains of the 70–74 part, over the 区分 limit refunded",
            format!("区分 {code}: limit {rule} = {limit}; copays {sum}"),
            Some(refund),
        );
        household_limit = Some(limit);
        household_refund = refund;
    }
    let refund =
        outpatient_steps.iter().map(|s| s.refund).sum::<Yen>() + kourei_refund + household_refund;
    der.push(
        "高額療養費",
        "sum of the refunds of every step",
        format!("total copay {total_copay}"),
        Some(refund),
    );
    Ok(HighCostResult {
        table: table.id.clone(),
        confirmed,
        excluded_claims: excluded,
        outpatient: outpatient_steps,
        kourei_limit,
        kourei_refund,
        household_limit,
        household_refund,
        refund,
        total_copay,
        burden: total_copay - refund,
        derivation: der,
    })
}

fn setting_name(s: Setting) -> &'static str {
    match s {
        Setting::Inpatient => "入院",
        Setting::Outpatient => "外来",
    }
}

/// The 70–74 外来 annual refund (年間上限, August–July): what a person's 外来 burden over the
/// period, after the monthly 高額療養費, exceeds the annual 外来 limit of their 区分 on July 31
/// (the base date). `monthly_burdens` are the months in which the person was 一般 or 低所得.
pub fn annual_outpatient_refund(
    tables: &HighCostTables,
    period_end_july_year: i32,
    over70_category: &str,
    monthly_burdens: &[Yen],
) -> Result<(Yen, Derivation), Error> {
    let base_date = NaiveDate::from_ymd_opt(period_end_july_year, 7, 31)
        .ok_or_else(|| invalid("period_end_july_year", "out of range"))?;
    let table = tables
        .for_date(base_date)
        .ok_or_else(|| invalid("period_end_july_year", "no table in force on July 31"))?;
    let cat = table.over70(over70_category).ok_or_else(|| {
        invalid(
            "over70_category",
            format!(
                "`{over70_category}` is not a 70–74 区分 of table {}",
                table.id
            ),
        )
    })?;
    let cap = cat.outpatient_annual.ok_or_else(|| {
        invalid(
            "over70_category",
            format!("区分 `{over70_category}` has no annual 外来 limit"),
        )
    })?;
    if monthly_burdens.len() > 12 {
        return Err(invalid(
            "monthly_burdens",
            "at most 12 months (August–July)",
        ));
    }
    let total: Yen = monthly_burdens.iter().copied().sum();
    let refund = (total - cap).max(Yen::ZERO);
    let mut der = Derivation::default();
    der.push(
        "外来 年間上限",
        "70–74 一般・低所得: 外来 burden August–July over the annual limit is refunded",
        format!(
            "table {}, 区分 {over70_category}, annual limit {cap}, burden {total}",
            table.id
        ),
        Some(refund),
    );
    Ok((refund, der))
}

/// The under-70 区分 (ア〜オ) from the household's income, for the 2018-08 and 2026-08 tables:
/// 住民税非課税 → オ; 未申告 → ア; total 旧ただし書き所得 over 901万円 → ア, over 600万円 → イ,
/// over 210万円 → ウ, otherwise エ (三島市 [S97]).
pub fn under70_category(
    kyu_tadashigaki_total: Yen,
    hikazei: bool,
    mishinkoku: bool,
) -> &'static str {
    if hikazei {
        "オ"
    } else if mishinkoku || kyu_tadashigaki_total > Yen(9_010_000) {
        "ア"
    } else if kyu_tadashigaki_total > Yen(6_000_000) {
        "イ"
    } else if kyu_tadashigaki_total > Yen(2_100_000) {
        "ウ"
    } else {
        "エ"
    }
}

/// The 70–74 区分: 現役並み (from [`crate::copay`]) by the highest 課税所得 — 690万円 or more Ⅲ,
/// 380万円 or more Ⅱ, else Ⅰ; otherwise 住民税非課税 → 低所得Ⅰ when every income is 0, else
/// 低所得Ⅱ; otherwise 一般 (神栖市 [S102]).
pub fn over70_category(
    geneki_nami: bool,
    taxable_income_max: Yen,
    hikazei: bool,
    all_incomes_zero: bool,
) -> &'static str {
    if geneki_nami {
        if taxable_income_max >= Yen(6_900_000) {
            "現役並みⅢ"
        } else if taxable_income_max >= Yen(3_800_000) {
            "現役並みⅡ"
        } else {
            "現役並みⅠ"
        }
    } else if hikazei {
        if all_incomes_zero {
            "低所得Ⅰ"
        } else {
            "低所得Ⅱ"
        }
    } else {
        "一般"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 健康保険法施行令第42条: 1円未満 50銭以上切上げ. (300,050 − 267,000) × 1% = 330.5 → 331;
    // (300,049 − 267,000) × 1% = 330.49 → 330.
    #[test]
    fn one_percent_term_rounds_half_up() {
        let l = Limit {
            base: Yen(80_100),
            threshold: Some(Yen(267_000)),
        };
        assert_eq!(l.amount(Yen(300_050)), Yen(80_431));
        assert_eq!(l.amount(Yen(300_049)), Yen(80_430));
        assert_eq!(l.amount(Yen(100_000)), Yen(80_100));
    }
}
