//! `nhikit calc high-cost` and `nhikit calc copay`: the benefits oracle on JSON input.
//!
//! Input and output formats: `docs/oracle.md` (sections 高額療養費 and 負担割合). The JSON result
//! goes to stdout; with `--explain` it carries the derivation, and the derivation in words goes
//! to stderr.

use anyhow::Context;
use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use nhikit_rules::benefit::BenefitRules;
use nhikit_rules::copay::{self, CopayCategory, CopayRatio, KoureiIncome};
use nhikit_rules::eligibility;
use nhikit_rules::explain::Derivation;
use nhikit_rules::high_cost::{
    self, AgeGroup, Claim, HighCostTables, MonthOptions, Setting, SpecifiedDisease,
};
use nhikit_target::HighCostRequest;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

/// `calc high-cost` input: one household's service month.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HighCostInput {
    /// `YYYY-MM`.
    service_month: String,
    #[serde(default)]
    under70_category: Option<String>,
    #[serde(default)]
    under70_income: Option<Under70Income>,
    #[serde(default)]
    over70_category: Option<String>,
    #[serde(default)]
    many_times: bool,
    #[serde(default)]
    turning_75: Vec<String>,
    claims: Vec<ClaimInput>,
}

/// One claim of the input: the library's [`Claim`] plus its 特定疾病, if any.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimInput {
    person: String,
    age_group: AgeGroup,
    setting: Setting,
    medical_cost: Yen,
    copay: Yen,
    /// `人工透析`, `血友病` or `HIV`: the claim is under a 特定疾病療養受療証.
    #[serde(default)]
    specified_disease: Option<SpecifiedDisease>,
}

/// `calc annual` input: one August–July period.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnualInput {
    /// `outpatient` (70–74 外来 年間上限) or `household` (the 年間上限 from 2026-08).
    kind: AnnualKindInput,
    /// The year of the July that ends the period (2026 for 2025-08 … 2026-07).
    period_end_july_year: i32,
    /// `under70` or `70to74` (for `household`; `outpatient` is 70–74 only).
    #[serde(default)]
    age_group: Option<AgeGroup>,
    /// The 区分 on July 31 (the base date).
    category: String,
    /// The burdens after the monthly 高額療養費, one per month (at most 12).
    monthly_burdens: Vec<Yen>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum AnnualKindInput {
    Outpatient,
    Household,
}

/// `calc annual` output.
#[derive(Serialize)]
struct AnnualOutput<'a> {
    kind: &'static str,
    total_burden: Yen,
    refund: Yen,
    #[serde(skip_serializing_if = "Option::is_none")]
    derivation: Option<&'a Derivation>,
}

/// The household facts that decide the under-70 区分 when it is not given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Under70Income {
    kyu_tadashigaki_total: Yen,
    #[serde(default)]
    hikazei: bool,
    #[serde(default)]
    mishinkoku: bool,
}

/// `calc benefit` input: one 出産育児一時金 or 葬祭費 claim.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum BenefitInput {
    /// 出産育児一時金.
    Childbirth {
        /// `YYYY-MM-DD`.
        birth_date: String,
        /// Covered by 産科医療補償制度 (a member facility, 22 weeks or more).
        compensation_scheme: bool,
        /// Children born (多胎: 2 or more).
        #[serde(default = "one")]
        children: i64,
    },
    /// 葬祭費.
    Funeral {
        /// 全国地方公共団体コード of the insurer.
        lgcode: String,
    },
}

fn one() -> i64 {
    1
}

/// `calc benefit` output.
#[derive(Serialize)]
struct BenefitOutput {
    kind: &'static str,
    amount: Yen,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_child: Option<Yen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme_premium: Option<Yen>,
    source: String,
}

/// `calc copay` input: one person on one service date.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CopayInput {
    /// `YYYY-MM-DD`.
    birth_date: String,
    /// `YYYY-MM-DD`.
    service_date: String,
    #[serde(default)]
    income: KoureiIncome,
}

/// `calc high-cost` output: the library result, the derivation only with `--explain`.
#[derive(Serialize)]
struct HighCostOutput<'a> {
    table: &'a str,
    confirmed: bool,
    excluded_claims: &'a [usize],
    #[serde(skip_serializing_if = "no_steps")]
    specified_disease: &'a [high_cost::SpecifiedDiseaseStep],
    outpatient: &'a [high_cost::OutpatientStep],
    turning_75: &'a [high_cost::OutpatientStep],
    kourei_limit: Option<Yen>,
    kourei_refund: Yen,
    household_limit: Option<Yen>,
    household_refund: Yen,
    refund: Yen,
    total_copay: Yen,
    burden: Yen,
    #[serde(skip_serializing_if = "Option::is_none")]
    derivation: Option<&'a Derivation>,
}

fn no_steps(steps: &&[high_cost::SpecifiedDiseaseStep]) -> bool {
    steps.is_empty()
}

/// `calc copay` output.
#[derive(Serialize)]
struct CopayOutput {
    ratio: Option<CopayRatio>,
    percent: Option<u32>,
    category: CopayCategory,
    age: u32,
    mishugaku_until: String,
    kourei_jukyusha_start: String,
    koki_koreisha_date: String,
    income_year: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    derivation: Option<Derivation>,
}

fn read_json<T: for<'de> Deserialize<'de>>(input: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", input.display()))
}

fn parse_date(text: &str, item: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("input item `{item}`: expected a date YYYY-MM-DD, got {text:?}"))
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value).context("writing the result as JSON")?;
    crate::out::print(&format!("{text}\n"))?;
    Ok(())
}

/// Runs `nhikit calc high-cost`: reads one household month, prints the 高額療養費 result.
pub fn calc_high_cost(input: &Path, explain: bool) -> anyhow::Result<ExitCode> {
    let raw: HighCostInput = read_json(input)?;
    let under70_category = match (raw.under70_category, raw.under70_income) {
        (Some(_), Some(_)) => anyhow::bail!(
            "input item `under70_income`: give either `under70_category` or `under70_income`, not both"
        ),
        (Some(code), None) => Some(code),
        (None, Some(inc)) => Some(
            high_cost::under70_category(inc.kyu_tadashigaki_total, inc.hikazei, inc.mishinkoku)
                .to_owned(),
        ),
        (None, None) => None,
    };
    let tables = HighCostTables::embedded().context("loading the embedded 高額療養費 tables")?;
    let mut options = MonthOptions::default();
    let mut claims = Vec::with_capacity(raw.claims.len());
    for (i, c) in raw.claims.into_iter().enumerate() {
        if let Some(disease) = c.specified_disease {
            options.specified_disease.push((i, disease));
        }
        claims.push(Claim {
            person: c.person,
            age_group: c.age_group,
            setting: c.setting,
            medical_cost: c.medical_cost,
            copay: c.copay,
        });
    }
    // The target's request is the oracle's input less the CLI's extensions (`under70_income`,
    // `specified_disease`): one conversion to the oracle's month, shared with the targets.
    let month = HighCostRequest {
        service_month: raw.service_month,
        under70_category,
        over70_category: raw.over70_category,
        many_times: raw.many_times,
        turning_75: raw.turning_75,
        claims,
    }
    .household_month()
    .map_err(|e| {
        anyhow::anyhow!(
            "input item `{}`: {}",
            e.item.as_deref().unwrap_or("service_month"),
            e.message
        )
    })?;
    let service_month = month.service_month;
    let result = high_cost::compute_month_ext(&tables, &month, &options, explain)
        .with_context(|| format!("computing 高額療養費 for {}", input.display()))?;
    if explain {
        crate::out::errprint!("{}", high_cost::statement(&result, service_month));
        crate::out::errprint!("{}", result.derivation.to_text());
    }
    print_json(&HighCostOutput {
        table: &result.table,
        confirmed: result.confirmed,
        excluded_claims: &result.excluded_claims,
        specified_disease: &result.specified_disease,
        outpatient: &result.outpatient,
        turning_75: &result.turning_75,
        kourei_limit: result.kourei_limit,
        kourei_refund: result.kourei_refund,
        household_limit: result.household_limit,
        household_refund: result.household_refund,
        refund: result.refund,
        total_copay: result.total_copay,
        burden: result.burden,
        derivation: explain.then_some(&result.derivation),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `nhikit calc annual`: one August–July period's annual 高額療養費 (70–74 外来 年間上限,
/// or the 年間上限 from 2026-08).
pub fn calc_annual(input: &Path, explain: bool) -> anyhow::Result<ExitCode> {
    let raw: AnnualInput = read_json(input)?;
    let tables = HighCostTables::embedded().context("loading the embedded 高額療養費 tables")?;
    let (kind, result) = match raw.kind {
        AnnualKindInput::Outpatient => {
            if raw.age_group == Some(AgeGroup::Under70) {
                anyhow::bail!(
                    "input item `age_group`: the 外来 年間上限 exists only for 70to74 (高齢受給者)"
                );
            }
            (
                "outpatient",
                high_cost::annual_outpatient_refund(
                    &tables,
                    raw.period_end_july_year,
                    &raw.category,
                    &raw.monthly_burdens,
                ),
            )
        }
        AnnualKindInput::Household => {
            let age = raw.age_group.ok_or_else(|| {
                anyhow::anyhow!("input item `age_group`: required for kind `household`")
            })?;
            (
                "household",
                high_cost::annual_household_refund(
                    &tables,
                    raw.period_end_july_year,
                    age,
                    &raw.category,
                    &raw.monthly_burdens,
                ),
            )
        }
    };
    let (refund, derivation) =
        result.with_context(|| format!("computing the annual limit for {}", input.display()))?;
    if explain {
        crate::out::errprint!("{}", derivation.to_text());
    }
    print_json(&AnnualOutput {
        kind,
        total_burden: raw.monthly_burdens.iter().copied().sum(),
        refund,
        derivation: explain.then_some(&derivation),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `nhikit calc benefit`: the 出産育児一時金 or 葬祭費 of one claim, from
/// `schemas/rules/benefit/` (the same tables the generator and the validator read).
pub fn calc_benefit_amount(input: &Path, explain: bool) -> anyhow::Result<ExitCode> {
    let raw: BenefitInput = read_json(input)?;
    let rules = BenefitRules::builtin().context("loading the embedded benefit tables")?;
    let out = match raw {
        BenefitInput::Childbirth {
            birth_date,
            compensation_scheme,
            children,
        } => {
            let birth = parse_date(&birth_date, "birth_date")?;
            if !(1..=10).contains(&children) {
                anyhow::bail!("input item `children`: expected 1–10, got {children}");
            }
            let period = rules.childbirth.period(birth)?;
            let per_child = rules.childbirth.per_child(birth, compensation_scheme)?;
            BenefitOutput {
                kind: "childbirth",
                amount: Yen(per_child.0 * children),
                per_child: Some(per_child),
                scheme_premium: Some(if compensation_scheme {
                    period.scheme_premium
                } else {
                    Yen::ZERO
                }),
                source: period.source.clone(),
            }
        }
        BenefitInput::Funeral { lgcode } => {
            nhikit_core::id::LgCode::from_str(&lgcode).map_err(|e| {
                anyhow::anyhow!("input item `lgcode`: {lgcode:?} is not a 地方公共団体コード: {e}")
            })?;
            let f = &rules.funeral;
            let source = lgcode
                .get(..5)
                .and_then(|c| c.parse::<u32>().ok())
                .and_then(|c| {
                    f.municipal
                        .iter()
                        .find(|m| (m.code_from..=m.code_to).contains(&c))
                })
                .map_or_else(
                    || "schemas/rules/benefit/funeral.toml `default`".to_owned(),
                    |m| format!("{}: {}", m.name, m.source),
                );
            BenefitOutput {
                kind: "funeral",
                amount: f.amount(&lgcode),
                per_child: None,
                scheme_premium: None,
                source,
            }
        }
    };
    if explain {
        crate::out::errln!("{}: {} ({})", out.kind, out.amount.0, out.source);
    }
    print_json(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `nhikit calc copay`: reads one person and service date, prints the 負担割合.
pub fn calc_copay(input: &Path, explain: bool) -> anyhow::Result<ExitCode> {
    let raw: CopayInput = read_json(input)?;
    let birth = parse_date(&raw.birth_date, "birth_date")?;
    let on = parse_date(&raw.service_date, "service_date")?;
    let result = copay::copay_ratio_with(birth, on, &raw.income, explain)
        .with_context(|| format!("computing 負担割合 for {}", input.display()))?;
    let out = CopayOutput {
        ratio: result.ratio,
        percent: result.ratio.map(CopayRatio::percent),
        category: result.category,
        age: result.age,
        mishugaku_until: eligibility::mishugaku_until(birth)?.to_string(),
        kourei_jukyusha_start: eligibility::kourei_jukyusha_start(birth)?.to_string(),
        koki_koreisha_date: eligibility::koki_koreisha_date(birth)?.to_string(),
        income_year: copay::income_year_for(on),
        derivation: explain.then(|| result.derivation.clone()),
    };
    if explain {
        crate::out::errprint!("{}", result.derivation.to_text());
    }
    print_json(&out)?;
    Ok(ExitCode::SUCCESS)
}
