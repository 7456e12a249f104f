//! `nhikit scan`: finds records in a target system's export that are not synthetic records of
//! a dataset — possible real persons in a test environment.
//!
//! The dataset's persons are regenerated from its manifest (no data files are needed) and
//! indexed by (地方公共団体コード, 宛名番号), by 個人番号, and by (氏名, 生年月日). Each export
//! record is looked up by the first key whose columns the export has; it is *synthetic* when
//! a person with that key exists and every mapped item equals the person's value, otherwise
//! it is reported as a [`Suspect`].

use crate::error::{Error, Result};
use nhikit_dataset::{FlatRows, RunSpec, for_each_parallel};
use nhikit_io::contain::Root;
use nhikit_io::{MANIFEST_FILE, Manifest};
use nhikit_schema::{Entity, Schema, Value};
use nhikit_synth::Reference;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Which export column holds which `person` item.
///
/// As TOML (every key optional):
///
/// ```toml
/// delimiter = ","        # CSV only; "\t" for TSV
/// header = true          # CSV only: the first line names the columns
/// [columns]              # export column → person item id
/// "LG_CODE" = "lgcode"
/// "ATENA_NO" = "address_number"
/// "SHIMEI" = "name"
/// "BIRTH" = "birth_date"
/// ```
///
/// Without a `[columns]` table, a column named after a person item's id (`address_number`)
/// or Japanese label (`宛名番号`) is that item, and other columns are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// CSV field delimiter (default `,`).
    #[serde(default)]
    pub delimiter: Option<char>,
    /// Whether a CSV export starts with a header line (default true). Without one,
    /// `columns` must name the columns by 1-based position: `"1" = "lgcode"`.
    #[serde(default)]
    pub header: Option<bool>,
    /// Export column → person item id.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl Mapping {
    /// Reads a mapping TOML file.
    pub fn read(path: &Path) -> Result<Mapping> {
        let text = std::fs::read_to_string(path).map_err(crate::error::io(path))?;
        toml::from_str(&text).map_err(|e| Error::Mapping {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
    }
}

/// How [`scan`] runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    /// Threads regenerating the dataset's persons.
    pub threads: usize,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// An export record that is not a synthetic record of the dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    /// 1-based record number in the export (header excluded).
    pub record: u64,
    /// The key the record was looked up by, e.g. `lgcode=131016 address_number=0123456789`.
    pub key: String,
    /// Why it is not synthetic.
    pub reason: String,
}

impl fmt::Display for Suspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} ({}): {}", self.record, self.key, self.reason)
    }
}

/// What [`scan`] found.
#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    /// Records read from the export.
    pub records: u64,
    /// Persons regenerated from the manifest.
    pub persons: u64,
    /// The person items compared (mapped export columns).
    pub items: Vec<String>,
    /// Every record that is not synthetic, in export order.
    pub suspects: Vec<Suspect>,
}

/// The lookup keys, in order of preference.
const KEYS: [&[&str]; 3] = [
    &["lgcode", "address_number"],
    &["mynumber"],
    &["name", "birth_date"],
];

/// Scans the export at `path` (`.csv`/`.tsv`/`.txt`, `.jsonl`/`.ndjson`, or `.parquet` with the
/// person entity's own columns) against the persons of the dataset whose manifest is
/// `manifest_path` (the file or its directory).
pub fn scan(
    path: &Path,
    manifest_path: &Path,
    schema: &Schema,
    mapping: &Mapping,
    options: &ScanOptions,
) -> Result<ScanReport> {
    let manifest_file = if manifest_path.is_dir() {
        manifest_path.join(MANIFEST_FILE)
    } else {
        manifest_path.to_path_buf()
    };
    let manifest = read_manifest_file(&manifest_file)?;
    let spec = RunSpec::regenerable(&manifest, &manifest_file)?;
    let person = schema.entity("person").ok_or_else(|| Error::NotADataset {
        path: manifest_file.clone(),
        reason: "the schema has no `person` entity".into(),
    })?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut reader = ExportReader::open(path, &ext, mapping, person)?;
    // Export column index → person item index.
    let mut mapped: Vec<(usize, usize)> = Vec::new();
    for (col, name) in reader.columns.iter().enumerate() {
        let item =
            match mapping.columns.get(name) {
                Some(id) => Some(person.items.iter().position(|i| &i.id == id).ok_or_else(
                    || Error::Mapping {
                        path: PathBuf::from("mapping"),
                        reason: format!("column {name:?}: `{id}` is not an item of `person`"),
                    },
                )?),
                None if mapping.columns.is_empty() => person
                    .items
                    .iter()
                    .position(|i| &i.id == name || &i.label == name),
                None => None,
            };
        if let Some(item) = item {
            mapped.push((col, item));
        }
    }
    let item_index = |id: &str| person.items.iter().position(|i| i.id == id);
    let key_items: Vec<usize> = KEYS
        .iter()
        .find(|k| {
            k.iter()
                .all(|id| item_index(id).is_some_and(|i| mapped.iter().any(|m| m.1 == i)))
        })
        .ok_or_else(|| Error::Mapping {
            path: path.to_path_buf(),
            reason: format!(
                "the export maps no key: it needs lgcode + address_number, mynumber, or name + birth_date (columns: {:?})",
                reader.columns
            ),
        })?
        .iter()
        .filter_map(|id| item_index(id))
        .collect();
    let compared: Vec<usize> = mapped.iter().map(|m| m.1).collect();

    // Regenerate the persons, keeping the compared items only. The profile and the history
    // change the persons; incomes and assessments do not.
    let persons_only = RunSpec {
        extras: nhikit_synth::Extras {
            profile: spec.extras.profile,
            history: spec.extras.history,
            ..nhikit_synth::Extras::default()
        },
        ..spec.clone()
    };
    let generator = persons_only.generator(Reference::shared()?)?;
    let parts: Vec<&nhikit_synth::Part> = generator.plan().parts_of(spec.shard).collect();
    let (h_width, q_width) = (
        schema.entity("household").map_or(1, |e| e.items.len()),
        schema.entity("qualification").map_or(1, |e| e.items.len()),
    );
    let chunks = for_each_parallel(&parts, options.threads, |part| {
        let mut h = Discard::new(h_width);
        let mut q = Discard::new(q_width);
        let mut p = FlatRows::new(person.items.len());
        generator.write_part(part, &mut h.0, &mut p, &mut q.0);
        let rows: Vec<Vec<String>> = (0..p.len())
            .map(|r| {
                let row = p.row(r);
                compared.iter().map(|&c| text(&row[c])).collect()
            })
            .collect();
        Ok::<_, std::convert::Infallible>(rows)
    })
    .unwrap_or_else(|never| match never {});
    let persons: Vec<Vec<String>> = chunks.into_iter().flatten().collect();
    // The key's positions among the compared items.
    let key_pos: Vec<usize> = key_items
        .iter()
        .filter_map(|k| compared.iter().position(|c| c == k))
        .collect();
    let mut index: HashMap<String, u32> = HashMap::with_capacity(persons.len());
    for (i, p) in persons.iter().enumerate() {
        index.insert(join_key(key_pos.iter().map(|&k| p[k].as_str())), i as u32);
    }

    let mut report = ScanReport {
        persons: persons.len() as u64,
        items: compared
            .iter()
            .map(|&c| person.items[c].id.clone())
            .collect(),
        ..ScanReport::default()
    };
    let mut fields: Vec<String> = Vec::new();
    while reader.next(&mut fields)? {
        report.records += 1;
        let value = |m: usize| -> &str {
            fields
                .get(mapped[m].0)
                .map(String::as_str)
                .unwrap_or_default()
        };
        let key = join_key(key_pos.iter().map(|&k| value(k)));
        let key_text = key_pos
            .iter()
            .map(|&k| format!("{}={}", person.items[compared[k]].id, value(k)))
            .collect::<Vec<_>>()
            .join(" ");
        let reason = match index.get(&key) {
            None => Some("no synthetic person of the dataset has this key".to_owned()),
            Some(&p) => {
                let expected = &persons[p as usize];
                (0..mapped.len())
                    .find(|&m| expected[m] != value(m))
                    .map(|m| {
                        let item = &person.items[compared[m]];
                        format!(
                            "item `{}` ({}) is {:?}, the synthetic person has {:?}",
                            item.id,
                            item.label,
                            value(m),
                            expected[m]
                        )
                    })
            }
        };
        if let Some(reason) = reason {
            report.suspects.push(Suspect {
                record: report.records,
                key: key_text,
                reason,
            });
        }
    }
    Ok(report)
}

/// Reads a manifest given as a file (any name) or as `DIR/manifest.json`: the file is opened in
/// its directory without following a link, and a manifest listing a path that leaves its
/// dataset is refused (see [`Manifest::read_in`]), even though scan reads no data file.
fn read_manifest_file(path: &Path) -> Result<Manifest> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| Error::NotADataset {
        path: path.to_path_buf(),
        reason: "not a manifest file or dataset directory".into(),
    })?;
    let root = Root::open(dir).map_err(nhikit_io::Error::from)?;
    let mut file = root.open_file(name).map_err(nhikit_io::Error::from)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes).map_err(crate::error::io(path))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| Error::NotADataset {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    manifest.check_paths(&root)?;
    Ok(manifest)
}

fn join_key<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    let mut key = String::new();
    for p in parts {
        key.push_str(p);
        key.push('\u{1f}');
    }
    key
}

/// The text form a CSV cell would hold: empty for null, `YYYY-MM-DD`, decimal, `true`/`false`.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

/// A row writer for the entities a scan does not need.
struct Discard(FlatRows);

impl Discard {
    fn new(width: usize) -> Discard {
        Discard(FlatRows::new(width))
    }
}

/// Export records as text cells, whatever the file format.
struct ExportReader {
    columns: Vec<String>,
    source: Source,
    path: PathBuf,
    record: u64,
}

enum Source {
    Csv(csv::Reader<std::fs::File>, csv::StringRecord),
    Jsonl(std::io::Lines<std::io::BufReader<std::fs::File>>),
    Rows(std::vec::IntoIter<Vec<String>>),
}

impl ExportReader {
    fn open(path: &Path, ext: &str, mapping: &Mapping, person: &Entity) -> Result<ExportReader> {
        let bad = |record: u64, reason: String| Error::Export {
            path: path.to_path_buf(),
            record,
            reason,
        };
        let file = std::fs::File::open(path).map_err(crate::error::io(path))?;
        match ext {
            "csv" | "tsv" | "txt" => {
                let delimiter = mapping
                    .delimiter
                    .unwrap_or(if ext == "tsv" { '\t' } else { ',' });
                let delimiter = u8::try_from(u32::from(delimiter))
                    .map_err(|_| bad(0, format!("delimiter {delimiter:?} is not one byte")))?;
                let header = mapping.header.unwrap_or(true);
                let mut reader = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .has_headers(header)
                    .flexible(true)
                    .from_reader(file);
                let columns = if header {
                    reader
                        .headers()
                        .map_err(|e| bad(0, e.to_string()))?
                        .iter()
                        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
                        .collect()
                } else {
                    let n = mapping
                        .columns
                        .keys()
                        .filter_map(|k| k.parse::<usize>().ok())
                        .max()
                        .unwrap_or(0);
                    (1..=n).map(|i| i.to_string()).collect()
                };
                Ok(ExportReader {
                    columns,
                    source: Source::Csv(reader, csv::StringRecord::new()),
                    path: path.to_path_buf(),
                    record: 0,
                })
            }
            "jsonl" | "ndjson" | "json" => {
                let mut columns: Vec<String> = mapping.columns.keys().cloned().collect();
                if columns.is_empty() {
                    columns = person.items.iter().map(|i| i.id.clone()).collect();
                }
                Ok(ExportReader {
                    columns,
                    source: Source::Jsonl(std::io::BufReader::new(file).lines()),
                    path: path.to_path_buf(),
                    record: 0,
                })
            }
            "parquet" => {
                let columns: Vec<String> = person.items.iter().map(|i| i.id.clone()).collect();
                let mut rows = Vec::new();
                let data = nhikit_io::DataFile::from_file(file, path);
                nhikit_io::read_parquet(data, person, |_, r| {
                    rows.push(
                        person
                            .items
                            .iter()
                            .map(|i| r.get(&i.id).map(text).unwrap_or_default())
                            .collect(),
                    );
                })?;
                Ok(ExportReader {
                    columns,
                    source: Source::Rows(rows.into_iter()),
                    path: path.to_path_buf(),
                    record: 0,
                })
            }
            other => Err(bad(
                0,
                format!("unknown export format {other:?}: expected .csv, .tsv, .jsonl or .parquet"),
            )),
        }
    }

    /// The next record's cells, in `columns` order; `false` at the end.
    fn next(&mut self, fields: &mut Vec<String>) -> Result<bool> {
        fields.clear();
        self.record += 1;
        let bad = |record: u64, reason: String| Error::Export {
            path: self.path.clone(),
            record,
            reason,
        };
        match &mut self.source {
            Source::Csv(reader, record) => {
                if !reader
                    .read_record(record)
                    .map_err(|e| bad(self.record, e.to_string()))?
                {
                    return Ok(false);
                }
                fields.extend(record.iter().map(str::to_owned));
                Ok(true)
            }
            Source::Jsonl(lines) => loop {
                let Some(line) = lines.next() else {
                    return Ok(false);
                };
                let line = line.map_err(|e| bad(self.record, e.to_string()))?;
                if line.trim().is_empty() {
                    continue;
                }
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&line)
                        .map_err(|e| bad(self.record, format!("not a JSON object: {e}")))?;
                for c in &self.columns {
                    fields.push(match object.get(c) {
                        None | Some(serde_json::Value::Null) => String::new(),
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                    });
                }
                return Ok(true);
            },
            Source::Rows(rows) => match rows.next() {
                Some(r) => {
                    *fields = r;
                    Ok(true)
                }
                None => Ok(false),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_toml() {
        let m: Mapping =
            toml::from_str("delimiter = \"\\t\"\n[columns]\nATENA = \"address_number\"\n").unwrap();
        assert_eq!(m.delimiter, Some('\t'));
        assert_eq!(m.columns["ATENA"], "address_number");
        assert!(toml::from_str::<Mapping>("colums = {}").is_err());
    }
}
