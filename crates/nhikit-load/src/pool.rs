//! The data pool: the keys requests use (households, insured persons), drawn from the
//! generator's records, and — when the target must be loaded — the dataset written to disk.

use crate::Error;
use crate::scenario::PoolSpec;
use nhikit_core::date::NaiveDate;
use nhikit_dataset::RunSpec;
use nhikit_schema::RowWriter;
use nhikit_synth::Reference;
use std::path::{Path, PathBuf};

/// A household key: 地方公共団体コード + 世帯番号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdKey {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 世帯番号.
    pub household_number: String,
}

/// An insured person's key: 地方公共団体コード + 宛名番号.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonKey {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 宛名番号.
    pub address_number: String,
}

/// The keys of a generated population, in generation order.
#[derive(Debug, Default)]
pub struct Pool {
    /// Every household.
    pub households: Vec<HouseholdKey>,
    /// Every insured person (one with a qualification record).
    pub persons: Vec<PersonKey>,
    /// The 基準日.
    pub as_of: NaiveDate,
    /// The dataset directory, when written.
    pub dataset: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

/// Captures the first two text columns of each row (the key columns of the household and
/// qualification rows: `lgcode` then `household_number` / `address_number`).
#[derive(Default)]
struct Keys {
    row: Vec<String>,
    rows: Vec<(String, String)>,
}

impl RowWriter for Keys {
    fn null(&mut self) {}
    fn str(&mut self, value: &str) {
        if self.row.len() < 2 {
            self.row.push(value.to_owned());
        }
    }
    fn int(&mut self, _: i64) {}
    fn date(&mut self, _: NaiveDate) {}
    fn bool(&mut self, _: bool) {}
    fn end_row(&mut self) {
        let mut row = std::mem::take(&mut self.row).into_iter();
        if let (Some(a), Some(b)) = (row.next(), row.next()) {
            self.rows.push((a, b));
        }
    }
}

/// Discards rows (the person table is not needed for keys).
struct Discard;

impl RowWriter for Discard {
    fn null(&mut self) {}
    fn str(&mut self, _: &str) {}
    fn int(&mut self, _: i64) {}
    fn date(&mut self, _: NaiveDate) {}
    fn bool(&mut self, _: bool) {}
    fn end_row(&mut self) {}
}

impl Pool {
    /// An empty pool (for mixes that need no keys).
    pub fn empty(as_of: NaiveDate) -> Pool {
        Pool {
            as_of,
            ..Pool::default()
        }
    }

    /// Generates the pool of `spec`; with `write`, also writes the dataset (Parquet) into
    /// a temporary directory under `tmp` (the system's by default) that lives as long as the
    /// pool.
    pub fn generate(spec: &PoolSpec, write: bool, tmp: Option<&Path>) -> Result<Pool, Error> {
        let as_of = spec.as_of_date().map_err(Error::Usage)?;
        let run = run_spec(spec, as_of);
        let reference = Reference::shared().map_err(|e| Error::Pool(e.to_string()))?;
        let generator = run
            .generator(reference)
            .map_err(|e| Error::Pool(e.to_string()))?;
        let (mut h, mut q) = (Keys::default(), Keys::default());
        for part in &generator.plan().parts {
            generator.write_part(part, &mut h, &mut Discard, &mut q);
        }
        let mut pool = Pool {
            households: h
                .rows
                .into_iter()
                .map(|(lgcode, household_number)| HouseholdKey {
                    lgcode,
                    household_number,
                })
                .collect(),
            persons: q
                .rows
                .into_iter()
                .map(|(lgcode, address_number)| PersonKey {
                    lgcode,
                    address_number,
                })
                .collect(),
            as_of,
            dataset: None,
            _dir: None,
        };
        if write {
            let dir = match tmp {
                Some(t) => tempfile::Builder::new()
                    .prefix("nhikit-load-")
                    .tempdir_in(t),
                None => tempfile::Builder::new().prefix("nhikit-load-").tempdir(),
            }
            .map_err(|e| Error::Pool(format!("creating a temporary directory: {e}")))?;
            let out = dir.path().join("dataset");
            write_dataset(&run, &out)?;
            pool.dataset = Some(out);
            pool._dir = Some(dir);
        }
        Ok(pool)
    }
}

/// The run of the pool's dataset: the pool's seed, size, municipalities and date, Parquet,
/// recorded in its manifest (`written_by: nhikit load`) so that `nhikit verify` regenerates it.
fn run_spec(spec: &PoolSpec, as_of: NaiveDate) -> RunSpec {
    RunSpec {
        seed: spec.seed,
        households: spec.households,
        municipalities: spec.municipalities.clone(),
        as_of,
        written_by: Some("nhikit load".into()),
        ..RunSpec::default()
    }
}

fn write_dataset(run: &RunSpec, out: &Path) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| Error::Pool(format!("writing {}: {e}", out.display()));
    let schema = nhikit_schema::embedded().map_err(|e| Error::Pool(e.to_string()))?;
    let options = nhikit_io::WriterOptions {
        formats: run.formats.clone(),
        ..nhikit_io::WriterOptions::default()
    };
    let writer = nhikit_io::DatasetWriter::create(out, &schema, options).map_err(|e| fail(&e))?;
    nhikit_dataset::generate(run, writer, 1, &|_, _| {}).map_err(|e| fail(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_generated_records() {
        let spec = PoolSpec {
            households: 30,
            seed: 3,
            ..PoolSpec::default()
        };
        let pool = Pool::generate(&spec, false, None).unwrap();
        assert_eq!(pool.households.len(), 30);
        assert!(pool.persons.len() >= 30);
        for h in &pool.households {
            assert_eq!(h.lgcode.len(), 6, "{h:?}");
            assert!(
                h.household_number.chars().all(|c| c.is_ascii_digit()),
                "{h:?}"
            );
        }
        // An insured person's lgcode is one of the households' municipalities.
        assert!(
            pool.persons
                .iter()
                .all(|p| pool.households.iter().any(|h| h.lgcode == p.lgcode))
        );
    }

    #[test]
    fn the_written_pool_records_its_run_and_verifies() {
        let spec = PoolSpec {
            households: 40,
            seed: 5,
            municipalities: vec!["131016".into()],
            ..PoolSpec::default()
        };
        let tmp = tempfile::tempdir().unwrap();
        let pool = Pool::generate(&spec, true, Some(tmp.path())).unwrap();
        let dir = pool.dataset.clone().unwrap();
        let manifest = nhikit_io::Manifest::read(&dir).unwrap();
        assert_eq!(manifest.options["written_by"], "nhikit load");
        assert!(manifest.options["rng_algorithm_version"].is_u64());
        let schema = nhikit_schema::embedded().unwrap();
        let report =
            nhikit_dataset::verify(&dir, &schema, &nhikit_dataset::VerifyOptions::default())
                .unwrap();
        assert!(report.is_ok(), "{:#?}", report.findings);
        // Households, persons and qualifications were regenerated and compared.
        assert!(report.records_regenerated > 3 * 40, "{report:?}");
        assert_eq!(report.records_compared, report.records_regenerated);
    }
}
