//! The checks of [`validate`].

use crate::Error;
use chrono::Datelike;
use nhikit_core::date::{NaiveDate, age_on, date_reaching_age};
use nhikit_io::contain::Root;
use nhikit_io::{DataFile, Format, Manifest, Mismatch};
use nhikit_schema::{Record, Schema, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::num::NonZeroU64;
use std::path::Path;

/// One violation: where, which item, which rule, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The file, relative to the dataset directory.
    pub file: String,
    /// Where in the file: the line of a JSON Lines or CSV file (a CSV header is line 1), the
    /// 1-based record of a Parquet or Arrow file; 0 for file-level problems.
    pub row: u64,
    /// The entity and item, e.g. `person.name_kana`.
    pub item: String,
    /// The rule broken (see the crate documentation).
    pub rule: &'static str,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: [{}] {}: {}",
            self.file, self.row, self.item, self.rule, self.message
        )
    }
}

/// What [`validate`] found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Records read per entity.
    pub records: BTreeMap<String, u64>,
    /// Files read.
    pub files: u64,
    /// The format whose files were read.
    pub format: Option<Format>,
    /// Every violation, in file order.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Violations per rule.
    pub fn by_rule(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for v in &self.violations {
            *m.entry(v.rule).or_insert(0) += 1;
        }
        m
    }
}

fn s<'a>(r: &'a Record, item: &str) -> Option<&'a str> {
    match r.get(item) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

fn d(r: &Record, item: &str) -> Option<NaiveDate> {
    match r.get(item) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

/// Where a record came from: its ordinal in reading order, which [`Places`] turns back into
/// the file and the row (8 bytes kept per record instead of a path and a row).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct At(u64);

/// The files read and where each record came from, kept as runs of consecutive rows: a file
/// whose reader numbers its rows one by one is one run.
#[derive(Default)]
struct Places {
    files: Vec<String>,
    /// (first ordinal, file index, row): the records from that ordinal on are the rows `row`,
    /// `row + 1`, … of the file, up to the next run.
    runs: Vec<(u64, usize, u64)>,
    next: u64,
}

impl Places {
    /// Starts reading the file at `path`: its index, for [`Places::record`].
    fn file(&mut self, path: &str) -> usize {
        self.files.push(path.to_owned());
        self.files.len() - 1
    }

    /// The place of the next record read: row `row` of file `file`.
    fn record(&mut self, file: usize, row: u64) -> At {
        let at = At(self.next);
        self.next += 1;
        let continues = self
            .runs
            .last()
            .is_some_and(|&(first, f, r)| f == file && r.checked_add(at.0 - first) == Some(row));
        if !continues {
            self.runs.push((at.0, file, row));
        }
        at
    }

    /// The file and row of a record.
    fn place(&self, at: At) -> (&str, u64) {
        // Every `At` comes from `record`, which starts a run at or before it.
        let i = self.runs.partition_point(|r| r.0 <= at.0).saturating_sub(1);
        let (first, file, row) = self.runs[i];
        (&self.files[file], row + (at.0 - first))
    }

    /// A violation at a record.
    fn violation(&self, at: At, item: &str, rule: &'static str, message: String) -> Violation {
        let (file, row) = self.place(at);
        Violation {
            file: file.to_owned(),
            row,
            item: item.to_owned(),
            rule,
            message,
        }
    }
}

/// A code or number that the cross-record rules keep — lgcode, 宛名番号, 世帯番号, 保険者番号,
/// 続柄, 事由 — in 8 bytes: 1 to 17 ASCII digits packed with their count (leading zeros
/// kept), any other text the index of its copy in [`Codes`]. Equal codes are equal texts;
/// their order is not that of the texts (see [`Codes::cmp`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Code(NonZeroU64);

/// The tag of a [`Code`] of digits: (value << 5 | count), below 2^62 for 17 digits.
const DIGITS: u64 = 1 << 62;
/// The tag of a [`Code`] of other text: the index in [`Codes::texts`].
const TEXT: u64 = 1 << 63;

impl Code {
    /// The code of 1 to 17 ASCII digits; `None` for any other text.
    fn digits(s: &str) -> Option<Code> {
        if s.is_empty() || s.len() > 17 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value = s.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0'));
        NonZeroU64::new(DIGITS | value << 5 | s.len() as u64).map(Code)
    }
}

/// The texts of the [`Code`]s that are not digits, one copy each.
#[derive(Default)]
struct Codes {
    index: HashMap<Box<str>, u64>,
    texts: Vec<Box<str>>,
}

impl Codes {
    /// The code of `s`, keeping a copy of it if it is not digits.
    fn code(&mut self, s: &str) -> Code {
        Code::digits(s).unwrap_or_else(|| {
            let n = match self.index.get(s) {
                Some(&n) => n,
                None => {
                    let n = self.texts.len() as u64;
                    self.texts.push(s.into());
                    self.index.insert(s.into(), n);
                    n
                }
            };
            Code(NonZeroU64::new(TEXT | n).expect("the tag is not zero"))
        })
    }

    /// The text of `c` as bytes, written into `buf` when it is digits.
    fn bytes<'a>(&'a self, c: Code, buf: &'a mut [u8; 17]) -> &'a [u8] {
        let n = c.0.get();
        if n & TEXT != 0 {
            return self.texts[(n & !TEXT) as usize].as_bytes();
        }
        let (mut value, len) = ((n & !DIGITS) >> 5, (n & 31) as usize);
        for b in buf[..len].iter_mut().rev() {
            *b = b'0' + (value % 10) as u8;
            value /= 10;
        }
        &buf[..len]
    }

    /// `c` as text, for a message.
    fn show(&self, c: Code) -> Shown<'_> {
        Shown(self, Some(c))
    }

    /// `c` as text, `-` for none.
    fn show_or_dash(&self, c: Option<Code>) -> Shown<'_> {
        Shown(self, c)
    }

    /// The order of the texts of `a` and `b`.
    fn cmp(&self, a: Code, b: Code) -> std::cmp::Ordering {
        let (x, y) = (a.0.get(), b.0.get());
        // As many digits on both sides: the order of the values.
        if (x | y) & TEXT == 0 && x & 31 == y & 31 {
            return x.cmp(&y);
        }
        let (mut x, mut y) = ([0; 17], [0; 17]);
        self.bytes(a, &mut x).cmp(self.bytes(b, &mut y))
    }
}

/// A code shown as its text (see [`Codes::show`]).
struct Shown<'a>(&'a Codes, Option<Code>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(c) = self.1 else {
            return f.write_str("-");
        };
        let mut buf = [0; 17];
        // Both kinds of code are UTF-8: ASCII digits, or a copy of a `str`.
        f.write_str(std::str::from_utf8(self.0.bytes(c, &mut buf)).map_err(|_| fmt::Error)?)
    }
}

/// The items of a record that the cross-record rules need, kept while the files are read.
/// References are kept only while they do not resolve: the targets only grow, so one that
/// resolves when its record is read resolves at the end too.
#[derive(Default)]
struct Keys {
    /// The texts of the codes kept.
    codes: Codes,
    /// insurer numbers.
    insurers: HashSet<Code>,
    /// (lgcode, 世帯番号) → (where, 世帯主宛名番号, 保険者番号).
    households: HashMap<(Code, Code), HouseholdKey>,
    /// (lgcode, 宛名番号).
    persons: HashSet<(Code, Code)>,
    /// The members of the households, in reading order (sorted by household at the end).
    members: Vec<MemberKey>,
    /// Person references to check once all files are read: (where, lgcode, 世帯番号).
    person_households: Vec<(At, Code, Code)>,
    /// Qualification references: (where, lgcode, 宛名番号, 保険者番号).
    qualification_refs: Vec<(At, Code, Code, Option<Code>)>,
    /// Person references of the other entities: (where, item, lgcode, 宛名番号).
    other_person_refs: Vec<(At, &'static str, Code, Code)>,
    /// Household references of the other entities: (where, item, lgcode, 世帯番号).
    other_household_refs: Vec<(At, &'static str, Code, Code)>,
    /// Insurer references of the other entities: (where, item, 保険者番号).
    other_insurer_refs: Vec<(At, &'static str, Code)>,
    /// Whether the dataset has `qualification_event` files: then the history rules run and
    /// `deaths`, `periods` and `events` are filled.
    track_history: bool,
    /// First and last day of the history window (manifest `options.history`), if recorded.
    window: Option<(NaiveDate, NaiveDate)>,
    /// (lgcode, 宛名番号) → 死亡日.
    deaths: HashMap<(Code, Code), NaiveDate>,
    /// The `qualification` rows, in reading order (sorted by person at the end).
    periods: Vec<PeriodKey>,
    /// The `qualification_event` rows, in reading order (sorted by person at the end).
    events: Vec<EventKey>,
    /// 葬祭費 claims to match with the person's 死亡日: (where, lgcode, 宛名番号, 死亡年月日).
    funeral_deaths: Vec<(At, Code, Code, NaiveDate)>,
    /// (lgcode, 世帯番号, 年度) → 年税額 of the 当初賦課 (revision 0).
    assessments: HashMap<(Code, Code, i64), i64>,
    /// (lgcode, 世帯番号, 年度) → the payments of that assessment.
    payments: HashMap<(Code, Code, i64), PaymentSum>,
}

impl Keys {
    /// The code of `item` in `r`, if it is text.
    fn code(&mut self, r: &Record, item: &str) -> Option<Code> {
        s(r, item).map(|t| self.codes.code(t))
    }

    /// The code of `item` in `r`, of the empty text if it has none.
    fn id(&mut self, r: &Record, item: &str) -> Code {
        self.codes.code(s(r, item).unwrap_or_default())
    }

    /// Keeps a person reference to check at the end, unless it resolves already.
    fn person_ref(&mut self, at: At, item: &'static str, lg: Code, an: Code) {
        if !self.persons.contains(&(lg, an)) {
            self.other_person_refs.push((at, item, lg, an));
        }
    }

    /// Keeps a household reference to check at the end, unless it resolves already.
    fn household_ref(&mut self, at: At, item: &'static str, lg: Code, hh: Code) {
        if !self.households.contains_key(&(lg, hh)) {
            self.other_household_refs.push((at, item, lg, hh));
        }
    }

    /// Keeps the insurer reference of `r` to check at the end, unless it resolves already.
    fn insurer_ref(&mut self, at: At, item: &'static str, r: &Record) {
        if let Some(n) = self.code(r, "insurer_number")
            && !self.insurers.contains(&n)
        {
            self.other_insurer_refs.push((at, item, n));
        }
    }
}

/// The `payment` rows of one assessment, summed: where the first is, the 期別調定額 of the
/// installments (rows with 収納連番 1), the amounts received.
struct PaymentSum {
    at: At,
    billed: i64,
    paid: i64,
}

/// A `qualification` row: where, (lgcode, 宛名番号), 資格履歴番号, 資格取得日, 取得事由, 喪失日,
/// 喪失事由.
struct PeriodKey {
    at: At,
    person: (Code, Code),
    seq: i64,
    acquired: Option<NaiveDate>,
    reason: Option<Code>,
    lost: Option<NaiveDate>,
    loss_reason: Option<Code>,
}

/// A `qualification_event` row: where, (lgcode, 宛名番号), 異動連番, 資格履歴番号, 異動区分,
/// 異動日, 事由.
struct EventKey {
    at: At,
    person: (Code, Code),
    seq: i64,
    qualification_seq: i64,
    kind: Option<Code>,
    date: Option<NaiveDate>,
    reason: Option<Code>,
}

/// A household as the cross-record rules see it: where, 世帯主宛名番号, 保険者番号.
type HouseholdKey = (At, Option<Code>, Option<Code>);
/// A `person` row as a member of its household: (lgcode, 世帯番号), 宛名番号, 続柄, birth
/// date, whether a current resident (住民状態 1 or absent).
struct MemberKey {
    household: (Code, Code),
    address: Code,
    relationship: Option<Code>,
    birth: Option<NaiveDate>,
    resident: bool,
}

/// Primary keys seen per entity: the hash of the key → where it was first seen.
type PrimaryKeys = HashMap<String, HashMap<KeyHash, At>>;

/// The XXH3-128 hash of a primary key's values, kept instead of the values (24 bytes a record
/// with its place). Two different keys share a hash with a probability of 2^-128 a pair,
/// about 10^-25 for the 10^7 records of a prefecture, so a hash seen before is reported as a
/// duplicate without comparing values; a collision could only report a false duplicate,
/// never hide one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct KeyHash([u64; 2]);

/// The [`KeyHash`] of `values` (absent is null), each written with its type and, for text,
/// its length, so that different keys hash different bytes; `buf` is reused between records.
fn key_hash<'a>(values: impl Iterator<Item = Option<&'a Value>>, buf: &mut Vec<u8>) -> KeyHash {
    buf.clear();
    for value in values {
        match value {
            None | Some(Value::Null) => buf.push(0),
            Some(Value::Str(s)) => {
                buf.push(1);
                buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
                buf.extend_from_slice(s.as_bytes());
            }
            Some(Value::Int(n)) => {
                buf.push(2);
                buf.extend_from_slice(&n.to_le_bytes());
            }
            Some(Value::Date(d)) => {
                buf.push(3);
                buf.extend_from_slice(&d.num_days_from_ce().to_le_bytes());
            }
            Some(Value::Bool(b)) => buf.extend_from_slice(&[4, u8::from(*b)]),
        }
    }
    let h = twox_hash::XxHash3_128::oneshot(buf);
    KeyHash([h as u64, (h >> 64) as u64])
}

/// Name dictionaries: kanji → readings.
struct Readings {
    surnames: HashMap<String, HashSet<String>>,
    given: HashMap<String, HashSet<String>>,
}

impl Readings {
    fn embedded() -> Result<Readings, Error> {
        let reference = nhikit_synth::Reference::embedded()?;
        let mut surnames: HashMap<String, HashSet<String>> = HashMap::new();
        let mut given: HashMap<String, HashSet<String>> = HashMap::new();
        // Names of the edge profile (髙 﨑 𠮷, IVS, very long and alphabet names).
        for n in nhikit_synth::edge::EdgeNames::embedded()?.names {
            surnames
                .entry(n.surname)
                .or_default()
                .insert(n.surname_reading);
            given.entry(n.given).or_default().insert(n.given_reading);
        }
        for n in &reference.surnames {
            surnames
                .entry(n.kanji.clone())
                .or_default()
                .insert(n.reading.clone());
        }
        for g in &reference.given {
            for n in &g.names {
                given
                    .entry(n.kanji.clone())
                    .or_default()
                    .insert(n.reading.clone());
            }
        }
        Ok(Readings { surnames, given })
    }

    /// Why `kana` is not a reading of `name`, if it is not.
    fn check(&self, name: &str, kana: &str) -> Option<String> {
        let (Some((sn, gn)), Some((sk, gk))) =
            (name.split_once('\u{3000}'), kana.split_once('\u{3000}'))
        else {
            return Some(format!(
                "{name:?} / {kana:?}: expected 姓　名 with a full-width space"
            ));
        };
        if !self.surnames.get(sn).is_some_and(|set| set.contains(sk)) {
            return Some(format!("{sk:?} is not a reading of the surname {sn:?}"));
        }
        if !self.given.get(gn).is_some_and(|set| set.contains(gk)) {
            return Some(format!("{gk:?} is not a reading of the given name {gn:?}"));
        }
        None
    }
}

/// Checks the dataset in `dir` against `schema`, reading one file at a time.
///
/// Every file is opened under `dir` through [`nhikit_io::contain::Root`]: a manifest listing
/// a path that leaves the directory is refused as a whole, and a symbolic link in the dataset
/// is a `manifest` violation that is never followed.
pub fn validate(dir: &Path, schema: &Schema) -> Result<Report, Error> {
    let root = Root::open(dir).map_err(nhikit_io::Error::from)?;
    let manifest = Manifest::read_in(&root)?;
    let mut report = Report::default();
    let mut refused = std::collections::BTreeSet::new();
    for m in manifest.verify_in(&root)? {
        if matches!(m, Mismatch::Refused { .. }) {
            refused.insert(m.path().to_owned());
        }
        report.violations.push(Violation {
            file: m.path().to_owned(),
            row: 0,
            item: String::new(),
            rule: "manifest",
            message: m.problem(),
        });
    }
    // A manifest whose options do not read is still checked, without the dated rules.
    let spec = crate::RunSpec::from_manifest(&manifest, root.path()).ok();
    let as_of = spec.as_ref().map(|s| s.as_of);
    // Read one format: the first of parquet, arrow, jsonl, csv that the dataset has.
    let format = [Format::Parquet, Format::Arrow, Format::Jsonl, Format::Csv]
        .into_iter()
        .find(|f| manifest.files.iter().any(|e| e.format == *f))
        .ok_or_else(|| Error::Dataset("the manifest lists no data files".into()))?;
    report.format = Some(format);
    let readings = Readings::embedded()?;
    let mut keys = Keys {
        track_history: manifest
            .files
            .iter()
            .any(|e| e.entity == "qualification_event"),
        window: {
            let history = spec.as_ref().and_then(|s| s.extras.history);
            history_window(history.map(|w| w.from), history.map(|w| w.to), as_of)
        },
        ..Keys::default()
    };
    let mut primary: PrimaryKeys = HashMap::new();
    let mut places = Places::default();
    // Insurers first, so references to them can be checked as the other files are read.
    let mut entries: Vec<_> = manifest
        .files
        .iter()
        .filter(|e| e.format == format)
        .collect();
    entries.sort_by_key(|e| (e.entity != "insurer", e.path.clone()));
    for entry in entries {
        let Some(entity) = schema.entity(&entry.entity) else {
            report.violations.push(Violation {
                file: entry.path.clone(),
                row: 0,
                item: entry.entity.clone(),
                rule: "schema",
                message: format!("entity `{}` is not in the schema", entry.entity),
            });
            continue;
        };
        // Of CSV, read only each entity's own layout (`ENTITY_csv`), which has every item.
        let own_layout = format!("{}_csv", entity.id);
        if format == Format::Csv && entry.layout.as_deref() != Some(own_layout.as_str()) {
            continue;
        }
        if refused.contains(&entry.path) {
            // Reported above; never read.
            continue;
        }
        let file = places.file(&entry.path);
        let keys_of = primary.entry(entity.id.clone()).or_default();
        let violations = &mut report.violations;
        let keys = &mut keys;
        let places = &mut places;
        let readings = &readings;
        let mut key = Vec::new();
        let mut count = 0u64;
        // The readers number records from 1; a CSV file's header line comes before them.
        let header_lines = match format {
            Format::Csv => u64::from(schema.layout(&own_layout).is_some_and(|l| l.header)),
            Format::Parquet | Format::Arrow | Format::Jsonl => 0,
        };
        let mut each = |row: u64, r: Record| {
            count += 1;
            let row = row + header_lines;
            let at = places.record(file, row);
            let mut v = |item: String, rule: &'static str, message: String| {
                violations.push(Violation {
                    file: entry.path.clone(),
                    row,
                    item,
                    rule,
                    message,
                })
            };
            for x in entity.validate(schema, &r) {
                v(format!("{}.{}", entity.id, x.item), "schema", x.reason);
            }
            let hash = key_hash(entity.primary_key.iter().map(|k| r.get(k)), &mut key);
            if let Some(&first) = keys_of.get(&hash) {
                let (f, first) = places.place(first);
                v(
                    format!("{}.{}", entity.id, entity.primary_key.join("+")),
                    "schema",
                    format!("duplicate primary key, first in {f}:{first}"),
                );
            } else {
                keys_of.insert(hash, at);
            }
            record_rules(entity.id.as_str(), &at, &r, as_of, keys, readings, &mut v);
        };
        let encoding = entry.csv_encoding()?;
        let csv = match format {
            Format::Csv => Some((
                schema
                    .layout(&own_layout)
                    .ok_or_else(|| Error::Dataset(format!("no layout {own_layout}")))?,
                encoding,
            )),
            _ => None,
        };
        let read = DataFile::open(&root, &entry.path)
            .and_then(|data| nhikit_io::read_file(format, data, entity, csv, &mut each));
        // An unreadable file is a violation of the dataset, not a reason to stop checking.
        if let Err(e) = read {
            report.violations.push(Violation {
                file: entry.path.clone(),
                row: 0,
                item: entity.id.clone(),
                rule: "read",
                message: e.to_string(),
            });
        }
        *report.records.entry(entity.id.clone()).or_insert(0) += count;
        report.files += 1;
    }
    // What the cross-record rules need is all in `keys` now.
    drop(primary);
    cross_rules(&mut keys, &places, &mut report);
    payment_totals(&keys, &places, &mut report);
    history_rules(&mut keys, &places, &mut report);
    Ok(report)
}

/// The history window of a generated dataset: April 1 of `options.history.from` to the
/// earlier of March 31 after `options.history.to` and the reference date.
fn history_window(
    from: Option<i32>,
    to: Option<i32>,
    as_of: Option<NaiveDate>,
) -> Option<(NaiveDate, NaiveDate)> {
    let start = NaiveDate::from_ymd_opt(from?, 4, 1)?;
    let end = NaiveDate::from_ymd_opt(to?.checked_add(1)?, 3, 31)?;
    Some((start, as_of.map_or(end, |a| end.min(a))))
}

/// Rules that need only the record itself, and collection of the keys for the rest.
fn record_rules(
    entity: &str,
    at: &At,
    r: &Record,
    as_of: Option<NaiveDate>,
    keys: &mut Keys,
    readings: &Readings,
    v: &mut impl FnMut(String, &'static str, String),
) {
    let lg = keys.id(r, "lgcode");
    match entity {
        "insurer" => {
            if let Some(n) = keys.code(r, "insurer_number") {
                keys.insurers.insert(n);
            }
        }
        "household" => {
            let hh = keys.id(r, "household_number");
            let head = keys.code(r, "head_address_number");
            let insurer = keys.code(r, "insurer_number");
            keys.households.insert((lg, hh), (*at, head, insurer));
        }
        "person" => {
            let an = keys.id(r, "address_number");
            let hh = keys.id(r, "household_number");
            let relationship = keys.code(r, "relationship");
            keys.members.push(MemberKey {
                household: (lg, hh),
                address: an,
                relationship,
                birth: d(r, "birth_date"),
                resident: matches!(s(r, "resident_status"), None | Some("1")),
            });
            if keys.track_history
                && let Some(death) = d(r, "death_date")
            {
                keys.deaths.insert((lg, an), death);
            }
            if !keys.households.contains_key(&(lg, hh)) {
                keys.person_households.push((*at, lg, hh));
            }
            keys.persons.insert((lg, an));
            if let (Some(name), Some(kana)) = (s(r, "name"), s(r, "name_kana"))
                && let Some(why) = readings.check(name, kana)
            {
                v("person.name_kana".into(), "reading", why);
            }
        }
        "qualification" => {
            let an = keys.id(r, "address_number");
            if keys.track_history {
                let period = PeriodKey {
                    at: *at,
                    person: (lg, an),
                    seq: int(r, "qualification_seq"),
                    acquired: d(r, "acquisition_date"),
                    reason: keys.code(r, "acquisition_reason"),
                    lost: d(r, "loss_date"),
                    loss_reason: keys.code(r, "loss_reason"),
                };
                keys.periods.push(period);
            }
            if let (Some(a), Some(l)) = (d(r, "acquisition_date"), d(r, "loss_date"))
                && l < a
            {
                v(
                    "qualification.loss_date".into(),
                    "history_loss",
                    format!("資格喪失日 {l} is before the 資格取得日 {a}"),
                );
            }
            let insurer = keys.code(r, "insurer_number");
            if !keys.persons.contains(&(lg, an))
                || insurer.is_some_and(|n| !keys.insurers.contains(&n))
            {
                keys.qualification_refs.push((*at, lg, an, insurer));
            }
            let (birth, acquired) = (d(r, "birth_date"), d(r, "acquisition_date"));
            if let (Some(b), Some(a)) = (birth, acquired)
                && a < b
            {
                v(
                    "qualification.acquisition_date".into(),
                    "dates",
                    format!("資格取得日 {a} is before the birth date {b}"),
                );
            }
            if let (Some(a), Some(n)) = (acquired, d(r, "acquisition_notified_date"))
                && n < a
            {
                v(
                    "qualification.acquisition_notified_date".into(),
                    "dates",
                    format!("届出日 {n} is before the 資格取得日 {a}"),
                );
            }
            if let (Some(as_of), Some(a)) = (as_of, acquired)
                && a > as_of
            {
                v(
                    "qualification.acquisition_date".into(),
                    "dates",
                    format!("資格取得日 {a} is after the reference date {as_of}"),
                );
            }
            // NHI ends on the 75th birthday (the day after the age is reached).
            if let (Some(as_of), Some(b)) = (as_of, birth)
                && d(r, "loss_date").is_none()
                && date_reaching_age(b, 75)
                    .and_then(|x| x.succ_opt())
                    .is_some_and(|birthday| birthday <= as_of)
            {
                v(
                    "qualification.birth_date".into(),
                    "dates",
                    format!(
                        "insured at {} on {as_of}: NHI ends on the 75th birthday",
                        age_on(b, as_of)
                    ),
                );
            }
            if let (Some(name), Some(kana)) = (s(r, "name"), s(r, "name_kana"))
                && let Some(why) = readings.check(name, kana)
            {
                v("qualification.name_kana".into(), "reading", why);
            }
        }
        "income" => {
            let an = keys.id(r, "address_number");
            keys.person_ref(*at, "income.address_number", lg, an);
            income_rules(r, v);
        }
        "assessment" => {
            let hh = keys.id(r, "household_number");
            let an = keys.id(r, "taxpayer_address_number");
            keys.household_ref(*at, "assessment.household_number", lg, hh);
            keys.person_ref(*at, "assessment.taxpayer_address_number", lg, an);
            keys.insurer_ref(*at, "assessment.insurer_number", r);
            if int(r, "revision_seq") == 0 {
                keys.assessments
                    .insert((lg, hh, int(r, "fiscal_year")), int(r, "total_amount"));
            }
            assessment_rules(r, v);
        }
        "perinatal" => {
            let hh = keys.id(r, "household_number");
            keys.household_ref(*at, "perinatal.household_number", lg, hh);
            let an = keys.id(r, "address_number");
            keys.person_ref(*at, "perinatal.address_number", lg, an);
            perinatal_rules(r, v);
        }
        "payment" => {
            let hh = keys.id(r, "household_number");
            keys.household_ref(*at, "payment.household_number", lg, hh);
            keys.insurer_ref(*at, "payment.insurer_number", r);
            payment_rules(r, as_of, v);
            let sum = keys
                .payments
                .entry((lg, hh, int(r, "fiscal_year")))
                .or_insert_with(|| PaymentSum {
                    at: *at,
                    billed: 0,
                    paid: 0,
                });
            if int(r, "payment_seq") == 1 {
                sum.billed += int(r, "billed_amount");
            }
            sum.paid += int(r, "paid_amount");
        }
        "qualification_event" => {
            let an = keys.id(r, "address_number");
            let hh = keys.id(r, "household_number");
            keys.household_ref(*at, "qualification_event.household_number", lg, hh);
            keys.person_ref(*at, "qualification_event.address_number", lg, an);
            keys.insurer_ref(*at, "qualification_event.insurer_number", r);
            let date = d(r, "event_date");
            if let (Some(e), Some(n)) = (date, d(r, "notified_date"))
                && n < e
            {
                v(
                    "qualification_event.notified_date".into(),
                    "history_notice",
                    format!("届出日 {n} is before the 異動日 {e}"),
                );
            }
            let reason = match keys.code(r, "acquisition_reason") {
                Some(c) => Some(c),
                None => keys.code(r, "loss_reason"),
            };
            let event = EventKey {
                at: *at,
                person: (lg, an),
                seq: int(r, "event_seq"),
                qualification_seq: int(r, "qualification_seq"),
                kind: keys.code(r, "event_kind"),
                date,
                reason,
            };
            keys.events.push(event);
        }
        "benefit_childbirth" | "benefit_funeral" | "benefit_high_cost" => {
            let entity = match entity {
                "benefit_childbirth" => "benefit_childbirth",
                "benefit_funeral" => "benefit_funeral",
                _ => "benefit_high_cost",
            };
            benefit_refs(entity, *at, r, lg, keys);
            benefit_rules(entity, r, as_of, v);
            if entity == "benefit_funeral"
                && keys.track_history
                && let (Some(an), Some(death)) =
                    (keys.code(r, "address_number"), d(r, "death_date"))
            {
                keys.funeral_deaths.push((*at, lg, an, death));
            }
        }
        "edge_case" => {
            let hh = keys.id(r, "household_number");
            let an = keys.id(r, "address_number");
            keys.household_ref(*at, "edge_case.household_number", lg, hh);
            keys.person_ref(*at, "edge_case.address_number", lg, an);
            if let Some(tag) = s(r, "tag")
                && nhikit_synth::Tag::from_code(tag).is_none()
            {
                v(
                    "edge_case.tag".into(),
                    "edge_case",
                    format!("{tag:?} is not an edge-case tag (docs/generator.md)"),
                );
            }
            if let Some(scope) = s(r, "scope")
                && !matches!(scope, "person" | "household")
            {
                v(
                    "edge_case.scope".into(),
                    "edge_case",
                    format!("{scope:?}: expected person or household"),
                );
            }
        }
        _ => {}
    }
}

/// The references of a benefit claim: its household, its person (the mother, the deceased,
/// the claimant) and its insurer.
fn benefit_refs(entity: &'static str, at: At, r: &Record, lg: Code, keys: &mut Keys) {
    let (person, household, insurer) = match entity {
        "benefit_childbirth" => (
            "benefit_childbirth.address_number",
            "benefit_childbirth.household_number",
            "benefit_childbirth.insurer_number",
        ),
        "benefit_funeral" => (
            "benefit_funeral.address_number",
            "benefit_funeral.household_number",
            "benefit_funeral.insurer_number",
        ),
        _ => (
            "benefit_high_cost.applicant_address_number",
            "benefit_high_cost.household_number",
            "benefit_high_cost.insurer_number",
        ),
    };
    let item = |full: &'static str| full.split_once('.').map_or(full, |(_, i)| i);
    let hh = keys.id(r, item(household));
    let an = keys.id(r, item(person));
    keys.household_ref(at, household, lg, hh);
    keys.person_ref(at, person, lg, an);
    keys.insurer_ref(at, insurer, r);
}

/// Benefit claims (rule named after the entity): the amount the rules give — 出産育児一時金 by
/// the birth date and 産科医療補償制度 per child, 高額療養費 = max(0, 一部負担金 − 限度額) with
/// the copay within the cost and a 所得区分 — and the dates in order: the event (birth,
/// funeral, service month) ≤ 申請 ≤ 決定 ≤ 支給 ≤ the reference date, 支給 only after 決定.
fn benefit_rules(
    entity: &'static str,
    r: &Record,
    as_of: Option<NaiveDate>,
    v: &mut impl FnMut(String, &'static str, String),
) {
    let event_item = match entity {
        "benefit_childbirth" => {
            if let (Some(birth), Some(Value::Bool(scheme))) =
                (d(r, "birth_date"), r.get("compensation_scheme"))
            {
                let want = nhikit_synth::benefit::childbirth_lump_sum(birth, *scheme).0
                    * int(r, "children_count");
                if int(r, "amount") != want {
                    v(
                        "benefit_childbirth.amount".into(),
                        entity,
                        format!(
                            "{} is not the 出産育児一時金 of {} child(ren) born {birth}{} ({want})",
                            int(r, "amount"),
                            int(r, "children_count"),
                            if *scheme {
                                " under 産科医療補償制度"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
            "birth_date"
        }
        "benefit_funeral" => {
            if let (Some(death), Some(funeral)) = (d(r, "death_date"), d(r, "funeral_date"))
                && funeral < death
            {
                v(
                    "benefit_funeral.funeral_date".into(),
                    entity,
                    format!("葬祭 {funeral} is before the death {death}"),
                );
            }
            "funeral_date"
        }
        _ => {
            let (cost, copay) = (int(r, "total_medical_cost"), int(r, "copay_total"));
            let (limit, benefit) = (int(r, "limit_amount"), int(r, "benefit_amount"));
            if benefit != (copay - limit).max(0) {
                v(
                    "benefit_high_cost.benefit_amount".into(),
                    entity,
                    format!("{benefit} is not 一部負担金 {copay} − 限度額 {limit} (floored at 0)"),
                );
            }
            if copay > cost {
                v(
                    "benefit_high_cost.copay_total".into(),
                    entity,
                    format!("一部負担金 {copay} exceeds the 医療費 {cost}"),
                );
            }
            if s(r, "income_category_under70").is_none() && s(r, "income_category_70_74").is_none()
            {
                v(
                    "benefit_high_cost.income_category_under70".into(),
                    entity,
                    "no 所得区分 (70歳未満 or 70〜74歳)".into(),
                );
            }
            if let Some(m) = d(r, "service_month")
                && m.pred_opt().map(|p| p.format("%m").to_string())
                    == Some(m.format("%m").to_string())
            {
                v(
                    "benefit_high_cost.service_month".into(),
                    entity,
                    format!("{m}: a service month is written as its first day"),
                );
            }
            "service_month"
        }
    };
    let mut last = (event_item, d(r, event_item));
    for item in ["application_date", "decision_date", "payment_date"] {
        let Some(date) = d(r, item) else {
            if item == "decision_date" && d(r, "payment_date").is_some() {
                v(
                    format!("{entity}.payment_date"),
                    entity,
                    "paid without a 決定年月日".into(),
                );
            }
            continue;
        };
        if let (before, Some(prev)) = last
            && date < prev
        {
            v(
                format!("{entity}.{item}"),
                entity,
                format!("{date} is before the {before} {prev}"),
            );
        }
        if let Some(as_of) = as_of
            && date > as_of
        {
            v(
                format!("{entity}.{item}"),
                entity,
                format!("{date} is after the reference date {as_of}"),
            );
        }
        last = (item, Some(date));
    }
}

/// `perinatal`: the exempt months are those of the (expected) birth month — from the month
/// before (3 months before for 多胎, not before 2024-01) to the month after next — and the
/// 届出 is not made more than 6 months before the expected date.
fn perinatal_rules(r: &Record, v: &mut impl FnMut(String, &'static str, String)) {
    let Some(expected) = d(r, "expected_birth_date") else {
        return;
    };
    let multiple = r.get("multiple") == Some(&Value::Bool(true));
    let month = NaiveDate::from_ymd_opt(expected.year(), expected.month(), 1);
    let scheme = NaiveDate::from_ymd_opt(2024, 1, 1);
    let start = month
        .and_then(|m| m.checked_sub_months(chrono::Months::new(if multiple { 3 } else { 1 })))
        .zip(scheme)
        .map(|(s, first)| s.max(first));
    let end = month.and_then(|m| m.checked_add_months(chrono::Months::new(2)));
    for (item, want) in [("exemption_start", start), ("exemption_end", end)] {
        if d(r, item) != want {
            v(
                format!("perinatal.{item}"),
                "perinatal",
                format!(
                    "{:?} does not match the expected birth {expected} ({}): {want:?}",
                    d(r, item),
                    if multiple { "多胎" } else { "単胎" }
                ),
            );
        }
    }
    if let (Some(n), Some(earliest)) = (
        d(r, "notified_date"),
        expected.checked_sub_months(chrono::Months::new(6)),
    ) && n < earliest
    {
        v(
            "perinatal.notified_date".into(),
            "perinatal",
            format!("届出 {n} more than 6 months before the expected birth {expected}"),
        );
    }
}

/// `payment`: a receipt has an amount, a date and a method, an unpaid row none of them; no
/// receipt above the installment or after the reference date.
fn payment_rules(
    r: &Record,
    as_of: Option<NaiveDate>,
    v: &mut impl FnMut(String, &'static str, String),
) {
    let paid = int(r, "paid_amount");
    let billed = int(r, "billed_amount");
    let date = d(r, "paid_date");
    let method = s(r, "payment_method");
    if paid > billed {
        v(
            "payment.paid_amount".into(),
            "payment",
            format!("{paid} received for an installment of {billed}"),
        );
    }
    match (paid > 0, date, method) {
        (true, Some(_), Some(_)) | (false, None, None) => {}
        (true, ..) => v(
            "payment.paid_date".into(),
            "payment",
            format!("{paid} received without a 収納年月日 and 納付方法"),
        ),
        (false, ..) => v(
            "payment.paid_date".into(),
            "payment",
            "a row with nothing received has a 収納年月日 or 納付方法".into(),
        ),
    }
    if let (Some(on), Some(as_of)) = (date, as_of)
        && on > as_of
    {
        v(
            "payment.paid_date".into(),
            "payment",
            format!("received on {on}, after the reference date {as_of}"),
        );
    }
}

fn int(r: &Record, item: &str) -> i64 {
    match r.get(item) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

/// `income`: each 所得 within its revenue, 総所得金額等 the sum of its parts.
fn income_rules(r: &Record, v: &mut impl FnMut(String, &'static str, String)) {
    for (income, revenue) in [
        ("salary_income", "salary_revenue"),
        ("pension_income", "pension_revenue"),
    ] {
        if int(r, income) > int(r, revenue) {
            v(
                format!("income.{income}"),
                "income",
                format!(
                    "{} exceeds the revenue {revenue} {}",
                    int(r, income),
                    int(r, revenue)
                ),
            );
        }
    }
    let sum = [
        "salary_income",
        "pension_income",
        "business_income",
        "real_estate_income",
        "interest_dividend_income",
        "misc_income",
        "other_comprehensive_income",
        "separate_capital_gains",
        "stock_capital_gains",
    ]
    .iter()
    .map(|i| int(r, i))
    .sum::<i64>()
        - int(r, "separate_capital_gains_deduction");
    let total = int(r, "total_income");
    if total != sum.max(0) {
        v(
            "income.total_income".into(),
            "income",
            format!("{total} is not the sum of the 所得 items ({})", sum.max(0)),
        );
    }
    if s(r, "declaration_status") == Some("3") && total != 0 {
        v(
            "income.total_income".into(),
            "income",
            format!("{total} for a 未申告 person, whose income is unknown (0)"),
        );
    }
    let involuntary = r.get("involuntary_unemployed") == Some(&Value::Bool(true));
    let (date, reason) = (d(r, "separation_date"), s(r, "separation_reason"));
    let complete = date.is_some() && reason.is_some();
    let any = date.is_some() || reason.is_some();
    if (involuntary && !complete) || (!involuntary && any) {
        v(
            "income.separation_date".into(),
            "income",
            if involuntary {
                "a 非自発的失業者 without 離職年月日 and 離職理由".into()
            } else {
                "離職年月日 or 離職理由 without the 非自発的失業者 flag".into()
            },
        );
    }
}

/// `assessment`: the total is the sum of the parts, no 法定軽減 for an undeclared household,
/// no part above what its levies add up to.
fn assessment_rules(r: &Record, v: &mut impl FnMut(String, &'static str, String)) {
    let mut sum = 0;
    for part in ["medical", "support", "care", "child"] {
        let amount = int(r, &format!("{part}_amount"));
        sum += amount;
        let levies: i64 = [
            "income_levy",
            "asset_levy",
            "per_capita_levy",
            "household_levy",
        ]
        .iter()
        .map(|l| int(r, &format!("{part}_{l}")))
        .sum();
        // Each levy is an annual sum truncated to the yen on its own: together they may fall
        // short of the part's amount by less than one yen each.
        if amount > levies + 4 {
            v(
                format!("assessment.{part}_amount"),
                "assessment",
                format!("{amount} exceeds the sum of the part's levies {levies}"),
            );
        }
    }
    let total = int(r, "total_amount");
    if total != sum {
        v(
            "assessment.total_amount".into(),
            "assessment",
            format!("{total} is not the sum of the parts' amounts {sum}"),
        );
    }
    if r.get("undeclared") == Some(&Value::Bool(true)) && s(r, "reduction_class") != Some("0") {
        v(
            "assessment.reduction_class".into(),
            "assessment",
            "a household with a 未申告 member gets no 法定軽減".into(),
        );
    }
}

/// Rules across records: references, one 世帯主 per household, parents' ages.
fn cross_rules(keys: &mut Keys, places: &Places, report: &mut Report) {
    // Stable: each household's members stay in reading order.
    keys.members.sort_by_key(|m| m.household);
    let keys = &*keys;
    let mut v = |at: &At, item: &str, rule: &'static str, message: String| {
        report
            .violations
            .push(places.violation(*at, item, rule, message))
    };
    let codes = &keys.codes;
    // 続柄: 世帯主, 妻, 夫, 子.
    let [head_of, wife, husband, child_of] = ["01", "02", "03", "06"].map(Code::digits);
    let check_insurers = !keys.insurers.is_empty();
    let have_households = !keys.households.is_empty();
    let have_persons = !keys.persons.is_empty();
    for (at, lg, hh) in &keys.person_households {
        if have_households && !keys.households.contains_key(&(*lg, *hh)) {
            v(
                at,
                "person.household_number",
                "reference",
                format!(
                    "household {}/{} does not exist",
                    codes.show(*lg),
                    codes.show(*hh)
                ),
            );
        }
    }
    for (at, lg, an, insurer) in &keys.qualification_refs {
        if have_persons && !keys.persons.contains(&(*lg, *an)) {
            v(
                at,
                "qualification.address_number",
                "reference",
                format!(
                    "person {}/{} does not exist",
                    codes.show(*lg),
                    codes.show(*an)
                ),
            );
        }
        if check_insurers && insurer.is_some_and(|n| !keys.insurers.contains(&n)) {
            v(
                at,
                "qualification.insurer_number",
                "reference",
                "no insurer with this number".into(),
            );
        }
    }
    for (at, item, lg, an) in &keys.other_person_refs {
        if have_persons && !keys.persons.contains(&(*lg, *an)) {
            v(
                at,
                item,
                "reference",
                format!(
                    "person {}/{} does not exist",
                    codes.show(*lg),
                    codes.show(*an)
                ),
            );
        }
    }
    for (at, item, lg, hh) in &keys.other_household_refs {
        if have_households && !keys.households.contains_key(&(*lg, *hh)) {
            v(
                at,
                item,
                "reference",
                format!(
                    "household {}/{} does not exist",
                    codes.show(*lg),
                    codes.show(*hh)
                ),
            );
        }
    }
    for (at, item, n) in &keys.other_insurer_refs {
        if check_insurers && !keys.insurers.contains(n) {
            v(at, item, "reference", "no insurer with this number".into());
        }
    }
    let mut households: Vec<_> = keys.households.iter().collect();
    // In reading order, which is the order of (file, row): the files of an entity are read in
    // the order of their paths.
    households.sort_by_key(|h| h.1.0);
    for ((lg, hh), (at, head, insurer)) in households {
        if check_insurers && insurer.is_some_and(|n| !keys.insurers.contains(&n)) {
            v(
                at,
                "household.insurer_number",
                "reference",
                "no insurer with this number".into(),
            );
        }
        if !have_persons {
            continue;
        }
        let ms = &keys.members[keys.members.partition_point(|m| m.household < (*lg, *hh))..];
        let ms = &ms[..ms.partition_point(|m| m.household == (*lg, *hh))];
        // Former members (転出者, 死亡者) keep the 続柄 they had: only residents count, unless
        // none of the members lives there any more (a household that moved out or died out).
        let residents = ms.iter().any(|m| m.resident);
        let heads: Vec<_> = ms
            .iter()
            .filter(|m| m.relationship == head_of && (m.resident || !residents))
            .collect();
        if heads.len() != 1 {
            v(
                at,
                "household",
                "household",
                format!(
                    "{} 世帯主 (続柄 01) among {} members; exactly one expected",
                    heads.len(),
                    ms.len()
                ),
            );
        } else if Some(heads[0].address) != *head {
            v(
                at,
                "household.head_address_number",
                "household",
                "is not the 宛名番号 of the member with 続柄 01".into(),
            );
        }
        if let Some(head) = head
            && !keys.persons.contains(&(*lg, *head))
        {
            v(
                at,
                "household.head_address_number",
                "reference",
                format!(
                    "person {}/{} does not exist",
                    codes.show(*lg),
                    codes.show(*head)
                ),
            );
        }
        let parents: Vec<NaiveDate> = ms
            .iter()
            .filter(|m| [head_of, wife, husband].contains(&m.relationship))
            .filter_map(|m| m.birth)
            .collect();
        for child in ms.iter().filter(|m| m.relationship == child_of) {
            let Some(cb) = child.birth else { continue };
            for pb in &parents {
                if age_on(*pb, cb) < 15 {
                    v(
                        at,
                        "person.birth_date",
                        "parent_age",
                        format!(
                            "a parent born {pb} is less than 15 years older than a child born {cb}"
                        ),
                    );
                }
            }
        }
    }
}

/// `payment_total`: the installments of an assessment add up to its 年税額, and no more is
/// received; the assessment paid exists (datasets with both entities).
fn payment_totals(keys: &Keys, places: &Places, report: &mut Report) {
    if keys.assessments.is_empty() {
        return;
    }
    let mut sums: Vec<_> = keys.payments.iter().collect();
    // In reading order, as for households.
    sums.sort_by_key(|p| p.1.at);
    for (&(lg_code, hh_code, fy), p) in sums {
        let (lg, hh) = (keys.codes.show(lg_code), keys.codes.show(hh_code));
        let message = match keys.assessments.get(&(lg_code, hh_code, fy)) {
            None => format!("no FY{fy} assessment of household {lg}/{hh}"),
            Some(total) if *total != p.billed => format!(
                "the installments of household {lg}/{hh} FY{fy} add up to {}, the assessment is {total}",
                p.billed
            ),
            Some(total) if p.paid > *total => format!(
                "{} received for household {lg}/{hh} FY{fy}, assessed {total}",
                p.paid
            ),
            Some(_) => continue,
        };
        report.violations.push(places.violation(
            p.at,
            "payment.billed_amount",
            "payment_total",
            message,
        ));
    }
}

/// The history rules, per person with events or periods (`qualification_event` datasets):
/// - `history_order`: events numbered in the order of their 異動日;
/// - `history_death`: nothing after death — no event after the 死亡 loss (the day after
///   death), no period acquired after death or still open;
/// - `history_overlap`: periods in 資格履歴番号 order do not overlap: each but the last is
///   closed, and the next one starts on or after its 喪失日 (re-acquisition only after a loss);
/// - `history_loss`: no loss before acquisition (checked per row while reading, and for loss
///   events against their period here);
/// - `history_snapshot`: acquisition and loss events agree with the `qualification` rows
///   (same 資格履歴番号, date and reason), and every acquisition or loss inside the history
///   window has its event — so the snapshot's 資格取得日 and 事由 are the last acquisition's;
///   other events fall inside a period of the person;
/// - `history_notice` (while reading): no 届出日 before the 異動日.
fn history_rules(keys: &mut Keys, places: &Places, report: &mut Report) {
    if !keys.track_history {
        return;
    }
    let mut v = |at: &At, item: &str, rule: &'static str, message: String| {
        report
            .violations
            .push(places.violation(*at, item, rule, message))
    };
    let codes = &keys.codes;
    // People in the order of the texts of their lgcode and 宛名番号; the sorts are stable, so
    // each person's rows stay in reading order.
    let by_person =
        |a: &(Code, Code), b: &(Code, Code)| codes.cmp(a.0, b.0).then(codes.cmp(a.1, b.1));
    keys.periods.sort_by(|a, b| by_person(&a.person, &b.person));
    keys.events.sort_by(|a, b| by_person(&a.person, &b.person));
    let keys = &*keys;
    // A 葬祭費 claim is for a person who died that day.
    for &(at, lg_code, an_code, death) in &keys.funeral_deaths {
        let (lg, an) = (codes.show(lg_code), codes.show(an_code));
        let recorded = keys.deaths.get(&(lg_code, an_code)).copied();
        if recorded != Some(death) {
            v(
                &at,
                "benefit_funeral.death_date",
                "benefit_funeral",
                format!(
                    "死亡年月日 {death}, but the person {lg}/{an} has {}",
                    recorded.map_or("no 死亡日".to_owned(), |d| format!("死亡日 {d}"))
                ),
            );
        }
    }
    let inside = |d: NaiveDate| keys.window.is_some_and(|(s, e)| d >= s && d <= e);
    // 異動区分 資格取得, 資格喪失; 喪失事由 死亡.
    let [acquisition, loss, died] = ["01", "02", "01"].map(Code::digits);
    let (mut periods_left, mut events_left) = (&keys.periods[..], &keys.events[..]);
    loop {
        // The next person with periods or events, and their rows.
        let person = match (periods_left.first(), events_left.first()) {
            (None, None) => break,
            (Some(p), None) => p.person,
            (None, Some(e)) => e.person,
            (Some(p), Some(e)) => match by_person(&p.person, &e.person) {
                std::cmp::Ordering::Greater => e.person,
                _ => p.person,
            },
        };
        let (mine, rest) =
            periods_left.split_at(periods_left.partition_point(|p| p.person == person));
        let mut periods: Vec<&PeriodKey> = mine.iter().collect();
        periods_left = rest;
        let (mine, rest) =
            events_left.split_at(events_left.partition_point(|e| e.person == person));
        let mut events: Vec<&EventKey> = mine.iter().collect();
        events_left = rest;
        events.sort_by_key(|e| e.seq);
        periods.sort_by_key(|p| p.seq);
        let who = format!("{}/{}", codes.show(person.0), codes.show(person.1));
        // Order.
        for pair in events.windows(2) {
            if let (Some(a), Some(b)) = (pair[0].date, pair[1].date)
                && b < a
            {
                v(
                    &pair[1].at,
                    "qualification_event.event_date",
                    "history_order",
                    format!(
                        "{who}: event {} on {b} is before event {} on {a}",
                        pair[1].seq, pair[0].seq
                    ),
                );
            }
        }
        // Nothing after death.
        if let Some(&death) = keys.deaths.get(&person) {
            let lost = death.succ_opt().unwrap_or(death);
            for e in &events {
                let Some(date) = e.date else { continue };
                let death_loss = e.kind == loss && e.reason == died;
                if date > lost || (date == lost && !death_loss) {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_death",
                        format!(
                            "{who}: event {} on {date}, after the death on {death}",
                            e.seq
                        ),
                    );
                }
            }
            for p in &periods {
                if p.acquired.is_some_and(|a| a > death) || p.lost.is_none_or(|l| l > lost) {
                    v(
                        &p.at,
                        "qualification.loss_date",
                        "history_death",
                        format!(
                            "{who}: period {} is insured after the death on {death}",
                            p.seq
                        ),
                    );
                }
            }
        }
        // No overlapping periods; re-acquisition only after a loss.
        for pair in periods.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            match (a.lost, b.acquired) {
                (None, _) => v(
                    &b.at,
                    "qualification.qualification_seq",
                    "history_overlap",
                    format!(
                        "{who}: period {} starts while period {} is still open",
                        b.seq, a.seq
                    ),
                ),
                (Some(l), Some(acq)) if acq < l => v(
                    &b.at,
                    "qualification.acquisition_date",
                    "history_overlap",
                    format!(
                        "{who}: period {} starts on {acq}, before period {} ends on {l}",
                        b.seq, a.seq
                    ),
                ),
                _ => {}
            }
        }
        // Events against periods, and periods against events.
        let period = |seq: i64| periods.iter().find(|p| p.seq == seq);
        for e in &events {
            let Some(date) = e.date else { continue };
            let Some(p) = period(e.qualification_seq) else {
                v(
                    &e.at,
                    "qualification_event.qualification_seq",
                    "history_snapshot",
                    format!("{who}: no qualification period {}", e.qualification_seq),
                );
                continue;
            };
            if e.kind == acquisition {
                if p.acquired != Some(date) || p.reason != e.reason {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_snapshot",
                        format!(
                            "{who}: acquisition on {date} ({}) but period {} acquired on {} ({})",
                            codes.show_or_dash(e.reason),
                            p.seq,
                            p.acquired.map_or("-".into(), |d| d.to_string()),
                            codes.show_or_dash(p.reason),
                        ),
                    );
                }
            } else if e.kind == loss {
                if p.acquired.is_some_and(|a| date < a) {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_loss",
                        format!(
                            "{who}: loss on {date} before the acquisition of period {}",
                            p.seq
                        ),
                    );
                }
                if p.lost != Some(date) || p.loss_reason != e.reason {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_snapshot",
                        format!(
                            "{who}: loss on {date} ({}) but period {} lost on {} ({})",
                            codes.show_or_dash(e.reason),
                            p.seq,
                            p.lost.map_or("-".into(), |d| d.to_string()),
                            codes.show_or_dash(p.loss_reason),
                        ),
                    );
                }
            } else {
                let before = p.acquired.is_some_and(|a| date < a);
                let after = p.lost.is_some_and(|l| date >= l);
                if before || after {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_snapshot",
                        format!(
                            "{who}: event {} on {date} is outside period {}",
                            e.seq, p.seq
                        ),
                    );
                }
            }
        }
        for p in &periods {
            let has = |kind: Option<Code>, date: Option<NaiveDate>| {
                events
                    .iter()
                    .any(|e| e.qualification_seq == p.seq && e.kind == kind && e.date == date)
            };
            if let Some(a) = p.acquired
                && inside(a)
                && !has(acquisition, Some(a))
            {
                v(
                    &p.at,
                    "qualification.acquisition_date",
                    "history_snapshot",
                    format!(
                        "{who}: period {} acquired on {a}, inside the history window, without an acquisition event",
                        p.seq
                    ),
                );
            }
            if let Some(l) = p.lost
                && inside(l)
                && !has(loss, Some(l))
            {
                v(
                    &p.at,
                    "qualification.loss_date",
                    "history_snapshot",
                    format!(
                        "{who}: period {} lost on {l}, inside the history window, without a loss event",
                        p.seq
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that are packed (digits, leading zeros, 17 digits) and kept (empty, 18 digits,
    /// letters, full-width digits).
    const TEXTS: [&str; 12] = [
        "",
        "0",
        "00",
        "0000000000",
        "9",
        "10",
        "131024",
        "12345678901234567",
        "99999999999999999",
        "123456789012345678",
        "ABC",
        "１２３",
    ];

    #[test]
    fn a_code_shows_its_text_and_equal_codes_are_equal_texts() {
        let mut codes = Codes::default();
        let all: Vec<Code> = TEXTS.iter().map(|t| codes.code(t)).collect();
        for (t, c) in TEXTS.iter().zip(&all) {
            assert_eq!(codes.show(*c).to_string(), *t);
            assert_eq!(codes.code(t), *c, "{t:?} has one code");
        }
        for (i, a) in all.iter().enumerate() {
            for (j, b) in all.iter().enumerate() {
                assert_eq!(a == b, i == j, "{:?} {:?}", TEXTS[i], TEXTS[j]);
                // The order of the texts, as `str` orders them.
                assert_eq!(codes.cmp(*a, *b), TEXTS[i].cmp(TEXTS[j]));
            }
        }
        assert_eq!(codes.show_or_dash(None).to_string(), "-");
        assert_eq!(
            codes.texts.len(),
            4,
            "only the texts that are not 1–17 digits are kept"
        );
    }
}
