//! Writing a run: the plan cut into [`Unit`]s, each written on a worker thread through the
//! dataset writer, the manifest recording the [`RunSpec`].

use crate::{Error, RunSpec, for_each_parallel};
use nhikit_io::WriterOptions;
use nhikit_io::{DatasetWriter, Encoding, FileEncryptor, Manifest, Partition, PartitionLevel};
use nhikit_schema::RowWriter;
use nhikit_schema::Schema;
use nhikit_synth::{ExtraSinks, Generator, Part, PartCounts, Reference, Shard};
use std::path::Path;
use std::sync::Arc;

/// A unit of generation (and of regeneration by [`crate::verify()`]): a part of the plan, or
/// with [`PartitionLevel::Municipality`] the share of a part in one municipality, written to
/// its own files under the part's number (households depend only on (seed, municipality,
/// local index), so the records are the same either way).
#[derive(Debug, Clone)]
pub struct Unit {
    /// The households to generate.
    pub part: Part,
    /// Where its files go.
    pub partition: Partition,
    /// Its files' path stem, `prefecture=PP[/municipality=CCCCCC]/part-NNNNN`
    /// ([`nhikit_io::part_stem`]).
    pub stem: String,
}

/// The units of `shard` of the generator's plan, partitioned at `level`, in plan order.
pub fn units(
    generator: &Generator<'_>,
    shard: Shard,
    level: PartitionLevel,
) -> Result<Vec<Unit>, Error> {
    let plan = generator.plan();
    let mut out = Vec::new();
    let mut push = |part: Part, partition: Partition| -> Result<(), Error> {
        let stem = nhikit_io::part_stem(Some(&partition), part.number)?;
        out.push(Unit {
            part,
            partition,
            stem,
        });
        Ok(())
    };
    for part in plan.parts_of(shard) {
        if level == PartitionLevel::Municipality {
            for segment in &part.segments {
                let lgcode = &plan.municipalities[segment.municipality]
                    .municipality
                    .lgcode;
                let unit = Part {
                    prefecture: part.prefecture,
                    number: part.number,
                    segments: vec![*segment],
                    count: segment.count,
                };
                push(unit, Partition::municipality(part.prefecture, lgcode))?;
            }
        } else {
            push(part.clone(), Partition::prefecture(part.prefecture))?;
        }
    }
    Ok(out)
}

/// Points the sink of each extra entity at its writer (`writers` in `entities` order).
pub(crate) fn extra_sinks<'a>(
    entities: &[&'static str],
    writers: impl Iterator<Item = &'a mut dyn RowWriter>,
) -> ExtraSinks<'a> {
    let mut sinks = ExtraSinks::default();
    for (e, w) in entities.iter().zip(writers) {
        sinks.set(e, w);
    }
    sinks
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The manifest written (for an encrypted dataset, the outer one).
    pub manifest: Manifest,
    /// Households in the units written.
    pub households: u64,
    /// Rows written per entity kind (insurers not counted).
    pub counts: PartCounts,
}

/// How [`generate_to`] writes a dataset directory, beside the run itself.
#[derive(Default, Clone)]
pub struct Output {
    /// Every CSV layout's encoding instead of the layout's own.
    pub csv_encoding: Option<Encoding>,
    /// Replace the directory if it holds a dataset nhikit wrote.
    pub overwrite: bool,
    /// Units generated at a time (0: one per core); the files do not depend on it.
    pub threads: usize,
    /// The dataset's random id, recorded in its manifest (`nhikit_safety::new_dataset_id`).
    pub dataset_id: Option<String>,
    /// Encrypt every file while writing (no plaintext reaches the disk).
    pub encryptor: Option<Arc<dyn FileEncryptor>>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("csv_encoding", &self.csv_encoding)
            .field("overwrite", &self.overwrite)
            .field("threads", &self.threads)
            .field("dataset_id", &self.dataset_id)
            .field("encrypted", &self.encryptor.is_some())
            .finish()
    }
}

/// Generates the run `spec` into a new sealed dataset directory `dir` (`nhikit gen`): checks
/// the run and the directory, creates the writer (telling `note` what it removed, e.g. an
/// earlier dataset replaced with [`Output::overwrite`]), then [`generate`]s. The directory
/// appears only when complete: on error nothing is written there.
///
/// ```
/// let schema = nhikit_schema::embedded().unwrap();
/// let dir = std::env::temp_dir().join(format!("nhikit-doc-generate-to-{}", std::process::id()));
/// let spec = nhikit_dataset::RunSpec {
///     households: 5,
///     municipalities: vec!["131016".into()],
///     ..nhikit_dataset::RunSpec::default()
/// };
/// let output = nhikit_dataset::Output { threads: 1, ..Default::default() };
/// let generated =
///     nhikit_dataset::generate_to(&dir, &schema, &spec, output, &|_, _| {}, |_| {}).unwrap();
/// assert_eq!(generated.households, 5);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn generate_to(
    dir: &Path,
    schema: &Schema,
    spec: &RunSpec,
    output: Output,
    progress: &(dyn Fn(u64, u64) + Sync),
    mut note: impl FnMut(&str),
) -> Result<Generated, Error> {
    spec.check()?;
    check_output(dir)?;
    let options = WriterOptions {
        formats: spec.formats.clone(),
        csv_encoding: output.csv_encoding,
        overwrite: output.overwrite,
        ..WriterOptions::default()
    };
    let mut writer = DatasetWriter::create(dir, schema, options)?;
    for n in writer.notes() {
        note(n);
    }
    writer.seal_on_finish(true);
    if let Some(id) = output.dataset_id {
        writer.dataset_id(id);
    }
    if let Some(e) = output.encryptor {
        writer.encrypt_with(e);
    }
    let threads = match output.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    generate(spec, writer, threads, progress)
}

impl Generated {
    /// The audit log entries of the run of `spec` (action, details): `gen`, and `encrypt` for
    /// an encrypted dataset. The seed and options would regenerate the data, a plaintext hash
    /// or count would confirm a guess of them: an encrypted dataset's entries carry none of
    /// them (its byte count is the ciphertext's).
    pub fn audit_entries(&self, spec: &RunSpec) -> Vec<(&'static str, serde_json::Value)> {
        let manifest = &self.manifest;
        let (files, bytes) = (
            manifest.files.len(),
            manifest.files.iter().map(|f| f.bytes).sum::<u64>(),
        );
        let Some(enc) = &manifest.encryption else {
            let details = serde_json::json!({"seed": spec.seed, "households": spec.households,
                "files": files, "bytes": bytes, "sealed": true});
            return vec![("gen", details)];
        };
        let (scheme, recipients) = (&enc.scheme, &enc.recipients);
        let generated = serde_json::json!({"files": files, "bytes": bytes, "sealed": true,
            "encrypted": {"scheme": scheme, "recipients": recipients}});
        let hashes = manifest.files.iter().map(|f| (&f.path, &f.sha256));
        let hashes = hashes.chain([(&enc.manifest.path, &enc.manifest.sha256)]);
        let hashes: Vec<_> = hashes
            .map(|(p, h)| serde_json::json!({"path": p, "sha256": h}))
            .collect();
        let encrypt =
            serde_json::json!({"scheme": scheme, "recipients": recipients, "files": hashes});
        vec![("gen", generated), ("encrypt", encrypt)]
    }

    /// The summary of a run that took `secs` seconds: counts and speed (`5487 persons, …
    /// 2347 persons/s`), or for an encrypted dataset only the files and time (counts would
    /// confirm a guess of the seed and options).
    pub fn summary(&self, secs: f64) -> String {
        let (manifest, counts) = (&self.manifest, &self.counts);
        let files = manifest.files.len();
        if manifest.encryption.is_some() {
            return format!("{files} files in {secs:.2} s");
        }
        let mb = manifest.files.iter().map(|f| f.bytes).sum::<u64>() as f64 / 1e6;
        let rows_per_s =
            manifest.entities.values().map(|e| e.rows).sum::<u64>() as f64 / secs.max(1e-9);
        let persons_per_s = counts.persons as f64 / secs.max(1e-9);
        format!(
            "{} households, {} persons, {} rows in {files} files ({mb:.1} MB) in {secs:.2} s — {persons_per_s:.0} persons/s, {rows_per_s:.0} rows/s",
            self.households,
            counts.persons,
            counts.rows(),
        )
    }
}

/// Generates the run `spec` into `writer`, `threads` units at a time (the files do not depend
/// on it), calling `progress(households, total)` as each unit completes with its households
/// and those of the whole run (or shard), and finishes
/// the dataset with the manifest of `spec`. The writer's formats must be the spec's; its other
/// settings (encryption, sealing, dataset id) are the caller's. On error the writer is dropped
/// and nothing appears at its output.
pub fn generate(
    spec: &RunSpec,
    writer: DatasetWriter,
    threads: usize,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Generated, Error> {
    if writer.options().formats != spec.formats {
        return Err(Error::Options(format!(
            "the dataset writer has formats {:?}, the run {:?}",
            writer.options().formats,
            spec.formats
        )));
    }
    let generator = spec.generator(Reference::shared()?)?;
    let units = units(&generator, spec.shard, spec.partition)?;
    let total = units.iter().map(|u| u.part.count).sum();
    if spec.shard.index == 0 {
        let mut w = writer.table_part("insurer", 0)?;
        generator.write_insurers(&mut w);
        w.finish()?;
    }
    let written = for_each_parallel(&units, threads, |unit| {
        let counts = write_unit(&generator, &writer, unit)?;
        progress(unit.part.count, total);
        Ok::<_, Error>(counts)
    })?;
    let mut counts = PartCounts::default();
    for c in &written {
        counts.add(c);
    }
    let manifest = writer.finish(spec.manifest_info()?)?;
    Ok(Generated {
        manifest,
        households: total,
        counts,
    })
}

fn write_unit(
    generator: &Generator<'_>,
    writer: &DatasetWriter,
    unit: &Unit,
) -> Result<PartCounts, Error> {
    let (partition, number) = (&unit.partition, unit.part.number);
    let mut h = writer.part("household", partition, number)?;
    let mut p = writer.part("person", partition, number)?;
    let mut q = writer.part("qualification", partition, number)?;
    let entities = generator.extras().entities();
    let mut writers = entities
        .iter()
        .map(|e| writer.part(e, partition, number))
        .collect::<Result<Vec<_>, _>>()?;
    let sinks = &mut extra_sinks(
        &entities,
        writers.iter_mut().map(|w| w as &mut dyn RowWriter),
    );
    let counts = generator.write_part_with(&unit.part, &mut h, &mut p, &mut q, sinks);
    h.finish()?;
    p.finish()?;
    q.finish()?;
    for w in writers {
        w.finish()?;
    }
    Ok(counts)
}

/// Checks that `out` can become a dataset directory before anything is generated: an
/// existing file there, or a file where a parent directory must be, is refused with a message
/// naming it (an existing directory is the dataset writer's to judge).
pub fn check_output(out: &Path) -> Result<(), Error> {
    let refuse = |reason: String| Error::Output {
        path: out.to_path_buf(),
        reason,
    };
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.is_file() => {
            return Err(refuse(
                "a file is there, not a directory (--overwrite replaces only a dataset nhikit wrote; remove the file or choose another path)".into(),
            ));
        }
        Ok(_) => return Ok(()),
        Err(_) => {}
    }
    for ancestor in out.ancestors().skip(1) {
        if let Ok(m) = std::fs::metadata(ancestor)
            && !ancestor.as_os_str().is_empty()
        {
            if !m.is_dir() {
                return Err(refuse(format!(
                    "{} is a file, so it cannot hold the output directory",
                    ancestor.display()
                )));
            }
            break;
        }
    }
    Ok(())
}
