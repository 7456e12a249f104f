//! 高額療養費 (high-cost medical expense benefit): the monthly 自己負担限度額 of an NHI
//! household and the refund it gives, from date-effective tables chosen by service month.
//!
//! One month of one household is computed in the order the 政令 prescribes (国民健康保険法施行令
//! 第29条の2 onwards, built like 健康保険法施行令第41条–第42条), as municipal pages
//! explain it (大和市 計算例, DOMAIN-FACTS §4.2, S97, S102):
//! 1. 70–74 (高齢受給者): each person's 外来 copays are summed and the 外来 (個人) limit applied;
//! 2. 70–74 household: what remains plus the 70–74 入院 copays, against the 70–74 世帯 limit;
//! 3. whole household: what remains of the 70–74 part plus every under-70 claim of 21,000円 or
//!    more (per person, institution, 入院/外来), against the under-70 区分 limit.
//!
//! A claim is one person's copay at one institution, 入院 or 外来, in the month (as on a
//! レセプト); the caller splits 医科/歯科 and 院外処方 as the rules require.
//!
//! ```
//! use nhikit_core::{Yen, date::NaiveDate};
//! use nhikit_rules::high_cost::{
//!     AgeGroup, Claim, HighCostTables, HouseholdMonth, Setting, compute_month,
//! };
//!
//! // 区分ウ, 医療費 1,000,000円, 3割 300,000円: 80,100 + (1,000,000 − 267,000) × 1% = 87,430.
//! let tables = HighCostTables::embedded()?;
//! let month = HouseholdMonth {
//!     service_month: NaiveDate::from_ymd_opt(2025, 10, 1).ok_or("date")?,
//!     under70_category: Some("ウ".into()),
//!     over70_category: None,
//!     many_times: false,
//!     turning_75: vec![],
//!     claims: vec![Claim {
//!         person: "本人".into(),
//!         age_group: AgeGroup::Under70,
//!         setting: Setting::Inpatient,
//!         medical_cost: Yen(1_000_000),
//!         copay: Yen(300_000),
//!     }],
//! };
//! let result = compute_month(&tables, &month)?;
//! assert_eq!(result.household_limit, Some(Yen(87_430)));
//! assert_eq!(result.refund, Yen(212_570));
//! print!("{}", result.derivation.to_text());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod table;
pub(crate) mod trace;

pub use table::{Category, HighCostTable, HighCostTables, Limit};

use crate::Error;
use crate::explain::Derivation;
use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use trace::{Trace, step};

/// Under-70 claims below this copay are not summed (健康保険法施行令第41条第1項, and the NHI 政令
/// alike: 二万千円以上のものに限る).
pub const GASSAN_MINIMUM: Yen = Yen(21_000);

/// The age group a claim belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum AgeGroup {
    /// Under 70, or 70 before 高齢受給者 starts.
    #[serde(rename = "under70")]
    Under70,
    /// 高齢受給者 (70–74).
    #[serde(rename = "70to74")]
    Kourei,
}

/// 入院 or 外来.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum Setting {
    /// 入院 (inpatient).
    #[serde(rename = "入院")]
    Inpatient,
    /// 外来 (outpatient, including 調剤).
    #[serde(rename = "外来")]
    Outpatient,
}

/// One claim: one person's copay at one institution, 入院 or 外来, in the service month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Who (any label; claims with the same label are the same person).
    pub person: String,
    /// The person's age group in the service month.
    pub age_group: AgeGroup,
    /// 入院 or 外来.
    pub setting: Setting,
    /// 医療費 (10割, total cost).
    #[schemars(with = "i64")]
    pub medical_cost: Yen,
    /// The copay actually due (一部負担金).
    #[schemars(with = "i64")]
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
    /// 75歳到達月の特例: the 70–74 persons (labels as in `claims`) who enter 後期高齢者医療 this
    /// month on a birthday other than the 1st. Their limits are halved for the month (外来 ½,
    /// then their own copays against ½ of the 世帯 limit, before the household step)
    /// (エネルギア健保 10_01; 益城町, DOMAIN-FACTS S104).
    pub turning_75: Vec<String>,
}

/// 特定疾病 (長期高額疾病): the diseases whose monthly copay per institution and setting is
/// limited to 10,000円, or 20,000円 for 人工透析 of an under-70 person in 区分 ア or イ
/// (国民健康保険法施行令第29条の3第6項; 五霞町, 東大阪市, 浅口市 and 木津川市 pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum SpecifiedDisease {
    /// 人工腎臓を実施している慢性腎不全 (人工透析).
    #[serde(rename = "人工透析")]
    Dialysis,
    /// 先天性血液凝固因子障害の一部 (血友病).
    #[serde(rename = "血友病")]
    Hemophilia,
    /// 抗ウイルス剤を投与している後天性免疫不全症候群 (血液凝固因子製剤に起因する HIV 感染症).
    #[serde(rename = "HIV")]
    Hiv,
}

/// 特定疾病 limit per claim: 10,000円; 20,000円 for 人工透析 under 70 in an upper 区分 (ア, イ,
/// and their 2027-08 subdivisions).
pub const SPECIFIED_DISEASE_LIMIT: Yen = Yen(10_000);
/// 特定疾病 limit for 人工透析 of under-70 persons in 区分 ア or イ.
pub const SPECIFIED_DISEASE_LIMIT_UPPER: Yen = Yen(20_000);

/// Facts of a household month beyond [`HouseholdMonth`] (kept apart so that existing callers
/// building a `HouseholdMonth` need not change).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonthOptions {
    /// 特定疾病療養受療証: `(index into claims, disease)` for claims treating that disease.
    pub specified_disease: Vec<(usize, SpecifiedDisease)>,
}

/// The 特定疾病 step of one claim: its copay held to the 特定疾病 limit before any other step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecifiedDiseaseStep {
    /// Index into `claims`.
    pub claim: usize,
    /// The copay billed.
    pub copay: Yen,
    /// The limit (10,000 or 20,000).
    pub limit: Yen,
    /// The refund at this step.
    pub refund: Yen,
}

/// A per-person step of a 70–74 person: 外来 (個人), or the 75歳到達月 special.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutpatientStep {
    /// The person.
    pub person: String,
    /// Their copays summed (外来 only, for the 外来 step).
    pub copay: Yen,
    /// The limit applied, if the 区分 has one.
    pub limit: Option<Yen>,
    /// The refund at this step.
    pub refund: Yen,
}

/// The result for one household month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HighCostResult {
    /// The table used.
    pub table: String,
    /// Whether every 区分 used is confirmed from public sources (see the table's notes).
    pub confirmed: bool,
    /// Indexes of the claims left out (under-70 claims under 21,000円).
    pub excluded_claims: Vec<usize>,
    /// Step 0: claims for a 特定疾病, held to its limit first.
    pub specified_disease: Vec<SpecifiedDiseaseStep>,
    /// Step 1, per 70–74 person.
    pub outpatient: Vec<OutpatientStep>,
    /// 75歳到達月 (between steps 1 and 2): per person turning 75, the copays after step 1 against
    /// ½ of the 世帯 limit.
    pub turning_75: Vec<OutpatientStep>,
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

/// Computes one household month, with its derivation.
pub fn compute_month(
    tables: &HighCostTables,
    input: &HouseholdMonth,
) -> Result<HighCostResult, Error> {
    compute_month_with(tables, input, true)
}

/// Computes one household month; the derivation is built only when `explain` (the result's
/// `derivation` is empty otherwise), for hot paths.
pub fn compute_month_with(
    tables: &HighCostTables,
    input: &HouseholdMonth,
    explain: bool,
) -> Result<HighCostResult, Error> {
    compute_month_ext(tables, input, &MonthOptions::default(), explain)
}

/// Computes one household month with [`MonthOptions`] (特定疾病).
pub fn compute_month_ext(
    tables: &HighCostTables,
    input: &HouseholdMonth,
    options: &MonthOptions,
    explain: bool,
) -> Result<HighCostResult, Error> {
    let table = tables
        .for_date(input.service_month)
        .ok_or_else(|| invalid("service_month", "no 高額療養費 table is in force then"))?;
    let mut tr = Trace::new(explain);
    let mut confirmed = true;
    step!(
        tr,
        "table",
        "the table in force for the service month",
        format!(
            "{} from {} ({})",
            table.id, table.effective_from, table.source_name
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

    // Step 0: 特定疾病 claims held to their limit (the 受療証 limit applies per claim).
    let mut copays: Vec<Yen> = input.claims.iter().map(|c| c.copay).collect();
    let mut disease_steps: Vec<SpecifiedDiseaseStep> = Vec::new();
    for (k, &(i, disease)) in options.specified_disease.iter().enumerate() {
        let c = input.claims.get(i).ok_or_else(|| {
            invalid(
                format!("specified_disease[{k}].claim"),
                format!("no claim {i} (there are {})", input.claims.len()),
            )
        })?;
        if disease_steps.iter().any(|s| s.claim == i) {
            return Err(invalid(
                format!("specified_disease[{k}].claim"),
                format!("claim {i} is listed twice"),
            ));
        }
        let upper = c.age_group == AgeGroup::Under70
            && disease == SpecifiedDisease::Dialysis
            && input
                .under70_category
                .as_deref()
                .is_some_and(|code| code.starts_with('ア') || code.starts_with('イ'));
        let limit = if upper {
            SPECIFIED_DISEASE_LIMIT_UPPER
        } else {
            SPECIFIED_DISEASE_LIMIT
        };
        let refund = (c.copay - limit).max(Yen::ZERO);
        step!(
            tr,
            format!("特定疾病 claims[{i}]"),
            "特定疾病療養受療証: the claim's copay is held to 10,000円 (人工透析 under 70 in 区分 ア・イ: 20,000円) before any other step",
            format!(
                "{} {} {:?}: copay {}, limit {limit}",
                c.person,
                setting_name(c.setting),
                disease,
                c.copay
            ),
            Some(refund),
        );
        copays[i] = c.copay.min(limit);
        disease_steps.push(SpecifiedDiseaseStep {
            claim: i,
            copay: c.copay,
            limit,
            refund,
        });
    }

    // Step 1 and 2: 70–74.
    let kourei: Vec<(&Claim, Yen)> = input
        .claims
        .iter()
        .zip(copays.iter().copied())
        .filter(|(c, _)| c.age_group == AgeGroup::Kourei)
        .collect();
    let mut outpatient_steps = Vec::new();
    let mut turning_steps: Vec<OutpatientStep> = Vec::new();
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
        note_unconfirmed(&mut tr, cat);
        #[derive(Default)]
        struct Person {
            outpatient: Yen,
            has_outpatient: bool,
            inpatient: Yen,
            medical: Yen,
        }
        let mut persons: BTreeMap<&str, Person> = BTreeMap::new();
        for &(c, copay) in &kourei {
            kourei_medical += c.medical_cost;
            let p = persons.entry(c.person.as_str()).or_default();
            p.medical += c.medical_cost;
            match c.setting {
                Setting::Outpatient => {
                    p.outpatient += copay;
                    p.has_outpatient = true;
                }
                Setting::Inpatient => p.inpatient += copay,
            }
        }
        for (i, name) in input.turning_75.iter().enumerate() {
            if !persons.contains_key(name.as_str()) {
                return Err(invalid(
                    format!("turning_75[{i}]"),
                    format!("`{name}` has no 70to74 claim this month"),
                ));
            }
        }
        let mut household_sum = Yen::ZERO;
        for (person, p) in persons {
            let turning = input.turning_75.iter().any(|n| n == person);
            let halve = |y: Yen| if turning { Yen(y.0 / 2) } else { y };
            let out_limit = cat.outpatient.map(halve);
            let (kept, refund) = match out_limit {
                Some(limit) => (
                    p.outpatient.min(limit),
                    (p.outpatient - limit).max(Yen::ZERO),
                ),
                None => (p.outpatient, Yen::ZERO),
            };
            if p.has_outpatient {
                if let Some(limit) = out_limit {
                    step!(
                        tr,
                        format!("外来(個人) {person}"),
                        "70–74: a person's 外来 copays summed, over the 外来 limit refunded",
                        format!(
                            "区分 {code}, 外来 copays {}, limit {limit}{}",
                            p.outpatient,
                            if turning { " (75歳到達月: ½)" } else { "" }
                        ),
                        Some(refund),
                    );
                }
                outpatient_steps.push(OutpatientStep {
                    person: person.to_owned(),
                    copay: p.outpatient,
                    limit: out_limit,
                    refund,
                });
            }
            let mut person_total = kept + p.inpatient;
            if turning {
                let half = Limit {
                    base: halve(cat.limit.base),
                    threshold: cat.limit.threshold.map(halve),
                };
                // 多数回該当 households: the halved 多数回 limit (e.g. 一般 44,400 → 22,200).
                let (limit, rule) = match (input.many_times, cat.many_times) {
                    (true, Some(m)) => (halve(m), format!("½ of 多数回 {m}")),
                    _ => (
                        half.amount(p.medical),
                        format!("½ limit {} with 医療費 {}", describe(&half), p.medical),
                    ),
                };
                let refund = (person_total - limit).max(Yen::ZERO);
                step!(
                    tr,
                    format!("75歳到達月 {person}"),
                    "the month the person enters 後期高齢者医療 (birthday not on the 1st): the person's copays against ½ of the 世帯 limit (多数回: ½ of the 多数回 limit) first",
                    format!("区分 {code}: {rule} = {limit}; copays {person_total}"),
                    Some(refund),
                );
                turning_steps.push(OutpatientStep {
                    person: person.to_owned(),
                    copay: person_total,
                    limit: Some(limit),
                    refund,
                });
                person_total = person_total.min(limit);
            }
            household_sum += person_total;
        }
        let sum = household_sum;
        let (limit, rule) = match (input.many_times, cat.many_times) {
            (true, Some(m)) => (m, format!("多数回該当 {m}")),
            _ => (
                cat.limit.amount(kourei_medical),
                format!("{} with 医療費 {}", describe(&cat.limit), kourei_medical),
            ),
        };
        let refund = (sum - limit).max(Yen::ZERO);
        step!(
            tr,
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
    for (i, (c, &copay)) in input.claims.iter().zip(copays.iter()).enumerate() {
        if c.age_group != AgeGroup::Under70 {
            continue;
        }
        if copay < GASSAN_MINIMUM {
            excluded.push(i);
            step!(
                tr,
                format!("claims[{i}]"),
                "under 70: only claims of 21,000円 or more are summed (世帯合算)",
                format!(
                    "{} {} copay {copay} — excluded",
                    c.person,
                    setting_name(c.setting),
                ),
                None,
            );
        } else {
            under_sum += copay;
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
        note_unconfirmed(&mut tr, cat);
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
        step!(
            tr,
            "世帯",
            "under-70 claims ≥ 21,000円 plus what remains of the 70–74 part, over the 区分 limit refunded",
            format!("区分 {code}: limit {rule} = {limit}; copays {sum}"),
            Some(refund),
        );
        household_limit = Some(limit);
        household_refund = refund;
    }
    let refund = disease_steps.iter().map(|s| s.refund).sum::<Yen>()
        + outpatient_steps.iter().map(|s| s.refund).sum::<Yen>()
        + turning_steps.iter().map(|s| s.refund).sum::<Yen>()
        + kourei_refund
        + household_refund;
    step!(
        tr,
        "高額療養費",
        "sum of the refunds of every step",
        format!("total copay {total_copay}"),
        Some(refund),
    );
    Ok(HighCostResult {
        table: table.id.clone(),
        confirmed,
        excluded_claims: excluded,
        specified_disease: disease_steps,
        outpatient: outpatient_steps,
        turning_75: turning_steps,
        kourei_limit,
        kourei_refund,
        household_limit,
        household_refund,
        refund,
        total_copay,
        burden: total_copay - refund,
        derivation: tr.der,
    })
}

/// The result as a municipal 計算例 prints it, in Japanese terms: each step's 一部負担金, 限度額
/// and 支給額, then the 高額療養費 and what the household bears.
pub fn statement(r: &HighCostResult, service_month: NaiveDate) -> String {
    use crate::explain::yen_ja as yen;
    use chrono::Datelike;
    use std::fmt::Write;
    let mut s = String::new();
    let y = service_month.year();
    let era = if y >= 2019 {
        format!("令和{}年", y - 2018)
    } else {
        format!("平成{}年", y - 1988)
    };
    let _ = writeln!(
        s,
        "{era}{}月診療分 高額療養費 計算例 (限度額表 {}{})",
        service_month.month(),
        r.table,
        if r.confirmed {
            ""
        } else {
            ", 未確定の区分あり"
        }
    );
    for d in &r.specified_disease {
        let _ = writeln!(
            s,
            "[特定疾病] claims[{}]: 一部負担金 {} − 限度額 {} = 支給 {}",
            d.claim,
            yen(d.copay),
            yen(d.limit),
            yen(d.refund)
        );
    }
    for o in &r.outpatient {
        let limit = o.limit.map_or_else(|| "なし".to_string(), yen);
        let _ = writeln!(
            s,
            "[70歳以上 外来(個人)] {}: 一部負担金 {} / 限度額 {} → 支給 {}",
            o.person,
            yen(o.copay),
            limit,
            yen(o.refund)
        );
    }
    for o in &r.turning_75 {
        let limit = o.limit.map_or_else(|| "なし".to_string(), yen);
        let _ = writeln!(
            s,
            "[75歳到達月 (限度額 2分の1)] {}: 負担額 {} / 限度額 {} → 支給 {}",
            o.person,
            yen(o.copay),
            limit,
            yen(o.refund)
        );
    }
    if let Some(l) = r.kourei_limit {
        let _ = writeln!(
            s,
            "[70歳以上 世帯] 限度額 {} → 支給 {}",
            yen(l),
            yen(r.kourei_refund)
        );
    }
    if !r.excluded_claims.is_empty() {
        let list: Vec<String> = r
            .excluded_claims
            .iter()
            .map(|i| format!("claims[{i}]"))
            .collect();
        let _ = writeln!(s, "合算対象外 (70歳未満 21,000円未満): {}", list.join("、"));
    }
    if let Some(l) = r.household_limit {
        let _ = writeln!(
            s,
            "[世帯合算] 自己負担限度額 {} → 支給 {}",
            yen(l),
            yen(r.household_refund)
        );
    }
    let _ = writeln!(
        s,
        "高額療養費 {} (一部負担金 計 {}、自己負担 {})",
        yen(r.refund),
        yen(r.total_copay),
        yen(r.burden)
    );
    s
}

/// Records in the derivation that a 区分's figures are not all confirmed, and why.
fn note_unconfirmed(tr: &mut Trace, cat: &Category) {
    if !cat.confirmed {
        step!(
            tr,
            format!("区分 {}", cat.code),
            "NOT CONFIRMED: some figures of this 区分 rest on a single or inferred source",
            cat.note.clone().unwrap_or_default(),
            None,
        );
    }
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
    annual_refund(
        tables,
        period_end_july_year,
        AgeGroup::Kourei,
        over70_category,
        AnnualKind::Outpatient,
        monthly_burdens,
    )
}

/// The annual refund of the 年間上限 introduced from 2026-08 (August–July): what the burden over
/// the period, after the monthly 高額療養費, exceeds the annual limit of the 区分 in force on
/// July 31. Which burdens count (per person or household, across insurers) is for the caller:
/// the published sources we read describe the cap only as "the total of the year's 自己負担".
pub fn annual_household_refund(
    tables: &HighCostTables,
    period_end_july_year: i32,
    age_group: AgeGroup,
    category: &str,
    monthly_burdens: &[Yen],
) -> Result<(Yen, Derivation), Error> {
    annual_refund(
        tables,
        period_end_july_year,
        age_group,
        category,
        AnnualKind::Household,
        monthly_burdens,
    )
}

#[derive(Clone, Copy)]
enum AnnualKind {
    Outpatient,
    Household,
}

fn annual_refund(
    tables: &HighCostTables,
    period_end_july_year: i32,
    age_group: AgeGroup,
    code: &str,
    kind: AnnualKind,
    monthly_burdens: &[Yen],
) -> Result<(Yen, Derivation), Error> {
    let base_date = NaiveDate::from_ymd_opt(period_end_july_year, 7, 31)
        .ok_or_else(|| invalid("period_end_july_year", "out of range"))?;
    let table = tables
        .for_date(base_date)
        .ok_or_else(|| invalid("period_end_july_year", "no table in force on July 31"))?;
    let (item, cat) = match age_group {
        AgeGroup::Under70 => ("under70_category", table.under70(code)),
        AgeGroup::Kourei => ("over70_category", table.over70(code)),
    };
    let cat = cat.ok_or_else(|| {
        invalid(
            item,
            format!(
                "`{code}` is not a 区分 of table {} for this age group",
                table.id
            ),
        )
    })?;
    let (cap, what, rule) = match kind {
        AnnualKind::Outpatient => (
            cat.outpatient_annual,
            "外来 年間上限",
            "70–74 一般・低所得: 外来 burden August–July over the annual 外来 limit is refunded",
        ),
        AnnualKind::Household => (
            cat.annual_cap,
            "年間上限",
            "burden August–July over the annual limit (from 2026-08) is refunded",
        ),
    };
    let cap = cap.ok_or_else(|| {
        invalid(
            item,
            format!(
                "区分 `{code}` of table {} has no such annual limit",
                table.id
            ),
        )
    })?;
    if monthly_burdens.len() > 12 {
        return Err(invalid(
            "monthly_burdens",
            "at most 12 months (August–July)",
        ));
    }
    if let Some(i) = monthly_burdens.iter().position(|b| b.0 < 0) {
        return Err(invalid(
            format!("monthly_burdens[{i}]"),
            "must not be negative",
        ));
    }
    let total: Yen = monthly_burdens.iter().copied().sum();
    let refund = (total - cap).max(Yen::ZERO);
    let mut der = Derivation::default();
    der.push(
        what,
        rule,
        format!(
            "table {}, 区分 {code}, annual limit {cap}, burden {total}{}",
            table.id,
            if cat.confirmed {
                ""
            } else {
                " (区分 NOT CONFIRMED)"
            }
        ),
        Some(refund),
    );
    Ok((refund, der))
}

/// The age group of a person born on `birth` for care on `service_date`: 高齢受給者 from the
/// 1st of the month after the month of reaching 70, `None` from the 75th birthday (not NHI).
pub fn age_group_on(birth: NaiveDate, service_date: NaiveDate) -> Result<Option<AgeGroup>, Error> {
    if service_date >= crate::eligibility::koki_koreisha_date(birth)? {
        Ok(None)
    } else if service_date >= crate::eligibility::kourei_jukyusha_start(birth)? {
        Ok(Some(AgeGroup::Kourei))
    } else {
        Ok(Some(AgeGroup::Under70))
    }
}

/// The under-70 区分 (ア〜オ) from the household's income, for the 2018-08 and 2026-08 tables:
/// 住民税非課税 → オ; 未申告 → ア; total 旧ただし書き所得 over 901万円 → ア, over 600万円 → イ,
/// over 210万円 → ウ, otherwise エ (三島市, DOMAIN-FACTS S97).
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
/// 低所得Ⅱ; otherwise 一般 (神栖市, DOMAIN-FACTS S102).
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
