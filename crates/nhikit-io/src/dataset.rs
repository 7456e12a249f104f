//! The dataset writer: a temporary sibling directory filled by part writers (from any number
//! of threads), completed by writing `manifest.json` and renaming it into place.

use crate::columnar::Columnar;
use crate::contain::{EntryKind, Root};
use crate::error::{Error, Result, io};
use crate::format::Format;
use crate::hash::HashingWriter;
use crate::manifest::{
    EntityCount, FileEntry, MANIFEST_FILE, MANIFEST_VERSION, Manifest, ManifestInfo, SchemaInfo,
};
use crate::plan::EntityPlan;
use crate::protect::{EncryptedManifest, Encryption, FileEncryptor, FileOut, Written, finish_file};
use crate::text::{self, CsvSink, JsonlSink, TextRow};
use nhikit_schema::{Cell, Encoding, ItemType, RowWriter, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// The nhikit version written into manifests and Parquet footers.
pub const NHIKIT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How a dataset is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    /// The formats every part is written in (default: Parquet).
    pub formats: Vec<Format>,
    /// Overrides every layout's encoding (`--encoding cp932`).
    pub csv_encoding: Option<Encoding>,
    /// Rows per Arrow record batch (default 8192).
    pub batch_rows: usize,
    /// Maximum rows per Parquet row group (default 131072).
    pub row_group_rows: usize,
    /// Replace an existing non-empty output directory when the dataset completes.
    pub overwrite: bool,
}

impl Default for WriterOptions {
    fn default() -> WriterOptions {
        WriterOptions {
            formats: vec![Format::Parquet],
            csv_encoding: None,
            batch_rows: 8192,
            row_group_rows: 128 * 1024,
            overwrite: false,
        }
    }
}

/// Where a part belongs: a prefecture, optionally one municipality (全国地方公共団体コード,
/// 6 digits) in it. `nhikit gen` partitions by prefecture, or by municipality with
/// `--partition municipality` (see [`PartitionLevel`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Partition {
    /// Prefecture number, 1–47.
    pub prefecture: u8,
    /// A municipality's 6-digit local government code; its first two digits are the
    /// prefecture.
    pub municipality: Option<String>,
}

impl Partition {
    /// The partition of a whole prefecture.
    pub fn prefecture(prefecture: u8) -> Partition {
        Partition {
            prefecture,
            municipality: None,
        }
    }

    /// The partition of one municipality (6-digit 全国地方公共団体コード) of a prefecture.
    pub fn municipality(prefecture: u8, lgcode: &str) -> Partition {
        Partition {
            prefecture,
            municipality: Some(lgcode.to_owned()),
        }
    }

    /// The Hive-style directory path `prefecture=13[/municipality=131016]`, after checking the
    /// codes (prefecture 1–47, a 6-digit municipality code starting with the prefecture).
    pub fn dir(&self) -> Result<String> {
        let bad = |reason| Error::InvalidPartition {
            prefecture: self.prefecture,
            municipality: self.municipality.clone().unwrap_or_default(),
            reason,
        };
        if !(1..=47).contains(&self.prefecture) {
            return Err(bad("the prefecture must be 1 to 47"));
        }
        let Some(municipality) = &self.municipality else {
            return Ok(format!("prefecture={:02}", self.prefecture));
        };
        let m = municipality.as_bytes();
        if m.len() != 6 || !m.iter().all(u8::is_ascii_digit) {
            return Err(bad("the municipality must be a 6-digit code"));
        }
        if municipality[..2] != format!("{:02}", self.prefecture) {
            return Err(bad(
                "the municipality code must start with the prefecture number",
            ));
        }
        Ok(format!(
            "prefecture={:02}/municipality={}",
            self.prefecture, municipality
        ))
    }
}

/// Where part `part` goes below `FORMAT/TABLE/`, without extension:
/// `prefecture=PP[/municipality=CCCCCC]/part-NNNNN`, or `part-NNNNN` without a partition.
pub fn part_stem(partition: Option<&Partition>, part: u32) -> Result<String> {
    Ok(match partition {
        Some(p) => format!("{}/part-{part:05}", p.dir()?),
        None => format!("part-{part:05}"),
    })
}

/// Every file a part of `entity` with path stem `stem` ([`part_stem`]) is written to, in
/// `formats` order: `FORMAT/ENTITY/STEM.EXT`, and for CSV `csv/LAYOUT/STEM.csv` per layout of
/// the entity.
pub fn part_paths(schema: &Schema, entity: &str, stem: &str, formats: &[Format]) -> Vec<String> {
    let mut out = Vec::new();
    for &f in formats {
        match f {
            Format::Csv => out.extend(
                schema
                    .layouts
                    .iter()
                    .filter(|l| l.entity == entity)
                    .map(|l| f.part_path(&l.id, stem)),
            ),
            _ => out.push(f.part_path(entity, stem)),
        }
    }
    out
}

/// How finely `nhikit gen` partitions its output directories (Hive style, read as columns by
/// DuckDB, pyarrow and Spark).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PartitionLevel {
    /// `prefecture=PP/part-NNNNN.*`: 47 directories per entity at most (the default; a part
    /// holds up to 16,384 households and may span several municipalities).
    #[default]
    Prefecture,
    /// `prefecture=PP/municipality=CCCCCC/part-NNNNN.*`: one directory per municipality (up
    /// to 1,741 per entity); a part is split into one file per municipality it spans.
    Municipality,
}

impl PartitionLevel {
    /// The name used by `--partition` and in the manifest's options.
    pub fn name(self) -> &'static str {
        match self {
            PartitionLevel::Prefecture => "prefecture",
            PartitionLevel::Municipality => "municipality",
        }
    }
}

/// A partition level other than `prefecture` or `municipality`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown partition level {name:?} (expected prefecture or municipality)")]
pub struct UnknownPartitionLevel {
    /// The name given.
    pub name: String,
}

impl std::str::FromStr for PartitionLevel {
    type Err = UnknownPartitionLevel;

    fn from_str(s: &str) -> std::result::Result<PartitionLevel, UnknownPartitionLevel> {
        match s.trim() {
            "prefecture" => Ok(PartitionLevel::Prefecture),
            "municipality" => Ok(PartitionLevel::Municipality),
            other => Err(UnknownPartitionLevel {
                name: other.to_owned(),
            }),
        }
    }
}

/// What a finished part wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartSummary {
    /// The entity.
    pub entity: String,
    /// Records written (the same in every file of the part).
    pub rows: u64,
    /// Every file of the part, one per format and CSV layout.
    pub files: Vec<FileEntry>,
}

#[derive(Default)]
struct State {
    summaries: Vec<PartSummary>,
    /// Ciphertext size and SHA-256 of each encrypted file, by plaintext path.
    ciphers: BTreeMap<String, (u64, String)>,
    claimed: BTreeSet<String>,
    open: usize,
    failures: Vec<String>,
}

struct Shared {
    tmp: PathBuf,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another part writer cannot leave State half-updated in a way that matters:
        // its part is then counted as failed.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Temporary directories of live writers in this process.
static ACTIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn active() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    ACTIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Unfinished outputs of this process that are not dataset writers' temporary directories
/// (a decryption's staging directory, a database an import is creating) and the lock files of
/// held [`OutputLock`]s: what [`remove_partials`] removes besides [`ACTIVE`].
static PARTIALS: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn partials() -> MutexGuard<'static, BTreeSet<PathBuf>> {
    PARTIALS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers `path` (a file or a directory tree this process is creating) as unfinished
/// output: [`remove_partials`] removes it unless [`unregister_partial`] was called first. The
/// dataset writers' temporary directories and output locks are registered on their own.
pub fn register_partial(path: &Path) {
    partials().insert(path.to_path_buf());
}

/// Marks `path` finished (or removed by its owner): [`remove_partials`] leaves it alone.
pub fn unregister_partial(path: &Path) {
    partials().remove(path);
}

/// Removes every unfinished output of this process — the temporary directories of dataset
/// writers and shard merges that have not committed, the paths given to
/// [`register_partial`], and the output locks held — and returns what it removed. For a
/// Ctrl-C / SIGTERM handler that is about to end the process: `OUT` itself is never touched
/// (it only ever appears complete), so nothing half-written is left beside it.
///
/// Writers may still be running while this runs; a directory that gains a file while it is
/// being removed is removed again, a few times at most.
pub fn remove_partials() -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = active().iter().cloned().collect();
    let others: Vec<PathBuf> = partials().iter().cloned().collect();
    let mut removed = Vec::new();
    for path in dirs.into_iter().chain(others) {
        let Ok(Some(meta)) = output_state(&path) else {
            continue;
        };
        let gone = if meta.is_dir() {
            (0..5)
                .any(|_| remove_tree(&path).is_ok() || output_state(&path).ok().flatten().is_none())
        } else {
            std::fs::remove_file(&path).is_ok()
        };
        if gone {
            removed.push(path);
        }
    }
    removed
}

/// Writes a dataset directory atomically.
///
/// Files go to `OUT.nhikit-partial-<pid>` beside `OUT`; [`DatasetWriter::finish`] writes
/// `manifest.json` and renames the directory to `OUT`. Dropped without `finish`, the writer
/// removes its temporary directory, so `OUT` only ever appears complete.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use nhikit_io::{DatasetWriter, Format, ManifestInfo, Partition, WriterOptions};
/// use nhikit_schema::RowWriter;
/// let schema = nhikit_schema::load_texts([
///     ("nhikit-schema.toml", "[schema]\nname = \"demo\"\nversion = \"1\"\n"),
///     ("entities/town.toml", "[entity]\nid = \"town\"\nlabel = \"町\"\nprimary_key = [\"name\"]\n\
///      [[item]]\nid = \"name\"\nlabel = \"名称\"\ntype = \"string\"\nlength = 20\nchars = \"jis0213\"\n"),
/// ])?;
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("ds");
/// let options = WriterOptions { formats: vec![Format::Jsonl], ..WriterOptions::default() };
/// let dataset = DatasetWriter::create(&out, &schema, options)?;
/// let mut part = dataset.part("town", &Partition { prefecture: 13, municipality: Some("131016".into()) }, 0)?;
/// part.str("千代田");
/// part.end_row();
/// part.finish()?;
/// let manifest = dataset.finish(ManifestInfo::default())?;
/// assert_eq!(manifest.files[0].path, "jsonl/town/prefecture=13/municipality=131016/part-00000.jsonl");
/// assert_eq!(std::fs::read_to_string(out.join(&manifest.files[0].path))?, "{\"name\":\"千代田\"}\n");
/// # Ok(()) }
/// ```
pub struct DatasetWriter {
    out: PathBuf,
    shared: Arc<Shared>,
    plans: BTreeMap<String, Arc<EntityPlan>>,
    options: WriterOptions,
    schema: SchemaInfo,
    /// The temporary directory; taken when the dataset is renamed into place.
    staging: Option<Staging>,
    encryptor: Option<Arc<dyn FileEncryptor>>,
    seal: bool,
    dataset_id: Option<String>,
}

impl std::fmt::Debug for DatasetWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatasetWriter")
            .field("out", &self.out)
            .field("tmp", &self.shared.tmp)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl DatasetWriter {
    /// Starts a dataset at `out`, which must not exist or be an empty directory (or
    /// `options.overwrite`); creates its parent directories and a fresh temporary sibling.
    pub fn create(
        out: &Path,
        schema: &Schema,
        mut options: WriterOptions,
    ) -> Result<DatasetWriter> {
        let mut formats = Vec::new();
        for f in options.formats.drain(..) {
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        if formats.is_empty() {
            return Err(Error::NoFormats);
        }
        options.formats = formats;
        options.batch_rows = options.batch_rows.max(1);
        options.row_group_rows = options.row_group_rows.max(1);

        let mut plans = BTreeMap::new();
        for entity in &schema.entities {
            plans.insert(
                entity.id.clone(),
                EntityPlan::new(schema, entity, options.csv_encoding)?,
            );
        }
        let staging = Staging::new(out, options.overwrite)?;
        Ok(DatasetWriter {
            out: out.to_path_buf(),
            shared: Arc::new(Shared {
                tmp: staging.path().to_path_buf(),
                state: Mutex::new(State::default()),
            }),
            staging: Some(staging),
            plans,
            options,
            schema: SchemaInfo {
                name: schema.name.clone(),
                version: schema.version.clone(),
            },
            encryptor: None,
            seal: false,
            dataset_id: None,
        })
    }

    /// Encrypts every file, the manifest's plaintext included, as it is written (see
    /// [`FileEncryptor`]); parts started before this call are written in the clear.
    pub fn encrypt_with(&mut self, encryptor: Arc<dyn FileEncryptor>) {
        self.encryptor = Some(encryptor);
    }

    /// What was cleaned up beside the output when the writer started (temporary directories
    /// of killed runs removed or kept), one sentence each, for the user.
    pub fn notes(&self) -> &[String] {
        self.staging.as_ref().map_or(&[], |s| s.notes())
    }

    /// Seals the finished dataset: files 0444 and directories 0555 (see
    /// [`crate::seal_dir`]), before it is renamed into place.
    pub fn seal_on_finish(&mut self, seal: bool) {
        self.seal = seal;
    }

    /// Records `id` as the manifest's `dataset_id`: a random id the caller draws, which tells
    /// this dataset apart from any copy of it (a copy has the same id in another place).
    pub fn dataset_id(&mut self, id: String) {
        self.dataset_id = Some(id);
    }

    /// The temporary directory the files are written to until [`DatasetWriter::finish`].
    pub fn temp_dir(&self) -> &Path {
        &self.shared.tmp
    }

    /// The options in force (formats deduplicated).
    pub fn options(&self) -> &WriterOptions {
        &self.options
    }

    /// Starts part `part` of `entity_id` in a municipality:
    /// `<format>/<entity>/prefecture=PP/municipality=CCCCCC/part-NNNNN.<ext>`.
    pub fn part(&self, entity_id: &str, partition: &Partition, part: u32) -> Result<PartWriter> {
        self.part_at(entity_id, Some(partition), part)
    }

    /// Starts part `part` of a whole-dataset table with no partition (the insurer table):
    /// `<format>/<entity>/part-NNNNN.<ext>`.
    pub fn table_part(&self, entity_id: &str, part: u32) -> Result<PartWriter> {
        self.part_at(entity_id, None, part)
    }

    /// Starts a part, partitioned or not.
    pub fn part_at(
        &self,
        entity_id: &str,
        partition: Option<&Partition>,
        part: u32,
    ) -> Result<PartWriter> {
        let plan = self
            .plans
            .get(entity_id)
            .ok_or_else(|| Error::UnknownEntity {
                entity: entity_id.to_owned(),
            })?;
        let stem = part_stem(partition, part)?;
        let key = format!("{entity_id}/{stem}");
        {
            let mut state = self.shared.lock();
            if !state.claimed.insert(key.clone()) {
                return Err(Error::DuplicatePart { path: key });
            }
            state.open += 1;
        }
        // From here on the part counts as open until finished, dropped or failed.
        let mut writer = PartWriter {
            encryptor: self.encryptor.clone(),
            ciphers: Vec::new(),
            plan: Arc::clone(plan),
            shared: Arc::clone(&self.shared),
            key,
            batch_rows: self.options.batch_rows,
            rows: 0,
            cursor: 0,
            error: None,
            columnar: None,
            parquet: None,
            ipc: None,
            text: None,
            jsonl: None,
            csv: Vec::new(),
            done: false,
            remap: None,
        };
        if let Err(e) = writer.open_sinks(&self.options, &stem) {
            // Some of its files may exist: the dataset cannot be completed.
            writer.done = true;
            let mut state = self.shared.lock();
            state.open = state.open.saturating_sub(1);
            state.failures.push(e.to_string());
            return Err(e);
        }
        Ok(writer)
    }

    /// Completes the dataset: checks every part finished cleanly, writes `manifest.json` and
    /// renames the temporary directory to `OUT`. Fails, leaving no `OUT`, if a part failed or
    /// is still open.
    pub fn finish(mut self, info: ManifestInfo) -> Result<Manifest> {
        let (summaries, open, failures) = {
            let mut state = self.shared.lock();
            (
                std::mem::take(&mut state.summaries),
                state.open,
                std::mem::take(&mut state.failures),
            )
        };
        if let Some(first) = failures.first() {
            return Err(Error::Incomplete {
                reason: if failures.len() == 1 {
                    first.clone()
                } else {
                    format!("{first} (and {} more failed parts)", failures.len() - 1)
                },
            });
        }
        if open > 0 {
            return Err(Error::Incomplete {
                reason: format!("{open} parts are still being written"),
            });
        }
        let mut entities: BTreeMap<String, EntityCount> = BTreeMap::new();
        let mut files = Vec::new();
        for s in summaries {
            let count = entities.entry(s.entity).or_default();
            count.rows += s.rows;
            count.parts += 1;
            files.extend(s.files);
        }
        files.sort();
        let manifest = Manifest {
            manifest_version: MANIFEST_VERSION,
            nhikit_version: NHIKIT_VERSION.to_owned(),
            schema: self.schema.clone(),
            generator: info.generator,
            seed: info.seed,
            created: info.created,
            dataset_id: self.dataset_id.clone(),
            options: info.options,
            shard: info.shard,
            entities,
            files,
            encryption: None,
        };
        let tmp = self.shared.tmp.clone();
        let manifest_path = tmp.join(MANIFEST_FILE);
        let manifest = match &self.encryptor {
            None => {
                std::fs::write(&manifest_path, manifest.to_json()?).map_err(io(&manifest_path))?;
                manifest
            }
            Some(encryptor) => {
                let ciphers = std::mem::take(&mut self.shared.lock().ciphers);
                let outer = encrypt_manifest(manifest, encryptor.as_ref(), &ciphers, &tmp)?;
                std::fs::write(&manifest_path, outer.to_json()?).map_err(io(&manifest_path))?;
                outer
            }
        };
        if self.seal {
            crate::protect::seal_dir(&tmp).map_err(io(&tmp))?;
        }

        match self.staging.take() {
            Some(staging) => staging.commit()?,
            None => {
                return Err(Error::Incomplete {
                    reason: "the dataset was already finished".to_owned(),
                });
            }
        }
        Ok(manifest)
    }
}

/// An advisory lock on an output path, held while a writer fills and replaces it: `OUT.nhikit-lock`
/// beside `OUT`, locked with `flock(2)` ([`File::try_lock`]). A second writer into the same
/// output, in this process or another, fails at once ([`Error::OutputLocked`]) instead of racing
/// the first. The lock file is removed when the lock is released; one left by a killed process is
/// not locked any more and is reused.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: Option<File>,
}

impl OutputLock {
    /// The lock file of `out`: `OUT.nhikit-lock` beside it.
    pub fn path_for(out: &Path) -> Result<PathBuf> {
        let name = out.file_name().ok_or_else(|| Error::InvalidOutputPath {
            path: out.to_path_buf(),
        })?;
        let mut lock = name.to_os_string();
        lock.push(".nhikit-lock");
        Ok(out.with_file_name(lock))
    }

    /// Takes the lock of `out` (whose parent directory must exist), or fails at once when
    /// another writer holds it.
    pub fn acquire(out: &Path) -> Result<OutputLock> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let path = OutputLock::path_for(out)?;
        // A holder removes the file while it still holds the lock, so a lock taken on a file
        // that is no longer at `path` is worthless: open again (a few times at most).
        for _ in 0..8 {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                .open(&path)
                .map_err(io(&path))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::OutputLocked {
                        path: out.to_path_buf(),
                        lock: path,
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(&path)(e)),
            }
            let held = file.metadata().map_err(io(&path))?;
            match std::fs::symlink_metadata(&path) {
                Ok(now) if now.dev() == held.dev() && now.ino() == held.ino() => {
                    register_partial(&path);
                    return Ok(OutputLock {
                        path,
                        file: Some(file),
                    });
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&path)(e)),
            }
        }
        Err(Error::OutputLocked {
            path: out.to_path_buf(),
            lock: path,
        })
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked, then unlocked by closing (see `acquire`).
        let _ = std::fs::remove_file(&self.path);
        unregister_partial(&self.path);
        drop(self.file.take());
    }
}

/// What stands at `out`, read without following a link.
fn output_state(out: &Path) -> Result<Option<std::fs::Metadata>> {
    match std::fs::symlink_metadata(out) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(out)(e)),
    }
}

/// Checks that the directory `out` is a dataset nhikit wrote, so that overwriting it removes
/// nothing else: its `manifest.json` reads as an nhikit manifest, every file in it is listed
/// there (or is the manifest), and it holds no link or special file.
pub(crate) fn recognise(out: &Path) -> Result<()> {
    let not = |reason: String| Error::NotReplaceable {
        path: out.to_path_buf(),
        reason,
    };
    let root = Root::open(out)?;
    let manifest =
        Manifest::read_in(&root).map_err(|e| not(format!("it is not an nhikit dataset ({e})")))?;
    let mut listed: BTreeSet<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    listed.insert(MANIFEST_FILE);
    if let Some(e) = &manifest.encryption {
        listed.insert(&e.manifest.path);
    }
    for (rel, kind) in root.walk()? {
        let shown = rel.display();
        match kind {
            EntryKind::Dir => {}
            EntryKind::File if listed.contains(rel.to_string_lossy().as_ref()) => {}
            EntryKind::File => {
                return Err(not(format!(
                    "{shown} is not listed in its manifest (nhikit removes only what it wrote)"
                )));
            }
            EntryKind::Symlink => {
                return Err(not(format!(
                    "{shown} is a symbolic link (nhikit never follows or removes links in a dataset)"
                )));
            }
            EntryKind::Other => {
                return Err(not(format!("{shown} is not a regular file or directory")));
            }
        }
    }
    Ok(())
}

/// Makes a dataset tree writable again (undoes [`crate::seal_dir`]) without following a link,
/// so that it can be removed.
fn unseal_contained(dir: &Path) -> Result<()> {
    let root = Root::open(dir)?;
    root.set_own_mode(0o755)?;
    for (rel, kind) in root.walk()? {
        match kind {
            EntryKind::Dir => root.set_mode(&rel, 0o755)?,
            EntryKind::File => root.set_mode(&rel, 0o644)?,
            EntryKind::Symlink | EntryKind::Other => {}
        }
    }
    Ok(())
}

/// Removes a directory tree nhikit wrote (a temporary directory, a dataset being replaced):
/// writable again first, links removed as links (never followed).
fn remove_tree(dir: &Path) -> Result<()> {
    unseal_contained(dir)?;
    std::fs::remove_dir_all(dir).map_err(io(dir))
}

/// `NAME.nhikit-partial-<pid>` or `NAME.nhikit-partial-<pid>.old`: the pid, and whether it is
/// the `.old` form.
fn partial_of(entry: &std::ffi::OsStr, name: &std::ffi::OsStr) -> Option<(u32, bool)> {
    use std::os::unix::ffi::OsStrExt;
    let rest = entry
        .as_bytes()
        .strip_prefix(name.as_bytes())?
        .strip_prefix(b".nhikit-partial-")?;
    let (pid, old) = match rest.strip_suffix(b".old") {
        Some(pid) => (pid, true),
        None => (rest, false),
    };
    if pid.is_empty() || !pid.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(pid)
        .ok()?
        .parse()
        .ok()
        .map(|p| (p, old))
}

/// A temporary directory `OUT.nhikit-partial-<pid>` beside `OUT`, filled and then renamed to
/// `OUT` by [`Staging::commit`]; dropped without committing, it is removed, so `OUT` only ever
/// appears complete. Used by the dataset writer and by the shard merge. Holds the output's
/// [`OutputLock`] from start to end.
pub(crate) struct Staging {
    out: PathBuf,
    tmp: PathBuf,
    overwrite: bool,
    committed: bool,
    notes: Vec<String>,
    /// Released after the temporary directory is gone (fields drop after `Drop::drop`).
    _lock: OutputLock,
}

impl Staging {
    /// Checks `out` (must not exist, be an empty directory, or — with `overwrite` — a dataset
    /// nhikit wrote; never a link), creates its parent directories, takes the output's lock,
    /// removes what killed writers into `out` left beside it, and creates a fresh temporary
    /// sibling.
    pub(crate) fn new(out: &Path, overwrite: bool) -> Result<Staging> {
        let name = out.file_name().ok_or_else(|| Error::InvalidOutputPath {
            path: out.to_path_buf(),
        })?;
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let lock = OutputLock::acquire(out)?;
        let out_state = output_state(out)?;
        match &out_state {
            None => {}
            Some(m) if m.file_type().is_symlink() => {
                return Err(Error::NotReplaceable {
                    path: out.to_path_buf(),
                    reason: "it is a symbolic link (nhikit never writes through a link)".into(),
                });
            }
            Some(m) if !m.is_dir() => {
                return Err(Error::OutputExists {
                    path: out.to_path_buf(),
                });
            }
            Some(_) if is_empty_dir(out)? => {}
            Some(_) if !overwrite => {
                return Err(Error::OutputExists {
                    path: out.to_path_buf(),
                });
            }
            Some(_) => recognise(out)?,
        }
        // Holding the lock, no live writer into `out` exists: every temporary directory of
        // one beside it was left by a process that died.
        let mut notes = Vec::new();
        let mut stale = Vec::new();
        for entry in std::fs::read_dir(&parent).map_err(io(&parent))? {
            let entry = entry.map_err(io(&parent))?;
            if let Some((pid, old)) = partial_of(&entry.file_name(), name) {
                stale.push((entry.path(), pid, old));
            }
        }
        stale.sort();
        for (path, pid, old) in stale {
            let Some(meta) = output_state(&path)? else {
                continue;
            };
            if !meta.is_dir() {
                notes.push(format!(
                    "{} is not a directory nhikit made; left as it is",
                    path.display()
                ));
                continue;
            }
            if old && out_state.is_none() {
                notes.push(format!(
                    "{} is the previous dataset, moved aside by an overwrite that was killed before the new one was in place: rename it to {} to keep it (left as it is)",
                    path.display(),
                    out.display()
                ));
                continue;
            }
            remove_tree(&path)?;
            notes.push(format!(
                "removed {}, left by an earlier run (process {pid}) that did not finish",
                path.display()
            ));
        }
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".nhikit-partial-{}", std::process::id()));
        let tmp = parent.join(tmp_name);
        {
            let mut active = active();
            if !active.insert(tmp.clone()) {
                return Err(Error::OutputBusy { path: tmp });
            }
        }
        if let Err(e) = std::fs::create_dir(&tmp).map_err(io(&tmp)) {
            active().remove(&tmp);
            return Err(e);
        }
        Ok(Staging {
            out: out.to_path_buf(),
            tmp,
            overwrite,
            committed: false,
            notes,
            _lock: lock,
        })
    }

    /// The temporary directory.
    pub(crate) fn path(&self) -> &Path {
        &self.tmp
    }

    /// What was cleaned up beside the output, for the user.
    pub(crate) fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Renames the temporary directory to `OUT`, replacing a non-empty `OUT` only if
    /// overwriting was allowed and it is (still) a dataset nhikit wrote.
    pub(crate) fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.clone();
        let mut old = None;
        match output_state(&self.out)? {
            None => {}
            Some(m) if m.file_type().is_symlink() => {
                return Err(Error::NotReplaceable {
                    path: self.out.clone(),
                    reason: "it is a symbolic link (nhikit never writes through a link)".into(),
                });
            }
            Some(m) if !m.is_dir() => {
                return Err(Error::OutputExists {
                    path: self.out.clone(),
                });
            }
            Some(_) if is_empty_dir(&self.out)? => {
                std::fs::remove_dir(&self.out).map_err(io(&self.out))?;
            }
            Some(_) if self.overwrite => {
                // Checked again: something else may have written there since `new`.
                recognise(&self.out)?;
                let mut name = tmp.clone().into_os_string();
                name.push(".old");
                let aside = PathBuf::from(name);
                std::fs::rename(&self.out, &aside).map_err(io(&self.out))?;
                old = Some(aside);
            }
            Some(_) => {
                return Err(Error::OutputExists {
                    path: self.out.clone(),
                });
            }
        }
        std::fs::rename(&tmp, &self.out).map_err(io(&self.out))?;
        self.committed = true;
        active().remove(&tmp);
        if let Some(old) = old {
            remove_tree(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: an unfinished dataset leaves nothing behind.
            let _ = remove_tree(&self.tmp);
            active().remove(&self.tmp);
        }
    }
}

pub(crate) fn is_empty_dir(path: &Path) -> Result<bool> {
    if !path.is_dir() {
        return Ok(false);
    }
    let mut entries = std::fs::read_dir(path).map_err(io(path))?;
    Ok(entries.next().is_none())
}

type ParquetOut = ArrowWriter<HashingWriter<FileOut>>;
type IpcOut = arrow_ipc::writer::FileWriter<BufWriter<HashingWriter<FileOut>>>;

/// Writes one part of one entity in every requested format at once. Implements
/// [`RowWriter`]: the generator writes each record's items in the entity's order and then
/// `end_row`. The first problem (a value of the wrong type, a null in a required item, a
/// character outside CP932, an I/O error) is kept and returned by [`PartWriter::finish`];
/// later values are ignored.
pub struct PartWriter {
    encryptor: Option<Arc<dyn FileEncryptor>>,
    /// (plaintext path, ciphertext bytes, ciphertext SHA-256) of each encrypted file.
    ciphers: Vec<(String, u64, String)>,
    plan: Arc<EntityPlan>,
    shared: Arc<Shared>,
    key: String,
    batch_rows: usize,
    rows: u64,
    cursor: usize,
    error: Option<Error>,
    columnar: Option<Columnar>,
    parquet: Option<(String, ParquetOut)>,
    ipc: Option<(String, IpcOut)>,
    text: Option<TextRow>,
    jsonl: Option<JsonlSink>,
    csv: Vec<CsvSink>,
    done: bool,
    /// For records written by item name ([`RowWriter::record`]): per item of this entity, the
    /// position of its value among the generator's items (`None`: absent), set by the first
    /// record; empty when the two orders are the same.
    remap: Option<Vec<Option<usize>>>,
}

impl std::fmt::Debug for PartWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartWriter")
            .field("part", &self.key)
            .field("rows", &self.rows)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// The kind of value a `RowWriter` call carries.
#[derive(Clone, Copy)]
enum Got {
    Null,
    Str,
    Int,
    Date,
    Bool,
}

impl Got {
    fn name(self) -> &'static str {
        match self {
            Got::Null => "null",
            Got::Str => "a string",
            Got::Int => "an integer",
            Got::Date => "a date",
            Got::Bool => "a boolean",
        }
    }
}

impl PartWriter {
    fn open_sinks(&mut self, options: &WriterOptions, stem: &str) -> Result<()> {
        let tmp = self.shared.tmp.clone();
        let entity = self.plan.id.clone();
        let columnar =
            options.formats.contains(&Format::Parquet) || options.formats.contains(&Format::Arrow);
        if columnar {
            self.columnar = Some(Columnar::new(&self.plan, options.batch_rows));
        }
        if options.formats.contains(&Format::Csv) || options.formats.contains(&Format::Jsonl) {
            self.text = Some(TextRow::new(self.plan.items.len()));
        }
        for &format in &options.formats {
            match format {
                Format::Parquet => {
                    let rel = Format::Parquet.part_path(&entity, stem);
                    let file = create_file(&tmp, &rel, self.encryptor.as_deref())?;
                    let mut props = WriterProperties::builder()
                        .set_compression(Compression::ZSTD(ZstdLevel::default()))
                        .set_max_row_group_row_count(Some(options.row_group_rows))
                        .set_created_by(format!("nhikit {NHIKIT_VERSION}"))
                        .set_dictionary_enabled(false);
                    for item in self.plan.items.iter().filter(|i| i.dictionary) {
                        props = props.set_column_dictionary_enabled(
                            parquet::schema::types::ColumnPath::from(item.id.as_str()),
                            true,
                        );
                    }
                    let props = props.build();
                    let writer = ArrowWriter::try_new(
                        HashingWriter::new(file),
                        std::sync::Arc::clone(&self.plan.arrow_schema),
                        Some(props),
                    )
                    .map_err(|source| Error::Parquet {
                        file: rel.clone(),
                        source,
                    })?;
                    self.parquet = Some((rel, writer));
                }
                Format::Arrow => {
                    let rel = Format::Arrow.part_path(&entity, stem);
                    let file = create_file(&tmp, &rel, self.encryptor.as_deref())?;
                    let arrow_err = |source| Error::Arrow {
                        file: rel.clone(),
                        source,
                    };
                    let ipc_options = arrow_ipc::writer::IpcWriteOptions::default()
                        .try_with_compression(Some(arrow_ipc::CompressionType::ZSTD))
                        .map_err(arrow_err)?;
                    let writer = arrow_ipc::writer::FileWriter::try_new_with_options(
                        BufWriter::with_capacity(256 * 1024, HashingWriter::new(file)),
                        &self.plan.arrow_schema,
                        ipc_options,
                    )
                    .map_err(arrow_err)?;
                    self.ipc = Some((rel, writer));
                }
                Format::Csv => {
                    for (i, layout) in self.plan.layouts.iter().enumerate() {
                        let rel = Format::Csv.part_path(&layout.id, stem);
                        self.csv.push(CsvSink::create(
                            &tmp,
                            rel,
                            &self.plan,
                            i,
                            self.encryptor.as_deref(),
                        )?);
                    }
                }
                Format::Jsonl => {
                    let rel = Format::Jsonl.part_path(&entity, stem);
                    self.jsonl = Some(JsonlSink::create(
                        &tmp,
                        rel,
                        &self.plan,
                        self.encryptor.as_deref(),
                    )?);
                }
            }
        }
        Ok(())
    }

    /// Records written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The first problem met so far, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// The item index the next value goes to, after checking the value fits it.
    fn slot(&mut self, got: Got) -> Option<usize> {
        if self.error.is_some() {
            return None;
        }
        let i = self.cursor;
        let Some(item) = self.plan.items.get(i) else {
            let e = Error::RowShape {
                entity: self.plan.id.clone(),
                record: self.rows + 1,
                item: String::new(),
                reason: format!(
                    "more values than the {} items of the entity",
                    self.plan.items.len()
                ),
            };
            self.fail(e);
            return None;
        };
        let fits = match got {
            Got::Null => item.nullable,
            Got::Str => matches!(item.ty, ItemType::String | ItemType::Code),
            Got::Int => matches!(item.ty, ItemType::Integer | ItemType::Yen),
            Got::Date => item.ty == ItemType::Date,
            Got::Bool => item.ty == ItemType::Boolean,
        };
        if !fits {
            let reason = match got {
                Got::Null => "null in an item that is not nullable".to_owned(),
                _ => format!("{} for an item of type {}", got.name(), item.ty.name()),
            };
            let e = Error::RowShape {
                entity: self.plan.id.clone(),
                record: self.rows + 1,
                item: item.id.clone(),
                reason,
            };
            self.fail(e);
            return None;
        }
        self.cursor += 1;
        Some(i)
    }

    fn flush_batch(&mut self) -> Result<()> {
        let Some(columnar) = &mut self.columnar else {
            return Ok(());
        };
        let batch = columnar.take_batch().map_err(|source| Error::Arrow {
            file: self.key.clone(),
            source,
        })?;
        if let Some((rel, w)) = &mut self.parquet {
            w.write(&batch).map_err(|source| Error::Parquet {
                file: rel.clone(),
                source,
            })?;
        }
        if let Some((rel, w)) = &mut self.ipc {
            w.write(&batch).map_err(|source| Error::Arrow {
                file: rel.clone(),
                source,
            })?;
        }
        Ok(())
    }

    fn write_text(&mut self) -> Result<()> {
        let Some(row) = &self.text else {
            return Ok(());
        };
        let tmp = &self.shared.tmp;
        for sink in &mut self.csv {
            sink.write_row(row, &self.plan, tmp)?;
        }
        if let Some(sink) = &mut self.jsonl {
            sink.write_row(row, tmp)?;
        }
        Ok(())
    }

    /// Closes every file and returns what was written, or the first problem met.
    pub fn finish(mut self) -> Result<PartSummary> {
        let result = self.finish_files();
        let mut state = self.shared.lock();
        state.open -= 1;
        match &result {
            Ok(summary) => {
                state.summaries.push(summary.clone());
                for (rel, bytes, sha256) in self.ciphers.drain(..) {
                    state.ciphers.insert(rel, (bytes, sha256));
                }
            }
            Err(e) => state.failures.push(e.to_string()),
        }
        drop(state);
        self.done = true;
        result
    }

    fn finish_files(&mut self) -> Result<PartSummary> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.cursor != 0 {
            return Err(Error::RowShape {
                entity: self.plan.id.clone(),
                record: self.rows + 1,
                item: String::new(),
                reason: "the last record was not ended (end_row)".to_owned(),
            });
        }
        if self.columnar.as_ref().is_some_and(|c| c.rows() > 0) {
            self.flush_batch()?;
        }
        let tmp = self.shared.tmp.clone();
        let entity = self.plan.id.clone();
        let rows = self.rows;
        let mut files = Vec::new();
        let ciphers = &mut self.ciphers;
        let mut entry = |path: String, format, layout, done: Written| {
            if let Some((bytes, sha256)) = done.cipher {
                ciphers.push((path.clone(), bytes, sha256));
            }
            FileEntry {
                path,
                entity: entity.clone(),
                format,
                layout,
                encoding: None,
                rows,
                bytes: done.bytes,
                sha256: done.sha256,
            }
        };
        if let Some((rel, w)) = self.parquet.take() {
            let inner = w.into_inner().map_err(|source| Error::Parquet {
                file: rel.clone(),
                source,
            })?;
            let done = finish_file(inner).map_err(io(tmp.join(&rel)))?;
            files.push(entry(rel, Format::Parquet, None, done));
        }
        if let Some((rel, mut w)) = self.ipc.take() {
            let arrow_err = |source| Error::Arrow {
                file: rel.clone(),
                source,
            };
            w.finish().map_err(arrow_err)?;
            let buffered = w.into_inner().map_err(arrow_err)?;
            let done = text::close(buffered, &tmp, &rel)?;
            files.push(entry(rel, Format::Arrow, None, done));
        }
        for (sink, layout) in std::mem::take(&mut self.csv)
            .into_iter()
            .zip(&self.plan.layouts)
        {
            let rel = sink.rel.clone();
            let done = sink.close(&tmp)?;
            let mut file = entry(rel, Format::Csv, Some(layout.id.clone()), done);
            file.encoding = Some(crate::plan::encoding_id(layout.encoding).to_owned());
            files.push(file);
        }
        if let Some(sink) = self.jsonl.take() {
            let rel = sink.rel.clone();
            let done = sink.close(&tmp)?;
            files.push(entry(rel, Format::Jsonl, None, done));
        }
        Ok(PartSummary {
            entity,
            rows,
            files,
        })
    }
}

impl Drop for PartWriter {
    fn drop(&mut self) {
        if !self.done {
            let mut state = self.shared.lock();
            state.open = state.open.saturating_sub(1);
            state
                .failures
                .push(format!("part {} was dropped without finish", self.key));
        }
    }
}

fn create_file(tmp: &Path, rel: &str, encryptor: Option<&dyn FileEncryptor>) -> Result<FileOut> {
    let path = tmp.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    FileOut::create(&path, encryptor).map_err(io(path))
}

/// Writes the plaintext `manifest` encrypted beside the files and returns the outer manifest:
/// the encrypted files with their ciphertext sizes and hashes, and nothing that would let a
/// guess of the seed or options be tested: no seed, no options, no record counts (per file or
/// per entity), no plaintext hash.
fn encrypt_manifest(
    manifest: Manifest,
    encryptor: &dyn FileEncryptor,
    ciphers: &BTreeMap<String, (u64, String)>,
    tmp: &Path,
) -> Result<Manifest> {
    let plain = manifest.to_json()?;
    let path = tmp.join(MANIFEST_FILE);
    let mut out = HashingWriter::new(FileOut::create(&path, Some(encryptor)).map_err(io(&path))?);
    std::io::Write::write_all(&mut out, &plain).map_err(io(&path))?;
    let done = finish_file(out).map_err(io(&path))?;
    let (bytes, sha256) = done.cipher.ok_or_else(|| Error::Incomplete {
        reason: "the manifest was not encrypted".to_owned(),
    })?;
    let suffix = encryptor.suffix();
    let mut files = Vec::with_capacity(manifest.files.len());
    for f in &manifest.files {
        let (bytes, sha256) = ciphers
            .get(&f.path)
            .cloned()
            .ok_or_else(|| Error::Incomplete {
                reason: format!("{} was not encrypted", f.path),
            })?;
        files.push(FileEntry {
            path: format!("{}{suffix}", f.path),
            rows: 0,
            bytes,
            sha256,
            ..f.clone()
        });
    }
    Ok(Manifest {
        seed: 0,
        options: serde_json::Value::Null,
        entities: BTreeMap::new(),
        files,
        encryption: Some(Encryption {
            scheme: encryptor.scheme().to_owned(),
            recipients: encryptor.recipients(),
            manifest: EncryptedManifest {
                path: format!("{MANIFEST_FILE}{suffix}"),
                bytes,
                sha256,
            },
        }),
        ..manifest
    })
}

impl RowWriter for PartWriter {
    fn null(&mut self) {
        if let Some(i) = self.slot(Got::Null) {
            if let Some(c) = &mut self.columnar {
                c.null(i);
            }
            if let Some(t) = &mut self.text {
                t.null(i);
            }
        }
    }

    fn str(&mut self, value: &str) {
        if let Some(i) = self.slot(Got::Str) {
            if let Some(c) = &mut self.columnar {
                c.str(i, value);
            }
            if let Some(t) = &mut self.text {
                t.str(i, value);
            }
        }
    }

    fn int(&mut self, value: i64) {
        if let Some(i) = self.slot(Got::Int) {
            if let Some(c) = &mut self.columnar {
                c.int(i, value);
            }
            if let Some(t) = &mut self.text {
                t.int(i, value);
            }
        }
    }

    fn date(&mut self, value: nhikit_core::date::NaiveDate) {
        if let Some(i) = self.slot(Got::Date) {
            if let Some(c) = &mut self.columnar {
                c.date(i, value);
            }
            if let Some(t) = &mut self.text {
                t.date(i, value);
            }
        }
    }

    fn bool(&mut self, value: bool) {
        if let Some(i) = self.slot(Got::Bool) {
            if let Some(c) = &mut self.columnar {
                c.bool(i, value);
            }
            if let Some(t) = &mut self.text {
                t.bool(i, value);
            }
        }
    }

    fn record(&mut self, items: &[&str], cells: &[Cell<'_>]) {
        // The schema this part is written with may differ from the generator's (an item
        // more): values go to their items by id, and the rest stay absent.
        let remap = self.remap.get_or_insert_with(|| {
            let same = self.plan.items.len() == items.len()
                && self.plan.items.iter().zip(items).all(|(p, id)| p.id == *id);
            if same {
                Vec::new()
            } else {
                let at = |id: &str| items.iter().position(|i| *i == id);
                self.plan.items.iter().map(|p| at(&p.id)).collect()
            }
        });
        if remap.is_empty() {
            for c in cells {
                c.write(self);
            }
        } else {
            let remap = std::mem::take(remap);
            for at in &remap {
                let cell = at.and_then(|i| cells.get(i)).copied().unwrap_or_default();
                cell.write(self);
            }
            self.remap = Some(remap);
        }
        self.end_row();
    }

    fn end_row(&mut self) {
        if self.error.is_some() {
            self.cursor = 0;
            return;
        }
        if self.cursor < self.plan.items.len() {
            let e = Error::RowShape {
                entity: self.plan.id.clone(),
                record: self.rows + 1,
                item: self.plan.items[self.cursor].id.clone(),
                reason: format!(
                    "the record ended after {} of {} items",
                    self.cursor,
                    self.plan.items.len()
                ),
            };
            self.fail(e);
            return;
        }
        self.cursor = 0;
        self.rows += 1;
        if let Err(e) = self.write_text() {
            self.fail(e);
            return;
        }
        if let Some(c) = &mut self.columnar {
            c.end_row();
            if c.rows() >= self.batch_rows
                && let Err(e) = self.flush_batch()
            {
                self.fail(e);
            }
        }
    }
}

// Parts are written from worker threads; the dataset is shared between them.
const _: () = {
    const fn send<T: Send>() {}
    const fn sync<T: Sync + Send>() {}
    send::<PartWriter>();
    sync::<DatasetWriter>();
    // The CLI wraps errors in anyhow, which needs Send + Sync.
    sync::<Error>();
};
