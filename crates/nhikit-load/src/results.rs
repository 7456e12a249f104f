//! The results of a run (or of several merged): counts, errors by kind and HDR histograms of
//! latency in microseconds, per operation and per one-second interval. The histograms are
//! serialized (HdrHistogram V2, base64) so that `nhikit load merge` adds them exactly.

use crate::Error;
use crate::scenario::Limits;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format tag of a results file.
pub const FORMAT: &str = "nhikit-load-results/1";

/// Latencies are recorded in microseconds from 1 µs, 3 significant digits. The histogram
/// starts small and grows to the largest latency recorded (auto-resize), so that a long run's
/// one-second intervals cost ~64 KiB each for latencies up to 100 ms, not the 184 KiB a fixed
/// range of 1 hour takes. Histograms of any size add exactly (same lowest value and digits).
pub fn new_histogram() -> Histogram<u64> {
    let mut h = Histogram::new_with_bounds(1, 2048, 3).expect("constant bounds are valid");
    h.auto(true);
    h
}

/// A histogram in a results file: HdrHistogram V2 encoding, base64.
#[derive(Debug, Clone)]
pub struct Hist(pub Histogram<u64>);

impl Default for Hist {
    fn default() -> Hist {
        Hist(new_histogram())
    }
}

impl PartialEq for Hist {
    fn eq(&self, other: &Hist) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter_recorded()
                .zip(other.0.iter_recorded())
                .all(|(a, b)| {
                    a.value_iterated_to() == b.value_iterated_to()
                        && a.count_at_value() == b.count_at_value()
                })
            && self.0.iter_recorded().count() == other.0.iter_recorded().count()
    }
}

impl Hist {
    /// Records a latency in µs, growing the histogram to hold it (`saturating_record` would
    /// clamp to the current range instead).
    pub fn record(&mut self, us: u64) {
        if self.0.record(us).is_err() {
            self.0.saturating_record(us);
        }
    }

    /// Adds `other` (exact: same bucket layout).
    pub fn add(&mut self, other: &Hist) -> Result<(), Error> {
        self.0
            .add(&other.0)
            .map_err(|e| Error::Results(format!("adding histograms: {e:?}")))
    }

    /// The latency at `quantile` (0..=1) in milliseconds; 0 when empty.
    pub fn ms_at(&self, quantile: f64) -> f64 {
        if self.0.is_empty() {
            0.0
        } else {
            self.0.value_at_quantile(quantile) as f64 / 1000.0
        }
    }

    /// The largest latency recorded, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        if self.0.is_empty() {
            0.0
        } else {
            self.0.max() as f64 / 1000.0
        }
    }
}

impl Serialize for Hist {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut bytes = Vec::new();
        V2Serializer::new()
            .serialize(&self.0, &mut bytes)
            .map_err(|e| serde::ser::Error::custom(format!("{e:?}")))?;
        s.serialize_str(&base64_encode(&bytes))
    }
}

impl<'de> Deserialize<'de> for Hist {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Hist, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = base64_decode(&text).map_err(serde::de::Error::custom)?;
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| serde::de::Error::custom(format!("bad histogram: {e:?}")))?;
        let mut out = new_histogram();
        out.add(&h)
            .map_err(|e| serde::de::Error::custom(format!("histogram out of range: {e:?}")))?;
        Ok(Hist(out))
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64
            .iter()
            .position(|&b| b == c)
            .ok_or_else(|| format!("histogram: {:?} is not base64", c as char))?;
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// The results of one operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpResults {
    /// Requests measured (after warm-up).
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Failures by kind (`not_found`, `timeout`, `http_503`, …).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Percentiles in milliseconds, derived from `histogram` (rewritten on merge).
    pub summary: Summary,
    /// Latency of every measured request (successful or not), µs.
    pub histogram: Hist,
}

/// Percentiles of a histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
    /// Requests per second over the measured window.
    pub throughput: f64,
    /// Failed share.
    pub error_rate: f64,
}

/// One interval of the run ([`Results::interval_ms`] long; a second unless the run is short).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The interval's index since the start of the measured window: it starts at
    /// `second × interval_ms` milliseconds (whole seconds when `interval_ms` is 1000).
    pub second: u64,
    /// Requests completed in it.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Their latencies, µs.
    pub histogram: Hist,
    /// The latencies per operation, µs.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ops: BTreeMap<String, Hist>,
}

impl Interval {
    /// Adds `other`'s counts and histograms (same layout: exact).
    pub fn add(&mut self, other: &Interval) -> Result<(), Error> {
        self.requests += other.requests;
        self.errors += other.errors;
        self.histogram.add(&other.histogram)?;
        for (op, h) in &other.ops {
            self.ops.entry(op.clone()).or_default().add(h)?;
        }
        Ok(())
    }
}

/// The interval width of a run planned to last `length` (unknown: `None`): whole seconds for
/// a run of a minute or more, down to a tenth of a second for a run of seconds, so that even a
/// 5-second run draws its curves from tens of points.
pub fn interval_ms_for(length: Option<std::time::Duration>) -> u64 {
    let Some(length) = length else {
        return 1000;
    };
    let per_point = length.as_millis() as u64 / 60;
    [100, 200, 250, 500]
        .into_iter()
        .find(|&ms| per_point <= ms)
        .unwrap_or(1000)
}

fn default_interval_ms() -> u64 {
    1000
}

/// The outcome of one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// `lookup_person p99 <= 100ms`.
    pub name: String,
    /// The measured value, in the limit's unit.
    pub actual: f64,
    /// The limit.
    pub limit: f64,
    /// Whether the limit was kept.
    pub passed: bool,
}

/// The results of a run, or of several merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always [`FORMAT`].
    pub format: String,
    /// The scenario's name.
    pub scenario: String,
    /// `open` or `closed`.
    pub model: String,
    /// The segments included (`1/2`, `2/2`; `1/1` for a whole run), sorted.
    pub segments: Vec<String>,
    /// The measured window in seconds (the longest of the merged runs).
    pub duration_s: f64,
    /// Requests measured.
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Requests left out as warm-up.
    pub warmup_requests: u64,
    /// Open model: arrivals not sent because the run was stopped.
    pub unsent: u64,
    /// Whether a run was stopped early (Ctrl-C, SIGTERM).
    pub interrupted: bool,
    /// The target run against (`http://HOST:PORT`; merged: the first part's).
    #[serde(default)]
    pub target: String,
    /// When the run started, UTC (`YYYY-MM-DDTHH:MM:SSZ`; merged: the earliest).
    #[serde(default)]
    pub date: String,
    /// The nhikit version that ran it.
    #[serde(default)]
    pub nhikit_version: String,
    /// Open model: the arrival rate the schedule offered over the measured window, per
    /// second (this run's segments together); closed model: none.
    #[serde(default)]
    pub planned_rate: Option<f64>,
    /// The width of each [`Interval`] of the timeline, in milliseconds.
    #[serde(default = "default_interval_ms")]
    pub interval_ms: u64,
    /// Per operation.
    pub ops: BTreeMap<String, OpResults>,
    /// All operations together.
    pub all: OpResults,
    /// Per second.
    pub timeline: Vec<Interval>,
    /// The scenario's thresholds (so that a merge can check them).
    pub thresholds: BTreeMap<String, Limits>,
    /// Their outcome.
    pub checks: Vec<Check>,
}

#[cfg(test)]
impl Results {
    /// An unfinished one-second run of `scenario` against `http://127.0.0.1:8080` with one
    /// operation `op` (no timeline, no thresholds), for the report tests to adjust.
    pub(crate) fn sample(scenario: &str, op: &str, results: OpResults) -> Results {
        Results {
            format: FORMAT.into(),
            scenario: scenario.into(),
            model: "closed".into(),
            segments: vec!["1/1".into()],
            duration_s: 1.0,
            requests: 0,
            errors: 0,
            warmup_requests: 0,
            unsent: 0,
            interrupted: false,
            target: "http://127.0.0.1:8080".into(),
            date: "2026-12-07T22:00:00Z".into(),
            nhikit_version: "0.1.0".into(),
            planned_rate: Some(1.0),
            interval_ms: 1000,
            ops: BTreeMap::from([(op.to_owned(), results)]),
            all: OpResults::default(),
            timeline: Vec::new(),
            thresholds: BTreeMap::new(),
            checks: Vec::new(),
        }
    }
}

impl Results {
    /// Reads a results file.
    pub fn load(path: &std::path::Path) -> Result<Results, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let r: Results = serde_json::from_str(&text).map_err(|e| {
            Error::Results(format!(
                "{}: line {} column {}: {e}",
                path.display(),
                e.line(),
                e.column()
            ))
        })?;
        if r.format != FORMAT {
            return Err(Error::Results(format!(
                "{}: format {:?}, expected {FORMAT:?}",
                path.display(),
                r.format
            )));
        }
        Ok(r)
    }

    /// Recomputes the summaries and checks from the counts and histograms.
    pub fn finish(&mut self) {
        let secs = self.duration_s.max(1e-9);
        let mut all = OpResults::default();
        for op in self.ops.values_mut() {
            op.summary = summarize(op, secs);
            all.requests += op.requests;
            all.errors += op.errors;
            for (k, n) in &op.errors_by_kind {
                *all.errors_by_kind.entry(k.clone()).or_default() += n;
            }
            // Same bucket layout: cannot fail.
            let _ = all.histogram.add(&op.histogram);
        }
        all.summary = summarize(&all, secs);
        self.requests = all.requests;
        self.errors = all.errors;
        self.all = all;
        self.checks = crate::gate::evaluate(self);
    }

    /// Combines the results of several workers (segments) exactly: counts and histograms
    /// add, intervals add by second, the window is the longest.
    pub fn merge(parts: &[Results]) -> Result<Results, Error> {
        let first = parts
            .first()
            .ok_or_else(|| Error::Usage("merge: no results given".into()))?;
        let mut out = Results {
            segments: Vec::new(),
            duration_s: 0.0,
            warmup_requests: 0,
            unsent: 0,
            interrupted: false,
            ops: BTreeMap::new(),
            timeline: Vec::new(),
            ..first.clone()
        };
        for (i, r) in parts.iter().enumerate() {
            if r.scenario != first.scenario || r.model != first.model {
                return Err(Error::Results(format!(
                    "merge: input {} is scenario {:?} ({}), input 1 is {:?} ({})",
                    i + 1,
                    r.scenario,
                    r.model,
                    first.scenario,
                    first.model
                )));
            }
            out.segments.extend(r.segments.iter().cloned());
            out.duration_s = out.duration_s.max(r.duration_s);
            out.warmup_requests += r.warmup_requests;
            out.unsent += r.unsent;
            out.interrupted |= r.interrupted;
            for (name, op) in &r.ops {
                let into = out.ops.entry(name.clone()).or_default();
                into.requests += op.requests;
                into.errors += op.errors;
                for (k, n) in &op.errors_by_kind {
                    *into.errors_by_kind.entry(k.clone()).or_default() += n;
                }
                into.histogram.add(&op.histogram)?;
            }
            if r.interval_ms != first.interval_ms {
                return Err(Error::Results(format!(
                    "merge: input {} has intervals of {} ms, input 1 of {} ms (run the segments \
                     with the same --duration)",
                    i + 1,
                    r.interval_ms,
                    first.interval_ms
                )));
            }
            if i > 0 {
                out.planned_rate = match (out.planned_rate, r.planned_rate) {
                    (Some(a), Some(b)) => Some(a + b),
                    _ => None,
                };
                if !r.date.is_empty() && (out.date.is_empty() || r.date < out.date) {
                    out.date = r.date.clone();
                }
            }
            for iv in &r.timeline {
                let pos = out.timeline.partition_point(|x| x.second < iv.second);
                if out.timeline.get(pos).is_none_or(|x| x.second != iv.second) {
                    out.timeline.insert(
                        pos,
                        Interval {
                            second: iv.second,
                            ..Interval::default()
                        },
                    );
                }
                out.timeline[pos].add(iv)?;
            }
        }
        out.segments.sort();
        out.finish();
        Ok(out)
    }

    /// Whether every threshold held.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }
}

fn summarize(op: &OpResults, secs: f64) -> Summary {
    let h = &op.histogram;
    Summary {
        p50_ms: h.ms_at(0.50),
        p90_ms: h.ms_at(0.90),
        p95_ms: h.ms_at(0.95),
        p99_ms: h.ms_at(0.99),
        p999_ms: h.ms_at(0.999),
        max_ms: h.max_ms(),
        throughput: op.requests as f64 / secs,
        error_rate: if op.requests == 0 {
            0.0
        } else {
            op.errors as f64 / op.requests as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for n in 0..20u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37)).collect();
            assert_eq!(base64_decode(&base64_encode(&bytes)).unwrap(), bytes);
        }
        // RFC 4648 §10 test vector.
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode("Zm9v!").is_err());
    }

    #[test]
    fn a_histogram_grows_to_hold_a_stall_and_adds_exactly() {
        let mut h = Hist::default();
        for _ in 0..99 {
            h.record(1_000);
        }
        h.record(700_000); // 0.7 s, far past the initial 2,048 µs range
        assert_eq!(h.0.len(), 100);
        assert!((h.max_ms() - 700.0).abs() < 1.0, "{}", h.max_ms());
        let mut all = Hist::default();
        all.add(&h).unwrap();
        all.add(&h).unwrap();
        assert_eq!(all.0.len(), 200);
        assert!((all.ms_at(1.0) - 700.0).abs() < 1.0);
        assert!((all.ms_at(0.5) - 1.0).abs() < 0.01);
    }

    #[test]
    fn histograms_survive_json() {
        let mut h = Hist::default();
        for v in [1u64, 250, 999, 12_345, 7_000_000] {
            h.0.record(v).unwrap();
        }
        let text = serde_json::to_string(&h).unwrap();
        let back: Hist = serde_json::from_str(&text).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.0.len(), 5);
        assert!(serde_json::from_str::<Hist>("\"AAAA\"").is_err());
    }
}
