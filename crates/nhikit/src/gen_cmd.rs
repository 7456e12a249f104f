//! `nhikit gen`: arguments into a [`RunSpec`] and an [`Output`], [`nhikit_dataset::generate_to`],
//! then the audit entries and the summary line.

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nhikit_core::date::NaiveDate;
use nhikit_dataset::{Error, Output, RunSpec};
use nhikit_synth::Shard;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `nhikit gen`.
#[derive(Args, Debug)]
pub struct GenArgs {
    /// Households to generate (at least 1), spread over the municipalities by population.
    #[arg(long, default_value_t = 1000, value_parser = households)]
    pub households: u64,
    /// Seed: the same seed and options give byte-identical files. Default 0, except with
    /// --encrypt-to: then a seed drawn from the OS random source, recorded only inside the
    /// encryption (a chosen seed can be guessed, and a right guess confirmed by regenerating).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory; must not exist or be empty (it appears only when complete).
    #[arg(long)]
    pub out: PathBuf,
    /// Output formats, comma-separated: parquet, arrow, csv (the schema's layouts), jsonl.
    #[arg(long, default_value = "parquet")]
    pub format: String,
    /// Only these municipalities (6-digit 全国地方公共団体コード, e.g. 131016 for 千代田区).
    #[arg(long, num_args = 1.., value_delimiter = ',')]
    pub municipality: Vec<String>,
    /// Generate only shard I of N (1-based), e.g. 2/3; shards together equal the whole run.
    #[arg(long)]
    pub shard: Option<String>,
    /// Hive-style partition directories: `prefecture` (prefecture=13/part-…, the default) or
    /// `municipality` (prefecture=13/municipality=131016/part-…; up to 1,741 directories per
    /// entity, so small runs write many small files).
    #[arg(long, default_value = "prefecture")]
    pub partition: String,
    /// Worker threads (default: the number of cores); the output does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// The reference date (基準日) of the snapshot, YYYY-MM-DD.
    #[arg(long, default_value = "2026-04-01")]
    pub as_of: String,
    /// Override every CSV layout's encoding: utf-8 or cp932 (fails on characters outside CP932).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Replace OUT if it exists and is not empty.
    #[arg(long)]
    pub overwrite: bool,
    /// A schema directory; by default the schema built into nhikit.
    #[arg(long, env = "NHIKIT_SCHEMAS")]
    pub schemas: Option<PathBuf>,
    /// Population profile: `realistic`, or `edge` (three households in five built to hit the
    /// cases that break NHI systems; see docs/generator.md).
    #[arg(long, default_value = "realistic")]
    pub profile: String,
    /// Extra entities, comma-separated: `income` (every member's income of the income year the
    /// fiscal year of --as-of uses), `assessment` (every household's 当初賦課 for that fiscal
    /// year, computed by the oracle; with `event`, also for each earlier fiscal year of the
    /// window whose rates are shipped, with that year's incomes), `payment` (the installments
    /// of every assessment: receipts, arrears; turns on `assessment` and `event`), `edge_case`
    /// (the tags of --profile edge), `qualification_event` or `event` (life histories over
    /// --from..--to: 資格異動 rows, closed qualification periods and the persons who left),
    /// `benefit_childbirth`, `benefit_funeral`, `benefit_high_cost` or `benefit` for all three
    /// (出産育児一時金, 葬祭費 and 高額療養費 claims over the same window; they turn the history
    /// on too).
    #[arg(long, value_delimiter = ',')]
    pub with: Vec<String>,
    /// First fiscal year (年度) of the history window of `--with event` (and of the benefits),
    /// e.g. 2020 for 2020-04-01 onwards.
    #[arg(long, value_name = "FY")]
    pub from: Option<i32>,
    /// Last fiscal year of the history window (default: the fiscal year of --as-of; the
    /// window never goes past --as-of).
    #[arg(long, value_name = "FY")]
    pub to: Option<i32>,
    /// Who generates the dataset, for the audit log (default: $USER).
    #[arg(long)]
    pub operator: Option<String>,
    /// Encrypt every file (and the manifest's seed and hashes) to this age X25519 recipient
    /// (`age1…`, from `age-keygen`) while writing: no plaintext reaches the disk. Repeatable.
    #[arg(long, value_name = "RECIPIENT")]
    pub encrypt_to: Vec<String>,
    /// Encrypt to the recipients listed in FILE, one `age1…` per line (`#` comments), like
    /// age's `-R`. Repeatable; adds to --encrypt-to.
    #[arg(long, value_name = "FILE")]
    pub encrypt_to_file: Vec<PathBuf>,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit gen`.
pub fn run(args: GenArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let schema = crate::schema_cmd::load(args.schemas.as_deref())?;
    let csv_encoding = (args
        .encoding
        .as_deref()
        .map(nhikit_io::parse_encoding)
        .transpose())
    .with_context(|| format!("--encoding {:?}", args.encoding.as_deref().unwrap_or("")))?;
    let encryptor =
        nhikit_safety::AgeEncryptor::for_recipients(&args.encrypt_to, &args.encrypt_to_file)?;
    let mut spec = RunSpec {
        seed: seed(args.seed, encryptor.is_some())?,
        shard: args.shard.as_deref().map_or(Ok(Shard::ALL), Shard::parse)?,
        households: args.households,
        municipalities: args.municipality.clone(),
        as_of: NaiveDate::parse_from_str(&args.as_of, "%Y-%m-%d")
            .with_context(|| format!("--as-of {:?}: expected a date YYYY-MM-DD", args.as_of))?,
        formats: nhikit_io::parse_format_list(&args.format)?,
        partition: (args.partition.parse())
            .with_context(|| format!("--partition {:?}", args.partition))?,
        ..RunSpec::default()
    };
    let profile =
        (args.profile.parse()).with_context(|| format!("--profile {:?}", args.profile))?;
    spec.select_extras(profile, &args.with, args.from, args.to)?;
    let output = Output {
        csv_encoding,
        overwrite: args.overwrite,
        threads: args.threads.unwrap_or(0),
        // A random id: with the dataset's place it tells this dataset from any copy of it.
        dataset_id: Some(nhikit_safety::new_dataset_id()?),
        encryptor: encryptor.map(|e| Arc::new(e) as Arc<dyn nhikit_io::FileEncryptor>),
    };
    let bar = progress_bar(crate::out::quiet());
    let progress = |done: u64, total: u64| {
        bar.set_length(total);
        bar.inc(done);
    };
    // Notes are said even with --quiet: the user should know when nhikit removed something.
    let note = |n: &str| crate::out::errln!("note: {n}");
    let generated = nhikit_dataset::generate_to(&args.out, &schema, &spec, output, &progress, note);
    bar.finish_and_clear();
    let generated = generated.map_err(|e| match e {
        e @ (Error::Options(_) | Error::Output { .. }) => e.into(),
        Error::Io(nhikit_io::Error::OutputExists { path }) => anyhow::anyhow!(
            "{}: the directory exists and is not empty: choose another --out, or add --overwrite to replace it (only a dataset nhikit wrote is replaced)",
            path.display()
        ),
        // The writer was dropped with its temporary directory: no OUT appears.
        e => anyhow::Error::new(e).context(format!(
            "generating {} (nothing was written there)",
            args.out.display()
        )),
    })?;
    // The audit entries: an encrypted dataset's carry no seed, count or plaintext hash.
    let (log, operator) = (&args.audit, args.operator.as_deref());
    for (action, details) in generated.audit_entries(&spec) {
        crate::audit_cmd::record_dataset(log, action, &args.out, operator, details)?;
    }
    if !crate::out::quiet() {
        let secs = started.elapsed().as_secs_f64();
        crate::out::errln!("{}: {}", args.out.display(), generated.summary(secs));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--households`: a count of at least 1 (0 would write a dataset of insurers only).
fn households(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("give at least 1 household (0 would write an empty dataset)".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{text:?} is not a count of households: {e}")),
    }
}

/// The seed: as given (with a warning when encrypting), else random when encrypting, else 0.
fn seed(given: Option<u64>, encrypting: bool) -> anyhow::Result<u64> {
    Ok(match given {
        Some(s) => {
            if encrypting && !crate::out::quiet() {
                crate::out::errln!(
                    "warning: --seed with --encrypt-to: whoever guesses the seed can regenerate the data and confirm the guess from the ciphertext sizes; leave --seed out to draw one at random"
                );
            }
            s
        }
        None if encrypting => nhikit_safety::random_seed()?,
        None => 0,
    })
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(crate::out::with_rate(
        ProgressStyle::with_template("{bar:40} {pos}/{len} households  {rate}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    ));
    bar
}
