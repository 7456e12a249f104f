//! Integration tests of nhikit-dataset: `validate` on small committed datasets
//! (`tests/fixtures/`), `generate` and `verify` on datasets written like `nhikit gen` does.
#![allow(clippy::unwrap_used)]

mod duplicate_keys;
mod generate;
mod verify;

use nhikit_core::date::NaiveDate;
use nhikit_dataset::RunSpec;
use nhikit_io::{DatasetWriter, Partition, WriterOptions};
use nhikit_schema::{RowWriter, Schema};
use nhikit_synth::Reference;
use std::path::Path;

/// 千代田区 and 大阪市: two prefectures, so two parts and a swap is possible.
pub const MUNICIPALITIES: [&str; 2] = ["131016", "271004"];

/// The run of the test datasets in `formats` (e.g. `parquet,csv`).
pub fn spec(seed: u64, households: u64, formats: &str) -> RunSpec {
    RunSpec {
        seed,
        households,
        municipalities: MUNICIPALITIES.iter().map(|s| s.to_string()).collect(),
        formats: nhikit_io::parse_format_list(formats).unwrap(),
        ..RunSpec::default()
    }
}

/// The dataset writer for `spec` at `out`.
pub fn writer(out: &Path, schema: &Schema, spec: &RunSpec) -> DatasetWriter {
    let options = WriterOptions {
        formats: spec.formats.clone(),
        ..WriterOptions::default()
    };
    DatasetWriter::create(out, schema, options).unwrap()
}

/// Writes the dataset of `spec` as `nhikit gen` does, but part by part by hand so that
/// `tamper` (row, item index, value) can rewrite the person rows on the way.
pub fn generate_tampered(out: &Path, schema: &Schema, spec: &RunSpec, tamper: (u64, usize, &str)) {
    let generator = spec.generator(Reference::shared().unwrap()).unwrap();
    let writer = writer(out, schema, spec);
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
        let (row, item, value) = tamper;
        let mut t = Tamper {
            inner: &mut p,
            row,
            item,
            value,
            at: (0, 0),
        };
        generator.write_part(part, &mut h, &mut t, &mut q);
        h.finish().unwrap();
        p.finish().unwrap();
        q.finish().unwrap();
    }
    writer.finish(spec.manifest_info().unwrap()).unwrap();
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
