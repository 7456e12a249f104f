//! The oracle's JSON request and response for `nhikit calc premium` (documented in
//! `docs/oracle.md`). Requests are validated into a [`Household`]; every error names the item,
//! e.g. `members[1].income.salary_revenue: must be ≥ 0`.

use super::{
    Assessment, Household, Income, MAX_MEMBERS, Member, Perinatal, Reduction, SpecifiedHousehold,
    Status, check_income_items, installments,
};
use crate::error::Error;
use crate::explain::Derivation;
use crate::params::{MunicipalRates, Params, Part, parse_year_month};
use chrono::Datelike;
use nhikit_core::Yen;
use nhikit_core::date::{FiscalYear, NaiveDate};
use serde::{Deserialize, Serialize};

/// The full request of `nhikit calc premium`: the household, where its rates come from, and the
/// items of a municipal year (遡及 `assessed_on`, 更正 `correction`, 旧被扶養者, 同月得喪, 所得金額
/// 調整控除, 専従者). [`PremiumRequest`] is its earlier subset, kept for callers that build one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalcRequest {
    /// The fiscal year (may instead be given on the command line).
    #[serde(default)]
    pub fiscal_year: Option<i32>,
    /// A municipality id from the rules catalogue (e.g. `natori`).
    #[serde(default)]
    pub municipality: Option<String>,
    /// Inline municipal rates, instead of `municipality`.
    #[serde(default)]
    pub rates: Option<MunicipalRates>,
    /// 特定世帯 status.
    #[serde(default)]
    pub specified_household: SpecifiedHousehold,
    /// The members.
    pub members: Vec<CalcMember>,
    /// 遡及賦課: the date the assessment is made; when given, `fiscal_year` must be within the
    /// legal limit (保険税: 3 fiscal years back, 保険料: 2).
    #[serde(default)]
    pub assessed_on: Option<String>,
    /// 更正: the corrected facts and how many installments are already due.
    #[serde(default)]
    pub correction: Option<CorrectionInput>,
}

/// A 更正 in a request: the household as corrected (e.g. after 所得更正).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// The members with the corrected facts (same shape as `members`).
    pub members: Vec<CalcMember>,
    /// 特定世帯 status after the correction (default: unchanged).
    #[serde(default)]
    pub specified_household: Option<SpecifiedHousehold>,
    /// Installments whose 納期限 has passed: they stay as billed.
    pub installments_due: usize,
}

/// One member in a [`CalcRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalcMember {
    /// A label echoed in explanations (optional).
    #[serde(default)]
    pub id: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `insured` (default), `former_insured_in_kouki` (特定同一世帯所属者) or `not_insured`.
    #[serde(default)]
    pub status: Status,
    /// 世帯主: exactly one member.
    #[serde(default)]
    pub householder: bool,
    /// 資格取得日 within the fiscal year, `YYYY-MM-DD`.
    #[serde(default)]
    pub acquired: Option<String>,
    /// 資格喪失日 within the fiscal year, `YYYY-MM-DD`.
    #[serde(default)]
    pub lost: Option<String>,
    /// Income of the income year.
    #[serde(default)]
    pub income: CalcIncome,
    /// 非自発的失業者 軽減 applies this fiscal year.
    #[serde(default)]
    pub involuntary_unemployed: bool,
    /// 所得申告 made (default true).
    #[serde(default = "yes")]
    pub income_declared: bool,
    /// 産前産後 exemption.
    #[serde(default)]
    pub perinatal: Option<PerinatalInput>,
    /// 旧被扶養者減免: the 資格取得日 as a former dependant (may be before the fiscal year).
    #[serde(default)]
    pub former_dependant_since: Option<String>,
    /// 同月得喪: insured by another municipality's NHI in the month of acquisition and loss.
    #[serde(default)]
    pub same_month_insured_elsewhere: bool,
    /// 所得金額調整控除 (給与収入 850万超): 特別障害者, or a 扶養親族 under 23 or 特別障害者.
    #[serde(default)]
    pub income_adjustment_dependants: bool,
    /// 事業専従者: the 給与収入 is 専従者給与, left out of the 軽減判定.
    #[serde(default)]
    pub family_employee: bool,
}

fn is_zero(y: &Yen) -> bool {
    y.0 == 0
}

fn yes() -> bool {
    true
}

/// Income items of a [`CalcMember`] in yen; all default to 0 and must be ≥ 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CalcIncome {
    /// 給与収入.
    #[serde(default)]
    pub salary_revenue: i64,
    /// 公的年金等収入.
    #[serde(default)]
    pub pension_revenue: i64,
    /// Other 所得 (net) in 総所得金額等.
    #[serde(default)]
    pub other_income: i64,
    /// 分離課税 income after 特別控除.
    #[serde(default)]
    pub separate_gains: i64,
    /// 特別控除 taken (added back for the 軽減 judgement).
    #[serde(default)]
    pub special_deduction: i64,
    /// 固定資産税額 (資産割).
    #[serde(default)]
    pub fixed_asset_tax: i64,
    /// 専従者給与 paid (青色) or 専従者控除 taken (白色) in `other_income`: added back for the
    /// 軽減判定.
    #[serde(default)]
    pub family_employee_salary_paid: i64,
}

/// 産前産後 facts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PerinatalInput {
    /// Month of (expected) birth, `YYYY-MM`.
    pub birth_month: String,
    /// 多胎.
    #[serde(default)]
    pub multiple: bool,
}

fn invalid(item: String, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        item,
        reason: reason.into(),
    }
}

fn date(item: String, s: &str) -> Result<NaiveDate, Error> {
    s.parse::<NaiveDate>()
        .map_err(|_| invalid(item, format!("`{s}` is not a date YYYY-MM-DD")))
}

impl CalcRequest {
    /// The fiscal year: the override if given, else the request's.
    pub fn fiscal_year(&self, override_year: Option<i32>) -> Result<i32, Error> {
        override_year.or(self.fiscal_year).ok_or_else(|| {
            invalid(
                "fiscal_year".into(),
                "missing: give it in the input or with --fiscal-year",
            )
        })
    }

    /// Validates the members into a [`Household`] for `fiscal_year`.
    pub fn household(&self, fiscal_year: i32) -> Result<Household, Error> {
        members_household(&self.members, self.specified_household, fiscal_year, "")
    }

    /// The corrected household of a 更正, if the request has one; items are named
    /// `correction.members[i]…`.
    pub fn corrected_household(&self, fiscal_year: i32) -> Result<Option<Household>, Error> {
        let Some(c) = &self.correction else {
            return Ok(None);
        };
        members_household(
            &c.members,
            c.specified_household.unwrap_or(self.specified_household),
            fiscal_year,
            "correction.",
        )
        .map(Some)
    }

    /// The assessment date of a 遡及賦課, if given.
    pub fn assessed_on(&self) -> Result<Option<NaiveDate>, Error> {
        self.assessed_on
            .as_deref()
            .map(|s| date("assessed_on".into(), s))
            .transpose()
    }
}

fn members_household(
    members_in: &[CalcMember],
    specified: SpecifiedHousehold,
    fiscal_year: i32,
    prefix: &str,
) -> Result<Household, Error> {
    let fy = FiscalYear(fiscal_year);
    let (Some(start), Some(end)) = (fy.start(), fy.end()) else {
        return Err(invalid("fiscal_year".into(), "out of range"));
    };
    if members_in.is_empty() {
        return Err(invalid(
            format!("{prefix}members"),
            "must list at least the householder",
        ));
    }
    if members_in.len() > MAX_MEMBERS {
        return Err(invalid(
            format!("{prefix}members"),
            format!("at most {MAX_MEMBERS} members"),
        ));
    }
    let heads = members_in.iter().filter(|m| m.householder).count();
    if heads != 1 {
        return Err(invalid(
            format!("{prefix}members"),
            format!("exactly one member must have `householder: true`, found {heads}"),
        ));
    }
    let mut members = Vec::with_capacity(members_in.len());
    for (i, m) in members_in.iter().enumerate() {
        let at = |k: &str| format!("{prefix}members[{i}].{k}");
        let birth = date(at("birth_date"), &m.birth_date)?;
        if birth > end {
            return Err(invalid(
                at("birth_date"),
                format!("{birth} is after the fiscal year ends ({end})"),
            ));
        }
        let acquired = m
            .acquired
            .as_deref()
            .map(|s| date(at("acquired"), s))
            .transpose()?;
        let lost = m.lost.as_deref().map(|s| date(at("lost"), s)).transpose()?;
        if let Some(a) = acquired
            && !(start..=end).contains(&a)
        {
            return Err(invalid(
                at("acquired"),
                format!("{a} is outside FY{fiscal_year} ({start} – {end})"),
            ));
        }
        if let Some(l) = lost
            && !(start..=end).contains(&l)
        {
            return Err(invalid(
                at("lost"),
                format!("{l} is outside FY{fiscal_year} ({start} – {end})"),
            ));
        }
        if let (Some(a), Some(l)) = (acquired, lost)
            && l <= a
        {
            return Err(invalid(
                at("lost"),
                format!("{l} is not after acquired {a}"),
            ));
        }
        if let Some(a) = acquired
            && a < birth
        {
            return Err(invalid(
                at("acquired"),
                format!("{a} is before birth {birth}"),
            ));
        }
        if m.status != Status::Insured
            && (acquired.is_some() || lost.is_some() || m.perinatal.is_some())
        {
            return Err(invalid(
                at("status"),
                "acquired, lost and perinatal apply only to insured members",
            ));
        }
        let inc = &m.income;
        let income = Income {
            salary_revenue: inc.salary_revenue,
            pension_revenue: inc.pension_revenue,
            other_income: inc.other_income,
            separate_gains: inc.separate_gains,
            special_deduction: inc.special_deduction,
            fixed_asset_tax: inc.fixed_asset_tax,
        };
        check_income_items(&income, inc.family_employee_salary_paid, |name| {
            at(&format!("income.{name}"))
        })?;
        let former_dependant_since = m
            .former_dependant_since
            .as_deref()
            .map(|s| date(at("former_dependant_since"), s))
            .transpose()?;
        if let Some(since) = former_dependant_since {
            if m.status != Status::Insured {
                return Err(invalid(
                    at("former_dependant_since"),
                    "applies only to insured members",
                ));
            }
            // 旧被扶養者: 65 or older on the 資格取得日 (三郷町: 資格取得日において65歳以上).
            let birthday_65 = birth
                .with_year(birth.year() + 65)
                .or_else(|| NaiveDate::from_ymd_opt(birth.year() + 65, 3, 1));
            if birthday_65.is_none_or(|b| since < b) {
                return Err(invalid(
                    at("former_dependant_since"),
                    format!(
                        "{since}: a 旧被扶養者 is 65 or older on the 資格取得日 (born {birth})"
                    ),
                ));
            }
            if since > end {
                return Err(invalid(
                    at("former_dependant_since"),
                    format!("{since} is after FY{fiscal_year} ends ({end})"),
                ));
            }
            if acquired.is_some_and(|a| a != since && since >= start) {
                return Err(invalid(
                    at("former_dependant_since"),
                    "must equal `acquired` when both are within the fiscal year",
                ));
            }
        }
        let perinatal = match &m.perinatal {
            None => None,
            Some(pn) => Some(Perinatal {
                birth_month: parse_year_month(&pn.birth_month).ok_or_else(|| {
                    invalid(
                        at("perinatal.birth_month"),
                        format!("`{}` is not YYYY-MM", pn.birth_month),
                    )
                })?,
                multiple: pn.multiple,
            }),
        };
        members.push(Member {
            birth,
            status: m.status,
            householder: m.householder,
            acquired,
            lost,
            income,
            involuntary_unemployed: m.involuntary_unemployed,
            income_declared: m.income_declared,
            perinatal,
            former_dependant_since,
            same_month_insured_elsewhere: m.same_month_insured_elsewhere,
            income_adjustment_dependants: m.income_adjustment_dependants,
            family_employee: m.family_employee,
            family_employee_salary_paid: inc.family_employee_salary_paid,
        });
    }
    Ok(Household { members, specified })
}

// ---------------------------------------------------------------------------------------------
// The earlier request shape (before issue 25), kept so that code building one keeps compiling.

/// A premium request: the household and where its rates come from (the subset of
/// [`CalcRequest`] without 遡及, 更正 and the member items added since).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PremiumRequest {
    /// The fiscal year (may instead be given on the command line).
    #[serde(default)]
    pub fiscal_year: Option<i32>,
    /// A municipality id from the rules catalogue (e.g. `natori`).
    #[serde(default)]
    pub municipality: Option<String>,
    /// Inline municipal rates, instead of `municipality`.
    #[serde(default)]
    pub rates: Option<MunicipalRates>,
    /// 特定世帯 status.
    #[serde(default)]
    pub specified_household: SpecifiedHousehold,
    /// The members.
    pub members: Vec<MemberInput>,
}

/// One member in a [`PremiumRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// A label echoed in explanations (optional).
    #[serde(default)]
    pub id: Option<String>,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `insured` (default), `former_insured_in_kouki` (特定同一世帯所属者) or `not_insured`.
    #[serde(default)]
    pub status: Status,
    /// 世帯主: exactly one member.
    #[serde(default)]
    pub householder: bool,
    /// 資格取得日 within the fiscal year, `YYYY-MM-DD`.
    #[serde(default)]
    pub acquired: Option<String>,
    /// 資格喪失日 within the fiscal year, `YYYY-MM-DD`.
    #[serde(default)]
    pub lost: Option<String>,
    /// Income of the income year.
    #[serde(default)]
    pub income: IncomeInput,
    /// 非自発的失業者 軽減 applies this fiscal year.
    #[serde(default)]
    pub involuntary_unemployed: bool,
    /// 所得申告 made (default true).
    #[serde(default = "yes")]
    pub income_declared: bool,
    /// 産前産後 exemption.
    #[serde(default)]
    pub perinatal: Option<PerinatalInput>,
}

/// Income items of a [`MemberInput`] in yen; all default to 0 and must be ≥ 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeInput {
    /// 給与収入.
    #[serde(default)]
    pub salary_revenue: i64,
    /// 公的年金等収入.
    #[serde(default)]
    pub pension_revenue: i64,
    /// Other 所得 (net) in 総所得金額等.
    #[serde(default)]
    pub other_income: i64,
    /// 分離課税 income after 特別控除.
    #[serde(default)]
    pub separate_gains: i64,
    /// 特別控除 taken (added back for the 軽減 judgement).
    #[serde(default)]
    pub special_deduction: i64,
    /// 固定資産税額 (資産割).
    #[serde(default)]
    pub fixed_asset_tax: i64,
}

impl From<IncomeInput> for CalcIncome {
    fn from(i: IncomeInput) -> CalcIncome {
        CalcIncome {
            salary_revenue: i.salary_revenue,
            pension_revenue: i.pension_revenue,
            other_income: i.other_income,
            separate_gains: i.separate_gains,
            special_deduction: i.special_deduction,
            fixed_asset_tax: i.fixed_asset_tax,
            family_employee_salary_paid: 0,
        }
    }
}

impl From<MemberInput> for CalcMember {
    fn from(m: MemberInput) -> CalcMember {
        CalcMember {
            id: m.id,
            birth_date: m.birth_date,
            status: m.status,
            householder: m.householder,
            acquired: m.acquired,
            lost: m.lost,
            income: m.income.into(),
            involuntary_unemployed: m.involuntary_unemployed,
            income_declared: m.income_declared,
            perinatal: m.perinatal,
            former_dependant_since: None,
            same_month_insured_elsewhere: false,
            income_adjustment_dependants: false,
            family_employee: false,
        }
    }
}

impl From<PremiumRequest> for CalcRequest {
    fn from(r: PremiumRequest) -> CalcRequest {
        CalcRequest {
            fiscal_year: r.fiscal_year,
            municipality: r.municipality,
            rates: r.rates,
            specified_household: r.specified_household,
            members: r.members.into_iter().map(CalcMember::from).collect(),
            assessed_on: None,
            correction: None,
        }
    }
}

impl PremiumRequest {
    /// The fiscal year: the override if given, else the request's.
    pub fn fiscal_year(&self, override_year: Option<i32>) -> Result<i32, Error> {
        CalcRequest::from(self.clone()).fiscal_year(override_year)
    }

    /// Validates the members into a [`Household`] for `fiscal_year`.
    pub fn household(&self, fiscal_year: i32) -> Result<Household, Error> {
        CalcRequest::from(self.clone()).household(fiscal_year)
    }
}

/// One part in a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartResponse {
    /// Whether the part is levied.
    pub levied: bool,
    /// 所得割.
    pub income_levy: Yen,
    /// 資産割.
    pub asset_levy: Yen,
    /// 均等割.
    pub per_capita_levy: Yen,
    /// 平等割.
    pub per_household_levy: Yen,
    /// 法定軽減 amount.
    pub legal_reduction: Yen,
    /// 旧被扶養者減免 amount (present only when not zero).
    #[serde(skip_serializing_if = "is_zero")]
    pub former_dependant_reduction: Yen,
    /// Before the cap and rounding.
    pub before_cap: Yen,
    /// Whether the cap applied.
    pub capped: bool,
    /// The part's annual amount.
    pub amount: Yen,
}

/// The oracle's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PremiumResponse {
    /// The fiscal year.
    pub fiscal_year: i32,
    /// The municipality id.
    pub municipality: String,
    /// 法定軽減 level: `none`, `2割`, `5割`, `7割`.
    pub reduction: Reduction,
    /// 軽減判定所得.
    pub judgement_income: Yen,
    /// 医療分.
    pub medical: PartResponse,
    /// 支援分.
    pub support: PartResponse,
    /// 介護分.
    pub care: PartResponse,
    /// 子ども・子育て支援納付金分.
    pub child: PartResponse,
    /// The annual premium.
    pub total: Yen,
    /// 期割: the installments.
    pub installments: Vec<Yen>,
    /// Warnings about the parameters (unverified figures, missing parts).
    pub warnings: Vec<String>,
    /// The derivation, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derivation: Option<Derivation>,
    /// 更正, when the request has a `correction`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<CorrectionResponse>,
}

/// The 更正 part of a response: the corrected assessment and the new 期割.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CorrectionResponse {
    /// 減額更正 / 増額更正 / 変更なし.
    pub kind: super::revision::CorrectionKind,
    /// The annual premium after the correction − before.
    pub difference: Yen,
    /// The installments already due (unchanged).
    pub installments_due: usize,
    /// The installments after the 更正.
    pub installments: Vec<Yen>,
    /// Paid beyond the corrected amount by the installments already due (還付・充当).
    pub overpaid: Yen,
    /// The corrected assessment (its own `installments` are a fresh 期割, for reference).
    pub assessment: Box<PremiumResponse>,
}

impl PremiumResponse {
    /// Builds the response from an assessment.
    pub fn new(a: &Assessment, params: &Params, derivation: Option<Derivation>) -> PremiumResponse {
        let part = |p: Part| {
            let x = a.part(p);
            PartResponse {
                levied: x.levied,
                income_levy: x.income_levy,
                asset_levy: x.asset_levy,
                per_capita_levy: x.per_capita_levy,
                per_household_levy: x.per_household_levy,
                legal_reduction: x.legal_reduction,
                former_dependant_reduction: x.former_dependant_reduction,
                before_cap: x.before_cap,
                capped: x.capped,
                amount: x.amount,
            }
        };
        PremiumResponse {
            fiscal_year: a.fiscal_year.0,
            municipality: params.municipality.clone(),
            reduction: a.reduction,
            judgement_income: a.judgement_income,
            medical: part(Part::Medical),
            support: part(Part::Support),
            care: part(Part::Care),
            child: part(Part::Child),
            total: a.total,
            installments: installments(a.total, params.installments, params.rounding),
            warnings: params.warnings.clone(),
            derivation,
            correction: None,
        }
    }
}
