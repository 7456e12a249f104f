//! The reference NHI system: the [`nhikit_target::Target`] interface implemented on SQLite
//! (a file or in memory), with import/export in the standard layouts, assessments and limits by
//! the oracle (`nhikit-rules`), and switchable seeded [`Fault`]s.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use nhikit_reference::{Fault, Reference};
//! use nhikit_target::{ImportRequest, Target};
//! let target = Reference::in_memory()?.with_faults(&[Fault::RoundHouseholdTotal]);
//! let imported = target.import(&ImportRequest { dataset: Some("out/quickstart".into()), ..Default::default() })?;
//! println!("{:?}", imported.records);
//! # Ok(()) }
//! ```
//!
//! Storage: one table per schema entity (`e_<entity>`, one column per item, dates as days
//! since 0001-01-01, booleans as 0/1) plus `_files`, which remembers each imported file's
//! partition and part so that [`Target::export`](nhikit_target::Target::export) writes every
//! record back to the same file at the same row. Import runs in one `IMMEDIATE` transaction
//! with prepared statements; the connection uses `journal_mode=WAL` (file databases) and
//! `synchronous=NORMAL` (see `docs/target-interface.md`).

mod export;
mod fault;
mod import;
mod ops;
mod store;

pub use fault::Fault;

use nhikit_rules::high_cost::HighCostTables;
use nhikit_rules::params::RuleSet;
use nhikit_schema::Schema;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Why the reference could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite refused to open or prepare the database.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The embedded schema does not load (a build problem).
    #[error("embedded schema: {0}")]
    Schema(String),
    /// The embedded rules do not load (a build problem).
    #[error("embedded rules: {0}")]
    Rules(#[from] nhikit_rules::Error),
    /// A fault name that does not exist.
    #[error("unknown fault `{name}`; known faults: {known}")]
    UnknownFault {
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A rate set id that is not shipped.
    #[error("unknown rate set `{id}`; shipped sets: {known}")]
    UnknownRates {
        /// The id given.
        id: String,
        /// The shipped ids.
        known: String,
    },
}

/// Which shipped municipal rate set (`schemas/rules/municipal/<id>-fyYYYY.toml`) assesses the
/// households of a municipality.
///
/// Resolution for a household of municipality `L` (全国地方公共団体コード): the request's
/// `rates`; else `by_lgcode[L]`; else the shipped set whose `code` is `L` (名取市 042072 →
/// `natori`, …); else `default`. Generated data spread over 1,741 municipalities, and only a
/// few rate sets are shipped, so the default (`natori`) assesses every other municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateAssignment {
    /// The rate set for municipalities with no set of their own (`None`: such households
    /// cannot be assessed, error `no_rates`).
    pub default: Option<String>,
    /// Per 地方公共団体コード.
    pub by_lgcode: BTreeMap<String, String>,
}

impl Default for RateAssignment {
    fn default() -> RateAssignment {
        RateAssignment {
            default: Some("natori".to_owned()),
            by_lgcode: BTreeMap::new(),
        }
    }
}

/// The reference target on one SQLite database.
pub struct Reference {
    conn: Mutex<Connection>,
    schema: Schema,
    rules: RuleSet,
    high_cost: HighCostTables,
    faults: Vec<Fault>,
    rates: RateAssignment,
}

impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reference")
            .field("faults", &self.faults)
            .field("rates", &self.rates)
            .finish_non_exhaustive()
    }
}

impl Reference {
    /// A reference on a fresh in-memory database.
    pub fn in_memory() -> Result<Reference, Error> {
        Reference::with_connection(Connection::open_in_memory()?)
    }

    /// A reference on a database file (created if absent; its tables kept if present).
    pub fn open(path: &Path) -> Result<Reference, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        Reference::with_connection(conn)
    }

    fn with_connection(conn: Connection) -> Result<Reference, Error> {
        // NORMAL: with WAL, a commit is durable against a crash of the process and consistent
        // after a power loss (the last commits may be lost): the right trade for a test system.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", -65536)?;
        let schema = nhikit_schema::embedded().map_err(|e| Error::Schema(e.to_string()))?;
        store::create_tables(&conn, &schema)?;
        Ok(Reference {
            conn: Mutex::new(conn),
            schema,
            rules: RuleSet::builtin()?,
            high_cost: HighCostTables::embedded()?,
            faults: Vec::new(),
            rates: RateAssignment::default(),
        })
    }

    /// The same reference with these seeded faults switched on.
    pub fn with_faults(mut self, faults: &[Fault]) -> Reference {
        for f in faults {
            if !self.faults.contains(f) {
                self.faults.push(*f);
            }
        }
        self
    }

    /// The same reference with this rate assignment; every id must be a shipped rate set.
    pub fn with_rates(mut self, rates: RateAssignment) -> Result<Reference, Error> {
        for id in rates.default.iter().chain(rates.by_lgcode.values()) {
            if !self
                .rules
                .fiscal_years()
                .iter()
                .any(|fy| self.rules.municipal(id, *fy).is_ok())
            {
                return Err(Error::UnknownRates {
                    id: id.clone(),
                    known: "kumano, namegawa, natori".to_owned(),
                });
            }
        }
        self.rates = rates;
        Ok(self)
    }

    /// The faults switched on.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Records held per entity (entities with none are left out).
    pub fn counts(&self) -> Result<BTreeMap<String, u64>, Error> {
        let conn = self.lock();
        let mut out = BTreeMap::new();
        for e in &self.schema.entities {
            let n: i64 = conn.query_row(
                &format!("SELECT count(*) FROM {}", store::table(&e.id)),
                [],
                |r| r.get(0),
            )?;
            if n > 0 {
                out.insert(e.id.clone(), n as u64);
            }
        }
        Ok(out)
    }

    fn has(&self, f: Fault) -> bool {
        self.faults.contains(&f)
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (an open transaction is
        // rolled back when dropped), so the poison flag carries no information.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_is_shareable_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Reference>();
    }

    #[test]
    fn unknown_rate_sets_are_refused() {
        let r = Reference::in_memory().and_then(|r| {
            r.with_rates(RateAssignment {
                default: Some("sapporo".into()),
                by_lgcode: BTreeMap::new(),
            })
        });
        assert!(matches!(r, Err(Error::UnknownRates { .. })));
    }
}
