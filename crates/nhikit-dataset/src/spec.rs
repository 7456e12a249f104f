//! [`RunSpec`]: everything the generator needs to make a dataset, and so to make it again.
//! Its serde form *is* the manifest's `options` object, read and written here only.

use crate::Error;
use nhikit_core::date::NaiveDate;
use nhikit_io::{Format, GeneratorInfo, Manifest, ManifestInfo, PartitionLevel};
use nhikit_synth::{Extras, Generator, Options, Profile, Reference, Shard, Window};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The generator's name in manifests (`generator.name`).
pub const GENERATOR_NAME: &str = "nhikit-synth";

/// One generation run: seed, size, reference date, formats, partitioning, profile and extra
/// entities, shard. Serialized (serde) it is the manifest's `options` object in the form
/// `nhikit gen` has always written, so old manifests read; [`RunSpec::seed`] and
/// [`RunSpec::shard`] are the manifest's own `seed` and `shard` fields and are not part of it.
///
/// ```
/// let spec = nhikit_dataset::RunSpec { seed: 7, households: 60, ..Default::default() };
/// let options = serde_json::to_value(&spec).unwrap();
/// assert_eq!(options["households"], 60);
/// assert_eq!(options["as_of"], "2026-04-01");
/// let back: nhikit_dataset::RunSpec = serde_json::from_value(options).unwrap();
/// assert_eq!(back.households, 60);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Wire", try_from = "Wire")]
pub struct RunSpec {
    /// The seed every record derives from (the manifest's `seed`).
    pub seed: u64,
    /// The share of the run this dataset holds (the manifest's `shard`, 1-based there).
    pub shard: Shard,
    /// Households in the whole run.
    pub households: u64,
    /// Only these municipalities (6-digit 全国地方公共団体コード); empty: all.
    pub municipalities: Vec<String>,
    /// The reference date (基準日).
    pub as_of: NaiveDate,
    /// The formats written.
    pub formats: Vec<Format>,
    /// [`nhikit_rng::ALGORITHM_VERSION`] of the run.
    pub rng_algorithm_version: u32,
    /// How finely the output directories are partitioned.
    pub partition: PartitionLevel,
    /// Profile, extra entities and history window ([`RunSpec::select_extras`]).
    pub extras: Extras,
    /// The `--with` names as given, recorded beside [`RunSpec::extras`] (when they do not
    /// select exactly `extras`, the manifest records the names of what `extras` turns on).
    pub with: Vec<String>,
    /// Which program wrote a dataset other than `nhikit gen` (e.g. `nhikit load`).
    pub written_by: Option<String>,
}

impl Default for RunSpec {
    fn default() -> RunSpec {
        let options = Options::default();
        RunSpec {
            seed: options.seed,
            shard: Shard::ALL,
            households: options.households,
            municipalities: options.municipalities,
            as_of: options.as_of,
            formats: vec![Format::Parquet],
            rng_algorithm_version: nhikit_rng::ALGORITHM_VERSION,
            partition: PartitionLevel::default(),
            extras: Extras::default(),
            with: Vec::new(),
            written_by: None,
        }
    }
}

impl RunSpec {
    /// Sets the profile and the extra entities of `--with` (names of
    /// [`Extras::NAMES`]), with their history window `from..=to` (fiscal years; by default
    /// FY2020 to the fiscal year of [`RunSpec::as_of`]).
    pub fn select_extras(
        &mut self,
        profile: Profile,
        with: &[String],
        from: Option<i32>,
        to: Option<i32>,
    ) -> Result<(), Error> {
        let mut extras = Extras {
            profile,
            ..Extras::default()
        };
        let default = Window::default_for(self.as_of);
        let window = Window {
            from: from.unwrap_or(default.from),
            to: to.unwrap_or(default.to),
        };
        for entity in with {
            if !extras.add(entity, window) {
                return Err(Error::Options(format!(
                    "--with {:?}: expected {}, comma-separated",
                    entity.trim(),
                    Extras::NAMES
                )));
            }
        }
        if extras.history.is_none() && (from.is_some() || to.is_some()) {
            return Err(Error::Options(
                "--from and --to set the history window of --with event, payment or benefit: add --with event".into(),
            ));
        }
        self.extras = extras;
        self.with = with.to_vec();
        Ok(())
    }

    /// The run recorded in `manifest` (read from `path`, named in errors): its options, seed
    /// and shard. Formats absent from old options are those of the manifest's files.
    pub fn from_manifest(manifest: &Manifest, path: &Path) -> Result<RunSpec, Error> {
        let bad = |reason: String| Error::NotADataset {
            path: path.to_path_buf(),
            reason,
        };
        if manifest.encryption.is_some() {
            return Err(bad(
                "the dataset is encrypted: its seed and options are in the encrypted manifest; decrypt it first (nhikit decrypt DIR --identity KEY --out COPY)".into(),
            ));
        }
        let mut spec: RunSpec = serde_json::from_value(manifest.options.clone())
            .map_err(|e| bad(format!("options: {e}")))?;
        spec.seed = manifest.seed;
        spec.shard = match manifest.shard {
            None => Shard::ALL,
            Some(s) if s.index >= 1 && s.index <= s.count => Shard {
                index: s.index - 1,
                count: s.count,
            },
            Some(s) => return Err(bad(format!("shard {}/{} is invalid", s.index, s.count))),
        };
        if spec.formats.is_empty() {
            for f in &manifest.files {
                if !spec.formats.contains(&f.format) {
                    spec.formats.push(f.format);
                }
            }
        }
        Ok(spec)
    }

    /// [`RunSpec::from_manifest`] of a dataset this build can regenerate record for record:
    /// made by nhikit-synth at this [`nhikit_synth::OUTPUT_VERSION`] and RNG algorithm
    /// (`path`: the manifest file, named in errors).
    pub fn regenerable(manifest: &Manifest, path: &Path) -> Result<RunSpec, Error> {
        let path = path.to_path_buf();
        // An encrypted manifest has no generator to check: from_manifest says so.
        if manifest.encryption.is_none() {
            if manifest.generator.name != GENERATOR_NAME {
                return Err(Error::NotADataset {
                    path,
                    reason: format!(
                        "generator {:?}, expected {GENERATOR_NAME:?}",
                        manifest.generator.name
                    ),
                });
            }
            if manifest.generator.output_version != nhikit_synth::OUTPUT_VERSION {
                return Err(Error::OutputVersion {
                    found: manifest.generator.output_version,
                    expected: nhikit_synth::OUTPUT_VERSION,
                    nhikit_version: manifest.nhikit_version.clone(),
                });
            }
        }
        let spec = RunSpec::from_manifest(manifest, &path)?;
        if spec.rng_algorithm_version != nhikit_rng::ALGORITHM_VERSION {
            return Err(Error::NotADataset {
                path,
                reason: format!(
                    "RNG algorithm version {}, this nhikit has {}",
                    spec.rng_algorithm_version,
                    nhikit_rng::ALGORITHM_VERSION
                ),
            });
        }
        Ok(spec)
    }

    /// What the dataset writer records in the manifest: generator, seed, options, shard.
    pub fn manifest_info(&self) -> Result<ManifestInfo, Error> {
        Ok(ManifestInfo {
            generator: GeneratorInfo {
                name: GENERATOR_NAME.into(),
                output_version: nhikit_synth::OUTPUT_VERSION,
            },
            seed: self.seed,
            options: serde_json::to_value(self)
                .map_err(|e| Error::Options(format!("recording the options: {e}")))?,
            shard: (self.shard.count > 1).then_some(nhikit_io::Shard {
                index: self.shard.index + 1,
                count: self.shard.count,
            }),
            created: None,
        })
    }

    /// The generator's options (seed, size, municipalities, reference date).
    pub fn options(&self) -> Options {
        Options {
            seed: self.seed,
            households: self.households,
            municipalities: self.municipalities.clone(),
            as_of: self.as_of,
        }
    }

    /// Checks what the generator would refuse (unknown municipalities, a bad history window,
    /// rates missing for the fiscal year) without generating anything.
    pub fn check(&self) -> Result<(), Error> {
        self.generator(Reference::shared()?).map(drop)
    }

    /// The generator of the run, with its profile and extra entities.
    pub fn generator<'r>(&self, reference: &'r Reference) -> Result<Generator<'r>, Error> {
        Ok(Generator::new(reference, &self.options())?.with_extras(self.extras)?)
    }
}

/// The JSON form of [`RunSpec`]: the manifest's `options`, with the names and shapes `nhikit
/// gen` writes (`partition` only when not `prefecture`; `profile`, `with` and `history` only
/// with extras). Every field may be absent or null in what is read.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Wire {
    #[serde(default)]
    households: Option<u64>,
    #[serde(default)]
    municipalities: Option<Vec<String>>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formats: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rng_algorithm_version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    with: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    history: Option<HistoryWire>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    written_by: Option<String>,
}

/// `options.history`: the window of `--with event`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct HistoryWire {
    #[serde(default)]
    from: Option<i32>,
    #[serde(default)]
    to: Option<i32>,
}

impl From<RunSpec> for Wire {
    fn from(spec: RunSpec) -> Wire {
        let extras = spec.extras != Extras::default();
        Wire {
            households: Some(spec.households),
            municipalities: Some(spec.municipalities),
            as_of: Some(spec.as_of.format("%Y-%m-%d").to_string()),
            formats: Some(spec.formats.iter().map(|f| f.name().to_owned()).collect()),
            rng_algorithm_version: Some(spec.rng_algorithm_version),
            partition: (spec.partition != PartitionLevel::default())
                .then(|| spec.partition.name().to_owned()),
            profile: extras.then(|| spec.extras.profile.name().to_owned()),
            with: extras.then(|| with_names(&spec.with, spec.extras)),
            history: spec.extras.history.map(|w| HistoryWire {
                from: Some(w.from),
                to: Some(w.to),
            }),
            written_by: spec.written_by,
        }
    }
}

/// The `with` names to record for `extras`: those given when they select exactly `extras`
/// (so `nhikit gen`'s manifests keep the names typed), else the names of what `extras` turns on.
fn with_names(given: &[String], extras: Extras) -> Vec<String> {
    let window = extras.history.unwrap_or(Window {
        from: Window::DEFAULT_FROM,
        to: Window::DEFAULT_FROM,
    });
    let mut selected = Extras {
        profile: extras.profile,
        ..Extras::default()
    };
    let mut names = given.iter().flat_map(|n| n.split(','));
    if names.all(|n| selected.add(n, window)) && selected == extras {
        return given.to_vec();
    }
    let b = extras.benefits;
    [
        ("income", extras.income),
        ("assessment", extras.assessment),
        ("payment", extras.payment),
        ("edge_case", extras.edge_cases),
        ("event", extras.history.is_some()),
        ("benefit_childbirth", b.childbirth),
        ("benefit_funeral", b.funeral),
        ("benefit_high_cost", b.high_cost),
    ]
    .into_iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| name.to_owned())
    .collect()
}

impl TryFrom<Wire> for RunSpec {
    type Error = String;

    fn try_from(w: Wire) -> Result<RunSpec, String> {
        let households = w.households.ok_or("options.households is missing")?;
        let as_of = match w.as_of {
            Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map_err(|_| format!("options.as_of {t:?} is not a date YYYY-MM-DD"))?,
            None => return Err("options.as_of is missing".into()),
        };
        let formats = w
            .formats
            .unwrap_or_default()
            .iter()
            .map(|f| {
                f.parse::<Format>()
                    .map_err(|e| format!("options.formats: {e}"))
            })
            .collect::<Result<_, _>>()?;
        let partition = match &w.partition {
            None => PartitionLevel::default(),
            Some(p) => p.parse().map_err(|e| format!("options.partition: {e}"))?,
        };
        let profile = match &w.profile {
            None => Profile::Realistic,
            Some(p) => p.parse().map_err(|e| format!("options.profile: {e}"))?,
        };
        let window = w.history.as_ref().and_then(|h| h.from.zip(h.to));
        // Without a recorded window the names are still checked; a history then fails below.
        let recorded = window.map_or(
            Window {
                from: Window::DEFAULT_FROM,
                to: Window::DEFAULT_FROM,
            },
            |(from, to)| Window { from, to },
        );
        let mut extras = Extras {
            profile,
            ..Extras::default()
        };
        let with = w.with.unwrap_or_default();
        for names in &with {
            for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !extras.add(name, recorded) {
                    return Err(format!(
                        "options.with: {name:?} is not an entity this nhikit generates ({})",
                        Extras::NAMES
                    ));
                }
            }
        }
        if extras.history.is_some() && window.is_none() {
            return Err(
                "options.history.from and .to are missing (the window of --with event)".into(),
            );
        }
        Ok(RunSpec {
            seed: 0,
            shard: Shard::ALL,
            households,
            municipalities: w.municipalities.unwrap_or_default(),
            as_of,
            formats,
            rng_algorithm_version: w
                .rng_algorithm_version
                .unwrap_or(nhikit_rng::ALGORITHM_VERSION),
            partition,
            extras,
            with,
            written_by: w.written_by,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The options object of `fuzz/fixtures/tiny/manifest.json`, as `nhikit gen` wrote it.
    const TINY: &str = r#"{"as_of":"2026-04-01","formats":["csv","jsonl"],"households":4,
        "municipalities":["131016"],"rng_algorithm_version":1}"#;

    #[test]
    fn a_written_options_object_reads_and_writes_back_the_same() {
        let v: serde_json::Value = serde_json::from_str(TINY).unwrap();
        let spec: RunSpec = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(spec.households, 4);
        assert_eq!(spec.formats, [Format::Csv, Format::Jsonl]);
        assert_eq!(serde_json::to_value(&spec).unwrap(), v);
    }

    #[test]
    fn extras_are_recorded_only_when_asked_for_and_read_back() {
        let mut spec = RunSpec::default();
        let default = serde_json::to_value(&spec).unwrap();
        for key in ["profile", "with", "history", "partition", "written_by"] {
            assert!(default.get(key).is_none(), "{key} in {default}");
        }
        spec.select_extras(Profile::Edge, &["event".into()], Some(2022), None)
            .unwrap();
        let v = serde_json::to_value(&spec).unwrap();
        assert_eq!(v["profile"], "edge");
        assert_eq!(v["with"], serde_json::json!(["event"]));
        assert_eq!(v["history"], serde_json::json!({"from": 2022, "to": 2026}));
        let back: RunSpec = serde_json::from_value(v).unwrap();
        assert_eq!(back, spec);
    }

    #[test]
    fn extras_set_without_names_are_recorded_by_their_own_names() {
        let mut spec = RunSpec::default();
        spec.extras.income = true;
        spec.extras.history = Some(Window {
            from: 2024,
            to: 2025,
        });
        let v = serde_json::to_value(&spec).unwrap();
        assert_eq!(v["with"], serde_json::json!(["income", "event"]));
        let back: RunSpec = serde_json::from_value(v).unwrap();
        assert_eq!(back.extras, spec.extras);
    }

    #[test]
    fn bad_options_are_named() {
        for (options, says) in [
            (r#"{"as_of":"2026-04-01"}"#, "options.households is missing"),
            (r#"{"households":1,"as_of":"x"}"#, "options.as_of \"x\""),
            (
                r#"{"households":1,"as_of":"2026-04-01","with":["nope"]}"#,
                "options.with: \"nope\"",
            ),
            (
                r#"{"households":1,"as_of":"2026-04-01","with":["event"]}"#,
                "options.history.from and .to are missing",
            ),
        ] {
            let err = serde_json::from_str::<RunSpec>(options).unwrap_err();
            assert!(err.to_string().contains(says), "{options}: {err}");
        }
        let mut spec = RunSpec::default();
        let err = spec
            .select_extras(Profile::Realistic, &[], Some(2021), None)
            .unwrap_err();
        assert!(err.to_string().contains("add --with event"), "{err}");
    }
}
