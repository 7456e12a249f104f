//! Premium parameters as data: national figures per fiscal year and municipal rates.
//!
//! Both come from TOML text (the shipped files under `schemas/rules/` are embedded with
//! `include_str!`, so the oracle needs no file on disk) and are resolved once into
//! [`Params`], a struct of integers that the hot path reads without allocating.
//!
//! Rates are integers in **ppm** (parts per million of the base): 所得割率 7.38% is
//! `73_800`, 資産割率 18% is `180_000`. In files they are written as percent strings
//! (`income_rate = "7.38%"`, up to four decimals) and converted exactly.

use crate::error::Error;
use nhikit_core::Yen;
use nhikit_core::date::FiscalYear;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A rate in parts per million (1% = 10,000 ppm), parsed exactly from a percent string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rate(i64);

impl Rate {
    /// The zero rate.
    pub const ZERO: Rate = Rate(0);

    /// A rate from parts per million; `None` if negative or above 100%.
    pub const fn from_ppm(ppm: i64) -> Option<Rate> {
        if ppm < 0 || ppm > 1_000_000 {
            None
        } else {
            Some(Rate(ppm))
        }
    }

    /// Parts per million of the base.
    pub const fn ppm(self) -> i64 {
        self.0
    }
}

impl TryFrom<String> for Rate {
    type Error = String;
    fn try_from(s: String) -> Result<Rate, String> {
        s.parse()
    }
}

impl From<Rate> for String {
    fn from(r: Rate) -> String {
        r.to_string()
    }
}

impl std::str::FromStr for Rate {
    type Err = String;
    /// Parses `"7.38%"` (at most four decimals, 0–100%).
    fn from_str(s: &str) -> Result<Rate, String> {
        let bad =
            || format!("`{s}` is not a percent rate like \"7.38%\" (at most 4 decimals, 0–100%)");
        let body = s.trim().strip_suffix('%').ok_or_else(bad)?;
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() || frac.len() > 4 || !int.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let int: i64 = int.parse().map_err(|_| bad())?;
        let mut frac_ppm: i64 = 0;
        for (i, b) in frac.bytes().enumerate() {
            frac_ppm += i64::from(b - b'0') * 10i64.pow(3 - i as u32);
        }
        let ppm = int
            .checked_mul(10_000)
            .and_then(|v| v.checked_add(frac_ppm))
            .ok_or_else(bad)?;
        Rate::from_ppm(ppm).ok_or_else(bad)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let int = self.0 / 10_000;
        let frac = self.0 % 10_000;
        if frac == 0 {
            write!(f, "{int}%")
        } else {
            let s = format!("{frac:04}");
            write!(f, "{int}.{}%", s.trim_end_matches('0'))
        }
    }
}

/// The four parts (区分) of the premium, each computed, rounded and capped on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 基礎課税額 (医療分).
    Medical,
    /// 後期高齢者支援金等課税額 (支援分).
    Support,
    /// 介護納付金課税額 (介護分): insured persons aged 40–64 only.
    Care,
    /// 子ども・子育て支援納付金課税額 (from FY2026).
    Child,
}

impl Part {
    /// All parts in their conventional order.
    pub const ALL: [Part; 4] = [Part::Medical, Part::Support, Part::Care, Part::Child];

    /// Index into per-part arrays.
    pub const fn index(self) -> usize {
        match self {
            Part::Medical => 0,
            Part::Support => 1,
            Part::Care => 2,
            Part::Child => 3,
        }
    }

    /// The Japanese name.
    pub const fn name_ja(self) -> &'static str {
        match self {
            Part::Medical => "医療分",
            Part::Support => "後期高齢者支援金等分",
            Part::Care => "介護納付金分",
            Part::Child => "子ども・子育て支援納付金分",
        }
    }

    /// The key used in files and JSON.
    pub const fn key(self) -> &'static str {
        match self {
            Part::Medical => "medical",
            Part::Support => "support",
            Part::Care => "care",
            Part::Child => "child",
        }
    }
}

/// Which salary deduction table (給与所得控除) converts 給与収入 to 給与所得.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SalaryDeductionTable {
    /// 平成29年分〜令和元年分: minimum 65万, 10万 more deduction per bracket, cap 220万.
    H29,
    /// 令和2年分〜令和6年分: minimum 55万.
    R2,
    /// 令和7年分以降: minimum 65万.
    R7,
}

/// Which 公的年金等控除 table converts 公的年金等収入 to 所得.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PensionDeductionTable {
    /// 平成17年分〜令和元年分: minimum 120万 (65+) / 70万 (under 65), no adjustment for other
    /// income.
    H17,
    /// 令和2年分以降: minimum 110万 / 60万, lowered by 10万/20万 when other income exceeds
    /// 1,000万/2,000万.
    #[default]
    R2,
}

// ---------------------------------------------------------------------------------------------
// National parameters (file shape)

/// 賦課限度額 per part (national maxima), whole yen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// 医療分.
    pub medical: Yen,
    /// 支援分.
    pub support: Yen,
    /// 介護分.
    pub care: Yen,
    /// 子ども・子育て支援納付金分 (FY2026 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<Yen>,
}

/// 基礎控除 tiers: `[合計所得金額 up to, deduction]`, ascending; above the last, 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicDeduction {
    /// `[limit, deduction]` pairs in yen.
    pub tiers: Vec<[i64; 2]>,
}

impl BasicDeduction {
    /// The deduction for a 合計所得金額 `total_income`: that of the first tier whose limit it
    /// does not exceed, 0 above the last.
    pub fn for_total(&self, total_income: i64) -> i64 {
        tier_deduction(&self.tiers, total_income)
    }
}

/// 法定軽減 (7割/5割/2割) judgement parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReductionRule {
    /// 43万: the 7割 base.
    pub base: Yen,
    /// 10万 per 給与所得者等 beyond the first.
    pub per_earner: Yen,
    /// 5割: amount per (被保険者 + 特定同一世帯所属者).
    pub fifty_per_person: Yen,
    /// 2割: amount per (被保険者 + 特定同一世帯所属者).
    pub twenty_per_person: Yen,
    /// 給与所得者等: 給与収入 above this.
    pub salary_earner_threshold: Yen,
    /// 給与所得者等: 公的年金等収入 above this, under 65.
    pub pension_earner_threshold_under_65: Yen,
    /// 給与所得者等: 公的年金等収入 above this, 65 and over.
    pub pension_earner_threshold_65_plus: Yen,
    /// The further deduction from 65+ public pension income for the judgement (15万).
    pub elderly_pension_deduction: Yen,
}

/// Special rules switched on per fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialRules {
    /// 非自発的失業者: percent of 給与所得 counted (30).
    pub involuntary_unemployed_salary_percent: i64,
    /// 未就学児: half of the (post-軽減) 均等割 is reduced.
    pub preschool_per_capita_half: bool,
    /// 産前産後 exemption applies to tax months from this month (`"YYYY-MM"`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perinatal_from: Option<String>,
    /// 子ども・子育て支援納付金分: 均等割 exempt up to the March 31 after the 18th birthday.
    pub child_levy_minor_exempt: bool,
}

/// National parameters of one fiscal year, as written in `schemas/rules/national/fyYYYY.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NationalParams {
    /// The fiscal year (年度).
    pub fiscal_year: i32,
    /// The income year the premium is levied on (前年).
    pub income_year: i32,
    /// The 給与所得控除 table for that income year.
    pub salary_deduction_table: SalaryDeductionTable,
    /// The 公的年金等控除 table for that income year (default: 令和2年分以降).
    #[serde(default)]
    pub pension_deduction_table: PensionDeductionTable,
    /// Items no public source confirmed; reported as warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<String>,
    /// 賦課限度額.
    pub caps: Caps,
    /// 基礎控除.
    pub basic_deduction: BasicDeduction,
    /// 法定軽減.
    pub reduction: ReductionRule,
    /// Special rules.
    pub special: SpecialRules,
}

impl NationalParams {
    /// Parses national parameters from TOML text; errors name `source`, the line and the item.
    pub fn from_toml_str(text: &str, source: &str) -> Result<NationalParams, Error> {
        let p: NationalParams = toml::from_str(text).map_err(|e| toml_error(e, text, source))?;
        p.validate(source)?;
        Ok(p)
    }

    /// 基礎控除 (住民税) for a 合計所得金額 `total_income` of the income year: the deduction of
    /// the first tier whose limit it does not exceed, 0 above the last.
    pub fn basic_deduction_for(&self, total_income: i64) -> i64 {
        self.basic_deduction.for_total(total_income)
    }

    fn validate(&self, source: &str) -> Result<(), Error> {
        let err = |item: &str, reason: String| Error::Params {
            source_name: source.to_string(),
            line: None,
            item: item.to_string(),
            reason,
        };
        if self.income_year != self.fiscal_year - 1 {
            return Err(err("income_year", "must be fiscal_year − 1".into()));
        }
        for (item, v) in [
            ("caps.medical", self.caps.medical),
            ("caps.support", self.caps.support),
            ("caps.care", self.caps.care),
            ("reduction.base", self.reduction.base),
            ("reduction.per_earner", self.reduction.per_earner),
            (
                "reduction.fifty_per_person",
                self.reduction.fifty_per_person,
            ),
            (
                "reduction.twenty_per_person",
                self.reduction.twenty_per_person,
            ),
            (
                "reduction.elderly_pension_deduction",
                self.reduction.elderly_pension_deduction,
            ),
        ] {
            if v.0 < 0 {
                return Err(err(item, format!("must be ≥ 0, got {}", v.0)));
            }
        }
        let mut prev = i64::MIN;
        for (i, [limit, ded]) in self.basic_deduction.tiers.iter().enumerate() {
            if *limit <= prev || *ded < 0 {
                return Err(err(
                    &format!("basic_deduction.tiers[{i}]"),
                    "limits must ascend and deductions be ≥ 0".into(),
                ));
            }
            prev = *limit;
        }
        if !(0..=100).contains(&self.special.involuntary_unemployed_salary_percent) {
            return Err(err(
                "special.involuntary_unemployed_salary_percent",
                "must be 0–100".into(),
            ));
        }
        if let Some(m) = &self.special.perinatal_from {
            parse_year_month(m)
                .ok_or_else(|| err("special.perinatal_from", format!("`{m}` is not YYYY-MM")))?;
        }
        Ok(())
    }
}

/// Parses `"YYYY-MM"` into a month number `year * 12 + (month − 1)`.
pub(crate) fn parse_year_month(s: &str) -> Option<i32> {
    let (y, m) = s.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if !(1..=12).contains(&m) {
        return None;
    }
    Some(y * 12 + m - 1)
}

// ---------------------------------------------------------------------------------------------
// Municipal rates (file shape)

/// Whether the municipality levies a tax (国民健康保険税) or a premium (国民健康保険料).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Levy {
    /// 国民健康保険税.
    #[default]
    Tax,
    /// 国民健康保険料.
    Premium,
}

/// The rates of one part in one municipality. Absent amounts are 0 (2- and 3-方式).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartRates {
    /// 所得割率 on 旧ただし書き所得.
    #[serde(default)]
    pub income_rate: Rate,
    /// 資産割率 on 固定資産税額 (4方式 only).
    #[serde(default)]
    pub asset_rate: Rate,
    /// 均等割額 per insured person.
    #[serde(default)]
    pub per_capita: Yen,
    /// 18歳以上 均等割 add-on per insured person not exempt as a minor (子ども分, e.g. 朝霞市).
    #[serde(default)]
    pub adult_per_capita: Yen,
    /// 平等割額 per household.
    #[serde(default)]
    pub per_household: Yen,
    /// A municipal cap lower than the national one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Yen>,
}

/// 独自減免: a municipal exemption of the 均等割 of young insured persons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinorPerCapitaExemption {
    /// Insured persons up to the March 31 after reaching this age (18 for "18歳まで").
    pub up_to_age: u32,
    /// Percent of the 均等割 exempted (100 = 全額).
    pub percent: i64,
    /// The parts it applies to.
    pub parts: Vec<Part>,
}

/// Optional municipal rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalOptions {
    /// 独自減免 of the 均等割 for young insured persons (e.g. 山元町 18歳まで 均等割 免除).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_per_capita_exemption: Option<MinorPerCapitaExemption>,
}

/// A municipality's rates for one fiscal year, as in `schemas/rules/municipal/<id>-fyYYYY.toml`
/// or inline in an oracle request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalRates {
    /// Short identifier used to look the rates up (e.g. `natori`).
    pub id: String,
    /// The municipality's name.
    #[serde(default)]
    pub name: String,
    /// 全国地方公共団体コード, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The fiscal year.
    pub fiscal_year: i32,
    /// 保険税 or 保険料.
    #[serde(default)]
    pub levy: Levy,
    /// Where the figures come from.
    #[serde(default)]
    pub source: String,
    /// Rounding unit applied to each part's annual amount (100 = 100円未満切捨て).
    #[serde(default = "default_rounding")]
    pub rounding: i64,
    /// Number of installments (期割).
    #[serde(default = "default_installments")]
    pub installments: u32,
    /// 医療分 rates.
    pub medical: PartRates,
    /// 支援分 rates.
    pub support: PartRates,
    /// 介護分 rates.
    pub care: PartRates,
    /// 子ども・子育て支援納付金分 rates (FY2026 on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<PartRates>,
    /// Optional municipal rules.
    #[serde(default)]
    pub options: MunicipalOptions,
}

fn default_rounding() -> i64 {
    100
}

fn default_installments() -> u32 {
    10
}

impl MunicipalRates {
    /// Parses municipal rates from TOML text; errors name `source`, the line and the item.
    pub fn from_toml_str(text: &str, source: &str) -> Result<MunicipalRates, Error> {
        let m: MunicipalRates = toml::from_str(text).map_err(|e| toml_error(e, text, source))?;
        m.validate(source)?;
        Ok(m)
    }

    /// Checks ranges that serde cannot (negative amounts, rounding unit, installments).
    pub fn validate(&self, source: &str) -> Result<(), Error> {
        let err = |item: String, reason: String| Error::Params {
            source_name: source.to_string(),
            line: None,
            item,
            reason,
        };
        if self.id.is_empty() {
            return Err(err("id".into(), "must not be empty".into()));
        }
        if !matches!(self.rounding, 1 | 10 | 100 | 1000) {
            return Err(err(
                "rounding".into(),
                format!("must be 1, 10, 100 or 1000, got {}", self.rounding),
            ));
        }
        if !(1..=12).contains(&self.installments) {
            return Err(err("installments".into(), "must be 1–12".into()));
        }
        for part in Part::ALL {
            let Some(r) = self.part(part) else { continue };
            for (name, v) in [
                ("per_capita", r.per_capita),
                ("adult_per_capita", r.adult_per_capita),
                ("per_household", r.per_household),
                ("cap", r.cap.unwrap_or(Yen::ZERO)),
            ] {
                if v.0 < 0 {
                    return Err(err(
                        format!("{}.{name}", part.key()),
                        format!("must be ≥ 0, got {}", v.0),
                    ));
                }
            }
        }
        if let Some(x) = &self.options.minor_per_capita_exemption
            && !(0..=100).contains(&x.percent)
        {
            return Err(err(
                "options.minor_per_capita_exemption.percent".into(),
                "must be 0–100".into(),
            ));
        }
        Ok(())
    }

    /// The rates of one part, if levied.
    pub fn part(&self, part: Part) -> Option<&PartRates> {
        match part {
            Part::Medical => Some(&self.medical),
            Part::Support => Some(&self.support),
            Part::Care => Some(&self.care),
            Part::Child => self.child.as_ref(),
        }
    }
}

fn toml_error(e: toml::de::Error, text: &str, source: &str) -> Error {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let item = e
        .span()
        .and_then(|s| text.get(s))
        .map(|t| t.lines().next().unwrap_or("").trim().to_string())
        .unwrap_or_default();
    Error::Params {
        source_name: source.to_string(),
        line,
        item,
        reason: e.message().trim().to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Resolved parameters

/// One part's resolved integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResolvedPart {
    /// Whether the part is levied at all.
    pub levied: bool,
    /// 所得割率, ppm.
    pub income_ppm: i64,
    /// 資産割率, ppm.
    pub asset_ppm: i64,
    /// 均等割額.
    pub per_capita: i64,
    /// 18歳以上 均等割 add-on.
    pub adult_per_capita: i64,
    /// 平等割額.
    pub per_household: i64,
    /// Effective cap (the lower of the national and municipal caps).
    pub cap: i64,
    /// Whether the national 18歳 exemption of the 均等割 applies to this part.
    pub minor_exempt: bool,
    /// Municipal 独自減免 percent of the 均等割 for young persons (0 = none).
    pub local_minor_percent: i64,
    /// Whether 特定世帯 / 特定継続世帯 reductions of the 平等割 apply to this part.
    pub specified_household_applies: bool,
    /// Whether the 未就学児 halving applies to this part.
    pub preschool_applies: bool,
}

/// National and municipal parameters of one (municipality, fiscal year), resolved into integers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// The income year (前年).
    pub income_year: i32,
    /// 給与所得控除 table.
    pub salary_table: SalaryDeductionTable,
    /// 公的年金等控除 table.
    pub pension_table: PensionDeductionTable,
    /// 基礎控除 tiers (`[limit, deduction]`), up to four.
    pub basic_deduction: [[i64; 2]; 4],
    /// Number of tiers used.
    pub basic_deduction_len: usize,
    /// 軽減: 7割 base.
    pub reduction_base: i64,
    /// 軽減: per 給与所得者等 beyond the first.
    pub reduction_per_earner: i64,
    /// 軽減: 5割 per person.
    pub reduction_fifty: i64,
    /// 軽減: 2割 per person.
    pub reduction_twenty: i64,
    /// 給与所得者等 salary threshold.
    pub salary_earner_threshold: i64,
    /// 給与所得者等 pension threshold, under 65.
    pub pension_threshold_under_65: i64,
    /// 給与所得者等 pension threshold, 65+.
    pub pension_threshold_65_plus: i64,
    /// 65+ pension deduction for the judgement.
    pub elderly_pension_deduction: i64,
    /// 非自発的失業者 percent.
    pub unemployed_percent: i64,
    /// 産前産後 from this month number (`year*12 + month−1`), if the rule exists.
    pub perinatal_from: Option<i32>,
    /// The age of the municipal 独自減免, if any.
    pub local_minor_age: Option<u32>,
    /// Per part, indexed by [`Part::index`].
    pub parts: [ResolvedPart; 4],
    /// Rounding unit per part.
    pub rounding: i64,
    /// Installments (期数).
    pub installments: u32,
    /// Municipality id.
    pub municipality: String,
    /// Where the figures come from (national file name and municipal source).
    pub sources: String,
    /// Warnings: unverified national figures, missing parts.
    pub warnings: Vec<String>,
}

impl Params {
    /// Resolves national parameters and municipal rates of the same fiscal year.
    pub fn resolve(national: &NationalParams, municipal: &MunicipalRates) -> Result<Params, Error> {
        if national.fiscal_year != municipal.fiscal_year {
            return Err(Error::Params {
                source_name: municipal.id.clone(),
                line: None,
                item: "fiscal_year".into(),
                reason: format!(
                    "municipal rates are for FY{}, national parameters for FY{}",
                    municipal.fiscal_year, national.fiscal_year
                ),
            });
        }
        let mut warnings: Vec<String> = national
            .unverified
            .iter()
            .map(|i| {
                format!(
                    "national FY{} `{i}` is not confirmed by a public source",
                    national.fiscal_year
                )
            })
            .collect();
        let mut basic = [[0i64; 2]; 4];
        let n = national.basic_deduction.tiers.len().min(4);
        basic[..n].copy_from_slice(&national.basic_deduction.tiers[..n]);
        let local = municipal.options.minor_per_capita_exemption.as_ref();
        let mut parts = [ResolvedPart::default(); 4];
        for part in Part::ALL {
            let national_cap = match part {
                Part::Medical => Some(national.caps.medical),
                Part::Support => Some(national.caps.support),
                Part::Care => Some(national.caps.care),
                Part::Child => national.caps.child,
            };
            let rates = municipal.part(part);
            match (national_cap, rates) {
                (None, Some(_)) => {
                    return Err(Error::Params {
                        source_name: municipal.id.clone(),
                        line: None,
                        item: part.key().into(),
                        reason: format!(
                            "FY{} has no {} (no national cap)",
                            national.fiscal_year,
                            part.name_ja()
                        ),
                    });
                }
                (Some(_), None) => warnings.push(format!(
                    "{} FY{} has no {} rates: that part is not levied",
                    municipal.id,
                    municipal.fiscal_year,
                    part.name_ja()
                )),
                _ => {}
            }
            let (Some(ncap), Some(r)) = (national_cap, rates) else {
                continue;
            };
            let cap = r.cap.map_or(ncap, |c| c.min(ncap));
            parts[part.index()] = ResolvedPart {
                levied: true,
                income_ppm: r.income_rate.ppm(),
                asset_ppm: r.asset_rate.ppm(),
                per_capita: r.per_capita.0,
                adult_per_capita: r.adult_per_capita.0,
                per_household: r.per_household.0,
                cap: cap.0,
                minor_exempt: part == Part::Child && national.special.child_levy_minor_exempt,
                local_minor_percent: local
                    .filter(|x| x.parts.contains(&part))
                    .map_or(0, |x| x.percent),
                specified_household_applies: matches!(part, Part::Medical | Part::Support),
                preschool_applies: national.special.preschool_per_capita_half && part != Part::Care,
            };
        }
        Ok(Params {
            fiscal_year: FiscalYear(national.fiscal_year),
            income_year: national.income_year,
            salary_table: national.salary_deduction_table,
            pension_table: national.pension_deduction_table,
            basic_deduction: basic,
            basic_deduction_len: n,
            reduction_base: national.reduction.base.0,
            reduction_per_earner: national.reduction.per_earner.0,
            reduction_fifty: national.reduction.fifty_per_person.0,
            reduction_twenty: national.reduction.twenty_per_person.0,
            salary_earner_threshold: national.reduction.salary_earner_threshold.0,
            pension_threshold_under_65: national.reduction.pension_earner_threshold_under_65.0,
            pension_threshold_65_plus: national.reduction.pension_earner_threshold_65_plus.0,
            elderly_pension_deduction: national.reduction.elderly_pension_deduction.0,
            unemployed_percent: national.special.involuntary_unemployed_salary_percent,
            perinatal_from: national
                .special
                .perinatal_from
                .as_deref()
                .and_then(parse_year_month),
            local_minor_age: local.map(|x| x.up_to_age),
            parts,
            rounding: municipal.rounding,
            installments: municipal.installments,
            municipality: municipal.id.clone(),
            sources: format!(
                "national FY{}; {} ({})",
                national.fiscal_year, municipal.name, municipal.source
            ),
            warnings,
        })
    }

    /// Parses municipal rates from TOML text and resolves them against the built-in national
    /// parameters of their fiscal year.
    pub fn from_toml_str(text: &str, source: &str) -> Result<Params, Error> {
        let m = MunicipalRates::from_toml_str(text, source)?;
        let rules = RuleSet::builtin()?;
        let n = rules.national(m.fiscal_year)?;
        Params::resolve(n, &m)
    }

    /// 基礎控除 for a 合計所得金額.
    pub fn basic_deduction_for(&self, total_income: i64) -> i64 {
        tier_deduction(
            &self.basic_deduction[..self.basic_deduction_len],
            total_income,
        )
    }
}

/// The deduction of the first `[limit, deduction]` tier whose limit `total_income` does not
/// exceed; 0 above the last.
fn tier_deduction(tiers: &[[i64; 2]], total_income: i64) -> i64 {
    tiers
        .iter()
        .find(|[limit, _]| total_income <= *limit)
        .map_or(0, |[_, ded]| *ded)
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/// The shipped parameter files, embedded at build time.
const BUILTIN_NATIONAL: [(&str, &str); 7] = [
    (
        "schemas/rules/national/fy2020.toml",
        include_str!("../../../schemas/rules/national/fy2020.toml"),
    ),
    (
        "schemas/rules/national/fy2021.toml",
        include_str!("../../../schemas/rules/national/fy2021.toml"),
    ),
    (
        "schemas/rules/national/fy2022.toml",
        include_str!("../../../schemas/rules/national/fy2022.toml"),
    ),
    (
        "schemas/rules/national/fy2023.toml",
        include_str!("../../../schemas/rules/national/fy2023.toml"),
    ),
    (
        "schemas/rules/national/fy2024.toml",
        include_str!("../../../schemas/rules/national/fy2024.toml"),
    ),
    (
        "schemas/rules/national/fy2025.toml",
        include_str!("../../../schemas/rules/national/fy2025.toml"),
    ),
    (
        "schemas/rules/national/fy2026.toml",
        include_str!("../../../schemas/rules/national/fy2026.toml"),
    ),
];

const BUILTIN_MUNICIPAL: [(&str, &str); 10] = [
    (
        "schemas/rules/municipal/natori-fy2025.toml",
        include_str!("../../../schemas/rules/municipal/natori-fy2025.toml"),
    ),
    (
        "schemas/rules/municipal/natori-fy2026.toml",
        include_str!("../../../schemas/rules/municipal/natori-fy2026.toml"),
    ),
    (
        "schemas/rules/municipal/kumano-fy2025.toml",
        include_str!("../../../schemas/rules/municipal/kumano-fy2025.toml"),
    ),
    (
        "schemas/rules/municipal/namegawa-fy2025.toml",
        include_str!("../../../schemas/rules/municipal/namegawa-fy2025.toml"),
    ),
    (
        "schemas/rules/municipal/namegawa-fy2026.toml",
        include_str!("../../../schemas/rules/municipal/namegawa-fy2026.toml"),
    ),
    (
        "schemas/rules/municipal/rifu-fy2023.toml",
        include_str!("../../../schemas/rules/municipal/rifu-fy2023.toml"),
    ),
    (
        "schemas/rules/municipal/rifu-fy2024.toml",
        include_str!("../../../schemas/rules/municipal/rifu-fy2024.toml"),
    ),
    (
        "schemas/rules/municipal/wanouchi-fy2022.toml",
        include_str!("../../../schemas/rules/municipal/wanouchi-fy2022.toml"),
    ),
    (
        "schemas/rules/municipal/hiraizumi-fy2021.toml",
        include_str!("../../../schemas/rules/municipal/hiraizumi-fy2021.toml"),
    ),
    (
        "schemas/rules/municipal/ogaki-fy2020.toml",
        include_str!("../../../schemas/rules/municipal/ogaki-fy2020.toml"),
    ),
];

/// The shipped rate sets a municipality without a set of its own is assessed with: the first
/// of these that has the fiscal year (名取市 from FY2025, 利府町 for FY2023 and FY2024). The
/// generator and the reference target's default assignment both use it.
pub const DEFAULT_RATES: [&str; 2] = ["natori", "rifu"];

/// A catalogue of national parameters and municipal rates, keyed by fiscal year and id.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    national: Vec<NationalParams>,
    municipal: Vec<MunicipalRates>,
}

impl RuleSet {
    /// An empty catalogue.
    pub fn new() -> RuleSet {
        RuleSet::default()
    }

    /// The files shipped under `schemas/rules/` (embedded; no file is read).
    pub fn builtin() -> Result<RuleSet, Error> {
        let mut r = RuleSet::new();
        for (name, text) in BUILTIN_NATIONAL {
            r.add_national_toml(text, name)?;
        }
        for (name, text) in BUILTIN_MUNICIPAL {
            r.add_municipal_toml(text, name)?;
        }
        Ok(r)
    }

    /// Adds (or replaces) the national parameters of a fiscal year.
    pub fn add_national_toml(&mut self, text: &str, source: &str) -> Result<(), Error> {
        let p = NationalParams::from_toml_str(text, source)?;
        self.national.retain(|n| n.fiscal_year != p.fiscal_year);
        self.national.push(p);
        Ok(())
    }

    /// Adds (or replaces) a municipality's rates for a fiscal year.
    pub fn add_municipal_toml(&mut self, text: &str, source: &str) -> Result<(), Error> {
        let m = MunicipalRates::from_toml_str(text, source)?;
        self.add_municipal(m);
        Ok(())
    }

    /// Adds (or replaces) already-parsed municipal rates.
    pub fn add_municipal(&mut self, m: MunicipalRates) {
        self.municipal
            .retain(|x| !(x.id == m.id && x.fiscal_year == m.fiscal_year));
        self.municipal.push(m);
    }

    /// The fiscal years with national parameters, ascending.
    pub fn fiscal_years(&self) -> Vec<i32> {
        let mut v: Vec<i32> = self.national.iter().map(|n| n.fiscal_year).collect();
        v.sort_unstable();
        v
    }

    /// The national parameters of a fiscal year.
    pub fn national(&self, fiscal_year: i32) -> Result<&NationalParams, Error> {
        self.national
            .iter()
            .find(|n| n.fiscal_year == fiscal_year)
            .ok_or_else(|| Error::UnknownFiscalYear {
                fiscal_year,
                known: self.fiscal_years(),
            })
    }

    /// The ids of the municipal rate sets, sorted, each once.
    pub fn municipal_ids(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.municipal.iter().map(|m| m.id.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The set whose 地方公共団体コード (`code`) is `lgcode` and that has `fiscal_year`.
    pub fn own_rates(&self, lgcode: &str, fiscal_year: i32) -> Option<&str> {
        self.municipal
            .iter()
            .find(|m| m.fiscal_year == fiscal_year && m.code.as_deref() == Some(lgcode))
            .map(|m| m.id.as_str())
    }

    /// The rate set of municipality `lgcode` for `fiscal_year` when none is assigned
    /// explicitly: its own ([`RuleSet::own_rates`]), else the first of [`DEFAULT_RATES`] that
    /// has the year; `None` when neither has it.
    pub fn assigned_rates(&self, lgcode: &str, fiscal_year: i32) -> Option<&str> {
        self.own_rates(lgcode, fiscal_year).or_else(|| {
            DEFAULT_RATES.into_iter().find(|id| {
                self.municipal
                    .iter()
                    .any(|m| m.id == *id && m.fiscal_year == fiscal_year)
            })
        })
    }

    /// A municipality's rates for a fiscal year.
    pub fn municipal(&self, id: &str, fiscal_year: i32) -> Result<&MunicipalRates, Error> {
        self.municipal
            .iter()
            .find(|m| m.id == id && m.fiscal_year == fiscal_year)
            .ok_or_else(|| Error::NoRates {
                municipality: id.to_string(),
                fiscal_year,
            })
    }

    /// 基礎控除 (住民税) of income year `income_year` (the premium of fiscal year
    /// `income_year + 1` is levied on it) for a 合計所得金額 `total_income`: the figure that
    /// turns 総所得金額等 into 旧ただし書き所得. An error when no national parameters exist for
    /// that fiscal year.
    pub fn basic_deduction(&self, income_year: i32, total_income: i64) -> Result<i64, Error> {
        Ok(self
            .national(income_year + 1)?
            .basic_deduction_for(total_income))
    }

    /// Resolved parameters for (municipality, fiscal year).
    pub fn params(&self, id: &str, fiscal_year: i32) -> Result<Params, Error> {
        let n = self.national(fiscal_year)?;
        let m = self.municipal(id, fiscal_year)?;
        Params::resolve(n, m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_exactly() {
        assert_eq!("7.38%".parse::<Rate>().map(Rate::ppm), Ok(73_800));
        assert_eq!("0.3%".parse::<Rate>().map(Rate::ppm), Ok(3_000));
        assert_eq!("2.65%".parse::<Rate>().map(Rate::ppm), Ok(26_500));
        assert_eq!("18%".parse::<Rate>().map(Rate::ppm), Ok(180_000));
        assert_eq!("7.1234%".parse::<Rate>().map(Rate::ppm), Ok(71_234));
        assert!("7.12345%".parse::<Rate>().is_err());
        assert!("7.38".parse::<Rate>().is_err());
        assert!("-1%".parse::<Rate>().is_err());
        assert!("101%".parse::<Rate>().is_err());
        assert_eq!(Rate(73_800).to_string(), "7.38%");
        assert_eq!(Rate(3_000).to_string(), "0.3%");
    }

    #[test]
    fn builtin_files_load_and_resolve() {
        let r = RuleSet::builtin().unwrap();
        assert_eq!(
            r.fiscal_years(),
            vec![2020, 2021, 2022, 2023, 2024, 2025, 2026]
        );
        let p = r.params("natori", 2025).unwrap();
        assert_eq!(p.parts[Part::Medical.index()].income_ppm, 75_000);
        assert_eq!(p.parts[Part::Medical.index()].cap, 660_000);
        assert!(!p.parts[Part::Child.index()].levied);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let p26 = r.params("natori", 2026).unwrap();
        assert!(!p26.warnings.is_empty());
    }

    // 住民税 基礎控除 by income year: 33万 for 2019 income (大垣市 https://www.city.ogaki.lg.jp/0000065706.html);
    // 43万 from 2020 income, 29万 above 2,400万, 15万 above 2,450万, 0 above 2,500万 (葉山町
    // https://www.town.hayama.lg.jp/soshiki/choumin/10/2/3/1649.html).
    #[test]
    fn the_basic_deduction_follows_the_income_year() {
        let r = RuleSet::builtin().unwrap();
        assert_eq!(r.basic_deduction(2019, 3_000_000), Ok(330_000));
        assert_eq!(r.basic_deduction(2024, 3_000_000), Ok(430_000));
        assert_eq!(r.basic_deduction(2024, 24_000_000), Ok(430_000));
        assert_eq!(r.basic_deduction(2024, 24_000_001), Ok(290_000));
        assert_eq!(r.basic_deduction(2024, 24_500_001), Ok(150_000));
        assert_eq!(r.basic_deduction(2024, 25_000_001), Ok(0));
        let e = r.basic_deduction(2010, 0).unwrap_err().to_string();
        assert!(e.contains("2011"), "{e}");
    }

    #[test]
    fn errors_name_source_line_and_item() {
        let text = "id = \"x\"\nfiscal_year = 2025\n[medical]\nincome_rate = \"7.38\"\n";
        let e = MunicipalRates::from_toml_str(text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.toml:4"), "{e}");
        assert!(e.contains("7.38"), "{e}");
        let e = RuleSet::builtin()
            .unwrap()
            .params("nowhere", 2025)
            .unwrap_err()
            .to_string();
        assert!(e.contains("nowhere") && e.contains("2025"), "{e}");
        let e = RuleSet::builtin()
            .unwrap()
            .params("natori", 2019)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2019"), "{e}");
    }
}
