//! Property-based cases (`nhikit conform --property`): random households and events, checked
//! against the oracle, with a failure shrunk to a minimal case and written out as a ready
//! scenario file.
//!
//! A case is a [`proptest`](mod@proptest) value over the generator: a generated dataset (one of a few seeds
//! and profiles) and a household of it give realistic records (identifiers, names, addresses),
//! and the case's own values override what matters to the oracle: which members are kept,
//! birth dates at the 3/6/40/65/70/75 boundaries, the 擬制世帯主 flag, 資格取得日/喪失日 inside
//! the fiscal year (in the data or as a `register_event`), incomes by kind at the 軽減 and
//! 限度額 thresholds, the fiscal year and rate set. Each case is rendered as the text of a
//! scenario file with inline records (`[[data.household]]`, …) and parsed back with
//! [`crate::parse_scenario`], so the runner runs exactly what would be written: the same
//! checks, the same oracle, the same result types as the catalog.
//!
//! Cases and shrinking are a pure function of the seed (a ChaCha RNG seeded from it, shrinking
//! capped by iterations, not time), so one seed always gives the same cases and the same
//! written file against a deterministic target.

use crate::Error;
use crate::data::{Model, Rec, generate_profile};
use crate::report::{Outcome, ScenarioResult};
use crate::run::{Connect, RunOptions, Runner};
use crate::scenario::{Catalog, parse_scenario};
use crate::select::{Entity, date_of, str_of};
use chrono::{Datelike, Days, Months};
use nhikit_core::date::{FiscalYear, NaiveDate};
use nhikit_synth::Profile;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use serde::Serialize;
use serde_json::{Value, json};
use std::cell::{Cell, RefCell};
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Households per generated base dataset.
const HOUSEHOLDS: u64 = 40;
/// Municipalities of the base datasets (名取市, 千代田区).
const MUNICIPALITIES: [&str; 2] = ["042072", "131016"];
/// The base datasets: (generator seed, profile). The edge profile brings long names, variant
/// and surrogate-pair kanji, 2/29 birthdays, 擬制世帯主 and large households.
const BASES: [(u64, Profile); 3] = [
    (1, Profile::Realistic),
    (2, Profile::Edge),
    (3, Profile::Realistic),
];
/// (rate set, fiscal year) pairs with rule parameters in `schemas/rules/`.
const RATES: [(&str, i32); 7] = [
    ("rifu", 2023),
    ("rifu", 2024),
    ("natori", 2025),
    ("natori", 2026),
    ("namegawa", 2025),
    ("namegawa", 2026),
    ("kumano", 2025),
];
/// Ages whose birthday a birth-date override puts inside the fiscal year: 未就学児 (3, 6),
/// 介護 (40, 65), 高齢受給者 (70), 後期高齢者 (75).
const AGES: [u32; 6] = [3, 6, 40, 65, 70, 75];
/// Incomes at the thresholds: 0, 基礎控除 430,000 and one yen over, the 5割/2割 bounds for one
/// and two persons, 給与所得控除 550,000, 公的年金等控除 600,000/1,100,000, and amounts that
/// reach the 賦課限度額 of some parts only or of all.
const AMOUNTS: [i64; 14] = [
    0, 430_000, 430_001, 550_000, 600_000, 735_000, 990_000, 1_040_000, 1_100_000, 1_550_000,
    3_000_000, 6_000_000, 9_000_000, 20_000_000,
];
/// 資格喪失事由 of a generated loss: 医療保険等の資格取得.
const LOSS_REASON: &str = "03";

/// How to run property cases.
#[derive(Debug, Clone)]
pub struct PropertyOptions {
    /// Cases to generate.
    pub cases: u32,
    /// The seed: the same seed gives the same cases.
    pub seed: u64,
    /// At most this many cases are run while shrinking a failure.
    pub max_shrink_iters: u32,
    /// How each case runs (timeout; `jobs` is ignored: cases run one after another).
    pub run: RunOptions,
    /// Words for the written scenario's description: how the failure was found, e.g.
    /// `--target builtin --fault cap-on-total`.
    pub found_with: String,
}

impl Default for PropertyOptions {
    fn default() -> PropertyOptions {
        PropertyOptions {
            cases: 64,
            seed: 0,
            max_shrink_iters: 256,
            run: RunOptions::default(),
            found_with: String::new(),
        }
    }
}

/// A failing case, shrunk.
#[derive(Debug, Clone)]
pub struct PropertyFailure {
    /// 1-based number of the first failing case.
    pub case: u32,
    /// The scenario id, `property-<seed>-<case>`.
    pub id: String,
    /// Simplifications kept while shrinking (each a smaller case that still fails).
    pub shrink_steps: u32,
    /// Cases run while shrinking.
    pub shrink_runs: u32,
    /// The shrunk case as a scenario file (inline records, literal requests).
    pub scenario: String,
    /// The first failing case, before shrinking, as a scenario file.
    pub original: String,
    /// Persons in the shrunk case / in the first failing case.
    pub persons: (usize, usize),
}

/// What a property run found.
#[derive(Debug, Clone)]
pub struct PropertyRun {
    /// One result per case run before the first failure, then the shrunk failing case (its
    /// `failure` message says where it came from).
    pub results: Vec<ScenarioResult>,
    /// The shrunk failure, if a case failed.
    pub failure: Option<PropertyFailure>,
}

/// A birth-date override: the birthday of `AGES[age]` falls on `day` of month `month` of the
/// fiscal year (0 = April).
#[derive(Debug, Clone)]
struct Birth {
    age: usize,
    month: u32,
    day: u32,
}

/// A loss `day` days after the fiscal year's start, in the data or as a `register_event`.
#[derive(Debug, Clone)]
struct Loss {
    day: u64,
    event: bool,
}

/// What kind of income a member has.
#[derive(Debug, Clone, Copy)]
enum IncomeKind {
    Other,
    Salary,
    Pension,
}

/// One member's overrides (members beyond the household's size are ignored).
#[derive(Debug, Clone)]
struct MemberCase {
    birth: Option<Birth>,
    /// 資格取得日: days after the fiscal year's start.
    acquired: Option<u64>,
    lost: Option<Loss>,
    income: Option<(IncomeKind, i64)>,
    /// A `lookup_person` as of this many days after the fiscal year's start.
    lookup: Option<u64>,
    /// A `copay_ratio` this many days from the birthday of the override (or from June 1).
    copay: Option<i64>,
}

/// One property case.
#[derive(Debug, Clone)]
struct Case {
    base: usize,
    household: u64,
    rates: usize,
    fictive_head: bool,
    round_trip: bool,
    members: Vec<MemberCase>,
}

fn member_strategy() -> impl Strategy<Value = MemberCase> {
    let birth = (
        0..AGES.len(),
        0u32..12,
        prop_oneof![Just(1u32), Just(2u32), 1u32..=28],
    )
        .prop_map(|(age, month, day)| Birth { age, month, day });
    let loss = (1u64..365, any::<bool>()).prop_map(|(day, event)| Loss { day, event });
    let income = (
        prop_oneof![
            Just(IncomeKind::Other),
            Just(IncomeKind::Salary),
            Just(IncomeKind::Pension)
        ],
        prop_oneof![
            proptest::sample::select(&AMOUNTS[..]),
            0i64..3_000_000,
            0i64..30_000_000
        ],
    );
    (
        proptest::option::of(birth),
        proptest::option::of(1u64..365),
        proptest::option::of(loss),
        proptest::option::of(income),
        proptest::option::of(0u64..365),
        proptest::option::of(-3i64..36),
    )
        .prop_map(
            |(birth, acquired, lost, income, lookup, copay)| MemberCase {
                birth,
                acquired,
                lost,
                income,
                lookup,
                copay,
            },
        )
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (
        0..BASES.len(),
        0..HOUSEHOLDS,
        0..RATES.len(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(member_strategy(), 1..=6),
    )
        .prop_map(
            |(base, household, rates, fictive_head, round_trip, members)| Case {
                base,
                household,
                rates,
                fictive_head,
                round_trip,
                members,
            },
        )
}

/// The base datasets, generated on first use into the runner's temporary directory.
struct Bases<'a> {
    runner: &'a Runner,
    models: Vec<OnceLock<Result<Arc<Model>, String>>>,
}

impl Bases<'_> {
    fn get(&self, i: usize) -> Result<Arc<Model>, String> {
        self.models[i]
            .get_or_init(|| {
                let (seed, profile) = BASES[i];
                let dir = self
                    .runner
                    .cache()
                    .root()
                    .join(format!("property-base-{seed}-{}", profile.name()));
                let municipalities: Vec<String> =
                    MUNICIPALITIES.iter().map(|m| (*m).to_owned()).collect();
                generate_profile(&dir, seed, HOUSEHOLDS, &municipalities, profile)
                    .and_then(|()| Model::read(&dir))
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }
}

fn day(d: NaiveDate) -> Value {
    Value::String(d.format("%Y-%m-%d").to_string())
}

fn plus_days(d: NaiveDate, n: i64) -> NaiveDate {
    if n >= 0 {
        d.checked_add_days(Days::new(n.unsigned_abs()))
    } else {
        d.checked_sub_days(Days::new(n.unsigned_abs()))
    }
    .unwrap_or(d)
}

/// The scenario file of a case (and its number of persons), or why the case cannot be built
/// (a problem of the generated data, not of the target).
struct Rendered {
    text: String,
    persons: usize,
}

#[derive(Serialize)]
struct FileOut {
    id: String,
    title: String,
    description: String,
    requirements: Vec<String>,
    tags: Vec<String>,
    data: DataOut,
    step: Vec<StepOut>,
}

#[derive(Serialize)]
struct DataOut {
    insurer: Vec<toml::Table>,
    household: Vec<toml::Table>,
    person: Vec<toml::Table>,
    qualification: Vec<toml::Table>,
}

#[derive(Serialize)]
struct StepOut {
    name: String,
    op: &'static str,
    request: toml::Table,
    expect: toml::Table,
}

/// A record as a TOML table (null items left out).
fn table(r: &Rec) -> Result<toml::Table, String> {
    let mut t = toml::Table::new();
    for (k, v) in r {
        let tv = match v {
            Value::Null => continue,
            Value::String(s) => toml::Value::String(s.clone()),
            Value::Bool(b) => toml::Value::Boolean(*b),
            Value::Number(n) => toml::Value::Integer(
                n.as_i64()
                    .ok_or_else(|| format!("item `{k}`: {n} is not a whole number"))?,
            ),
            other => return Err(format!("item `{k}`: {other} is not a record value")),
        };
        t.insert(k.clone(), tv);
    }
    Ok(t)
}

fn request(v: Value) -> Result<toml::Table, String> {
    match toml::Value::try_from(v).map_err(|e| e.to_string())? {
        toml::Value::Table(t) => Ok(t),
        _ => Err("a request is a table".into()),
    }
}

fn expect(key: &str) -> toml::Table {
    let mut t = toml::Table::new();
    t.insert(key.into(), toml::Value::Boolean(true));
    t
}

/// Builds the scenario file of a case.
fn render(
    case: &Case,
    base: &Model,
    id: &str,
    description: &str,
    catalog: &Catalog,
) -> Result<Rendered, String> {
    let (rates, fy) = RATES[case.rates];
    let fiscal = FiscalYear(fy);
    let start = fiscal.start().ok_or("fiscal year start")?;
    let households = base.records(Entity::Household);
    if households.is_empty() {
        return Err("the base dataset has no households".into());
    }
    let idx = usize::try_from(case.household).unwrap_or(0) % households.len();
    let mut household = households[idx].clone();
    let (lg, hh) = (
        str_of(&household, "lgcode").to_owned(),
        str_of(&household, "household_number").to_owned(),
    );
    let head = str_of(&household, "head_address_number").to_owned();
    let mut members: Vec<Rec> = base.members(&lg, &hh).cloned().collect();
    members.sort_by_key(|p| str_of(p, "address_number") != head);
    members.truncate(case.members.len());
    let insurer = base
        .records(Entity::Insurer)
        .iter()
        .find(|i| str_of(i, "insurer_number") == str_of(&household, "insurer_number"))
        .cloned()
        .ok_or("the household's insurer is not in the base dataset")?;
    let mut quals: Vec<Vec<Rec>> = members
        .iter()
        .map(|p| {
            base.qualifications_of(&lg, str_of(p, "address_number"))
                .cloned()
                .collect()
        })
        .collect();
    let mut reqs: Vec<&str> = vec!["PREM-COMPONENTS", "PREM-ROUNDING", "PREM-REDUCTION"];
    // 擬制世帯主: the 世帯主 loses every qualification, when another member stays insured.
    let head_is_member = members
        .first()
        .is_some_and(|p| str_of(p, "address_number") == head);
    if case.fictive_head && head_is_member && quals.iter().skip(1).any(|q| !q.is_empty()) {
        quals[0].clear();
        household.insert("fictive_head_flag".into(), "1".into());
    }
    if str_of(&household, "fictive_head_flag") == "1" {
        reqs.push("PREM-FICTIVE-HEAD");
    }
    let mut events = Vec::new();
    let mut lookups = Vec::new();
    let mut copays = Vec::new();
    let mut incomes = serde_json::Map::new();
    for ((p, qs), m) in members.iter_mut().zip(quals.iter_mut()).zip(&case.members) {
        let an = str_of(p, "address_number").to_owned();
        // Dates are changed only for a living person with at most one, open, qualification,
        // so that the records stay valid (no overlap, nothing after a death).
        let plain = p.get("death_date").is_none_or(Value::is_null)
            && qs.len() <= 1
            && qs
                .iter()
                .all(|q| q.get("loss_date").is_none_or(Value::is_null));
        let mut birthday = None;
        if let (Some(b), true) = (&m.birth, plain) {
            let age = AGES[b.age];
            let first = start
                .checked_add_months(Months::new(b.month))
                .ok_or("birthday month")?;
            let bd = first.with_day(b.day).ok_or("birthday day")?;
            let birth = bd
                .checked_sub_months(Months::new(age * 12))
                .ok_or("birth date")?;
            birthday = Some(bd);
            p.insert("birth_date".into(), day(birth));
            if date_of(p, "resident_since").is_some_and(|r| r < birth) {
                p.insert("resident_since".into(), day(birth));
            }
            for q in qs.iter_mut() {
                q.insert("birth_date".into(), day(birth));
                if date_of(q, "acquisition_date").is_some_and(|a| a < birth) {
                    q.insert("acquisition_date".into(), day(birth));
                    q.insert("acquisition_notified_date".into(), day(birth));
                }
            }
            reqs.push(match age {
                3 | 6 => "PREM-PRESCHOOL",
                40 | 65 => "AGE-CARE",
                70 => "AGE-70-COPAY",
                _ => "AGE-75",
            });
        }
        if let (Some(q), true) = (qs.first_mut(), plain) {
            let birth = date_of(p, "birth_date").unwrap_or(start);
            if let Some(a) = m.acquired {
                let acq = plus_days(start, i64::try_from(a).unwrap_or(0)).max(birth);
                q.insert("acquisition_date".into(), day(acq));
                q.insert("acquisition_notified_date".into(), day(acq));
                reqs.push("PREM-PRORATION");
            }
            if let Some(l) = &m.lost {
                let acq = date_of(q, "acquisition_date").unwrap_or(start);
                let loss =
                    plus_days(start, i64::try_from(l.day).unwrap_or(0)).max(plus_days(acq, 1));
                if l.event {
                    events.push(json!({
                        "lgcode": lg, "address_number": an, "kind": "loss",
                        "date": day(loss), "reason": LOSS_REASON,
                    }));
                    reqs.push("QUAL-EVENTS");
                } else {
                    q.insert("loss_date".into(), day(loss));
                    q.insert("loss_reason".into(), LOSS_REASON.into());
                    q.insert("loss_notified_date".into(), day(loss));
                }
                reqs.push("PREM-PRORATION");
            }
        }
        if let Some((kind, amount)) = m.income {
            let field = match kind {
                IncomeKind::Other => "other_income",
                IncomeKind::Salary => "salary_revenue",
                IncomeKind::Pension => "pension_revenue",
            };
            incomes.insert(an.clone(), json!({ field: amount }));
            if amount >= 3_000_000 {
                reqs.push("PREM-CAP");
            }
        }
        if let Some(d) = m.lookup {
            // A lookup returns the names: long カナ and characters outside the BMP are checked.
            if str_of(p, "name_kana").chars().count() > 20 {
                reqs.push("CHAR-KANA");
            }
            if str_of(p, "name").chars().any(|c| u32::from(c) > 0xFFFF) {
                reqs.push("CHAR-OUTSIDE-BMP");
            }
            lookups.push(json!({
                "lgcode": lg, "address_number": an,
                "as_of": day(plus_days(start, i64::try_from(d).unwrap_or(0))),
            }));
            reqs.push("QUAL-AS-OF");
        }
        if let Some(off) = m.copay {
            let from = birthday.unwrap_or_else(|| plus_days(start, 61));
            let (revenue, taxable) = match m.income {
                Some((IncomeKind::Other, a)) => (a, a),
                Some((_, a)) => (a, 0),
                None => (0, 0),
            };
            copays.push(json!({
                "lgcode": lg, "address_number": an,
                "service_date": day(plus_days(from, off)),
                "income": {
                    "kourei_members": 1,
                    "revenue_kourei_total": revenue,
                    "taxable_income_max": taxable,
                },
            }));
        }
    }
    let mut steps = Vec::new();
    if case.round_trip {
        reqs.push("IO-ROUND-TRIP");
        steps.push(StepOut {
            name: "export equals the imported files".into(),
            op: "export",
            request: request(json!({ "dir": "{out}" }))?,
            expect: expect("round_trip"),
        });
    }
    for (i, e) in events.into_iter().enumerate() {
        steps.push(StepOut {
            name: format!(
                "event {}: loss of {} on {}",
                i + 1,
                e["address_number"],
                e["date"]
            )
            .replace('"', ""),
            op: "register_event",
            request: request(e)?,
            expect: toml::Table::new(),
        });
    }
    steps.push(StepOut {
        name: format!("assess FY{fy} ({rates})"),
        op: "assess",
        request: request(json!({
            "lgcode": lg, "household_number": hh, "fiscal_year": fy, "rates": rates,
            "incomes": incomes,
        }))?,
        expect: expect("oracle"),
    });
    for (i, l) in lookups.into_iter().enumerate() {
        steps.push(StepOut {
            name: format!(
                "lookup {}: {} as of {}",
                i + 1,
                l["address_number"],
                l["as_of"]
            )
            .replace('"', ""),
            op: "lookup_person",
            request: request(l)?,
            expect: expect("oracle"),
        });
    }
    for (i, c) in copays.into_iter().enumerate() {
        steps.push(StepOut {
            name: format!(
                "copay {}: {} on {}",
                i + 1,
                c["address_number"],
                c["service_date"]
            )
            .replace('"', ""),
            op: "copay_ratio",
            request: request(c)?,
            expect: expect("oracle"),
        });
        if !reqs.contains(&"AGE-70-COPAY") {
            reqs.push("AGE-70-COPAY");
        }
    }
    let mut requirements: Vec<String> = Vec::new();
    for r in reqs {
        if catalog.requirements.contains_key(r) && !requirements.iter().any(|x| x == r) {
            requirements.push(r.to_owned());
        }
    }
    if requirements.is_empty() {
        return Err(
            "the requirement catalog has none of the requirements property cases check \
             (PREM-COMPONENTS, …; see scenarios/requirements.toml)"
                .into(),
        );
    }
    let persons = members.len();
    let out = FileOut {
        id: id.to_owned(),
        title: format!(
            "A random household ({persons} person(s), FY{fy} {rates}): assessment, lookups and \
             copay ratios equal the oracle"
        ),
        description: description.to_owned(),
        requirements,
        tags: vec!["property".into()],
        data: DataOut {
            insurer: vec![table(&insurer)?],
            household: vec![table(&household)?],
            person: members.iter().map(table).collect::<Result<_, _>>()?,
            qualification: quals
                .iter()
                .flatten()
                .map(table)
                .collect::<Result<_, _>>()?,
        },
        step: steps,
    };
    let text = toml::to_string(&out).map_err(|e| e.to_string())?;
    Ok(Rendered { text, persons })
}

/// The id of case `n` of a seed.
fn case_id(seed: u64, n: u32) -> String {
    format!("property-{seed}-{n}")
}

/// Runs `options.cases` random cases against the target (one fresh target per case, as for
/// scenarios), stops at the first failure and shrinks it.
pub fn run_property(
    runner: &Runner,
    catalog: &Catalog,
    connect: &Connect<'_>,
    options: &PropertyOptions,
) -> Result<PropertyRun, Error> {
    let bases = Bases {
        runner,
        models: BASES.iter().map(|_| OnceLock::new()).collect(),
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&options.seed.to_le_bytes());
    bytes[8..16].copy_from_slice(b"nhikit-p");
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let config = Config {
        cases: options.cases,
        failure_persistence: None,
        max_shrink_iters: options.max_shrink_iters,
        max_shrink_time: 0,
        max_global_rejects: options.cases.saturating_mul(4).max(64),
        fork: false,
        timeout: 0,
        verbose: 0,
        ..Config::default()
    };
    let mut runner_p = TestRunner::new_with_rng(config, rng);
    let run_options = RunOptions {
        jobs: 1,
        ..options.run.clone()
    };
    let calls = Cell::new(0u32);
    let first_fail: Cell<Option<u32>> = Cell::new(None);
    // While shrinking, only a result like the first failure's counts as failing (a smaller
    // case that errors for another reason is not the same failure).
    let first_outcome: Cell<Option<Outcome>> = Cell::new(None);
    let shrink_steps = Cell::new(0u32);
    let results: RefCell<Vec<ScenarioResult>> = RefCell::new(Vec::new());
    let original: RefCell<Option<(String, usize)>> = RefCell::new(None);
    let setup: RefCell<Option<Error>> = RefCell::new(None);
    let run_case =
        |case: &Case, id: &str, description: &str| -> Result<(Rendered, ScenarioResult), Error> {
            let base = bases.get(case.base).map_err(|reason| Error::Data {
                path: runner.cache().root().to_path_buf(),
                reason: format!("property base dataset: {reason}"),
            })?;
            let rendered =
                render(case, &base, id, description, catalog).map_err(|reason| Error::Data {
                    path: format!("{id}.toml").into(),
                    reason,
                })?;
            let path = format!("{id}.toml");
            let scenario = parse_scenario(Path::new(&path), &rendered.text, catalog)?;
            let mut r = runner.run(std::slice::from_ref(&scenario), connect, &run_options);
            let result = r.pop().ok_or_else(|| Error::Data {
                path: path.into(),
                reason: "the runner gave no result".into(),
            })?;
            Ok((rendered, result))
        };
    let outcome = runner_p.run(&case_strategy(), |case| {
        if setup.borrow().is_some() {
            // A set-up problem already stopped the run; every further case passes quietly.
            return Ok(());
        }
        calls.set(calls.get() + 1);
        let n = first_fail.get().unwrap_or(calls.get());
        let id = case_id(options.seed, n);
        match run_case(&case, &id, "") {
            Err(e) => {
                *setup.borrow_mut() = Some(e);
                Ok(())
            }
            Ok((rendered, result)) => {
                let failed = match first_outcome.get() {
                    None => !result.outcome.is_ok(),
                    Some(o) => result.outcome == o,
                };
                match first_fail.get() {
                    None if failed => {
                        first_fail.set(Some(n));
                        first_outcome.set(Some(result.outcome));
                        *original.borrow_mut() = Some((rendered.text, rendered.persons));
                    }
                    None => results.borrow_mut().push(ScenarioResult {
                        file: "(property case)".into(),
                        ..result.clone()
                    }),
                    Some(_) if failed => shrink_steps.set(shrink_steps.get() + 1),
                    Some(_) => {}
                }
                if failed {
                    Err(TestCaseError::fail(result.failure.as_ref().map_or_else(
                        || result.outcome.name().to_owned(),
                        |f| f.message.clone(),
                    )))
                } else {
                    Ok(())
                }
            }
        }
    });
    if let Some(e) = setup.into_inner() {
        return Err(e);
    }
    let mut results = results.into_inner();
    let minimal = match outcome {
        Ok(()) => {
            return Ok(PropertyRun {
                results,
                failure: None,
            });
        }
        Err(TestError::Fail(_, minimal)) => minimal,
        Err(TestError::Abort(reason)) => {
            return Err(Error::Data {
                path: "(property cases)".into(),
                reason: format!("proptest stopped: {reason}"),
            });
        }
    };
    let n = first_fail.get().unwrap_or(calls.get());
    let id = case_id(options.seed, n);
    let shrink_runs = calls.get().saturating_sub(n);
    let found = if options.found_with.is_empty() {
        String::new()
    } else {
        format!(" against {}", options.found_with)
    };
    let description = format!(
        "Found by `nhikit conform --property --seed {} --cases {}`{found}: case {n} failed and \
         was shrunk in {} step(s) ({shrink_runs} case(s) run while shrinking). Run it with \
         `nhikit conform --scenarios FILE`; it passes against a correct target.",
        options.seed,
        options.cases,
        shrink_steps.get(),
    );
    let (rendered, mut result) = run_case(&minimal, &id, &description)?;
    let (original, original_persons) = original.into_inner().unwrap_or_default();
    if result.outcome == Outcome::Pass {
        // The minimal case passed on its re-run: the target is not deterministic.
        if let Some(f) = result.failure.as_mut() {
            f.message.push_str(" (did not fail again when re-run)");
        }
    }
    if let Some(f) = result.failure.as_mut() {
        f.message = format!(
            "{} [case {n} of seed {}, shrunk in {} step(s)]",
            f.message,
            options.seed,
            shrink_steps.get()
        );
    }
    results.push(result);
    Ok(PropertyRun {
        results,
        failure: Some(PropertyFailure {
            case: n,
            id,
            shrink_steps: shrink_steps.get(),
            shrink_runs,
            scenario: rendered.text,
            original,
            persons: (rendered.persons, original_persons),
        }),
    })
}
