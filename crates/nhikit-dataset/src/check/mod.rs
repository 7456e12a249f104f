//! The checks of [`validate`], by concern: reading and the per-record rules here; where
//! records are and what the cross-record rules keep (`keys`); name readings (`readings`);
//! money (`money`); benefits (`benefits`); references and households (`cross`); histories
//! (`history`). The item rules and date orders are the schema's (`nhikit_schema::rules`).

mod benefits;
mod cross;
mod history;
mod keys;
mod money;
mod readings;

use benefits::benefit_rules;
use cross::cross_rules;
use history::history_rules;
use keys::{At, EventKey, Keys, MemberKey, PaymentSum, PeriodKey, Places};
use money::{assessment_rules, income_rules, payment_rules, payment_totals, perinatal_rules};
use nhikit_schema::names::{
    assessment, benefit_childbirth, benefit_funeral, benefit_high_cost, edge_case, household,
    income, payment, perinatal, person, qualification, qualification_event,
};
use readings::Readings;

use crate::Error;
use nhikit_core::date::{NaiveDate, age_on, date_reaching_age};
use nhikit_io::contain::Root;
use nhikit_io::{DataFile, Format, Manifest, Mismatch};
use nhikit_schema::keys::{KeyFault, KeyIndex};
use nhikit_schema::rules::EntityRules;
use nhikit_schema::{Record, Schema, Value};
use std::collections::BTreeMap;
use std::fmt;
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

pub(crate) fn s<'a>(r: &'a Record, item: &str) -> Option<&'a str> {
    match r.get(item) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

pub(crate) fn d(r: &Record, item: &str) -> Option<NaiveDate> {
    match r.get(item) {
        Some(Value::Date(d)) => Some(*d),
        _ => None,
    }
}

pub(crate) fn int(r: &Record, item: &str) -> i64 {
    match r.get(item) {
        Some(Value::Int(n)) => *n,
        _ => 0,
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
            .any(|e| e.entity == qualification_event::ENTITY),
        window: {
            let history = spec.as_ref().and_then(|s| s.extras.history);
            history_window(history.map(|w| w.from), history.map(|w| w.to), as_of)
        },
        ..Keys::default()
    };
    let mut index: KeyIndex<'_, At> = KeyIndex::new(schema);
    let mut places = Places::default();
    // Referenced entities first (the schema's references say which), so that most references
    // resolve as their records are read; the files of an entity in the order of their paths.
    let order = KeyIndex::<At>::feed_order(schema);
    let rank = |entity: &str| {
        order
            .iter()
            .position(|e| *e == entity)
            .unwrap_or(order.len())
    };
    let mut entries: Vec<_> = manifest
        .files
        .iter()
        .filter(|e| e.format == format)
        .collect();
    entries.sort_by_key(|e| (rank(&e.entity), e.path.clone()));
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
        let rules = EntityRules::new(schema, entity);
        let index = &mut index;
        let violations = &mut report.violations;
        let keys = &mut keys;
        let places = &mut places;
        let readings = &readings;
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
            index.feed(
                &entity.id,
                at,
                |i| r.get(&entity.items[i].id),
                |_, f| {
                    if let KeyFault::Duplicate { first, .. } = f {
                        let (file, first) = places.place(first);
                        v(f.item(), "schema", format!("{f}, first in {file}:{first}"));
                    }
                },
            );
            rules.order_faults(
                |i| d(&r, &entity.items[i].id),
                |f| {
                    v(
                        format!("{}.{}", entity.id, f.order.later),
                        rule_name(&f.order.rule),
                        f.order.message(&f.earlier, &f.later),
                    )
                },
            );
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
    keys.have_persons = index.holds(person::ENTITY);
    index.finish(|at, f| {
        report
            .violations
            .push(places.violation(at, &f.item(), "reference", f.to_string()))
    });
    cross_rules(&mut keys, &places, &mut report);
    payment_totals(&keys, &places, &mut report);
    history_rules(&mut keys, &places, &mut report);
    Ok(report)
}

/// The rule name of a declared date order (`[[entity.order]] rule`): one of the names the
/// crate documentation lists, or (a schema of its own) the declared name, kept for the run.
fn rule_name(name: &str) -> &'static str {
    const KNOWN: [&str; 4] = ["dates", "history_loss", "history_notice", "history_order"];
    match KNOWN.iter().find(|k| **k == name) {
        Some(k) => k,
        None => Box::leak(name.to_owned().into_boxed_str()),
    }
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
        household::ENTITY => {
            let hh = keys.id(r, "household_number");
            let head = keys.code(r, "head_address_number");
            keys.households.insert((lg, hh), (*at, head));
        }
        person::ENTITY => {
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
            if let (Some(name), Some(kana)) = (s(r, "name"), s(r, "name_kana"))
                && let Some(why) = readings.check(name, kana)
            {
                v("person.name_kana".into(), "reading", why);
            }
        }
        qualification::ENTITY => {
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
            let (birth, acquired) = (d(r, "birth_date"), d(r, "acquisition_date"));
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
        income::ENTITY => income_rules(r, v),
        assessment::ENTITY => {
            let hh = keys.id(r, "household_number");
            if int(r, "revision_seq") == 0 {
                keys.assessments
                    .insert((lg, hh, int(r, "fiscal_year")), int(r, "total_amount"));
            }
            assessment_rules(r, v);
        }
        perinatal::ENTITY => perinatal_rules(r, v),
        payment::ENTITY => {
            let hh = keys.id(r, "household_number");
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
        qualification_event::ENTITY => {
            let an = keys.id(r, "address_number");
            let date = d(r, "event_date");
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
        benefit_childbirth::ENTITY | benefit_funeral::ENTITY | benefit_high_cost::ENTITY => {
            let entity = match entity {
                benefit_childbirth::ENTITY => benefit_childbirth::ENTITY,
                benefit_funeral::ENTITY => benefit_funeral::ENTITY,
                _ => benefit_high_cost::ENTITY,
            };
            benefit_rules(entity, r, as_of, v);
            if entity == benefit_funeral::ENTITY
                && keys.track_history
                && let (Some(an), Some(death)) =
                    (keys.code(r, "address_number"), d(r, "death_date"))
            {
                keys.funeral_deaths.push((*at, lg, an, death));
            }
        }
        edge_case::ENTITY => {
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
