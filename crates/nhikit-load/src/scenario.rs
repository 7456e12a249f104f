//! The scenario file (`scenarios/performance/*.toml`, `docs/load-format.md`): the workload
//! model, the operation mix, the data pool and the thresholds.

use crate::Error;
use nhikit_core::date::NaiveDate;
use nhikit_target::wire::Operation;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// One operation the load runner can send: the target operations (wire names of
/// `nhikit_target::wire::Operation`) it has a request generator for, plus `health`
/// (`GET /health`, the trivial endpoint used to measure the tool's own ceiling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadOp {
    /// 一括取込 of the pool's dataset directory.
    Import,
    /// 資格変更 (氏名変更) of an insured person of the pool: a qualification event.
    RegisterEvent,
    /// An insured person of the pool as of the pool's date.
    LookupPerson,
    /// A household of the pool as of the pool's date.
    LookupHousehold,
    /// The premium of a household of the pool for the fiscal year.
    Assess,
    /// A 高額療養費 limit for a synthetic service month (no pool key needed).
    HighCostLimit,
    /// The 負担割合 of an insured person of the pool.
    CopayRatio,
    /// The 資格確認書 of an insured person of the pool.
    IssueCertificate,
    /// `GET /health`.
    Health,
}

impl LoadOp {
    /// Every operation, in a fixed order.
    pub const ALL: [LoadOp; 9] = [
        LoadOp::Import,
        LoadOp::RegisterEvent,
        LoadOp::LookupPerson,
        LoadOp::LookupHousehold,
        LoadOp::Assess,
        LoadOp::HighCostLimit,
        LoadOp::CopayRatio,
        LoadOp::IssueCertificate,
        LoadOp::Health,
    ];

    /// The target operation sent, or `None` for `health` (`GET /health`, no operation).
    pub fn operation(self) -> Option<Operation> {
        Some(match self {
            LoadOp::Import => Operation::Import,
            LoadOp::RegisterEvent => Operation::RegisterEvent,
            LoadOp::LookupPerson => Operation::LookupPerson,
            LoadOp::LookupHousehold => Operation::LookupHousehold,
            LoadOp::Assess => Operation::Assess,
            LoadOp::HighCostLimit => Operation::HighCostLimit,
            LoadOp::CopayRatio => Operation::CopayRatio,
            LoadOp::IssueCertificate => Operation::IssueCertificate,
            LoadOp::Health => return None,
        })
    }

    /// The name used in scenarios and results: the operation's wire name, or `health`.
    pub fn name(self) -> &'static str {
        self.operation().map_or("health", Operation::name)
    }

    /// The path requested: the operation's (`/v1/<name>`), or `/health`.
    pub fn http_path(self) -> String {
        self.operation()
            .map_or_else(|| "/health".to_owned(), Operation::http_path)
    }
}

impl fmt::Display for LoadOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LoadOp {
    type Err = String;

    fn from_str(s: &str) -> Result<LoadOp, String> {
        LoadOp::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = LoadOp::ALL.iter().map(|o| o.name()).collect();
                format!("unknown operation `{s}`; known: {}", known.join(", "))
            })
    }
}

/// A duration written `250ms`, `30s`, `2m` or `1h` (a bare number is seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span(pub Duration);

impl FromStr for Span {
    type Err = String;

    fn from_str(s: &str) -> Result<Span, String> {
        let t = s.trim();
        let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
            Some(i) => t.split_at(i),
            None => (t, "s"),
        };
        let n: f64 = num
            .parse()
            .map_err(|_| format!("{s:?} is not a duration (e.g. 250ms, 30s, 2m, 1h)"))?;
        let secs = match unit.trim() {
            "ms" => n / 1000.0,
            "s" => n,
            "m" | "min" => n * 60.0,
            "h" => n * 3600.0,
            other => {
                return Err(format!("{s:?}: unknown unit {other:?} (use ms, s, m or h)"));
            }
        };
        if !secs.is_finite() || !(0.0..=7.0 * 86400.0).contains(&secs) {
            return Err(format!("{s:?} is out of range (0 to 7 days)"));
        }
        Ok(Span(Duration::from_secs_f64(secs)))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_secs_f64() * 1000.0;
        if ms < 1000.0 || ms.fract() != 0.0 && ms < 60_000.0 {
            write!(f, "{ms}ms")
        } else {
            write!(f, "{}s", ms / 1000.0)
        }
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(f64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(t) => t.parse().map_err(serde::de::Error::custom),
            Raw::Number(n) => format!("{n}s").parse().map_err(serde::de::Error::custom),
        }
    }
}

/// A parsed, checked scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name (results and reports carry it).
    pub name: String,
    /// What the scenario stands for.
    #[serde(default)]
    pub description: String,
    /// How load is offered.
    pub workload: Workload,
    /// The data the requests draw their keys from.
    #[serde(default)]
    pub pool: PoolSpec,
    /// Operation name → weight (relative share of requests).
    pub mix: BTreeMap<String, u32>,
    /// Settings of the generated requests.
    #[serde(default)]
    pub params: Params,
    /// `all` or an operation name → the limits its results must keep.
    #[serde(default)]
    pub thresholds: BTreeMap<String, Limits>,
}

/// The workload model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum Workload {
    /// Closed model: `vus` virtual users, each sending one request, waiting for the answer,
    /// then thinking. Latency is measured from the actual send.
    Closed {
        /// Virtual users (each with its own keep-alive connection).
        vus: u32,
        /// Requests in all (shared by the users), or `"pool"`: one per household of the pool.
        #[serde(default)]
        iterations: Option<Iterations>,
        /// Stop after this long (at least one of `iterations` and `duration`).
        #[serde(default)]
        duration: Option<Span>,
        /// Pause of a user between its requests.
        #[serde(default)]
        think_time: Span,
        /// Results of requests started in this first part of the run are left out.
        #[serde(default)]
        warmup: Span,
        /// A request not answered within this is an error of kind `timeout`.
        #[serde(default = "default_timeout")]
        timeout: Span,
    },
    /// Open model: requests arrive at a rate, whether or not earlier ones were answered.
    /// Latency is measured from the intended send time (no coordinated omission).
    Open {
        /// The rate at the start (requests/s); default: the first stage's rate.
        #[serde(default)]
        start_rate: Option<f64>,
        /// Stages: the rate ramps linearly to each stage's `rate` over its `duration`.
        stages: Vec<Stage>,
        /// Connections (requests in flight at most); later arrivals queue, their wait counted.
        #[serde(default = "default_in_flight")]
        max_in_flight: u32,
        /// Results of requests due in this first part of the run are left out.
        #[serde(default)]
        warmup: Span,
        /// A request not answered within this is an error of kind `timeout`.
        #[serde(default = "default_timeout")]
        timeout: Span,
    },
}

impl Workload {
    /// How long the run is planned to last, warm-up included: the open model's schedule, the
    /// closed model's `duration` (none when it runs a number of iterations).
    pub fn planned_length(&self) -> Option<Duration> {
        match self {
            Workload::Open {
                start_rate, stages, ..
            } => Some(crate::plan::Schedule::new(*start_rate, stages).length()),
            Workload::Closed { duration, .. } => duration.map(|d| d.0),
        }
    }

    /// How long one request may take (the `timeout` of either model).
    pub fn timeout(&self) -> Duration {
        match self {
            Workload::Closed { timeout, .. } | Workload::Open { timeout, .. } => timeout.0,
        }
    }
}

fn default_timeout() -> Span {
    Span(Duration::from_secs(30))
}

fn default_in_flight() -> u32 {
    64
}

/// A stage of the open model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// How long the stage lasts.
    pub duration: Span,
    /// The rate (requests/s) reached at the end of the stage.
    pub rate: f64,
}

/// The request count of a closed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iterations {
    /// This many requests.
    Count(u64),
    /// One request per household of the pool (the 本算定 batch).
    Pool,
}

impl Serialize for Iterations {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Iterations::Count(n) => s.serialize_u64(*n),
            Iterations::Pool => s.serialize_str("pool"),
        }
    }
}

impl<'de> Deserialize<'de> for Iterations {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Iterations, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Number(n) => Ok(Iterations::Count(n)),
            Raw::Text(t) if t == "pool" => Ok(Iterations::Pool),
            Raw::Text(t) => Err(serde::de::Error::custom(format!(
                "iterations {t:?}: expected a number or \"pool\""
            ))),
        }
    }
}

/// How keys are drawn from the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Draw {
    /// A pseudo-random key per request (a pure function of seed and request number).
    #[default]
    Random,
    /// Request k takes key k: every household once, in order (batch runs).
    Sequential,
}

/// Whether the pool's dataset is imported into the target before the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Import unless the target already holds the pool's first household.
    #[default]
    Auto,
    /// Always import (fails when the target already holds the records).
    Always,
    /// Never: the target was loaded beforehand (`nhikit serve --import DIR`).
    Never,
}

/// The data pool: a generated dataset whose keys the requests use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Generator seed.
    #[serde(default)]
    pub seed: u64,
    /// Households generated.
    #[serde(default = "default_households")]
    pub households: u64,
    /// Only these municipalities (6-digit 地方公共団体コード); empty: all.
    #[serde(default)]
    pub municipalities: Vec<String>,
    /// 基準日 of the data and the date of lookups, certificates and copay checks.
    #[serde(default = "default_as_of")]
    pub as_of: String,
    /// How keys are drawn.
    #[serde(default)]
    pub draw: Draw,
    /// Import before the run.
    #[serde(default)]
    pub import: ImportMode,
}

fn default_households() -> u64 {
    1000
}

fn default_as_of() -> String {
    "2026-04-01".into()
}

impl Default for PoolSpec {
    fn default() -> PoolSpec {
        PoolSpec {
            seed: 0,
            households: default_households(),
            municipalities: Vec::new(),
            as_of: default_as_of(),
            draw: Draw::default(),
            import: ImportMode::default(),
        }
    }
}

impl PoolSpec {
    /// The pool's 基準日.
    pub fn as_of_date(&self) -> Result<NaiveDate, String> {
        NaiveDate::parse_from_str(&self.as_of, "%Y-%m-%d")
            .map_err(|_| format!("pool.as_of {:?}: expected a date YYYY-MM-DD", self.as_of))
    }
}

/// Settings of the generated requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// 年度 of `assess`.
    #[serde(default = "default_fiscal_year")]
    pub fiscal_year: i32,
    /// A shipped rate set for `assess` instead of the municipality's (`natori`, …).
    #[serde(default)]
    pub rates: Option<String>,
}

fn default_fiscal_year() -> i32 {
    2026
}

impl Default for Params {
    fn default() -> Params {
        Params {
            fiscal_year: default_fiscal_year(),
            rates: None,
        }
    }
}

/// Limits on the results of one operation (or `all`). Every field is optional.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Median latency at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50: Option<Span>,
    /// 95th percentile latency at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95: Option<Span>,
    /// 99th percentile latency at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99: Option<Span>,
    /// Maximum latency at most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Span>,
    /// Share of requests that failed, at most (0.01 = 1 %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Requests per second (measured window), at least.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_throughput: Option<f64>,
}

/// 1-based (line, column) of a byte offset of `text`, the column in characters.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl Scenario {
    /// Reads and checks a scenario file; errors name the file and the item.
    pub fn load(path: &Path) -> Result<Scenario, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Scenario::parse_file(path, &text)
    }

    /// Parses and checks the text of a scenario file (`path` names it in errors): a syntax or
    /// type error is `FILE:LINE:COLUMN: why`, a rule between items `FILE: item: why`.
    pub fn parse_file(path: &Path, text: &str) -> Result<Scenario, Error> {
        Scenario::parse_at(text).map_err(|(at, message)| Error::Scenario {
            file: path.to_owned(),
            at,
            message,
        })
    }

    /// Parses and checks scenario text; the error says where (`LINE:COLUMN:` or the item) and
    /// why.
    pub fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::parse_at(text).map_err(|(at, message)| match at {
            Some((line, column)) => format!("{line}:{column}: {message}"),
            None => message,
        })
    }

    /// Parses and checks; the error's (line, column) when it has a place.
    fn parse_at(text: &str) -> Result<Scenario, (Option<(usize, usize)>, String)> {
        let s: Scenario = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|r| line_col(text, r.start));
            (at, e.message().trim().to_owned())
        })?;
        s.check().map_err(|m| (None, m))?;
        Ok(s)
    }

    /// The mix as (operation, weight), weights > 0, in name order.
    pub fn ops(&self) -> Vec<(LoadOp, u32)> {
        self.mix
            .iter()
            .filter(|(_, w)| **w > 0)
            .filter_map(|(n, w)| n.parse().ok().map(|o| (o, *w)))
            .collect()
    }

    fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        let mut total = 0u64;
        for (name, w) in &self.mix {
            name.parse::<LoadOp>()
                .map_err(|e| format!("mix.{name}: {e}"))?;
            total += u64::from(*w);
        }
        if total == 0 {
            return Err("mix: at least one operation needs a weight above 0".into());
        }
        for (key, limits) in &self.thresholds {
            if key != "all" && !self.mix.contains_key(key) {
                return Err(format!(
                    "thresholds.{key}: not `all` and not an operation of the mix"
                ));
            }
            if let Some(r) = limits.error_rate
                && !(0.0..=1.0).contains(&r)
            {
                return Err(format!(
                    "thresholds.{key}.error_rate: {r} is not between 0 and 1"
                ));
            }
            if let Some(t) = limits.min_throughput
                && !(t.is_finite() && t >= 0.0)
            {
                return Err(format!(
                    "thresholds.{key}.min_throughput: {t} is not a rate ≥ 0"
                ));
            }
        }
        self.pool.as_of_date()?;
        if self.pool.households == 0 && self.needs_pool() {
            return Err("pool.households: must be at least 1 for this mix".into());
        }
        match &self.workload {
            Workload::Closed {
                vus,
                iterations,
                duration,
                ..
            } => {
                if *vus == 0 {
                    return Err("workload.vus: must be at least 1".into());
                }
                if iterations.is_none() && duration.is_none() {
                    return Err(
                        "workload: a closed model needs `iterations` or `duration` (or both)"
                            .into(),
                    );
                }
            }
            Workload::Open {
                start_rate,
                stages,
                max_in_flight,
                ..
            } => {
                if stages.is_empty() {
                    return Err("workload.stages: an open model needs at least one stage".into());
                }
                if *max_in_flight == 0 {
                    return Err("workload.max_in_flight: must be at least 1".into());
                }
                let rates = start_rate.iter().chain(stages.iter().map(|s| &s.rate));
                for (i, r) in rates.enumerate() {
                    if !(r.is_finite() && *r >= 0.0 && *r <= 10_000_000.0) {
                        return Err(format!(
                            "workload: rate #{} = {r} is not between 0 and 10,000,000 per second",
                            i + 1
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether the mix needs keys from the pool.
    pub fn needs_pool(&self) -> bool {
        self.ops()
            .iter()
            .any(|(o, _)| !matches!(o, LoadOp::Health | LoadOp::HighCostLimit))
    }

    /// Overrides the run length: the closed model stops after `d` at the latest (its
    /// `iterations` still apply; the warm-up is at most a fifth of `d`), the open model's
    /// stages and warm-up are scaled to fit `d`.
    pub fn with_duration(mut self, d: Duration) -> Scenario {
        match &mut self.workload {
            Workload::Closed {
                duration, warmup, ..
            } => {
                *duration = Some(Span(d));
                warmup.0 = warmup.0.min(d / 5);
            }
            Workload::Open { stages, warmup, .. } => {
                let total: f64 = stages.iter().map(|s| s.duration.0.as_secs_f64()).sum();
                if total > 0.0 {
                    let k = d.as_secs_f64() / total;
                    for s in stages.iter_mut() {
                        s.duration = Span(s.duration.0.mul_f64(k));
                    }
                    warmup.0 = warmup.0.mul_f64(k.min(1.0));
                }
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_in_every_unit() {
        let p = |s: &str| s.parse::<Span>().map(|s| s.0);
        assert_eq!(p("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(p("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(p("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(p("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(p("1.5"), Ok(Duration::from_millis(1500)));
        assert!(p("3 weeks").is_err());
        assert!(p("ms").is_err());
    }

    const MINIMAL: &str = r#"
name = "t"
[workload]
model = "closed"
vus = 2
iterations = 10
[mix]
lookup_person = 1
"#;

    #[test]
    fn a_minimal_scenario_parses_with_defaults() {
        let s = Scenario::parse(MINIMAL).unwrap();
        assert_eq!(s.pool.households, 1000);
        assert_eq!(s.ops(), vec![(LoadOp::LookupPerson, 1)]);
        assert!(matches!(
            s.workload,
            Workload::Closed {
                iterations: Some(Iterations::Count(10)),
                ..
            }
        ));
    }

    #[test]
    fn errors_name_the_line_and_item() {
        let bad = MINIMAL.replace("lookup_person = 1", "lookup_persn = 1");
        let e = Scenario::parse(&bad).unwrap_err();
        assert!(
            e.contains("mix.lookup_persn") && e.contains("lookup_person"),
            "{e}"
        );
        let bad = MINIMAL.replace("vus = 2", "vus = 2\nthink = \"1s\"");
        let e = Scenario::parse(&bad).unwrap_err();
        // The unknown key is inside the `[workload]` table (line 3), which serde reads whole
        // (the model is its tag): the error points at the table.
        assert!(e.starts_with("3:1: ") && e.contains("`think`"), "{e}");
        let bad = format!("{MINIMAL}[thresholds.assess]\np99 = \"1s\"\n");
        let e = Scenario::parse(&bad).unwrap_err();
        assert!(e.contains("thresholds.assess"), "{e}");
        let bad = MINIMAL.replace("iterations = 10", "");
        assert!(Scenario::parse(&bad).unwrap_err().contains("iterations"));
    }

    #[test]
    fn open_rates_are_checked() {
        let open = r#"
name = "o"
[workload]
model = "open"
stages = [{ duration = "1s", rate = -3 }]
[mix]
health = 1
"#;
        let e = Scenario::parse(open).unwrap_err();
        assert!(e.contains("rate #1"), "{e}");
    }
}
