//! Tests of the migration-safety controls against datasets written like `nhikit gen` does.
#![allow(clippy::unwrap_used)]

mod audit;
mod destroy;
mod scan;
mod verify;

use nhikit_core::date::NaiveDate;
use nhikit_io::{DatasetWriter, GeneratorInfo, ManifestInfo, Partition, WriterOptions};
use nhikit_schema::{RowWriter, Schema};
use nhikit_synth::{Generator, Options, Reference};
use std::path::Path;

/// 千代田区 and 大阪市: two prefectures, so two parts and a swap is possible.
pub const MUNICIPALITIES: [&str; 2] = ["131016", "271004"];

/// The generator options of the test datasets.
pub fn options(seed: u64, households: u64) -> Options {
    Options {
        seed,
        households,
        municipalities: MUNICIPALITIES.iter().map(|s| s.to_string()).collect(),
        as_of: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
    }
}

/// Writes a dataset as `nhikit gen` does; `tamper` may rewrite the person rows on the way.
pub fn generate(
    out: &Path,
    schema: &Schema,
    options: &Options,
    formats: &str,
    tamper: Option<(u64, usize, &str)>,
) {
    let reference = Reference::embedded().unwrap();
    let generator = Generator::new(&reference, options).unwrap();
    let formats = nhikit_io::parse_format_list(formats).unwrap();
    let writer = DatasetWriter::create(
        out,
        schema,
        WriterOptions {
            formats: formats.clone(),
            ..WriterOptions::default()
        },
    )
    .unwrap();
    let mut w = writer.table_part("insurer", 0).unwrap();
    generator.write_insurers(&mut w);
    w.finish().unwrap();
    for part in &generator.plan().parts {
        let partition = Partition::prefecture(part.prefecture);
        let mut h = writer.part("household", &partition, part.number).unwrap();
        let mut p = writer.part("person", &partition, part.number).unwrap();
        let mut q = writer
            .part("qualification", &partition, part.number)
            .unwrap();
        match tamper {
            Some((row, item, value)) => {
                let mut t = Tamper {
                    inner: &mut p,
                    row,
                    item,
                    value,
                    at: (0, 0),
                };
                generator.write_part(part, &mut h, &mut t, &mut q);
            }
            None => {
                generator.write_part(part, &mut h, &mut p, &mut q);
            }
        }
        h.finish().unwrap();
        p.finish().unwrap();
        q.finish().unwrap();
    }
    writer
        .finish(ManifestInfo {
            generator: GeneratorInfo {
                name: "nhikit-synth".into(),
                output_version: nhikit_synth::OUTPUT_VERSION,
            },
            seed: options.seed,
            options: serde_json::json!({
                "households": options.households,
                "municipalities": options.municipalities,
                "as_of": options.as_of.to_string(),
                "formats": formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
                "rng_algorithm_version": nhikit_rng::ALGORITHM_VERSION,
            }),
            shard: None,
            created: None,
        })
        .unwrap();
}

/// Replaces the string value of item index `item` in 0-based row `row` of every part.
struct Tamper<'a, W: RowWriter> {
    inner: &'a mut W,
    row: u64,
    item: usize,
    value: &'a str,
    at: (u64, usize),
}

impl<W: RowWriter> Tamper<'_, W> {
    fn step(&mut self) -> bool {
        let hit = self.at == (self.row, self.item);
        self.at.1 += 1;
        hit
    }
}

impl<W: RowWriter> RowWriter for Tamper<'_, W> {
    fn null(&mut self) {
        self.step();
        self.inner.null();
    }
    fn str(&mut self, value: &str) {
        if self.step() {
            self.inner.str(self.value);
        } else {
            self.inner.str(value);
        }
    }
    fn int(&mut self, value: i64) {
        self.step();
        self.inner.int(value);
    }
    fn date(&mut self, value: NaiveDate) {
        self.step();
        self.inner.date(value);
    }
    fn bool(&mut self, value: bool) {
        self.step();
        self.inner.bool(value);
    }
    fn end_row(&mut self) {
        self.at = (self.at.0 + 1, 0);
        self.inner.end_row();
    }
}

/// A log at `path` authenticated with the key beside it (`<path>.key`), never the user's
/// default key.
pub fn keyed(path: impl Into<std::path::PathBuf>) -> nhikit_safety::AuditLog {
    let path = path.into();
    let key = path.with_extension("key");
    nhikit_safety::AuditLog::new(path).with_key_file(key)
}
