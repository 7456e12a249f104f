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
use nhikit_schema::names::codes::{AssessmentKind, ReductionClass, SpecifiedHouseholdClass};
use nhikit_schema::names::{self, assessment, edge_case, perinatal};
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
    const ENTITY: &'static str = names::income::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use names::income as i;
        let c = self.ctx;
        let p = self.income;
        let mut row = i::Cells::new();
        row.str(i::LGCODE, &c.m.municipality.lgcode)
            .str(i::ADDRESS_NUMBER, self.address_number)
            .int(i::INCOME_YEAR, i64::from(self.income_year))
            .str(i::DECLARATION_STATUS, p.declaration)
            .str(i::TAX_STATUS, p.tax_status)
            .int(i::SALARY_REVENUE, p.salary_revenue)
            .int(i::SALARY_INCOME, p.salary_income)
            .int(i::PENSION_REVENUE, p.pension_revenue)
            .int(i::PENSION_INCOME, p.pension_income)
            .int(i::BUSINESS_INCOME, p.business_income)
            .int(i::REAL_ESTATE_INCOME, p.real_estate_income)
            .int(i::INTEREST_DIVIDEND_INCOME, p.interest_dividend_income);
        // Incomes the model does not draw.
        for item in [
            i::MISC_INCOME,
            i::OTHER_COMPREHENSIVE_INCOME,
            i::SEPARATE_CAPITAL_GAINS,
            i::SEPARATE_CAPITAL_GAINS_DEDUCTION,
            i::STOCK_CAPITAL_GAINS,
            i::FAMILY_EMPLOYEE_SALARY,
        ] {
            row.int(item, 0);
        }
        row.bool(i::IS_FAMILY_EMPLOYEE, false)
            .int(i::TOTAL_INCOME, p.total_income)
            .int(i::TAXABLE_INCOME, p.taxable_income)
            .bool(i::INVOLUNTARY_UNEMPLOYED, p.involuntary.is_some());
        if let Some((date, reason)) = p.involuntary {
            row.date(i::SEPARATION_DATE, date)
                .str(i::SEPARATION_REASON, reason);
        }
        row.write(out);
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

fn reduction_code(r: Reduction) -> ReductionClass {
    match r {
        Reduction::None => ReductionClass::C0,
        Reduction::Twenty => ReductionClass::C2,
        Reduction::Fifty => ReductionClass::C5,
        Reduction::Seventy => ReductionClass::C7,
    }
}

fn specified_code(s: SpecifiedHousehold) -> SpecifiedHouseholdClass {
    match s {
        SpecifiedHousehold::None => SpecifiedHouseholdClass::C0,
        SpecifiedHousehold::Specified => SpecifiedHouseholdClass::C1,
        SpecifiedHousehold::Continuing => SpecifiedHouseholdClass::C2,
    }
}

/// The seven items of each part of an assessment (医療, 支援金, 介護, 子ども・子育て支援金), in
/// [`Part::ALL`] order: 所得割, 資産割, 均等割, 平等割, 法定軽減, その他軽減, 賦課額.
const PART_ITEMS: [[assessment::Item; 7]; 4] = {
    use assessment as a;
    [
        [
            a::MEDICAL_INCOME_LEVY,
            a::MEDICAL_ASSET_LEVY,
            a::MEDICAL_PER_CAPITA_LEVY,
            a::MEDICAL_HOUSEHOLD_LEVY,
            a::MEDICAL_STATUTORY_REDUCTION,
            a::MEDICAL_OTHER_REDUCTION,
            a::MEDICAL_AMOUNT,
        ],
        [
            a::SUPPORT_INCOME_LEVY,
            a::SUPPORT_ASSET_LEVY,
            a::SUPPORT_PER_CAPITA_LEVY,
            a::SUPPORT_HOUSEHOLD_LEVY,
            a::SUPPORT_STATUTORY_REDUCTION,
            a::SUPPORT_OTHER_REDUCTION,
            a::SUPPORT_AMOUNT,
        ],
        [
            a::CARE_INCOME_LEVY,
            a::CARE_ASSET_LEVY,
            a::CARE_PER_CAPITA_LEVY,
            a::CARE_HOUSEHOLD_LEVY,
            a::CARE_STATUTORY_REDUCTION,
            a::CARE_OTHER_REDUCTION,
            a::CARE_AMOUNT,
        ],
        [
            a::CHILD_INCOME_LEVY,
            a::CHILD_ASSET_LEVY,
            a::CHILD_PER_CAPITA_LEVY,
            a::CHILD_HOUSEHOLD_LEVY,
            a::CHILD_STATUTORY_REDUCTION,
            a::CHILD_OTHER_REDUCTION,
            a::CHILD_AMOUNT,
        ],
    ]
};

impl Row for AssessmentRow<'_> {
    const ENTITY: &'static str = assessment::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use assessment as s;
        let c = self.ctx;
        let f = self.facts;
        let a = &f.assessment;
        let mut row = s::Cells::new();
        row.str(s::LGCODE, &c.m.municipality.lgcode)
            .str(s::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .int(s::FISCAL_YEAR, i64::from(a.fiscal_year.0))
            .int(s::REVISION_SEQ, 0)
            .str(s::INSURER_NUMBER, &c.m.insurer_number_text)
            .str(s::ASSESSMENT_KIND, AssessmentKind::C1.code())
            .date(s::ASSESSMENT_DATE, self.assessed_on)
            .str(s::TAXPAYER_ADDRESS_NUMBER, self.taxpayer)
            .str(s::FICTIVE_HEAD_FLAG, f.head.fictive_code)
            .str(s::REDUCTION_CLASS, reduction_code(a.reduction).code())
            .str(
                s::SPECIFIED_HOUSEHOLD_CLASS,
                specified_code(f.head.specified).code(),
            )
            .bool(s::UNDECLARED, f.undeclared)
            .int(s::INSURED_COUNT, f.insured)
            .int(s::CARE_INSURED_COUNT, f.care_insured)
            .int(s::PRESCHOOL_COUNT, f.preschool)
            .int(s::SPECIFIED_SAME_HOUSEHOLD_COUNT, f.specified_same)
            .int(s::SALARY_EARNER_COUNT, f.earners)
            .int(s::REDUCTION_JUDGEMENT_INCOME, a.judgement_income.0)
            .int(s::LEVY_BASE_INCOME, f.levy_base)
            .int(s::CARE_LEVY_BASE_INCOME, f.care_levy_base);
        for (part, items) in Part::ALL.into_iter().zip(PART_ITEMS) {
            let x = a.part(part);
            // 子ども・子育て支援金 before it is levied: absent.
            if part == Part::Child && !x.levied {
                continue;
            }
            let [
                income,
                asset,
                per_capita,
                per_household,
                legal,
                other,
                amount,
            ] = items;
            row.int(income, x.income_levy.0)
                .int(asset, x.asset_levy.0)
                .int(per_capita, x.per_capita_levy.0)
                .int(per_household, x.per_household_levy.0)
                .int(legal, x.legal_reduction.0)
                // Other reductions: included in the levies (see the schema).
                .int(other, 0)
                .int(amount, x.amount.0);
        }
        row.int(s::TOTAL_AMOUNT, a.total.0)
            .int(s::INSTALLMENT_COUNT, i64::from(f.installments.max(1)));
        row.write(out);
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
    const ENTITY: &'static str = perinatal::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use perinatal as p;
        let c = self.ctx;
        let n = &self.notice;
        let mut row = p::Cells::new();
        // 出産日 absent: not born yet, the expected date is after the reference date.
        row.str(p::LGCODE, &c.m.municipality.lgcode)
            .str(p::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .str(p::ADDRESS_NUMBER, c.id_text.address_number(self.member))
            .date(p::EXPECTED_BIRTH_DATE, n.expected)
            .bool(p::MULTIPLE, n.multiple);
        if let Some((from, to)) = n.exemption() {
            row.date(p::EXEMPTION_START, from)
                .date(p::EXEMPTION_END, to);
        }
        row.date(p::NOTIFIED_DATE, n.notified);
        row.write(out);
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
    const ENTITY: &'static str = edge_case::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use edge_case as e;
        let c = self.ctx;
        // By person slot: a member's slot is its index; a former member's is past them.
        let slot = self.member.unwrap_or(0) as u64;
        let mut buf = [0u8; 20];
        let mut row = e::Cells::new();
        row.str(e::LGCODE, &c.m.municipality.lgcode)
            .str(e::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .str(
                e::ADDRESS_NUMBER,
                crate::rows::digits(c.ids.address_number(c.h.local, slot), 10, &mut buf),
            )
            .str(
                e::SCOPE,
                if self.member.is_some() {
                    "person"
                } else {
                    "household"
                },
            )
            .str(e::TAG, self.tag.code());
        row.write(out);
    }
}
