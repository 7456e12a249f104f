//! The cross-record rules of an import into empty tables, in memory: the facts they need are
//! gathered as each row is inserted (the inserting thread has the values at hand), and the
//! rules run over them at the end instead of as SQL joins over the tables.
//!
//! The references are the schema's, checked by its [`KeyIndex`] (as `nhikit validate` checks
//! them); the duplicate keys are the table's primary key's to refuse, so only inserted rows are
//! fed. Same rules, items, messages and order as the SQL of `Reference::cross_rules`, which
//! runs when the tables held rows before the import. A reference with a missing key item is
//! not reported (the record's `missing` rejection says it).

use crate::store::rejection_code;
use nhikit_schema::keys::KeyIndex;
use nhikit_schema::names::{person, qualification};
use nhikit_schema::{Entity, Schema, Value};
use nhikit_target::{Rejection, RejectionCode};
// FxHash: the keys are our own identifiers, never iterated (no order reaches the output), and
// SipHash was 3 % of an import's CPU (benches/README.md).
use rustc_hash::FxHashMap as HashMap;

/// Item positions in an entity's values (`usize::MAX`: the entity has no such item).
#[derive(Clone, Copy)]
struct Slots {
    lgcode: usize,
    address_number: usize,
    qualification_seq: usize,
    acquisition_date: usize,
    loss_date: usize,
    death_date: usize,
}

impl Slots {
    fn of(entity: &Entity) -> Slots {
        let at = |id: &str| {
            entity
                .items
                .iter()
                .position(|i| i.id == id)
                .unwrap_or(usize::MAX)
        };
        Slots {
            lgcode: at("lgcode"),
            address_number: at("address_number"),
            qualification_seq: at("qualification_seq"),
            acquisition_date: at("acquisition_date"),
            loss_date: at("loss_date"),
            death_date: at("death_date"),
        }
    }
}

fn text(values: &[Value], at: usize) -> Option<&str> {
    match values.get(at) {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    }
}

fn int(values: &[Value], at: usize) -> Option<i64> {
    match values.get(at) {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

fn day(values: &[Value], at: usize) -> Option<i64> {
    match values.get(at) {
        Some(Value::Date(d)) => Some(crate::store::days(*d)),
        _ => None,
    }
}

/// A qualification as the overlap and death rules see it.
struct Qual {
    /// Index into `Facts::people`.
    person: u32,
    seq: Option<i64>,
    acquired: Option<i64>,
    lost: Option<i64>,
    /// Where it came from: the file as reported, the record number.
    file: u32,
    row: u64,
}

/// A person key seen in the import: inserted (with the death date) or only referred to.
struct PersonFact {
    address_number: Box<str>,
    inserted: bool,
    death: Option<i64>,
}

/// What the rules need, gathered from the inserted rows of an import into empty tables.
pub(crate) struct Facts<'s> {
    /// The primary keys inserted and the references still to resolve: (file, row).
    index: KeyIndex<'s, (u32, u64)>,
    /// `lgcode \x1f address_number` → index into `people`.
    person_ids: HashMap<Box<str>, u32>,
    people: Vec<PersonFact>,
    quals: Vec<Qual>,
    /// The files, as reported, by index (`Qual::file`).
    files: Vec<String>,
    file_index: HashMap<String, u32>,
    slots: HashMap<String, Slots>,
    key: String,
}

impl<'s> Facts<'s> {
    /// No facts yet, for an import of records of `schema`.
    pub(crate) fn new(schema: &'s Schema) -> Facts<'s> {
        Facts {
            index: KeyIndex::new(schema),
            person_ids: HashMap::default(),
            people: Vec::new(),
            quals: Vec::new(),
            files: Vec::new(),
            file_index: HashMap::default(),
            slots: HashMap::default(),
            key: String::new(),
        }
    }

    fn slots(&mut self, entity: &Entity) -> Slots {
        if let Some(s) = self.slots.get(&entity.id) {
            return *s;
        }
        let s = Slots::of(entity);
        self.slots.insert(entity.id.clone(), s);
        s
    }

    /// Puts `a \x1f b` into the scratch key.
    fn key(&mut self, a: &str, b: &str) -> &str {
        self.key.clear();
        self.key.push_str(a);
        self.key.push('\u{1f}');
        self.key.push_str(b);
        &self.key
    }

    fn file(&mut self, file: &str) -> u32 {
        if let Some(i) = self.file_index.get(file) {
            return *i;
        }
        let i = self.files.len() as u32;
        self.files.push(file.to_owned());
        self.file_index.insert(file.to_owned(), i);
        i
    }

    fn person_id(&mut self, lgcode: &str, an: &str) -> u32 {
        self.key(lgcode, an);
        if let Some(id) = self.person_ids.get(self.key.as_str()) {
            return *id;
        }
        let id = self.people.len() as u32;
        self.people.push(PersonFact {
            address_number: an.into(),
            inserted: false,
            death: None,
        });
        self.person_ids.insert(self.key.as_str().into(), id);
        id
    }

    /// Records an inserted row (its references are checked at the end, whatever order the
    /// files come in).
    pub(crate) fn inserted(&mut self, entity: &Entity, file: &str, row: u64, values: &[Value]) {
        let s = self.slots(entity);
        let file = self.file(file);
        self.index
            .feed(&entity.id, (file, row), |i| values.get(i), |_, _| {});
        match entity.id.as_str() {
            person::ENTITY => {
                let (Some(lg), Some(an)) = (text(values, s.lgcode), text(values, s.address_number))
                else {
                    return;
                };
                let id = self.person_id(lg, an) as usize;
                self.people[id].inserted = true;
                self.people[id].death = day(values, s.death_date);
            }
            qualification::ENTITY => {
                let (Some(lg), Some(an)) = (text(values, s.lgcode), text(values, s.address_number))
                else {
                    return;
                };
                let person = self.person_id(lg, an);
                self.quals.push(Qual {
                    person,
                    seq: int(values, s.qualification_seq),
                    acquired: day(values, s.acquisition_date),
                    lost: day(values, s.loss_date),
                    file,
                    row,
                });
            }
            _ => {}
        }
    }

    /// Runs the rules, in the order of the SQL checks; `overlaps` and `after_death` say which of
    /// the two fault-switchable rules run.
    pub(crate) fn finish(self, overlaps: bool, after_death: bool, out: &mut Vec<Rejection>) {
        let Facts {
            index,
            people,
            quals,
            files,
            ..
        } = self;
        index.finish(|(file, row), f| {
            out.push(Rejection {
                file: files[file as usize].clone(),
                row,
                item: f.item(),
                code: rejection_code(f.kind()),
                message: f.to_string(),
            })
        });
        let mut order: Vec<usize> = (0..quals.len()).collect();
        order.sort_by_key(|&i| {
            let q = &quals[i];
            (q.person, q.acquired, q.seq)
        });
        let reject = |q: &Qual, message: String| Rejection {
            file: files[q.file as usize].clone(),
            row: q.row,
            item: "qualification.acquisition_date".to_owned(),
            code: RejectionCode::OverlappingQualification,
            message,
        };
        if overlaps {
            // b overlaps an earlier a (by acquisition date, then number) of the same person.
            for group in order.chunk_by(|&x, &y| quals[x].person == quals[y].person) {
                for (k, &bi) in group.iter().enumerate() {
                    let b = &quals[bi];
                    let (Some(b_seq), Some(b_acq)) = (b.seq, b.acquired) else {
                        continue;
                    };
                    for &ai in &group[..k] {
                        let a = &quals[ai];
                        let (Some(a_seq), Some(a_acq)) = (a.seq, a.acquired) else {
                            continue;
                        };
                        let before = a_acq < b_acq || (a_acq == b_acq && a_seq < b_seq);
                        if a_seq != b_seq
                            && before
                            && a_acq < b.lost.unwrap_or(i64::MAX)
                            && b_acq < a.lost.unwrap_or(i64::MAX)
                        {
                            out.push(reject(
                                b,
                                format!("qualification {b_seq} overlaps qualification {a_seq}"),
                            ));
                        }
                    }
                }
            }
        }
        if after_death {
            for q in &quals {
                let p = &people[q.person as usize];
                let (true, Some(death), Some(seq)) = (p.inserted, p.death, q.seq) else {
                    continue;
                };
                if q.acquired.is_some_and(|a| a > death) || q.lost.is_some_and(|l| l > death + 1) {
                    out.push(Rejection {
                        code: RejectionCode::EventAfterDeath,
                        ..reject(
                            q,
                            format!(
                                "qualification {seq} acquired or lost after the death of {}",
                                p.address_number
                            ),
                        )
                    });
                }
            }
        }
    }
}
