//! What verify and scan share: the generator rebuilt from a manifest, and records collected
//! flat (one `Value` per item, no item names) so a part can be held and compared cheaply.

use crate::error::{Error, Result};
use nhikit_core::date::NaiveDate;
use nhikit_io::Manifest;
use nhikit_schema::{RowWriter, Value};
use nhikit_synth::{Extras, Generator, Options, Profile, Reference, Shard, Window};
use std::path::Path;

/// The generator inputs recorded in a manifest.
#[derive(Debug, Clone)]
pub(crate) struct Regeneration {
    pub(crate) options: Options,
    pub(crate) shard: Shard,
    /// `--profile`, `--with` and the history window of the run.
    pub(crate) extras: Extras,
}

impl Regeneration {
    /// Reads the seed, options and shard of `manifest`, refusing a manifest this build cannot
    /// regenerate (another generator, another output version, another RNG algorithm).
    pub(crate) fn from_manifest(manifest: &Manifest, path: &Path) -> Result<Regeneration> {
        let bad = |reason: String| Error::NotADataset {
            path: path.to_path_buf(),
            reason,
        };
        if manifest.encryption.is_some() {
            return Err(bad(
                "the dataset is encrypted: its seed and options are in the encrypted manifest; decrypt it first (nhikit decrypt DIR --identity KEY --out COPY)".into(),
            ));
        }
        if manifest.generator.name != "nhikit-synth" {
            return Err(bad(format!(
                "generator {:?}, expected \"nhikit-synth\"",
                manifest.generator.name
            )));
        }
        if manifest.generator.output_version != nhikit_synth::OUTPUT_VERSION {
            return Err(Error::OutputVersion {
                found: manifest.generator.output_version,
                expected: nhikit_synth::OUTPUT_VERSION,
                nhikit_version: manifest.nhikit_version.clone(),
            });
        }
        let o = &manifest.options;
        if let Some(v) = o.get("rng_algorithm_version").and_then(|v| v.as_u64())
            && v != u64::from(nhikit_rng::ALGORITHM_VERSION)
        {
            return Err(bad(format!(
                "RNG algorithm version {v}, this nhikit has {}",
                nhikit_rng::ALGORITHM_VERSION
            )));
        }
        let extras = extras_of(o).map_err(bad)?;
        let households = o
            .get("households")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| bad("options.households is missing".into()))?;
        let municipalities = match o.get("municipalities") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| bad(format!("options.municipalities: {v} is not a string")))
                })
                .collect::<Result<_>>()?,
            Some(v) => return Err(bad(format!("options.municipalities: {v} is not a list"))),
        };
        let as_of = match o.get("as_of").and_then(|v| v.as_str()) {
            Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| bad(format!("options.as_of {t:?} is not a date YYYY-MM-DD")))?,
            None => return Err(bad("options.as_of is missing".into())),
        };
        let shard = match manifest.shard {
            None => Shard::ALL,
            Some(s) if s.index >= 1 && s.index <= s.count => Shard {
                index: s.index - 1,
                count: s.count,
            },
            Some(s) => return Err(bad(format!("shard {}/{} is invalid", s.index, s.count))),
        };
        Ok(Regeneration {
            options: Options {
                seed: manifest.seed,
                households,
                municipalities,
                as_of,
            },
            shard,
            extras,
        })
    }

    /// The generator of the run: with its profile and extra entities.
    pub(crate) fn generator<'r>(&self, reference: &'r Reference) -> Result<Generator<'r>> {
        Ok(Generator::new(reference, &self.options)?.with_extras(self.extras)?)
    }
}

/// The profile, extra entities and history window a manifest's options record (`nhikit gen`
/// writes `profile`, `with` and `history` only when they differ from the defaults).
fn extras_of(o: &serde_json::Value) -> std::result::Result<Extras, String> {
    let profile = match o.get("profile") {
        None | Some(serde_json::Value::Null) => Profile::Realistic,
        Some(v) => v
            .as_str()
            .ok_or_else(|| format!("options.profile: {v} is not a string"))?
            .parse()
            .map_err(|e| format!("options.profile: {e}"))?,
    };
    let mut extras = Extras {
        profile,
        ..Extras::default()
    };
    let with = match o.get("with") {
        None | Some(serde_json::Value::Null) => &[][..],
        Some(serde_json::Value::Array(a)) => a.as_slice(),
        Some(v) => return Err(format!("options.with: {v} is not a list")),
    };
    let year = |key: &str| {
        o.get("history")
            .and_then(|h| h.get(key))
            .and_then(serde_json::Value::as_i64)
            .and_then(|y| i32::try_from(y).ok())
    };
    let window = year("from").zip(year("to"));
    let recorded = window.map_or(
        Window {
            from: Window::DEFAULT_FROM,
            to: Window::DEFAULT_FROM,
        },
        |(from, to)| Window { from, to },
    );
    for v in with {
        let names = v
            .as_str()
            .ok_or_else(|| format!("options.with: {v} is not a string"))?;
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
        return Err("options.history.from and .to are missing (the window of --with event)".into());
    }
    Ok(extras)
}

/// Records of one entity as a flat list of values, `width` per record.
#[derive(Debug, Clone)]
pub(crate) struct FlatRows {
    pub(crate) width: usize,
    pub(crate) values: Vec<Value>,
}

impl FlatRows {
    pub(crate) fn new(width: usize) -> FlatRows {
        FlatRows {
            width,
            values: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    pub(crate) fn row(&self, i: usize) -> &[Value] {
        &self.values[i * self.width..(i + 1) * self.width]
    }
}

impl RowWriter for FlatRows {
    fn null(&mut self) {
        self.values.push(Value::Null);
    }
    fn str(&mut self, value: &str) {
        self.values.push(Value::Str(value.to_owned()));
    }
    fn int(&mut self, value: i64) {
        self.values.push(Value::Int(value));
    }
    fn date(&mut self, value: NaiveDate) {
        self.values.push(Value::Date(value));
    }
    fn bool(&mut self, value: bool) {
        self.values.push(Value::Bool(value));
    }
    fn end_row(&mut self) {
        // Keep rows aligned even if a generator wrote too few or too many values.
        let rem = self.values.len() % self.width.max(1);
        if rem != 0 {
            let target = self.values.len() - rem + self.width;
            self.values.resize(target, Value::Null);
        }
    }
}

/// A value as a text cell compares it: an empty string is null (CSV cannot tell them apart).
pub(crate) fn text_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(s), Value::Null) | (Value::Null, Value::Str(s)) => s.is_empty(),
        _ => a == b,
    }
}

/// A short display of a value: `null`, a quoted string (Japanese text, full-width spaces
/// included, shown as is; only quotes, backslashes and control characters escaped), a number
/// or a date.
pub(crate) fn show(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' | '\\' => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if c.is_control() => out.extend(c.escape_default()),
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}
