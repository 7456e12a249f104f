//! Bulk import throughput of the reference: a generated dataset (households, persons,
//! qualifications, insurers) imported into a fresh in-memory database and into a WAL file
//! database (the reference's construction — embedded schema and rules — is not timed). Groups are named `reference/import/<format>-<db>/<households>`, throughput in
//! persons. Also `reference/export/csv/<households>`.
//!
//! `cargo bench -p nhikit-reference --bench import` (set `NHIKIT_BENCH_HOUSEHOLDS` to change the
//! size, default 20,000).
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use nhikit_io::{DatasetWriter, Format, ManifestInfo, Partition, WriterOptions};
use nhikit_reference::Reference;
use nhikit_synth::{Generator, Options};
use nhikit_target::{ExportRequest, ImportRequest, Target};
use std::path::Path;

fn generate(out: &Path, households: u64, format: Format) -> u64 {
    let schema = nhikit_schema::embedded().unwrap();
    let reference = nhikit_synth::Reference::embedded().unwrap();
    let options = Options {
        seed: 1,
        households,
        ..Options::default()
    };
    let g = Generator::new(&reference, &options).unwrap();
    let w = DatasetWriter::create(
        out,
        &schema,
        WriterOptions {
            formats: vec![format],
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut ins = w.table_part("insurer", 0).unwrap();
    g.write_insurers(&mut ins);
    ins.finish().unwrap();
    let mut persons = 0;
    for part in &g.plan().parts {
        let partition = Partition::prefecture(part.prefecture);
        let mut h = w.part("household", &partition, part.number).unwrap();
        let mut p = w.part("person", &partition, part.number).unwrap();
        let mut q = w.part("qualification", &partition, part.number).unwrap();
        persons += g.write_part(part, &mut h, &mut p, &mut q).persons;
        h.finish().unwrap();
        p.finish().unwrap();
        q.finish().unwrap();
    }
    w.finish(ManifestInfo::default()).unwrap();
    persons
}

fn bench(c: &mut Criterion) {
    let households: u64 = std::env::var("NHIKIT_BENCH_HOUSEHOLDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("reference");
    group.sample_size(10);
    for format in [Format::Parquet, Format::Csv] {
        let ds = tmp.path().join(format.name());
        let persons = generate(&ds, households, format);
        group.throughput(Throughput::Elements(persons));
        let request = ImportRequest {
            dataset: Some(ds.clone()),
            files: Vec::new(),
        };
        group.bench_function(
            format!("import/{}-memory/{households}", format.name()),
            |b| {
                b.iter_batched(
                    || Reference::in_memory().unwrap(),
                    |r| r.import(&request).unwrap(),
                    BatchSize::PerIteration,
                )
            },
        );
        let mut n = 0;
        group.bench_function(
            format!("import/{}-wal-file/{households}", format.name()),
            |b| {
                b.iter_batched(
                    || {
                        n += 1;
                        Reference::open(
                            &tmp.path().join(format!("db-{}-{n}.sqlite", format.name())),
                        )
                        .unwrap()
                    },
                    |r| r.import(&request).unwrap(),
                    BatchSize::PerIteration,
                )
            },
        );
        if format == Format::Csv {
            let r = Reference::in_memory().unwrap();
            r.import(&request).unwrap();
            group.bench_function(format!("export/csv/{households}"), |b| {
                b.iter(|| {
                    r.export(&ExportRequest {
                        dir: tmp.path().join("export"),
                        overwrite: true,
                    })
                    .unwrap();
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
