//! `nhikit verify`: manifest integrity and synthetic provenance. Every file is re-hashed
//! against the manifest, then every part is regenerated from the manifest's seed and options
//! and compared, record by record and item by item, with each of its files.

use crate::generate::{Unit, extra_sinks};
use crate::records::{FlatRows, show, text_eq};
use crate::{Error, RunSpec, for_each_parallel, units};
use nhikit_io::contain::Root;
use nhikit_io::{DataFile, FileEntry, Format, MANIFEST_FILE, Manifest};
use nhikit_schema::{Entity, Layout, RowWriter, Schema, Value};
use nhikit_synth::{Extras, Generator, Reference};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

type Result<T, E = Error> = std::result::Result<T, E>;

/// How [`verify`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Worker threads (parts are regenerated and compared in parallel); at least 1.
    pub threads: usize,
    /// Skip the SHA-256 check and compare records only.
    pub skip_hashes: bool,
    /// Re-encode each regenerated part and compare hashes first, reading records only from
    /// files whose hash differs (default). Off: read and compare every record of every file.
    pub reencode: bool,
}

impl Default for VerifyOptions {
    fn default() -> VerifyOptions {
        VerifyOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            skip_hashes: false,
            reencode: true,
        }
    }
}

/// What is wrong with one file or record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// The file's bytes differ from the manifest (size, hash, missing, not listed).
    Manifest(String),
    /// An item of a record differs from the regenerated record.
    Changed {
        /// The item id.
        item: String,
        /// The item's Japanese label.
        label: String,
        /// The regenerated value.
        expected: String,
        /// The value in the file.
        found: String,
    },
    /// A regenerated record is missing from the file (`row` is where it should be).
    Deleted,
    /// The file holds a record that the generator does not produce at this place.
    Added,
    /// None of the file's records belong to its part: it holds another part's records (named
    /// when found) or none of the dataset's at all.
    Foreign {
        /// The part whose records the file holds, e.g. `prefecture=27/part-00000`.
        part: Option<String>,
    },
    /// A file the dataset should have (per part, format and layout) is absent.
    MissingFile,
    /// A file that belongs to no part of this dataset.
    UnexpectedFile,
    /// The file cannot be read as its format.
    Unreadable(String),
}

/// One mismatch: the file, the 1-based row (0 for the whole file), the record's key, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the dataset directory.
    pub file: String,
    /// 1-based row in the file (header excluded); 0 for file-level findings.
    pub row: u64,
    /// The record's primary key, e.g. `lgcode=131016 address_number=1889903105`; empty for
    /// file-level findings.
    pub key: String,
    /// What is wrong.
    pub kind: FindingKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.row > 0 {
            write!(f, ": row {}", self.row)?;
        }
        if !self.key.is_empty() {
            write!(f, " ({})", self.key)?;
        }
        match &self.kind {
            FindingKind::Manifest(m) => write!(f, ": {m}"),
            FindingKind::Changed {
                item,
                label,
                expected,
                found,
            } => write!(
                f,
                ": item `{item}` ({label}): expected {expected}, found {found}"
            ),
            FindingKind::Deleted => write!(f, ": record deleted (the generator produces it here)"),
            FindingKind::Added => write!(f, ": record added (the generator does not produce it)"),
            FindingKind::Foreign { part: Some(p) } => {
                write!(f, ": the file holds the records of part {p} (swapped file)")
            }
            FindingKind::Foreign { part: None } => {
                write!(
                    f,
                    ": no record of the file belongs to this part or this dataset"
                )
            }
            FindingKind::MissingFile => write!(f, ": missing (the dataset's plan has this part)"),
            FindingKind::UnexpectedFile => {
                write!(f, ": belongs to no part of the dataset's plan")
            }
            FindingKind::Unreadable(e) => write!(f, ": unreadable: {e}"),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Data files listed in the manifest.
    pub files: u64,
    /// Records read from the files and compared (every format counts).
    pub records_compared: u64,
    /// Records regenerated (once per part, not per format).
    pub records_regenerated: u64,
    /// Every mismatch, sorted by file and row.
    pub findings: Vec<Finding>,
    /// The dataset is encrypted: only the ciphertext hashes were checked (records need the
    /// plaintext: decrypt it and verify the copy).
    pub encrypted: bool,
}

impl VerifyReport {
    /// Whether the dataset is intact and synthetic.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// One unit of work: the insurer table or a part of the plan.
#[derive(Debug, Clone, Copy)]
enum Work {
    Insurers,
    Part(usize),
}

/// The regenerated first row of each (entity, part), to name the part a swapped file came from.
type Firsts = Vec<(String, String, Vec<Value>)>;

/// Verifies the dataset in `dir`: file hashes against its manifest, then every record against
/// the records regenerated from the manifest's seed and options.
///
/// Fails (rather than reporting findings) when the manifest cannot be read or was made by a
/// generator this build cannot reproduce ([`Error::OutputVersion`]).
///
/// Every file is read under `dir` through [`Root`]: a manifest listing a path that leaves the
/// directory is refused as a whole, and a symbolic link in the dataset is a finding that is
/// never followed.
pub fn verify(dir: &Path, schema: &Schema, options: &VerifyOptions) -> Result<VerifyReport> {
    let root = Root::open(dir).map_err(nhikit_io::Error::from)?;
    let manifest = Manifest::read_in(&root)?;
    if manifest.encryption.is_some() {
        return Ok(VerifyReport {
            files: manifest.files.len() as u64,
            findings: manifest
                .verify_in(&root)?
                .into_iter()
                .map(|m| Finding {
                    file: m.path().to_owned(),
                    row: 0,
                    key: String::new(),
                    kind: FindingKind::Manifest(m.to_string()),
                })
                .collect(),
            encrypted: true,
            ..VerifyReport::default()
        });
    }
    let spec = RunSpec::regenerable(&manifest, &dir.join(MANIFEST_FILE))?;
    let generator = spec.generator(Reference::shared()?)?;
    let mut report = VerifyReport {
        files: manifest.files.len() as u64,
        ..VerifyReport::default()
    };
    let mut altered = BTreeSet::new();
    if !options.skip_hashes {
        for m in manifest.verify_in(&root)? {
            altered.insert(m.path().to_owned());
            report.findings.push(Finding {
                file: m.path().to_owned(),
                row: 0,
                key: String::new(),
                kind: FindingKind::Manifest(m.to_string()),
            });
        }
    }
    // The manifest's files by (entity, part stem).
    let mut by_part: BTreeMap<(String, String), Vec<&FileEntry>> = BTreeMap::new();
    for f in &manifest.files {
        match part_stem(&f.path) {
            Some(stem) => by_part.entry((f.entity.clone(), stem)).or_default().push(f),
            None => report
                .findings
                .push(file_finding(&f.path, FindingKind::UnexpectedFile)),
        }
    }
    let parts = units(&generator, spec.shard, spec.partition)?;
    let mut work = Vec::new();
    if spec.shard.index == 0 {
        work.push(Work::Insurers);
    }
    work.extend((0..parts.len()).map(Work::Part));
    // Every expected (entity, stem) and the files it must have.
    let mut expected_keys: BTreeSet<(String, String)> = BTreeSet::new();
    for w in &work {
        for (entity, stem) in work_keys(*w, &parts, generator.extras()) {
            expected_keys.insert((entity.to_owned(), stem.clone()));
            let files = by_part
                .get(&(entity.to_owned(), stem.clone()))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            for path in nhikit_io::part_paths(schema, entity, &stem, &spec.formats) {
                if !files.iter().any(|f| f.path == path) {
                    report
                        .findings
                        .push(file_finding(&path, FindingKind::MissingFile));
                }
            }
        }
    }
    for ((_, _), files) in by_part.iter().filter(|(k, _)| !expected_keys.contains(*k)) {
        for f in files {
            report
                .findings
                .push(file_finding(&f.path, FindingKind::UnexpectedFile));
        }
    }

    // Byte identity holds within one nhikit version, and only for files known to match the
    // manifest: otherwise every record is compared.
    let scratch = if options.reencode
        && !options.skip_hashes
        && manifest.nhikit_version == nhikit_io::NHIKIT_VERSION
    {
        Some(Scratch::new(schema, &spec, &manifest, altered)?)
    } else {
        None
    };
    let results = for_each_parallel(&work, options.threads, |w| {
        verify_work(
            &root,
            schema,
            &generator,
            &parts,
            &by_part,
            scratch.as_ref(),
            *w,
        )
    })?;
    let mut firsts: Firsts = Vec::new();
    let mut pending = Vec::new();
    for r in results {
        report.records_compared += r.compared;
        report.records_regenerated += r.regenerated;
        report.findings.extend(r.findings);
        firsts.extend(r.firsts);
        pending.extend(r.foreign);
    }
    // Name the part a swapped file's records belong to.
    for p in pending {
        let part = firsts
            .iter()
            .find(|(entity, _, first)| {
                *entity == p.entity
                    && p.columns
                        .iter()
                        .zip(&p.first)
                        .all(|(&c, v)| first.get(c).is_some_and(|e| text_eq(e, v)))
            })
            .map(|(_, stem, _)| stem.clone());
        report.findings.push(Finding {
            file: p.file,
            row: 0,
            key: String::new(),
            kind: FindingKind::Foreign { part },
        });
    }
    report
        .findings
        .sort_by(|a, b| (&a.file, a.row).cmp(&(&b.file, b.row)));
    Ok(report)
}

fn file_finding(path: &str, kind: FindingKind) -> Finding {
    Finding {
        file: path.to_owned(),
        row: 0,
        key: String::new(),
        kind,
    }
}

/// `parquet/person/prefecture=13/part-00000.parquet` → `prefecture=13/part-00000` (and
/// `…/prefecture=13/municipality=131016/part-00000.parquet` →
/// `prefecture=13/municipality=131016/part-00000`).
fn part_stem(path: &str) -> Option<String> {
    let mut it = path.splitn(3, '/');
    let (_format, _entity, rest) = (it.next()?, it.next()?, it.next()?);
    let (stem, _ext) = rest.rsplit_once('.')?;
    Some(stem.to_owned())
}

fn work_keys(w: Work, parts: &[Unit], extras: Extras) -> Vec<(&'static str, String)> {
    match w {
        Work::Insurers => vec![("insurer", "part-00000".to_owned())],
        Work::Part(i) => {
            let stem = parts[i].stem.clone();
            ["household", "person", "qualification"]
                .into_iter()
                .chain(extras.entities())
                .map(|e| (e, stem.clone()))
                .collect()
        }
    }
}

/// A file none of whose records belong to its part: resolved once every part's first record
/// is known.
struct Pending {
    file: String,
    entity: String,
    columns: Vec<usize>,
    first: Vec<Value>,
}

#[derive(Default)]
struct PartResult {
    compared: u64,
    regenerated: u64,
    findings: Vec<Finding>,
    firsts: Firsts,
    foreign: Vec<Pending>,
}

/// The fast path: the part re-encoded by `nhikit-io` into a scratch dataset. When the
/// dataset was written by this nhikit version, a file whose bytes match the manifest and whose
/// hash equals the re-encoded file's holds exactly the regenerated records (files are
/// byte-identical for the same records, docs/dataset-format.md), so only the other files need
/// a record-by-record comparison.
struct Scratch {
    writer: nhikit_io::DatasetWriter,
    /// Files whose bytes do not match the manifest (they always get the slow path).
    altered: BTreeSet<String>,
}

impl Scratch {
    fn new(
        schema: &Schema,
        spec: &RunSpec,
        manifest: &Manifest,
        altered: BTreeSet<String>,
    ) -> Result<Scratch> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let formats = spec.formats.clone();
        let mut encodings = manifest
            .files
            .iter()
            .filter(|f| f.format == Format::Csv)
            .map(|f| f.csv_encoding())
            .collect::<nhikit_io::Result<Vec<_>>>()?;
        encodings.dedup();
        // One encoding for every CSV file means `--encoding` may have overridden the layouts.
        let csv_encoding = match encodings.as_slice() {
            [one] => *one,
            _ => None,
        };
        let out = std::env::temp_dir().join(format!(
            "nhikit-verify-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let writer = nhikit_io::DatasetWriter::create(
            &out,
            schema,
            nhikit_io::WriterOptions {
                formats,
                csv_encoding,
                ..nhikit_io::WriterOptions::default()
            },
        )?;
        Ok(Scratch { writer, altered })
    }
}

/// Writes to two row writers at once.
struct Tee<'a, A: RowWriter + ?Sized, B: RowWriter + ?Sized>(&'a mut A, &'a mut B);

impl<A: RowWriter + ?Sized, B: RowWriter + ?Sized> RowWriter for Tee<'_, A, B> {
    fn null(&mut self) {
        self.0.null();
        self.1.null();
    }
    fn str(&mut self, value: &str) {
        self.0.str(value);
        self.1.str(value);
    }
    fn int(&mut self, value: i64) {
        self.0.int(value);
        self.1.int(value);
    }
    fn date(&mut self, value: nhikit_core::date::NaiveDate) {
        self.0.date(value);
        self.1.date(value);
    }
    fn bool(&mut self, value: bool) {
        self.0.bool(value);
        self.1.bool(value);
    }
    fn end_row(&mut self) {
        self.0.end_row();
        self.1.end_row();
    }
}

/// Keeps the first record only.
struct FirstRow {
    values: Vec<Value>,
    done: bool,
}

impl FirstRow {
    fn new() -> FirstRow {
        FirstRow {
            values: Vec::new(),
            done: false,
        }
    }
    fn put(&mut self, v: impl FnOnce() -> Value) {
        if !self.done {
            self.values.push(v());
        }
    }
}

impl RowWriter for FirstRow {
    fn null(&mut self) {
        self.put(|| Value::Null);
    }
    fn str(&mut self, value: &str) {
        self.put(|| Value::Str(value.to_owned()));
    }
    fn int(&mut self, value: i64) {
        self.put(|| Value::Int(value));
    }
    fn date(&mut self, value: nhikit_core::date::NaiveDate) {
        self.put(|| Value::Date(value));
    }
    fn bool(&mut self, value: bool) {
        self.put(|| Value::Bool(value));
    }
    fn end_row(&mut self) {
        self.done = true;
    }
}

/// Per entity of a work item, its row count and first record; and the paths whose re-encoded
/// hash equals the manifest's.
type Reencoded = (Vec<u64>, Vec<Vec<Value>>, BTreeSet<String>);

/// Re-encodes the work's parts into the scratch dataset; returns the rows of each entity, the
/// first records, and the paths whose re-encoded hash equals the manifest's.
fn fast_path(
    scratch: &Scratch,
    generator: &Generator<'_>,
    parts: &[Unit],
    by_part: &BTreeMap<(String, String), Vec<&FileEntry>>,
    w: Work,
) -> Result<Reencoded> {
    let mut summaries = Vec::new();
    let mut rows = Vec::new();
    let mut firsts = Vec::new();
    match w {
        Work::Insurers => {
            let mut pw = scratch.writer.table_part("insurer", 0)?;
            let mut f = FirstRow::new();
            rows.push(generator.write_insurers(&mut Tee(&mut pw, &mut f)));
            summaries.push(pw.finish()?);
            firsts.push(f.values);
        }
        Work::Part(i) => {
            let part = &parts[i].part;
            let partition = &parts[i].partition;
            let w = &scratch.writer;
            let mut h = w.part("household", partition, part.number)?;
            let mut p = w.part("person", partition, part.number)?;
            let mut q = w.part("qualification", partition, part.number)?;
            let (mut fh, mut fp, mut fq) = (FirstRow::new(), FirstRow::new(), FirstRow::new());
            let entities = generator.extras().entities();
            let mut xw = entities
                .iter()
                .map(|e| w.part(e, partition, part.number))
                .collect::<nhikit_io::Result<Vec<_>>>()?;
            let mut xf: Vec<FirstRow> = entities.iter().map(|_| FirstRow::new()).collect();
            let mut tees: Vec<Tee<'_, nhikit_io::PartWriter, FirstRow>> = xw
                .iter_mut()
                .zip(xf.iter_mut())
                .map(|(a, b)| Tee(a, b))
                .collect();
            let mut sinks =
                extra_sinks(&entities, tees.iter_mut().map(|t| t as &mut dyn RowWriter));
            let c = generator.write_part_with(
                part,
                &mut Tee(&mut h, &mut fh),
                &mut Tee(&mut p, &mut fp),
                &mut Tee(&mut q, &mut fq),
                &mut sinks,
            );
            drop(tees);
            rows.extend([c.households, c.persons, c.qualifications]);
            rows.extend(entities.iter().map(|e| c.extra(e)));
            summaries.extend([h.finish()?, p.finish()?, q.finish()?]);
            for x in xw {
                summaries.push(x.finish()?);
            }
            firsts.extend([fh.values, fp.values, fq.values]);
            firsts.extend(xf.into_iter().map(|f| f.values));
        }
    }
    let mut same = BTreeSet::new();
    for s in &summaries {
        for f in &s.files {
            let listed = by_part
                .values()
                .flatten()
                .find(|m| m.path == f.path)
                .is_some_and(|m| m.sha256 == f.sha256);
            if listed && !scratch.altered.contains(&f.path) {
                same.insert(f.path.clone());
            }
            // Keep the scratch directory small: the bytes are no longer needed.
            let _ = std::fs::remove_file(scratch.writer.temp_dir().join(&f.path));
        }
    }
    Ok((rows, firsts, same))
}

fn verify_work(
    root: &Root,
    schema: &Schema,
    generator: &Generator<'_>,
    parts: &[Unit],
    by_part: &BTreeMap<(String, String), Vec<&FileEntry>>,
    scratch: Option<&Scratch>,
    w: Work,
) -> Result<PartResult> {
    let entity = |id: &str| {
        schema.entity(id).ok_or_else(|| Error::NotADataset {
            path: root.path().to_path_buf(),
            reason: format!("entity `{id}` is not in the schema"),
        })
    };
    let keys = work_keys(w, parts, generator.extras());
    let mut out = PartResult::default();
    let mut pending: Vec<&FileEntry> = Vec::new();
    for (e, stem) in &keys {
        if let Some(files) = by_part.get(&((*e).to_owned(), stem.clone())) {
            pending.extend(files.iter().copied());
        }
    }
    if let Some(scratch) = scratch {
        let (rows, firsts, same) = fast_path(scratch, generator, parts, by_part, w)?;
        for (((e, stem), n), first) in keys.iter().zip(rows).zip(firsts) {
            out.regenerated += n;
            if n > 0 {
                out.firsts.push(((*e).to_owned(), stem.clone(), first));
            }
        }
        for f in &pending {
            if same.contains(&f.path) {
                out.compared += f.rows;
            }
        }
        pending.retain(|f| !same.contains(&f.path));
        if pending.is_empty() {
            return Ok(out);
        }
    }
    let mut generated: Vec<(&Entity, FlatRows)> = Vec::new();
    match w {
        Work::Insurers => {
            let e = entity("insurer")?;
            let mut rows = FlatRows::new(e.items.len());
            generator.write_insurers(&mut rows);
            generated.push((e, rows));
        }
        Work::Part(i) => {
            let (h, p, q) = (
                entity("household")?,
                entity("person")?,
                entity("qualification")?,
            );
            let mut hr = FlatRows::new(h.items.len());
            let mut pr = FlatRows::new(p.items.len());
            let mut qr = FlatRows::new(q.items.len());
            let entities = generator.extras().entities();
            let xe = entities
                .iter()
                .map(|id| entity(id))
                .collect::<Result<Vec<_>>>()?;
            let mut xr: Vec<FlatRows> = xe.iter().map(|e| FlatRows::new(e.items.len())).collect();
            let mut sinks = extra_sinks(&entities, xr.iter_mut().map(|r| r as &mut dyn RowWriter));
            generator.write_part_with(&parts[i].part, &mut hr, &mut pr, &mut qr, &mut sinks);
            generated.extend([(h, hr), (p, pr), (q, qr)]);
            generated.extend(xe.into_iter().zip(xr));
        }
    }
    for ((e, rows), (_, stem)) in generated.iter().zip(&keys) {
        if scratch.is_none() {
            out.regenerated += rows.len() as u64;
            if !rows.is_empty() {
                out.firsts
                    .push((e.id.clone(), stem.clone(), rows.row(0).to_vec()));
            }
        }
        for f in pending
            .iter()
            .filter(|f| f.entity == e.id && part_stem(&f.path).as_deref() == Some(stem))
        {
            compare_file(root, schema, e, f, rows, &mut out)?;
        }
    }
    Ok(out)
}

/// Reads `file` and aligns its records with the regenerated `expected` ones.
fn compare_file(
    root: &Root,
    schema: &Schema,
    entity: &Entity,
    file: &FileEntry,
    expected: &FlatRows,
    out: &mut PartResult,
) -> Result<()> {
    let data = match DataFile::open(root, &file.path) {
        Ok(data) => data,
        // Missing or refused (a link, a special file): reported by the manifest check, and
        // never read.
        Err(nhikit_io::Error::Contain(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let layout: Option<&Layout> = match file.format {
        Format::Csv => {
            let id = file.layout.as_deref().unwrap_or_default();
            match schema.layout(id) {
                Some(l) => Some(l),
                None => {
                    out.findings.push(file_finding(
                        &file.path,
                        FindingKind::Unreadable(format!("layout `{id}` is not in the schema")),
                    ));
                    return Ok(());
                }
            }
        }
        _ => None,
    };
    let columns: Vec<usize> = match layout {
        Some(l) => l
            .columns
            .iter()
            .filter_map(|c| entity.items.iter().position(|i| &i.id == c))
            .collect(),
        None => (0..entity.items.len()).collect(),
    };
    let mut found: Vec<Vec<Value>> = Vec::new();
    let mut take = |_: u64, record: nhikit_schema::Record| {
        found.push(
            columns
                .iter()
                .map(|&c| {
                    record
                        .get(&entity.items[c].id)
                        .cloned()
                        .unwrap_or(Value::Null)
                })
                .collect(),
        );
    };
    let read = match (file.format, layout) {
        (Format::Csv, Some(l)) => file.csv_encoding().and_then(|enc| {
            nhikit_io::read_file(file.format, data, entity, Some((l, enc)), &mut take)
        }),
        (format, _) => nhikit_io::read_file(format, data, entity, None, &mut take),
    };
    if let Err(e) = read {
        out.findings.push(file_finding(
            &file.path,
            FindingKind::Unreadable(e.to_string()),
        ));
        return Ok(());
    }
    out.compared += found.len() as u64;
    align(entity, file, &columns, expected, &found, out);
    Ok(())
}

/// How far ahead to look for a record when the two sides disagree: a run of up to this many
/// deleted or added records is reported as such, not as changed records.
const LOOKAHEAD: usize = 16;

fn align(
    entity: &Entity,
    file: &FileEntry,
    columns: &[usize],
    expected: &FlatRows,
    found: &[Vec<Value>],
    out: &mut PartResult,
) {
    let eq = |i: usize, j: usize| {
        let e = expected.row(i);
        columns
            .iter()
            .zip(&found[j])
            .all(|(&c, v)| text_eq(&e[c], v))
    };
    let key_of_expected = |i: usize| key_text(entity, expected.row(i), None);
    let key_of_found = |j: usize| key_text(entity, &found[j], Some(columns));
    let n = expected.len();
    let mut findings = Vec::new();
    let (mut i, mut j, mut matched) = (0, 0, 0u64);
    while i < n && j < found.len() {
        if eq(i, j) {
            matched += 1;
            i += 1;
            j += 1;
            continue;
        }
        if let Some(d) = (1..=LOOKAHEAD).find(|&d| i + d < n && eq(i + d, j)) {
            for k in i..i + d {
                findings.push(Finding {
                    file: file.path.clone(),
                    row: j as u64 + 1,
                    key: key_of_expected(k),
                    kind: FindingKind::Deleted,
                });
            }
            i += d;
            continue;
        }
        if let Some(d) = (1..=LOOKAHEAD).find(|&d| j + d < found.len() && eq(i, j + d)) {
            for k in j..j + d {
                findings.push(Finding {
                    file: file.path.clone(),
                    row: k as u64 + 1,
                    key: key_of_found(k),
                    kind: FindingKind::Added,
                });
            }
            j += d;
            continue;
        }
        let e = expected.row(i);
        for (&c, v) in columns.iter().zip(&found[j]) {
            if !text_eq(&e[c], v) {
                let item = &entity.items[c];
                findings.push(Finding {
                    file: file.path.clone(),
                    row: j as u64 + 1,
                    key: key_of_expected(i),
                    kind: FindingKind::Changed {
                        item: item.id.clone(),
                        label: item.label.clone(),
                        expected: show(&e[c]),
                        found: show(v),
                    },
                });
            }
        }
        i += 1;
        j += 1;
    }
    for k in i..n {
        findings.push(Finding {
            file: file.path.clone(),
            row: found.len() as u64 + 1,
            key: key_of_expected(k),
            kind: FindingKind::Deleted,
        });
    }
    for k in j..found.len() {
        findings.push(Finding {
            file: file.path.clone(),
            row: k as u64 + 1,
            key: key_of_found(k),
            kind: FindingKind::Added,
        });
    }
    if matched == 0 && !found.is_empty() && n > 0 {
        // Nothing lines up: report the file once, as another part's (or nobody's) records.
        out.foreign.push(Pending {
            file: file.path.clone(),
            entity: entity.id.clone(),
            columns: columns.to_vec(),
            first: found[0].clone(),
        });
    } else {
        out.findings.extend(findings);
    }
}

/// `lgcode=131016 address_number=1889903105`: the primary key items present in `row`, whose
/// values are the entity's items (`columns: None`) or those columns.
fn key_text(entity: &Entity, row: &[Value], columns: Option<&[usize]>) -> String {
    let mut parts = Vec::new();
    for k in &entity.primary_key {
        let Some(idx) = entity.items.iter().position(|i| &i.id == k) else {
            continue;
        };
        let pos = match columns {
            None => Some(idx),
            Some(cols) => cols.iter().position(|&c| c == idx),
        };
        if let Some(v) = pos.and_then(|p| row.get(p)) {
            parts.push(format!(
                "{k}={}",
                match v {
                    Value::Str(s) => s.clone(),
                    other => other.to_string(),
                }
            ));
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_stems() {
        assert_eq!(
            part_stem("parquet/person/prefecture=13/part-00000.parquet").as_deref(),
            Some("prefecture=13/part-00000")
        );
        assert_eq!(
            part_stem("csv/insurer_csv/part-00000.csv").as_deref(),
            Some("part-00000")
        );
        assert_eq!(part_stem("stray.txt"), None);
    }
}
