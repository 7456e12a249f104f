//! Generated households as plain values, for Rust callers that want records in memory rather
//! than rows in a sink: the same households, names, readings, addresses and identifiers as the
//! `household`, `person` and `qualification` rows of [`Generator::write_part`].
//!
//! ```
//! use nhikit_synth::{Generator, Options, Reference};
//!
//! let reference = Reference::embedded()?;
//! let options = Options { households: 10, seed: 7, ..Options::default() };
//! let generator = Generator::new(&reference, &options)?;
//! for household in generator.records() {
//!     let household = household?;
//!     let head = &household.members[0];
//!     assert!(head.name.reading.contains('\u{3000}')); // セイ　メイ
//! }
//! # Ok::<(), nhikit_synth::Error>(())
//! ```

use crate::model::{Household, Sex};
use crate::rows::Composed;
use crate::{Error, Generator};
use nhikit_core::date::NaiveDate;
use nhikit_core::id::{
    AddressNumber, Edaban, HouseholdNumber, InsuredSymbolNumber, InsurerNumber, LgCode, MyNumber,
};

/// 氏名 with its reading (フリガナ), both `姓　名` with an ideographic space, as the `name` and
/// `name_kana` items of the person and qualification rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameReading {
    /// 氏名 (kanji), e.g. `佐藤　花子`.
    pub name: String,
    /// フリガナ (full-width katakana), e.g. `サトウ　ハナコ`.
    pub reading: String,
}

/// 住所 of a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// 郵便番号 of the 町域 (7 digits), when the municipality's 町域 list is known.
    pub postal_code: Option<String>,
    /// 都道府県 + 市区町村 + 町域 + 番地 (full-width digits) + building, as the `address` item.
    pub text: String,
}

/// The NHI qualification (被保険者資格) of an insured member on the reference date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualificationRecord {
    /// 枝番: the member's number within the household's 被保険者記号番号.
    pub edaban: Edaban,
    /// 資格取得日.
    pub acquired: NaiveDate,
    /// 資格取得事由 code (`schemas/codes/acquisition_reason.toml`).
    pub acquisition_reason: &'static str,
}

/// A member of a household (宛名).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    /// 宛名番号.
    pub address_number: AddressNumber,
    /// 個人番号, when the person has one.
    pub my_number: Option<MyNumber>,
    /// 氏名 and フリガナ.
    pub name: NameReading,
    /// 生年月日.
    pub birth_date: NaiveDate,
    /// 性別.
    pub sex: Sex,
    /// 続柄 code (`schemas/codes/relationship.toml`): `01` 世帯主 …
    pub relationship: &'static str,
    /// 外国人住民.
    pub foreign: bool,
    /// The NHI qualification on the reference date; `None` when not insured (e.g. the
    /// 擬制世帯主, or a member in employee insurance).
    pub qualification: Option<QualificationRecord>,
}

/// A household (世帯) of one municipality on the reference date, with its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    /// 全国地方公共団体コード of the municipality.
    pub lgcode: LgCode,
    /// 保険者番号 of the municipality's NHI.
    pub insurer_number: InsurerNumber,
    /// 世帯番号.
    pub household_number: HouseholdNumber,
    /// 被保険者記号番号 (one per household; members are told apart by 枝番).
    pub insured_symbol_number: InsuredSymbolNumber,
    /// 擬制世帯主: the 世帯主 is not insured.
    pub fictive_head: bool,
    /// 住所.
    pub address: Address,
    /// The members, 世帯主 first.
    pub members: Vec<PersonRecord>,
}

fn id_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Config(format!("a generated {what} is not valid: {e}"))
}

impl<'r> Generator<'r> {
    /// The households of the plan as records, in plan order: part by part, municipality by
    /// municipality, household by household (what [`Generator::write_part`] writes, for each
    /// part of [`Generator::plan`]).
    pub fn records(&self) -> impl Iterator<Item = Result<HouseholdRecord, Error>> + '_ {
        self.plan
            .parts
            .iter()
            .flat_map(|p| p.segments.iter())
            .flat_map(move |s| {
                (s.first..s.first + s.count).map(move |local| self.record(s.municipality, local))
            })
    }

    /// Household `local` of planned municipality `municipality` (an index into
    /// [`crate::Plan::municipalities`]) as a record.
    pub fn record(&self, municipality: usize, local: u64) -> Result<HouseholdRecord, Error> {
        let m = self.plan.municipalities.get(municipality).ok_or_else(|| {
            Error::Config(format!(
                "municipality {municipality}: the plan has {}",
                self.plan.municipalities.len()
            ))
        })?;
        let reference = self.model.reference();
        let ordinal = m.municipality.ordinal;
        let towns = reference
            .towns
            .get(crate::ordinal_index(reference, ordinal))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut h = Household::default();
        self.model.household(ordinal, towns.len(), local, &mut h);
        let mut text = Composed::default();
        text.compose(&self.model, m, towns, &h);
        let ids = self.model.ids(ordinal);
        let symbol = self.symbols.get(municipality).copied().flatten();
        let insured_symbol_number = InsuredSymbolNumber::new(
            symbol.map(|s| format!("{s:04}")).as_deref(),
            &format!("{:08}", ids.insured_number(local)),
        )
        .map_err(|e| id_error("被保険者記号番号", e))?;
        let mut members = Vec::with_capacity(h.members.len());
        let mut edaban = 0u8;
        for (i, p) in h.members.iter().enumerate() {
            let (name, reading) = text.name(i);
            let qualification = if p.insured {
                edaban += 1;
                Some(QualificationRecord {
                    edaban: Edaban::new(edaban).map_err(|e| id_error("枝番", e))?,
                    acquired: p.acquired,
                    acquisition_reason: p.acquisition_reason,
                })
            } else {
                None
            };
            members.push(PersonRecord {
                address_number: AddressNumber::new(ids.address_number(local, p.slot))
                    .map_err(|e| id_error("宛名番号", e))?,
                my_number: p.has_my_number.then(|| ids.my_number(local, p.slot)),
                name: NameReading {
                    name: name.to_owned(),
                    reading: reading.to_owned(),
                },
                birth_date: p.birth,
                sex: p.sex,
                relationship: p.relationship,
                foreign: p.foreign,
                qualification,
            });
        }
        Ok(HouseholdRecord {
            lgcode: m
                .municipality
                .lgcode
                .parse()
                .map_err(|e| id_error("地方公共団体コード", e))?,
            insurer_number: m.insurer_number,
            household_number: HouseholdNumber::new(ids.household_number(local))
                .map_err(|e| id_error("世帯番号", e))?,
            insured_symbol_number,
            fictive_head: h.fictive_head,
            address: Address {
                postal_code: h
                    .town
                    .and_then(|t| towns.get(t))
                    .map(|t| t.postal_code.clone()),
                text: std::mem::take(&mut text.address),
            },
            members,
        })
    }
}

/// Sampling households for the `proptest` strategies and the `fake` values: the realistic or
/// edge generator at a seed, picking among the first households of that seed the first with at
/// most `max_members` members (so that shrinking `max_members` gives simpler households).
#[cfg(any(feature = "proptest", feature = "fake"))]
pub(crate) mod sample {
    use super::HouseholdRecord;
    use crate::{Extras, Generator, Options, Profile, Reference};
    use std::sync::OnceLock;

    /// Households generated per seed, among which one is picked.
    const HOUSEHOLDS_PER_SEED: u64 = 24;

    fn reference() -> &'static Reference {
        static REFERENCE: OnceLock<Reference> = OnceLock::new();
        REFERENCE.get_or_init(|| {
            Reference::embedded()
                .expect("the embedded reference data loads (tested by the crate's doctest)")
        })
    }

    /// A household of `profile` drawn at `seed` with at most `max_members` members when one
    /// of the seed's first households has so few, else the smallest of them.
    pub(crate) fn household(profile: Profile, seed: u64, max_members: usize) -> HouseholdRecord {
        let options = Options {
            seed,
            households: HOUSEHOLDS_PER_SEED,
            ..Options::default()
        };
        let generator = Generator::new(reference(), &options)
            .and_then(|g| {
                g.with_extras(Extras {
                    profile,
                    ..Extras::default()
                })
            })
            .expect("the default options are valid for every seed");
        let mut smallest: Option<HouseholdRecord> = None;
        for record in generator.records() {
            let record = record.expect("generated identifiers are valid (tested by record::tests)");
            if record.members.len() <= max_members {
                return record;
            }
            if smallest
                .as_ref()
                .is_none_or(|s| record.members.len() < s.members.len())
            {
                smallest = Some(record);
            }
        }
        smallest.expect("a plan of HOUSEHOLDS_PER_SEED households has households")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Reference};
    use nhikit_schema::RowWriter;

    /// Collects the string items of rows, one `Vec` per row (nulls as `None`).
    #[derive(Default)]
    struct Rows(Vec<Vec<Option<String>>>, Vec<Option<String>>);
    impl RowWriter for Rows {
        fn null(&mut self) {
            self.1.push(None);
        }
        fn str(&mut self, v: &str) {
            self.1.push(Some(v.to_owned()));
        }
        fn int(&mut self, v: i64) {
            self.1.push(Some(v.to_string()));
        }
        fn date(&mut self, v: NaiveDate) {
            self.1.push(Some(v.to_string()));
        }
        fn bool(&mut self, v: bool) {
            self.1.push(Some(v.to_string()));
        }
        fn end_row(&mut self) {
            let row = std::mem::take(&mut self.1);
            self.0.push(row);
        }
    }

    /// The records carry what the rows carry: the person rows' 宛名番号, 世帯番号, 個人番号, 氏名,
    /// フリガナ and 生年月日 (columns 1–6 of `schemas/entities/person.toml`), the household rows'
    /// 保険者番号 and 住所, the qualification rows' 枝番 — household by household, in order.
    #[test]
    fn records_match_the_rows() {
        let reference = Reference::embedded().unwrap();
        let options = Options {
            households: 60,
            seed: 9,
            ..Options::default()
        };
        let g = Generator::new(&reference, &options).unwrap();
        let (mut h, mut p, mut q) = (Rows::default(), Rows::default(), Rows::default());
        for part in &g.plan().parts {
            g.write_part(part, &mut h, &mut p, &mut q);
        }
        let records: Vec<HouseholdRecord> = g.records().collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), h.0.len());
        let persons: Vec<&PersonRecord> = records.iter().flat_map(|r| &r.members).collect();
        assert_eq!(persons.len(), p.0.len());
        for (r, row) in records.iter().zip(&h.0) {
            let s = |i: usize| row[i].as_deref();
            assert_eq!(s(0), Some(r.lgcode.to_string().as_str()));
            assert_eq!(s(1), Some(r.household_number.to_string().as_str()));
            assert_eq!(s(2), Some(r.insurer_number.to_string().as_str()));
            assert_eq!(s(6), Some(r.members[0].name.name.as_str()));
            assert_eq!(s(7), Some(r.members[0].name.reading.as_str()));
            assert_eq!(s(9), r.address.postal_code.as_deref());
            assert_eq!(s(10), Some(r.address.text.as_str()));
        }
        for (x, row) in persons.iter().zip(&p.0) {
            let s = |i: usize| row[i].as_deref();
            assert_eq!(s(1), Some(x.address_number.to_string().as_str()));
            assert_eq!(s(3), x.my_number.map(|n| n.to_string()).as_deref());
            assert_eq!(s(4), Some(x.name.name.as_str()));
            assert_eq!(s(5), Some(x.name.reading.as_str()));
            assert_eq!(s(7), Some(x.birth_date.to_string().as_str()));
        }
        let insured: Vec<&PersonRecord> = persons
            .iter()
            .copied()
            .filter(|x| x.qualification.is_some())
            .collect();
        assert_eq!(insured.len(), q.0.len());
        for (x, row) in insured.iter().zip(&q.0) {
            let edaban = x.qualification.as_ref().map(|q| q.edaban.to_string());
            assert_eq!(
                row[1].as_deref(),
                Some(x.address_number.to_string().as_str())
            );
            assert_eq!(row[7].as_deref(), edaban.as_deref());
        }
    }
}
