//! The runner: each scenario on a fresh target, its steps and checks, per-call timeouts,
//! scenarios in parallel threads.

use crate::Error;
use crate::data::{DataCache, Model, copy_dir};
use crate::oracle::{Answer, Oracle};
use crate::report::{Failure, Outcome, ScenarioResult, StepResult};
use crate::scenario::{Scenario, Step};
use crate::select::{Env, expand};
use nhikit_target::wire::{Operation, dispatch};
use nhikit_target::{
    AssessRequest, CertificateRequest, CopayRequest, EventRequest, ExportRequest, HighCostRequest,
    HouseholdQuery, ImportRequest, PersonQuery, Target, TargetError,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A target shared between the runner's threads.
pub type SharedTarget = Arc<dyn Target + Send + Sync>;

/// Opens a target for one scenario. The runner calls it once per scenario: an adapter that
/// can (builtin, a process) gives a fresh, empty target each time.
pub type Connect<'a> = dyn Fn() -> Result<SharedTarget, String> + Sync + 'a;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Scenarios run at once (threads).
    pub jobs: usize,
    /// The longest a single target call may take.
    pub timeout: Duration,
    /// Scenario ids expected to fail (`--expected-failures`).
    pub expected_failures: BTreeSet<String>,
    /// Set (e.g. by a Ctrl-C handler) to stop the run: scenarios already started finish, the
    /// others are not started and have no result.
    pub stop: Option<Arc<AtomicBool>>,
}

impl RunOptions {
    /// Whether [`RunOptions::stop`] was set.
    pub fn stopped(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
    }
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            jobs: 1,
            timeout: Duration::from_secs(30),
            expected_failures: BTreeSet::new(),
            stop: None,
        }
    }
}

/// Reads an expected-failures file: one scenario id per line; `#` starts a comment.
pub fn read_expected_failures(path: &Path, known: &[Scenario]) -> Result<BTreeSet<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or("").trim();
        if id.is_empty() {
            continue;
        }
        if !known.iter().any(|s| s.id == id) {
            return Err(Error::Load {
                path: path.to_path_buf(),
                line: i + 1,
                column: 1,
                reason: format!("unknown scenario id `{id}`"),
            });
        }
        out.insert(id.to_owned());
    }
    Ok(out)
}

/// Runs the scenarios; results come back in the scenarios' order.
pub fn run(
    scenarios: &[Scenario],
    connect: &Connect<'_>,
    options: &RunOptions,
) -> Result<Vec<ScenarioResult>, Error> {
    Ok(Runner::new()?.run(scenarios, connect, options))
}

/// The state runs can share: generated datasets (in a temporary directory removed on drop)
/// and the oracle's rules. Several runs of one runner generate each dataset once.
pub struct Runner {
    cache: DataCache,
    oracle: Oracle,
}

impl Runner {
    /// A runner with an empty data cache.
    pub fn new() -> Result<Runner, Error> {
        Ok(Runner {
            cache: DataCache::new()?,
            oracle: Oracle::builtin().map_err(Error::Oracle)?,
        })
    }

    /// The run's generated data and temporary directory.
    pub(crate) fn cache(&self) -> &DataCache {
        &self.cache
    }

    /// Runs the scenarios, `options.jobs` at a time; results in the scenarios' order.
    pub fn run(
        &self,
        scenarios: &[Scenario],
        connect: &Connect<'_>,
        options: &RunOptions,
    ) -> Vec<ScenarioResult> {
        self.run_with(scenarios, connect, options, &|_| {})
    }

    /// [`Runner::run`], calling `done` with each result as its scenario finishes (in the
    /// order they finish, from the worker threads): for a progress display.
    pub fn run_with(
        &self,
        scenarios: &[Scenario],
        connect: &Connect<'_>,
        options: &RunOptions,
        done: &(dyn Fn(&ScenarioResult) + Sync),
    ) -> Vec<ScenarioResult> {
        nhikit_dataset::for_each_parallel(scenarios, options.jobs, |s| {
            // Interrupted: the scenarios not yet started are not run (the report lists them).
            if options.stopped() {
                return Ok(None);
            }
            let r = run_scenario(s, connect, &self.cache, &self.oracle, options);
            done(&r);
            Ok::<_, std::convert::Infallible>(Some(r))
        })
        .unwrap_or_else(|never| match never {})
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Why a scenario stopped.
enum Stop {
    Fail(Box<Failure>),
    Error(Box<Failure>),
}

impl Stop {
    fn fail(f: Failure) -> Stop {
        Stop::Fail(Box::new(f))
    }

    fn error(f: Failure) -> Stop {
        Stop::Error(Box::new(f))
    }
}

fn failure(step: &Step, message: impl Into<String>) -> Failure {
    Failure {
        step: step.name.clone(),
        line: step.line,
        message: message.into(),
        diff: Vec::new(),
        request: None,
        expected: None,
        actual: None,
    }
}

fn setup_error(message: impl Into<String>) -> Stop {
    Stop::error(Failure {
        step: String::new(),
        line: 0,
        message: message.into(),
        diff: Vec::new(),
        request: None,
        expected: None,
        actual: None,
    })
}

/// Runs one scenario and classifies the result.
pub fn run_scenario(
    s: &Scenario,
    connect: &Connect<'_>,
    cache: &DataCache,
    oracle: &Oracle,
    options: &RunOptions,
) -> ScenarioResult {
    let started = Instant::now();
    let mut steps = Vec::new();
    let stop = ScenarioRun {
        s,
        connect,
        cache,
        oracle,
        options,
    }
    .run(&mut steps)
    .err();
    let expected = options.expected_failures.contains(&s.id);
    let (outcome, failure) = match stop {
        None if expected => (Outcome::UnexpectedPass, None),
        None => (Outcome::Pass, None),
        Some(Stop::Fail(f)) => (
            if expected {
                Outcome::ExpectedFail
            } else {
                Outcome::Fail
            },
            Some(*f),
        ),
        Some(Stop::Error(f)) => (
            if expected {
                Outcome::ExpectedFail
            } else {
                Outcome::Error
            },
            Some(*f),
        ),
    };
    ScenarioResult {
        id: s.id.clone(),
        title: s.title.clone(),
        file: s.path.display().to_string(),
        requirements: s.requirements.clone(),
        tags: s.tags.clone(),
        outcome,
        duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        steps,
        failure,
    }
}

struct ScenarioRun<'a, 'c> {
    s: &'a Scenario,
    connect: &'a Connect<'c>,
    cache: &'a DataCache,
    oracle: &'a Oracle,
    options: &'a RunOptions,
}

/// One call's outcome: the target's answer, or why there was none.
type Called = Result<Result<Value, TargetError>, String>;

impl ScenarioRun<'_, '_> {
    fn run(&self, steps: &mut Vec<StepResult>) -> Result<(), Stop> {
        let s = self.s;
        let tmp = tempfile::Builder::new()
            .prefix(&format!("{}-", s.id))
            .tempdir_in(self.cache.root())
            .map_err(|e| setup_error(format!("temporary directory: {e}")))?;
        let mut env = Env::default();
        env.set_path("tmp", tmp.path().display().to_string());
        env.set_path(
            "scenario_dir",
            s.path
                .parent()
                .unwrap_or(Path::new("."))
                .display()
                .to_string(),
        );
        let mut data_dir: Option<PathBuf> = None;
        let mut model = Model::default();
        if let Some(d) = &s.data {
            let (dir, shared) = self
                .cache
                .get(&d.source)
                .map_err(|e| setup_error(format!("data: {e}")))?;
            model = (*shared).clone();
            let dir = if d.edits.is_empty() {
                dir
            } else {
                let copy = tmp.path().join("data");
                copy_dir(&dir, &copy).map_err(|e| setup_error(format!("data: {e}")))?;
                model
                    .edit(&copy, &d.edits)
                    .map_err(|e| setup_error(format!("data: {e}")))?;
                copy
            };
            env.set_path("data", dir.display().to_string());
            data_dir = Some(dir);
        }
        let target = (self.connect)().map_err(|e| setup_error(format!("target: {e}")))?;
        if let (Some(d), Some(dir)) = (&s.data, &data_dir)
            && d.import
        {
            let req = json!({ "dataset": dir });
            match self.call(&target, Operation::Import, req) {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    return Err(setup_error(format!(
                        "importing the scenario's data was refused: {e}{}",
                        first_rejections(&e)
                    )));
                }
                Err(e) => return Err(setup_error(format!("importing the scenario's data: {e}"))),
            }
        }
        for (name, sel) in &s.bindings {
            let r = sel
                .one(&model, &env)
                .map_err(|e| setup_error(format!("let {name}: {e}")))?
                .clone();
            env.bind(name, r);
        }
        let mut counter = 0usize;
        for step in &s.steps {
            let t0 = Instant::now();
            let mut calls = 0;
            let envs: Vec<Env> = match &step.for_each {
                None => vec![env.clone()],
                Some(sel) => {
                    let all = sel
                        .all(&model, &env)
                        .map_err(|e| Stop::error(failure(step, e)))?;
                    if all.len() < step.min {
                        return Err(Stop::error(failure(
                            step,
                            format!(
                                "for_each `{}` matches {} record(s) of the data; the step needs at least {}",
                                sel.text(),
                                all.len(),
                                step.min
                            ),
                        )));
                    }
                    all.into_iter()
                        .take(step.limit)
                        .map(|r| {
                            let mut e = env.clone();
                            e.bind(&step.bind, r.clone());
                            e
                        })
                        .collect()
                }
            };
            let result = envs.into_iter().try_for_each(|mut e| {
                counter += 1;
                calls += 1;
                e.set_path(
                    "out",
                    tmp.path()
                        .join(format!("out-{counter}"))
                        .display()
                        .to_string(),
                );
                self.step(
                    step,
                    &e,
                    &mut model,
                    data_dir.as_deref(),
                    tmp.path(),
                    counter,
                    &target,
                )
            });
            steps.push(StepResult {
                name: step.name.clone(),
                line: step.line,
                calls,
                duration_ms: t0.elapsed().as_secs_f64() * 1000.0,
            });
            result?;
        }
        Ok(())
    }

    fn call(&self, target: &SharedTarget, op: Operation, request: Value) -> Called {
        call_with_timeout(target, op, request, self.options.timeout)
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &self,
        step: &Step,
        env: &Env,
        model: &mut Model,
        data_dir: Option<&Path>,
        tmp: &Path,
        n: usize,
        target: &SharedTarget,
    ) -> Result<(), Stop> {
        let mut request = step
            .request
            .expand(env)
            .map_err(|e| Stop::error(failure(step, format!("request: {e}"))))?;
        if let Some(inc) = &step.incomes {
            add_incomes(&mut request, inc, model)
                .map_err(|e| Stop::error(failure(step, format!("incomes: {e}"))))?;
        }
        let with_request = |mut f: Failure| {
            f.request = Some(request.clone());
            f
        };
        let parsed = Parsed::new(step.op, &request).map_err(|e| {
            Stop::error(with_request(failure(
                step,
                format!(
                    "the scenario's request is not a valid `{}` request: {e}",
                    step.op.name()
                ),
            )))
        })?;
        let before = if step.expect.unchanged {
            Some(
                self.snapshot(target, &tmp.join(format!("before-{n}")))
                    .map_err(|e| Stop::error(with_request(failure(step, e))))?,
            )
        } else {
            None
        };
        let answer = self
            .call(target, step.op, request.clone())
            .map_err(|e| Stop::error(with_request(failure(step, e))))?;
        let x = &step.expect;
        // The expected answer: an error code, or a response (from the oracle).
        let oracle_answer = if x.oracle {
            Some(
                parsed
                    .oracle(self.oracle, model)
                    .map_err(|e| Stop::error(with_request(failure(step, e))))?,
            )
        } else {
            None
        };
        let expected_error = x.error.or(match &oracle_answer {
            Some(Answer::Error(c)) => Some(*c),
            _ => None,
        });
        match (&answer, expected_error) {
            (Ok(v), Some(code)) => {
                let mut f = with_request(failure(
                    step,
                    format!("expected the error `{code}`, but the target accepted the request"),
                ));
                f.expected = Some(json!({ "error": code }));
                f.actual = Some(v.clone());
                return Err(Stop::fail(f));
            }
            (Err(e), Some(code)) => {
                if e.code != code {
                    let mut f = with_request(failure(
                        step,
                        format!(
                            "expected the error `{code}`, got `{}`: {}",
                            e.code, e.message
                        ),
                    ));
                    f.expected = Some(json!({ "error": code }));
                    f.actual = serde_json::to_value(e).ok();
                    return Err(Stop::fail(f));
                }
                let missing: Vec<_> = x
                    .rejections
                    .iter()
                    .filter(|c| !e.rejections.iter().any(|r| r.code == **c))
                    .collect();
                if !missing.is_empty() {
                    let mut f = with_request(failure(
                        step,
                        format!(
                            "the import was rejected, but no rejection has the code(s) {}",
                            missing
                                .iter()
                                .map(|c| json!(c).to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                    f.diff = e
                        .rejections
                        .iter()
                        .take(20)
                        .map(|r| {
                            format!(
                                "rejected {}:{} {} {}: {}",
                                r.file,
                                r.row,
                                r.item,
                                json!(r.code),
                                r.message
                            )
                        })
                        .collect();
                    f.actual = serde_json::to_value(e).ok();
                    return Err(Stop::fail(f));
                }
            }
            (Err(e), None) => {
                let mut f = with_request(failure(
                    step,
                    format!("the target answered an error the scenario does not expect: {e}"),
                ));
                f.actual = serde_json::to_value(e).ok();
                return Err(Stop::error(f));
            }
            (Ok(v), None) => {
                if let Some(Answer::Response(want)) = &oracle_answer {
                    let diff = diff(want, v);
                    if !diff.is_empty() {
                        let mut f = with_request(failure(
                            step,
                            format!(
                                "the response differs from the oracle in {} item(s): {}",
                                diff.len(),
                                diff[0]
                            ),
                        ));
                        f.diff = diff;
                        f.expected = Some(want.clone());
                        f.actual = Some(v.clone());
                        return Err(Stop::fail(f));
                    }
                }
                if let Some(eq) = &x.equals {
                    let want = expand(eq, env)
                        .map_err(|e| Stop::error(failure(step, format!("expect.equals: {e}"))))?;
                    let diff = diff(&want, v);
                    if !diff.is_empty() {
                        let mut f = with_request(failure(
                            step,
                            format!("the response differs from expect.equals: {}", diff[0]),
                        ));
                        f.diff = diff;
                        f.expected = Some(want);
                        f.actual = Some(v.clone());
                        return Err(Stop::fail(f));
                    }
                }
                for path in &x.null {
                    let got = lookup(v, path);
                    if got.is_some_and(|g| !g.is_null()) {
                        let mut f = with_request(failure(
                            step,
                            format!(
                                "`{path}` must be null or absent, got {}",
                                got.map(short).unwrap_or_default()
                            ),
                        ));
                        f.actual = Some(v.clone());
                        return Err(Stop::fail(f));
                    }
                }
                if let Parsed::Export(er) = &parsed {
                    if x.round_trip {
                        let Some(data) = data_dir else {
                            return Err(Stop::error(failure(
                                step,
                                "round_trip needs the scenario's [data]",
                            )));
                        };
                        let diff = round_trip_diff(data, &er.dir)
                            .map_err(|e| Stop::error(failure(step, e)))?;
                        if !diff.is_empty() {
                            let mut f = failure(
                                step,
                                format!("the export differs from the imported files: {}", diff[0]),
                            );
                            f.diff = diff;
                            return Err(Stop::fail(f));
                        }
                    }
                    if x.schema_valid {
                        let schema = nhikit_schema::embedded()
                            .map_err(|e| Stop::error(failure(step, e.to_string())))?;
                        let report = nhikit_dataset::validate(&er.dir, &schema).map_err(|e| {
                            Stop::fail(failure(step, format!("the export does not read: {e}")))
                        })?;
                        if !report.violations.is_empty() {
                            let mut f = failure(
                                step,
                                format!(
                                    "the export breaks the schema in {} place(s): {}",
                                    report.violations.len(),
                                    report.violations[0]
                                ),
                            );
                            f.diff = report
                                .violations
                                .iter()
                                .take(20)
                                .map(|v| v.to_string())
                                .collect();
                            return Err(Stop::fail(f));
                        }
                    }
                }
            }
        }
        if let Some(before) = before {
            let after = self
                .snapshot(target, &tmp.join(format!("after-{n}")))
                .map_err(|e| Stop::error(with_request(failure(step, e))))?;
            let diff = snapshot_diff(&before, &after);
            if !diff.is_empty() {
                let mut f = with_request(failure(
                    step,
                    format!("the target's data changed: {}", diff[0]),
                ));
                f.diff = diff;
                return Err(Stop::fail(f));
            }
        }
        if let (Ok(_), Parsed::Event(ev)) = (&answer, &parsed) {
            model.apply_event(ev);
        }
        Ok(())
    }

    /// Every file of an export of the target, by relative path.
    fn snapshot(
        &self,
        target: &SharedTarget,
        dir: &Path,
    ) -> Result<BTreeMap<String, Vec<u8>>, String> {
        let req = json!({ "dir": dir });
        match self.call(target, Operation::Export, req)? {
            Ok(_) => read_tree(dir),
            Err(e) => Err(format!("exporting to compare before and after: {e}")),
        }
    }
}

/// A request parsed into its type (to catch scenario mistakes before the target sees them).
enum Parsed {
    Import,
    Export(ExportRequest),
    Event(EventRequest),
    Person(PersonQuery),
    Household,
    Assess(AssessRequest),
    HighCost(HighCostRequest),
    Copay(CopayRequest),
    Certificate,
    Reset,
}

impl Parsed {
    fn new(op: Operation, v: &Value) -> Result<Parsed, serde_json::Error> {
        let v = v.clone();
        Ok(match op {
            Operation::Import => {
                serde_json::from_value::<ImportRequest>(v)?;
                Parsed::Import
            }
            Operation::Export => Parsed::Export(serde_json::from_value(v)?),
            Operation::RegisterEvent => Parsed::Event(serde_json::from_value(v)?),
            Operation::LookupPerson => Parsed::Person(serde_json::from_value(v)?),
            Operation::LookupHousehold => {
                serde_json::from_value::<HouseholdQuery>(v)?;
                Parsed::Household
            }
            Operation::Assess => Parsed::Assess(serde_json::from_value(v)?),
            Operation::HighCostLimit => Parsed::HighCost(serde_json::from_value(v)?),
            Operation::CopayRatio => Parsed::Copay(serde_json::from_value(v)?),
            Operation::IssueCertificate => {
                serde_json::from_value::<CertificateRequest>(v)?;
                Parsed::Certificate
            }
            Operation::Reset => {
                serde_json::from_value::<nhikit_target::ResetRequest>(v)?;
                Parsed::Reset
            }
        })
    }

    fn oracle(&self, oracle: &Oracle, model: &Model) -> Result<Answer, String> {
        match self {
            Parsed::Assess(r) => oracle.assess(model, r),
            Parsed::Copay(r) => oracle.copay(model, r),
            Parsed::HighCost(r) => oracle.high_cost(r),
            Parsed::Person(r) => oracle.lookup_person(model, r),
            _ => Err("the oracle has no answer for this operation".into()),
        }
    }
}

/// Fills `request.incomes` from the roles: the household's head and its other members.
fn add_incomes(
    request: &mut Value,
    inc: &crate::scenario::Incomes,
    model: &Model,
) -> Result<(), String> {
    let lg = request["lgcode"].as_str().unwrap_or("").to_owned();
    let hh = request["household_number"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let h = model
        .household(&lg, &hh)
        .ok_or_else(|| format!("household {lg}/{hh} is not in the scenario's data"))?;
    let head = crate::select::str_of(h, "head_address_number").to_owned();
    let mut map = serde_json::Map::new();
    for p in model.members(&lg, &hh) {
        let an = crate::select::str_of(p, "address_number");
        let facts = if an == head { inc.head } else { inc.members };
        if let Some(f) = facts {
            map.insert(an.to_owned(), json!(f));
        }
    }
    if let Some(obj) = request.as_object_mut() {
        obj.insert("incomes".into(), Value::Object(map));
    }
    Ok(())
}

fn first_rejections(e: &TargetError) -> String {
    e.rejections
        .iter()
        .take(3)
        .map(|r| format!("; {}:{} {}: {}", r.file, r.row, r.item, r.message))
        .collect()
}

/// Calls the target in a thread of its own; a call that takes longer than `timeout` is
/// abandoned (its thread is left to finish), and a panic is caught.
pub fn call_with_timeout(
    target: &SharedTarget,
    op: Operation,
    request: Value,
    timeout: Duration,
) -> Called {
    let t = target.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("target-{}", op.name()))
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                dispatch(&*t, op, request)
            }));
            let _ = tx.send(r);
        })
        .map_err(|e| format!("cannot start a thread for the call: {e}"))?;
    match rx.recv_timeout(timeout) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(panic)) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("the target crashed during `{}`: {what}", op.name()))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "no answer to `{}` within {:.1} s (--timeout)",
            op.name(),
            timeout.as_secs_f64()
        )),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err(format!("the target crashed during `{}`", op.name()))
        }
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

/// `a.b.0.c` in a JSON value.
fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| match v {
        Value::Object(o) => o.get(k),
        Value::Array(a) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Where `actual` does not contain `want`: objects compare the keys of `want`, arrays element
/// by element (and their length), numbers by value. One line per difference.
pub fn diff(want: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("", want, actual, &mut out);
    out
}

fn diff_at(path: &str, want: &Value, actual: &Value, out: &mut Vec<String>) {
    let here = if path.is_empty() { "(response)" } else { path };
    match (want, actual) {
        (Value::Object(w), Value::Object(a)) => {
            for (k, wv) in w {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match a.get(k) {
                    Some(av) => diff_at(&p, wv, av, out),
                    None if wv.is_null() => {}
                    None => out.push(format!("{p}: expected {}, actual (absent)", short(wv))),
                }
            }
        }
        (Value::Array(w), Value::Array(a)) => {
            if w.len() != a.len() {
                out.push(format!(
                    "{here}: expected {} element(s), actual {}",
                    w.len(),
                    a.len()
                ));
            }
            for (i, (wv, av)) in w.iter().zip(a).enumerate() {
                diff_at(&format!("{path}.{i}"), wv, av, out);
            }
        }
        (Value::Number(w), Value::Number(a)) if w.as_f64() == a.as_f64() => {}
        (w, a) if w == a => {}
        (w, a) => out.push(format!(
            "{here}: expected {}, actual {}",
            short(w),
            short(a)
        )),
    }
}

fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> Result<(), String> {
        let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in rd {
            let p = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if p.is_dir() {
                walk(root, &p, out)?;
            } else {
                let rel = p
                    .strip_prefix(root)
                    .map(|r| r.display().to_string())
                    .unwrap_or_default();
                let bytes = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                out.insert(rel, bytes);
            }
        }
        Ok(())
    }
    walk(dir, dir, &mut out)?;
    Ok(out)
}

fn snapshot_diff(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (f, b) in before {
        match after.get(f) {
            None => out.push(format!("{f}: gone after the step")),
            Some(a) if a != b => out.push(format!("{f}: {}", first_line_diff(b, a))),
            _ => {}
        }
    }
    for f in after.keys() {
        if !before.contains_key(f) {
            out.push(format!("{f}: appeared after the step"));
        }
    }
    out
}

/// The first differing line of two files, as `line N: expected …, actual …`.
fn first_line_diff(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    let (wl, gl): (Vec<&str>, Vec<&str>) = (w.lines().collect(), g.lines().collect());
    for i in 0..wl.len().max(gl.len()) {
        let (a, b) = (wl.get(i), gl.get(i));
        if a != b {
            return format!(
                "line {}: expected {:?}, actual {:?}",
                i + 1,
                a.copied().unwrap_or("(end of file)"),
                b.copied().unwrap_or("(end of file)")
            );
        }
    }
    format!(
        "{} bytes expected, {} actual (line ends differ)",
        want.len(),
        got.len()
    )
}

/// Each CSV file of the dataset against the same path in the export.
fn round_trip_diff(data: &Path, export: &Path) -> Result<Vec<String>, String> {
    let manifest = nhikit_io::Manifest::read(data).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut n = 0;
    for f in manifest
        .files
        .iter()
        .filter(|f| f.format == nhikit_io::Format::Csv)
    {
        n += 1;
        let want = std::fs::read(data.join(&f.path)).map_err(|e| format!("{}: {e}", f.path))?;
        match std::fs::read(export.join(&f.path)) {
            Err(_) => out.push(format!("{}: not in the export", f.path)),
            Ok(got) if got != want => {
                out.push(format!("{}: {}", f.path, first_line_diff(&want, &got)))
            }
            Ok(_) => {}
        }
    }
    if n == 0 {
        return Err("round_trip: the data has no CSV files to compare".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_each_differing_path() {
        let want = json!({ "a": 1, "b": { "c": [1, 2] }, "n": null });
        assert!(diff(&want, &json!({ "a": 1.0, "b": { "c": [1, 2] }, "x": 0 })).is_empty());
        let d = diff(&want, &json!({ "a": 2, "b": { "c": [1] } }));
        assert_eq!(
            d,
            vec![
                "a: expected 1, actual 2".to_owned(),
                "b.c: expected 2 element(s), actual 1".to_owned()
            ]
        );
    }

    #[test]
    fn first_line_diff_points_at_the_line() {
        assert_eq!(
            first_line_diff(b"h\na\nb\n", b"h\na\nc\n"),
            "line 3: expected \"b\", actual \"c\""
        );
    }
}
