//! Incomes and assessments (賦課) of generated households: the `income`, `assessment` and
//! `edge_case` rows. Premiums are computed by the oracle (`nhikit_rules::premium::assess`) for
//! the fiscal year of the reference date, with the municipal rate set the reference target
//! assigns by default ([`RuleSet::assigned_rates`]): the shipped set whose `code` is the
//! municipality's, else `natori` (`rifu` for FY2023 and FY2024).
//!
//! How a snapshot household becomes the oracle's household: the insured members (資格取得日
//! within the fiscal year when after April 1), and the 世帯主 whatever their status. A 世帯主
//! not insured and 75 or older on the reference date is in 後期高齢者医療 and counted as a
//! 特定同一世帯所属者 (擬制世帯主区分 2); the household is then a 特定世帯 for the 5 years after
//! the 75th birthday and a 特定継続世帯 for the 3 years after that, when one insured member
//! remains. Any other uninsured 世帯主 is a 擬制世帯主 (区分 1). A 非自発的失業者 (`--profile edge`,
//! [`crate::edge::Tag::InvoluntaryUnemployed`]) has the flag on their `income` row and the oracle
//! counts their 給与所得 at 30/100. 産前産後 免除 is not generated (no record of the 届出 exists
//! in the data model to carry it).

use crate::edge::EdgeIncome;
use crate::income::{self, PersonIncome};
use crate::model::Household;
use crate::rows::HouseholdCtx;
use nhikit_core::date::{NaiveDate, age_on};
use nhikit_rules::params::{DEFAULT_RATES, Params, Part, RuleSet};
use nhikit_rules::premium::{self, Assessment, Reduction, SpecifiedHousehold, Status};
use nhikit_schema::{Row, RowWriter};

/// The rate-set id for municipality `lgcode` in `fiscal_year`: the reference target's default
/// assignment ([`RuleSet::assigned_rates`]: the municipality's own set, else the first of
/// [`DEFAULT_RATES`] with the year). With no set for the year, the first default, whose
/// parameters then fail naming the year.
pub fn rates_for<'a>(rules: &'a RuleSet, lgcode: &str, fiscal_year: i32) -> &'a str {
    rules
        .assigned_rates(lgcode, fiscal_year)
        .unwrap_or(DEFAULT_RATES[0])
}

/// 擬制世帯主区分 and 特定世帯 facts of a household, derived from the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadFacts {
    /// The 世帯主 is a 特定同一世帯所属者 (in 後期高齢者医療).
    pub former_in_kouki: bool,
    /// 特定世帯 status.
    pub specified: SpecifiedHousehold,
    /// 擬制世帯主区分 code (`0`, `1`, `2`).
    pub fictive_code: &'static str,
}

/// The head facts of `h` on `as_of`.
pub fn head_facts(h: &Household, as_of: NaiveDate) -> HeadFacts {
    let Some(head) = h.members.first() else {
        return HeadFacts {
            former_in_kouki: false,
            specified: SpecifiedHousehold::None,
            fictive_code: "0",
        };
    };
    if head.insured {
        return HeadFacts {
            former_in_kouki: false,
            specified: SpecifiedHousehold::None,
            fictive_code: "0",
        };
    }
    let age = age_on(head.birth, as_of);
    if age < 75 {
        return HeadFacts {
            former_in_kouki: false,
            specified: SpecifiedHousehold::None,
            fictive_code: "1",
        };
    }
    let insured = h.members.iter().filter(|m| m.insured).count();
    // Years since the 75th birthday (the day of the move to 後期高齢者医療).
    let since = age - 75;
    let specified = match (insured, since) {
        (1, 0..=4) => SpecifiedHousehold::Specified,
        (1, 5..=7) => SpecifiedHousehold::Continuing,
        _ => SpecifiedHousehold::None,
    };
    HeadFacts {
        former_in_kouki: true,
        specified,
        fictive_code: "2",
    }
}

/// The oracle's household for `h` with `incomes`, for the fiscal year of `params`.
pub fn oracle_household(
    h: &Household,
    incomes: &[PersonIncome],
    facts: &HeadFacts,
    params: &Params,
) -> premium::Household {
    let fy_start = params.fiscal_year.start().unwrap_or_default();
    let mut members = Vec::with_capacity(h.members.len());
    for (i, m) in h.members.iter().enumerate() {
        let householder = i == 0;
        if !m.insured && !householder {
            continue;
        }
        let inc = incomes.get(i).copied().unwrap_or_default();
        let mut x = premium::Member::insured(m.birth);
        x.householder = householder;
        x.status = if m.insured {
            Status::Insured
        } else if facts.former_in_kouki {
            Status::FormerInsuredInKouki
        } else {
            Status::NotInsured
        };
        if m.insured {
            x.acquired = Some(m.acquired).filter(|a| *a > fy_start);
            x.lost = m.lost;
            x.perinatal = m.perinatal.map(|n| premium::Perinatal {
                birth_month: n.birth_month(),
                multiple: n.multiple,
            });
        }
        x.income = premium::Income {
            salary_revenue: inc.salary_revenue,
            pension_revenue: inc.pension_revenue,
            other_income: inc.other_income(),
            ..premium::Income::default()
        };
        x.income_declared = inc.declared();
        x.involuntary_unemployed = inc.involuntary.is_some();
        members.push(x);
    }
    premium::Household {
        members,
        specified: facts.specified,
    }
}

/// Sets the 世帯主's income of an edge household whose income is a threshold or a cap.
pub fn apply_edge_income(
    h: &Household,
    incomes: &mut [PersonIncome],
    facts: &HeadFacts,
    params: &Params,
    resident: &income::TaxYear,
) {
    let Some(head) = h.members.first() else {
        return;
    };
    let target = match h.edge_income {
        Some(EdgeIncome::Threshold(level)) => {
            // A single insured person with 営業等所得 only: 軽減判定所得 = the income, no
            // 給与所得者等, one person.
            let persons = h.members.iter().filter(|m| m.insured).count() as i64;
            let seven = params.reduction_base;
            match level {
                Reduction::Seventy => seven,
                Reduction::Fifty => seven + params.reduction_fifty * persons,
                Reduction::Twenty => seven + params.reduction_twenty * persons,
                Reduction::None => return,
            }
        }
        Some(EdgeIncome::Cap(part)) => {
            let Some(x) = cap_income(h, incomes, facts, params, part) else {
                return;
            };
            x
        }
        _ => return,
    };
    if let Some(p) = incomes.first_mut() {
        p.business_income = target;
        p.declaration = income::declaration::DECLARED;
        income::finish(p, head.birth, params, resident);
    }
}

/// The smallest 世帯主 営業等所得 (yen) at which the cap of `part` applies (the oracle's
/// `capped`), by bisection on the oracle: the part's amount grows with the income.
fn cap_income(
    h: &Household,
    incomes: &[PersonIncome],
    facts: &HeadFacts,
    params: &Params,
    part: Part,
) -> Option<i64> {
    let cap = params.parts[part.index()].cap;
    if !params.parts[part.index()].levied || cap <= 0 {
        return None;
    }
    let mut trial = incomes.to_vec();
    let mut reaches = |x: i64| {
        if let Some(p) = trial.first_mut() {
            p.business_income = x;
        }
        let hh = oracle_household(h, &trial, facts, params);
        premium::assess(&hh, params).is_ok_and(|a| a.part(part).capped)
    };
    let (mut lo, mut hi) = (0i64, 100_000_000i64);
    if !reaches(hi) {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid) { hi = mid } else { lo = mid }
    }
    Some(hi)
}

/// Everything about one household's assessment that its row shows.
#[derive(Debug, Clone, Copy)]
pub struct AssessmentFacts {
    /// The oracle's result.
    pub assessment: Assessment,
    /// Head facts.
    pub head: HeadFacts,
    /// Any counted member 未申告.
    pub undeclared: bool,
    /// Insured members.
    pub insured: i64,
    /// Insured members aged 40–64 on April 1.
    pub care_insured: i64,
    /// Insured 未就学児.
    pub preschool: i64,
    /// 特定同一世帯所属者.
    pub specified_same: i64,
    /// 給与所得者等 among the counted members.
    pub earners: i64,
    /// Σ 旧ただし書き所得 of the insured.
    pub levy_base: i64,
    /// The same over the insured aged 40–64.
    pub care_levy_base: i64,
    /// 期数.
    pub installments: u32,
}

/// Assesses `h` with `incomes` under `params`; `None` if the oracle refuses the household
/// (it cannot for generated data; the row is then left out and counted by the caller).
pub fn assess(
    h: &Household,
    incomes: &[PersonIncome],
    facts: HeadFacts,
    params: &Params,
) -> Option<AssessmentFacts> {
    let hh = oracle_household(h, incomes, &facts, params);
    let assessment = premium::assess(&hh, params).ok()?;
    let fy_start = params.fiscal_year.start()?;
    let preschool_from = NaiveDate::from_ymd_opt(params.fiscal_year.0 - 6, 4, 2)?;
    let mut f = AssessmentFacts {
        assessment,
        head: facts,
        undeclared: false,
        insured: 0,
        care_insured: 0,
        preschool: 0,
        specified_same: i64::from(facts.former_in_kouki),
        earners: 0,
        levy_base: 0,
        care_levy_base: 0,
        installments: params.installments,
    };
    // The oracle's 判定日: April 1, or the first acquisition when nobody was insured then; the
    // 軽減 judgement counts the 世帯主 and the members insured on that day.
    let judge_day = h
        .members
        .iter()
        .filter(|m| m.insured)
        .map(|m| m.acquired.max(fy_start))
        .min()
        .unwrap_or(fy_start);
    for (i, m) in h.members.iter().enumerate() {
        let inc = incomes.get(i).copied().unwrap_or_default();
        let on_judge_day = m.insured
            && m.acquired <= judge_day
            && m.lost.is_none_or(|l| l > judge_day)
            && birthday_75_after(m.birth, judge_day);
        if !(m.insured || i == 0) {
            continue;
        }
        if !(on_judge_day || i == 0) {
            // Insured in the year but not on the 判定日: premiums only.
            count_insured(&mut f, m, &inc, params, fy_start, preschool_from);
            continue;
        }
        f.undeclared |= !inc.declared();
        let aged_65 = income::aged_65_in(m.birth, params.income_year);
        let threshold = if aged_65 {
            params.pension_threshold_65_plus
        } else {
            params.pension_threshold_under_65
        };
        f.earners += i64::from(
            inc.salary_revenue > params.salary_earner_threshold || inc.pension_revenue > threshold,
        );
        if m.insured {
            count_insured(&mut f, m, &inc, params, fy_start, preschool_from);
        }
    }
    Some(f)
}

/// Whether the 75th birthday of a person born `birth` comes after `day` (still of NHI age).
fn birthday_75_after(birth: NaiveDate, day: NaiveDate) -> bool {
    age_on(birth, day) < 75
}

/// 総所得金額等 as the premium counts it: a 非自発的失業者's 給与所得 at the rate set's percent
/// (30/100), and the 公的年金等所得 recomputed on that (its 控除 depends on the other income).
fn counted_total(inc: &PersonIncome, birth: NaiveDate, params: &Params) -> i64 {
    if inc.involuntary.is_none() {
        return inc.total_income;
    }
    let salary = inc.salary_income * params.unemployed_percent / 100;
    let non_pension = salary + inc.other_income();
    let pension = nhikit_rules::income::pension_income(
        inc.pension_revenue,
        income::aged_65_in(birth, params.income_year),
        non_pension,
    );
    non_pension + pension
}

/// Adds insured member `m` to the counts and levy bases of `f`.
fn count_insured(
    f: &mut AssessmentFacts,
    m: &crate::model::Member,
    inc: &PersonIncome,
    params: &Params,
    fy_start: NaiveDate,
    preschool_from: NaiveDate,
) {
    f.insured += 1;
    let total = counted_total(inc, m.birth, params);
    let base = (total - params.basic_deduction_for(total)).max(0);
    f.levy_base += base;
    if (40..=64).contains(&age_on(m.birth, fy_start)) {
        f.care_insured += 1;
        f.care_levy_base += base;
    }
    f.preschool += i64::from(m.birth >= preschool_from);
}

/// The `income` row of one person.
pub struct IncomeRow<'a> {
    /// The household's rows context.
    pub ctx: &'a HouseholdCtx<'a>,
    /// The person's 宛名番号.
    pub address_number: &'a str,
    /// Its income.
    pub income: &'a PersonIncome,
    /// 所得年.
    pub income_year: i32,
}

impl Row for IncomeRow<'_> {
    const ENTITY: &'static str = "income";
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        let c = self.ctx;
        let p = self.income;
        out.str(&c.m.municipality.lgcode);
        out.str(self.address_number);
        out.int(i64::from(self.income_year));
        out.str(p.declaration);
        out.str(p.tax_status);
        out.int(p.salary_revenue);
        out.int(p.salary_income);
        out.int(p.pension_revenue);
        out.int(p.pension_income);
        out.int(p.business_income);
        out.int(p.real_estate_income);
        out.int(p.interest_dividend_income);
        out.int(0); // misc_income
        out.int(0); // other_comprehensive_income
        out.int(0); // separate_capital_gains
        out.int(0); // separate_capital_gains_deduction
        out.int(0); // stock_capital_gains
        out.int(0); // family_employee_salary
        out.bool(false); // is_family_employee
        out.int(p.total_income);
        out.int(p.taxable_income);
        match p.involuntary {
            Some((date, reason)) => {
                out.bool(true);
                out.date(date);
                out.str(reason);
            }
            None => {
                out.bool(false);
                out.null();
                out.null();
            }
        }
        out.end_row();
    }
}

/// The `assessment` row (当初賦課, revision 0) of a household.
pub struct AssessmentRow<'a> {
    /// The household's rows context.
    pub ctx: &'a HouseholdCtx<'a>,
    /// The facts.
    pub facts: &'a AssessmentFacts,
    /// 賦課年月日.
    pub assessed_on: NaiveDate,
    /// 宛名番号 of the 納税義務者 (the 世帯主 on April 1 of the year).
    pub taxpayer: &'a str,
}

fn reduction_code(r: Reduction) -> &'static str {
    match r {
        Reduction::None => "0",
        Reduction::Twenty => "2",
        Reduction::Fifty => "5",
        Reduction::Seventy => "7",
    }
}

fn specified_code(s: SpecifiedHousehold) -> &'static str {
    match s {
        SpecifiedHousehold::None => "0",
        SpecifiedHousehold::Specified => "1",
        SpecifiedHousehold::Continuing => "2",
    }
}

impl Row for AssessmentRow<'_> {
    const ENTITY: &'static str = "assessment";
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        let c = self.ctx;
        let f = self.facts;
        let a = &f.assessment;
        out.str(&c.m.municipality.lgcode);
        out.str(c.id_text.household_number());
        out.int(i64::from(a.fiscal_year.0));
        out.int(0);
        out.str(&c.m.insurer_number_text);
        out.str("1");
        out.date(self.assessed_on);
        out.str(self.taxpayer);
        out.str(f.head.fictive_code);
        out.str(reduction_code(a.reduction));
        out.str(specified_code(f.head.specified));
        out.bool(f.undeclared);
        out.int(f.insured);
        out.int(f.care_insured);
        out.int(f.preschool);
        out.int(f.specified_same);
        out.int(f.earners);
        out.int(a.judgement_income.0);
        out.int(f.levy_base);
        out.int(f.care_levy_base);
        for part in Part::ALL {
            let x = a.part(part);
            if part == Part::Child && !x.levied {
                for _ in 0..7 {
                    out.null();
                }
                continue;
            }
            out.int(x.income_levy.0);
            out.int(x.asset_levy.0);
            out.int(x.per_capita_levy.0);
            out.int(x.per_household_levy.0);
            out.int(x.legal_reduction.0);
            out.int(0); // other reductions: included in the levies (see the schema)
            out.int(x.amount.0);
        }
        out.int(a.total.0);
        out.int(i64::from(f.installments.max(1)));
        out.end_row();
    }
}

/// The `perinatal` row (産前産後期間 届出) of member `member`.
pub struct PerinatalRow<'a> {
    /// The household's rows context.
    pub ctx: &'a HouseholdCtx<'a>,
    /// The member.
    pub member: usize,
    /// The 届出.
    pub notice: crate::model::PerinatalNotice,
}

impl Row for PerinatalRow<'_> {
    const ENTITY: &'static str = "perinatal";
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        let c = self.ctx;
        let n = &self.notice;
        out.str(&c.m.municipality.lgcode);
        out.str(c.id_text.household_number());
        out.str(c.id_text.address_number(self.member));
        out.date(n.expected);
        out.null(); // not born yet: the expected date is after the reference date
        out.bool(n.multiple);
        match n.exemption() {
            Some((from, to)) => {
                out.date(from);
                out.date(to);
            }
            None => {
                out.null();
                out.null();
            }
        }
        out.date(n.notified);
        out.end_row();
    }
}

/// The `edge_case` row of one tag.
pub struct EdgeCaseRow<'a> {
    /// The household's rows context.
    pub ctx: &'a HouseholdCtx<'a>,
    /// The tag.
    pub tag: crate::edge::Tag,
    /// The member concerned, if any.
    pub member: Option<usize>,
}

impl Row for EdgeCaseRow<'_> {
    const ENTITY: &'static str = "edge_case";
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        let c = self.ctx;
        out.str(&c.m.municipality.lgcode);
        out.str(c.id_text.household_number());
        // By person slot: a member's slot is its index; a former member's is past them.
        let slot = self.member.unwrap_or(0) as u64;
        let mut buf = [0u8; 20];
        out.str(crate::rows::digits(
            c.ids.address_number(c.h.local, slot),
            10,
            &mut buf,
        ));
        out.str(if self.member.is_some() {
            "person"
        } else {
            "household"
        });
        out.str(self.tag.code());
        out.end_row();
    }
}
