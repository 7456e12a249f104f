//! Tests of the migration-safety controls against datasets written like `nhikit gen` does.
#![allow(clippy::unwrap_used)]

mod audit;
mod destroy;
mod scan;

use nhikit_core::date::NaiveDate;
use nhikit_dataset::RunSpec;
use nhikit_io::{DatasetWriter, WriterOptions};
use nhikit_schema::Schema;
use nhikit_synth::Options;
use std::path::Path;

/// 千代田区 and 大阪市: two prefectures, so two parts.
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

/// Writes a dataset as `nhikit gen` does (its manifest records the run).
pub fn generate(out: &Path, schema: &Schema, options: &Options, formats: &str) {
    let spec = RunSpec {
        seed: options.seed,
        households: options.households,
        municipalities: options.municipalities.clone(),
        as_of: options.as_of,
        formats: nhikit_io::parse_format_list(formats).unwrap(),
        ..RunSpec::default()
    };
    let writer = DatasetWriter::create(
        out,
        schema,
        WriterOptions {
            formats: spec.formats.clone(),
            ..WriterOptions::default()
        },
    )
    .unwrap();
    nhikit_dataset::generate(&spec, writer, 2, &|_, _| {}).unwrap();
}

/// A log at `path` authenticated with the key beside it (`<path>.key`), never the user's
/// default key.
pub fn keyed(path: impl Into<std::path::PathBuf>) -> nhikit_safety::AuditLog {
    let path = path.into();
    let key = path.with_extension("key");
    nhikit_safety::AuditLog::new(path).with_key_file(key)
}
