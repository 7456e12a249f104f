//! Generator throughput without I/O: households with their persons and qualifications; and
//! the start-up cost of parsing the reference data.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nhikit_core::date::NaiveDate;
use nhikit_schema::RowWriter;
use nhikit_synth::{Generator, Options, Reference};
use std::hint::black_box;

/// Touches every value so nothing is optimised away, as a sink would.
#[derive(Default)]
struct Sink(u64);

impl RowWriter for Sink {
    fn null(&mut self) {
        self.0 += 1;
    }
    fn str(&mut self, v: &str) {
        self.0 += v.len() as u64;
    }
    fn int(&mut self, v: i64) {
        self.0 ^= v as u64;
    }
    fn date(&mut self, v: NaiveDate) {
        self.0 ^= nhikit_core::date::FiscalYear::of(v).0 as u64;
    }
    fn bool(&mut self, v: bool) {
        self.0 += u64::from(v);
    }
    fn end_row(&mut self) {
        self.0 += 1;
    }
}

fn bench(c: &mut Criterion) {
    let reference = Reference::embedded().unwrap();
    let options = Options {
        households: 16_384,
        seed: 1,
        municipalities: vec!["141003".into()],
        ..Options::default()
    };
    let g = Generator::new(&reference, &options).unwrap();
    let part = g.plan().parts[0].clone();
    let mut group = c.benchmark_group("synth/household");
    group.throughput(Throughput::Elements(part.count));
    group.bench_function("16k", |b| {
        b.iter(|| {
            let (mut h, mut p, mut q) = (Sink::default(), Sink::default(), Sink::default());
            black_box(g.write_part(&part, &mut h, &mut p, &mut q));
            black_box((h.0, p.0, q.0))
        })
    });
    group.finish();
}

/// Start-up: parsing the embedded reference files (5.8 MB of `postal_towns.csv` among them),
/// which every `nhikit gen` does before the first household.
fn reference(c: &mut Criterion) {
    let mut group = c.benchmark_group("synth/reference");
    group.sample_size(10);
    group.bench_function("embedded", |b| {
        b.iter(|| black_box(Reference::embedded().unwrap().towns.len()))
    });
    group.finish();
}

criterion_group!(benches, bench, reference);
criterion_main!(benches);
