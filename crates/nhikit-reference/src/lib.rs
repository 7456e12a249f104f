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
//!
//! Concurrency: every write (import, events, reset) goes through one writer connection behind
//! a mutex. On a file database ([`Reference::open`], [`Reference::temporary`]) the read-only
//! operations (lookups, assessment, copay, certificate, export) use a small pool of read-only
//! connections beside it, each read in one transaction: WAL gives each read a snapshot of the
//! last commit, so reads run in parallel, never wait for a write, and never see half of one.
//! [`Reference::in_memory`] has a single connection for everything.

mod cross;
mod export;
mod fault;
mod import;
mod ops;
mod store;

pub use fault::Fault;

use nhikit_rules::high_cost::HighCostTables;
use nhikit_rules::params::RuleSet;
use nhikit_schema::Schema;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Why the reference could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// SQLite refused to open or prepare the database.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The temporary directory of [`Reference::temporary`] could not be created.
    #[error("creating a temporary database directory: {0}")]
    Scratch(std::io::Error),
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
    /// The data directory of [`Reference::with_data_root`] cannot be opened.
    #[error("data directory: {0}")]
    DataRoot(#[source] nhikit_io::contain::ContainError),
}

/// Which shipped municipal rate set (`schemas/rules/municipal/<id>-fyYYYY.toml`) assesses the
/// households of a municipality.
///
/// Resolution for a household of municipality `L` (全国地方公共団体コード) in fiscal year `Y`:
/// the request's `rates`; else `by_lgcode[L]`; else the shipped set whose `code` is `L`; else
/// `default`. Generated data spread over 1,741 municipalities and only a few rate sets are
/// shipped, so the default assesses every other municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateAssignment {
    /// The rate set for municipalities with no set of their own.
    pub default: DefaultRates,
    /// Per 地方公共団体コード.
    pub by_lgcode: BTreeMap<String, String>,
}

/// The rate set of municipalities with no set of their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultRates {
    /// The shipped defaults by fiscal year ([`nhikit_rules::params::DEFAULT_RATES`]: `natori`,
    /// else `rifu` for the years `natori` has no set), as the generator assigns them.
    Shipped,
    /// One named set, whatever the year (a year it has no rates for: error `no_rates`).
    Set(String),
    /// None: such households cannot be assessed (error `no_rates`).
    None,
}

impl Default for RateAssignment {
    fn default() -> RateAssignment {
        RateAssignment {
            default: DefaultRates::Shipped,
            by_lgcode: BTreeMap::new(),
        }
    }
}

/// The reference target on one SQLite database.
pub struct Reference {
    /// The writer (and, without a pool, the only connection).
    conn: Mutex<Connection>,
    /// Read-only connections of a WAL file database.
    readers: Option<ReadPool>,
    schema: Schema,
    rules: RuleSet,
    high_cost: HighCostTables,
    faults: Vec<Fault>,
    rates: RateAssignment,
    /// The directory that request paths are resolved under ([`Reference::with_data_root`]).
    data_root: Option<std::sync::Arc<nhikit_io::contain::Root>>,
    /// The directory of a [`Reference::temporary`] database, removed when dropped (after the
    /// connections above, which are declared first).
    _scratch: Option<tempfile::TempDir>,
}

/// Settings every connection gets.
fn tune(conn: &Connection) -> rusqlite::Result<()> {
    // The query planner stability guarantee: without it, SQLite (built with STAT4) re-prepares
    // a statement at every new binding when its plan might depend on the bound value, e.g.
    // `WHERE lgcode = ?1 … ORDER BY …` — a full parse per lookup.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_prepared_statement_cache_capacity(64);
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -65536)
}

/// Read-only connections to a WAL database file, opened on demand up to `max` and kept.
struct ReadPool {
    path: PathBuf,
    max: usize,
    state: Mutex<PoolState>,
    returned: Condvar,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Connection>,
    opened: usize,
}

impl ReadPool {
    fn new(path: &Path) -> ReadPool {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ReadPool {
            path: path.to_owned(),
            max: (2 * cores).clamp(2, 16),
            state: Mutex::new(PoolState::default()),
            returned: Condvar::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, PoolState> {
        // The state is a list and a count, consistent after any panic of a holder.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection, a new one while fewer than `max` are open, else the next one
    /// given back.
    fn take(&self) -> Result<Connection, rusqlite::Error> {
        let mut state = self.state();
        loop {
            if let Some(c) = state.idle.pop() {
                return Ok(c);
            }
            if state.opened < self.max {
                state.opened += 1;
                drop(state);
                let opened = self.open();
                if opened.is_err() {
                    self.state().opened -= 1;
                    self.returned.notify_one();
                }
                return opened;
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        tune(&conn)?;
        // Reads go through the OS page cache without a copy into SQLite's.
        conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
        Ok(conn)
    }

    /// Gives a connection back (`None`: it was dropped after an error).
    fn give_back(&self, conn: Option<Connection>) {
        let mut state = self.state();
        match conn {
            Some(c) => state.idle.push(c),
            None => state.opened -= 1,
        }
        drop(state);
        self.returned.notify_one();
    }
}

/// A connection for reading: a pooled read-only one inside a read transaction (one snapshot
/// for the whole operation), or the single connection of an in-memory database.
pub(crate) enum ReadConn<'a> {
    /// The writer connection, held.
    Shared(MutexGuard<'a, Connection>),
    /// A pooled connection with an open read transaction, ended when dropped.
    Pooled {
        conn: Option<Connection>,
        pool: &'a ReadPool,
    },
}

impl Deref for ReadConn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            ReadConn::Shared(guard) => guard,
            ReadConn::Pooled { conn, .. } => conn
                .as_ref()
                .expect("a pooled connection is only taken out when dropped"),
        }
    }
}

impl Drop for ReadConn<'_> {
    fn drop(&mut self) {
        if let ReadConn::Pooled { conn, pool } = self {
            let conn = conn.take().filter(|c| {
                c.is_autocommit()
                    || c.prepare_cached("COMMIT")
                        .and_then(|mut s| s.execute([]))
                        .is_ok()
            });
            pool.give_back(conn);
        }
    }
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
    /// Reads run in parallel on their own connections when the file can be in WAL mode.
    pub fn open(path: &Path) -> Result<Reference, Error> {
        Reference::open_file(path, "NORMAL", None)
    }

    /// A reference on a new database file in a private temporary directory, removed when the
    /// reference is dropped: the in-memory reference's use (nothing is kept), with the file
    /// database's parallel reads. `synchronous=OFF`, as nothing survives the process anyway.
    pub fn temporary() -> Result<Reference, Error> {
        let dir = tempfile::Builder::new()
            .prefix("nhikit-reference-")
            .tempdir()
            .map_err(Error::Scratch)?;
        let path = dir.path().join("reference.sqlite");
        Reference::open_file(&path, "OFF", Some(dir))
    }

    fn open_file(
        path: &Path,
        synchronous: &str,
        scratch: Option<tempfile::TempDir>,
    ) -> Result<Reference, Error> {
        let conn = Connection::open(path)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        // NORMAL: with WAL, a commit is durable against a crash of the process and consistent
        // after a power loss (the last commits may be lost): the right trade for a test system.
        conn.pragma_update(None, "synchronous", synchronous)?;
        let mut r = Reference::with_connection(conn)?;
        // Without WAL (a file system without shared memory), a reader would block the writer.
        if mode.eq_ignore_ascii_case("wal") {
            r.readers = Some(ReadPool::new(path));
        }
        r._scratch = scratch;
        Ok(r)
    }

    /// A reference on a fresh in-memory database whose tables and record checks follow
    /// `schema` instead of the shipped one (a copy with an item more, say:
    /// docs/schema-format.md, "Adding an item").
    pub fn in_memory_with_schema(schema: nhikit_schema::Schema) -> Result<Reference, Error> {
        Reference::with_schema(Connection::open_in_memory()?, schema)
    }

    fn with_connection(conn: Connection) -> Result<Reference, Error> {
        let schema = nhikit_schema::embedded().map_err(|e| Error::Schema(e.to_string()))?;
        Reference::with_schema(conn, schema)
    }

    fn with_schema(conn: Connection, schema: nhikit_schema::Schema) -> Result<Reference, Error> {
        tune(&conn)?;
        store::create_tables(&conn, &schema)?;
        Ok(Reference {
            conn: Mutex::new(conn),
            readers: None,
            _scratch: None,
            schema,
            rules: RuleSet::builtin()?,
            high_cost: HighCostTables::embedded()?,
            faults: Vec::new(),
            rates: RateAssignment::default(),
            data_root: None,
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

    /// The same reference with every path in a request (an import's `dataset` and `files`, an
    /// export's `dir`) resolved under `dir`: relative, without `..`, and without a symbolic
    /// link anywhere on the way, or refused (issue 19; for a server facing callers it does not
    /// trust). Without it, request paths are the caller's own (the command line), and only the
    /// paths inside a dataset are contained.
    pub fn with_data_root(mut self, dir: &Path) -> Result<Reference, Error> {
        let root = nhikit_io::contain::Root::open(dir).map_err(Error::DataRoot)?;
        self.data_root = Some(std::sync::Arc::new(root));
        Ok(self)
    }

    /// The same reference with this rate assignment; every id must be a shipped rate set.
    pub fn with_rates(mut self, rates: RateAssignment) -> Result<Reference, Error> {
        let named = match &rates.default {
            DefaultRates::Set(id) => Some(id),
            DefaultRates::Shipped | DefaultRates::None => None,
        };
        let known = self.rules.municipal_ids();
        for id in named.into_iter().chain(rates.by_lgcode.values()) {
            if !known.contains(&id.as_str()) {
                return Err(Error::UnknownRates {
                    id: id.clone(),
                    known: known.join(", "),
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
        let conn = self.read()?;
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

    /// A connection for a read-only operation, inside one read transaction: pooled when the
    /// database has a pool, else the writer's.
    fn read(&self) -> Result<ReadConn<'_>, rusqlite::Error> {
        let Some(pool) = &self.readers else {
            return Ok(ReadConn::Shared(self.lock()));
        };
        let conn = pool.take()?;
        let read = ReadConn::Pooled {
            conn: Some(conn),
            pool,
        };
        read.prepare_cached("BEGIN")?.execute([])?;
        Ok(read)
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
                default: DefaultRates::Set("sapporo".into()),
                by_lgcode: BTreeMap::new(),
            })
        });
        assert!(matches!(r, Err(Error::UnknownRates { .. })));
    }
}
