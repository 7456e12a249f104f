//! Scenario data: generated datasets (made once per run for each seed/size/municipalities and
//! shared by the scenarios that ask for the same), edits applied to a copy, and the in-memory
//! [`Model`] the selectors and the oracle read.

use crate::Error;
use crate::scenario::{DataSource, Edit, InlineData};
use crate::select::{Env, date_of, expand, str_of};
use nhikit_core::date::NaiveDate;
use nhikit_io::contain::{EntryKind, Root};
use nhikit_io::{DatasetWriter, Format, Manifest, ManifestInfo, Partition, WriterOptions};
use nhikit_target::{EventKind, EventRequest};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One record as JSON (the JSON Lines form of the dataset).
pub type Rec = serde_json::Map<String, Value>;

/// The records of a scenario's data, in file order (files sorted by path), as the target
/// should hold them after the scenario's successful events.
#[derive(Debug, Clone, Default)]
pub struct Model {
    insurers: Vec<Rec>,
    households: Vec<Rec>,
    persons: Vec<Rec>,
    qualifications: Vec<Rec>,
    /// (file relative to the dataset, 1-based row) of each record, per entity.
    origin: BTreeMap<&'static str, Vec<(String, usize)>>,
}

impl Model {
    /// The records of an entity.
    pub fn records(&self, e: crate::select::Entity) -> &[Rec] {
        use crate::select::Entity::*;
        match e {
            Household => &self.households,
            Person => &self.persons,
            Qualification => &self.qualifications,
            Insurer => &self.insurers,
        }
    }

    fn records_mut(&mut self, e: crate::select::Entity) -> &mut Vec<Rec> {
        use crate::select::Entity::*;
        match e {
            Household => &mut self.households,
            Person => &mut self.persons,
            Qualification => &mut self.qualifications,
            Insurer => &mut self.insurers,
        }
    }

    /// A model of records given (in data order), e.g. one household with its members, their
    /// qualifications and its insurer, so that the oracle can answer for it alone without a
    /// whole dataset in memory (`nhikit compare` streams households so).
    pub fn from_records(
        insurers: Vec<Rec>,
        households: Vec<Rec>,
        persons: Vec<Rec>,
        qualifications: Vec<Rec>,
    ) -> Model {
        Model {
            insurers,
            households,
            persons,
            qualifications,
            origin: BTreeMap::new(),
        }
    }

    /// The persons of a household.
    pub fn members<'a>(&'a self, lg: &'a str, hh: &'a str) -> impl Iterator<Item = &'a Rec> + 'a {
        self.persons
            .iter()
            .filter(move |p| str_of(p, "lgcode") == lg && str_of(p, "household_number") == hh)
    }

    /// The household of a person or qualification.
    pub fn household_of(&self, r: &Rec) -> Option<&Rec> {
        let (lg, hh) = (str_of(r, "lgcode"), str_of(r, "household_number"));
        self.households
            .iter()
            .find(|h| str_of(h, "lgcode") == lg && str_of(h, "household_number") == hh)
    }

    /// The household by its key.
    pub fn household(&self, lg: &str, hh: &str) -> Option<&Rec> {
        self.households
            .iter()
            .find(|h| str_of(h, "lgcode") == lg && str_of(h, "household_number") == hh)
    }

    /// The person by 地方公共団体コード and 宛名番号.
    pub fn person(&self, lg: &str, an: &str) -> Option<&Rec> {
        self.persons
            .iter()
            .find(|p| str_of(p, "lgcode") == lg && str_of(p, "address_number") == an)
    }

    /// The qualifications of a person, in data order.
    pub fn qualifications_of<'a>(
        &'a self,
        lg: &'a str,
        an: &'a str,
    ) -> impl Iterator<Item = &'a Rec> + 'a {
        self.qualifications
            .iter()
            .filter(move |q| str_of(q, "lgcode") == lg && str_of(q, "address_number") == an)
    }

    /// Whether the person (or the person of a qualification) is insured on `d`.
    pub fn insured_on(&self, r: &Rec, d: NaiveDate) -> bool {
        self.qualifications_of(str_of(r, "lgcode"), str_of(r, "address_number"))
            .any(|q| in_force(q, d))
    }

    /// Applies an event the target accepted, so that later oracle answers follow it.
    pub fn apply_event(&mut self, ev: &EventRequest) {
        let (lg, an) = (ev.lgcode.as_str(), ev.address_number.as_str());
        let day = Value::String(ev.date.format("%Y-%m-%d").to_string());
        match ev.kind {
            EventKind::Loss => {
                if let Some(q) = self.qualifications.iter_mut().find(|q| {
                    str_of(q, "lgcode") == lg
                        && str_of(q, "address_number") == an
                        && q.get("loss_date").is_none_or(Value::is_null)
                }) {
                    q.insert("loss_date".into(), day);
                    q.insert("loss_reason".into(), ev.reason.clone().into());
                }
            }
            EventKind::Acquisition => {
                let last = self
                    .qualifications_of(lg, an)
                    .last()
                    .cloned()
                    .or_else(|| self.person(lg, an).cloned());
                if let Some(mut q) = last {
                    let seq = self
                        .qualifications_of(lg, an)
                        .filter_map(|q| q.get("qualification_seq").and_then(Value::as_i64))
                        .max()
                        .unwrap_or(0);
                    q.insert("qualification_seq".into(), (seq + 1).into());
                    q.insert("acquisition_date".into(), day);
                    q.insert("acquisition_reason".into(), ev.reason.clone().into());
                    q.insert("loss_date".into(), Value::Null);
                    q.insert("loss_reason".into(), Value::Null);
                    self.qualifications.push(q);
                }
            }
            EventKind::Change => {
                for (item, v) in [("name", &ev.name), ("name_kana", &ev.name_kana)] {
                    let Some(v) = v else { continue };
                    for p in self
                        .persons
                        .iter_mut()
                        .filter(|p| str_of(p, "lgcode") == lg && str_of(p, "address_number") == an)
                    {
                        p.insert(item.into(), v.clone().into());
                    }
                    for q in self.qualifications.iter_mut().filter(|q| {
                        str_of(q, "lgcode") == lg
                            && str_of(q, "address_number") == an
                            && date_of(q, "loss_date").is_none_or(|l| l > ev.date)
                    }) {
                        q.insert(item.into(), v.clone().into());
                    }
                }
            }
        }
    }

    /// Reads the JSON Lines files of a dataset directory, each opened under it (a manifest path
    /// that leaves it, or a link in it, is refused and nothing outside is read).
    pub fn read(dir: &Path) -> Result<Model, Error> {
        let data_err = |e: nhikit_io::Error| Error::Data {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        };
        let root = Root::open(dir).map_err(|e| data_err(e.into()))?;
        let manifest = Manifest::read_in(&root).map_err(data_err)?;
        let mut files: Vec<_> = manifest
            .files
            .iter()
            .filter(|f| f.format == Format::Jsonl)
            .collect();
        if files.is_empty() {
            return Err(Error::Data {
                path: dir.to_path_buf(),
                reason: "the dataset has no JSON Lines files (scenario data needs jsonl)".into(),
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut m = Model::default();
        for f in files {
            let entity = match f.entity.as_str() {
                "insurer" => crate::select::Entity::Insurer,
                "household" => crate::select::Entity::Household,
                "person" => crate::select::Entity::Person,
                "qualification" => crate::select::Entity::Qualification,
                _ => continue,
            };
            let path = root.display(&f.path);
            let mut text = String::new();
            root.open_file(&f.path)
                .map_err(|e| data_err(e.into()))?
                .read_to_string(&mut text)
                .map_err(|e| Error::Data {
                    path: path.clone(),
                    reason: e.to_string(),
                })?;
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let rec: Rec = serde_json::from_str(line).map_err(|e| Error::Data {
                    path: path.clone(),
                    reason: format!("line {}: {e}", i + 1),
                })?;
                m.records_mut(entity).push(rec);
                m.origin
                    .entry(entity.name())
                    .or_default()
                    .push((f.path.clone(), i + 1));
            }
        }
        Ok(m)
    }

    /// Applies the scenario's edits to the model and rewrites the changed files of `dir`.
    pub fn edit(&mut self, dir: &Path, edits: &[Edit]) -> Result<(), Error> {
        let mut touched: Vec<(crate::select::Entity, String)> = Vec::new();
        for e in edits {
            let env = Env::default();
            let target = e.select.one(self, &env).map_err(|r| Error::Data {
                path: dir.to_path_buf(),
                reason: format!("edit: {r}"),
            })?;
            let records = self.records(e.select.entity);
            let Some(idx) = records.iter().position(|r| std::ptr::eq(r, target)) else {
                continue;
            };
            let mut env = Env::default();
            env.bind("record", records[idx].clone());
            let bad = |reason: String| Error::Data {
                path: dir.to_path_buf(),
                reason: format!("edit of `{}`: {reason}", e.select.text()),
            };
            let file = self
                .origin
                .get(e.select.entity.name())
                .and_then(|o| o.get(idx))
                .map(|(f, _)| f.clone())
                .unwrap_or_default();
            let mut rec = self.records(e.select.entity)[idx].clone();
            for (k, v) in &e.set {
                rec.insert(k.clone(), expand(v, &env).map_err(bad)?);
            }
            if let Some(item) = &e.break_check_digit {
                let v = str_of(&rec, item).to_owned();
                let last = v
                    .chars()
                    .last()
                    .and_then(|c| c.to_digit(10))
                    .ok_or_else(|| bad(format!("`{item}` = {v:?} does not end in a digit")))?;
                let new = format!("{}{}", &v[..v.len() - 1], (last + 1) % 10);
                rec.insert(item.clone(), new.into());
            }
            self.records_mut(e.select.entity)[idx] = rec.clone();
            if let Some(changes) = &e.append_copy {
                let mut copy = rec;
                for (k, v) in changes {
                    copy.insert(k.clone(), expand(v, &env).map_err(bad)?);
                }
                // After the last record of the same file.
                let origins = self.origin.entry(e.select.entity.name()).or_default();
                let pos = origins
                    .iter()
                    .rposition(|(f, _)| *f == file)
                    .map_or(origins.len(), |p| p + 1);
                let row = origins.iter().filter(|(f, _)| *f == file).count() + 1;
                origins.insert(pos, (file.clone(), row));
                self.records_mut(e.select.entity).insert(pos, copy);
            }
            touched.push((e.select.entity, file));
        }
        touched.sort_by(|a, b| a.1.cmp(&b.1));
        touched.dedup_by(|a, b| a.1 == b.1);
        for (entity, file) in touched {
            let mut text = String::new();
            let origins = self.origin.get(entity.name()).cloned().unwrap_or_default();
            for (r, (f, _)) in self.records(entity).iter().zip(&origins) {
                if *f == file {
                    text.push_str(&Value::Object(r.clone()).to_string());
                    text.push('\n');
                }
            }
            // Replaced under the dataset's root: a link there is refused, never written through.
            let path = dir.join(&file);
            let data_err = |reason: String| Error::Data {
                path: path.clone(),
                reason,
            };
            let root = Root::open(dir).map_err(|e| data_err(e.to_string()))?;
            match root.remove_file(&file) {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(data_err(e.to_string())),
            }
            root.create_file(&file, 0o644)
                .map_err(|e| data_err(e.to_string()))?
                .write_all(text.as_bytes())
                .map_err(|e| data_err(e.to_string()))?;
        }
        Ok(())
    }
}

/// Whether a qualification is in force on `d` (取得日 ≤ d < 喪失日).
pub(crate) fn in_force(q: &Rec, d: NaiveDate) -> bool {
    date_of(q, "acquisition_date").is_some_and(|a| a <= d)
        && date_of(q, "loss_date").is_none_or(|l| l > d)
}

/// One dataset, generated and read at most once.
type Slot = Arc<OnceLock<Result<Arc<Model>, String>>>;

/// Generated datasets of one run, each made once, in a temporary directory removed at the end.
pub struct DataCache {
    root: tempfile::TempDir,
    sets: Mutex<BTreeMap<String, Slot>>,
}

impl DataCache {
    /// A cache in a new temporary directory.
    pub fn new() -> Result<DataCache, Error> {
        let root = tempfile::Builder::new()
            .prefix("nhikit-conform-")
            .tempdir()
            .map_err(|e| Error::Io {
                path: std::env::temp_dir(),
                reason: e.to_string(),
            })?;
        Ok(DataCache {
            root,
            sets: Mutex::new(BTreeMap::new()),
        })
    }

    /// The run's temporary directory.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The dataset directory and model of a source (generated at most once per run).
    pub fn get(&self, source: &DataSource) -> Result<(PathBuf, Arc<Model>), Error> {
        let (key, dir) = match source {
            DataSource::Dir(d) => (d.display().to_string(), d.clone()),
            DataSource::Inline(records) => {
                // Keyed by the records themselves: two scenarios with the same records share
                // one written dataset.
                let key = format!(
                    "inline:{}",
                    serde_json::to_string(&[
                        &records.insurers,
                        &records.households,
                        &records.persons,
                        &records.qualifications,
                    ])
                    .unwrap_or_default()
                );
                let hash = {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::hash::DefaultHasher::new();
                    key.hash(&mut h);
                    h.finish()
                };
                let dir = self
                    .root
                    .path()
                    .join("data")
                    .join(format!("inline-{hash:016x}"));
                (key, dir)
            }
            DataSource::Generated {
                seed,
                households,
                municipalities,
            } => {
                let key = format!("gen-s{seed}-h{households}-m{}", municipalities.join("_"));
                let dir = self.root.path().join("data").join(&key);
                (key, dir)
            }
        };
        let cell = {
            let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
            sets.entry(key).or_default().clone()
        };
        let model = cell.get_or_init(|| {
            match source {
                DataSource::Generated {
                    seed,
                    households,
                    municipalities,
                } => {
                    generate(&dir, *seed, *households, municipalities)
                        .map_err(|e| e.to_string())?;
                }
                DataSource::Inline(records) => {
                    write_inline(&dir, records).map_err(|e| e.to_string())?;
                }
                DataSource::Dir(_) => {}
            }
            Model::read(&dir).map(Arc::new).map_err(|e| e.to_string())
        });
        match model {
            Ok(m) => Ok((dir, m.clone())),
            Err(reason) => Err(Error::Data {
                path: dir,
                reason: reason.clone(),
            }),
        }
    }
}

/// Writes a dataset the way `nhikit gen --format jsonl,csv` does.
pub fn generate(
    dir: &Path,
    seed: u64,
    households: u64,
    municipalities: &[String],
) -> Result<(), Error> {
    generate_profile(
        dir,
        seed,
        households,
        municipalities,
        nhikit_synth::Profile::Realistic,
    )
}

/// [`generate`] with a population profile (`nhikit gen --profile`). The manifest records the
/// run ([`nhikit_dataset::RunSpec`]), so `nhikit verify` regenerates the dataset.
pub fn generate_profile(
    dir: &Path,
    seed: u64,
    households: u64,
    municipalities: &[String],
    profile: nhikit_synth::Profile,
) -> Result<(), Error> {
    let fail = |reason: String| Error::Data {
        path: dir.to_path_buf(),
        reason,
    };
    let spec = nhikit_dataset::RunSpec {
        seed,
        households,
        municipalities: municipalities.to_vec(),
        formats: vec![Format::Jsonl, Format::Csv],
        extras: nhikit_synth::Extras {
            profile,
            ..nhikit_synth::Extras::default()
        },
        ..nhikit_dataset::RunSpec::default()
    };
    let schema = nhikit_schema::embedded().map_err(|e| fail(e.to_string()))?;
    let options = WriterOptions {
        formats: spec.formats.clone(),
        ..WriterOptions::default()
    };
    let w = DatasetWriter::create(dir, &schema, options).map_err(|e| fail(e.to_string()))?;
    nhikit_dataset::generate(&spec, w, 1, &|_, _| {}).map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Writes a scenario's inline records as a dataset (JSON Lines and CSV, with its manifest),
/// one part per prefecture (the first two digits of `lgcode`) as `nhikit gen` lays it out, so
/// that an export of the imported records gives the same CSV files. A record with an item the
/// schema does not have, or a value of the wrong type, is an error naming the record.
pub fn write_inline(dir: &Path, records: &InlineData) -> Result<(), Error> {
    use nhikit_schema::{ItemType, RowWriter};
    let fail = |reason: String| Error::Data {
        path: dir.to_path_buf(),
        reason,
    };
    let schema = nhikit_schema::embedded().map_err(|e| fail(e.to_string()))?;
    let w = DatasetWriter::create(
        dir,
        &schema,
        WriterOptions {
            formats: vec![Format::Jsonl, Format::Csv],
            ..WriterOptions::default()
        },
    )
    .map_err(|e| fail(e.to_string()))?;
    let io = |e: nhikit_io::Error| fail(e.to_string());
    for (name, recs) in [
        ("insurer", &records.insurers),
        ("household", &records.households),
        ("person", &records.persons),
        ("qualification", &records.qualifications),
    ] {
        if recs.is_empty() {
            continue;
        }
        let entity = schema
            .entities
            .iter()
            .find(|e| e.id == name)
            .ok_or_else(|| fail(format!("the schema has no entity `{name}`")))?;
        let partitioned = name != "insurer";
        // Parts by prefecture, in the order of their first record.
        let mut parts: Vec<(u8, Vec<(usize, &Rec)>)> = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            let pref = if partitioned {
                let lg = str_of(r, "lgcode");
                lg.get(..2)
                    .and_then(|p| p.parse::<u8>().ok())
                    .filter(|p| (1..=47).contains(p))
                    .ok_or_else(|| {
                        fail(format!(
                            "[[data.{name}]] #{}: lgcode {lg:?} is not a 地方公共団体コード",
                            i + 1
                        ))
                    })?
            } else {
                0
            };
            match parts.iter_mut().find(|(p, _)| *p == pref) {
                Some((_, v)) => v.push((i, r)),
                None => parts.push((pref, vec![(i, r)])),
            }
        }
        parts.sort_by_key(|(p, _)| *p);
        for (pref, rows) in parts {
            let mut part = if partitioned {
                w.part(name, &Partition::prefecture(pref), 0).map_err(io)?
            } else {
                w.table_part(name, 0).map_err(io)?
            };
            for (i, r) in rows {
                let bad = |reason: String| fail(format!("[[data.{name}]] #{}: {reason}", i + 1));
                if let Some(k) = r
                    .keys()
                    .find(|k| !entity.items.iter().any(|it| it.id == **k))
                {
                    return Err(bad(format!("`{name}` has no item `{k}`")));
                }
                for item in &entity.items {
                    let v = r.get(&item.id).unwrap_or(&Value::Null);
                    match (item.ty, v) {
                        (_, Value::Null) => part.null(),
                        (ItemType::String | ItemType::Code, Value::String(s)) => part.str(s),
                        (ItemType::Integer | ItemType::Yen, Value::Number(n)) if n.is_i64() => {
                            part.int(n.as_i64().unwrap_or_default())
                        }
                        (ItemType::Date, Value::String(s)) => {
                            part.date(NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                                bad(format!("`{}` = {s:?} is not a YYYY-MM-DD date", item.id))
                            })?)
                        }
                        (ItemType::Boolean, Value::Bool(b)) => part.bool(*b),
                        (ty, v) => {
                            return Err(bad(format!(
                                "`{}` = {v} is not a value of type {}",
                                item.id,
                                ty.name()
                            )));
                        }
                    }
                }
                part.end_row();
            }
            part.finish().map_err(io)?;
        }
    }
    w.finish(ManifestInfo::default()).map_err(io)?;
    Ok(())
}

/// Copies a dataset directory tree, refusing a symbolic link or a special file in it (never
/// followed: the copy may be sent to a target).
pub fn copy_dir(from: &Path, to: &Path) -> Result<(), Error> {
    let io = |p: &Path, e: std::io::Error| Error::Io {
        path: p.to_path_buf(),
        reason: e.to_string(),
    };
    let refused = |p: &Path, e: nhikit_io::contain::ContainError| Error::Data {
        path: p.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(to).map_err(|e| io(to, e))?;
    let source = Root::open(from).map_err(|e| refused(from, e))?;
    let target = Root::open(to).map_err(|e| refused(to, e))?;
    for (rel, kind) in source.walk().map_err(|e| refused(from, e))? {
        match kind {
            EntryKind::Dir => target.create_dir_all(&rel).map_err(|e| refused(to, e))?,
            EntryKind::File => {
                let mut reader = source.open_file(&rel).map_err(|e| refused(from, e))?;
                let mut writer = target
                    .create_file(&rel, 0o644)
                    .map_err(|e| refused(to, e))?;
                std::io::copy(&mut reader, &mut writer)
                    .map_err(|e| io(&source.display(&rel), e))?;
            }
            EntryKind::Symlink => {
                return Err(Error::Data {
                    path: source.display(&rel),
                    reason: "a symbolic link in a dataset directory (refused; not followed)".into(),
                });
            }
            EntryKind::Other => {
                return Err(Error::Data {
                    path: source.display(&rel),
                    reason: "not a regular file or directory (refused in a dataset directory)"
                        .into(),
                });
            }
        }
    }
    Ok(())
}
