//! `nhikit stats DIR`: the dataset's population beside the public NHI statistics it is
//! calibrated on (`schemas/reference/nhi_age_pyramid.csv`, `nhi_household_size.csv`; sources in
//! `schemas/reference/README.md`), with the total-variation distance of each distribution.

use anyhow::Context;
use clap::Args;
use nhikit_core::date::{NaiveDate, age_on};
use nhikit_io::{Format, Manifest};
use nhikit_schema::{Record, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `nhikit stats`.
#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The dataset directory (the one holding manifest.json).
    pub dir: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 when any distribution is farther than this total-variation distance from its
    /// target (e.g. 0.05).
    #[arg(long, value_name = "D")]
    pub max_distance: Option<f64>,
    /// A schema directory; by default the schema built into nhikit.
    #[arg(long, env = "NHIKIT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
}

/// One distribution: measured shares beside the target shares.
#[derive(Debug, serde::Serialize)]
struct Distribution {
    name: &'static str,
    source: &'static str,
    labels: Vec<String>,
    measured: Vec<f64>,
    target: Vec<f64>,
    total_variation: f64,
}

const AGE_PYRAMID: &str = include_str!("../../../schemas/reference/nhi_age_pyramid.csv");
const HOUSEHOLD_SIZE: &str = include_str!("../../../schemas/reference/nhi_household_size.csv");

/// The `share` column (index `col`) of a reference CSV with a header line.
fn shares(text: &str, col: usize) -> anyhow::Result<Vec<f64>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .nth(col)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .with_context(|| format!("reference line {l:?}: no share in column {col}"))
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

fn date_of(r: &Record, item: &str) -> Option<NaiveDate> {
    match r.get(item) {
        Some(Value::Date(d)) => Some(*d),
        Some(Value::Str(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        _ => None,
    }
}

/// What the qualification records say, counted.
#[derive(Default)]
struct Tally {
    /// Insured persons by 5-year age band (0–4 … 70–74, 75+ last).
    bands: [u64; 16],
    /// Insured members per household key.
    per_household: HashMap<(String, String), u64>,
    insured: u64,
    age_sum: f64,
    qualifications: u64,
}

/// Runs `nhikit stats`.
pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    if let Some(d) = args.max_distance
        && !(d.is_finite() && d >= 0.0)
    {
        anyhow::bail!("--max-distance {d}: give a distance between 0 and 1, e.g. 0.05");
    }
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let manifest = Manifest::read(&args.dir).with_context(|| {
        format!(
            "{}: not a dataset (run `nhikit gen --out {}` first?)",
            args.dir.display(),
            args.dir.display()
        )
    })?;
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
    let format = [Format::Parquet, Format::Arrow, Format::Jsonl, Format::Csv]
        .into_iter()
        .find(|f| manifest.files.iter().any(|e| e.format == *f))
        .context("the manifest lists no data files")?;
    let entity = schema
        .entity("qualification")
        .context("the schema has no qualification entity")?;
    let layout_id = "qualification_csv";
    let mut tally = Tally::default();
    let mut bad: Option<String> = None;
    for entry in manifest
        .files
        .iter()
        .filter(|e| e.format == format && e.entity == "qualification")
        .filter(|e| format != Format::Csv || e.layout.as_deref() == Some(layout_id))
    {
        let path = args.dir.join(&entry.path);
        let mut each = |row: u64, r: Record| {
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
            if acquired > as_of || lost.is_some_and(|l| l <= as_of) {
                return;
            }
            let age = age_on(birth, as_of);
            tally.bands[(age / 5).min(15) as usize] += 1;
            tally.age_sum += f64::from(age) + 0.5;
            tally.insured += 1;
            let key = (
                text_of(&r, "lgcode").unwrap_or_default(),
                text_of(&r, "household_number").unwrap_or_default(),
            );
            *tally.per_household.entry(key).or_default() += 1;
        };
        let read = match format {
            Format::Parquet => nhikit_io::read_parquet(&path, entity, &mut each),
            Format::Arrow => nhikit_io::read_arrow(&path, entity, &mut each),
            Format::Jsonl => nhikit_io::read_jsonl(&path, entity, &mut each),
            Format::Csv => {
                let layout = schema
                    .layout(layout_id)
                    .with_context(|| format!("the schema has no layout {layout_id}"))?;
                nhikit_io::read_csv(&path, entity, layout, entry.csv_encoding()?, &mut each)
            }
        };
        read.with_context(|| format!("reading {}", path.display()))?;
    }
    if let Some(b) = bad {
        anyhow::bail!("{b}");
    }
    if tally.insured == 0 {
        anyhow::bail!(
            "{}: no qualification is in force on {as_of}: nothing to compare",
            args.dir.display()
        );
    }

    let pyramid = shares(AGE_PYRAMID, 2)?;
    let size_target = shares(HOUSEHOLD_SIZE, 1)?;
    // The targets cover 0–74 (後期高齢者医療 takes everyone at 75); insured persons of 75 and
    // over, if any, count in the measured total and so push the distance up.
    let mut age_measured = normalized(&tally.bands[..15]);
    let over_75 = tally.bands[15] as f64 / tally.insured as f64;
    let in_bands = 1.0 - over_75;
    for s in &mut age_measured {
        *s *= in_bands;
    }
    let mut sizes = [0u64; 5];
    for &n in tally.per_household.values() {
        sizes[(n.clamp(1, 5) - 1) as usize] += 1;
    }
    let size_measured = normalized(&sizes);
    let dists = [
        Distribution {
            name: "age band of insured persons",
            source: "schemas/reference/nhi_age_pyramid.csv (国民健康保険実態調査; README there)",
            labels: (0..15)
                .map(|i| format!("{}–{}", i * 5, i * 5 + 4))
                .collect(),
            measured: age_measured,
            target: pyramid,
            total_variation: 0.0,
        },
        Distribution {
            name: "insured members per household",
            source: "schemas/reference/nhi_household_size.csv (国民健康保険実態調査; README there)",
            labels: ["1", "2", "3", "4", "5+"].map(str::to_owned).to_vec(),
            measured: size_measured,
            target: size_target,
            total_variation: 0.0,
        },
    ]
    .map(|mut d| {
        anyhow::ensure!(
            d.measured.len() == d.target.len(),
            "{}: {} target shares for {} bands",
            d.source,
            d.target.len(),
            d.measured.len()
        );
        d.total_variation = total_variation(&d.measured, &d.target);
        Ok(d)
    });
    let mut dists: Vec<Distribution> = dists.into_iter().collect::<anyhow::Result<_>>()?;
    // Insured persons of 75 and over have no band in the target: their share is mass the
    // target puts nowhere, so it adds half of itself to the distance.
    dists[0].total_variation += over_75 / 2.0;
    let households = tally.per_household.len() as u64;
    let mean_age = tally.age_sum / tally.insured as f64;
    let share_65_74 = dists[0].measured[13] + dists[0].measured[14];
    let per_household = tally.insured as f64 / households.max(1) as f64;
    let worst = dists
        .iter()
        .map(|d| d.total_variation)
        .fold(0.0f64, f64::max);

    if args.json {
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
            "distributions": dists,
            "anchors": {
                "share_65_74": { "target": 0.448, "source": "国民健康保険実態調査 令和4年度 (schemas/reference/README.md)" },
                "mean_age": { "target": 54.2, "source": "国民健康保険実態調査 令和4年度" },
                "insured_per_household": { "target": 1.519, "source": "国民健康保険事業年報 令和2年度: 2,619万人 / 1,724万世帯" },
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
            let tone = if d.total_variation <= 0.05 {
                crate::out::Tone::Good
            } else {
                crate::out::Tone::Warn
            };
            let tv = crate::out::paint_out(tone, &format!("{:.4}", d.total_variation));
            crate::out::outln!(t, "{} — total-variation distance {tv}", d.name);
            crate::out::outln!(t, "  target: {}", d.source);
            crate::out::outln!(t, "  {:>8}  {:>8}  {:>8}", "band", "measured", "target");
            for ((l, m), g) in d.labels.iter().zip(&d.measured).zip(&d.target) {
                crate::out::outln!(t, "  {l:>8}  {:>7.2}%  {:>7.2}%", m * 100.0, g * 100.0);
            }
        }
        crate::out::outln!(t);
        crate::out::outln!(
            t,
            "anchors: 65–74 share {:.1}% (target 44.8%), mean age {mean_age:.1} (54.2), \
             insured per household {per_household:.3} (1.519); insured aged 75+: {}",
            share_65_74 * 100.0,
            tally.bands[15]
        );
        crate::out::print(&t)?;
    }
    match args.max_distance {
        Some(max) if worst > max => {
            eprintln!(
                "stats: a distribution is {worst:.4} from its target, over --max-distance {max}"
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}
