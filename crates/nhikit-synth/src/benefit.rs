//! Benefits (保険給付) of generated households over the history window: the
//! `benefit_childbirth` (出産育児一時金), `benefit_funeral` (葬祭費) and `benefit_high_cost`
//! (高額療養費) rows. They follow the life history ([`crate::history`]): a claim per birth to an
//! insured mother and per death of an insured person, and 高額療養費 for household months
//! whose membership the history knows. Each benefit draws from a random stream of its own
//! (`stream::BENEFIT`), so turning one on changes no other row.
//!
//! Assumptions (with numbers in `docs/generator.md`):
//! - 出産育児一時金: paid per child by the birth date and whether the facility is covered by
//!   産科医療補償制度 (the oracle's table, [`nhikit_rules::benefit::ChildbirthTable`]); 1 in 100
//!   births is a 多胎 (twins), 99 in 100 are covered, 9 in 10 use 直接支払制度.
//! - 葬祭費: the municipality's amount ([`nhikit_rules::benefit::FuneralTable`]) claimed for 9
//!   in 10 deaths, within the 2 years of 時効.
//! - 高額療養費: a chance per insured person-month of a large 入院 bill, by age; the 所得区分,
//!   the 負担割合, the limit and the refund come from the oracle (`nhikit_rules`).

use crate::Error;
use crate::history::{self, Departure, History, loss};
use crate::income::{self, PersonIncome, declaration, tax};
use crate::model::{Sex, acquisition, relationship, stream};
use crate::plan::Plan;
use crate::rows::{HouseholdCtx, digits};
use nhikit_core::Yen;
use nhikit_core::date::{NaiveDate, age_on};
use nhikit_rng::Rng;
use nhikit_rules::benefit::BenefitRules;
use nhikit_rules::copay::{self, CopayCategory, KoureiIncome};
use nhikit_rules::high_cost::{
    self, AgeGroup, Claim, HighCostTables, HouseholdMonth, Setting, compute_month_with,
};
use nhikit_rules::params::{Params, RuleSet};
use nhikit_rules::resident_tax::ResidentTax;
use nhikit_schema::names::{benefit_childbirth, benefit_funeral, benefit_high_cost};
use nhikit_schema::{Cells, ItemOf, Row, RowWriter};

/// Which benefit entities a run writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kinds {
    /// `benefit_childbirth`.
    pub childbirth: bool,
    /// `benefit_funeral`.
    pub funeral: bool,
    /// `benefit_high_cost`.
    pub high_cost: bool,
}

impl Kinds {
    /// Whether any benefit entity is on.
    pub fn any(self) -> bool {
        self.childbirth || self.funeral || self.high_cost
    }
}

/// Rows written per benefit entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// `benefit_childbirth` rows.
    pub childbirth: u64,
    /// `benefit_funeral` rows.
    pub funeral: u64,
    /// `benefit_high_cost` rows.
    pub high_cost: u64,
}

/// The sinks of the benefit entities; `None` skips one.
pub struct Sinks<'s, 'a> {
    /// `benefit_childbirth` rows.
    pub childbirth: Option<&'s mut (dyn RowWriter + 'a)>,
    /// `benefit_funeral` rows.
    pub funeral: Option<&'s mut (dyn RowWriter + 'a)>,
    /// `benefit_high_cost` rows.
    pub high_cost: Option<&'s mut (dyn RowWriter + 'a)>,
}

/// The 限度額適用認定証区分 code (`schemas/codes/income_category_under70.toml`,
/// `income_category_70_74.toml`) of the oracle's 区分 name.
fn category_code(name: &str) -> Option<&'static str> {
    Some(match name {
        "ア" => "A01",
        "イ" => "A02",
        "ウ" => "A03",
        "エ" => "A04",
        "オ" => "A05",
        "現役並みⅢ" => "B01",
        "現役並みⅡ" => "B02",
        "現役並みⅠ" => "B03",
        "一般" => "B04",
        "低所得Ⅱ" => "B05",
        "低所得Ⅰ" => "B06",
        _ => return None,
    })
}

/// Chance per 1,000 that an insured person has a 高額療養費-size bill (a large 入院) in a
/// month, by age in that month (assumption; docs/generator.md).
fn high_cost_per_mille(age: u32) -> u64 {
    match age {
        0..=39 => 3,
        40..=64 => 10,
        65..=69 => 20,
        _ => 30,
    }
}

/// Prepared benefit parameters of a run.
#[derive(Debug)]
pub(crate) struct Benefits {
    kinds: Kinds,
    window: (NaiveDate, NaiveDate),
    /// 出産育児一時金 and 葬祭費 amounts.
    amounts: BenefitRules,
    tables: HighCostTables,
    params: Vec<Params>,
    /// The 住民税 figures of the income year of each entry of `params`.
    tax: Vec<income::TaxYear>,
    /// Fiscal year of `rates[0]`.
    first_fy: i32,
    /// Per fiscal year from `first_fy`, per planned municipality: the index into `params` of
    /// its premium parameters (incomes are drawn with that year's deduction table), if shipped.
    rates: Vec<Vec<Option<usize>>>,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The first day of the month after the month of `d`.
fn next_month(d: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = (chrono::Datelike::year(&d), chrono::Datelike::month(&d));
    if m == 12 {
        ymd(y + 1, 1, 1)
    } else {
        ymd(y, m + 1, 1)
    }
}

fn month_index(d: NaiveDate) -> i32 {
    chrono::Datelike::year(&d) * 12 + chrono::Datelike::month0(&d) as i32
}

/// `d` plus `lo..=hi` days.
fn later(rng: &mut Rng, d: NaiveDate, lo: u64, hi: u64) -> NaiveDate {
    let n = lo + rng.below(hi - lo + 1);
    d.checked_add_days(chrono::Days::new(n)).unwrap_or(d)
}

/// Application, decision and payment dates: `None` when the claim is not filed by `as_of`
/// (no row); decision and payment absent while pending on `as_of`.
#[derive(Debug, Clone, Copy)]
struct Dates {
    application: NaiveDate,
    decision: Option<NaiveDate>,
    payment: Option<NaiveDate>,
}

impl Dates {
    /// Decision 7–30 days after the application, payment 5–20 days after the decision.
    fn draw(rng: &mut Rng, application: NaiveDate, as_of: NaiveDate) -> Option<Dates> {
        let decision = later(rng, application, 7, 30);
        let payment = later(rng, decision, 5, 20);
        (application <= as_of).then(|| Dates {
            application,
            decision: (decision <= as_of).then_some(decision),
            payment: (payment <= as_of).then_some(payment),
        })
    }

    /// Sets 申請日, 決定日 and 支給日 (`items`, of the claim's entity) in `row`.
    fn set<I: ItemOf, const N: usize>(&self, row: &mut Cells<'_, I, N>, items: [I; 3]) {
        let [application, decision, payment] = items;
        row.date(application, self.application)
            .opt_date(decision, self.decision)
            .opt_date(payment, self.payment);
    }
}

/// 申請番号: a letter for the benefit, the household's local index (7 digits) and the claim's
/// number within the household (3 digits): unique within the municipality.
fn claim_number(kind: u8, local: u64, seq: u64, buf: &mut [u8; 20]) -> &str {
    buf[0] = kind;
    let mut n = local * 1000 + seq % 1000;
    for i in (1..11).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    std::str::from_utf8(&buf[..11]).unwrap_or("")
}

/// Someone whose 宛名番号 a row carries.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// A current member (index).
    Member(usize),
    /// A former member of the current household (person slot).
    Former(u64),
}

fn address_number<'a>(ctx: &'a HouseholdCtx<'_>, who: Who, buf: &'a mut [u8; 20]) -> &'a str {
    match who {
        Who::Member(i) => ctx.id_text.address_number(i),
        Who::Former(slot) => digits(ctx.ids.address_number(ctx.h.local, slot), 10, buf),
    }
}

impl Benefits {
    /// Prepares the benefits `kinds` of a run over `window` (first and last day) on `as_of`:
    /// the 高額療養費 tables and the premium parameters of every fiscal year whose income year
    /// a service month of the window uses (those not shipped are `None`: no claims then).
    pub(crate) fn new(
        plan: &Plan,
        kinds: Kinds,
        window: (NaiveDate, NaiveDate),
        as_of: NaiveDate,
    ) -> Result<Benefits, Error> {
        let tables = HighCostTables::embedded()
            .map_err(|e| Error::Config(format!("loading the 高額療養費 tables: {e}")))?;
        let amounts = BenefitRules::builtin()
            .map_err(|e| Error::Config(format!("loading the benefit tables: {e}")))?;
        let mut b = Benefits {
            kinds,
            window,
            amounts,
            tables,
            params: Vec::new(),
            tax: Vec::new(),
            first_fy: copay::income_year_for(window.0) + 1,
            rates: Vec::new(),
        };
        if !kinds.high_cost {
            return Ok(b);
        }
        let rules =
            RuleSet::builtin().map_err(|e| Error::Config(format!("loading schemas/rules: {e}")))?;
        let resident = ResidentTax::builtin()
            .map_err(|e| Error::Config(format!("loading schemas/rules: {e}")))?;
        let last_fy = copay::income_year_for(as_of) + 1;
        let mut ids: Vec<(&str, i32)> = Vec::new();
        for fy in b.first_fy..=last_fy {
            let mut row = Vec::with_capacity(plan.municipalities.len());
            for pm in &plan.municipalities {
                let id = crate::assess::rates_for(&rules, &pm.municipality.lgcode, fy);
                let i = match ids.iter().position(|x| *x == (id, fy)) {
                    Some(i) => Some(i),
                    None => match rules.params(id, fy).and_then(|p| {
                        let t = income::TaxYear::new(&rules, &resident, p.income_year)?;
                        Ok((p, t))
                    }) {
                        Ok((p, t)) => {
                            ids.push((id, fy));
                            b.params.push(p);
                            b.tax.push(t);
                            Some(b.params.len() - 1)
                        }
                        Err(_) => None,
                    },
                };
                row.push(i);
            }
            b.rates.push(row);
        }
        Ok(b)
    }

    /// The premium parameters of planned municipality `m` for fiscal year `fy`, if shipped,
    /// with the 住民税 figures of their income year.
    fn params(&self, m: usize, fy: i32) -> Option<(&Params, &income::TaxYear)> {
        let i = usize::try_from(fy - self.first_fy).ok()?;
        let p = (*self.rates.get(i)?.get(m)?)?;
        Some((self.params.get(p)?, self.tax.get(p)?))
    }

    /// Writes the benefit rows of the household of `ctx` (planned municipality `m`), whose
    /// history `history` is built.
    pub(crate) fn write(
        &self,
        ctx: &HouseholdCtx<'_>,
        m: usize,
        history: &History,
        sinks: Sinks<'_, '_>,
    ) -> Written {
        let mut w = Written::default();
        if let (true, Some(out)) = (self.kinds.childbirth, sinks.childbirth) {
            w.childbirth = self.childbirths(ctx, history, out);
        }
        if let (true, Some(out)) = (self.kinds.funeral, sinks.funeral) {
            w.funeral = self.funerals(ctx, history, out);
        }
        if let (true, Some(out)) = (self.kinds.high_cost, sinks.high_cost) {
            w.high_cost = self.high_costs(ctx, m, history, out);
        }
        w
    }

    fn rng(ctx: &HouseholdCtx<'_>, k: u64) -> Rng {
        Rng::new(
            ctx.model.seed(),
            stream::BENEFIT | u64::from(ctx.m.municipality.ordinal),
            ctx.h.local * 4 + k,
        )
    }

    /// The insured mother of a child born on `birth`: a woman of the household (世帯主 or 妻,
    /// current or former) aged 15–50 then, insured on that day.
    fn mother(ctx: &HouseholdCtx<'_>, history: &History, birth: NaiveDate) -> Option<Who> {
        let can = |sex: Sex, born: NaiveDate, rel: &str| {
            sex == Sex::Female
                && matches!(rel, relationship::HEAD | relationship::WIFE)
                && born < birth
                && (15..=50).contains(&age_on(born, birth))
        };
        let covers = |p: &history::Period| p.acquired <= birth && birth < p.loss.date;
        for (i, m) in ctx.h.members.iter().enumerate() {
            if !can(m.sex, m.birth, m.relationship) {
                continue;
            }
            let insured = (m.insured && m.acquired <= birth)
                || history
                    .member_periods()
                    .iter()
                    .any(|(k, p)| *k == i && covers(p));
            if insured {
                return Some(Who::Member(i));
            }
        }
        history
            .formers()
            .iter()
            .find(|f| {
                !f.own_household
                    && can(f.sex, f.birth, f.relationship)
                    && f.periods.iter().flatten().any(covers)
            })
            .map(|f| Who::Former(f.slot))
    }

    /// 出産育児一時金: one claim per birth date of children born into the household within
    /// the window to an insured mother.
    fn childbirths(
        &self,
        ctx: &HouseholdCtx<'_>,
        history: &History,
        out: &mut dyn RowWriter,
    ) -> u64 {
        let (w0, w1) = self.window;
        let as_of = ctx.model.as_of();
        let mut rng = Benefits::rng(ctx, 0);
        let members = &ctx.h.members;
        let born_here = |c: &crate::model::Member| {
            c.insured && c.acquisition_reason == acquisition::BIRTH && c.acquired == c.birth
        };
        let mut seq = 0;
        for (i, c) in members.iter().enumerate() {
            if !born_here(c) || c.birth < w0 || c.birth > w1 {
                continue;
            }
            // Children born the same day are one claim (a 多胎), made at the first of them.
            if members[..i]
                .iter()
                .any(|x| born_here(x) && x.birth == c.birth)
            {
                continue;
            }
            let registered = members[i..]
                .iter()
                .filter(|x| born_here(x) && x.birth == c.birth)
                .count() as i64;
            // Drawn for every birth, in a fixed order, whether or not a claim follows.
            let twin = rng.chance(1, 100);
            let scheme = rng.chance(99, 100);
            let direct = rng.chance(9, 10);
            let children = if twin { registered.max(2) } else { registered };
            let weeks = if children > 1 {
                32 + rng.below(6)
            } else if rng.chance(94, 100) {
                37 + rng.below(5)
            } else {
                28 + rng.below(9)
            };
            let application = if direct {
                later(&mut rng, c.birth, 5, 40)
            } else {
                later(&mut rng, c.birth, 14, 120)
            };
            let dates = Dates::draw(&mut rng, application, as_of);
            let (Some(mother), Some(dates), Ok(per_child)) = (
                Benefits::mother(ctx, history, c.birth),
                dates,
                self.amounts.childbirth.per_child(c.birth, scheme),
            ) else {
                continue;
            };
            seq += 1;
            ChildbirthRow {
                ctx,
                seq,
                mother,
                birth: c.birth,
                weeks: weeks as i64,
                children,
                scheme,
                direct,
                amount: Yen(per_child.0 * children),
                dates,
            }
            .write(out);
        }
        seq
    }

    /// 葬祭費: one claim per death of an insured former member within the window, by the
    /// 世帯主 who survived, or by a relative (a child of the deceased) for one who lived alone.
    fn funerals(&self, ctx: &HouseholdCtx<'_>, history: &History, out: &mut dyn RowWriter) -> u64 {
        let (w0, w1) = self.window;
        let as_of = ctx.model.as_of();
        let mut rng = Benefits::rng(ctx, 1);
        let model = ctx.model;
        let mut seq = 0;
        let (mut name, mut kana) = (String::new(), String::new());
        for f in history.formers() {
            let Departure::Died(death) = f.departure else {
                continue;
            };
            let insured = f
                .periods
                .iter()
                .flatten()
                .any(|p| p.loss.reason == loss::DEATH);
            if !insured || death < w0 || death > w1 {
                continue;
            }
            let claimed = rng.chance(9, 10);
            let funeral = later(&mut rng, death, 1, 7);
            let application = if rng.chance(8, 10) {
                later(&mut rng, funeral, 3, 60)
            } else {
                later(&mut rng, funeral, 61, 730)
            };
            let dates = Dates::draw(&mut rng, application, as_of);
            // The organizer of one who lived alone: a child, 25–35 years younger.
            let sex = if rng.chance(1, 2) {
                Sex::Male
            } else {
                Sex::Female
            };
            let child_birth = later(&mut rng, f.birth, 25 * 365, 35 * 365);
            let given = model.sample_given(&mut rng, sex, child_birth);
            let (Some(dates), true) = (dates, claimed) else {
                continue;
            };
            let (organizer, organizer_kana) = if f.own_household {
                let s = model.surname(f.surname);
                let g = model.given_name(sex, given);
                for (out, a, b) in [
                    (&mut name, &s.kanji, &g.kanji),
                    (&mut kana, &s.reading, &g.reading),
                ] {
                    out.clear();
                    out.push_str(a);
                    out.push('\u{3000}');
                    out.push_str(b);
                }
                (name.as_str(), kana.as_str())
            } else {
                ctx.text.name(0)
            };
            seq += 1;
            FuneralRow {
                ctx,
                seq,
                slot: f.slot,
                own_household: f.own_household,
                death,
                funeral,
                organizer,
                organizer_kana,
                amount: self.amounts.funeral.amount(&ctx.m.municipality.lgcode),
                dates,
            }
            .write(out);
        }
        seq
    }

    /// 高額療養費: per service month of the window that ends before the reference date, a chance
    /// per insured member (insured the whole month) of a large 入院 bill; a claim when the
    /// oracle refunds something.
    fn high_costs(
        &self,
        ctx: &HouseholdCtx<'_>,
        m: usize,
        history: &History,
        out: &mut dyn RowWriter,
    ) -> u64 {
        let (w0, w1) = self.window;
        let h = ctx.h;
        let as_of = ctx.model.as_of();
        let mut rng = Benefits::rng(ctx, 2);
        let mut refunded: Vec<i32> = Vec::new();
        let mut last: Option<usize> = None;
        let mut incomes: Vec<(i32, Vec<PersonIncome>)> = Vec::new();
        let mut seq = 0;
        let Some(mut month) = ymd(chrono::Datelike::year(&w0), chrono::Datelike::month(&w0), 1)
        else {
            return 0;
        };
        while let Some(next) = next_month(month) {
            let end = next.pred_opt().unwrap_or(month);
            if end >= as_of || end > w1 {
                break;
            }
            let this = month;
            month = next;
            if this < w0 {
                continue;
            }
            // Who has the bill: last month's patient again (a treatment that goes on, 4 in
            // 10), else the first insured member (insured the whole month) whose draw hits;
            // then the bill, 医療費 in 10円 points.
            let insured = |x: &crate::model::Member| x.insured && x.acquired <= this;
            let mut patient = last.filter(|_| rng.chance(4, 10));
            if patient.is_none() {
                for (i, x) in h.members.iter().enumerate() {
                    if insured(x) && rng.chance(high_cost_per_mille(age_on(x.birth, this)), 1000) {
                        patient = Some(i);
                        break;
                    }
                }
            }
            last = patient;
            let Some(patient) = patient else {
                continue;
            };
            let points = match rng.below(100) {
                0..50 => 25_000 + rng.below(55_000),
                50..85 => 80_000 + rng.below(120_000),
                _ => 200_000 + rng.below(400_000),
            };
            let cost = 10 * points as i64;
            let application = later(&mut rng, next_month(next).unwrap_or(next), 0, 45);
            let dates = Dates::draw(&mut rng, application, as_of);
            // Only months whose membership the history knows (no one insured then who is not
            // now) and whose income year has parameters.
            let other_insured = |p: &history::Period| p.acquired <= end && p.loss.date > this;
            if history
                .member_periods()
                .iter()
                .any(|(_, p)| other_insured(p))
                || history
                    .formers()
                    .iter()
                    .any(|f| f.periods.iter().flatten().any(other_insured))
            {
                continue;
            }
            let fy = copay::income_year_for(this) + 1;
            let Some((params, resident)) = self.params(m, fy) else {
                continue;
            };
            let inc = match incomes.iter().position(|(y, _)| *y == fy) {
                Some(k) => &incomes[k].1,
                None => {
                    let mut v = Vec::new();
                    income::draw(
                        ctx.model.seed(),
                        ctx.m.municipality.ordinal,
                        h,
                        as_of,
                        params,
                        resident,
                        &mut v,
                    );
                    if h.edge_income.is_some() {
                        let facts = crate::assess::head_facts(h, as_of);
                        crate::assess::apply_edge_income(h, &mut v, &facts, params, resident);
                    }
                    incomes.push((fy, v));
                    &incomes[incomes.len() - 1].1
                }
            };
            let Some(month_result) =
                self.compute(ctx, patient, this, end, cost, &refunded, inc, params)
            else {
                continue;
            };
            if month_result.refund.0 <= 0 {
                continue;
            }
            refunded.push(month_index(this));
            let Some(dates) = dates else {
                continue;
            };
            seq += 1;
            HighCostRow {
                ctx,
                seq,
                month: this,
                c: &month_result,
                dates,
            }
            .write(out);
        }
        seq
    }

    /// The oracle's 高額療養費 for `cost` of member `patient` in the month `this..=end`.
    #[allow(clippy::too_many_arguments)]
    fn compute(
        &self,
        ctx: &HouseholdCtx<'_>,
        patient: usize,
        this: NaiveDate,
        end: NaiveDate,
        cost: i64,
        refunded: &[i32],
        inc: &[PersonIncome],
        params: &Params,
    ) -> Option<MonthClaim> {
        let h = ctx.h;
        let p = h.members.get(patient)?;
        let group = high_cost::age_group_on(p.birth, this).ok()??;
        // Counted: the insured of the month, and the 世帯主 for 住民税非課税.
        let counted = |i: usize| {
            let x = &h.members[i];
            x.insured && x.acquired <= end
        };
        let income = |i: usize| inc.get(i).copied().unwrap_or_default();
        let mut kyu = 0;
        let mut hikazei = income(0).tax_status == tax::EXEMPT;
        let mut undeclared = income(0).declaration == declaration::UNDECLARED;
        let mut all_zero = income(0).total_income == 0;
        let mut kourei = KoureiIncome::default();
        let mut kourei_base = 0;
        for i in (0..h.members.len()).filter(|&i| counted(i)) {
            let x = income(i);
            let base = (x.total_income - params.basic_deduction_for(x.total_income)).max(0);
            kyu += base;
            hikazei &= x.tax_status == tax::EXEMPT;
            undeclared |= x.declaration == declaration::UNDECLARED;
            all_zero &= x.total_income == 0;
            if high_cost::age_group_on(h.members[i].birth, this).ok()? == Some(AgeGroup::Kourei) {
                kourei.kourei_members += 1;
                kourei.taxable_income_max = kourei.taxable_income_max.max(Yen(x.taxable_income));
                kourei.revenue_kourei_total +=
                    Yen(x.salary_revenue + x.pension_revenue + x.other_income());
                kourei_base += base;
            }
        }
        let head = &h.members[0];
        if !head.insured && age_on(head.birth, this) >= 75 {
            let x = income(0);
            kourei.former_koki_members = 1;
            kourei.revenue_former_total =
                Yen(x.salary_revenue + x.pension_revenue + x.other_income());
        }
        kourei.basic_income_total = Some(Yen(kourei_base));
        let ratio = copay::copay_ratio_with(p.birth, this, &kourei, false).ok()?;
        let percent = i64::from(ratio.ratio?.percent());
        // 一部負担金: 10円未満 四捨五入 (健康保険法第75条).
        let copay = (cost * percent + 500) / 1000 * 10;
        let (under70, over70) = match group {
            AgeGroup::Under70 => (
                Some(high_cost::under70_category(Yen(kyu), hikazei, undeclared)),
                None,
            ),
            AgeGroup::Kourei => (
                None,
                Some(high_cost::over70_category(
                    ratio.category == CopayCategory::KoureiGenekiNami,
                    kourei.taxable_income_max,
                    hikazei,
                    all_zero,
                )),
            ),
        };
        let index = month_index(this);
        let many_times = refunded
            .iter()
            .filter(|&&k| k < index && k >= index - 11)
            .count()
            >= 3;
        let input = HouseholdMonth {
            service_month: this,
            under70_category: under70.map(str::to_owned),
            over70_category: over70.map(str::to_owned),
            many_times,
            claims: vec![Claim {
                person: "1".into(),
                age_group: group,
                setting: Setting::Inpatient,
                medical_cost: Yen(cost),
                copay: Yen(copay),
            }],
            turning_75: Vec::new(),
        };
        let r = compute_month_with(&self.tables, &input, false).ok()?;
        let limit = match group {
            AgeGroup::Under70 => r.household_limit?,
            AgeGroup::Kourei => r.kourei_limit?,
        };
        Some(MonthClaim {
            under70: under70.and_then(category_code),
            over70: over70.and_then(category_code),
            many_times,
            cost: Yen(cost),
            copay: r.total_copay,
            limit,
            refund: r.refund,
        })
    }
}

/// What a `benefit_high_cost` row shows of the oracle's result.
#[derive(Debug, Clone, Copy)]
struct MonthClaim {
    under70: Option<&'static str>,
    over70: Option<&'static str>,
    many_times: bool,
    cost: Yen,
    copay: Yen,
    limit: Yen,
    refund: Yen,
}

struct ChildbirthRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    seq: u64,
    mother: Who,
    birth: NaiveDate,
    weeks: i64,
    children: i64,
    scheme: bool,
    direct: bool,
    amount: Yen,
    dates: Dates,
}

impl Row for ChildbirthRow<'_> {
    const ENTITY: &'static str = benefit_childbirth::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use benefit_childbirth as b;
        let c = self.ctx;
        let (mut x, mut y) = ([0u8; 20], [0u8; 20]);
        let mut row = b::Cells::new();
        row.str(b::LGCODE, &c.m.municipality.lgcode)
            .str(
                b::CLAIM_NUMBER,
                claim_number(b'S', c.h.local, self.seq, &mut x),
            )
            .str(b::INSURER_NUMBER, &c.m.insurer_number_text)
            .str(b::ADDRESS_NUMBER, address_number(c, self.mother, &mut y))
            .str(b::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .date(b::BIRTH_DATE, self.birth)
            .int(b::GESTATION_WEEKS, self.weeks)
            .int(b::CHILDREN_COUNT, self.children)
            .bool(b::COMPENSATION_SCHEME, self.scheme)
            .bool(b::DIRECT_PAYMENT, self.direct)
            .int(b::AMOUNT, self.amount.0);
        self.dates.set(
            &mut row,
            [b::APPLICATION_DATE, b::DECISION_DATE, b::PAYMENT_DATE],
        );
        row.write(out);
    }
}

struct FuneralRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    seq: u64,
    slot: u64,
    own_household: bool,
    death: NaiveDate,
    funeral: NaiveDate,
    organizer: &'a str,
    organizer_kana: &'a str,
    amount: Yen,
    dates: Dates,
}

impl Row for FuneralRow<'_> {
    const ENTITY: &'static str = benefit_funeral::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use benefit_funeral as f;
        let c = self.ctx;
        let (mut a, mut b, mut h) = ([0u8; 20], [0u8; 20], [0u8; 20]);
        let household = if self.own_household {
            let k = history::former_household_index(c.h.local);
            digits(c.ids.household_number(k), 10, &mut h)
        } else {
            c.id_text.household_number()
        };
        let mut row = f::Cells::new();
        row.str(f::LGCODE, &c.m.municipality.lgcode)
            .str(
                f::CLAIM_NUMBER,
                claim_number(b'F', c.h.local, self.seq, &mut a),
            )
            .str(f::INSURER_NUMBER, &c.m.insurer_number_text)
            .str(
                f::ADDRESS_NUMBER,
                address_number(c, Who::Former(self.slot), &mut b),
            )
            .str(f::HOUSEHOLD_NUMBER, household)
            .date(f::DEATH_DATE, self.death)
            .date(f::FUNERAL_DATE, self.funeral)
            .str(f::ORGANIZER_NAME, self.organizer)
            .str(f::ORGANIZER_NAME_KANA, self.organizer_kana)
            .int(f::AMOUNT, self.amount.0);
        self.dates.set(
            &mut row,
            [f::APPLICATION_DATE, f::DECISION_DATE, f::PAYMENT_DATE],
        );
        row.write(out);
    }
}

struct HighCostRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    seq: u64,
    month: NaiveDate,
    c: &'a MonthClaim,
    dates: Dates,
}

impl Row for HighCostRow<'_> {
    const ENTITY: &'static str = benefit_high_cost::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use benefit_high_cost as k;
        let (x, c) = (self.ctx, self.c);
        let mut a = [0u8; 20];
        let mut row = k::Cells::new();
        row.str(k::LGCODE, &x.m.municipality.lgcode)
            .str(
                k::CLAIM_NUMBER,
                claim_number(b'K', x.h.local, self.seq, &mut a),
            )
            .str(k::INSURER_NUMBER, &x.m.insurer_number_text)
            .str(k::HOUSEHOLD_NUMBER, x.id_text.household_number())
            .str(k::APPLICANT_ADDRESS_NUMBER, x.id_text.address_number(0))
            .date(k::SERVICE_MONTH, self.month)
            .opt_str(k::INCOME_CATEGORY_UNDER70, c.under70)
            .opt_str(k::INCOME_CATEGORY_70_74, c.over70)
            .bool(k::MANY_TIMES, c.many_times)
            .int(k::TOTAL_MEDICAL_COST, c.cost.0)
            .int(k::COPAY_TOTAL, c.copay.0)
            .int(k::LIMIT_AMOUNT, c.limit.0)
            .int(k::BENEFIT_AMOUNT, c.refund.0);
        self.dates.set(
            &mut row,
            [k::APPLICATION_DATE, k::DECISION_DATE, k::PAYMENT_DATE],
        );
        row.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_numbers_carry_the_household_and_the_claim() {
        let mut b = [0u8; 20];
        assert_eq!(claim_number(b'K', 2_999_999, 12, &mut b), "K2999999012");
        assert_eq!(claim_number(b'S', 0, 1, &mut b), "S0000000001");
    }
}
