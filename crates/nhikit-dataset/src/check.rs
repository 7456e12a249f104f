//! The checks of [`validate`].

use crate::Error;
use nhikit_core::date::{NaiveDate, age_on, date_reaching_age};
use nhikit_io::{Format, Manifest};
use nhikit_schema::{Record, Schema, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

/// One violation: where, which item, which rule, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The file, relative to the dataset directory.
    pub file: String,
    /// 1-based row in the file (0 for file-level problems).
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

/// Where a record came from.
#[derive(Clone)]
struct At {
    file: Arc<str>,
    row: u64,
}

/// The items of a record that the cross-record rules need: kept for every record while the
/// files are read, so memory grows with the number of records but not with their width.
#[derive(Default)]
struct Keys {
    /// insurer numbers.
    insurers: HashSet<String>,
    /// (lgcode, 世帯番号) → (where, 世帯主宛名番号, 保険者番号).
    households: HashMap<(String, String), HouseholdKey>,
    /// (lgcode, 宛名番号).
    persons: HashSet<(String, String)>,
    /// (lgcode, 世帯番号) → members (宛名番号, 続柄, birth).
    members: HashMap<(String, String), Vec<MemberKey>>,
    /// Person references to check once all files are read: (where, lgcode, 世帯番号).
    person_households: Vec<(At, String, String)>,
    /// Qualification references: (where, lgcode, 宛名番号, 保険者番号).
    qualification_refs: Vec<(At, String, String, Option<String>)>,
    /// Person references of the other entities: (where, item, lgcode, 宛名番号).
    other_person_refs: Vec<(At, &'static str, String, String)>,
    /// Household references of the other entities: (where, item, lgcode, 世帯番号).
    other_household_refs: Vec<(At, &'static str, String, String)>,
    /// Insurer references of the other entities: (where, item, 保険者番号).
    other_insurer_refs: Vec<(At, &'static str, String)>,
}

/// A household as the cross-record rules see it: where, 世帯主宛名番号, 保険者番号.
type HouseholdKey = (At, Option<String>, Option<String>);
/// A member: 宛名番号, 続柄, birth date.
type MemberKey = (Option<String>, Option<String>, Option<NaiveDate>);
/// Primary keys seen per entity, with where each was first seen.
type PrimaryKeys = HashMap<String, BTreeMap<Vec<Value>, (Arc<str>, u64)>>;

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

fn owned(r: &Record, item: &str) -> Option<String> {
    s(r, item).map(str::to_owned)
}

/// Checks the dataset in `dir` against `schema`, reading one file at a time.
pub fn validate(dir: &Path, schema: &Schema) -> Result<Report, Error> {
    let manifest = Manifest::read(dir)?;
    let mut report = Report::default();
    for m in manifest.verify(dir)? {
        report.violations.push(Violation {
            file: m.path().to_owned(),
            row: 0,
            item: String::new(),
            rule: "manifest",
            message: format!("{m:?}"),
        });
    }
    let as_of = manifest
        .options
        .get("as_of")
        .and_then(|v| v.as_str())
        .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok());
    // Read one format: the first of parquet, arrow, jsonl, csv that the dataset has.
    let format = [Format::Parquet, Format::Arrow, Format::Jsonl, Format::Csv]
        .into_iter()
        .find(|f| manifest.files.iter().any(|e| e.format == *f))
        .ok_or_else(|| Error::Dataset("the manifest lists no data files".into()))?;
    report.format = Some(format);
    let readings = Readings::embedded()?;
    let mut keys = Keys::default();
    let mut primary: PrimaryKeys = HashMap::new();
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
        let path = dir.join(&entry.path);
        let file: Arc<str> = entry.path.as_str().into();
        let keys_of = primary.entry(entity.id.clone()).or_default();
        let violations = &mut report.violations;
        let keys = &mut keys;
        let readings = &readings;
        let mut count = 0u64;
        let mut each = |row: u64, r: Record| {
            count += 1;
            let at = At {
                file: file.clone(),
                row: row + 1,
            };
            let mut v = |item: String, rule: &'static str, message: String| {
                violations.push(Violation {
                    file: at.file.to_string(),
                    row: at.row,
                    item,
                    rule,
                    message,
                })
            };
            for x in entity.validate(schema, &r) {
                v(format!("{}.{}", entity.id, x.item), "schema", x.reason);
            }
            let key: Vec<Value> = entity
                .primary_key
                .iter()
                .map(|k| r.get(k).cloned().unwrap_or(Value::Null))
                .collect();
            if let Some((f, first)) = keys_of.get(&key) {
                v(
                    format!("{}.{}", entity.id, entity.primary_key.join("+")),
                    "schema",
                    format!("duplicate primary key, first in {f}:{first}"),
                );
            } else {
                keys_of.insert(key, (at.file.clone(), at.row));
            }
            record_rules(entity.id.as_str(), &at, &r, as_of, keys, readings, &mut v);
        };
        let encoding = entry.csv_encoding()?;
        let read = match format {
            Format::Parquet => nhikit_io::read_parquet(&path, entity, &mut each),
            Format::Arrow => nhikit_io::read_arrow(&path, entity, &mut each),
            Format::Jsonl => nhikit_io::read_jsonl(&path, entity, &mut each),
            Format::Csv => {
                let layout = schema
                    .layout(&own_layout)
                    .ok_or_else(|| Error::Dataset(format!("no layout {own_layout}")))?;
                nhikit_io::read_csv(&path, entity, layout, encoding, &mut each)
            }
        };
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
    cross_rules(&keys, &mut report);
    Ok(report)
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
    let lg = owned(r, "lgcode").unwrap_or_default();
    match entity {
        "insurer" => {
            keys.insurers.extend(owned(r, "insurer_number"));
        }
        "household" => {
            let hh = owned(r, "household_number").unwrap_or_default();
            keys.households.insert(
                (lg, hh),
                (
                    at.clone(),
                    owned(r, "head_address_number"),
                    owned(r, "insurer_number"),
                ),
            );
        }
        "person" => {
            let an = owned(r, "address_number").unwrap_or_default();
            let hh = owned(r, "household_number").unwrap_or_default();
            keys.members
                .entry((lg.clone(), hh.clone()))
                .or_default()
                .push((
                    Some(an.clone()),
                    owned(r, "relationship"),
                    d(r, "birth_date"),
                ));
            keys.person_households.push((at.clone(), lg.clone(), hh));
            keys.persons.insert((lg, an));
            if let (Some(name), Some(kana)) = (s(r, "name"), s(r, "name_kana"))
                && let Some(why) = readings.check(name, kana)
            {
                v("person.name_kana".into(), "reading", why);
            }
        }
        "qualification" => {
            let an = owned(r, "address_number").unwrap_or_default();
            keys.qualification_refs
                .push((at.clone(), lg, an, owned(r, "insurer_number")));
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
            let an = owned(r, "address_number").unwrap_or_default();
            keys.other_person_refs
                .push((at.clone(), "income.address_number", lg, an));
            income_rules(r, v);
        }
        "assessment" => {
            let hh = owned(r, "household_number").unwrap_or_default();
            let an = owned(r, "taxpayer_address_number").unwrap_or_default();
            keys.other_household_refs.push((
                at.clone(),
                "assessment.household_number",
                lg.clone(),
                hh,
            ));
            keys.other_person_refs
                .push((at.clone(), "assessment.taxpayer_address_number", lg, an));
            if let Some(n) = owned(r, "insurer_number") {
                keys.other_insurer_refs
                    .push((at.clone(), "assessment.insurer_number", n));
            }
            assessment_rules(r, v);
        }
        "edge_case" => {
            let hh = owned(r, "household_number").unwrap_or_default();
            let an = owned(r, "address_number").unwrap_or_default();
            keys.other_household_refs.push((
                at.clone(),
                "edge_case.household_number",
                lg.clone(),
                hh,
            ));
            keys.other_person_refs
                .push((at.clone(), "edge_case.address_number", lg, an));
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
fn cross_rules(keys: &Keys, report: &mut Report) {
    let mut v = |at: &At, item: &str, rule: &'static str, message: String| {
        report.violations.push(Violation {
            file: at.file.to_string(),
            row: at.row,
            item: item.to_owned(),
            rule,
            message,
        })
    };
    let check_insurers = !keys.insurers.is_empty();
    let have_households = !keys.households.is_empty();
    let have_persons = !keys.persons.is_empty();
    for (at, lg, hh) in &keys.person_households {
        if have_households && !keys.households.contains_key(&(lg.clone(), hh.clone())) {
            v(
                at,
                "person.household_number",
                "reference",
                format!("household {lg}/{hh} does not exist"),
            );
        }
    }
    for (at, lg, an, insurer) in &keys.qualification_refs {
        if have_persons && !keys.persons.contains(&(lg.clone(), an.clone())) {
            v(
                at,
                "qualification.address_number",
                "reference",
                format!("person {lg}/{an} does not exist"),
            );
        }
        if check_insurers && insurer.as_ref().is_some_and(|n| !keys.insurers.contains(n)) {
            v(
                at,
                "qualification.insurer_number",
                "reference",
                "no insurer with this number".into(),
            );
        }
    }
    for (at, item, lg, an) in &keys.other_person_refs {
        if have_persons && !keys.persons.contains(&(lg.clone(), an.clone())) {
            v(
                at,
                item,
                "reference",
                format!("person {lg}/{an} does not exist"),
            );
        }
    }
    for (at, item, lg, hh) in &keys.other_household_refs {
        if have_households && !keys.households.contains_key(&(lg.clone(), hh.clone())) {
            v(
                at,
                item,
                "reference",
                format!("household {lg}/{hh} does not exist"),
            );
        }
    }
    for (at, item, n) in &keys.other_insurer_refs {
        if check_insurers && !keys.insurers.contains(n) {
            v(at, item, "reference", "no insurer with this number".into());
        }
    }
    let mut households: Vec<_> = keys.households.iter().collect();
    households.sort_by(|a, b| (&a.1.0.file, a.1.0.row).cmp(&(&b.1.0.file, b.1.0.row)));
    for ((lg, hh), (at, head, insurer)) in households {
        if check_insurers && insurer.as_ref().is_some_and(|n| !keys.insurers.contains(n)) {
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
        let ms = keys
            .members
            .get(&(lg.clone(), hh.clone()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let heads: Vec<_> = ms.iter().filter(|m| m.1.as_deref() == Some("01")).collect();
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
        } else if heads[0].0 != *head {
            v(
                at,
                "household.head_address_number",
                "household",
                "is not the 宛名番号 of the member with 続柄 01".into(),
            );
        }
        if let Some(head) = head
            && !keys.persons.contains(&(lg.clone(), head.clone()))
        {
            v(
                at,
                "household.head_address_number",
                "reference",
                format!("person {lg}/{head} does not exist"),
            );
        }
        let parents: Vec<NaiveDate> = ms
            .iter()
            .filter(|m| matches!(m.1.as_deref(), Some("01" | "02" | "03")))
            .filter_map(|m| m.2)
            .collect();
        for child in ms.iter().filter(|m| m.1.as_deref() == Some("06")) {
            let Some(cb) = child.2 else { continue };
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
