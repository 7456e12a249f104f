//! What a run sends and when, as pure functions of the scenario: the arrival schedule of the
//! open model, the share of one segment (`--segment I/N`), and the per-request choices.

use crate::Error;
use crate::scenario::{LoadOp, Stage};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Segment `index` (0-based) of `count`: this worker runs global request numbers `k` with
/// `k % count == index`, the same share of virtual users, connections and pool keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// 0-based.
    pub index: u32,
    /// At least 1.
    pub count: u32,
}

impl Segment {
    /// The whole run.
    pub const ALL: Segment = Segment { index: 0, count: 1 };

    /// How many of `total` items (numbered 0..total) fall in this segment.
    pub fn share(self, total: u64) -> u64 {
        let (i, n) = (u64::from(self.index), u64::from(self.count));
        if total <= i {
            0
        } else {
            (total - i).div_ceil(n)
        }
    }

    /// The global number of this segment's `j`-th item.
    pub fn global(self, j: u64) -> u64 {
        u64::from(self.index) + j * u64::from(self.count)
    }
}

impl FromStr for Segment {
    type Err = Error;

    /// `I/N`, 1-based: `2/4` is the second of four.
    fn from_str(s: &str) -> Result<Segment, Error> {
        let bad = || {
            Error::Usage(format!(
                "--segment {s:?}: expected I/N with 1 ≤ I ≤ N, e.g. 2/4"
            ))
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i: u32 = i.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || i == 0 || i > n {
            return Err(bad());
        }
        Ok(Segment {
            index: i - 1,
            count: n,
        })
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

/// The arrival times of the open model: arrival `k` (0-based, global) is due when the
/// cumulative offered load `∫ rate dt` reaches `k`.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// (duration s, rate at start, rate at end) per stage.
    stages: Vec<(f64, f64, f64)>,
}

impl Schedule {
    /// The schedule of `stages`, starting at `start_rate` (default: the first stage's rate).
    pub fn new(start_rate: Option<f64>, stages: &[Stage]) -> Schedule {
        let mut from = start_rate.or(stages.first().map(|s| s.rate)).unwrap_or(0.0);
        let mut out = Vec::with_capacity(stages.len());
        for s in stages {
            out.push((s.duration.0.as_secs_f64(), from, s.rate));
            from = s.rate;
        }
        Schedule { stages: out }
    }

    /// The run length.
    pub fn length(&self) -> Duration {
        Duration::from_secs_f64(self.stages.iter().map(|s| s.0).sum())
    }

    /// Arrivals in all (over every segment).
    pub fn total(&self) -> u64 {
        let load: f64 = self.stages.iter().map(|(d, a, b)| d * (a + b) / 2.0).sum();
        // Arrival k is due when the load reaches k: arrivals 0, 1, … below the whole load.
        if load > 0.0 { load.ceil() as u64 } else { 0 }
    }

    /// When arrival `k` is due, from the start; `None` past the end.
    pub fn due(&self, k: u64) -> Option<Duration> {
        let mut m = k as f64;
        let mut at = 0.0;
        for &(d, a, b) in &self.stages {
            let load = d * (a + b) / 2.0;
            if m < load {
                // Solve a·τ + (b − a)·τ²/(2d) = m in the stable form.
                let disc = (a * a + 2.0 * (b - a) * m / d).max(0.0);
                let tau = if m == 0.0 {
                    0.0
                } else {
                    2.0 * m / (a + disc.sqrt())
                };
                return Some(Duration::from_secs_f64(at + tau.clamp(0.0, d)));
            }
            m -= load;
            at += d;
        }
        None
    }
}

/// A 64-bit mix (splitmix64 finaliser): the per-request choices are pure functions of
/// (seed, request number, purpose), so every segment split chooses alike.
pub fn mix64(seed: u64, k: u64, purpose: u64) -> u64 {
    let mut z =
        seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ purpose.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `x mod n` without modulo bias worth speaking of (Lemire's multiply-shift).
pub fn below(x: u64, n: u64) -> u64 {
    ((u128::from(x) * u128::from(n)) >> 64) as u64
}

/// Weighted choice of an operation by request number.
#[derive(Debug, Clone)]
pub struct Mix {
    ops: Vec<(LoadOp, u64)>,
    total: u64,
    seed: u64,
}

impl Mix {
    /// `ops` with their weights (at least one above 0).
    pub fn new(ops: &[(LoadOp, u32)], seed: u64) -> Mix {
        let mut acc = 0u64;
        let ops = ops
            .iter()
            .filter(|(_, w)| *w > 0)
            .map(|(o, w)| {
                acc += u64::from(*w);
                (*o, acc)
            })
            .collect();
        Mix {
            ops,
            total: acc,
            seed,
        }
    }

    /// The operation of global request `k`.
    pub fn pick(&self, k: u64) -> LoadOp {
        if self.ops.len() == 1 {
            return self.ops[0].0;
        }
        let x = below(mix64(self.seed, k, 1), self.total);
        self.ops
            .iter()
            .find(|(_, upto)| x < *upto)
            .map_or(LoadOp::Health, |(o, _)| *o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Span;

    fn stage(secs: f64, rate: f64) -> Stage {
        Stage {
            duration: Span(Duration::from_secs_f64(secs)),
            rate,
        }
    }

    #[test]
    fn a_constant_rate_is_evenly_spaced() {
        let s = Schedule::new(None, &[stage(2.0, 10.0)]);
        assert_eq!(s.total(), 20);
        assert_eq!(s.due(0), Some(Duration::ZERO));
        assert_eq!(s.due(5), Some(Duration::from_millis(500)));
        assert_eq!(s.due(19), Some(Duration::from_millis(1900)));
        assert_eq!(s.due(20), None);
    }

    #[test]
    fn a_ramp_offers_the_area_under_it() {
        // 0 → 100/s over 10 s offers 500 requests; half the load (250) is offered at
        // t = 10·√0.5 s (area of a triangle).
        let s = Schedule::new(Some(0.0), &[stage(10.0, 100.0)]);
        assert_eq!(s.total(), 500);
        let t = s.due(250).unwrap().as_secs_f64();
        assert!((t - 10.0 * 0.5f64.sqrt()).abs() < 1e-9, "{t}");
        // Arrival times never go backwards.
        let mut last = Duration::ZERO;
        for k in 0..500 {
            let t = s.due(k).unwrap();
            assert!(t >= last);
            last = t;
        }
    }

    #[test]
    fn segments_partition_every_count() {
        for total in [0u64, 1, 2, 7, 100, 101] {
            for n in 1..6u32 {
                let sum: u64 = (0..n)
                    .map(|i| Segment { index: i, count: n }.share(total))
                    .sum();
                assert_eq!(sum, total, "total {total} n {n}");
            }
        }
        assert_eq!(
            "2/4".parse::<Segment>().ok(),
            Some(Segment { index: 1, count: 4 })
        );
        assert!("0/4".parse::<Segment>().is_err());
        assert!("5/4".parse::<Segment>().is_err());
        assert!("x".parse::<Segment>().is_err());
    }

    #[test]
    fn the_mix_follows_the_weights() {
        let m = Mix::new(&[(LoadOp::Assess, 1), (LoadOp::LookupPerson, 3)], 7);
        let n = 100_000;
        let assess = (0..n).filter(|k| m.pick(*k) == LoadOp::Assess).count() as f64;
        assert!((assess / n as f64 - 0.25).abs() < 0.01, "{assess}");
    }
}
