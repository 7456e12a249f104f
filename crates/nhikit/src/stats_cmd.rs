//! `nhikit stats DIR`: the realism report. The dataset's population beside the public NHI
//! statistics it is calibrated on — age pyramid, household sizes, income bands, reduction
//! shares (`schemas/reference/nhi_*.csv`; sources in `schemas/reference/README.md` and
//! `docs/statistics-sources.md`) — with the total-variation distance of each distribution, and
//! the 資格異動 rates of the history window beside the one national rate found. The numbers
//! come from [`nhikit_dataset::stats()`]; this prints them.

use anyhow::Context;
use clap::Args;
use nhikit_io::Manifest;
use nhikit_io::contain::Root;
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

/// Runs `nhikit stats`.
pub fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    if let Some(d) = args.max_distance
        && !(d.is_finite() && d >= 0.0)
    {
        anyhow::bail!("--max-distance {d}: give a distance between 0 and 1, e.g. 0.05");
    }
    let json = args.json || args.format == ReportFormat::Json;
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let not_a_dataset = || {
        format!(
            "{}: not a dataset (run `nhikit gen --out {}` first?)",
            args.dir.display(),
            args.dir.display()
        )
    };
    let root = Root::open(&args.dir).with_context(not_a_dataset)?;
    let manifest = Manifest::read_in(&root).with_context(not_a_dataset)?;
    let s = nhikit_dataset::stats(&root, &manifest, &schema)?;
    let (as_of, dists, events) = (s.as_of, &s.distributions, s.events.as_ref());
    let has_events = events.is_some();
    let event_note = "not in dataset (generate with --with event)";
    if json {
        let v = serde_json::json!({
            "dataset": args.dir,
            "as_of": as_of.to_string(),
            "qualifications": s.qualifications,
            "insured": s.insured,
            "households_with_insured": s.households_with_insured,
            "insured_75_and_over": s.insured_75_and_over,
            "mean_age": s.mean_age,
            "share_65_74": s.share_65_74,
            "insured_per_household": s.insured_per_household,
            "mean_household_income": s.mean_household_income,
            "distributions": dists,
            "event_rates": {
                "present": has_events,
                "note": (!has_events).then_some(event_note),
                "window": s.history.map(|(from, to)| [from.to_string(), to.to_string()]),
                "insured_person_years": s.insured_person_years,
                "rates": events.map_or(&[][..], |e| e.rates.as_slice()),
                "net_change_per_1000_insured_years": events.map(|e| e.net_change_per_1000_insured_years),
                "net_change_target": s.net_change_target,
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
            s.insured,
            s.households_with_insured,
            s.qualifications
        );
        for d in dists {
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
        match events {
            Some(ev) => {
                crate::out::outln!(
                    t,
                    "資格異動 per 1,000 insured person-years, {} to {} ({:.0} person-years); \
                     no public rate by reason was found (docs/statistics-sources.md §7)",
                    ev.from,
                    ev.to,
                    ev.insured_person_years
                );
                for r in &ev.rates {
                    crate::out::outln!(
                        t,
                        "  {} {:<24} {:>9.2}  ({} events)",
                        r.kind,
                        r.label,
                        r.per_1000_insured_years,
                        r.events
                    );
                }
                crate::out::outln!(
                    t,
                    "  net change {:+.1} (target {:+.1}: 市町村国保 FY2023, 2,413万 → 2,309万)",
                    ev.net_change_per_1000_insured_years,
                    s.net_change_target
                );
            }
            None => crate::out::outln!(t, "資格異動 rates — {event_note}"),
        }
        crate::out::outln!(t);
        crate::out::outln!(
            t,
            "anchors: 65–74 share {:.1}% (target 44.8%), mean age {:.1} (54.2), \
             insured per household {:.3} (1.519); insured aged 75+: {}",
            s.share_65_74 * 100.0,
            s.mean_age,
            s.insured_per_household,
            s.insured_75_and_over
        );
        if let Some(m) = s.mean_household_income {
            crate::out::outln!(
                t,
                "         mean household 所得 {:.0}千円 (1,061–1,166千円, 平成22〜令和3)",
                m / 1000.0
            );
        }
        crate::out::print(&t)?;
    }
    let worst = s.worst_distance();
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
