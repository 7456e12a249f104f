//! The plan of a run: how many households each municipality gets, and the fixed parts the
//! work is cut into. Parts never depend on `--threads` or `--shard`, so every output file is
//! the same whichever way the work is split.
//!
//! A part is a run of up to [`PART_HOUSEHOLDS`] households of one prefecture, taking its
//! municipalities in code order; a part may span several small municipalities. Output is
//! partitioned by prefecture (47 directories), not by municipality: 1,741 municipal
//! directories per entity made small runs spend most of their time creating files.

use crate::Error;
use crate::reference::{Municipality, Reference};
use nhikit_core::id::InsurerNumber;

/// Households per part: the unit of work, of output files and of shard assignment.
pub const PART_HOUSEHOLDS: u64 = 16_384;

/// The most households one municipality may get: identifier ranges are reserved per
/// municipality (see [`crate::ids`]).
pub const MAX_MUNICIPALITY_HOUSEHOLDS: u64 = 3_000_000;

/// One municipality in the plan.
#[derive(Debug, Clone)]
pub struct PlannedMunicipality {
    /// The municipality.
    pub municipality: Municipality,
    /// Its 保険者番号 (derived: prefecture + serial within the prefecture + check digit).
    pub insurer_number: InsurerNumber,
    /// The same, as text.
    pub insurer_number_text: String,
    /// Households generated for it.
    pub households: u64,
}

/// Consecutive households of one municipality: local indices `first..first + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Index into [`Plan::municipalities`].
    pub municipality: usize,
    /// First local household index.
    pub first: u64,
    /// Number of households.
    pub count: u64,
}

/// A part: up to [`PART_HOUSEHOLDS`] households of one prefecture, as segments of its
/// municipalities in code order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Prefecture number 1–47.
    pub prefecture: u8,
    /// Part number within the prefecture (file `part-NNNNN`).
    pub number: u32,
    /// The households, municipality by municipality.
    pub segments: Vec<Segment>,
    /// Number of households.
    pub count: u64,
}

/// A shard: the `index`-th (0-based) of `count` disjoint shares of the parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based index.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

impl Shard {
    /// The whole run.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` with 1 ≤ I ≤ N (1-based on the command line).
    pub fn parse(text: &str) -> Result<Shard, Error> {
        let bad = || {
            Error::Config(format!(
                "shard {text:?}: expected I/N with 1 ≤ I ≤ N, e.g. 2/3"
            ))
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let i: u32 = i.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if n == 0 || i == 0 || i > n {
            return Err(bad());
        }
        Ok(Shard {
            index: i - 1,
            count: n,
        })
    }
}

/// The plan of a run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Municipalities that get at least one household, in reference order.
    pub municipalities: Vec<PlannedMunicipality>,
    /// All parts, in order (municipality, part number).
    pub parts: Vec<Part>,
}

impl Plan {
    /// Spreads `households` over the municipalities (all NHI insurers, or those in
    /// `only`) in proportion to their weights, by the largest-remainder method: integer
    /// arithmetic, ties broken by reference order, so the result is exact and reproducible.
    pub fn new(reference: &Reference, households: u64, only: &[String]) -> Result<Plan, Error> {
        let mut chosen: Vec<&Municipality> = Vec::new();
        for code in only {
            match reference.municipalities.iter().find(|m| &m.lgcode == code) {
                Some(m) => chosen.push(m),
                None => {
                    let hint = if code.len() == 5 {
                        " (give the 6-digit code with its check digit, e.g. 131016 for 千代田区)"
                    } else {
                        ""
                    };
                    return Err(Error::Config(format!(
                        "municipality {code:?} is not a municipal NHI insurer in schemas/reference/municipalities.csv{hint}"
                    )));
                }
            }
        }
        if chosen.is_empty() {
            chosen = reference.municipalities.iter().collect();
        }
        chosen.sort_by_key(|m| m.ordinal);
        chosen.dedup_by_key(|m| m.ordinal);
        let total: u128 = chosen.iter().map(|m| u128::from(m.weight)).sum();
        if total == 0 {
            return Err(Error::Config(
                "the chosen municipalities have no population weight".into(),
            ));
        }
        let n = u128::from(households);
        let mut shares: Vec<(u64, u128, usize)> = chosen
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let q = n * u128::from(m.weight);
                ((q / total) as u64, q % total, i)
            })
            .collect();
        let assigned: u64 = shares.iter().map(|s| s.0).sum();
        let mut order: Vec<usize> = (0..shares.len()).collect();
        order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1).then(a.cmp(&b)));
        for &i in order.iter().take((households - assigned) as usize) {
            shares[i].0 += 1;
        }
        let mut municipalities = Vec::new();
        for (count, _, i) in shares {
            if count == 0 {
                continue;
            }
            let m = chosen[i];
            if count > MAX_MUNICIPALITY_HOUSEHOLDS {
                return Err(Error::Config(format!(
                    "{} ({}) would get {count} households; at most {MAX_MUNICIPALITY_HOUSEHOLDS} per municipality",
                    m.name, m.lgcode
                )));
            }
            let insurer_number = reference.insurer_number(m)?;
            municipalities.push(PlannedMunicipality {
                municipality: m.clone(),
                insurer_number_text: insurer_number.to_string(),
                insurer_number,
                households: count,
            });
        }
        // Cut each prefecture's households into parts of PART_HOUSEHOLDS.
        let mut parts: Vec<Part> = Vec::new();
        let mut current: Option<Part> = None;
        for (index, pm) in municipalities.iter().enumerate() {
            let prefecture = pm.municipality.prefecture_code;
            let mut first = 0;
            while first < pm.households {
                let part = match current.take() {
                    Some(p) if p.prefecture == prefecture => p,
                    other => {
                        parts.extend(other);
                        let number = match parts.last() {
                            Some(last) if last.prefecture == prefecture => last.number + 1,
                            _ => 0,
                        };
                        Part {
                            prefecture,
                            number,
                            segments: Vec::new(),
                            count: 0,
                        }
                    }
                };
                let mut part = part;
                let take = (PART_HOUSEHOLDS - part.count).min(pm.households - first);
                part.segments.push(Segment {
                    municipality: index,
                    first,
                    count: take,
                });
                part.count += take;
                first += take;
                if part.count == PART_HOUSEHOLDS {
                    parts.push(part);
                } else {
                    current = Some(part);
                }
            }
        }
        parts.extend(current);
        Ok(Plan {
            municipalities,
            parts,
        })
    }

    /// The parts of `shard`: every `count`-th part starting at `index`, so shards are
    /// disjoint, together complete, and balanced within one part.
    pub fn parts_of(&self, shard: Shard) -> impl Iterator<Item = &Part> {
        self.parts
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i as u64 % u64::from(shard.count) == u64::from(shard.index))
            .map(|(_, p)| p)
    }

    /// Total households.
    pub fn households(&self) -> u64 {
        self.municipalities.iter().map(|m| m.households).sum()
    }
}
