//! The engine: runs a scenario against an HTTP target on tokio, one keep-alive connection
//! per virtual user (closed model) or in-flight slot (open model), and records every latency
//! in HDR histograms.
//!
//! In the open model a slot takes the next arrival, waits for its due time and measures the
//! latency from that due time, not from the actual send: when the target stalls, the slots
//! stay busy, later arrivals are sent late, and their wait counts — a stall cannot hide
//! (no coordinated omission).

use crate::Error;
use crate::client::{Connection, Endpoint, Outcome};
use crate::plan::{Mix, Schedule, Segment, below, mix64};
use crate::pool::Pool;
use crate::results::{FORMAT, Hist, Interval, OpResults, Results};
use crate::scenario::{Draw, ImportMode, Iterations, LoadOp, Params, Scenario, Workload};
use hyper::body::Bytes;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// How to run a scenario.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// This worker's share.
    pub segment: Segment,
    /// Tokio worker threads (1 runs everything on the calling thread).
    pub threads: usize,
    /// Print a live one-line progress display on stderr.
    pub progress: bool,
    /// Stop gracefully on Ctrl-C, keeping the results so far.
    pub ctrl_c: bool,
    /// Where the pool's dataset is written when it must be imported (default: the system's
    /// temporary directory); it is uploaded from there, so the target need not see it.
    pub tmp: Option<PathBuf>,
    /// The bearer token sent with every request (`NHIKIT_TOKEN` in the CLI).
    pub token: Option<String>,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            segment: Segment::ALL,
            threads: 1,
            progress: false,
            ctrl_c: false,
            tmp: None,
            token: None,
        }
    }
}

/// A way to stop a run from outside (the Ctrl-C handler uses the same).
#[derive(Debug, Clone)]
pub struct Stop(Arc<watch::Sender<bool>>);

impl Default for Stop {
    fn default() -> Stop {
        Stop(Arc::new(watch::channel(false).0))
    }
}

impl Stop {
    /// Asks the run to stop: no new requests; those in flight finish.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    fn stopped(&self) -> bool {
        *self.0.borrow()
    }
}

/// Runs `scenario` against `target` (`http://HOST:PORT`) and returns its results (thresholds
/// checked). Builds its own tokio runtime.
pub fn run(
    scenario: &Scenario,
    target: &str,
    options: &RunOptions,
    stop: Stop,
) -> Result<Results, Error> {
    let mut endpoint = Endpoint::parse(target).map_err(Error::Usage)?;
    if let Some(t) = &options.token {
        endpoint = endpoint.with_token(t).map_err(Error::Usage)?;
    }
    let as_of = scenario.pool.as_of_date().map_err(Error::Usage)?;
    let needs_import_op = scenario.ops().iter().any(|(o, _)| *o == LoadOp::Import);
    let runtime = if options.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()
    }
    .map_err(|e| Error::Io {
        path: PathBuf::from("<tokio runtime>"),
        message: e.to_string(),
    })?;
    // Once, before the pool is generated: a target that is not there fails in seconds.
    let only_health =
        scenario.ops().iter().all(|(o, _)| *o == LoadOp::Health) && !scenario.needs_pool();
    runtime.block_on(probe(&endpoint, scenario.workload.timeout(), !only_health))?;
    let mut pool = if scenario.needs_pool() {
        Pool::generate(&scenario.pool, needs_import_op, options.tmp.as_deref())?
    } else {
        Pool::empty(as_of)
    };
    runtime.block_on(async {
        if options.ctrl_c {
            let stop = stop.clone();
            tokio::spawn(async move {
                if interrupted().await {
                    // A closed stderr loses the note, never the run.
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "\ninterrupted: finishing the requests in flight (results are kept, \
                         marked interrupted)"
                    );
                    stop.stop();
                }
            });
        }
        if scenario.needs_pool() && !needs_import_op {
            prepare(scenario, &endpoint, &mut pool, options).await?;
        }
        let ctx = Arc::new(Ctx::new(scenario, endpoint, pool, options.segment)?);
        Ok(execute(ctx, scenario, options, stop).await)
    })
}

/// Waits for Ctrl-C or SIGTERM; false when neither can be listened for.
async fn interrupted() -> bool {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        return tokio::signal::ctrl_c().await.is_ok();
    };
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.is_ok(),
        r = term.recv() => r.is_some(),
    }
}

/// Checks once that the target answers within `timeout` (`GET /health`) and, when the run
/// calls operations (`operations`), takes the bearer token (an operation's route, asked for a
/// person no pool has): a target that refuses, stays silent or turns the token away is an
/// error before the run, not a run of errors.
async fn probe(endpoint: &Endpoint, timeout: Duration, operations: bool) -> Result<(), Error> {
    let mut conn = Connection::new(endpoint.clone());
    let unreachable = |what: &str| {
        Error::Target(format!(
            "{} does not answer ({what} within {} s); is it running? (no request of the scenario was sent)",
            endpoint.authority,
            timeout.as_secs_f64()
        ))
    };
    let transport = |kind: &str| matches!(kind, "connect" | "timeout" | "io" | "request");
    let health = "/health"
        .parse::<hyper::Uri>()
        .map_err(|e| Error::Usage(e.to_string()))?;
    if let (Outcome::Error(kind), _) = conn.send(health, None, timeout).await
        && transport(&kind)
    {
        return Err(unreachable(&format!("GET /health: {kind}")));
    }
    if !operations {
        return Ok(());
    }
    let op = nhikit_target::wire::Operation::LookupPerson;
    let path = op
        .http_path()
        .parse::<hyper::Uri>()
        .map_err(|e| Error::Usage(e.to_string()))?;
    let body = Bytes::from_static(
        br#"{"lgcode":"000000","address_number":"0000000000","as_of":"2026-04-01"}"#,
    );
    match conn.send(path, Some(body), timeout).await {
        (Outcome::Error(kind), _) if transport(&kind) => {
            Err(unreachable(&format!("POST {}: {kind}", op.http_path())))
        }
        (Outcome::Error(_), answer) => {
            match serde_json::from_slice::<nhikit_target::TargetError>(&answer) {
                Ok(e) if e.item.as_deref() == Some("authorization") => Err(Error::Target(format!(
                    "{} refuses the bearer token (set NHIKIT_TOKEN to the target's token): {}",
                    endpoint.authority, e.message
                ))),
                _ => Ok(()),
            }
        }
        (Outcome::Ok, _) => Ok(()),
    }
}

/// Loads the pool into the target when the scenario asks for it.
async fn prepare(
    scenario: &Scenario,
    endpoint: &Endpoint,
    pool: &mut Pool,
    options: &RunOptions,
) -> Result<(), Error> {
    let mode = scenario.pool.import;
    let Some(first) = pool.households.first().cloned() else {
        return Ok(());
    };
    if mode == ImportMode::Never {
        return Ok(());
    }
    let mut conn = Connection::new(endpoint.clone());
    let probe = serde_json::to_vec(&nhikit_target::HouseholdQuery {
        lgcode: first.lgcode.clone(),
        household_number: first.household_number.clone(),
        as_of: pool.as_of,
    })
    .map_err(|e| Error::Target(e.to_string()))?;
    let uri = |p: String| {
        p.parse::<hyper::Uri>()
            .map_err(|e| Error::Usage(format!("path {p}: {e}")))
    };
    let path = uri(nhikit_target::wire::Operation::LookupHousehold.http_path())?;
    let held = |o: &Outcome| *o == Outcome::Ok;
    let (o, _) = conn
        .send(
            path.clone(),
            Some(Bytes::from(probe.clone())),
            Duration::from_secs(30),
        )
        .await;
    if mode == ImportMode::Auto && held(&o) {
        return Ok(());
    }
    if let Outcome::Error(kind) = &o
        && kind != "not_found"
        && kind != "not_insured"
    {
        return Err(Error::Target(format!(
            "{}: probing for household {}/{} failed: {kind}",
            endpoint.authority, first.lgcode, first.household_number
        )));
    }
    if mode == ImportMode::Auto && options.segment.index > 0 {
        // Segment 1 imports; the others wait until the data is there.
        let deadline = Instant::now() + Duration::from_secs(3600);
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let (o, _) = conn
                .send(
                    path.clone(),
                    Some(Bytes::from(probe.clone())),
                    Duration::from_secs(30),
                )
                .await;
            if held(&o) {
                return Ok(());
            }
        }
        return Err(Error::Target(
            "waited an hour for segment 1 to import the pool".into(),
        ));
    }
    let spec = scenario.pool.clone();
    let tmp = options.tmp.clone();
    let written = tokio::task::spawn_blocking(move || Pool::generate(&spec, true, tmp.as_deref()))
        .await
        .map_err(|e| Error::Pool(e.to_string()))??;
    let dataset = written
        .dataset
        .clone()
        .ok_or_else(|| Error::Pool("the dataset was not written".into()))?;
    let body = import_body(&dataset)?;
    let (o, answer) = conn
        .send(
            uri(nhikit_target::wire::Operation::Import.http_path())?,
            Some(body),
            Duration::from_secs(3600),
        )
        .await;
    if let Outcome::Error(kind) = o {
        return Err(Error::Target(format!(
            "{}: importing the pool ({}) failed: {kind}: {}",
            endpoint.authority,
            dataset.display(),
            answer_text(&answer)
        )));
    }
    *pool = written;
    Ok(())
}

/// The message of an error answer (a `TargetError`'s, or the start of the body).
fn answer_text(body: &[u8]) -> String {
    match serde_json::from_slice::<nhikit_target::TargetError>(body) {
        Ok(e) => e.message,
        Err(_) => String::from_utf8_lossy(body).chars().take(300).collect(),
    }
}

/// The upload of the pool's dataset: an archive of its files led by the import request
/// (`nhikit_target::wire::upload_plan`), so the target needs no access to this machine's disk.
fn import_body(dataset: &std::path::Path) -> Result<Bytes, Error> {
    use nhikit_io::archive::ArchiveWriter;
    use nhikit_target::wire::{ARCHIVE_REQUEST, UploadSource, upload_plan};
    let (sent, sources) = upload_plan(&nhikit_target::ImportRequest {
        dataset: Some(dataset.to_owned()),
        files: Vec::new(),
    });
    let pool_err =
        |e: &dyn std::fmt::Display| Error::Pool(format!("packing {}: {e}", dataset.display()));
    let head = serde_json::to_vec(&sent).map_err(|e| pool_err(&e))?;
    let mut w = ArchiveWriter::new(Vec::new());
    w.add_bytes(ARCHIVE_REQUEST, &head)
        .map_err(|e| pool_err(&e))?;
    for s in sources {
        if let UploadSource::Tree { local, name } = s {
            let root = nhikit_io::contain::Root::open(&local).map_err(|e| pool_err(&e))?;
            w.add_tree(&root, &name).map_err(|e| pool_err(&e))?;
        }
    }
    Ok(Bytes::from(w.finish().map_err(|e| pool_err(&e))?))
}

/// What every task shares.
struct Ctx {
    endpoint: Endpoint,
    mix: Mix,
    pool: Pool,
    /// The URI of each operation, by its position in [`LoadOp::ALL`].
    paths: Vec<hyper::Uri>,
    import: Option<Bytes>,
    draw: Draw,
    seed: u64,
    params: Params,
    segment: Segment,
    done: AtomicU64,
    failed: AtomicU64,
    in_flight: AtomicU64,
    /// The width of the timeline's intervals (see [`crate::results::interval_ms_for`]).
    interval_ms: u64,
    /// The run's intervals: each task adds an interval once it has moved past it, so memory
    /// grows with the run's length, not with its length times its tasks.
    timeline: std::sync::Mutex<Vec<Interval>>,
}

impl Ctx {
    fn new(
        scenario: &Scenario,
        endpoint: Endpoint,
        pool: Pool,
        segment: Segment,
    ) -> Result<Ctx, Error> {
        let paths = LoadOp::ALL
            .into_iter()
            .map(|o| {
                let p = o.http_path();
                p.parse::<hyper::Uri>()
                    .map_err(|e| Error::Usage(format!("path {p}: {e}")))
            })
            .collect::<Result<_, _>>()?;
        let import = match &pool.dataset {
            Some(d) => Some(import_body(d)?),
            None => None,
        };
        Ok(Ctx {
            endpoint,
            mix: Mix::new(&scenario.ops(), scenario.pool.seed),
            pool,
            paths,
            import,
            draw: scenario.pool.draw,
            seed: scenario.pool.seed,
            params: scenario.params.clone(),
            segment,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            interval_ms: crate::results::interval_ms_for(scenario.workload.planned_length()),
            timeline: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The pool entry of global request `k` in a list of `len`.
    fn entry(&self, k: u64, len: usize, purpose: u64) -> usize {
        let len = len as u64;
        if len == 0 {
            return 0;
        }
        let i = match self.draw {
            Draw::Sequential => k % len,
            Draw::Random => {
                let x = mix64(self.seed, k, purpose);
                let share = self.segment.share(len);
                if share == 0 {
                    below(x, len)
                } else {
                    self.segment.global(below(x, share))
                }
            }
        };
        i as usize
    }

    /// The path and body of global request `k`.
    fn request(&self, op: LoadOp, k: u64) -> (hyper::Uri, Option<Bytes>) {
        let at = LoadOp::ALL.iter().position(|o| *o == op).unwrap_or(0);
        let path = self.paths.get(at).cloned().unwrap_or_default();
        let as_of = self.pool.as_of;
        let household = || {
            self.pool
                .households
                .get(self.entry(k, self.pool.households.len(), 2))
        };
        let person = || {
            self.pool
                .persons
                .get(self.entry(k, self.pool.persons.len(), 3))
        };
        let body = match op {
            LoadOp::Health => return (path, None),
            LoadOp::Import => return (path, self.import.clone()),
            LoadOp::LookupPerson => person().map(|p| {
                serde_json::to_vec(&nhikit_target::PersonQuery {
                    lgcode: p.lgcode.clone(),
                    address_number: Some(p.address_number.clone()),
                    mynumber: None,
                    as_of,
                })
            }),
            LoadOp::LookupHousehold => household().map(|h| {
                serde_json::to_vec(&nhikit_target::HouseholdQuery {
                    lgcode: h.lgcode.clone(),
                    household_number: h.household_number.clone(),
                    as_of,
                })
            }),
            LoadOp::Assess => household().map(|h| {
                serde_json::to_vec(&nhikit_target::AssessRequest {
                    lgcode: h.lgcode.clone(),
                    household_number: h.household_number.clone(),
                    fiscal_year: self.params.fiscal_year,
                    rates: self.params.rates.clone(),
                    incomes: BTreeMap::new(),
                    specified_household: Default::default(),
                })
            }),
            LoadOp::RegisterEvent => person().map(|p| {
                const NAMES: [(&str, &str); 3] = [
                    ("山田　花子", "ヤマダ　ハナコ"),
                    ("佐藤　太郎", "サトウ　タロウ"),
                    ("鈴木　一郎", "スズキ　イチロウ"),
                ];
                let (name, kana) = NAMES[(mix64(self.seed, k, 4) % 3) as usize];
                serde_json::to_vec(&nhikit_target::EventRequest {
                    lgcode: p.lgcode.clone(),
                    address_number: p.address_number.clone(),
                    kind: nhikit_target::EventKind::Change,
                    date: as_of,
                    notified: None,
                    reason: None,
                    name: Some(name.to_owned()),
                    name_kana: Some(kana.to_owned()),
                })
            }),
            LoadOp::CopayRatio => person().map(|p| {
                // One 70–74 member (the person) with no income: a 70–74 person needs the
                // household's income facts, and the others ignore them.
                serde_json::to_vec(&serde_json::json!({
                    "lgcode": p.lgcode,
                    "address_number": p.address_number,
                    "service_date": as_of.format("%Y-%m-%d").to_string(),
                    "income": { "kourei_members": 1 },
                }))
            }),
            LoadOp::IssueCertificate => person().map(|p| {
                serde_json::to_vec(&nhikit_target::CertificateRequest {
                    lgcode: p.lgcode.clone(),
                    address_number: p.address_number.clone(),
                    issue_date: as_of,
                })
            }),
            LoadOp::HighCostLimit => {
                const CATEGORIES: [&str; 5] = ["ア", "イ", "ウ", "エ", "オ"];
                let x = mix64(self.seed, k, 5);
                let cost = 100_000 + (x % 2_000_000) as i64;
                Some(serde_json::to_vec(&serde_json::json!({
                    "service_month": as_of.format("%Y-%m").to_string(),
                    "under70_category": CATEGORIES[(x % 5) as usize],
                    "claims": [{
                        "person": "本人", "age_group": "under70", "setting": "入院",
                        "medical_cost": cost, "copay": cost * 3 / 10,
                    }],
                })))
            }
        };
        // Serializing these plain structs cannot fail; an empty pool sends `{}`, which the
        // target answers with an error that is then counted.
        let bytes = body.and_then(Result::ok).unwrap_or_else(|| b"{}".to_vec());
        (path, Some(Bytes::from(bytes)))
    }
}

/// A task's own records, merged at the end; its current one-second interval is added to the
/// run's timeline ([`Ctx::timeline`], one lock per task per second) once the task moves past it.
struct Recorder {
    warmup: Duration,
    ops: BTreeMap<LoadOp, OpResults>,
    current: Option<Interval>,
    ctx: Arc<Ctx>,
    warmup_requests: u64,
}

impl Recorder {
    fn new(warmup: Duration, ctx: Arc<Ctx>) -> Recorder {
        Recorder {
            warmup,
            ops: BTreeMap::new(),
            current: None,
            ctx,
            warmup_requests: 0,
        }
    }

    /// Adds the current interval to the run's timeline.
    fn flush(&mut self) {
        let Some(iv) = self.current.take() else {
            return;
        };
        // A poisoned lock only means another task panicked while adding; the data is whole.
        let mut timeline = self
            .ctx
            .timeline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while timeline.len() as u64 <= iv.second {
            let s = timeline.len() as u64;
            timeline.push(Interval {
                second: s,
                ..Interval::default()
            });
        }
        // Same histogram layout: adding cannot fail.
        let _ = timeline[iv.second as usize].add(&iv);
    }

    /// Records a request issued (due) `at` after the start that took `latency`.
    fn record(&mut self, op: LoadOp, at: Duration, latency: Duration, outcome: &Outcome) {
        if at < self.warmup {
            self.warmup_requests += 1;
            return;
        }
        let us = (latency.as_micros() as u64).max(1);
        let second = (at - self.warmup).as_millis() as u64 / self.ctx.interval_ms.max(1);
        if self.current.as_ref().is_some_and(|iv| iv.second != second) {
            self.flush();
        }
        let r = self.ops.entry(op).or_default();
        r.requests += 1;
        r.histogram.record(us);
        let iv = self.current.get_or_insert_with(|| Interval {
            second,
            ..Interval::default()
        });
        iv.requests += 1;
        iv.histogram.record(us);
        iv.ops.entry(op.name().to_owned()).or_default().record(us);
        if let Outcome::Error(kind) = outcome {
            r.errors += 1;
            *r.errors_by_kind.entry(kind.clone()).or_default() += 1;
            iv.errors += 1;
        }
    }
}

/// Per-task result: its records and how many arrivals it left unsent.
type TaskOut = (Recorder, u64);

async fn execute(ctx: Arc<Ctx>, scenario: &Scenario, options: &RunOptions, stop: Stop) -> Results {
    let seg = options.segment;
    let start = Instant::now();
    let started_at = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (warmup, model) = match &scenario.workload {
        Workload::Closed { warmup, .. } => (warmup.0, "closed"),
        Workload::Open { warmup, .. } => (warmup.0, "open"),
    };
    let mut tasks = Vec::new();
    // Open model: the arrival counter and this segment's arrivals, for `unsent`.
    let mut arrivals: Option<(Arc<AtomicU64>, u64)> = None;
    match &scenario.workload {
        Workload::Closed {
            vus,
            iterations,
            duration,
            think_time,
            timeout,
            ..
        } => {
            let total = match iterations {
                Some(Iterations::Count(n)) => Some(*n),
                Some(Iterations::Pool) => Some(ctx.pool.households.len() as u64),
                None => None,
            };
            let limit = total.map(|t| seg.share(t));
            let deadline = duration.map(|d| start + d.0);
            let next = Arc::new(AtomicU64::new(0));
            for _ in 0..seg.share(u64::from(*vus)).max(1) {
                let (ctx, next, stop) = (ctx.clone(), next.clone(), stop.clone());
                let (think, timeout) = (think_time.0, timeout.0);
                tasks.push(tokio::spawn(async move {
                    closed_user(
                        ctx, next, limit, deadline, think, timeout, start, warmup, stop,
                    )
                    .await
                }));
            }
        }
        Workload::Open {
            start_rate,
            stages,
            max_in_flight,
            timeout,
            ..
        } => {
            let schedule = Arc::new(Schedule::new(*start_rate, stages));
            let share = seg.share(schedule.total());
            let next = Arc::new(AtomicU64::new(0));
            arrivals = Some((next.clone(), share));
            for _ in 0..seg.share(u64::from(*max_in_flight)).max(1) {
                let (ctx, next, stop, schedule) =
                    (ctx.clone(), next.clone(), stop.clone(), schedule.clone());
                let timeout = timeout.0;
                tasks.push(tokio::spawn(async move {
                    open_slot(ctx, schedule, next, share, timeout, start, warmup, stop).await
                }));
            }
        }
    }
    let progress = options.progress.then(|| {
        let ctx = ctx.clone();
        tokio::spawn(async move { show_progress(ctx, start).await })
    });
    let mut ops: BTreeMap<String, OpResults> = BTreeMap::new();
    let (mut warmup_requests, mut unsent) = (0, 0);
    for t in tasks {
        let Ok((mut rec, left)) = t.await else {
            continue;
        };
        rec.flush();
        warmup_requests += rec.warmup_requests;
        unsent += left;
        for (op, r) in rec.ops {
            let into = ops.entry(op.name().to_owned()).or_default();
            into.requests += r.requests;
            into.errors += r.errors;
            for (k, n) in r.errors_by_kind {
                *into.errors_by_kind.entry(k).or_default() += n;
            }
            let _ = into.histogram.add(&r.histogram);
        }
    }
    if let Some((next, share)) = arrivals {
        // Arrivals no slot took (the run was stopped before their turn).
        unsent += share.saturating_sub(next.load(Ordering::Relaxed).min(share));
    }
    let timeline = std::mem::take(
        &mut *ctx
            .timeline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    let elapsed = start.elapsed();
    if let Some(p) = progress {
        p.abort();
        let _ = writeln!(std::io::stderr().lock());
    }
    let duration_s = match &scenario.workload {
        // The open model offers load for the schedule's length; answers arriving later do not
        // stretch the window (unless the run was cut short).
        Workload::Open {
            start_rate, stages, ..
        } if !stop.stopped() => Schedule::new(*start_rate, stages).length(),
        _ => elapsed,
    }
    .saturating_sub(warmup)
    .as_secs_f64();
    let planned_rate = match &scenario.workload {
        Workload::Open {
            start_rate, stages, ..
        } => {
            // The arrivals due in the measured window, over its length.
            let schedule = Schedule::new(*start_rate, stages);
            let window = schedule.length().saturating_sub(warmup).as_secs_f64();
            let share = seg.share(schedule.total());
            let measured = (0..share)
                .filter_map(|j| schedule.due(seg.global(j)))
                .filter(|d| *d >= warmup)
                .count();
            (window > 0.0).then(|| measured as f64 / window)
        }
        Workload::Closed { .. } => None,
    };
    let mut results = Results {
        format: FORMAT.into(),
        scenario: scenario.name.clone(),
        model: model.into(),
        segments: vec![seg.to_string()],
        duration_s,
        requests: 0,
        errors: 0,
        warmup_requests,
        unsent,
        interrupted: stop.stopped(),
        target: format!("http://{}", ctx.endpoint.authority),
        date: started_at,
        nhikit_version: env!("CARGO_PKG_VERSION").to_owned(),
        planned_rate,
        interval_ms: ctx.interval_ms,
        ops,
        all: OpResults {
            histogram: Hist::default(),
            ..OpResults::default()
        },
        timeline,
        thresholds: scenario.thresholds.clone(),
        checks: Vec::new(),
    };
    results.finish();
    results
}

#[allow(clippy::too_many_arguments)]
async fn closed_user(
    ctx: Arc<Ctx>,
    next: Arc<AtomicU64>,
    limit: Option<u64>,
    deadline: Option<Instant>,
    think: Duration,
    timeout: Duration,
    start: Instant,
    warmup: Duration,
    stop: Stop,
) -> TaskOut {
    let mut rec = Recorder::new(warmup, ctx.clone());
    let mut conn = Connection::new(ctx.endpoint.clone());
    let mut stopped = stop.0.subscribe();
    loop {
        if *stopped.borrow() || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let j = next.fetch_add(1, Ordering::Relaxed);
        if limit.is_some_and(|l| j >= l) {
            break;
        }
        let k = ctx.segment.global(j);
        let (op, sent, outcome) = send_request(&ctx, &mut conn, k, timeout).await;
        let latency = sent.elapsed();
        count(&ctx, &outcome);
        rec.record(op, sent - start, latency, &outcome);
        if !think.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(think) => {}
                _ = stopped.changed() => {}
            }
        }
    }
    (rec, 0)
}

#[allow(clippy::too_many_arguments)]
async fn open_slot(
    ctx: Arc<Ctx>,
    schedule: Arc<Schedule>,
    next: Arc<AtomicU64>,
    share: u64,
    timeout: Duration,
    start: Instant,
    warmup: Duration,
    stop: Stop,
) -> TaskOut {
    let mut rec = Recorder::new(warmup, ctx.clone());
    let mut conn = Connection::new(ctx.endpoint.clone());
    let mut stopped = stop.0.subscribe();
    let mut unsent = 0;
    loop {
        let j = next.fetch_add(1, Ordering::Relaxed);
        if j >= share {
            break;
        }
        let k = ctx.segment.global(j);
        let Some(due) = schedule.due(k) else { break };
        if *stopped.borrow() {
            unsent += 1;
            break;
        }
        let intended = start + due;
        if intended > Instant::now() {
            tokio::select! {
                _ = tokio::time::sleep_until(intended.into()) => {}
                _ = stopped.changed() => { unsent += 1; break; }
            }
        }
        let (op, _, outcome) = send_request(&ctx, &mut conn, k, timeout).await;
        // From the intended send time: a queue behind a stalled target counts.
        let latency = intended.elapsed();
        count(&ctx, &outcome);
        rec.record(op, due, latency, &outcome);
    }
    (rec, unsent)
}

/// Sends request `k` of the mix on `conn`, counted in flight while it is out: the operation,
/// when it was sent (after its body was built) and the outcome.
async fn send_request(
    ctx: &Ctx,
    conn: &mut Connection,
    k: u64,
    timeout: Duration,
) -> (LoadOp, Instant, Outcome) {
    let op = ctx.mix.pick(k);
    let (path, body) = ctx.request(op, k);
    let sent = Instant::now();
    ctx.in_flight.fetch_add(1, Ordering::Relaxed);
    let (outcome, _) = conn.send(path, body, timeout).await;
    ctx.in_flight.fetch_sub(1, Ordering::Relaxed);
    (op, sent, outcome)
}

fn count(ctx: &Ctx, outcome: &Outcome) {
    ctx.done.fetch_add(1, Ordering::Relaxed);
    if *outcome != Outcome::Ok {
        ctx.failed.fetch_add(1, Ordering::Relaxed);
    }
}

async fn show_progress(ctx: Arc<Ctx>, start: Instant) {
    let mut last = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tick.tick().await;
        let done = ctx.done.load(Ordering::Relaxed);
        let failed = ctx.failed.load(Ordering::Relaxed);
        let line = format!(
            "\r{:>5}s  {done} requests  {}/s  {failed} errors  {} in flight   ",
            start.elapsed().as_secs(),
            done - last,
            ctx.in_flight.load(Ordering::Relaxed)
        );
        last = done;
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(line.as_bytes());
        let _ = err.flush();
    }
}
