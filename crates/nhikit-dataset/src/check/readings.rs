//! `reading`: a name's reading is a dictionary reading of its kanji.

use crate::Error;
use std::collections::{HashMap, HashSet};

/// Name dictionaries: kanji → readings.
pub(crate) struct Readings {
    pub(crate) surnames: HashMap<String, HashSet<String>>,
    pub(crate) given: HashMap<String, HashSet<String>>,
}

impl Readings {
    pub(crate) fn embedded() -> Result<Readings, Error> {
        let reference = nhikit_synth::Reference::embedded()?;
        let mut surnames: HashMap<String, HashSet<String>> = HashMap::new();
        let mut given: HashMap<String, HashSet<String>> = HashMap::new();
        // Names of the edge profile (髙 﨑 𠮷, IVS, very long and alphabet names).
        for n in nhikit_synth::edge::EdgeNames::embedded()?.names {
            surnames
                .entry(n.surname)
                .or_default()
                .insert(n.surname_reading);
            given.entry(n.given).or_default().insert(n.given_reading);
        }
        for n in &reference.surnames {
            surnames
                .entry(n.kanji.clone())
                .or_default()
                .insert(n.reading.clone());
        }
        for g in &reference.given {
            for n in &g.names {
                given
                    .entry(n.kanji.clone())
                    .or_default()
                    .insert(n.reading.clone());
            }
        }
        Ok(Readings { surnames, given })
    }

    /// Why `kana` is not a reading of `name`, if it is not.
    pub(crate) fn check(&self, name: &str, kana: &str) -> Option<String> {
        let (Some((sn, gn)), Some((sk, gk))) =
            (name.split_once('\u{3000}'), kana.split_once('\u{3000}'))
        else {
            return Some(format!(
                "{name:?} / {kana:?}: expected 姓　名 with a full-width space"
            ));
        };
        if !self.surnames.get(sn).is_some_and(|set| set.contains(sk)) {
            return Some(format!("{sk:?} is not a reading of the surname {sn:?}"));
        }
        if !self.given.get(gn).is_some_and(|set| set.contains(gk)) {
            return Some(format!("{gk:?} is not a reading of the given name {gn:?}"));
        }
        None
    }
}
