//! The population model: a household and its members from (seed, municipality, local index).
//!
//! Household types and their weights are the model's assumptions, documented in
//! `docs/generator.md` and tested against the public NHI age and household-size statistics
//! (see `tests/it/realism.rs`).

use crate::ids::Ids;
use crate::reference::{Name, Reference, decade_index};
use nhikit_core::date::{NaiveDate, age_on, date_reaching_age};
use nhikit_rng::{AliasTable, Rng};

/// Random streams: one per entity kind, fixed forever (changing one changes the output and
/// must bump [`crate::OUTPUT_VERSION`]).
pub(crate) mod stream {
    pub const HOUSEHOLD: u64 = 1 << 32;
    pub const MUNICIPALITY: u64 = 2 << 32;
    pub const INCOME: u64 = 3 << 32;
    /// The yearly variation of incomes: stream = kind | ordinal | income year << 40.
    pub const INCOME_YEAR: u64 = 8 << 32;
    pub const EDGE: u64 = 4 << 32;
    pub const HISTORY: u64 = 5 << 32;
    /// Payments (収納) of an assessment: index = household, stream = kind | ordinal | fiscal
    /// year << 40.
    pub const PAYMENT: u64 = 7 << 32;
    pub const BENEFIT: u64 = 6 << 32;
}

/// 続柄 codes of `schemas/codes/relationship.toml` used by the model.
pub mod relationship {
    /// 世帯主.
    pub const HEAD: &str = "01";
    /// 妻.
    pub const WIFE: &str = "02";
    /// 夫.
    pub const HUSBAND: &str = "03";
    /// 子.
    pub const CHILD: &str = "06";
    /// 父.
    pub const FATHER: &str = "11";
    /// 母.
    pub const MOTHER: &str = "12";
}

/// 資格取得事由 codes of `schemas/codes/acquisition_reason.toml`.
pub mod acquisition {
    /// 転入.
    pub const MOVE_IN: &str = "01";
    /// 社会保険等の資格喪失.
    pub const LEFT_EMPLOYEE_INSURANCE: &str = "02";
    /// 出生.
    pub const BIRTH: &str = "04";
    /// 外国人住民の住民登録.
    pub const FOREIGN_RESIDENT: &str = "06";
}

/// Sex: 男 or 女 (codes 1 and 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// 男.
    Male,
    /// 女.
    Female,
}

impl Sex {
    /// The code of `schemas/codes/sex.toml`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "1",
            Sex::Female => "2",
        }
    }
    fn index(self) -> usize {
        match self {
            Sex::Male => 0,
            Sex::Female => 1,
        }
    }
    pub(crate) fn other(self) -> Sex {
        match self {
            Sex::Male => Sex::Female,
            Sex::Female => Sex::Male,
        }
    }
}

/// One member of a generated household.
#[derive(Debug, Clone)]
pub struct Member {
    /// Slot within the household (0 = 世帯主).
    pub slot: u64,
    /// Index into the surname dictionary.
    pub surname: usize,
    /// Index into the given-name dictionary of `sex`.
    pub given: usize,
    /// Sex.
    pub sex: Sex,
    /// Birth date.
    pub birth: NaiveDate,
    /// 続柄 code.
    pub relationship: &'static str,
    /// Whether the person is an NHI insured person on the reference date.
    pub insured: bool,
    /// 外国人住民.
    pub foreign: bool,
    /// Has a 個人番号 on record.
    pub has_my_number: bool,
    /// 資格取得日 (insured members).
    pub acquired: NaiveDate,
    /// 資格取得事由 code (insured members).
    pub acquisition_reason: &'static str,
    /// 届出日.
    pub notified: NaiveDate,
    /// 住定日 in the municipality.
    pub resident_since: NaiveDate,
    /// DV 等支援措置 (閲覧制限).
    pub support_measure: bool,
    /// A name from the edge-case dictionary ([`crate::edge::EdgeNames`]) instead of the
    /// surname and given-name dictionaries (`--profile edge` only).
    pub edge_name: Option<u16>,
    /// 資格喪失日 within the fiscal year being assessed (members of a past year's household,
    /// [`crate::history::History::year_household`]); `None` in the snapshot.
    pub lost: Option<NaiveDate>,
    /// 離職年月日 and 離職理由 code of a 非自発的失業者 (`--profile edge`), who joined NHI the
    /// day after.
    pub separation: Option<(NaiveDate, &'static str)>,
    /// A 産前産後期間 届出 of this insured person (`--profile edge`).
    pub perinatal: Option<PerinatalNotice>,
}

/// A 産前産後期間 届出 (`perinatal` entity): the expected birth, 多胎, the day it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerinatalNotice {
    /// 出産予定日.
    pub expected: NaiveDate,
    /// 多胎妊娠.
    pub multiple: bool,
    /// 届出日.
    pub notified: NaiveDate,
}

impl PerinatalNotice {
    /// The oracle's month index (`year × 12 + month − 1`) of the expected birth.
    pub fn birth_month(&self) -> i32 {
        chrono::Datelike::year(&self.expected) * 12
            + chrono::Datelike::month0(&self.expected) as i32
    }

    /// The first and last exempt month (their first days): from the month before the expected
    /// month (3 months before for 多胎) to 2 months after, not before January 2024, the first
    /// month of the scheme.
    pub fn exemption(&self) -> Option<(NaiveDate, NaiveDate)> {
        let month = chrono::Datelike::with_day(&self.expected, 1)?;
        let before = if self.multiple { 3 } else { 1 };
        let start = month.checked_sub_months(chrono::Months::new(before))?;
        let first = NaiveDate::from_ymd_opt(2024, 1, 1)?;
        Some((
            start.max(first),
            month.checked_add_months(chrono::Months::new(2))?,
        ))
    }
}

/// A generated household.
#[derive(Debug, Clone, Default)]
pub struct Household {
    /// Local index within the municipality.
    pub local: u64,
    /// Members, 世帯主 first.
    pub members: Vec<Member>,
    /// 擬制世帯主: the 世帯主 is not insured.
    pub fictive_head: bool,
    /// Index into the municipality's towns, if it has any.
    pub town: Option<usize>,
    /// 丁目, 番地, 号.
    pub block: (u16, u16, u16),
    /// Building name and room, when the address has one.
    pub building: Option<(usize, u16)>,
    /// Edge cases built into the household (`--profile edge`): the tag and the member it
    /// concerns (`None`: the household as a whole).
    pub tags: Vec<(crate::edge::Tag, Option<usize>)>,
    /// An income the edge profile imposes on the household instead of the income model.
    pub edge_income: Option<crate::edge::EdgeIncome>,
}

/// Household types of the model. Weights: see `docs/generator.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SingleElder,
    SingleAdult,
    ElderCouple,
    MiddleCouple,
    Family,
    SingleParent,
    ElderWithAdultChild,
    FictiveElderHead,
    FictiveEmployeeHead,
}

const KINDS: [(Kind, u64); 9] = [
    (Kind::SingleElder, 225),
    (Kind::SingleAdult, 265),
    (Kind::ElderCouple, 170),
    (Kind::MiddleCouple, 110),
    (Kind::Family, 50),
    (Kind::SingleParent, 18),
    (Kind::ElderWithAdultChild, 40),
    (Kind::FictiveElderHead, 40),
    (Kind::FictiveEmployeeHead, 12),
];

/// Synthetic building names, used with a room number for some addresses.
pub const BUILDINGS: [&str; 12] = [
    "コーポ",
    "ハイツ",
    "メゾン",
    "グランドハイツ",
    "パークハウス",
    "レジデンス",
    "サンハイツ",
    "ロイヤルマンション",
    "シティハイツ",
    "グリーンコート",
    "フォレスト",
    "リバーサイド",
];

/// Everything the model samples from, prepared once per run.
#[derive(Debug)]
pub struct Model<'r> {
    reference: &'r Reference,
    seed: u64,
    as_of: NaiveDate,
    kinds: AliasTable,
    surnames: AliasTable,
    given: [Vec<AliasTable>; 2],
    pub(crate) profile: crate::edge::Profile,
    edge_names: crate::edge::EdgeNames,
}

/// Errors preparing the model (empty dictionaries).
fn alias(weights: &[u64], what: &str) -> Result<AliasTable, crate::Error> {
    AliasTable::new(weights).map_err(|e| crate::Error::Config(format!("{what}: {e}")))
}

impl<'r> Model<'r> {
    /// Prepares the model for a run with `seed`, on the reference date `as_of`.
    pub fn new(
        reference: &'r Reference,
        seed: u64,
        as_of: NaiveDate,
    ) -> Result<Model<'r>, crate::Error> {
        let kinds = alias(&KINDS.map(|k| k.1), "household kinds")?;
        let surnames = alias(
            &reference
                .surnames
                .iter()
                .map(|n| n.weight)
                .collect::<Vec<_>>(),
            "surnames",
        )?;
        let mut given: [Vec<AliasTable>; 2] = [Vec::new(), Vec::new()];
        for (sex, g) in reference.given.iter().enumerate() {
            for w in &g.weights_by_decade {
                given[sex].push(alias(w, "given names")?);
            }
        }
        Ok(Model {
            reference,
            seed,
            as_of,
            kinds,
            surnames,
            given,
            profile: crate::edge::Profile::Realistic,
            edge_names: crate::edge::EdgeNames::embedded()?,
        })
    }

    /// The edge-case name dictionary.
    pub fn edge_names(&self) -> &crate::edge::EdgeNames {
        &self.edge_names
    }

    /// The generation profile.
    pub fn profile(&self) -> crate::edge::Profile {
        self.profile
    }

    /// A surname index drawn by frequency.
    pub(crate) fn sample_surname(&self, rng: &mut Rng) -> usize {
        self.surnames.sample(rng)
    }

    /// A given-name index for a person of `sex` born `birth`, by the rankings of the birth
    /// decade.
    pub(crate) fn sample_given(&self, rng: &mut Rng, sex: Sex, birth: NaiveDate) -> usize {
        let decade = decade_index(chrono::Datelike::year(&birth));
        self.given[sex.index()][decade].sample(rng)
    }

    /// The reference data.
    pub fn reference(&self) -> &Reference {
        self.reference
    }

    /// The reference date (基準日) of the snapshot.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Identifier permutations of a municipality.
    pub fn ids(&self, ordinal: u32) -> Ids {
        Ids::new(self.seed, ordinal)
    }

    /// The surname entry.
    pub fn surname(&self, i: usize) -> &Name {
        &self.reference.surnames[i]
    }

    /// The given-name entry.
    pub fn given_name(&self, sex: Sex, i: usize) -> &Name {
        &self.reference.given[sex.index()].names[i]
    }

    /// Generates household `local` of the municipality with reference `ordinal` and
    /// `towns` 町域, into `out` (reusing its allocations).
    pub fn household(&self, ordinal: u32, towns: usize, local: u64, out: &mut Household) {
        let mut rng = Rng::new(self.seed, stream::HOUSEHOLD | u64::from(ordinal), local);
        out.local = local;
        out.members.clear();
        out.fictive_head = false;
        out.tags.clear();
        out.edge_income = None;
        if self.profile == crate::edge::Profile::Edge {
            if self.edge_household(ordinal, local, out) {
                self.address(&mut rng, towns, out);
                return;
            }
            // A case that could not be built leaves nothing behind for the realistic model.
            out.members.clear();
            out.fictive_head = false;
            out.tags.clear();
            out.edge_income = None;
        }
        let kind = KINDS[self.kinds.sample(&mut rng)].0;
        let surname = self.surnames.sample(&mut rng);
        let head_sex = |rng: &mut Rng, male_per_mille: u64| {
            if rng.chance(male_per_mille, 1000) {
                Sex::Male
            } else {
                Sex::Female
            }
        };
        match kind {
            Kind::SingleElder => {
                let sex = head_sex(&mut rng, 450);
                let a = elder_age(&mut rng);
                self.push(&mut rng, out, surname, sex, a, relationship::HEAD, true);
            }
            Kind::SingleAdult => {
                let sex = head_sex(&mut rng, 580);
                let a = young_adult_age(&mut rng);
                self.push(&mut rng, out, surname, sex, a, relationship::HEAD, true);
            }
            Kind::ElderCouple => {
                let a = elder_age(&mut rng);
                self.couple(&mut rng, out, surname, a, true, true);
            }
            Kind::MiddleCouple => {
                let a = age(&mut rng, 42, 62);
                self.couple(&mut rng, out, surname, a, true, true);
            }
            Kind::Family => {
                let a = age(&mut rng, 28, 56);
                let with_spouse = rng.chance(85, 100);
                if with_spouse {
                    self.couple(&mut rng, out, surname, a, true, true);
                } else {
                    self.push(
                        &mut rng,
                        out,
                        surname,
                        Sex::Male,
                        a,
                        relationship::HEAD,
                        true,
                    );
                }
                let children = match rng.below(10) {
                    0..=4 => 1,
                    5..=8 => 2,
                    _ => 3,
                };
                self.children(&mut rng, out, surname, children);
            }
            Kind::SingleParent => {
                let sex = head_sex(&mut rng, 150);
                let a = age(&mut rng, 25, 54);
                self.push(&mut rng, out, surname, sex, a, relationship::HEAD, true);
                let children = 1 + rng.below(2);
                self.children(&mut rng, out, surname, children);
            }
            Kind::ElderWithAdultChild => {
                let a = age(&mut rng, 60, 74);
                let married = rng.chance(1, 2);
                if married {
                    self.couple(&mut rng, out, surname, a, true, true);
                } else {
                    let sex = head_sex(&mut rng, 400);
                    self.push(&mut rng, out, surname, sex, a, relationship::HEAD, true);
                }
                let youngest_parent = out.members.iter().map(|m| self.age(m)).min().unwrap_or(a);
                let max_child = youngest_parent.saturating_sub(20).max(20);
                let child_age = age(&mut rng, 20.min(max_child), max_child.min(49));
                let sex = head_sex(&mut rng, 550);
                self.push(
                    &mut rng,
                    out,
                    surname,
                    sex,
                    child_age,
                    relationship::CHILD,
                    true,
                );
            }
            Kind::FictiveElderHead => {
                // 世帯主 in 後期高齢者医療 (75+), spouse still in NHI.
                out.fictive_head = true;
                let a = age(&mut rng, 75, 84);
                self.push(
                    &mut rng,
                    out,
                    surname,
                    Sex::Male,
                    a,
                    relationship::HEAD,
                    false,
                );
                let s = age(&mut rng, 65, 74);
                self.push(
                    &mut rng,
                    out,
                    surname,
                    Sex::Female,
                    s,
                    relationship::WIFE,
                    true,
                );
            }
            Kind::FictiveEmployeeHead => {
                // 世帯主 in employee insurance (社保), a parent in NHI.
                out.fictive_head = true;
                let a = age(&mut rng, 35, 60);
                let sex = head_sex(&mut rng, 700);
                self.push(&mut rng, out, surname, sex, a, relationship::HEAD, false);
                let p = age(&mut rng, (a + 22).min(74), 74);
                let (psex, rel) = if rng.chance(1, 2) {
                    (Sex::Female, relationship::MOTHER)
                } else {
                    (Sex::Male, relationship::FATHER)
                };
                self.push(&mut rng, out, surname, psex, p, rel, true);
            }
        }
        self.address(&mut rng, towns, out);
    }

    /// 町域, 番地 and building of `out`.
    fn address(&self, rng: &mut Rng, towns: usize, out: &mut Household) {
        out.town = if towns > 0 {
            Some(rng.below(towns as u64) as usize)
        } else {
            None
        };
        out.block = (
            1 + rng.below(5) as u16,
            1 + rng.below(30) as u16,
            1 + rng.below(25) as u16,
        );
        out.building = if rng.chance(35, 100) {
            let floor = 1 + rng.below(8) as u16;
            Some((
                rng.below(BUILDINGS.len() as u64) as usize,
                floor * 100 + 1 + rng.below(10) as u16,
            ))
        } else {
            None
        };
    }

    pub(crate) fn age(&self, m: &Member) -> u32 {
        age_on(m.birth, self.as_of)
    }

    pub(crate) fn couple(
        &self,
        rng: &mut Rng,
        out: &mut Household,
        surname: usize,
        head_age: u32,
        head_insured: bool,
        spouse_insured: bool,
    ) {
        let head_sex = if rng.chance(92, 100) {
            Sex::Male
        } else {
            Sex::Female
        };
        self.push(
            rng,
            out,
            surname,
            head_sex,
            head_age,
            relationship::HEAD,
            head_insured,
        );
        let diff = rng.range_inclusive(-3, 6);
        let spouse_age = if head_sex == Sex::Male {
            (i64::from(head_age) - diff).clamp(20, 74) as u32
        } else {
            (i64::from(head_age) + diff).clamp(20, 74) as u32
        };
        let rel = if head_sex == Sex::Male {
            relationship::WIFE
        } else {
            relationship::HUSBAND
        };
        self.push(
            rng,
            out,
            surname,
            head_sex.other(),
            spouse_age,
            rel,
            spouse_insured,
        );
    }

    pub(crate) fn children(&self, rng: &mut Rng, out: &mut Household, surname: usize, n: u64) {
        // Parents are at least 18 years older than their children.
        let youngest_parent = out.members.iter().map(|m| self.age(m)).min().unwrap_or(30);
        let max_child = youngest_parent.saturating_sub(18).min(24);
        for _ in 0..n {
            let a = age(rng, 0, max_child);
            let sex = if rng.chance(1, 2) {
                Sex::Male
            } else {
                Sex::Female
            };
            self.push(rng, out, surname, sex, a, relationship::CHILD, true);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &self,
        rng: &mut Rng,
        out: &mut Household,
        surname: usize,
        sex: Sex,
        age: u32,
        relationship: &'static str,
        insured: bool,
    ) {
        let birth = birth_for_age(rng, self.as_of, age);
        self.push_born(rng, out, surname, sex, birth, relationship, insured);
    }

    /// [`Model::push`] with a given birth date.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push_born(
        &self,
        rng: &mut Rng,
        out: &mut Household,
        surname: usize,
        sex: Sex,
        birth: NaiveDate,
        relationship: &'static str,
        insured: bool,
    ) {
        let age = age_on(birth, self.as_of);
        let decade = decade_index(chrono::Datelike::year(&birth));
        let given = self.given[sex.index()][decade].sample(rng);
        let foreign = rng.chance(25, 1000);
        let slot = out.members.len() as u64;
        let (acquired, reason) = self.acquisition(rng, birth, age, relationship, foreign);
        let notified = notification(rng, acquired, self.as_of);
        let resident_since = if reason == acquisition::BIRTH {
            birth
        } else {
            acquired.min(self.as_of)
        };
        out.members.push(Member {
            slot,
            surname,
            given,
            sex,
            birth,
            relationship,
            insured,
            foreign,
            has_my_number: rng.chance(985, 1000),
            acquired,
            acquisition_reason: reason,
            notified,
            resident_since,
            support_measure: rng.chance(2, 1000),
            edge_name: None,
            lost: None,
            separation: None,
            perinatal: None,
        });
    }

    /// 資格取得日 and 事由: children born into the household acquire at birth; people of 60+
    /// mostly on leaving employee insurance at retirement; others on moving in or leaving
    /// employee insurance at some point of their adult life.
    fn acquisition(
        &self,
        rng: &mut Rng,
        birth: NaiveDate,
        age: u32,
        relationship: &str,
        foreign: bool,
    ) -> (NaiveDate, &'static str) {
        let as_of = self.as_of;
        if relationship == relationship::CHILD && age < 18 && rng.chance(3, 4) {
            return (birth, acquisition::BIRTH);
        }
        if foreign {
            let back = rng.below(365 * 8);
            return (
                later(birth, as_of - chrono_days(back)),
                acquisition::FOREIGN_RESIDENT,
            );
        }
        if age >= 60 && rng.chance(65, 100) {
            let retire_age = 60 + rng.below(6) as u32;
            if retire_age <= age
                && let Some(d) = date_reaching_age(birth, retire_age)
            {
                let d = d + chrono_days(rng.below(200));
                if d <= as_of {
                    return (d, acquisition::LEFT_EMPLOYEE_INSURANCE);
                }
            }
        }
        let adult_years = u64::from(age.saturating_sub(18)).max(1);
        let back = rng.below(365 * adult_years.min(25));
        let d = later(birth, as_of - chrono_days(back));
        if rng.chance(1, 2) {
            (d, acquisition::MOVE_IN)
        } else {
            (d, acquisition::LEFT_EMPLOYEE_INSURANCE)
        }
    }
}

fn chrono_days(n: u64) -> chrono::Days {
    chrono::Days::new(n)
}

fn later(a: NaiveDate, b: NaiveDate) -> NaiveDate {
    if a > b { a } else { b }
}

/// A uniform age in `lo..=hi` (hi < lo gives lo).
pub(crate) fn age(rng: &mut Rng, lo: u32, hi: u32) -> u32 {
    if hi <= lo {
        return lo;
    }
    lo + rng.below(u64::from(hi - lo + 1)) as u32
}

/// Ages of single adults below 65, weighted towards the young and the late 50s–early 60s
/// (students, non-regular workers, early retirees).
pub(crate) fn young_adult_age(rng: &mut Rng) -> u32 {
    match rng.below(20) {
        0..=4 => age(rng, 20, 34),
        5..=8 => age(rng, 35, 44),
        9..=17 => age(rng, 45, 59),
        _ => age(rng, 60, 64),
    }
}

/// Ages 65–74, the 70s a little more common: the NHI 65–74 group is 44.8% of the insured
/// (FY2022), and 70–74 outnumber 65–69 in the population by about 5 to 4 (IPSS 2022).
pub(crate) fn elder_age(rng: &mut Rng) -> u32 {
    if rng.chance(45, 100) {
        age(rng, 65, 69)
    } else {
        age(rng, 70, 74)
    }
}

/// A birth date whose legal age on `as_of` is `age`.
fn birth_for_age(rng: &mut Rng, as_of: NaiveDate, age: u32) -> NaiveDate {
    // Born in (as_of − (age+1) years, as_of − age years]: pick a day in that year.
    let year_back = |n: u32| {
        chrono::Datelike::with_year(&as_of, chrono::Datelike::year(&as_of) - n as i32)
            .or_else(|| NaiveDate::from_ymd_opt(chrono::Datelike::year(&as_of) - n as i32, 2, 28))
            .unwrap_or(as_of)
    };
    let end = year_back(age);
    let start = year_back(age + 1);
    let span = (end - start).num_days().max(1) as u64;
    let mut birth = start + chrono_days(1 + rng.below(span));
    // The legal age counts the day before the birthday: nudge to the exact age.
    while age_on(birth, as_of) > age {
        birth = birth + chrono_days(1);
    }
    while age_on(birth, as_of) < age {
        birth = birth - chrono_days(1);
    }
    birth
}

/// 届出日: mostly within the 14 days the law allows, some late, never after the reference date.
pub(crate) fn notification(rng: &mut Rng, event: NaiveDate, as_of: NaiveDate) -> NaiveDate {
    let days = if rng.chance(9, 10) {
        rng.below(15)
    } else {
        15 + rng.below(90)
    };
    let d = event + chrono_days(days);
    if d > as_of { as_of.max(event) } else { d }
}
