//! `nhikit stats DIR`: the realism report. The dataset's population beside the public NHI
//! statistics it is calibrated on — age pyramid, household sizes, income bands, reduction
//! shares (`schemas/reference/nhi_*.csv`; sources in `schemas/reference/README.md` and
//! `docs/statistics-sources.md`) — with the total-variation distance of each distribution, and
//! the 資格異動 rates of the history window beside the one national rate found.

use anyhow::Context;
use clap::Args;
use nhikit_core::date::{FiscalYear, NaiveDate, age_on};
use nhikit_io::contain::Root;
use nhikit_io::{DataFile, FileEntry, Format, Manifest};
use nhikit_schema::{Record, Schema, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `nhikit stats`.
#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The dataset directory (the one holding manifest.json).
    pub dir: PathBuf,
    /// Report format: `text` (tables) or `json` (one object, for machines).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// The same as `--format json` (kept for scripts written before --format).
    #[arg(long, hide = true)]
    pub json: bool,
    /// Exit 1 when any distribution present in the dataset is farther than this
    /// total-variation distance from its target (e.g. 0.05).
    #[arg(long, value_name = "D")]
    pub max_distance: Option<f64>,
    /// A schema directory; by default the schema built into nhikit.
    #[arg(long, env = "NHIKIT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
}

/// How `nhikit stats` prints its report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Tables for people.
    #[default]
    Text,
    /// One JSON object.
    Json,
}

/// One distribution: measured shares beside the target shares, or why it is not measured.
#[derive(Debug, serde::Serialize)]
struct Distribution {
    name: &'static str,
    source: &'static str,
    labels: Vec<String>,
    /// `None` when the dataset does not hold the entity the distribution is counted from.
    measured: Option<Vec<f64>>,
    target: Vec<f64>,
    total_variation: Option<f64>,
    /// Units counted (persons or households); 0 when absent.
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'static str>,
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
    fn measure(&mut self, counts: &[u64]) -> anyhow::Result<()> {
        anyhow::ensure!(
            counts.len() == self.target.len(),
            "{}: {} target shares for {} bands",
            self.source,
            self.target.len(),
            counts.len()
        );
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

/// 基礎控除 (43万円 since the 2021 income year) taken off 総所得金額等 to give the
/// 旧ただし書き所得, the 所得 of 国民健康保険実態調査's income tables.
const BASIC_DEDUCTION: i64 = 430_000;

/// Column `col` of a reference CSV with a header line, one entry per data line.
fn column(text: &str, col: usize) -> anyhow::Result<Vec<String>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .nth(col)
                .map(|v| v.trim().to_owned())
                .with_context(|| format!("reference line {l:?}: no column {col}"))
        })
        .collect()
}

/// The numeric column `col` (e.g. `share`) of a reference CSV with a header line.
fn numbers<T: std::str::FromStr>(text: &str, col: usize) -> anyhow::Result<Vec<T>> {
    column(text, col)?
        .into_iter()
        .map(|v| {
            v.parse::<T>()
                .ok()
                .with_context(|| format!("reference value {v:?} in column {col} is not a number"))
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
) -> anyhow::Result<bool> {
    let entity = schema
        .entity(entity_id)
        .with_context(|| format!("the schema has no {entity_id} entity"))?;
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
                schema
                    .layout(&layout_id)
                    .with_context(|| format!("the schema has no layout {layout_id}"))?,
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

/// Runs `nhikit stats`.
pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    if let Some(d) = args.max_distance
        && !(d.is_finite() && d >= 0.0)
    {
        anyhow::bail!("--max-distance {d}: give a distance between 0 and 1, e.g. 0.05");
    }
    let json = args.json || args.format == ReportFormat::Json;
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let root = Root::open(&args.dir).with_context(|| {
        format!(
            "{}: not a dataset (run `nhikit gen --out {}` first?)",
            args.dir.display(),
            args.dir.display()
        )
    })?;
    let manifest = Manifest::read_in(&root).with_context(|| {
        format!(
            "{}: not a dataset (run `nhikit gen --out {}` first?)",
            args.dir.display(),
            args.dir.display()
        )
    })?;
    // Links inside a dataset are refused outright, listed or not.
    root.refuse_links()?;
    if manifest.files.iter().any(|f| f.path.ends_with(".age")) {
        anyhow::bail!(
            "{}: the dataset is encrypted; `nhikit decrypt` it and run stats on the copy",
            args.dir.display()
        );
    }
    let as_of = manifest
        .options
        .get("as_of")
        .and_then(|v| v.as_str())
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .context("the manifest has no options.as_of date")?;
    // The history window of `--with event`: April 1 of `from` to the earlier of the March 31
    // after `to` and the reference date.
    let history = manifest.options.get("history").and_then(|h| {
        let fy = |k: &str| h.get(k).and_then(|v| v.as_i64()).map(|y| y as i32);
        let from = FiscalYear(fy("from")?).start()?;
        let to = FiscalYear(fy("to")?).end()?.min(as_of);
        Some((from, to))
    });
    let format = [Format::Parquet, Format::Arrow, Format::Jsonl, Format::Csv]
        .into_iter()
        .find(|f| manifest.files.iter().any(|e| e.format == *f))
        .context("the manifest lists no data files")?;

    let mut tally = Tally::default();
    let mut bad: Option<String> = None;
    read_entity(
        &root,
        &manifest,
        &schema,
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
        anyhow::bail!("{b}");
    }
    if tally.insured == 0 {
        anyhow::bail!(
            "{}: no qualification is in force on {as_of}: nothing to compare",
            args.dir.display()
        );
    }

    // Incomes: the 旧ただし書き所得 of the insured members, summed per household, for the
    // income year of the reference date's fiscal year (a dataset with histories has the
    // earlier assessed years' incomes too).
    let income_year = i64::from(FiscalYear::of(as_of).0) - 1;
    let has_income = read_entity(&root, &manifest, &schema, format, "income", |_, _, r| {
        let person = (
            text_of(&r, "lgcode").unwrap_or_default(),
            text_of(&r, "address_number").unwrap_or_default(),
        );
        if int_of(&r, "income_year") != Some(income_year) {
            return;
        }
        if let Some(&h) = tally.person_household.get(&person) {
            let total = int_of(&r, "total_income").unwrap_or(0);
            tally.households[h].income += (total - BASIC_DEDUCTION).max(0);
        }
    })?;

    // 法定軽減 classes of the 当初賦課 of the reference date's fiscal year.
    let fiscal_year = i64::from(FiscalYear::of(as_of).0);
    let mut reductions: BTreeMap<String, u64> = BTreeMap::new();
    let has_assessment = read_entity(
        &root,
        &manifest,
        &schema,
        format,
        "assessment",
        |_, _, r| {
            if int_of(&r, "fiscal_year") == Some(fiscal_year)
                && int_of(&r, "revision_seq").unwrap_or(0) == 0
            {
                let class = text_of(&r, "reduction_class").unwrap_or_default();
                *reductions.entry(class).or_default() += 1;
            }
        },
    )?;

    // 資格取得・喪失 events of the history window, by reason.
    let mut events = history.map(|(from, to)| Events {
        from,
        to,
        counts: BTreeMap::new(),
    });
    let has_events = match events.as_mut() {
        Some(ev) => read_entity(
            &root,
            &manifest,
            &schema,
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
        anyhow::ensure!(
            unknown == 0,
            "{} assessment rows have a reduction_class outside {codes:?}",
            unknown
        );
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
        .context("nhi_event_rates.csv has no net_change row")?;
    let label = |table: &str, code: &str| {
        schema
            .code_table(table)
            .and_then(|t| t.get(code))
            .map_or_else(|| code.to_owned(), |c| c.label.clone())
    };
    let rates: Vec<serde_json::Value> = match (&events, has_events) {
        (Some(ev), true) => ev
            .counts
            .iter()
            .map(|((kind, reason), &n)| {
                let (kind_label, table) = if kind == "01" {
                    ("資格取得", "acquisition_reason")
                } else {
                    ("資格喪失", "loss_reason")
                };
                serde_json::json!({
                    "kind": kind_label,
                    "reason": reason,
                    "label": label(table, reason),
                    "events": n,
                    "per_1000_insured_years": n as f64 * 1000.0 / person_years.max(1e-9),
                })
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

    let worst = dists
        .iter()
        .filter_map(|d| d.total_variation)
        .fold(0.0f64, f64::max);
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
    let event_note = "not in dataset (generate with --with event)";

    if json {
        let v = serde_json::json!({
            "dataset": args.dir,
            "as_of": as_of.to_string(),
            "qualifications": tally.qualifications,
            "insured": tally.insured,
            "households_with_insured": households,
            "insured_75_and_over": tally.bands[15],
            "mean_age": mean_age,
            "share_65_74": share_65_74,
            "insured_per_household": per_household,
            "mean_household_income": mean_income,
            "distributions": dists,
            "event_rates": {
                "present": has_events,
                "note": (!has_events).then_some(event_note),
                "window": events.as_ref().map(|e| [e.from.to_string(), e.to.to_string()]),
                "insured_person_years": person_years,
                "rates": rates,
                "net_change_per_1000_insured_years": has_events.then_some(net),
                "net_change_target": net_target,
                "net_change_source": "国民健康保険(市町村)の財政状況 令和5年度: 2,413万 → 2,309万 insured (schemas/reference/README.md)",
            },
            "anchors": {
                "share_65_74": { "target": 0.448, "source": "国民健康保険実態調査 令和4年度 (schemas/reference/README.md)" },
                "mean_age": { "target": 54.2, "source": "国民健康保険実態調査 令和4年度" },
                "insured_per_household": { "target": 1.519, "source": "国民健康保険事業年報 令和2年度: 2,619万人 / 1,724万世帯" },
                "mean_household_income": { "target": 1_100_000, "source": "国民健康保険実態調査 via 医療保険部会 第183回: 1,061–1,166千円 (旧ただし書き所得, 平成22〜令和3)" },
            },
        });
        crate::out::print(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else {
        let mut t = String::new();
        crate::out::outln!(
            t,
            "{}: {} insured persons in {} households on {as_of} ({} qualification records)",
            args.dir.display(),
            tally.insured,
            households,
            tally.qualifications
        );
        for d in &dists {
            crate::out::outln!(t);
            let (Some(tv), Some(measured)) = (d.total_variation, &d.measured) else {
                crate::out::outln!(t, "{} — {}", d.name, d.note.unwrap_or("not measured"));
                continue;
            };
            let tone = if tv <= 0.05 {
                crate::out::Tone::Good
            } else {
                crate::out::Tone::Warn
            };
            let tv = crate::out::paint_out(tone, &format!("{tv:.4}"));
            crate::out::outln!(t, "{} — total-variation distance {tv}", d.name);
            crate::out::outln!(t, "  target: {}", d.source);
            crate::out::outln!(t, "  {:>12}  {:>8}  {:>8}", "band", "measured", "target");
            for ((l, m), g) in d.labels.iter().zip(measured).zip(&d.target) {
                crate::out::outln!(t, "  {l:>12}  {:>7.2}%  {:>7.2}%", m * 100.0, g * 100.0);
            }
        }
        crate::out::outln!(t);
        match (&events, has_events) {
            (Some(ev), true) => {
                crate::out::outln!(
                    t,
                    "資格異動 per 1,000 insured person-years, {} to {} ({person_years:.0} person-years); \
                     no public rate by reason was found (docs/statistics-sources.md §7)",
                    ev.from,
                    ev.to
                );
                for r in &rates {
                    crate::out::outln!(
                        t,
                        "  {} {:<24} {:>9.2}  ({} events)",
                        r["kind"].as_str().unwrap_or_default(),
                        r["label"].as_str().unwrap_or_default(),
                        r["per_1000_insured_years"].as_f64().unwrap_or_default(),
                        r["events"]
                    );
                }
                crate::out::outln!(
                    t,
                    "  net change {net:+.1} (target {net_target:+.1}: 市町村国保 FY2023, 2,413万 → 2,309万)"
                );
            }
            _ => crate::out::outln!(t, "資格異動 rates — {event_note}"),
        }
        crate::out::outln!(t);
        crate::out::outln!(
            t,
            "anchors: 65–74 share {:.1}% (target 44.8%), mean age {mean_age:.1} (54.2), \
             insured per household {per_household:.3} (1.519); insured aged 75+: {}",
            share_65_74 * 100.0,
            tally.bands[15]
        );
        if let Some(m) = mean_income {
            crate::out::outln!(
                t,
                "         mean household 所得 {:.0}千円 (1,061–1,166千円, 平成22〜令和3)",
                m / 1000.0
            );
        }
        crate::out::print(&t)?;
    }
    match args.max_distance {
        Some(max) if worst > max => {
            crate::out::errln!(
                "stats: a distribution is {worst:.4} from its target, over --max-distance {max}"
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
