//! The premium (国民健康保険税/料) of one household for one fiscal year.
//!
//! Each part (医療分, 支援分, 介護分 and, from FY2026, 子ども・子育て支援納付金分) is computed,
//! rounded and capped on its own:
//!
//! - 所得割 = 所得割率 × Σ 旧ただし書き所得 (総所得金額等 − 基礎控除, floor 0) of insured members;
//! - 資産割 = 資産割率 × Σ 固定資産税額 of insured members (4方式 only);
//! - 均等割 per insured member, 平等割 per household, both reduced by 法定軽減 (7割/5割/2割),
//!   the 平等割 also by 特定世帯 (½) and 特定継続世帯 (¾) for 医療・支援, the 均等割 of a
//!   未就学児 halved after 軽減, the 子ども分 均等割 of minors exempt (FY2026), municipal
//!   独自減免 of minors' 均等割 where configured;
//! - 介護分 only for members in the months they are aged 40–64;
//! - 産前産後: the 出産被保険者's 所得割 and 均等割 are not levied in the exempt months;
//! - 月割: the amount is computed per month from the members insured that month (the month of
//!   acquisition counts, the month of loss does not; 同月得喪 — acquired and lost in the same
//!   month — levies that month once; NHI is lost on the 75th birthday), capped
//!   per month on the annual basis, summed, divided by 12, then rounded down to the municipal
//!   unit (100円 by default).
//!
//! [`assess`] is the allocation-free hot path; [`assess_explained`] returns the same result with
//! its [`Derivation`].
//!
//! Internally amounts are kept in micro-yen (yen × 10⁶) so that rates in ppm, 軽減 tenths and
//! halves stay exact until the final rounding, as in the published 計算例 (which sum the unrounded
//! 所得割, 均等割 and 平等割 and truncate the part's total).

pub mod input;
pub mod revision;
pub mod statement;

use crate::error::Error;
use crate::explain::Derivation;
use crate::income::{income_adjustment, pension_income_with, salary_income};
use crate::params::{Params, Part, Rate, ResolvedPart, SalaryDeductionTable};
use chrono::Datelike;
use nhikit_core::Yen;
use nhikit_core::date::{FiscalYear, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most members a household may have.
pub const MAX_MEMBERS: usize = 16;

const MICRO: i128 = 1_000_000;

/// A member's relation to NHI in the fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 被保険者: insured (for the months given by acquisition and loss dates).
    #[default]
    Insured,
    /// 特定同一世帯所属者: moved from NHI to 後期高齢者医療 and still in the household; counted
    /// in the 軽減 judgement (income and head-count), never levied.
    FormerInsuredInKouki,
    /// Not insured (社保, 後期 without the 特定同一 status…): counted only as 擬制世帯主.
    NotInsured,
}

/// 特定世帯 status of the household (a member moved to 後期高齢者医療 and one insured remains).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SpecifiedHousehold {
    /// Not a 特定世帯.
    #[default]
    None,
    /// 特定世帯 (first 5 years): 医療・支援 平等割 × 1/2.
    Specified,
    /// 特定継続世帯 (years 6–8): 医療・支援 平等割 × 3/4.
    Continuing,
}

/// A member's income of the income year (前年), in yen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Income {
    /// 給与収入.
    pub salary_revenue: i64,
    /// 公的年金等収入.
    pub pension_revenue: i64,
    /// Other 所得 in 総所得金額等 (事業, 不動産, 雑 other than pensions…), already net.
    pub other_income: i64,
    /// 分離課税 income counted in 総所得金額等 (譲渡 after 特別控除, 株式等…).
    pub separate_gains: i64,
    /// 譲渡所得の特別控除 taken: added back for the 軽減 judgement only.
    pub special_deduction: i64,
    /// 固定資産税額 (base of 資産割).
    pub fixed_asset_tax: i64,
}

/// 産前産後 exemption facts of an 出産被保険者.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perinatal {
    /// The month of (expected) birth, as `year * 12 + (month − 1)`.
    pub birth_month: i32,
    /// 多胎 (multiple birth): 6 months from 3 months before instead of 4 from 1 before.
    pub multiple: bool,
}

/// One member of the household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Date of birth.
    pub birth: NaiveDate,
    /// Relation to NHI.
    pub status: Status,
    /// 世帯主 (the 納税義務者; if not insured, the 擬制世帯主).
    pub householder: bool,
    /// 資格取得日 when within the fiscal year; `None`: insured from before the year.
    pub acquired: Option<NaiveDate>,
    /// 資格喪失日 (the day the status is lost); `None`: not lost (except at 75, automatic).
    pub lost: Option<NaiveDate>,
    /// Income of the income year.
    pub income: Income,
    /// 非自発的失業者 for this fiscal year: 給与所得 counted at 30/100.
    pub involuntary_unemployed: bool,
    /// 所得申告 made; a counted person without one removes the 法定軽減.
    pub income_declared: bool,
    /// 産前産後 exemption, if any.
    pub perinatal: Option<Perinatal>,
    /// 旧被扶養者減免: the member was the dependant (被扶養者) of an employee-insurance member
    /// who moved to 後期高齢者医療, joined NHI aged 65–74 on this date, and applied. 所得割 is
    /// exempt (当分の間); 均等割 ½ and, when every insured member is such a person, 平等割 ½, from
    /// the month of this date to the month two years end in (see [`former_dependant_months`]);
    /// 7割/5割 households keep their 法定軽減 instead, 2割 households get the ½.
    pub former_dependant_since: Option<NaiveDate>,
    /// 同月得喪 only: the person, acquired and lost in the same month, became insured by another
    /// municipality's NHI in that month, so this municipality does not levy it.
    pub same_month_insured_elsewhere: bool,
    /// 所得金額調整控除 (子ども・特別障害者等): 本人が特別障害者, or has a 扶養親族 under 23 or a
    /// 特別障害者 spouse or 扶養親族 (the 給与収入 850万超 case).
    pub income_adjustment_dependants: bool,
    /// 事業専従者: this member's 給与収入 is 専従者給与 (or the 白色 専従者控除), left out of the
    /// 軽減判定 and of the 給与所得者等 count.
    pub family_employee: bool,
    /// 専従者給与 paid (青色) or 専従者控除 taken (白色) in this member's 事業所得, yen: added back
    /// to their income for the 軽減判定 only.
    pub family_employee_salary_paid: i64,
}

impl Member {
    /// An insured member with no income, insured all year, who declared.
    pub fn insured(birth: NaiveDate) -> Member {
        Member {
            birth,
            status: Status::Insured,
            householder: false,
            acquired: None,
            lost: None,
            income: Income::default(),
            involuntary_unemployed: false,
            income_declared: true,
            perinatal: None,
            former_dependant_since: None,
            same_month_insured_elsewhere: false,
            income_adjustment_dependants: false,
            family_employee: false,
            family_employee_salary_paid: 0,
        }
    }
}

/// A household (世帯) as of the fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Household {
    /// The members: insured, 特定同一世帯所属者, and the householder whatever their status.
    pub members: Vec<Member>,
    /// 特定世帯 status.
    pub specified: SpecifiedHousehold,
}

/// The 法定軽減 level of the household.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Reduction {
    /// No reduction.
    #[default]
    #[serde(rename = "none")]
    None,
    /// 2割軽減.
    #[serde(rename = "2割")]
    Twenty,
    /// 5割軽減.
    #[serde(rename = "5割")]
    Fifty,
    /// 7割軽減.
    #[serde(rename = "7割")]
    Seventy,
}

impl Reduction {
    /// Tenths reduced (0, 2, 5, 7).
    pub const fn tenths(self) -> i64 {
        match self {
            Reduction::None => 0,
            Reduction::Twenty => 2,
            Reduction::Fifty => 5,
            Reduction::Seventy => 7,
        }
    }
}

/// One part's result. `amount` is authoritative; the components are the annual sums of the
/// monthly components (each truncated to the yen) and are informational.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartAssessment {
    /// Which part.
    pub part: Part,
    /// Whether the municipality levies this part.
    pub levied: bool,
    /// 所得割.
    pub income_levy: Yen,
    /// 資産割.
    pub asset_levy: Yen,
    /// 均等割 after every reduction.
    pub per_capita_levy: Yen,
    /// 平等割 after every reduction.
    pub per_household_levy: Yen,
    /// Amount of 均等割 and 平等割 removed by the 法定軽減.
    pub legal_reduction: Yen,
    /// Amount of 所得割, 均等割 and 平等割 removed by the 旧被扶養者減免.
    pub former_dependant_reduction: Yen,
    /// Sum before the cap and before rounding.
    pub before_cap: Yen,
    /// Whether the cap applied in at least one month.
    pub capped: bool,
    /// The part's annual amount: capped, prorated, rounded down to the municipal unit.
    pub amount: Yen,
}

impl PartAssessment {
    const fn empty(part: Part) -> PartAssessment {
        PartAssessment {
            part,
            levied: false,
            income_levy: Yen::ZERO,
            asset_levy: Yen::ZERO,
            per_capita_levy: Yen::ZERO,
            per_household_levy: Yen::ZERO,
            legal_reduction: Yen::ZERO,
            former_dependant_reduction: Yen::ZERO,
            before_cap: Yen::ZERO,
            capped: false,
            amount: Yen::ZERO,
        }
    }
}

/// The household's premium for the fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// The fiscal year.
    pub fiscal_year: FiscalYear,
    /// The 法定軽減 level.
    pub reduction: Reduction,
    /// 軽減判定所得 (the household's income for the judgement).
    pub judgement_income: Yen,
    /// Per part, in [`Part::ALL`] order.
    pub parts: [PartAssessment; 4],
    /// The sum of the parts.
    pub total: Yen,
}

impl Assessment {
    /// One part's result.
    pub fn part(&self, part: Part) -> &PartAssessment {
        &self.parts[part.index()]
    }
}

/// Assesses a household (the fast path: no allocation on success).
pub fn assess(household: &Household, params: &Params) -> Result<Assessment, Error> {
    assess_inner(household, params, &mut NoExplain)
}

/// Assesses a household and records every step.
pub fn assess_explained(
    household: &Household,
    params: &Params,
) -> Result<(Assessment, Derivation), Error> {
    let mut d = Derivation::default();
    let a = assess_inner(household, params, &mut d)?;
    Ok((a, d))
}

/// Splits an annual amount into `count` installments (期割): each the amount ÷ count rounded
/// down to `unit`, the remainder added to the first installment (the common default).
pub fn installments(total: Yen, count: u32, unit: i64) -> Vec<Yen> {
    let count = count.max(1);
    let unit = unit.max(1);
    let each = total.0 / i64::from(count) / unit * unit;
    let first = total.0 - each * (i64::from(count) - 1);
    let mut v = vec![Yen(each); count as usize];
    v[0] = Yen(first);
    v
}

// ---------------------------------------------------------------------------------------------

trait Explain {
    const ON: bool;
    fn step(&mut self, what: &str, rule: &str, parameters: String, amount: Option<Yen>);
}

struct NoExplain;

impl Explain for NoExplain {
    const ON: bool = false;
    fn step(&mut self, _: &str, _: &str, _: String, _: Option<Yen>) {}
}

impl Explain for Derivation {
    const ON: bool = true;
    fn step(&mut self, what: &str, rule: &str, parameters: String, amount: Option<Yen>) {
        self.push(what, rule, parameters, amount);
    }
}

/// Per-member facts computed once.
#[derive(Clone, Copy, Default)]
struct Calc {
    /// 旧ただし書き所得 (所得割 base).
    base: i64,
    asset: i64,
    insured: u16,
    care: u16,
    perinatal: u16,
    preschool: bool,
    minor18: bool,
    local_minor: bool,
    /// 旧被扶養者: 所得割 exempt.
    former_dep: bool,
    /// 旧被扶養者 months of the fiscal year with 均等割/平等割 ½.
    former_dep_months: u16,
}

/// The months (as `year * 12 + month − 1`, inclusive) in which the 旧被扶養者減免 of the
/// 均等割 and 平等割 applies to a person who became insured on `since`: from that month to the
/// month in which two years from `since` end (資格取得日の属する月以後2年を経過する月, the period
/// counted from `since` itself: it ends the day before the second anniversary). Acquired on the
/// 1st, that is 24 months; on any other day, 25.
pub fn former_dependant_months(since: NaiveDate) -> (i32, i32) {
    let first = month_abs(since);
    let end_day = since
        .with_year(since.year() + 2)
        .or_else(|| NaiveDate::from_ymd_opt(since.year() + 2, 3, 1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(since);
    (first, month_abs(end_day))
}

fn month_abs(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// A date of birth split once into (year, month, day).
#[derive(Clone, Copy)]
struct Ymd(i32, u32, u32);

impl Ymd {
    fn of(d: NaiveDate) -> Ymd {
        Ymd(d.year(), d.month(), d.day())
    }

    /// The `age`-th birthday as a sortable key `yyyymmdd` and its month number; a 2/29 birthday
    /// falls on 3/1 in common years (年齢計算ニ関スル法律: the age is reached the day before).
    fn birthday(self, age: i32) -> (i64, i32) {
        let Ymd(by, bm, bd) = self;
        let y = by + age;
        let (m, d) = if bm == 2 && bd == 29 && !is_leap(y) {
            (3, 1)
        } else {
            (bm, bd)
        };
        (
            i64::from(y) * 10_000 + i64::from(m) * 100 + i64::from(d),
            y * 12 + m as i32 - 1,
        )
    }

    /// The month containing the day the age is reached (the day before the birthday): the
    /// birthday's month, or the month before when the birthday is the 1st.
    fn reach_month(self, age: i32) -> i32 {
        let Ymd(by, bm, bd) = self;
        (by + age) * 12 + bm as i32 - 1 - i32::from(bd == 1)
    }
}

fn date_key(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// Bits `lo..hi` set (month indexes from April).
fn range_mask(lo: u32, hi: u32) -> u16 {
    if hi <= lo {
        0
    } else {
        (((1u32 << hi) - 1) & !((1u32 << lo) - 1)) as u16
    }
}

/// The largest income item the oracle takes (1,000億円): far above any real income, low enough
/// that sums in micro-yen cannot overflow.
const MAX_INCOME_ITEM: i64 = 100_000_000_000;

/// Checks a member's income items (and the 専従者給与 paid): each 0 ≤ x ≤ 1,000億円. The one
/// check of the request parser ([`input`]) and of [`assess`]; `item` names an item
/// (`members[1].income.salary_revenue`).
pub(crate) fn check_income_items(
    inc: &Income,
    family_employee_salary_paid: i64,
    item: impl Fn(&str) -> String,
) -> Result<(), Error> {
    for (name, v) in [
        ("salary_revenue", inc.salary_revenue),
        ("pension_revenue", inc.pension_revenue),
        ("other_income", inc.other_income),
        ("separate_gains", inc.separate_gains),
        ("special_deduction", inc.special_deduction),
        ("fixed_asset_tax", inc.fixed_asset_tax),
        ("family_employee_salary_paid", family_employee_salary_paid),
    ] {
        if v < 0 {
            return Err(invalid(item(name), "must be ≥ 0"));
        }
        if v > MAX_INCOME_ITEM {
            return Err(invalid(item(name), "must be ≤ 100,000,000,000"));
        }
    }
    Ok(())
}

fn invalid(item: String, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        item,
        reason: reason.into(),
    }
}

fn assess_inner<E: Explain>(h: &Household, p: &Params, e: &mut E) -> Result<Assessment, Error> {
    let fy = p.fiscal_year;
    let (Some(fy_start), Some(fy_end)) = (fy.start(), fy.end()) else {
        return Err(invalid("fiscal_year".into(), "out of range"));
    };
    let n = h.members.len();
    if n > MAX_MEMBERS {
        return Err(invalid(
            "members".into(),
            format!("at most {MAX_MEMBERS} members, got {n}"),
        ));
    }
    let first_month = fy.0 * 12 + 3; // April

    let mut calc = [Calc::default(); MAX_MEMBERS];
    let mut judgement_income: i64 = 0;
    let mut earners: i64 = 0;
    let mut persons: i64 = 0;
    let mut all_declared = true;
    let mut any_insured = false;
    // 判定日: April 1, or the first acquisition date if nobody is insured on April 1.
    let mut judge_day = fy_end;
    for m in &h.members {
        if m.status == Status::Insured {
            let from = m.acquired.unwrap_or(fy_start).max(fy_start);
            judge_day = judge_day.min(from);
        }
    }

    for (i, m) in h.members.iter().enumerate() {
        let inc = &m.income;
        check_income_items(inc, m.family_employee_salary_paid, |name| {
            format!("members[{i}].income.{name}")
        })?;
        let b = Ymd::of(m.birth);
        // 65 on December 31 of the income year ⇔ the 65th birthday is on or before January 1.
        let aged_65 = b.birthday(65).0 <= i64::from(p.income_year + 1) * 10_000 + 101;
        let unemployed = |x: i64| {
            if m.involuntary_unemployed {
                x * p.unemployed_percent / 100
            } else {
                x
            }
        };
        let salary_gross = salary_income(inc.salary_revenue, p.salary_table);
        let pension = pension_income_with(
            inc.pension_revenue,
            aged_65,
            unemployed(salary_gross) + inc.other_income + inc.separate_gains,
            p.pension_table,
        );
        // 所得金額調整控除 exists from 2020 income (not under the 平成29年分 table).
        let adjustment = if p.salary_table == SalaryDeductionTable::H29 {
            0
        } else {
            income_adjustment(
                inc.salary_revenue,
                salary_gross,
                pension,
                m.income_adjustment_dependants,
            )
        };
        let salary = salary_gross - adjustment;
        let salary_counted = unemployed(salary);
        let non_pension = salary_counted + inc.other_income + inc.separate_gains;
        let total = non_pension + pension;
        let base = (total - p.basic_deduction_for(total)).max(0);
        let elderly = if aged_65 {
            pension.min(p.elderly_pension_deduction)
        } else {
            0
        };
        // 専従者給与 (青色) / 専従者控除 (白色): for the judgement, added back to the 事業主 and the
        // 専従者's 給与所得 left out (nor is the 専従者 a 給与所得者等).
        let judged = total - elderly + inc.special_deduction + m.family_employee_salary_paid
            - if m.family_employee { salary_counted } else { 0 };
        let earner = (inc.salary_revenue > p.salary_earner_threshold && !m.family_employee)
            || inc.pension_revenue
                > if aged_65 {
                    p.pension_threshold_65_plus
                } else {
                    p.pension_threshold_under_65
                };

        // Months insured (bit k = k-th month from April), as integer month ranges.
        let mut insured: u16 = 0;
        let mut care: u16 = 0;
        let mut peri: u16 = 0;
        let mut former_dep_months: u16 = 0;
        let mut counted = m.householder || m.status == Status::FormerInsuredInKouki;
        if m.status == Status::Insured {
            let from = m.acquired.unwrap_or(fy_start);
            // NHI is lost on the 75th birthday (後期高齢者医療 starts that day).
            let (b75_key, b75_month) = b.birthday(75);
            let mut lost_m = m.lost.map_or(b75_month, |l| month_abs(l).min(b75_month));
            // 同月得喪: acquired and lost in the same month — that month is levied once, unless
            // the person became insured by another municipality's NHI in that month (which
            // levies it as its own acquisition month).
            if m.lost.is_some()
                && lost_m == month_abs(from)
                && month_abs(from) < b75_month
                && !m.same_month_insured_elsewhere
            {
                lost_m += 1;
            }
            let k = |abs: i32| (abs - first_month).clamp(0, 12) as u32;
            insured = range_mask(k(month_abs(from)), k(lost_m));
            care = insured & range_mask(k(b.reach_month(40)), k(b.reach_month(65)));
            if let Some(since) = m.former_dependant_since {
                let (lo, hi) = former_dependant_months(since);
                former_dep_months = insured & range_mask(k(lo), k(hi + 1));
            }
            if let (Some(pn), Some(pf)) = (m.perinatal, p.perinatal_from) {
                let lo = pn.birth_month - if pn.multiple { 3 } else { 1 };
                let hi = pn.birth_month + 2;
                peri = insured & range_mask(k(lo.max(pf)), k(hi + 1));
            }
            any_insured |= insured != 0;
            let on_judge_day = from <= judge_day
                && m.lost.is_none_or(|l| l > judge_day)
                && b75_key > date_key(judge_day);
            if on_judge_day {
                counted = true;
                persons += 1;
            }
        }
        if m.status == Status::FormerInsuredInKouki {
            persons += 1;
        }
        if counted {
            judgement_income += judged;
            earners += i64::from(earner);
            all_declared &= m.income_declared;
        }
        // Reaching `age` on or after April 1 ⇔ the birthday falls on or after April 2.
        let apr2 = i64::from(fy.0) * 10_000 + 402;
        let reaches = |age: u32| b.birthday(age as i32).0 >= apr2;
        calc[i] = Calc {
            base,
            asset: inc.fixed_asset_tax,
            insured,
            care,
            perinatal: peri,
            preschool: reaches(6),
            minor18: reaches(18),
            local_minor: p.local_minor_age.is_some_and(reaches),
            former_dep: m.former_dependant_since.is_some() && m.status == Status::Insured,
            former_dep_months,
        };
        if E::ON {
            e.step(
                &format!("members[{i}] 所得"),
                "給与所得 = 給与収入 − 給与所得控除 (×30/100 if 非自発的失業者); 公的年金等所得 = 収入 − 公的年金等控除; 旧ただし書き所得 = 総所得金額等 − 基礎控除 (floor 0)",
                format!(
                    "給与収入 {} → 給与所得 {salary} (counted {salary_counted}, {:?} table); 公的年金等収入 {} → {pension} (65+: {aged_65}); その他 {}; 分離 {}; 基礎控除 {}; 軽減判定所得 {judged}; 給与所得者等: {earner}; insured months {:012b}",
                    inc.salary_revenue,
                    p.salary_table,
                    inc.pension_revenue,
                    inc.other_income,
                    inc.separate_gains,
                    p.basic_deduction_for(total),
                    insured.reverse_bits() >> 4
                ),
                Some(Yen(base)),
            );
        }
    }
    let calc = &calc[..n];

    let mut out = Assessment {
        fiscal_year: fy,
        reduction: Reduction::None,
        judgement_income: Yen(judgement_income),
        parts: [
            PartAssessment::empty(Part::Medical),
            PartAssessment::empty(Part::Support),
            PartAssessment::empty(Part::Care),
            PartAssessment::empty(Part::Child),
        ],
        total: Yen::ZERO,
    };
    if !any_insured {
        if E::ON {
            e.step(
                "保険税額",
                "no member is insured in the fiscal year: nothing is levied",
                String::new(),
                Some(Yen::ZERO),
            );
        }
        return Ok(out);
    }

    // 法定軽減.
    let seven = p.reduction_base + p.reduction_per_earner * (earners - 1).max(0);
    let five = seven + p.reduction_fifty * persons;
    let two = seven + p.reduction_twenty * persons;
    let level = if !all_declared {
        Reduction::None
    } else if judgement_income <= seven {
        Reduction::Seventy
    } else if judgement_income <= five {
        Reduction::Fifty
    } else if judgement_income <= two {
        Reduction::Twenty
    } else {
        Reduction::None
    };
    out.reduction = level;
    if E::ON {
        e.step(
            "法定軽減",
            "7割: ≤ 基準 + 10万×(給与所得者等−1); 5割/2割: + 額×(被保険者数+特定同一世帯所属者数); a counted person without 所得申告 → none",
            format!(
                "判定日 {judge_day}; 軽減判定所得 {judgement_income}; 給与所得者等 {earners}; 人数 {persons}; 7割 ≤ {seven}, 5割 ≤ {five}, 2割 ≤ {two}; all declared: {all_declared} → {level:?}"
            ),
            Some(Yen(judgement_income)),
        );
    }

    let keep = 10 - level.tenths();
    let runs = Runs::of(calc);
    let mut total = Yen::ZERO;
    for part in Part::ALL {
        let rp = &p.parts[part.index()];
        if !rp.levied {
            continue;
        }
        let r = assess_part(part, rp, h.specified, keep, calc, &runs);
        let acc = &mut out.parts[part.index()];
        let annual = per_year(r.capped_sum);
        let unit = p.rounding.max(1);
        let amount = annual / unit * unit;
        *acc = PartAssessment {
            part,
            levied: true,
            income_levy: Yen(per_year(r.income)),
            asset_levy: Yen(per_year(r.asset)),
            per_capita_levy: Yen(per_year(r.per_capita)),
            per_household_levy: Yen(per_year(r.per_household)),
            legal_reduction: Yen(per_year(r.legal)),
            former_dependant_reduction: Yen(per_year(r.former_dep)),
            before_cap: Yen(per_year(r.uncapped_sum)),
            capped: r.capped,
            amount: Yen(amount),
        };
        total += acc.amount;
        if E::ON {
            e.step(
                &format!("{}.所得割", part.name_ja()),
                "Σ 旧ただし書き所得 of insured members (介護分: aged 40–64; not in 産前産後 months; not 旧被扶養者) × 所得割率, per month ÷ 12",
                format!("所得割率 {} ({})", pct(rp.income_ppm), p.sources),
                Some(acc.income_levy),
            );
            if rp.asset_ppm != 0 {
                e.step(
                    &format!("{}.資産割", part.name_ja()),
                    "Σ 固定資産税額 × 資産割率",
                    format!("資産割率 {}", pct(rp.asset_ppm)),
                    Some(acc.asset_levy),
                );
            }
            e.step(
                &format!("{}.均等割", part.name_ja()),
                "均等割額 per insured member (+18歳以上 add-on), − 法定軽減 (or 旧被扶養者減免 ½), 未就学児 ½ after 軽減, minors' exemptions",
                format!(
                    "均等割額 {} (18歳以上 +{}); 軽減 {:?}; minor exempt: {}; 独自減免 {}%",
                    rp.per_capita, rp.adult_per_capita, level, rp.minor_exempt, rp.local_minor_percent
                ),
                Some(acc.per_capita_levy),
            );
            e.step(
                &format!("{}.平等割", part.name_ja()),
                "平等割額 per household (特定世帯 ½, 特定継続世帯 ¾ for 医療・支援), − 法定軽減 (or ½ when only 旧被扶養者 are insured)",
                format!(
                    "平等割額 {}; {:?}; 軽減 {:?}",
                    rp.per_household, h.specified, level
                ),
                Some(acc.per_household_levy),
            );
            e.step(
                &format!("{}.賦課限度額", part.name_ja()),
                "each month's annual-basis amount capped, summed over insured months, ÷ 12",
                format!(
                    "限度額 {}; before cap {}; capped: {}",
                    rp.cap, acc.before_cap, acc.capped
                ),
                Some(Yen(annual)),
            );
            e.step(
                part.name_ja(),
                "端数切捨て to the municipal unit",
                format!("unit {}円", p.rounding),
                Some(acc.amount),
            );
        }
    }
    out.total = total;
    if E::ON {
        e.step("保険税額", "sum of the parts", String::new(), Some(total));
    }
    Ok(out)
}

fn pct(ppm: i64) -> String {
    Rate::from_ppm(ppm).map_or_else(|| format!("{ppm}ppm"), |r| r.to_string())
}

/// A sum of twelve monthly micro-yen amounts → annual yen (truncated), avoiding a 128-bit division
/// when the sum fits 64 bits.
fn per_year(v: i128) -> i64 {
    const D: i64 = 12 * 1_000_000;
    match i64::try_from(v) {
        Ok(x) => x / D,
        Err(_) => i64::try_from(v / i128::from(D)).unwrap_or(i64::MAX),
    }
}

#[derive(Default)]
struct PartSums {
    income: i128,
    asset: i128,
    per_capita: i128,
    per_household: i128,
    legal: i128,
    former_dep: i128,
    uncapped_sum: i128,
    capped_sum: i128,
    capped: bool,
}

/// Runs of consecutive months with the same membership pattern: `(first month index, length)`.
struct Runs {
    runs: [(u16, i128); 12],
    len: usize,
}

impl Runs {
    fn of(calc: &[Calc]) -> Runs {
        // A month starts a new run when any member's insured, care or 産前産後 bit changes.
        let mut boundaries: u16 = 0;
        for c in calc {
            for m in [c.insured, c.care, c.perinatal, c.former_dep_months] {
                boundaries |= (m ^ (m << 1)) & 0x0ffe;
            }
        }
        let mut runs = [(0u16, 0i128); 12];
        let mut len = 0;
        let mut start = 0u16;
        for k in 1..=12u16 {
            if k == 12 || boundaries & (1 << k) != 0 {
                runs[len] = (start, i128::from(k - start));
                len += 1;
                start = k;
            }
        }
        Runs { runs, len }
    }
}

/// One part over the twelve months, in micro-yen: each run of identical months is computed once.
fn assess_part(
    part: Part,
    rp: &ResolvedPart,
    specified: SpecifiedHousehold,
    keep: i64,
    calc: &[Calc],
    runs: &Runs,
) -> PartSums {
    let mut s = PartSums::default();
    let cap = i128::from(rp.cap) * MICRO;
    for &(first, months) in &runs.runs[..runs.len] {
        let [inc, asset, pc, ph, legal, former_dep, uncapped] =
            month_amounts(part, rp, specified, keep, calc, 1 << first);
        s.former_dep += i128::from(former_dep) * months;
        s.income += i128::from(inc) * months;
        s.asset += i128::from(asset) * months;
        s.per_capita += i128::from(pc) * months;
        s.per_household += i128::from(ph) * months;
        s.legal += i128::from(legal) * months;
        s.uncapped_sum += i128::from(uncapped) * months;
        if i128::from(uncapped) > cap {
            s.capped = true;
            s.capped_sum += cap * months;
        } else {
            s.capped_sum += i128::from(uncapped) * months;
        }
    }
    s
}

fn month_amounts(
    part: Part,
    rp: &ResolvedPart,
    specified: SpecifiedHousehold,
    keep: i64,
    calc: &[Calc],
    bit: u16,
) -> [i64; 7] {
    const M: i64 = 1_000_000;
    // 旧被扶養者減免 of 均等割/平等割 replaces a 2割軽減 (the higher rate wins) and gives way to
    // 7割/5割.
    let former_applies = keep >= 8;
    let mut base: i64 = 0;
    let mut exempt_base: i64 = 0;
    let mut asset: i64 = 0;
    let mut pc: i64 = 0;
    let mut legal: i64 = 0;
    let mut former: i64 = 0;
    let mut household = false;
    let mut all_former = true;
    for c in calc {
        let mut on = c.insured & bit != 0;
        if part == Part::Care {
            on &= c.care & bit != 0;
        }
        if !on {
            continue;
        }
        household = true;
        let former_month = c.former_dep_months & bit != 0;
        all_former &= former_month;
        if c.perinatal & bit != 0 {
            continue;
        }
        if c.former_dep {
            exempt_base += c.base;
        } else {
            base += c.base;
        }
        asset += c.asset;
        // 均等割 of this member, micro-yen.
        let mut amount = if rp.minor_exempt && c.minor18 {
            0
        } else {
            (rp.per_capita + rp.adult_per_capita) * M
        };
        if c.local_minor && rp.local_minor_percent > 0 {
            amount = amount * (100 - rp.local_minor_percent) / 100;
        }
        let mut after = if former_month && former_applies {
            former += amount - amount / 2;
            amount / 2
        } else {
            legal += amount - amount * keep / 10;
            amount * keep / 10
        };
        if rp.preschool_applies && c.preschool {
            after /= 2;
        }
        pc += after;
    }
    let mut ph: i64 = 0;
    if household {
        let mut amount = rp.per_household * M;
        if rp.specified_household_applies {
            amount = match specified {
                SpecifiedHousehold::None => amount,
                SpecifiedHousehold::Specified => amount / 2,
                SpecifiedHousehold::Continuing => amount * 3 / 4,
            };
        }
        if all_former && former_applies {
            former += amount - amount / 2;
            ph = amount / 2;
        } else {
            legal += amount - amount * keep / 10;
            ph = amount * keep / 10;
        }
    }
    // Bases are at most 16 × 4·10¹¹ yen (inputs are limited to 10¹¹ per item): the products fit
    // an i128; saturating to i64 only touches absurd amounts, which the cap replaces anyway.
    let sat = |v: i128| i64::try_from(v).unwrap_or(i64::MAX);
    let income = sat(i128::from(base) * i128::from(rp.income_ppm));
    former = former.saturating_add(sat(i128::from(exempt_base) * i128::from(rp.income_ppm)));
    let asset_levy = sat(i128::from(asset) * i128::from(rp.asset_ppm));
    let uncapped = income
        .saturating_add(asset_levy)
        .saturating_add(pc)
        .saturating_add(ph);
    [income, asset_levy, pc, ph, legal, former, uncapped]
}

/// Month number (`year*12 + month0`) helper for inputs.
pub fn month_number(year: i32, month: u32) -> i32 {
    year * 12 + month as i32 - 1
}
