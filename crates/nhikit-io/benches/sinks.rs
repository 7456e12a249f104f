//! Sink throughput: 100k synthetic rows of the real `person` entity written through a
//! `PartWriter` to Parquet, CSV (all of person's layouts), Arrow IPC and JSON Lines.
//! Groups are named `sinks/<format>/person`, throughput in rows.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nhikit_core::date::NaiveDate;
use nhikit_io::{DatasetWriter, Format, ManifestInfo, Partition, WriterOptions};
use nhikit_schema::{CharClass, Entity, ItemType, RowWriter, Schema};
use std::hint::black_box;

const ROWS: u64 = 100_000;
const POOL: usize = 64;

/// Values prepared before timing so the loop only writes.
struct Synthetic {
    strings: Vec<Vec<String>>,
    base: NaiveDate,
}

impl Synthetic {
    fn new(entity: &Entity) -> Synthetic {
        let names = [
            "山田 太郎",
            "佐藤 花子",
            "鈴木 一郎",
            "髙橋 美咲",
            "田中 健",
            "渡辺 さくら",
            "ヤマダ タロウ",
            "サトウ ハナコ",
        ];
        let strings = entity
            .items
            .iter()
            .map(|item| {
                (0..POOL)
                    .map(|k| match (item.ty, item.chars) {
                        (ItemType::Code, _) => "1".to_owned(),
                        (ItemType::String, Some(CharClass::Digits)) => {
                            let width = item.length.unwrap_or(10).min(18) as usize;
                            format!(
                                "{:0width$}",
                                1_000_003 * k as u64 % 10u64.pow(width.min(18) as u32)
                            )
                        }
                        _ => names[k % names.len()].to_owned(),
                    })
                    .collect()
            })
            .collect();
        Synthetic {
            strings,
            base: NaiveDate::from_ymd_opt(1950, 1, 1).expect("a valid date"),
        }
    }

    fn write(&self, entity: &Entity, i: u64, w: &mut impl RowWriter) {
        for (n, item) in entity.items.iter().enumerate() {
            if item.nullable && (i + n as u64).is_multiple_of(5) {
                w.null();
                continue;
            }
            match item.ty {
                ItemType::String | ItemType::Code => {
                    w.str(&self.strings[n][(i as usize + n) % POOL]);
                }
                ItemType::Integer | ItemType::Yen => w.int((i * 7919) as i64 % 10_000_000),
                ItemType::Date => w.date(self.base + chrono::TimeDelta::days((i % 25_000) as i64)),
                ItemType::Boolean => w.bool(i.is_multiple_of(2)),
            }
        }
        w.end_row();
    }
}

fn write_person(schema: &Schema, format: Format, data: &Synthetic) {
    let entity = schema.entity("person").expect("schemas/ has person");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = WriterOptions {
        formats: vec![format],
        ..WriterOptions::default()
    };
    let dataset = DatasetWriter::create(&dir.path().join("ds"), schema, options).expect("create");
    let partition = Partition {
        prefecture: 13,
        municipality: Some("131016".to_owned()),
    };
    let mut part = dataset.part("person", &partition, 0).expect("part");
    for i in 0..ROWS {
        data.write(entity, i, &mut part);
    }
    black_box(part.finish().expect("finish part"));
    black_box(dataset.finish(ManifestInfo::default()).expect("finish"));
}

fn sinks(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let schema = nhikit_schema::load_dir(&root).expect("schemas/ loads");
    let entity = schema.entity("person").expect("schemas/ has person");
    let data = Synthetic::new(entity);
    let mut group = c.benchmark_group("sinks");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ROWS));
    for format in Format::ALL {
        group.bench_function(format!("{format}/person/100k"), |b| {
            b.iter(|| write_person(&schema, format, &data))
        });
    }
    group.finish();
}

criterion_group!(benches, sinks);
criterion_main!(benches);
