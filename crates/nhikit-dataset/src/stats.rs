//! The realism report of a dataset (`nhikit stats DIR`): its population beside the public NHI
//! statistics it is calibrated on — age pyramid, household sizes, income bands, reduction
//! shares (`schemas/reference/nhi_*.csv`; sources in `schemas/reference/README.md` and
//! `docs/statistics-sources.md`) — with the total-variation distance of each distribution, and
//! the 資格異動 rates of the history window beside the one national rate found. The numbers
//! only: the CLI prints them.

use crate::{Error, RunSpec};
use nhikit_core::date::{FiscalYear, NaiveDate, age_on};
use nhikit_io::contain::Root;
use nhikit_io::{DataFile, FileEntry, Format, Manifest};
use nhikit_schema::{Record, Schema, Value};
use std::collections::{BTreeMap, HashMap};

/// What [`stats()`] measured.
#[derive(Debug, Clone)]
pub struct Stats {
    /// The reference date (基準日) of the dataset.
    pub as_of: NaiveDate,
    /// `qualification` records read.
    pub qualifications: u64,
    /// Persons insured on the reference date.
    pub insured: u64,
    /// Households with an insured member on the reference date.
    pub households_with_insured: u64,
    /// Insured persons aged 75 and over (none should be: 後期高齢者医療 takes them).
    pub insured_75_and_over: u64,
    /// The insured persons' mean age.
    pub mean_age: f64,
    /// The share of insured persons aged 65–74.
    pub share_65_74: f64,
    /// Insured persons per household with insured members.
    pub insured_per_household: f64,
    /// Mean household 旧ただし書き所得 of insured members; `None` without incomes.
    pub mean_household_income: Option<f64>,
    /// Age bands, household sizes, income bands, 法定軽減 classes.
    pub distributions: Vec<Distribution>,
    /// The 資格異動 rates, when the dataset has histories (`--with event`).
    pub events: Option<EventRates>,
    /// Insured person-years within the history window (0 without one).
    pub insured_person_years: f64,
    /// The history window (first and last day), when the run recorded one.
    pub history: Option<(NaiveDate, NaiveDate)>,
    /// The national net change of insured persons per 1,000 insured person-years (the target).
    pub net_change_target: f64,
}

impl Stats {
    /// The largest total-variation distance of a measured distribution (0 if none).
    pub fn worst_distance(&self) -> f64 {
        self.distributions
            .iter()
            .filter_map(|d| d.total_variation)
            .fold(0.0f64, f64::max)
    }
}

/// The 資格異動 of the history window, per 1,000 insured person-years.
#[derive(Debug, Clone)]
pub struct EventRates {
    /// First day of the window.
    pub from: NaiveDate,
    /// Last day of the window.
    pub to: NaiveDate,
    /// Insured person-years within the window.
    pub insured_person_years: f64,
    /// By kind and reason.
    pub rates: Vec<EventRate>,
    /// Acquisitions minus losses per 1,000 insured person-years.
    pub net_change_per_1000_insured_years: f64,
}

/// One distribution: measured shares beside the target shares, or why it is not measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Distribution {
    /// What is counted, e.g. `age band of insured persons`.
    pub name: &'static str,
    /// The target's file and its source.
    pub source: &'static str,
    /// The band labels.
    pub labels: Vec<String>,
    /// The measured shares; `None` when the dataset does not hold the entity the distribution
    /// is counted from.
    pub measured: Option<Vec<f64>>,
    /// The target shares.
    pub target: Vec<f64>,
    /// The total-variation distance between measured and target shares.
    pub total_variation: Option<f64>,
    /// Units counted (persons or households); 0 when absent.
    pub count: u64,
    /// Why it is not measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

impl Distribution {
    fn new(
        name: &'static str,
        source: &'static str,
        labels: Vec<String>,
        target: Vec<f64>,
    ) -> Distribution {
        Distribution {
            name,
            source,
            labels,
            measured: None,
            target,
            total_variation: None,
            count: 0,
            note: None,
        }
    }

    /// Sets the measured shares from counts (their sum is the unit count).
    fn measure(&mut self, counts: &[u64]) -> Result<(), Error> {
        if counts.len() != self.target.len() {
            return Err(Error::Dataset(format!(
                "{}: {} target shares for {} bands",
                self.source,
                self.target.len(),
                counts.len()
            )));
        }
        let m = normalized(counts);
        self.total_variation = Some(total_variation(&m, &self.target));
        self.measured = Some(m);
        self.count = counts.iter().sum();
        Ok(())
    }
}

const AGE_PYRAMID: &str = include_str!("../../../schemas/reference/nhi_age_pyramid.csv");
const HOUSEHOLD_SIZE: &str = include_str!("../../../schemas/reference/nhi_household_size.csv");
const INCOME_BANDS: &str = include_str!("../../../schemas/reference/nhi_income_bands.csv");
const REDUCTION_SHARES: &str = include_str!("../../../schemas/reference/nhi_reduction_shares.csv");
const EVENT_RATES: &str = include_str!("../../../schemas/reference/nhi_event_rates.csv");

/// Column `col` of a reference CSV with a header line, one entry per data line.
fn column(text: &str, col: usize) -> Result<Vec<String>, Error> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .nth(col)
                .map(|v| v.trim().to_owned())
                .ok_or_else(|| Error::Dataset(format!("reference line {l:?}: no column {col}")))
        })
        .collect()
}

/// The numeric column `col` (e.g. `share`) of a reference CSV with a header line.
fn numbers<T: std::str::FromStr>(text: &str, col: usize) -> Result<Vec<T>, Error> {
    column(text, col)?
        .into_iter()
        .map(|v| {
            v.parse::<T>().map_err(|_| {
                Error::Dataset(format!(
                    "reference value {v:?} in column {col} is not a number"
                ))
            })
        })
        .collect()
}

fn total_variation(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / 2.0
}

fn normalized(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| c as f64 / (total.max(1)) as f64)
        .collect()
}

fn text_of(r: &Record, item: &str) -> Option<String> {
    match r.get(item) {
        Some(Value::Str(s)) => Some(s.clone()),
        Some(Value::Int(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn int_of(r: &Record, item: &str) -> Option<i64> {
    match r.get(item) {
        Some(Value::Int(n)) => Some(*n),
        Some(Value::Str(s)) => s.parse().ok(),
        _ => None,
    }
}

fn date_of(r: &Record, item: &str) -> Option<NaiveDate> {
    match r.get(item) {
        Some(Value::Date(d)) => Some(*d),
        Some(Value::Str(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// (lgcode, number): a household or a person within its municipality.
type Key = (String, String);

/// One household with insured members on the reference date.
#[derive(Default)]
struct HouseholdTally {
    insured: u64,
    /// Σ 旧ただし書き所得 of its insured members (income rows).
    income: i64,
}

/// What the records say, counted.
#[derive(Default)]
struct Tally {
    /// Insured persons by 5-year age band (0–4 … 70–74, 75+ last).
    bands: [u64; 16],
    households: Vec<HouseholdTally>,
    household_index: HashMap<Key, usize>,
    /// Insured person (lgcode, 宛名番号) → household index.
    person_household: HashMap<Key, usize>,
    insured: u64,
    age_sum: f64,
    qualifications: u64,
    /// Insured days within the history window, over every qualification period.
    insured_days: i64,
}

/// Reads every file of `entity_id` in `format`, calling `f` per record. Returns false when the
/// manifest lists no file of the entity (it was not generated).
fn read_entity(
    root: &Root,
    manifest: &Manifest,
    schema: &Schema,
    format: Format,
    entity_id: &str,
    mut f: impl FnMut(&FileEntry, u64, Record),
) -> Result<bool, Error> {
    let entity = schema
        .entity(entity_id)
        .ok_or_else(|| Error::Dataset(format!("the schema has no {entity_id} entity")))?;
    let layout_id = format!("{entity_id}_csv");
    let entries: Vec<&FileEntry> = manifest
        .files
        .iter()
        .filter(|e| e.format == format && e.entity == entity_id)
        .filter(|e| format != Format::Csv || e.layout.as_deref() == Some(layout_id.as_str()))
        .collect();
    for entry in &entries {
        let mut each = |row: u64, r: Record| f(entry, row, r);
        let csv = match format {
            Format::Csv => Some((
                schema.layout(&layout_id).ok_or_else(|| {
                    Error::Dataset(format!("the schema has no layout {layout_id}"))
                })?,
                entry.csv_encoding()?,
            )),
            _ => None,
        };
        // Opened under the dataset directory: a link or a path leaving it is refused, unread.
        DataFile::open(root, &entry.path)
            .and_then(|data| nhikit_io::read_file(format, data, entity, csv, &mut each))?;
    }
    Ok(!entries.is_empty())
}

/// Event counts of the history window, by (event kind, reason code).
struct Events {
    from: NaiveDate,
    to: NaiveDate,
    counts: BTreeMap<(String, String), u64>,
}

/// The 資格異動 rate of one (kind, reason) over the history window.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventRate {
    /// `資格取得` or `資格喪失`.
    pub kind: &'static str,
    /// The reason code.
    pub reason: String,
    /// The reason's label in the schema's code table.
    pub label: String,
    /// Events of the window.
    pub events: u64,
    /// Events per 1,000 insured person-years.
    pub per_1000_insured_years: f64,
}

/// Measures the dataset opened at `root` (its `manifest`): refuses links in it and encrypted
/// datasets, reads one format (the first of Parquet, Arrow, JSON Lines, CSV it has).
pub fn stats(root: &Root, manifest: &Manifest, schema: &Schema) -> Result<Stats, Error> {
    // Links inside a dataset are refused outright, listed or not.
    root.refuse_links().map_err(nhikit_io::Error::from)?;
    if manifest.files.iter().any(|f| f.path.ends_with(".age")) {
        return Err(Error::Dataset(format!(
            "{}: the dataset is encrypted; `nhikit decrypt` it and run stats on the copy",
            root.path().display()
        )));
    }
    let spec = RunSpec::from_manifest(manifest, &root.path().join(nhikit_io::MANIFEST_FILE))?;
    let as_of = spec.as_of;
    // The history window of `--with event`: April 1 of `from` to the earlier of the March 31
    // after `to` and the reference date.
    let history = spec.extras.history.and_then(|w| {
        let from = FiscalYear(w.from).start()?;
        let to = FiscalYear(w.to).end()?.min(as_of);
        Some((from, to))
    });
    let format = [Format::Parquet, Format::Arrow, Format::Jsonl, Format::Csv]
        .into_iter()
        .find(|f| manifest.files.iter().any(|e| e.format == *f))
        .ok_or_else(|| Error::Dataset("the manifest lists no data files".into()))?;

    let mut tally = Tally::default();
    let mut bad: Option<String> = None;
    read_entity(
        root,
        manifest,
        schema,
        format,
        "qualification",
        |entry, row, r| {
            tally.qualifications += 1;
            let (Some(birth), Some(acquired)) =
                (date_of(&r, "birth_date"), date_of(&r, "acquisition_date"))
            else {
                bad.get_or_insert_with(|| {
                    format!(
                        "{}: record {}: no birth_date or acquisition_date",
                        entry.path,
                        row + 1
                    )
                });
                return;
            };
            let lost = date_of(&r, "loss_date");
            if let Some((from, to)) = history {
                // Insured from `acquired` up to the day before `lost`.
                let start = acquired.max(from);
                let end = lost.map_or(to, |l| l.pred_opt().unwrap_or(l)).min(to);
                tally.insured_days += ((end - start).num_days() + 1).max(0);
            }
            if acquired > as_of || lost.is_some_and(|l| l <= as_of) {
                return;
            }
            let age = age_on(birth, as_of);
            tally.bands[(age / 5).min(15) as usize] += 1;
            tally.age_sum += f64::from(age) + 0.5;
            tally.insured += 1;
            let lgcode = text_of(&r, "lgcode").unwrap_or_default();
            let key = (
                lgcode.clone(),
                text_of(&r, "household_number").unwrap_or_default(),
            );
            let next = tally.households.len();
            let h = *tally.household_index.entry(key).or_insert(next);
            if h == next {
                tally.households.push(HouseholdTally::default());
            }
            tally.households[h].insured += 1;
            let person = (lgcode, text_of(&r, "address_number").unwrap_or_default());
            tally.person_household.insert(person, h);
        },
    )?;
    if let Some(b) = bad {
        return Err(Error::Dataset(b));
    }
    if tally.insured == 0 {
        return Err(Error::Dataset(format!(
            "{}: no qualification is in force on {as_of}: nothing to compare",
            root.path().display()
        )));
    }

    // Incomes: the 旧ただし書き所得 of the insured members, summed per household, for the
    // income year of the reference date's fiscal year (a dataset with histories has the
    // earlier assessed years' incomes too).
    let income_year = i64::from(FiscalYear::of(as_of).0) - 1;
    // The 住民税 基礎控除 of that income year (schemas/rules/national), taken off 総所得金額等 to
    // give the 旧ただし書き所得, the 所得 of 国民健康保険実態調査's income tables.
    let rules_err = |e: nhikit_rules::Error| Error::Dataset(format!("the shipped rules: {e}"));
    let rules = nhikit_rules::RuleSet::builtin().map_err(rules_err)?;
    let national = rules.national(FiscalYear::of(as_of).0).map_err(rules_err)?;
    let has_income = read_entity(root, manifest, schema, format, "income", |_, _, r| {
        let person = (
            text_of(&r, "lgcode").unwrap_or_default(),
            text_of(&r, "address_number").unwrap_or_default(),
        );
        if int_of(&r, "income_year") != Some(income_year) {
            return;
        }
        if let Some(&h) = tally.person_household.get(&person) {
            let total = int_of(&r, "total_income").unwrap_or(0);
            tally.households[h].income += (total - national.basic_deduction_for(total)).max(0);
        }
    })?;

    // 法定軽減 classes of the 当初賦課 of the reference date's fiscal year.
    let fiscal_year = i64::from(FiscalYear::of(as_of).0);
    let mut reductions: BTreeMap<String, u64> = BTreeMap::new();
    let has_assessment = read_entity(root, manifest, schema, format, "assessment", |_, _, r| {
        if int_of(&r, "fiscal_year") == Some(fiscal_year)
            && int_of(&r, "revision_seq").unwrap_or(0) == 0
        {
            let class = text_of(&r, "reduction_class").unwrap_or_default();
            *reductions.entry(class).or_default() += 1;
        }
    })?;

    // 資格取得・喪失 events of the history window, by reason.
    let mut events = history.map(|(from, to)| Events {
        from,
        to,
        counts: BTreeMap::new(),
    });
    let has_events = match events.as_mut() {
        Some(ev) => read_entity(
            root,
            manifest,
            schema,
            format,
            "qualification_event",
            |_, _, r| {
                let Some(day) = date_of(&r, "event_date") else {
                    return;
                };
                if day < ev.from || day > ev.to {
                    return;
                }
                let kind = text_of(&r, "event_kind").unwrap_or_default();
                let reason = match kind.as_str() {
                    "01" => text_of(&r, "acquisition_reason"),
                    "02" => text_of(&r, "loss_reason"),
                    _ => return,
                };
                *ev.counts
                    .entry((kind, reason.unwrap_or_default()))
                    .or_default() += 1;
            },
        )?,
        None => false,
    };

    // Distributions.
    // The age targets cover 0–74 (後期高齢者医療 takes everyone at 75); insured persons of 75
    // and over, if any, count in the measured total and so push the distance up.
    let mut ages = Distribution::new(
        "age band of insured persons",
        "schemas/reference/nhi_age_pyramid.csv (国民健康保険実態調査; README there)",
        (0..15)
            .map(|i| format!("{}–{}", i * 5, i * 5 + 4))
            .collect(),
        numbers(AGE_PYRAMID, 2)?,
    );
    ages.measure(&tally.bands[..15])?;
    let over_75 = tally.bands[15] as f64 / tally.insured as f64;
    if let Some(m) = ages.measured.as_mut() {
        for s in m.iter_mut() {
            *s *= 1.0 - over_75;
        }
        // Insured persons of 75 and over have no band in the target: their share is mass the
        // target puts nowhere, so it adds half of itself to the distance.
        ages.total_variation = Some(total_variation(m, &ages.target) + over_75 / 2.0);
    }
    ages.count = tally.insured;

    let mut sizes = Distribution::new(
        "insured members per household",
        "schemas/reference/nhi_household_size.csv (国民健康保険実態調査; README there)",
        column(HOUSEHOLD_SIZE, 0)?,
        numbers(HOUSEHOLD_SIZE, 1)?,
    );
    let mut size_counts = [0u64; 5];
    for h in &tally.households {
        size_counts[(h.insured.clamp(1, 5) - 1) as usize] += 1;
    }
    sizes.measure(&size_counts)?;

    let mut incomes = Distribution::new(
        "household 所得 (旧ただし書き所得 of insured members)",
        "schemas/reference/nhi_income_bands.csv (国民健康保険実態調査 and municipal figures; README there)",
        column(INCOME_BANDS, 0)?,
        numbers(INCOME_BANDS, 2)?,
    );
    if has_income {
        let from: Vec<i64> = numbers(INCOME_BANDS, 1)?;
        let mut counts = vec![0u64; from.len()];
        for h in &tally.households {
            let band = from.iter().rposition(|&f| h.income >= f).unwrap_or(0);
            counts[band] += 1;
        }
        incomes.measure(&counts)?;
    } else {
        incomes.note = Some("not in dataset (generate with --with income)");
    }

    let mut reduction = Distribution::new(
        "法定軽減 class of households",
        "schemas/reference/nhi_reduction_shares.csv (national 軽減世帯割合 split as in a municipal figure; README there)",
        column(REDUCTION_SHARES, 1)?,
        numbers(REDUCTION_SHARES, 2)?,
    );
    if has_assessment {
        let codes = column(REDUCTION_SHARES, 0)?;
        let counts: Vec<u64> = codes
            .iter()
            .map(|c| reductions.get(c).copied().unwrap_or(0))
            .collect();
        let unknown: u64 = reductions
            .iter()
            .filter(|(c, _)| !codes.contains(c))
            .map(|(_, n)| n)
            .sum();
        if unknown != 0 {
            return Err(Error::Dataset(format!(
                "{unknown} assessment rows have a reduction_class outside {codes:?}"
            )));
        }
        reduction.measure(&counts)?;
    } else {
        reduction.note = Some("not in dataset (generate with --with assessment)");
    }
    let dists = [ages, sizes, incomes, reduction];

    // Event rates per 1,000 insured person-years of the window.
    let person_years = tally.insured_days as f64 / 365.25;
    let net_target: f64 = numbers::<f64>(EVENT_RATES, 1)?
        .first()
        .copied()
        .ok_or_else(|| Error::Dataset("nhi_event_rates.csv has no net_change row".into()))?;
    let label = |table: &str, code: &str| {
        schema
            .code_table(table)
            .and_then(|t| t.get(code))
            .map_or_else(|| code.to_owned(), |c| c.label.clone())
    };
    let rates: Vec<EventRate> = match (&events, has_events) {
        (Some(ev), true) => ev
            .counts
            .iter()
            .map(|((kind, reason), &n)| {
                let (kind_label, table) = if kind == "01" {
                    ("資格取得", "acquisition_reason")
                } else {
                    ("資格喪失", "loss_reason")
                };
                EventRate {
                    kind: kind_label,
                    reason: reason.clone(),
                    label: label(table, reason),
                    events: n,
                    per_1000_insured_years: n as f64 * 1000.0 / person_years.max(1e-9),
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    let (acquired, lost) = events.as_ref().map_or((0, 0), |ev| {
        ev.counts.iter().fold((0u64, 0u64), |(a, l), ((k, _), &n)| {
            if k == "01" { (a + n, l) } else { (a, l + n) }
        })
    });
    let net = (acquired as f64 - lost as f64) * 1000.0 / person_years.max(1e-9);

    let households = tally.households.len() as u64;
    let mean_age = tally.age_sum / tally.insured as f64;
    let share_65_74 = (tally.bands[13] + tally.bands[14]) as f64 / tally.insured as f64;
    let per_household = tally.insured as f64 / households.max(1) as f64;
    let mean_income = has_income.then(|| {
        tally
            .households
            .iter()
            .map(|h| h.income as f64)
            .sum::<f64>()
            / households.max(1) as f64
    });
    let window = events.as_ref().map(|e| (e.from, e.to));
    Ok(Stats {
        as_of,
        qualifications: tally.qualifications,
        insured: tally.insured,
        households_with_insured: households,
        insured_75_and_over: tally.bands[15],
        mean_age,
        share_65_74,
        insured_per_household: per_household,
        mean_household_income: mean_income,
        distributions: dists.into(),
        events: (has_events)
            .then_some(events)
            .flatten()
            .map(|ev| EventRates {
                from: ev.from,
                to: ev.to,
                insured_person_years: person_years,
                rates,
                net_change_per_1000_insured_years: net,
            }),
        insured_person_years: person_years,
        history: window,
        net_change_target: net_target,
    })
}
