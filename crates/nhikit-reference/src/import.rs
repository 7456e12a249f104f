//! `import`: every record read, checked and inserted in one transaction; the cross-record rules
//! (references, overlapping qualifications, events after death) run before the commit — in
//! memory over facts gathered while inserting when the tables were empty (`crate::cross`), else
//! as SQL over the rows of this import. Any rejection rolls the whole import back.
//!
//! Reading, the storage faults and the per-record checks run on a second thread, which hands
//! over each file's rows sorted by primary key (so that the key's index grows at its end);
//! the calling thread holds the connection and only inserts. Secondary indexes of tables that
//! are empty when the import starts are built after the inserts.

use crate::cross::Facts;
use crate::store::{self, Checker, Problem};
use crate::{Fault, Reference};
use nhikit_io::contain::Root;
use nhikit_io::{DataFile, Format, Manifest};
use nhikit_schema::names::{household, insurer, person, qualification};
use nhikit_schema::rules::RuleKind;
use nhikit_schema::{Encoding, Entity, Layout, Value};
use nhikit_target::{
    ErrorCode, ImportRequest, ImportResponse, Rejection, RejectionCode, TargetError,
};
use rusqlite::{ErrorCode as SqlCode, TransactionBehavior};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender};

/// Where a source is read from.
enum Place {
    /// A path relative to a directory opened as a [`Root`]: a dataset's manifest entry, or a
    /// request's path under the reference's data directory. Opened without leaving it or
    /// crossing a link.
    Under(Arc<Root>, PathBuf),
    /// A path the caller named, with no data directory set (the command line, a test).
    Named(PathBuf),
}

impl Place {
    fn open(&self) -> nhikit_io::Result<DataFile> {
        match self {
            Place::Under(root, rel) => DataFile::open(root, rel),
            Place::Named(path) => DataFile::open_named(path),
        }
    }
}

/// One file to read.
struct Source {
    place: Place,
    /// As reported: relative to the dataset, or as given.
    shown: String,
    entity: String,
    format: Format,
    layout: Option<String>,
    encoding: Option<Encoding>,
    prefecture: Option<i64>,
    municipality: Option<String>,
    part: i64,
}

/// A source resolved for reading: its entity, how to read it, its row in `_files`.
struct Plan<'s> {
    source: Source,
    entity: &'s Entity,
    reader: Reader<'s>,
    file_id: i64,
}

/// Which `nhikit_io` row reader reads a source.
#[derive(Clone, Copy)]
enum Reader<'s> {
    Parquet,
    Arrow,
    Jsonl,
    Csv(&'s Layout),
}

/// The rows of one source, read and checked, on their way to the inserting thread. Batches go back
/// to the reading thread to be refilled, so that their strings keep their buffers.
#[derive(Default)]
struct Batch {
    /// Index of the source in the plans.
    source: usize,
    /// Values per row (the entity's items).
    width: usize,
    /// The record number of each row.
    rows: Vec<u64>,
    /// The values, `width` per row, in item order (longer than needed when reused).
    values: Vec<Value>,
    /// The problems found, by index of the row in the batch, in row order.
    problems: Vec<(usize, Problem)>,
    /// The order to insert the rows in (indexes into `rows`).
    order: Vec<usize>,
}

impl Batch {
    fn start(&mut self, source: usize, width: usize) {
        self.source = source;
        self.width = width;
        self.rows.clear();
        self.problems.clear();
        self.order.clear();
    }

    /// The values of the row at `k`.
    fn values(&self, k: usize) -> &[Value] {
        &self.values[k * self.width..(k + 1) * self.width]
    }

    /// The problems of the row at `k`.
    fn problems(&self, k: usize) -> impl Iterator<Item = &Problem> {
        let first = self.problems.partition_point(|(at, _)| *at < k);
        self.problems[first..]
            .iter()
            .take_while(move |(at, _)| *at == k)
            .map(|(_, p)| p)
    }

    /// Orders the rows by the values of the items at `key` (a stable sort: of two rows with
    /// the same key, the later one is inserted second and is the duplicate).
    fn sort_by(&mut self, key: &[usize]) {
        let mut order = std::mem::take(&mut self.order);
        if !key.is_empty() {
            order.sort_by(|&a, &b| {
                let (a, b) = (self.values(a), self.values(b));
                key.iter().map(|&i| &a[i]).cmp(key.iter().map(|&i| &b[i]))
            });
        }
        self.order = order;
    }

    fn push(&mut self, row: u64, values: &[Value], problems: &mut Vec<Problem>) {
        let k = self.rows.len();
        let at = k * self.width;
        if self.values.len() < at + self.width {
            self.values.resize(at + self.width, Value::Null);
        }
        for (slot, v) in self.values[at..at + self.width].iter_mut().zip(values) {
            match (slot, v) {
                (Value::Str(buf), Value::Str(s)) => {
                    buf.clear();
                    buf.push_str(s);
                }
                (slot, v) => *slot = v.clone(),
            }
        }
        self.order.push(k);
        self.rows.push(row);
        self.problems.extend(problems.drain(..).map(|p| (k, p)));
    }
}

/// From the reading thread to the inserting one.
enum Msg {
    /// Rows of a source.
    Rows(Batch),
    /// A source has been read (after its last rows): how reading ended.
    End {
        source: usize,
        read: nhikit_io::Result<u64>,
    },
}

/// Inserts one row with the entity's insert statement.
fn insert(
    stmt: &mut rusqlite::CachedStatement<'_>,
    file_id: i64,
    row: u64,
    values: &[Value],
) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(1, file_id)?;
    stmt.raw_bind_parameter(2, row as i64)?;
    for (i, v) in values.iter().enumerate() {
        stmt.raw_bind_parameter(i + 3, store::sql_value(v))?;
    }
    stmt.raw_execute().map(|_| ())
}

/// Rows per multi-row `INSERT` of an atomic import: the statement's fixed cost (start,
/// cursors, halt) shared by this many rows; 32 rows of the widest entity stay far below
/// SQLite's 32,766 parameters.
const ROWS_PER_INSERT: usize = 32;

/// Inserts the rows `chunk` of a batch with one multi-row insert statement.
fn insert_rows(
    stmt: &mut rusqlite::CachedStatement<'_>,
    file_id: i64,
    batch: &Batch,
    chunk: &[usize],
) -> rusqlite::Result<()> {
    let width = batch.width + 2;
    for (r, &k) in chunk.iter().enumerate() {
        let at = r * width;
        stmt.raw_bind_parameter(at + 1, file_id)?;
        stmt.raw_bind_parameter(at + 2, batch.rows[k] as i64)?;
        for (i, v) in batch.values(k).iter().enumerate() {
            stmt.raw_bind_parameter(at + i + 3, store::sql_value(v))?;
        }
    }
    stmt.raw_execute().map(|_| ())
}

/// The rejection of a row whose primary key is already held.
fn duplicate(plan: &Plan<'_>, row: u64, values: &[Value]) -> Rejection {
    let entity = plan.entity;
    Rejection {
        file: plan.source.shown.clone(),
        row,
        item: format!("{}.{}", entity.id, entity.primary_key.join("+")),
        code: RejectionCode::DuplicateKey,
        message: format!(
            "primary key ({}) is already held",
            entity
                .primary_key
                .iter()
                .filter_map(|k| entity.items.iter().position(|i| &i.id == k))
                .filter_map(|i| values.get(i))
                .map(Value::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) fn storage(e: impl std::fmt::Display) -> TargetError {
    TargetError::new(ErrorCode::Storage, e.to_string())
}

/// `prefecture=PP[/municipality=CCCCCC]/part-NNNNN.ext` from a path, where present.
fn partition_of(path: &str) -> (Option<i64>, Option<String>, i64) {
    let mut prefecture = None;
    let mut municipality = None;
    let mut part = 0;
    for seg in path.split(['/', '\\']) {
        if let Some(p) = seg.strip_prefix("prefecture=") {
            prefecture = p.parse().ok();
        } else if let Some(m) = seg.strip_prefix("municipality=") {
            municipality = Some(m.to_owned());
        } else if let Some(n) = seg.strip_prefix("part-") {
            part = n
                .split('.')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    (prefecture, municipality, part)
}

fn entity_rank(e: &str) -> u8 {
    match e {
        insurer::ENTITY => 0,
        household::ENTITY => 1,
        person::ENTITY => 2,
        qualification::ENTITY => 3,
        _ => 4,
    }
}

impl Reference {
    /// Opens a directory a request names: under the data directory when one is set (relative,
    /// no `..`, no link on the way), else as given.
    pub(crate) fn open_dir(&self, dir: &Path) -> nhikit_io::Result<Root> {
        Ok(match &self.data_root {
            Some(root) => root.open_dir(dir)?,
            None => Root::open(dir)?,
        })
    }

    fn sources(&self, request: &ImportRequest) -> Result<Vec<Source>, TargetError> {
        let mut out = Vec::new();
        match (&request.dataset, request.files.is_empty()) {
            (Some(dir), true) => {
                let refused = |e: nhikit_io::Error| {
                    TargetError::new(ErrorCode::Io, e.to_string()).with_item("dataset")
                };
                let root = Arc::new(self.open_dir(dir).map_err(refused)?);
                let manifest = Manifest::read_in(&root).map_err(refused)?;
                // Links inside a dataset are refused outright, listed or not.
                root.refuse_links()
                    .map_err(|e| refused(nhikit_io::Error::from(e)))?;
                let format = [Format::Parquet, Format::Arrow, Format::Jsonl, Format::Csv]
                    .into_iter()
                    .find(|f| manifest.files.iter().any(|e| e.format == *f))
                    .ok_or_else(|| {
                        TargetError::invalid("dataset", "the manifest lists no data files")
                    })?;
                let mut entries: Vec<_> = manifest
                    .files
                    .iter()
                    .filter(|e| e.format == format)
                    .filter(|e| {
                        format != Format::Csv
                            || e.layout.as_deref() == Some(format!("{}_csv", e.entity).as_str())
                    })
                    .collect();
                entries.sort_by(|a, b| {
                    (entity_rank(&a.entity), &a.entity, &a.path).cmp(&(
                        entity_rank(&b.entity),
                        &b.entity,
                        &b.path,
                    ))
                });
                for e in entries {
                    let (prefecture, municipality, part) = partition_of(&e.path);
                    out.push(Source {
                        place: Place::Under(Arc::clone(&root), PathBuf::from(&e.path)),
                        shown: e.path.clone(),
                        entity: e.entity.clone(),
                        format,
                        layout: e.layout.clone(),
                        encoding: e
                            .csv_encoding()
                            .map_err(|x| TargetError::new(ErrorCode::Io, x.to_string()))?,
                        prefecture,
                        municipality,
                        part,
                    });
                }
            }
            (None, false) => {
                for (i, f) in request.files.iter().enumerate() {
                    let format: Format = f.format.parse().map_err(|e: nhikit_io::Error| {
                        TargetError::invalid(format!("files[{i}].format"), e.to_string())
                    })?;
                    if self.schema.entity(&f.entity).is_none() {
                        return Err(TargetError::invalid(
                            format!("files[{i}].entity"),
                            format!("unknown entity `{}`", f.entity),
                        ));
                    }
                    let layout = (format == Format::Csv).then(|| {
                        f.layout
                            .clone()
                            .unwrap_or_else(|| format!("{}_csv", f.entity))
                    });
                    if let Some(l) = &layout
                        && self.schema.layout(l).is_none_or(|l| l.entity != f.entity)
                    {
                        return Err(TargetError::invalid(
                            format!("files[{i}].layout"),
                            format!("`{l}` is not a layout of `{}`", f.entity),
                        ));
                    }
                    let shown = f.path.to_string_lossy().into_owned();
                    let (prefecture, municipality, part) = partition_of(&shown);
                    let place = match &self.data_root {
                        Some(root) => {
                            root.check(&f.path).map_err(|e| {
                                TargetError::invalid(format!("files[{i}].path"), e.to_string())
                            })?;
                            Place::Under(Arc::clone(root), f.path.clone())
                        }
                        None => Place::Named(f.path.clone()),
                    };
                    out.push(Source {
                        place,
                        shown,
                        entity: f.entity.clone(),
                        format,
                        layout,
                        encoding: None,
                        prefecture,
                        municipality,
                        part,
                    });
                }
                out.sort_by_key(|s| entity_rank(&s.entity));
            }
            _ => {
                return Err(TargetError::invalid(
                    "dataset",
                    "give exactly one of `dataset` and `files`",
                ));
            }
        }
        Ok(out)
    }

    /// Applies the storage faults to a row's text (values in item order).
    fn mangle(&self, e: &Entity, row: &mut [Value]) {
        let truncate = self.has(Fault::KanaTruncate20);
        let geta = self.has(Fault::SurrogateToGeta);
        if !truncate && !geta {
            return;
        }
        for (item, v) in e.items.iter().zip(row.iter_mut()) {
            if let Value::Str(s) = v {
                if geta && s.chars().any(|c| u32::from(c) > 0xFFFF) {
                    *s = s
                        .chars()
                        .map(|c| if u32::from(c) > 0xFFFF { '〓' } else { c })
                        .collect();
                }
                if truncate && item.id.ends_with("_kana") && s.chars().count() > 20 {
                    *s = s.chars().take(20).collect();
                }
            }
        }
    }

    /// Reads, mangles and checks every source in order on the calling thread, sending the rows
    /// in batches; returns early when the receiver is gone.
    fn read_sources(&self, plans: &[Plan<'_>], out: &SyncSender<Msg>, spent: &Receiver<Batch>) {
        let atomic = !self.has(Fault::NonAtomicImport);
        let drop_check_digits = self.has(Fault::AcceptBadCheckDigit);
        for (index, plan) in plans.iter().enumerate() {
            let entity = plan.entity;
            let mut checker = Checker::new(&self.schema, entity);
            let mut batch = spent.try_recv().unwrap_or_default();
            batch.start(index, entity.items.len());
            let mut problems = Vec::new();
            let each = |row: u64, values: &mut [Value]| {
                self.mangle(entity, values);
                checker.check_row(values, &mut problems);
                if drop_check_digits {
                    problems.retain(|p| p.1 != RejectionCode::CheckDigit);
                }
                batch.push(row, values, &mut problems);
            };
            let src = &plan.source;
            // Opened here, one file at a time (a dataset may have thousands of parts): what
            // is opened is what is read.
            let read = src.place.open().and_then(|data| match plan.reader {
                Reader::Parquet => nhikit_io::read_parquet_rows(data, entity, each),
                Reader::Arrow => nhikit_io::read_arrow_rows(data, entity, each),
                Reader::Jsonl => nhikit_io::read_jsonl_rows(data, entity, each),
                Reader::Csv(layout) => {
                    nhikit_io::read_csv_rows(data, entity, layout, src.encoding, each)
                }
            });
            // Inserting in key order appends to the primary key's index instead of inserting
            // at random places (identifiers are random); with the non-atomic fault, what is
            // kept depends on the order, so the file's order stays.
            if atomic {
                let key: Vec<usize> = entity
                    .primary_key
                    .iter()
                    .filter_map(|k| entity.items.iter().position(|i| &i.id == k))
                    .collect();
                batch.sort_by(&key);
            }
            if out.send(Msg::Rows(batch)).is_err()
                || out
                    .send(Msg::End {
                        source: index,
                        read,
                    })
                    .is_err()
            {
                return;
            }
        }
    }

    pub(crate) fn import_impl(
        &self,
        request: &ImportRequest,
    ) -> Result<ImportResponse, TargetError> {
        let sources = self.sources(request)?;
        let atomic = !self.has(Fault::NonAtomicImport);
        let mut plans = Vec::with_capacity(sources.len());
        for source in sources {
            let entity = self.schema.entity(&source.entity).ok_or_else(|| {
                TargetError::invalid("files", format!("unknown entity `{}`", source.entity))
            })?;
            let reader = match source.format {
                Format::Parquet => Reader::Parquet,
                Format::Arrow => Reader::Arrow,
                Format::Jsonl => Reader::Jsonl,
                Format::Csv => {
                    let id = source
                        .layout
                        .clone()
                        .unwrap_or_else(|| format!("{}_csv", entity.id));
                    Reader::Csv(self.schema.layout(&id).ok_or_else(|| {
                        TargetError::invalid("files", format!("no layout `{id}`"))
                    })?)
                }
            };
            plans.push(Plan {
                source,
                entity,
                reader,
                file_id: 0,
            });
        }
        let mut guard = self.lock();
        let tx = guard
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(storage)?;
        let first_file: i64 = tx
            .query_row("SELECT coalesce(max(id), 0) + 1 FROM _files", [], |r| {
                r.get(0)
            })
            .map_err(storage)?;
        for plan in &mut plans {
            let src = &plan.source;
            tx.execute(
                "INSERT INTO _files (path, entity, prefecture, municipality, part) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![src.shown, src.entity, src.prefecture, src.municipality, src.part],
            )
            .map_err(storage)?;
            plan.file_id = tx.last_insert_rowid();
        }
        // Into empty tables, the cross-record rules run in memory over facts gathered while
        // inserting (crate::cross); else as SQL over the tables.
        let empty = self
            .schema
            .entities
            .iter()
            .map(|e| format!("NOT EXISTS (SELECT 1 FROM {})", store::table(&e.id)))
            .collect::<Vec<_>>()
            .join(" AND ");
        let fresh: bool = tx
            .query_row(&format!("SELECT {empty}"), [], |r| r.get(0))
            .map_err(storage)?;
        let mut facts = fresh.then(|| Facts::new(&self.schema));
        // Secondary indexes of a table that is empty now are built once, after the inserts.
        let mut deferred = Vec::new();
        for (entity, name, create) in store::SECONDARY_INDEXES {
            if !plans.iter().any(|p| p.entity.id == entity) {
                continue;
            }
            let empty: bool = tx
                .query_row(
                    &format!("SELECT NOT EXISTS (SELECT 1 FROM {})", store::table(entity)),
                    [],
                    |r| r.get(0),
                )
                .map_err(storage)?;
            if empty {
                tx.execute_batch(&format!("DROP INDEX IF EXISTS \"{name}\""))
                    .map_err(storage)?;
                deferred.push(create);
            }
        }
        let mut rejections: Vec<Rejection> = Vec::new();
        let mut records: BTreeMap<String, u64> = BTreeMap::new();
        let order: HashMap<&str, usize> = plans
            .iter()
            .enumerate()
            .map(|(i, p)| (p.source.shown.as_str(), i))
            .collect();
        // With the non-atomic fault, inserting stops at the first bad record and what came
        // before is committed.
        let mut stop_inserting = false;
        let mut counts = vec![0u64; plans.len()];
        std::thread::scope(|scope| -> Result<(), TargetError> {
            let (send, receive) = std::sync::mpsc::sync_channel::<Msg>(4);
            let (give_back, spent) = std::sync::mpsc::channel::<Batch>();
            let plans = &plans;
            scope.spawn(move || self.read_sources(plans, &send, &spent));
            for msg in receive {
                match msg {
                    Msg::Rows(batch) => {
                        let plan = &plans[batch.source];
                        let entity = plan.entity;
                        let mut stmt = tx
                            .prepare_cached(&store::insert_sql(entity))
                            .map_err(storage)?;
                        // Atomic: whole chunks in one multi-row INSERT (one statement run
                        // per chunk); a chunk with a duplicate key fails whole (SQLite undoes
                        // the statement) and goes again row by row to find it. Non-atomic:
                        // row by row, stopping at the first bad record.
                        let size = if atomic { ROWS_PER_INSERT } else { 1 };
                        for chunk in batch.order.chunks(size) {
                            for &k in chunk {
                                for (item, code, message) in batch.problems(k) {
                                    rejections.push(Rejection {
                                        file: plan.source.shown.clone(),
                                        row: batch.rows[k],
                                        item: format!("{}.{item}", entity.id),
                                        code: *code,
                                        message: message.clone(),
                                    });
                                    if !atomic {
                                        stop_inserting = true;
                                    }
                                }
                            }
                            // A bad record is still inserted (the transaction is rolled back
                            // anyway), so that the records referring to it are not reported too.
                            if stop_inserting {
                                continue;
                            }
                            if chunk.len() == ROWS_PER_INSERT {
                                let mut rows = tx
                                    .prepare_cached(&store::insert_rows_sql(
                                        entity,
                                        ROWS_PER_INSERT,
                                    ))
                                    .map_err(storage)?;
                                match insert_rows(&mut rows, plan.file_id, &batch, chunk) {
                                    Ok(()) => {
                                        counts[batch.source] += chunk.len() as u64;
                                        if let Some(f) = &mut facts {
                                            for &k in chunk {
                                                f.inserted(
                                                    entity,
                                                    &plan.source.shown,
                                                    batch.rows[k],
                                                    batch.values(k),
                                                );
                                            }
                                        }
                                        continue;
                                    }
                                    Err(rusqlite::Error::SqliteFailure(e, _))
                                        if e.code == SqlCode::ConstraintViolation => {}
                                    Err(e) => return Err(storage(e)),
                                }
                            }
                            for &k in chunk {
                                let (row, values) = (batch.rows[k], batch.values(k));
                                match insert(&mut stmt, plan.file_id, row, values) {
                                    Ok(()) => {
                                        counts[batch.source] += 1;
                                        if let Some(f) = &mut facts {
                                            f.inserted(entity, &plan.source.shown, row, values);
                                        }
                                    }
                                    Err(rusqlite::Error::SqliteFailure(e, _))
                                        if e.code == SqlCode::ConstraintViolation =>
                                    {
                                        rejections.push(duplicate(plan, row, values));
                                        if !atomic {
                                            stop_inserting = true;
                                        }
                                    }
                                    Err(e) => return Err(storage(e)),
                                }
                            }
                        }
                        // The reading thread may have finished: then the batch is dropped here.
                        let _ = give_back.send(batch);
                    }
                    Msg::End { source, read } => {
                        let plan = &plans[source];
                        let entity = plan.entity;
                        if let Err(e) = read {
                            let (row, item, message) = match e {
                                nhikit_io::Error::BadRecord {
                                    record,
                                    item,
                                    reason,
                                    ..
                                } => (
                                    record,
                                    item.map_or(entity.id.clone(), |i| {
                                        format!("{}.{i}", entity.id)
                                    }),
                                    reason,
                                ),
                                other => (0, entity.id.clone(), other.to_string()),
                            };
                            rejections.push(Rejection {
                                file: plan.source.shown.clone(),
                                row,
                                item,
                                code: RejectionCode::Unreadable,
                                message: format!("{message} (the rest of the file was not read)"),
                            });
                            if !atomic {
                                stop_inserting = true;
                            }
                        }
                        *records.entry(entity.id.clone()).or_insert(0) += counts[source];
                    }
                }
            }
            Ok(())
        })?;
        for create in deferred {
            tx.execute_batch(create).map_err(storage)?;
        }
        if rejections.is_empty() || atomic {
            match facts {
                Some(f) => f.finish(
                    !self.has(Fault::AcceptOverlappingQualifications),
                    !self.has(Fault::AcceptEventsAfterDeath),
                    &mut rejections,
                ),
                None => self.cross_rules(&tx, first_file, &mut rejections)?,
            }
        }
        if rejections.is_empty() {
            tx.commit().map_err(storage)?;
            return Ok(ImportResponse {
                files: plans.len() as u64,
                records,
            });
        }
        if !atomic {
            tx.commit().map_err(storage)?;
        }
        // Dropping an uncommitted transaction rolls it back: the database is unchanged.
        rejections.sort_by_key(|r| {
            (
                order.get(r.file.as_str()).copied().unwrap_or(usize::MAX),
                r.row,
            )
        });
        let n = rejections.len();
        let mut err = TargetError::new(
            ErrorCode::ImportRejected,
            format!(
                "import rejected: {n} problem{} (first: {}:{} {} {:?}); nothing was stored",
                if n == 1 { "" } else { "s" },
                rejections[0].file,
                rejections[0].row,
                rejections[0].item,
                rejections[0].code
            ),
        );
        err.rejections = rejections;
        Err(err)
    }

    /// References, overlapping qualifications and events after death, over the rows of this
    /// import (files numbered `first_file` and up).
    ///
    /// The references are the schema's declarations (as [`nhikit_schema::keys::KeyIndex`]
    /// checks them for an import into empty tables and for `nhikit validate`), here turned into
    /// one `NOT EXISTS` query each: the tables are populated and indexed by their primary keys,
    /// so a join costs the rows imported, where an index in memory would first have to read
    /// every key the database holds.
    fn cross_rules(
        &self,
        tx: &rusqlite::Transaction<'_>,
        first_file: i64,
        out: &mut Vec<Rejection>,
    ) -> Result<(), TargetError> {
        for entity in &self.schema.entities {
            let imported: bool = tx
                .query_row(
                    &format!(
                        "SELECT EXISTS (SELECT 1 FROM {} WHERE _file >= ?1)",
                        store::table(&entity.id)
                    ),
                    [first_file],
                    |r| r.get(0),
                )
                .map_err(storage)?;
            if !imported {
                continue;
            }
            for reference in &entity.references {
                let Some(target) = self.schema.entity(&reference.entity) else {
                    continue;
                };
                if reference.optional {
                    let held: bool = tx
                        .query_row(
                            &format!("SELECT EXISTS (SELECT 1 FROM {})", store::table(&target.id)),
                            [],
                            |r| r.get(0),
                        )
                        .map_err(storage)?;
                    if !held {
                        continue;
                    }
                }
                let items: Vec<String> = reference
                    .items
                    .iter()
                    .map(|i| format!("t.{}", store::col(i)))
                    .collect();
                let present: Vec<String> =
                    items.iter().map(|i| format!("{i} IS NOT NULL")).collect();
                let matches: Vec<String> = target
                    .primary_key
                    .iter()
                    .zip(&items)
                    .map(|(k, i)| format!("x.{} = {i}", store::col(k)))
                    .collect();
                let sql = format!(
                    "SELECT f.path, t._row, {} FROM {} t JOIN _files f ON f.id = t._file \
                     WHERE t._file >= ?1 AND {} AND NOT EXISTS (SELECT 1 FROM {} x WHERE {})",
                    items.join(", "),
                    store::table(&entity.id),
                    present.join(" AND "),
                    store::table(&target.id),
                    matches.join(" AND "),
                );
                let mut stmt = tx.prepare(&sql).map_err(storage)?;
                let mut rows = stmt.query([first_file]).map_err(storage)?;
                while let Some(r) = rows.next().map_err(storage)? {
                    let mut values = String::new();
                    for (k, item) in reference.items.iter().enumerate() {
                        if k > 0 {
                            values.push('/');
                        }
                        let value =
                            store::value_of(entity, item, r.get_ref(k + 2).map_err(storage)?);
                        nhikit_schema::keys::write_value(&mut values, &value);
                    }
                    out.push(Rejection {
                        file: r.get(0).map_err(storage)?,
                        row: r.get::<_, i64>(1).map_err(storage)?.max(0) as u64,
                        item: format!("{}.{}", entity.id, reference.items.join("+")),
                        code: store::rejection_code(RuleKind::Reference),
                        message: nhikit_schema::keys::unresolved_message(reference, &values),
                    });
                }
            }
        }
        let mut checks: Vec<(&str, RejectionCode, String)> = Vec::new();
        if !self.has(Fault::AcceptOverlappingQualifications) {
            checks.push((
                "qualification.acquisition_date",
                RejectionCode::OverlappingQualification,
                "SELECT f.path, b._row, 'qualification ' || b.qualification_seq || ' overlaps qualification ' || a.qualification_seq \
                 FROM e_qualification b JOIN e_qualification a ON a.lgcode = b.lgcode AND a.address_number = b.address_number \
                 AND a.qualification_seq <> b.qualification_seq \
                 AND a.acquisition_date < coalesce(b.loss_date, 99999999) AND b.acquisition_date < coalesce(a.loss_date, 99999999) \
                 AND (a.acquisition_date < b.acquisition_date OR (a.acquisition_date = b.acquisition_date AND a.qualification_seq < b.qualification_seq)) \
                 JOIN _files f ON f.id = b._file WHERE b._file >= ?1"
                    .to_owned(),
            ));
        }
        if !self.has(Fault::AcceptEventsAfterDeath) {
            checks.push((
                "qualification.acquisition_date",
                RejectionCode::EventAfterDeath,
                "SELECT f.path, q._row, 'qualification ' || q.qualification_seq || ' acquired or lost after the death of ' || p.address_number \
                 FROM e_qualification q JOIN e_person p ON p.lgcode = q.lgcode AND p.address_number = q.address_number \
                 JOIN _files f ON f.id = q._file WHERE (q._file >= ?1 OR p._file >= ?1) AND p.death_date IS NOT NULL \
                 AND q.qualification_seq IS NOT NULL \
                 AND (q.acquisition_date > p.death_date OR q.loss_date > p.death_date + 1)"
                    .to_owned(),
            ));
        }
        for (item, code, sql) in checks {
            let mut stmt = tx.prepare(&sql).map_err(storage)?;
            let rows = stmt
                .query_map([first_file], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(storage)?;
            for row in rows {
                let (file, n, message) = row.map_err(storage)?;
                out.push(Rejection {
                    file,
                    row: n.max(0) as u64,
                    item: item.to_owned(),
                    code,
                    message,
                });
            }
        }
        Ok(())
    }
}
