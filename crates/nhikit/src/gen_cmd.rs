//! `nhikit gen`: the population generator wired to the dataset writer.

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nhikit_core::date::NaiveDate;
use nhikit_io::{
    DatasetWriter, GeneratorInfo, ManifestInfo, Partition, PartitionLevel, WriterOptions,
};
use nhikit_synth::{Generator, Options, Reference, Shard};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Arguments of `nhikit gen`.
#[derive(Args, Debug)]
pub struct GenArgs {
    /// Households to generate, spread over the municipalities by population.
    #[arg(long, default_value_t = 1000)]
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
    let formats = nhikit_io::parse_format_list(&args.format)?;
    let shard = match &args.shard {
        Some(s) => Shard::parse(s)?,
        None => Shard::ALL,
    };
    let level: PartitionLevel = args
        .partition
        .parse()
        .with_context(|| format!("--partition {:?}", args.partition))?;
    let as_of = NaiveDate::parse_from_str(&args.as_of, "%Y-%m-%d")
        .with_context(|| format!("--as-of {:?}: expected a date YYYY-MM-DD", args.as_of))?;
    let csv_encoding = match args.encoding.as_deref() {
        None => None,
        Some("utf-8" | "utf8") => Some(nhikit_io::Encoding::Utf8),
        Some("cp932" | "shift_jis" | "sjis") => Some(nhikit_io::Encoding::Cp932),
        Some(other) => anyhow::bail!("--encoding {other:?}: expected utf-8 or cp932"),
    };
    let reference = Reference::embedded()?;
    let encrypting = !args.encrypt_to.is_empty() || !args.encrypt_to_file.is_empty();
    let seed = match args.seed {
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
    };
    let options = Options {
        seed,
        households: args.households,
        municipalities: args.municipality.clone(),
        as_of,
    };
    let extras = extras(&args.profile, &args.with, args.from, args.to, as_of)?;
    let generator = Generator::new(&reference, &options)?.with_extras(extras)?;
    let encryptor = encryptor(&args)?;
    let mut writer = DatasetWriter::create(
        &args.out,
        &schema,
        WriterOptions {
            formats: formats.clone(),
            csv_encoding,
            overwrite: args.overwrite,
            ..WriterOptions::default()
        },
    )?;
    // Said even with --quiet: the user should know when nhikit removed something.
    for note in writer.notes() {
        crate::out::errln!("note: {note}");
    }
    writer.seal_on_finish(true);
    // A random id: with the dataset's place it tells this dataset from any copy of it.
    writer.dataset_id(nhikit_safety::new_dataset_id()?);
    if let Some(e) = &encryptor {
        writer.encrypt_with(Arc::new(e.clone()));
    }
    let parts: Vec<_> = generator.plan().parts_of(shard).cloned().collect();
    let total: u64 = parts.iter().map(|p| p.count).sum();
    let progress = progress_bar(total, crate::out::quiet());
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    if shard.index == 0 {
        let mut w = writer.table_part("insurer", 0)?;
        generator.write_insurers(&mut w);
        w.finish()?;
    }
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    let persons = AtomicU64::new(0);
    let rows = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(parts.len().max(1)) {
            scope.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(part) = parts.get(i) else { break };
                    match write_part(&generator, &writer, part, level) {
                        Ok(c) => {
                            persons.fetch_add(c.persons, Ordering::Relaxed);
                            rows.fetch_add(c.rows(), Ordering::Relaxed);
                            progress.inc(part.count);
                        }
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            if let Ok(mut slot) = first_error.lock() {
                                slot.get_or_insert(e);
                            }
                        }
                    }
                }
            });
        }
    });
    progress.finish_and_clear();
    if let Some(e) = first_error.into_inner().ok().flatten() {
        // Dropping the writer removes the temporary directory: no OUT appears.
        drop(writer);
        return Err(e.context(format!(
            "generating {} (nothing was written there)",
            args.out.display()
        )));
    }
    let mut gen_options = serde_json::json!({
        "households": args.households,
        "municipalities": args.municipality,
        "as_of": args.as_of,
        "formats": formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
        "rng_algorithm_version": nhikit_rng::ALGORITHM_VERSION,
    });
    // Only when asked for, so that the default manifest stays as it was.
    if level != PartitionLevel::default() {
        gen_options["partition"] = level.name().into();
    }
    if extras != nhikit_synth::Extras::default() {
        gen_options["profile"] = extras.profile.name().into();
        gen_options["with"] = args.with.clone().into();
    }
    if let Some(w) = extras.history {
        gen_options["history"] = serde_json::json!({ "from": w.from, "to": w.to });
    }
    let manifest = writer.finish(ManifestInfo {
        generator: GeneratorInfo {
            name: "nhikit-synth".into(),
            output_version: nhikit_synth::OUTPUT_VERSION,
        },
        seed,
        options: gen_options,
        shard: (shard.count > 1).then_some(nhikit_io::Shard {
            index: shard.index + 1,
            count: shard.count,
        }),
        created: None,
    })?;
    let mut details = serde_json::json!({
        "seed": seed,
        "households": args.households,
        "files": manifest.files.len(),
        "bytes": manifest.files.iter().map(|f| f.bytes).sum::<u64>(),
        "sealed": true,
    });
    if let Some(enc) = &manifest.encryption {
        // The seed and options would regenerate the data, a plaintext hash or count would
        // confirm a guess of them: an encrypted dataset's entry carries none of them (its
        // byte count is the ciphertext's).
        details = serde_json::json!({
            "files": manifest.files.len(),
            "bytes": manifest.files.iter().map(|f| f.bytes).sum::<u64>(),
            "sealed": true,
            "encrypted": {"scheme": enc.scheme, "recipients": enc.recipients},
        });
    }
    crate::audit_cmd::record_dataset(
        &args.audit,
        "gen",
        &args.out,
        args.operator.as_deref(),
        details,
    )?;
    if let Some(enc) = &manifest.encryption {
        crate::audit_cmd::record_dataset(
            &args.audit,
            "encrypt",
            &args.out,
            args.operator.as_deref(),
            serde_json::json!({
                "scheme": enc.scheme,
                "recipients": enc.recipients,
                "files": manifest.files.iter()
                    .map(|f| serde_json::json!({"path": f.path, "sha256": f.sha256}))
                    .chain(std::iter::once(serde_json::json!({
                        "path": enc.manifest.path, "sha256": enc.manifest.sha256
                    })))
                    .collect::<Vec<_>>(),
            }),
        )?;
    }
    if !crate::out::quiet() && manifest.encryption.is_some() {
        // No counts: they would confirm a guess of the seed and options.
        crate::out::errln!(
            "{}: {} files in {:.2} s",
            args.out.display(),
            manifest.files.len(),
            started.elapsed().as_secs_f64()
        );
    } else if !crate::out::quiet() {
        let secs = started.elapsed().as_secs_f64();
        let bytes: u64 = manifest.files.iter().map(|f| f.bytes).sum();
        let persons = persons.into_inner();
        crate::out::errln!(
            "{}: {} households, {} persons, {} rows in {} files ({:.1} MB) in {:.2} s — {:.0} persons/s, {:.0} rows/s",
            args.out.display(),
            total,
            persons,
            rows.into_inner(),
            manifest.files.len(),
            bytes as f64 / 1e6,
            secs,
            persons as f64 / secs.max(1e-9),
            manifest.entities.values().map(|e| e.rows).sum::<u64>() as f64 / secs.max(1e-9),
        );
        if let Some(enc) = &manifest.encryption {
            crate::out::errln!(
                "{}: encrypted ({}) to {}; sealed read-only; decrypt with `nhikit decrypt {} --identity KEY --out COPY`",
                args.out.display(),
                enc.scheme,
                enc.recipients.join(", "),
                args.out.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The encryptor for --encrypt-to / --encrypt-to-file, if any recipient is given.
fn encryptor(args: &GenArgs) -> anyhow::Result<Option<nhikit_safety::AgeEncryptor>> {
    let mut recipients = args.encrypt_to.clone();
    for file in &args.encrypt_to_file {
        recipients.extend(nhikit_safety::read_recipients_file(file)?);
    }
    if recipients.is_empty() {
        return Ok(None);
    }
    Ok(Some(nhikit_safety::AgeEncryptor::new(&recipients)?))
}

fn write_part(
    generator: &Generator<'_>,
    writer: &DatasetWriter,
    part: &nhikit_synth::Part,
    level: PartitionLevel,
) -> anyhow::Result<nhikit_synth::PartCounts> {
    if level == PartitionLevel::Prefecture {
        let partition = Partition::prefecture(part.prefecture);
        return write_unit(generator, writer, part, &partition);
    }
    // One file set per municipality the part spans, keeping the part's number: households
    // depend only on (seed, municipality, local index), so the records are the same.
    let mut total = nhikit_synth::PartCounts::default();
    for segment in &part.segments {
        let lgcode = &generator.plan().municipalities[segment.municipality]
            .municipality
            .lgcode;
        let unit = nhikit_synth::Part {
            prefecture: part.prefecture,
            number: part.number,
            segments: vec![*segment],
            count: segment.count,
        };
        let c = write_unit(
            generator,
            writer,
            &unit,
            &Partition::municipality(part.prefecture, lgcode),
        )?;
        total.add(&c);
    }
    Ok(total)
}

fn write_unit(
    generator: &Generator<'_>,
    writer: &DatasetWriter,
    part: &nhikit_synth::Part,
    partition: &Partition,
) -> anyhow::Result<nhikit_synth::PartCounts> {
    let partition = partition.clone();
    let mut h = writer.part("household", &partition, part.number)?;
    let mut p = writer.part("person", &partition, part.number)?;
    let mut q = writer.part("qualification", &partition, part.number)?;
    let entities = generator.extras().entities();
    let mut writers = entities
        .iter()
        .map(|e| writer.part(e, &partition, part.number))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sinks = nhikit_synth::ExtraSinks::default();
    for (e, w) in entities.iter().zip(writers.iter_mut()) {
        sinks.set(e, w);
    }
    let counts = generator.write_part_with(part, &mut h, &mut p, &mut q, &mut sinks);
    h.finish()?;
    p.finish()?;
    q.finish()?;
    for w in writers {
        w.finish()?;
    }
    Ok(counts)
}

/// The profile and extra entities of `--profile`, `--with` and the history window.
fn extras(
    profile: &str,
    with: &[String],
    from: Option<i32>,
    to: Option<i32>,
    as_of: NaiveDate,
) -> anyhow::Result<nhikit_synth::Extras> {
    let mut extras = nhikit_synth::Extras {
        profile: profile
            .parse()
            .with_context(|| format!("--profile {profile:?}"))?,
        ..Default::default()
    };
    let default = nhikit_synth::Window::default_for(as_of);
    let window = nhikit_synth::Window {
        from: from.unwrap_or(default.from),
        to: to.unwrap_or(default.to),
    };
    for entity in with {
        if !extras.add(entity, window) {
            anyhow::bail!(
                "--with {:?}: expected {}, comma-separated",
                entity.trim(),
                nhikit_synth::Extras::NAMES
            );
        }
    }
    if extras.history.is_none() && (from.is_some() || to.is_some()) {
        anyhow::bail!(
            "--from and --to set the history window of --with event, payment or benefit: add --with event"
        );
    }
    Ok(extras)
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(crate::out::with_rate(
        ProgressStyle::with_template("{bar:40} {pos}/{len} households  {rate}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    ));
    bar
}

/// Used by tests: whether `dir` looks like a completed dataset.
#[allow(dead_code)]
pub fn is_complete(dir: &Path) -> bool {
    dir.join(nhikit_io::MANIFEST_FILE).exists()
}
