//! Writing a run: the plan cut into [`Unit`]s, each written on a worker thread through the
//! dataset writer, the manifest recording the [`RunSpec`].

use crate::{Error, RunSpec, for_each_parallel};
use nhikit_io::{DatasetWriter, Manifest, Partition, PartitionLevel};
use nhikit_schema::RowWriter;
use nhikit_synth::{ExtraSinks, Generator, Part, PartCounts, Reference, Shard};
use std::path::Path;

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
