//! Household assessments per second: the oracle's hot path (`assess`) and the explained path.
//!
//! Households are built before timing from a fixed linear congruential sequence (no RNG crate):
//! 1–5 members, mixed ages (children, 40–64, 65–74), incomes from 0 to ~12M, one in eight with a
//! mid-year acquisition so that the monthly path is exercised too.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nhikit_core::date::NaiveDate;
use nhikit_rules::params::RuleSet;
use nhikit_rules::premium::{
    Household, Income, Member, SpecifiedHousehold, assess, assess_explained,
};
use std::hint::black_box;

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn households(count: usize) -> Vec<Household> {
    let mut r = Lcg(20_250_401);
    (0..count)
        .map(|_| {
            let n = 1 + r.next(5) as usize;
            let members = (0..n)
                .map(|i| {
                    let year = 1951 + r.next(74) as i32;
                    let birth =
                        NaiveDate::from_ymd_opt(year, 1 + r.next(12) as u32, 1 + r.next(28) as u32)
                            .unwrap();
                    let mut m = Member::insured(birth);
                    m.householder = i == 0;
                    m.income = Income {
                        salary_revenue: if r.next(2) == 0 {
                            r.next(12_000_000) as i64
                        } else {
                            0
                        },
                        pension_revenue: if year < 1961 {
                            r.next(4_000_000) as i64
                        } else {
                            0
                        },
                        other_income: if r.next(5) == 0 {
                            r.next(5_000_000) as i64
                        } else {
                            0
                        },
                        ..Income::default()
                    };
                    if r.next(8) == 0 {
                        m.acquired = NaiveDate::from_ymd_opt(2025, 4 + r.next(9) as u32, 10);
                    }
                    m
                })
                .collect();
            Household {
                members,
                specified: SpecifiedHousehold::None,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let params = RuleSet::builtin().unwrap().params("natori", 2025).unwrap();
    let hs = households(10_000);
    let mut g = c.benchmark_group("premium");
    g.throughput(Throughput::Elements(hs.len() as u64));
    g.bench_function("assess/10k", |b| {
        b.iter(|| {
            let mut total = 0i64;
            for h in &hs {
                total += assess(black_box(h), &params).unwrap().total.0;
            }
            black_box(total)
        })
    });
    let few = &hs[..1_000];
    g.throughput(Throughput::Elements(few.len() as u64));
    g.bench_function("assess_explained/1k", |b| {
        b.iter(|| {
            let mut steps = 0usize;
            for h in few {
                steps += assess_explained(black_box(h), &params).unwrap().1.0.len();
            }
            black_box(steps)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
