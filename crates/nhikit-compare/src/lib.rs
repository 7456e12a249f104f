//! 現新比較 (current/new comparison) on synthetic data: the same dataset goes into a current
//! (legacy) system and a new one, the same operations run on both, and every differing answer
//! item is refereed by the oracle and grouped by cause into [`Finding`]s.
//!
//! The dataset is read household by household ([`source::Source`]): the two systems' answers
//! for one household are compared and dropped before the next, so memory is bounded by one
//! part of the dataset and the findings (each keeps a count, three examples and its smallest
//! case). The classes are in [`Class`]; `docs/compare.md` describes the whole.
//!
//! ```
//! use nhikit_compare::{compare, Class, Options};
//! use nhikit_target::Target;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! nhikit_conform::data::generate(&dir.path().join("data"), 7, 3, &[])?;
//! let open = || nhikit_adapters::connect("builtin", &Default::default());
//! let (current, new) = (open()?, open()?);
//! let options = Options { export: false, ..Options::default() };
//! let run = compare(&*current, &*new, &dir.path().join("data"), &options, &mut |_| {})?;
//! // The same system twice: nothing differs.
//! assert!(run.findings.iter().all(|f| f.class != Class::NewWrong));
//! # Ok(()) }
//! ```

mod diff;
mod export;
mod known;
mod referee;
mod report;
mod scenario;
pub mod source;

pub use diff::{Class, Diff, OUTCOME, Reply, compare as compare_replies};
pub use known::{KnownEntry, KnownList};
pub use report::Header;

use nhikit_conform::oracle::Answer;
use nhikit_core::date::{FiscalYear, NaiveDate};
use nhikit_target::{
    AssessRequest, CertificateRequest, CopayRequest, HouseholdQuery, ImportRequest, PersonQuery,
    ResetRequest, Target, TargetError,
};
use referee::Referee;
use serde::Serialize;
use serde_json::Value;
use source::{HouseholdCase, Source, str_of};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What can go wrong preparing or running a comparison (a difference between the systems is a
/// [`Finding`], not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The dataset cannot be read.
    #[error("{}: {reason}", path.display())]
    Data {
        /// The dataset directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file cannot be read or written.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// A known-differences file is wrong at a place.
    #[error("{}:{line}:{column}: {reason}", path.display())]
    Known {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        reason: String,
    },
    /// The oracle cannot answer (its rules do not load, or a record lacks what it needs).
    #[error("oracle: {0}")]
    Oracle(String),
}

/// The operations compared, in report order.
pub const OPERATIONS: [&str; 8] = [
    "import",
    "lookup_household",
    "lookup_person",
    "assess",
    "copay_ratio",
    "issue_certificate",
    "high_cost_limit",
    "export",
];

/// How [`compare`] runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Reset (where the target supports it) and import the dataset into both first; `false`:
    /// compare what both already hold.
    pub import: bool,
    /// The dates of lookups, ratios and certificates; empty: the dataset's 基準日.
    pub as_of: Vec<NaiveDate>,
    /// The fiscal years of the assessments; empty: the fiscal year of the first date.
    pub fiscal_years: Vec<i32>,
    /// The rate set to assess with (sent to both systems); `None`: each system's own
    /// assignment, refereed with the shipped assignment (`RuleSet::assigned_rates`).
    pub rates: Option<String>,
    /// Export both and compare the files record by record with the dataset's CSV files.
    pub export: bool,
    /// Where the exports are written (a temporary directory when `None`).
    pub work_dir: Option<PathBuf>,
    /// The generator parameters of the dataset (seed, households), when it was generated
    /// (for the reproducing case of an export finding).
    pub generated: Option<(u64, u64)>,
    /// Households compared at once (at least 1). The findings, their examples and smallest
    /// cases do not depend on it: each thread collects a run of households and the runs are
    /// merged in dataset order.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            import: true,
            as_of: Vec::new(),
            fiscal_years: Vec::new(),
            rates: None,
            export: true,
            work_dir: None,
            generated: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Progress of a run, for the caller to show.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A phase starts (`import`, `export`, …).
    Phase(String),
    /// Households compared so far, of the manifest's count.
    Households {
        /// Done.
        done: u64,
        /// In the dataset (0 when the manifest does not say).
        total: u64,
    },
    /// A note to show (e.g. a target that cannot be reset).
    Note(String),
}

/// Calls and outcomes of one operation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OpTotals {
    /// Calls made on each system.
    pub calls: u64,
    /// Calls whose answers agree with each other and with the oracle in every item.
    pub identical: u64,
    /// Calls with at least one finding item.
    pub differing: u64,
    /// Differing items in all.
    pub items: u64,
}

/// One example of a finding.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    /// The record and call (`131016/0000012345 as_of 2026-04-01`).
    pub record: String,
    /// The item's path in that answer.
    pub path: String,
    /// The current system's value.
    pub current: Value,
    /// The new system's value.
    pub new: Value,
    /// The oracle's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oracle: Option<Value>,
    /// The request sent to both.
    pub request: Value,
}

/// The smallest case of a finding: the example household with the fewest records.
#[derive(Debug, Clone)]
pub(crate) struct Smallest {
    records: usize,
    case: HouseholdCase,
    /// The request as a conformance step sends it (assess: with the oracle's rates).
    request: Value,
    oracle: Option<Answer>,
}

/// Differences of one cause: the same operation, item (indices normalised), class and shape.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `F001`, …: stable for the same run inputs.
    pub id: String,
    /// The operation.
    pub operation: String,
    /// The item path, array keys as `[*]`.
    pub item: String,
    /// The class.
    pub class: Class,
    /// The shape of the difference (a delta bucket, an outcome pair, …).
    pub shape: String,
    /// Differing items of this cause.
    pub count: u64,
    /// Up to three examples.
    pub examples: Vec<Example>,
    /// The oracle's rule and inputs for the first example, where the oracle has an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derivation: Option<String>,
    /// Records in the smallest reproducing case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smallest_records: Option<usize>,
    /// The smallest reproducing case as a conformance scenario file (`docs/scenario-format.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The known difference this matches (`--known`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known: Option<KnownEntry>,
    #[serde(skip)]
    smallest: Option<Smallest>,
}

impl Finding {
    /// One line: `F001 new_wrong assess total (+<1000): 12 item(s)`.
    pub fn summary(&self) -> String {
        format!(
            "{} {} {} {} ({}): {} item(s){}",
            self.id,
            self.class,
            self.operation,
            self.item,
            self.shape,
            self.count,
            self.known
                .as_ref()
                .map(|k| format!(" — known: {}", k.reason))
                .unwrap_or_default()
        )
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    /// Households compared.
    pub households: u64,
    /// The dates used.
    pub as_of: Vec<String>,
    /// The fiscal years assessed.
    pub fiscal_years: Vec<i32>,
    /// Per operation.
    pub totals: BTreeMap<String, OpTotals>,
    /// The findings, new ones first, then by class and operation.
    pub findings: Vec<Finding>,
    /// Known-difference entries that matched no finding.
    pub stale_known: Vec<KnownEntry>,
    /// Notes (a target that cannot be reset, …).
    pub notes: Vec<String>,
}

impl Comparison {
    /// Findings not accepted as known: the run fails when there is one.
    pub fn new_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.known.is_none())
    }

    /// Marks the findings a known-differences list accepts, and records its stale entries.
    pub fn apply_known(&mut self, known: &KnownList) {
        let mut used = vec![false; known.entries.len()];
        for f in &mut self.findings {
            if let Some(i) = known.entries.iter().position(|k| k.matches(f)) {
                used[i] = true;
                f.known = Some(known.entries[i].clone());
            }
        }
        self.stale_known = known
            .entries
            .iter()
            .zip(used)
            .filter(|(_, u)| !u)
            .map(|(k, _)| k.clone())
            .collect();
        self.sort();
    }

    fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (a.known.is_some(), a.class, &a.operation, &a.item, &a.shape).cmp(&(
                b.known.is_some(),
                b.class,
                &b.operation,
                &b.item,
                &b.shape,
            ))
        });
    }
}

type Key = (String, String, Class, String);

/// Collects diffs into findings.
struct Collector {
    findings: BTreeMap<Key, Finding>,
    totals: BTreeMap<String, OpTotals>,
}

impl Collector {
    fn new() -> Collector {
        Collector {
            findings: BTreeMap::new(),
            totals: BTreeMap::new(),
        }
    }

    /// Adds what `later` collected from the households after this one's: the same findings,
    /// examples and smallest cases as if one collector had seen them all in order (the first
    /// three distinct records, the first case of the fewest records, the first derivation).
    fn merge(&mut self, later: Collector) {
        for (op, t) in later.totals {
            let e = self.totals.entry(op).or_default();
            e.calls += t.calls;
            e.identical += t.identical;
            e.differing += t.differing;
            e.items += t.items;
        }
        for (key, f) in later.findings {
            let a = match self.findings.entry(key) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(f);
                    continue;
                }
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            };
            a.count += f.count;
            for e in f.examples {
                if a.examples.len() < 3 && a.examples.iter().all(|x| x.record != e.record) {
                    a.examples.push(e);
                }
            }
            if let Some(s) = f.smallest
                && a.smallest.as_ref().is_none_or(|x| s.records < x.records)
            {
                a.smallest_records = Some(s.records);
                a.smallest = Some(s);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        op: &str,
        record: &str,
        request: &Value,
        diffs: Vec<Diff>,
        case: Option<&HouseholdCase>,
        scenario_request: &dyn Fn() -> Value,
        oracle: Option<&Answer>,
    ) {
        let t = self.totals.entry(op.to_owned()).or_default();
        t.calls += 1;
        if diffs.is_empty() {
            t.identical += 1;
            return;
        }
        t.differing += 1;
        t.items += diffs.len() as u64;
        for d in diffs {
            let shape = d.shape();
            let key = (op.to_owned(), d.item.clone(), d.class, shape.clone());
            let f = self.findings.entry(key).or_insert_with(|| Finding {
                id: String::new(),
                operation: op.to_owned(),
                item: d.item.clone(),
                class: d.class,
                shape,
                count: 0,
                examples: Vec::new(),
                derivation: match (d.oracle.is_some(), case) {
                    (true, Some(c)) => Some(referee::derivation(op, c, request)),
                    _ => None,
                },
                smallest_records: None,
                scenario: None,
                known: None,
                smallest: None,
            });
            f.count += 1;
            if f.examples.len() < 3 && f.examples.iter().all(|e| e.record != record) {
                f.examples.push(Example {
                    record: record.to_owned(),
                    path: d.path.clone(),
                    current: d.current.clone(),
                    new: d.new.clone(),
                    oracle: d.oracle.clone(),
                    request: request.clone(),
                });
            }
            if let Some(c) = case
                && f.smallest.as_ref().is_none_or(|s| c.records() < s.records)
            {
                f.smallest = Some(Smallest {
                    records: c.records(),
                    case: c.clone(),
                    request: scenario_request(),
                    oracle: oracle.cloned(),
                });
                f.smallest_records = Some(c.records());
            }
        }
    }

    /// One call of a household's case whose request is also its scenario's request, refereed
    /// by the oracle's answer `oracle`.
    fn add_refereed(
        &mut self,
        op: &str,
        record: &str,
        request: &Value,
        (current, new): (Reply, Reply),
        case: &HouseholdCase,
        oracle: &Answer,
    ) {
        self.add(
            op,
            record,
            request,
            diff::compare(&current, &new, Some(oracle)),
            Some(case),
            &|| request.clone(),
            Some(oracle),
        );
    }
}

fn reply<T: Serialize>(r: Result<T, TargetError>) -> Reply {
    match r {
        Ok(v) => serde_json::to_value(v).map_err(|_| nhikit_target::ErrorCode::Storage),
        Err(e) => Err(e.code),
    }
}

/// `call` on both systems at once (the import and the export: one long call each), with the
/// side's index (0 current, 1 new); the current system's answer first.
fn both<T: Send>(
    current: &(dyn Target + Sync),
    new: &(dyn Target + Sync),
    call: impl Fn(&dyn Target, usize) -> T + Sync,
) -> (T, T) {
    std::thread::scope(|s| {
        let c = s.spawn(|| call(current, 0));
        let n = call(new, 1);
        // A panic of the current system's call is re-raised here, as if it were not threaded.
        let c = c.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (c, n)
    })
}

fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Runs the comparison of `current` and `new` on the dataset `data` (a directory written by
/// `nhikit gen` with JSON Lines among its formats, and CSV for the export comparison).
///
/// Households are compared on `options.threads` threads, so both targets serve concurrent
/// callers (as the [`Target`] contract says they do).
pub fn compare(
    current: &(dyn Target + Sync),
    new: &(dyn Target + Sync),
    data: &Path,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Comparison, Error> {
    let source = Source::open(data)?;
    let referee = Referee::builtin()?;
    let rules =
        nhikit_rules::params::RuleSet::builtin().map_err(|e| Error::Oracle(e.to_string()))?;
    let mut out = Comparison::default();
    let mut c = Collector::new();
    let as_of: Vec<NaiveDate> = if options.as_of.is_empty() {
        let d = source
            .as_of()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .unwrap_or_else(|| nhikit_synth::Options::default().as_of);
        vec![d]
    } else {
        options.as_of.clone()
    };
    let fiscal_years: Vec<i32> = if options.fiscal_years.is_empty() {
        as_of.iter().take(1).map(|d| FiscalYear::of(*d).0).collect()
    } else {
        options.fiscal_years.clone()
    };
    out.as_of = as_of.iter().map(NaiveDate::to_string).collect();
    out.fiscal_years = fiscal_years.clone();

    if options.import {
        progress(&Progress::Phase("import".into()));
        for (side, t) in [("current", current), ("new", new)] {
            if let Err(e) = t.reset(&ResetRequest {}) {
                let note = format!(
                    "the {side} system cannot be reset ({e}); importing into what it holds"
                );
                progress(&Progress::Note(note.clone()));
                out.notes.push(note);
            }
        }
        let req = ImportRequest {
            dataset: Some(data.to_path_buf()),
            files: Vec::new(),
        };
        let (rc, rn) = both(current, new, |t, _| reply(t.import(&req)));
        // A generated dataset is valid: the oracle's answer is an accepted import.
        let oracle = Answer::Response(Value::Object(Default::default()));
        let diffs = diff::compare(&rc, &rn, Some(&oracle));
        let request = json(&req);
        c.add(
            "import",
            &data.display().to_string(),
            &request,
            diffs,
            None,
            &|| Value::Null,
            None,
        );
    }

    progress(&Progress::Phase("households".into()));
    let total = source.households();
    let mut done = 0u64;
    let threads = options.threads.max(1);
    source.for_each_part(&mut |cases| {
        // Runs of households small enough that every thread has several to take.
        let run = cases.len().div_ceil(threads * 8).clamp(1, 64);
        let runs: Vec<&[HouseholdCase]> = cases.chunks(run).collect();
        let collected = nhikit_dataset::for_each_parallel(&runs, threads, |cases| {
            let mut local = Collector::new();
            for case in *cases {
                household(
                    current,
                    new,
                    &referee,
                    &rules,
                    case,
                    &as_of,
                    &fiscal_years,
                    options,
                    &mut local,
                )?;
            }
            Ok(local)
        })?;
        for (cases, local) in runs.iter().zip(collected) {
            c.merge(local);
            let before = done;
            done += cases.len() as u64;
            if done / 500 > before / 500 || done == total {
                progress(&Progress::Households { done, total });
            }
        }
        Ok(())
    })?;
    out.households = done;

    if options.export {
        progress(&Progress::Phase("export".into()));
        export::compare_exports(current, new, &source, options.work_dir.as_deref(), &mut c)?;
    }

    out.totals = c.totals;
    out.findings = c.findings.into_values().collect();
    out.sort();
    for (i, f) in out.findings.iter_mut().enumerate() {
        f.id = format!("F{:03}", i + 1);
        f.scenario = scenario::render(f, options);
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn household(
    current: &(dyn Target + Sync),
    new: &(dyn Target + Sync),
    referee: &Referee,
    rules: &nhikit_rules::params::RuleSet,
    case: &HouseholdCase,
    as_of: &[NaiveDate],
    fiscal_years: &[i32],
    options: &Options,
    c: &mut Collector,
) -> Result<(), Error> {
    let model = case.model();
    let (lg, hh) = (case.lgcode().to_owned(), case.household_number().to_owned());
    let mut persons: Vec<&str> = case
        .persons
        .iter()
        .map(|p| str_of(p, "address_number"))
        .collect();
    persons.sort_unstable();
    for &d in as_of {
        let q = HouseholdQuery {
            lgcode: lg.clone(),
            household_number: hh.clone(),
            as_of: d,
        };
        let o = referee.lookup_household(case, &model, &q)?;
        let (rc, rn) = (
            reply(current.lookup_household(&q)),
            reply(new.lookup_household(&q)),
        );
        let request = json(&q);
        c.add_refereed(
            "lookup_household",
            &format!("{lg}/{hh} as_of {d}"),
            &request,
            (rc, rn),
            case,
            &o,
        );
        for an in &persons {
            let record = format!("{lg}/{an} as_of {d}");
            let q = PersonQuery {
                lgcode: lg.clone(),
                address_number: Some((*an).to_owned()),
                mynumber: None,
                as_of: d,
            };
            let o = referee.lookup_person(&model, &q)?;
            let (rc, rn) = (
                reply(current.lookup_person(&q)),
                reply(new.lookup_person(&q)),
            );
            let request = json(&q);
            c.add_refereed("lookup_person", &record, &request, (rc, rn), case, &o);

            let q = CopayRequest {
                lgcode: lg.clone(),
                address_number: (*an).to_owned(),
                service_date: d,
                income: referee::alone(),
            };
            let o = referee.copay(&model, &q)?;
            let (rc, rn) = (reply(current.copay_ratio(&q)), reply(new.copay_ratio(&q)));
            let request = json(&q);
            c.add_refereed("copay_ratio", &record, &request, (rc, rn), case, &o);

            let q = CertificateRequest {
                lgcode: lg.clone(),
                address_number: (*an).to_owned(),
                issue_date: d,
            };
            let o = referee.certificate(case, &model, &q)?;
            let (rc, rn) = (
                reply(current.issue_certificate(&q)),
                reply(new.issue_certificate(&q)),
            );
            let request = json(&q);
            c.add_refereed("issue_certificate", &record, &request, (rc, rn), case, &o);
        }
    }
    for claim in &case.high_costs {
        let q = &claim.request;
        let o = referee.high_cost(q)?;
        let (rc, rn) = (
            reply(current.high_cost_limit(q)),
            reply(new.high_cost_limit(q)),
        );
        let request = json(q);
        c.add_refereed(
            "high_cost_limit",
            &format!("{lg}/{} {}", claim.claim_number, q.service_month),
            &request,
            (rc, rn),
            case,
            &o,
        );
    }
    for &fy in fiscal_years {
        let q = AssessRequest {
            lgcode: lg.clone(),
            household_number: hh.clone(),
            fiscal_year: fy,
            rates: options.rates.clone(),
            incomes: case.income_facts(fy),
            specified_household: Default::default(),
        };
        let rates = options
            .rates
            .clone()
            .or_else(|| rules.assigned_rates(&lg, fy).map(str::to_owned));
        let oracle_req = AssessRequest {
            rates: rates.clone(),
            ..q.clone()
        };
        let o = match rates {
            Some(_) => Some(referee.assess(&model, &oracle_req)?),
            None => None,
        };
        let (rc, rn) = (reply(current.assess(&q)), reply(new.assess(&q)));
        let request = json(&q);
        let scenario_request = json(&oracle_req);
        c.add(
            "assess",
            &format!("{lg}/{hh} FY{fy}"),
            &request,
            diff::compare(&rc, &rn, o.as_ref()),
            Some(case),
            &|| scenario_request.clone(),
            o.as_ref(),
        );
    }
    Ok(())
}

/// Generates the dataset of a comparison into `dir` (which must not exist): the run `spec`, with
/// its extras (`RunSpec::select_extras`: `income` for the assessments, `benefit_high_cost` for
/// 高額療養費), written as JSON Lines and CSV whatever formats it names, on `threads` threads.
pub fn generate(dir: &Path, spec: &nhikit_dataset::RunSpec, threads: usize) -> Result<(), Error> {
    let fail = |reason: String| Error::Data {
        path: dir.to_path_buf(),
        reason,
    };
    let spec = nhikit_dataset::RunSpec {
        formats: vec![nhikit_io::Format::Jsonl, nhikit_io::Format::Csv],
        ..spec.clone()
    };
    let schema = nhikit_schema::embedded().map_err(|e| fail(e.to_string()))?;
    let options = nhikit_io::WriterOptions {
        formats: spec.formats.clone(),
        ..nhikit_io::WriterOptions::default()
    };
    let w =
        nhikit_io::DatasetWriter::create(dir, &schema, options).map_err(|e| fail(e.to_string()))?;
    nhikit_dataset::generate(&spec, w, threads.max(1), &|_, _| {})
        .map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Writes `compare.json`, `compare.junit.xml`, `compare.html` and the findings' scenario files
/// (`scenarios/<id>.toml` with the requirement catalog beside them) into `dir`.
pub fn write_reports(dir: &Path, run: &Comparison, header: &Header) -> Result<(), Error> {
    report::write(dir, run, header)
}
