//! The NHI population generator: a realistic but fictitious population of municipal NHI
//! insurers, households (世帯), persons (宛名) and qualifications (被保険者資格), each a pure
//! function of (seed, entity kind, municipality, index) — no I/O, no shared mutable state, so
//! any thread count and any shard split produce the same records.
//!
//! ```
//! use nhikit_synth::{Generator, Options, Reference};
//! use nhikit_schema::RowWriter;
//!
//! /// Counts rows; a real sink writes Parquet or CSV (`nhikit-io`).
//! #[derive(Default)]
//! struct Count(usize);
//! impl RowWriter for Count {
//!     fn null(&mut self) {}
//!     fn str(&mut self, _: &str) {}
//!     fn int(&mut self, _: i64) {}
//!     fn date(&mut self, _: nhikit_core::date::NaiveDate) {}
//!     fn bool(&mut self, _: bool) {}
//!     fn end_row(&mut self) { self.0 += 1 }
//! }
//!
//! let reference = Reference::embedded().unwrap();
//! let options = Options { households: 100, seed: 42, ..Options::default() };
//! let generator = Generator::new(&reference, &options).unwrap();
//! let (mut h, mut p, mut q) = (Count::default(), Count::default(), Count::default());
//! for part in &generator.plan().parts {
//!     generator.write_part(part, &mut h, &mut p, &mut q);
//! }
//! assert_eq!(h.0, 100);
//! assert!(p.0 > 100 && q.0 > 100);
//! ```
//!
//! For Rust callers (`docs/library.md` in the repository):
//! [`Generator::records`] gives households as plain values ([`HouseholdRecord`]); the feature
//! `proptest` adds `strategy::{household, person, household_with, person_with}`, and the
//! feature `fake` implements `fake::Dummy` for the record types (module `dummy`).

/// The examples of `docs/library.md`, run as doctests (they use both features).
#[cfg(all(doctest, feature = "proptest", feature = "fake"))]
#[doc = include_str!("../../../docs/library.md")]
struct LibraryDocs;

mod assess;
pub mod benefit;
#[cfg(feature = "fake")]
pub mod dummy;
pub mod edge;
pub mod history;
pub mod ids;
mod income;
mod model;
mod payment;
pub mod permute;
pub mod plan;
pub mod record;
mod reference;
mod rows;
#[cfg(feature = "proptest")]
pub mod strategy;

pub use edge::{Profile, Tag};
pub use history::Window;
pub use model::{Household, Member, Model, Sex};
pub use plan::{Part, Plan, PlannedMunicipality, Segment, Shard};
pub use record::{Address, HouseholdRecord, NameReading, PersonRecord, QualificationRecord};
pub use reference::{Reference, ReferenceTexts};

use nhikit_core::date::NaiveDate;
use nhikit_schema::{Row, RowWriter};
use rows::{
    Composed, HouseholdCtx, HouseholdIds, HouseholdRow, InsurerRow, PersonRow, QualificationRow,
};

/// The generator's output version: bumped whenever the same seed and options would give
/// different records. It goes into the manifest beside the seed.
///
/// History: 2 — `--profile edge`: the children of a 未就学児 (`preschool`) household are
/// drawn at least 18 years younger than their youngest parent (version 1 could make a parent
/// of 20 the parent of a 5-year-old; `nhikit validate` flagged it). Default output unchanged.
/// 3 — incomes: each person draws from a stream of their own, the same every year, with a
/// yearly variation (version 2 drew a household's members in turn), calibrated on `nhikit
/// stats`' income bands and 法定軽減 shares (more working-age employees, 54 %, bands edged on
/// the 軽減 thresholds; for 65+ a pension by position, the 世帯主 mostly 165–224万円, other
/// members mostly 50–100万円); the assessment row's 給与所得者等
/// count and 未申告 flag follow the oracle's 判定日; assessments of earlier years of the window,
/// `payment` and `perinatal` rows are new; `--profile edge` has three more tags
/// (`involuntary_unemployed`, `perinatal`, `move_in_out_same_day`), so its draws change.
/// Default households, persons and qualifications unchanged.
/// 4 — with histories, assessments (and payments, 高額療養費 limits) of FY2023 and FY2024 too:
/// 利府町's rate sets are shipped for those years and assess every municipality without a set
/// of its own, as the reference target's default assignment does. Nothing else changed.
/// 5 — the oracle applies 所得金額調整控除 (給与と年金の両方がある人: up to 10万円 off 給与所得,
/// from 2020 income): assessments (and so payments) of persons with both a salary and a pension
/// change (1,085 of 11,668 assessment rows at 3,000 households, seed 7, `--with
/// income,payment,benefit`); and with FY2020–FY2022 national parameters shipped, 高額療養費
/// claims (`--with benefit` and a history) come from service month 2020-08 on (was 2023-08),
/// whose income years now have parameters. Households, persons, qualifications and incomes
/// unchanged.
pub const OUTPUT_VERSION: u32 = 5;

/// The generator's errors: bad options or bad reference data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option is invalid; the message says which and what is expected.
    #[error("{0}")]
    Config(String),
    /// A reference file is malformed.
    #[error("{source_name}:{line}: {reason}")]
    Reference {
        /// The file.
        source_name: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The seed: same seed, same options, same version → same records.
    pub seed: u64,
    /// Households in all.
    pub households: u64,
    /// Restrict to these municipalities (6-digit 地方公共団体コード); empty means all.
    pub municipalities: Vec<String>,
    /// The reference date (基準日) of the snapshot: ages and qualifications hold on it.
    pub as_of: NaiveDate,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            seed: 0,
            households: 1000,
            municipalities: Vec::new(),
            as_of: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
        }
    }
}

/// Rows written for one part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartCounts {
    /// Households.
    pub households: u64,
    /// Persons.
    pub persons: u64,
    /// Qualifications (insured persons).
    pub qualifications: u64,
    /// `income` rows.
    pub incomes: u64,
    /// `assessment` rows.
    pub assessments: u64,
    /// `edge_case` rows.
    pub edge_cases: u64,
    /// `qualification_event` rows.
    pub events: u64,
    /// `payment` rows.
    pub payments: u64,
    /// `perinatal` rows.
    pub perinatal: u64,
    /// `benefit_childbirth`, `benefit_funeral` and `benefit_high_cost` rows.
    pub benefits: benefit::Written,
}

impl PartCounts {
    /// Rows of extra entity `entity` (one of [`Extras::ENTITIES`]); 0 for another name.
    pub fn extra(&self, entity: &str) -> u64 {
        match entity {
            "income" => self.incomes,
            "assessment" => self.assessments,
            "edge_case" => self.edge_cases,
            "qualification_event" => self.events,
            "payment" => self.payments,
            "perinatal" => self.perinatal,
            "benefit_childbirth" => self.benefits.childbirth,
            "benefit_funeral" => self.benefits.funeral,
            "benefit_high_cost" => self.benefits.high_cost,
            _ => 0,
        }
    }

    /// Rows of every entity.
    pub fn rows(&self) -> u64 {
        self.households
            + self.persons
            + self.qualifications
            + Extras::ENTITIES.iter().map(|e| self.extra(e)).sum::<u64>()
    }

    /// Adds the rows of `other`.
    pub fn add(&mut self, other: &PartCounts) {
        self.households += other.households;
        self.persons += other.persons;
        self.qualifications += other.qualifications;
        self.incomes += other.incomes;
        self.assessments += other.assessments;
        self.edge_cases += other.edge_cases;
        self.events += other.events;
        self.payments += other.payments;
        self.perinatal += other.perinatal;
        self.benefits.childbirth += other.benefits.childbirth;
        self.benefits.funeral += other.benefits.funeral;
        self.benefits.high_cost += other.benefits.high_cost;
    }
}

/// What to generate beyond households, persons and qualifications.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    /// The population profile.
    pub profile: Profile,
    /// `income` rows: every member's income of the income year the fiscal year of the
    /// reference date uses.
    pub income: bool,
    /// `assessment` rows: every household's 当初賦課 for the fiscal year of the reference date,
    /// and with [`Extras::history`] for each earlier fiscal year of the window whose rates are
    /// shipped (`income` rows then cover those years too); with them the `perinatal` rows
    /// (産前産後期間 届出 of the edge profile) the amounts depend on.
    pub assessment: bool,
    /// `payment` rows of every assessment (needs `assessment`).
    pub payment: bool,
    /// `edge_case` rows (the tags of the edge profile).
    pub edge_cases: bool,
    /// Life histories over this window of fiscal years: `qualification_event` rows, closed
    /// `qualification` periods and the persons who left within the window
    /// ([`history`]). `None`: the snapshot only.
    pub history: Option<Window>,
    /// Benefit claims over the history window ([`benefit`]); they follow the life history,
    /// so turning one on turns [`Extras::history`] on too.
    pub benefits: benefit::Kinds,
}

impl Extras {
    /// The names `--with` takes: the extra entities (`event` is an alias of
    /// `qualification_event`, `benefit` turns on the three benefit entities).
    pub const NAMES: &'static str = "income, assessment, payment, edge_case, qualification_event (alias event), benefit_childbirth, benefit_funeral, benefit_high_cost or benefit (all three)";

    /// Every extra entity, in the order a part writes them.
    pub const ENTITIES: [&'static str; 9] = [
        "income",
        "assessment",
        "edge_case",
        "qualification_event",
        "payment",
        "perinatal",
        "benefit_childbirth",
        "benefit_funeral",
        "benefit_high_cost",
    ];

    /// Whether extra entity `entity` is written (`perinatal` with `assessment`, whose amounts
    /// depend on it; `qualification_event` with the history).
    pub fn writes(&self, entity: &str) -> bool {
        match entity {
            "income" => self.income,
            "assessment" | "perinatal" => self.assessment,
            "edge_case" => self.edge_cases,
            "qualification_event" => self.history.is_some(),
            "payment" => self.payment,
            "benefit_childbirth" => self.benefits.childbirth,
            "benefit_funeral" => self.benefits.funeral,
            "benefit_high_cost" => self.benefits.high_cost,
            _ => false,
        }
    }

    /// The extra entities written, in [`Extras::ENTITIES`] order.
    pub fn entities(&self) -> Vec<&'static str> {
        Extras::ENTITIES
            .into_iter()
            .filter(|e| self.writes(e))
            .collect()
    }

    /// Turns on the extra entity `name` of `--with` ([`Extras::NAMES`]); the history rows
    /// cover `window`. A benefit entity turns the history on as well: claims follow the births
    /// and deaths of the history. `false` for a name that is none of them.
    pub fn add(&mut self, name: &str, window: Window) -> bool {
        match name.trim() {
            "income" => self.income = true,
            "assessment" => self.assessment = true,
            // Payments need their assessments, and past years to have been paid.
            "payment" => {
                self.payment = true;
                self.assessment = true;
                self.history = Some(window);
            }
            "edge_case" => self.edge_cases = true,
            "qualification_event" | "event" => self.history = Some(window),
            "benefit_childbirth" | "benefit_funeral" | "benefit_high_cost" | "benefit" => {
                let b = &mut self.benefits;
                let all = name.trim() == "benefit";
                b.childbirth |= all || name.trim() == "benefit_childbirth";
                b.funeral |= all || name.trim() == "benefit_funeral";
                b.high_cost |= all || name.trim() == "benefit_high_cost";
                self.history = Some(window);
            }
            _ => return false,
        }
        true
    }
}

/// Sinks of the extra entities; `None` skips the entity.
#[derive(Default)]
pub struct ExtraSinks<'a> {
    /// `income` rows.
    pub income: Option<&'a mut dyn RowWriter>,
    /// `assessment` rows.
    pub assessment: Option<&'a mut dyn RowWriter>,
    /// `edge_case` rows.
    pub edge_case: Option<&'a mut dyn RowWriter>,
    /// `qualification_event` rows (with [`Extras::history`]).
    pub event: Option<&'a mut dyn RowWriter>,
    /// `payment` rows.
    pub payment: Option<&'a mut dyn RowWriter>,
    /// `perinatal` rows (産前産後期間 届出, which the assessments depend on).
    pub perinatal: Option<&'a mut dyn RowWriter>,
    /// `benefit_childbirth` rows (with [`Extras::benefits`]).
    pub benefit_childbirth: Option<&'a mut dyn RowWriter>,
    /// `benefit_funeral` rows.
    pub benefit_funeral: Option<&'a mut dyn RowWriter>,
    /// `benefit_high_cost` rows.
    pub benefit_high_cost: Option<&'a mut dyn RowWriter>,
}

impl<'a> ExtraSinks<'a> {
    /// Points the sink of extra entity `entity` (one of [`Extras::ENTITIES`]) at `w`; `false`
    /// for another name.
    pub fn set(&mut self, entity: &str, w: &'a mut dyn RowWriter) -> bool {
        let sink = match entity {
            "income" => &mut self.income,
            "assessment" => &mut self.assessment,
            "edge_case" => &mut self.edge_case,
            "qualification_event" => &mut self.event,
            "payment" => &mut self.payment,
            "perinatal" => &mut self.perinatal,
            "benefit_childbirth" => &mut self.benefit_childbirth,
            "benefit_funeral" => &mut self.benefit_funeral,
            "benefit_high_cost" => &mut self.benefit_high_cost,
            _ => return false,
        };
        *sink = Some(w);
        true
    }
}

/// A prepared run: the model and the plan.
#[derive(Debug)]
pub struct Generator<'r> {
    model: Model<'r>,
    plan: Plan,
    symbols: Vec<Option<u16>>,
    premium_forms: Vec<&'static str>,
    extras: Extras,
    /// Resolved premium parameters, one per rate set and fiscal year used.
    params: Vec<nhikit_rules::params::Params>,
    /// The 住民税 figures of the income year of each entry of `params`.
    tax: Vec<income::TaxYear>,
    /// The due dates of each entry of `params` ([`payment::schedule`]).
    schedules: Vec<Vec<NaiveDate>>,
    /// Per planned municipality, its index into `params` for the fiscal year of the reference
    /// date.
    rates: Vec<usize>,
    /// The earlier fiscal years of the history window that are assessed: the year and, per
    /// planned municipality, its index into `params`.
    past: Vec<(i32, Vec<usize>)>,
    /// First and last day of the history window, when histories are generated.
    window: Option<(NaiveDate, NaiveDate)>,
    /// Benefit parameters, when benefits are generated.
    benefits: Option<benefit::Benefits>,
}

impl<'r> Generator<'r> {
    /// Prepares a run.
    pub fn new(reference: &'r Reference, options: &Options) -> Result<Generator<'r>, Error> {
        let plan = Plan::new(reference, options.households, &options.municipalities)?;
        let model = Model::new(reference, options.seed, options.as_of)?;
        let mut symbols = Vec::new();
        let mut premium_forms = Vec::new();
        for pm in &plan.municipalities {
            let mut rng = nhikit_rng::Rng::new(
                options.seed,
                model::stream::MUNICIPALITY,
                u64::from(pm.municipality.ordinal),
            );
            // Assumptions (docs/generator.md): 6 in 10 municipalities print a 記号; about 1 in
            // 7 levies 保険料 rather than 保険税.
            symbols.push(if rng.chance(6, 10) {
                Some(1 + rng.below(9999) as u16)
            } else {
                None
            });
            premium_forms.push(if rng.chance(1, 7) { "2" } else { "1" });
        }
        Ok(Generator {
            model,
            plan,
            symbols,
            premium_forms,
            extras: Extras::default(),
            params: Vec::new(),
            tax: Vec::new(),
            schedules: Vec::new(),
            rates: Vec::new(),
            past: Vec::new(),
            window: None,
            benefits: None,
        })
    }

    /// The same run with a profile and extra entities. Incomes and assessments need the
    /// premium parameters of the fiscal year of the reference date (shipped: FY2023–FY2026
    /// national, municipal rate sets per `schemas/rules/municipal`).
    pub fn with_extras(mut self, extras: Extras) -> Result<Generator<'r>, Error> {
        self.model.profile = extras.profile;
        self.extras = extras;
        self.window = match extras.history {
            Some(w) => Some(w.days(self.model.as_of())?),
            None => None,
        };
        if let (Some(window), true) = (self.window, extras.benefits.any()) {
            let b =
                benefit::Benefits::new(&self.plan, extras.benefits, window, self.model.as_of())?;
            self.benefits = Some(b);
        }
        if extras.income || extras.assessment {
            let rules = nhikit_rules::params::RuleSet::builtin()
                .map_err(|e| Error::Config(format!("loading schemas/rules: {e}")))?;
            let resident = nhikit_rules::resident_tax::ResidentTax::builtin()
                .map_err(|e| Error::Config(format!("loading schemas/rules: {e}")))?;
            let fy = nhikit_core::date::FiscalYear::of(self.model.as_of()).0;
            let mut ids: Vec<(&str, i32)> = Vec::new();
            self.rates = self.resolve(&rules, &resident, fy, &mut ids).map_err(|e| {
                Error::Config(format!(
                    "incomes and assessments for FY{fy} (the fiscal year of the reference date {}): {e}",
                    self.model.as_of()
                ))
            })?;
            // Earlier years of the window: those whose rates are shipped for every municipality
            // (schemas/rules; the others are left out, docs/generator.md).
            if let Some(w) = extras.history {
                for year in w.from..fy {
                    if let Ok(rates) = self.resolve(&rules, &resident, year, &mut ids) {
                        self.past.push((year, rates));
                    }
                }
            }
            self.schedules = self
                .params
                .iter()
                .map(|p| payment::schedule(p.fiscal_year.0, p.installments))
                .collect();
        }
        Ok(self)
    }

    /// Per planned municipality, the index into `params` (and `tax`) of its rate set for
    /// fiscal year `fy`, resolving each (rate set, year) once (`ids`).
    fn resolve<'a>(
        &mut self,
        rules: &'a nhikit_rules::params::RuleSet,
        resident: &nhikit_rules::resident_tax::ResidentTax,
        fy: i32,
        ids: &mut Vec<(&'a str, i32)>,
    ) -> Result<Vec<usize>, String> {
        let mut rates = Vec::with_capacity(self.plan.municipalities.len());
        for pm in &self.plan.municipalities {
            let id = assess::rates_for(rules, &pm.municipality.lgcode, fy);
            let i = match ids.iter().position(|x| *x == (id, fy)) {
                Some(i) => i,
                None => {
                    let params = rules
                        .params(id, fy)
                        .map_err(|e| format!("rate set `{id}`: {e}"))?;
                    let tax = income::TaxYear::new(rules, resident, params.income_year)
                        .map_err(|e| format!("住民税 figures of {}: {e}", params.income_year))?;
                    ids.push((id, fy));
                    self.params.push(params);
                    self.tax.push(tax);
                    ids.len() - 1
                }
            };
            rates.push(i);
        }
        Ok(rates)
    }

    /// The profile and extra entities of this run.
    pub fn extras(&self) -> Extras {
        self.extras
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The model.
    pub fn model(&self) -> &Model<'r> {
        &self.model
    }

    /// Writes the `insurer` rows of the planned municipalities.
    pub fn write_insurers<W: RowWriter + ?Sized>(&self, out: &mut W) -> u64 {
        for (i, m) in self.plan.municipalities.iter().enumerate() {
            InsurerRow {
                m,
                premium_form: self.premium_forms[i],
            }
            .write(out);
        }
        self.plan.municipalities.len() as u64
    }

    /// Writes the households of `part` with their persons and qualifications.
    pub fn write_part<H, P, Q>(
        &self,
        part: &Part,
        households: &mut H,
        persons: &mut P,
        qualifications: &mut Q,
    ) -> PartCounts
    where
        H: RowWriter + ?Sized,
        P: RowWriter + ?Sized,
        Q: RowWriter + ?Sized,
    {
        self.write_part_with(
            part,
            households,
            persons,
            qualifications,
            &mut ExtraSinks::default(),
        )
    }

    /// [`Generator::write_part`] plus the extra entities whose sink is given (incomes and
    /// assessments need [`Generator::with_extras`] to have asked for them).
    pub fn write_part_with<H, P, Q>(
        &self,
        part: &Part,
        households: &mut H,
        persons: &mut P,
        qualifications: &mut Q,
        extra: &mut ExtraSinks<'_>,
    ) -> PartCounts
    where
        H: RowWriter + ?Sized,
        P: RowWriter + ?Sized,
        Q: RowWriter + ?Sized,
    {
        let mut incomes: Vec<income::PersonIncome> = Vec::new();
        let mut counts = PartCounts::default();
        let mut h = Household::default();
        let mut text = Composed::default();
        let mut member_ids: Vec<(u64, u64)> = Vec::new();
        let mut edabans: Vec<u64> = Vec::new();
        let mut id_text = rows::IdText::default();
        let mut history = history::History::default();
        let mut past = Household::default();
        for segment in &part.segments {
            let m = &self.plan.municipalities[segment.municipality];
            let ordinal = m.municipality.ordinal;
            let towns = self
                .model
                .reference()
                .towns
                .get(ordinal_index(self.model.reference(), ordinal))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let ids = self.model.ids(ordinal);
            for local in segment.first..segment.first + segment.count {
                self.model.household(ordinal, towns.len(), local, &mut h);
                text.compose(&self.model, m, towns, &h);
                member_ids.clear();
                member_ids.extend(h.members.iter().map(|p| {
                    (
                        ids.address_number(local, p.slot),
                        ids.my_number(local, p.slot).value(),
                    )
                }));
                edabans.clear();
                let mut next = 0;
                edabans.extend(h.members.iter().map(|p| {
                    if p.insured {
                        next += 1;
                        next
                    } else {
                        0
                    }
                }));
                let hid = HouseholdIds {
                    household_number: ids.household_number(local),
                    insured_number: ids.insured_number(local),
                    symbol: self.symbols[segment.municipality],
                };
                id_text.build(&hid, &member_ids, &edabans);
                let ctx = HouseholdCtx {
                    model: &self.model,
                    m,
                    ids: &ids,
                    h: &h,
                    hid,
                    text: &text,
                    postal_code: h
                        .town
                        .and_then(|t| towns.get(t))
                        .map(|t| t.postal_code.as_str()),
                    id_text: &id_text,
                };
                HouseholdRow(&ctx).write(households);
                counts.households += 1;
                if let Some(window) = self.window {
                    history.build(&self.model, ordinal, &h, window);
                }
                for i in 0..h.members.len() {
                    PersonRow(&ctx, i).write(persons);
                    counts.persons += 1;
                    if h.members[i].insured {
                        QualificationRow(&ctx, i).write(qualifications);
                        counts.qualifications += 1;
                    } else if self.window.is_some()
                        && history.write_member_period(&ctx, i, qualifications)
                    {
                        counts.qualifications += 1;
                    }
                }
                if self.window.is_some() {
                    let w = history.write(
                        &ctx,
                        households,
                        persons,
                        qualifications,
                        extra.event.as_deref_mut(),
                    );
                    counts.households += w.households;
                    counts.persons += w.persons;
                    counts.qualifications += w.qualifications;
                    counts.events += w.events;
                }
                if let Some(out) = extra.perinatal.as_deref_mut() {
                    for (i, m) in h.members.iter().enumerate() {
                        if let Some(notice) = m.perinatal {
                            assess::PerinatalRow {
                                ctx: &ctx,
                                member: i,
                                notice,
                            }
                            .write(out);
                            counts.perinatal += 1;
                        }
                    }
                }
                if let Some(b) = &self.benefits {
                    let sinks = benefit::Sinks {
                        childbirth: extra.benefit_childbirth.as_deref_mut(),
                        funeral: extra.benefit_funeral.as_deref_mut(),
                        high_cost: extra.benefit_high_cost.as_deref_mut(),
                    };
                    let w = b.write(&ctx, segment.municipality, &history, sinks);
                    counts.benefits.childbirth += w.childbirth;
                    counts.benefits.funeral += w.funeral;
                    counts.benefits.high_cost += w.high_cost;
                }
                if let Some(out) = extra.edge_case.as_deref_mut() {
                    for &(tag, member) in &h.tags {
                        // The same-day move is a former member: there only with histories.
                        if tag == Tag::MoveInOutSameDay && self.window.is_none() {
                            continue;
                        }
                        assess::EdgeCaseRow {
                            ctx: &ctx,
                            tag,
                            member,
                        }
                        .write(out);
                        counts.edge_cases += 1;
                    }
                }
                let wanted =
                    extra.income.is_some() || extra.assessment.is_some() || extra.payment.is_some();
                let Some(&current) = self.rates.get(segment.municipality) else {
                    continue;
                };
                if !wanted {
                    continue;
                }
                // Earlier years of the window first, then the year of the reference date.
                for (year, rates) in &self.past {
                    let fy = nhikit_core::date::FiscalYear(*year);
                    let (Some(&i), Some(start)) = (rates.get(segment.municipality), fy.start())
                    else {
                        continue;
                    };
                    if !history.year_household(&h, fy, &mut past) {
                        continue;
                    }
                    let params = &self.params[i];
                    income::draw(
                        self.model.seed(),
                        ordinal,
                        &past,
                        self.model.as_of(),
                        params,
                        &self.tax[i],
                        &mut incomes,
                    );
                    let facts = assess::head_facts(&past, start);
                    // The notice goes out about two weeks before the first due date.
                    let assessed_on = self.schedules[i]
                        .first()
                        .map_or(start, |d| *d - chrono::Days::new(14));
                    self.write_year(
                        &ctx,
                        &past,
                        &incomes,
                        facts,
                        i,
                        assessed_on,
                        extra,
                        &mut counts,
                    );
                }
                let params = &self.params[current];
                income::draw(
                    self.model.seed(),
                    ordinal,
                    &h,
                    self.model.as_of(),
                    params,
                    &self.tax[current],
                    &mut incomes,
                );
                let facts = assess::head_facts(&h, self.model.as_of());
                if h.edge_income.is_some() {
                    assess::apply_edge_income(&h, &mut incomes, &facts, params, &self.tax[current]);
                }
                self.write_year(
                    &ctx,
                    &h,
                    &incomes,
                    facts,
                    current,
                    self.model.as_of(),
                    extra,
                    &mut counts,
                );
            }
        }
        counts
    }

    /// Writes the `income` rows of the members of `h` (the household in the year of
    /// `self.params[rates]`), its `assessment` row and the `payment` rows of the assessment,
    /// for the sinks given.
    #[allow(clippy::too_many_arguments)]
    fn write_year(
        &self,
        ctx: &HouseholdCtx<'_>,
        h: &Household,
        incomes: &[income::PersonIncome],
        facts: assess::HeadFacts,
        rates: usize,
        assessed_on: NaiveDate,
        extra: &mut ExtraSinks<'_>,
        counts: &mut PartCounts,
    ) {
        let params = &self.params[rates];
        let mut buf = [0u8; 20];
        if let Some(out) = extra.income.as_deref_mut() {
            for (m, income) in h.members.iter().zip(incomes) {
                assess::IncomeRow {
                    ctx,
                    address_number: rows::digits(
                        ctx.ids.address_number(h.local, m.slot),
                        10,
                        &mut buf,
                    ),
                    income,
                    income_year: params.income_year,
                }
                .write(out);
                counts.incomes += 1;
            }
        }
        if extra.assessment.is_none() && extra.payment.is_none() {
            return;
        }
        let Some(f) = assess::assess(h, incomes, facts, params) else {
            return;
        };
        let head = h.members.first().map_or(0, |m| m.slot);
        if let Some(out) = extra.assessment.as_deref_mut() {
            assess::AssessmentRow {
                ctx,
                facts: &f,
                assessed_on,
                taxpayer: rows::digits(ctx.ids.address_number(h.local, head), 10, &mut buf),
            }
            .write(out);
            counts.assessments += 1;
        }
        if let Some(out) = extra.payment.as_deref_mut() {
            counts.payments += payment::Payments {
                ctx,
                fiscal_year: params.fiscal_year.0,
                total: f.assessment.total,
                due: &self.schedules[rates],
            }
            .write(out);
        }
    }
}

/// The index of the municipality with reference `ordinal` in `reference.municipalities`.
fn ordinal_index(reference: &Reference, ordinal: u32) -> usize {
    reference
        .municipalities
        .binary_search_by_key(&ordinal, |m| m.ordinal)
        .unwrap_or(usize::MAX)
}
