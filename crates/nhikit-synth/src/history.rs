//! Life histories (資格異動) over a window of fiscal years: the `qualification_event` rows of
//! each household, the closed membership periods (`qualification` rows with a 資格喪失年月日)
//! and the persons who left the household within the window (`person` rows with 住民状態
//! 転出者 or 死亡者), drawn from a random stream of their own so that the snapshot on the
//! reference date — households, persons and qualifications — does not change.
//!
//! The snapshot is fixed; the history is built around it (docs/generator.md):
//! - every insured member acquired once, on the 資格取得日 of their `qualification` row: when
//!   that day is in the window, an acquisition event with the same date, reason and 届出日;
//! - a 世帯主 who is not insured on the reference date (擬制世帯主) may have been insured: until
//!   the 75th birthday (後期高齢者医療, the birthday itself is the loss date), or until joining
//!   employee insurance (社保加入, the day after);
//! - former members who left within the window: a spouse who died (the survivor may become
//!   世帯主: 世帯主変更), an adult child who moved out (転出, 国外転出), some after joining and
//!   leaving employee insurance (社保加入・離脱) or after 生活保護 started and ended;
//! - 世帯変更 (世帯分離・合併) and 氏名変更 on marriage of current members.
//!
//! Loss dates follow 国民健康保険法 第8条 as municipal pages state them (広島市 「国民健康保険に
//! 加入する日・脱退する日」): the day after moving out, after joining employee insurance and
//! after death; the day 生活保護 starts; the 75th birthday.

use crate::Error;
use crate::model::{
    Household, Member, Model, Sex, acquisition, notification, relationship, stream,
};
use crate::plan::MAX_MUNICIPALITY_HOUSEHOLDS;
use crate::rows::{HouseholdCtx, digits};
use nhikit_core::date::{FiscalYear, NaiveDate, age_on, date_reaching_age};
use nhikit_rng::Rng;
use nhikit_schema::names::codes::{
    CardClass, FictiveHeadFlag, HeadFamilyClass, InsuredClass, ResidentStatus,
};
use nhikit_schema::names::{household, person, qualification, qualification_event};
use nhikit_schema::{Row, RowWriter};

/// The history window: fiscal years (年度) `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First fiscal year.
    pub from: i32,
    /// Last fiscal year; not after the fiscal year of the reference date.
    pub to: i32,
}

impl Window {
    /// The default first fiscal year (FY2020, 令和2年度).
    pub const DEFAULT_FROM: i32 = 2020;

    /// The default window on the reference date `as_of`: FY2020 to the fiscal year of `as_of`.
    pub fn default_for(as_of: NaiveDate) -> Window {
        Window {
            from: Window::DEFAULT_FROM,
            to: FiscalYear::of(as_of).0,
        }
    }

    /// The first and last day of the window on the reference date `as_of`: April 1 of `from`
    /// to the earlier of March 31 after `to` and `as_of` (nothing after the reference date is
    /// known). Errors name the bad bound.
    pub fn days(self, as_of: NaiveDate) -> Result<(NaiveDate, NaiveDate), Error> {
        let fy = FiscalYear::of(as_of).0;
        if self.from > self.to {
            return Err(Error::Config(format!(
                "history window FY{}–FY{}: --from is after --to",
                self.from, self.to
            )));
        }
        if self.to > fy {
            return Err(Error::Config(format!(
                "history window to FY{}: after FY{fy}, the fiscal year of the reference date {as_of} (a later --as-of covers more)",
                self.to
            )));
        }
        if self.from < 1961 {
            return Err(Error::Config(format!(
                "history window from FY{}: before 国民皆保険 (FY1961)",
                self.from
            )));
        }
        let start = FiscalYear(self.from).start();
        let end = FiscalYear(self.to).end();
        match (start, end) {
            (Some(s), Some(e)) => Ok((s, e.min(as_of))),
            _ => Err(Error::Config(format!(
                "history window FY{}–FY{}: not a date range",
                self.from, self.to
            ))),
        }
    }
}

/// 異動区分 codes (`schemas/codes/event_kind.toml`).
pub mod kind {
    /// 資格取得.
    pub const ACQUISITION: &str = "01";
    /// 資格喪失.
    pub const LOSS: &str = "02";
    /// 世帯主変更.
    pub const HEAD_CHANGE: &str = "03";
    /// 世帯変更 (世帯分離・合併).
    pub const HOUSEHOLD_CHANGE: &str = "04";
    /// 氏名変更.
    pub const NAME_CHANGE: &str = "05";
}

/// 資格喪失事由 codes (`schemas/codes/loss_reason.toml`).
pub mod loss {
    /// 死亡.
    pub const DEATH: &str = "01";
    /// 生活保護受給開始.
    pub const WELFARE: &str = "02";
    /// 医療保険等の資格取得 (社保加入).
    pub const OTHER_INSURANCE: &str = "03";
    /// 転出.
    pub const MOVED_OUT: &str = "11";
    /// 国外転出.
    pub const MOVED_ABROAD: &str = "12";
    /// 後期高齢者医療 (年齢到達).
    pub const LATE_ELDERLY: &str = "13";
}

/// 資格取得事由 生活保護廃止 (`schemas/codes/acquisition_reason.toml`).
const WELFARE_ENDED: &str = "05";

/// Person slots of former members: after the at most ten members of a household (slots
/// 0–9), below [`crate::ids::MEMBER_SLOTS`], so their 宛名番号 and 個人番号 are unique.
const DECEASED_SLOT: u64 = 15;
/// The person slot of the mother who moved in and out on one day (`--profile edge`,
/// [`crate::edge::Tag::MoveInOutSameDay`]).
pub const SAME_DAY_SLOT: u64 = 13;
const CHILD_SLOT: u64 = 14;

/// Whom an event or period concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// A member of the household on the reference date (index into its members).
    Member(usize),
    /// A former member (index into [`History::formers`]).
    Former(usize),
}

/// A loss of membership.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loss {
    pub(crate) date: NaiveDate,
    pub(crate) reason: &'static str,
    pub(crate) notified: Option<NaiveDate>,
}

/// A closed membership period.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    pub(crate) seq: u16,
    pub(crate) acquired: NaiveDate,
    pub(crate) reason: &'static str,
    pub(crate) notified: NaiveDate,
    pub(crate) loss: Loss,
    pub(crate) edaban: u64,
}

/// How a former member left.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Departure {
    MovedOut(NaiveDate),
    Died(NaiveDate),
    /// Still a resident on the reference date, no longer insured (社保加入, 後期高齢者医療).
    Stayed,
}

/// A person who belonged to the household and left it within the window.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Former {
    pub(crate) slot: u64,
    pub(crate) surname: usize,
    pub(crate) given: usize,
    pub(crate) sex: Sex,
    pub(crate) birth: NaiveDate,
    pub(crate) relationship: &'static str,
    pub(crate) foreign: bool,
    pub(crate) has_my_number: bool,
    pub(crate) resident_since: NaiveDate,
    pub(crate) departure: Departure,
    pub(crate) periods: [Option<Period>; 2],
    /// A member of the former household ([`History::former_household`]), not of the
    /// current one.
    pub(crate) own_household: bool,
}

/// One event, before numbering.
#[derive(Debug, Clone, Copy)]
struct Event {
    who: Who,
    qualification_seq: u16,
    kind: &'static str,
    date: NaiveDate,
    notified: Option<NaiveDate>,
    processed: NaiveDate,
    acquisition_reason: Option<&'static str>,
    loss_reason: Option<&'static str>,
    previous_household: Option<u64>,
    previous_surname: Option<usize>,
    /// Order among the person's events of one day (acquisition first, loss last).
    order: u8,
}

/// The history of one household, rebuilt for each household into the same buffers.
#[derive(Debug, Default)]
pub struct History {
    /// Closed periods of members who are not insured on the reference date.
    member_periods: Vec<(usize, Period)>,
    formers: Vec<Former>,
    events: Vec<Event>,
    /// The former household's 国保世帯資格取得年月日 and 喪失年月日, when there is one.
    former_household: Option<(NaiveDate, NaiveDate)>,
    name: String,
    kana: String,
}

/// Rows written by [`History::write`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    /// Former households.
    pub households: u64,
    /// Former members' `person` rows.
    pub persons: u64,
    /// Closed periods of former members.
    pub qualifications: u64,
    /// `qualification_event` rows.
    pub events: u64,
}

fn days(n: u64) -> chrono::Days {
    chrono::Days::new(n)
}

/// A uniform day in `lo..=hi`, `None` when the range is empty.
fn day_in(rng: &mut Rng, lo: NaiveDate, hi: NaiveDate) -> Option<NaiveDate> {
    let span = u64::try_from((hi - lo).num_days()).ok()?;
    lo.checked_add_days(days(rng.below(span + 1)))
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

fn prev_day(d: NaiveDate) -> NaiveDate {
    d.pred_opt().unwrap_or(d)
}

/// 処理年月日: the day of the notification or up to three days later, never after `as_of`.
fn processed(rng: &mut Rng, notified: NaiveDate, as_of: NaiveDate) -> NaiveDate {
    (notified + days(rng.below(4))).min(as_of).max(notified)
}

/// The 75th birthday, the day 後期高齢者医療 starts and NHI is lost.
fn birthday_75(birth: NaiveDate) -> Option<NaiveDate> {
    date_reaching_age(birth, 75).and_then(|d| d.succ_opt())
}

impl History {
    fn clear(&mut self) {
        self.member_periods.clear();
        self.formers.clear();
        self.events.clear();
        self.former_household = None;
    }

    /// The former members of the household built last.
    pub(crate) fn formers(&self) -> &[Former] {
        &self.formers
    }

    /// The closed periods of current members who are not insured on the reference date:
    /// (member index, period).
    pub(crate) fn member_periods(&self) -> &[(usize, Period)] {
        &self.member_periods
    }

    /// The closed period of member `i` (not insured on the reference date), if any.
    fn member_period(&self, i: usize) -> Option<&Period> {
        self.member_periods
            .iter()
            .find(|(m, _)| *m == i)
            .map(|(_, p)| p)
    }

    fn event(&mut self, e: Event) {
        self.events.push(e);
    }

    /// The acquisition and loss events of a closed period, those inside `window`.
    fn period_events(
        &mut self,
        rng: &mut Rng,
        who: Who,
        p: &Period,
        window: (NaiveDate, NaiveDate),
        as_of: NaiveDate,
    ) {
        let inside = |d: NaiveDate| d >= window.0 && d <= window.1;
        if inside(p.acquired) {
            let processed = processed(rng, p.notified, as_of);
            self.event(Event {
                who,
                qualification_seq: p.seq,
                kind: kind::ACQUISITION,
                date: p.acquired,
                notified: Some(p.notified),
                processed,
                acquisition_reason: Some(p.reason),
                loss_reason: None,
                previous_household: None,
                previous_surname: None,
                order: 0,
            });
        }
        if inside(p.loss.date) {
            let processed = match p.loss.notified {
                Some(n) => processed(rng, n, as_of),
                None => p.loss.date,
            };
            self.event(Event {
                who,
                qualification_seq: p.seq,
                kind: kind::LOSS,
                date: p.loss.date,
                notified: p.loss.notified,
                processed,
                acquisition_reason: None,
                loss_reason: Some(p.loss.reason),
                previous_household: None,
                previous_surname: None,
                order: 9,
            });
        }
    }

    /// A change event (世帯主変更, 世帯変更, 氏名変更) of member `who` in period `seq`.
    #[allow(clippy::too_many_arguments)]
    fn change(
        &mut self,
        rng: &mut Rng,
        who: Who,
        seq: u16,
        kind: &'static str,
        date: NaiveDate,
        as_of: NaiveDate,
        previous_household: Option<u64>,
        previous_surname: Option<usize>,
    ) {
        let notified = notification(rng, date, as_of);
        let processed = processed(rng, notified, as_of);
        self.event(Event {
            who,
            qualification_seq: seq,
            kind,
            date,
            notified: Some(notified),
            processed,
            acquisition_reason: None,
            loss_reason: None,
            previous_household,
            previous_surname,
            order: 5,
        });
    }

    /// Builds the history of household `h` of the municipality with reference `ordinal` over
    /// `window` (first and last day, from [`Window::days`]).
    pub fn build(
        &mut self,
        model: &Model<'_>,
        ordinal: u32,
        h: &Household,
        window: (NaiveDate, NaiveDate),
    ) {
        self.clear();
        let (w0, w1) = window;
        let as_of = model.as_of();
        let mut rng = Rng::new(model.seed(), stream::HISTORY | u64::from(ordinal), h.local);
        let inside = |d: NaiveDate| d >= w0 && d <= w1;
        let mut edaban = h.members.iter().filter(|m| m.insured).count() as u64;
        // Outside households (a parent's household one split from, a household merged into
        // this one): numbers past every local index, so no household of the dataset has them.
        let outside = |k: u64| MAX_MUNICIPALITY_HOUSEHOLDS + h.local * 4 + k;

        // Current members: the acquisition of the snapshot, and earlier membership of those
        // not insured now.
        for (i, m) in h.members.iter().enumerate() {
            if m.insured {
                if inside(m.acquired) {
                    let processed = processed(&mut rng, m.notified, as_of);
                    self.event(Event {
                        who: Who::Member(i),
                        qualification_seq: 1,
                        kind: kind::ACQUISITION,
                        date: m.acquired,
                        notified: Some(m.notified),
                        processed,
                        acquisition_reason: Some(m.acquisition_reason),
                        loss_reason: None,
                        previous_household: None,
                        previous_surname: None,
                        order: 0,
                    });
                }
                continue;
            }
            let loss = match birthday_75(m.birth) {
                // In 後期高齢者医療: insured until the 75th birthday, if it fell in the window
                // after the acquisition (no notification: the change is by age, 職権).
                Some(b) if b <= as_of => (inside(b) && m.acquired < b).then_some(Loss {
                    date: b,
                    reason: loss::LATE_ELDERLY,
                    notified: None,
                }),
                // In employee insurance: insured from the acquisition until joining it, for
                // those who left employee insurance to NHI (7 in 10) or moved in (3 in 10).
                _ => {
                    let p = if m.acquisition_reason == acquisition::LEFT_EMPLOYEE_INSURANCE {
                        7
                    } else {
                        3
                    };
                    let joined = if rng.chance(p, 10) {
                        day_in(&mut rng, m.acquired.max(w0), prev_day(w1))
                    } else {
                        None
                    };
                    joined.map(|j| {
                        let date = next_day(j);
                        Loss {
                            date,
                            reason: loss::OTHER_INSURANCE,
                            notified: Some(notification(&mut rng, date, as_of)),
                        }
                    })
                }
            };
            if let Some(loss) = loss {
                edaban += 1;
                let p = Period {
                    seq: 1,
                    acquired: m.acquired,
                    reason: m.acquisition_reason,
                    notified: m.notified,
                    loss,
                    edaban,
                };
                self.member_periods.push((i, p));
                self.period_events(&mut rng, Who::Member(i), &p, window, as_of);
            }
        }

        // 氏名変更 on marriage: a wife who joined within the window at 18–45 took the
        // husband's surname (1 in 2), on the day she joined or within two months.
        for (i, m) in h.members.iter().enumerate() {
            if m.relationship != relationship::WIFE
                || !m.insured
                || m.edge_name.is_some()
                || !inside(m.acquired)
                || !(18..=45).contains(&age_on(m.birth, m.acquired))
                || !rng.chance(1, 2)
            {
                continue;
            }
            let last = (m.acquired + days(60)).min(w1);
            let Some(date) = day_in(&mut rng, m.acquired, last) else {
                continue;
            };
            let n = model.reference().surnames.len().max(1);
            let mut maiden = model.sample_surname(&mut rng);
            if maiden == m.surname {
                maiden = (maiden + 1) % n;
            }
            self.change(
                &mut rng,
                Who::Member(i),
                1,
                kind::NAME_CHANGE,
                date,
                as_of,
                None,
                Some(maiden),
            );
        }

        // 世帯変更: a parent or an adult child who moved in from another household of the
        // municipality (世帯合併, 1 in 4), a young single 世帯主 who split from the parents'
        // household (世帯分離, 1 in 5), while insured and within the window.
        for (i, m) in h.members.iter().enumerate() {
            if !m.insured {
                continue;
            }
            let merged = matches!(m.relationship, relationship::FATHER | relationship::MOTHER)
                || (m.relationship == relationship::CHILD && age_on(m.birth, as_of) >= 20);
            let split = i == 0 && h.members.len() == 1 && (20..40).contains(&model.age(m));
            let (k, chance) = if merged {
                (0, (1, 4))
            } else if split {
                (1, (1, 5))
            } else {
                continue;
            };
            if !rng.chance(chance.0, chance.1) {
                continue;
            }
            // From another household of the municipality: not on the day of moving in.
            let Some(date) = day_in(&mut rng, next_day(m.acquired).max(w0), w1) else {
                continue;
            };
            self.change(
                &mut rng,
                Who::Member(i),
                1,
                kind::HOUSEHOLD_CHANGE,
                date,
                as_of,
                Some(outside(k)),
                None,
            );
        }

        self.widowhood(model, &mut rng, h, window, &mut edaban);
        self.child_left(model, &mut rng, h, window, &mut edaban);
        self.former_household(model, &mut rng, window);
        if h.tags
            .iter()
            .any(|(t, _)| *t == crate::edge::Tag::MoveInOutSameDay)
        {
            self.same_day_move(model, &mut rng, h, window, &mut edaban);
        }

        // Registration order per person: by date, acquisition first and loss last on a day.
        self.events
            .sort_unstable_by_key(|e| (e.who, e.date, e.qualification_seq, e.order, e.kind));
    }

    /// A spouse of a 世帯主 living alone (55+) who died within the window: 1 in 5 from 65, 1 in
    /// 12 at 55–64. A husband who was 世帯主 makes the widow 世帯主 (世帯主変更).
    fn widowhood(
        &mut self,
        model: &Model<'_>,
        rng: &mut Rng,
        h: &Household,
        window: (NaiveDate, NaiveDate),
        edaban: &mut u64,
    ) {
        let (w0, w1) = window;
        let as_of = model.as_of();
        let Some(head) = h.members.first() else {
            return;
        };
        let spouse = h
            .members
            .iter()
            .any(|m| matches!(m.relationship, relationship::WIFE | relationship::HUSBAND));
        let age = model.age(head);
        if spouse || h.fictive_head || age < 55 {
            return;
        }
        let chance = if age >= 65 { (1, 5) } else { (1, 12) };
        if !rng.chance(chance.0, chance.1) {
            return;
        }
        // The husband up to 5 years older, the wife up to 2 years younger than the survivor.
        let sex = head.sex.other();
        let birth = match sex {
            Sex::Male => head.birth - days(rng.below(5 * 365)),
            Sex::Female => head.birth + days(rng.below(2 * 365)),
        };
        let Some(death) = day_in(rng, w0.max(head.resident_since), prev_day(w1)) else {
            return;
        };
        let lost = next_day(death);
        let b75 = birthday_75(birth).unwrap_or(lost);
        // Insured until death, or until the 75th birthday when it came first.
        let end = if b75 <= death {
            (b75 >= w0).then_some(Loss {
                date: b75,
                reason: loss::LATE_ELDERLY,
                notified: None,
            })
        } else {
            Some(Loss {
                date: lost,
                reason: loss::DEATH,
                notified: Some(notification(rng, lost, as_of)),
            })
        };
        let (acquired, reason) = past_acquisition(rng, birth, end.map_or(death, |l| l.date));
        let head_change = sex == Sex::Male;
        let mut former = Former {
            slot: DECEASED_SLOT,
            surname: head.surname,
            given: model.sample_given(rng, sex, birth),
            sex,
            birth,
            relationship: if head_change {
                relationship::HEAD
            } else {
                relationship::WIFE
            },
            foreign: head.foreign,
            has_my_number: rng.chance(985, 1000),
            resident_since: acquired.min(head.resident_since),
            departure: Departure::Died(death),
            periods: [None, None],
            own_household: false,
        };
        if let Some(loss) = end.filter(|l| acquired < l.date) {
            *edaban += 1;
            let p = Period {
                seq: 1,
                acquired,
                reason,
                notified: notification(rng, acquired, as_of),
                loss,
                edaban: *edaban,
            };
            former.periods[0] = Some(p);
            let who = Who::Former(self.formers.len());
            self.period_events(rng, who, &p, window, as_of);
        }
        self.formers.push(former);
        if head_change && head.insured && head.acquired <= death {
            self.change(
                rng,
                Who::Member(0),
                1,
                kind::HEAD_CHANGE,
                death,
                as_of,
                None,
                None,
            );
        }
    }

    /// An adult child (19–34 on the reference date) who left within the window (1 in 6
    /// households whose youngest parent is 42 or older), insured from birth: moved out (4 in
    /// 10; abroad for a foreign resident), joined employee insurance then moved out (3 in 10),
    /// joined and left employee insurance then moved out (15 in 100), or received 生活保護 for
    /// a while then moved out (15 in 100).
    fn child_left(
        &mut self,
        model: &Model<'_>,
        rng: &mut Rng,
        h: &Household,
        window: (NaiveDate, NaiveDate),
        edaban: &mut u64,
    ) {
        let (w0, w1) = window;
        let as_of = model.as_of();
        let Some(head) = h.members.first() else {
            return;
        };
        let youngest_parent = h
            .members
            .iter()
            .filter(|m| {
                matches!(
                    m.relationship,
                    relationship::HEAD | relationship::WIFE | relationship::HUSBAND
                )
            })
            .map(|m| model.age(m))
            .min()
            .unwrap_or(0);
        if youngest_parent < 42 || h.fictive_head || !rng.chance(1, 6) {
            return;
        }
        let age = crate::model::age(rng, 19, (youngest_parent - 21).min(34));
        let year = chrono::Datelike::year(&as_of) - age as i32 - 1;
        let Some(base) = NaiveDate::from_ymd_opt(year, chrono::Datelike::month(&as_of), 1) else {
            return;
        };
        let birth = base + days(1 + rng.below(360));
        // Insured from birth, or from the day the household came (moved in with it).
        let (acquired, reason) = if head.resident_since <= birth {
            (birth, acquisition::BIRTH)
        } else {
            (head.resident_since, acquisition::MOVE_IN)
        };
        let adult = date_reaching_age(birth, 18).unwrap_or(w0);
        let lo = w0.max(adult).max(next_day(acquired));
        let hi = prev_day(w1);
        // Three ordered days of the window, at least a day apart.
        let (Some(a), Some(b), Some(c)) = (
            day_in(rng, lo, hi),
            day_in(rng, lo, hi),
            day_in(rng, lo, hi),
        ) else {
            return;
        };
        let mut t = [a, b, c];
        t.sort_unstable();
        let t1 = t[0];
        let t2 = t[1].max(t1 + days(2));
        let t3 = t[2].max(t2 + days(1));
        if t3 > hi {
            return;
        }
        let sex = if rng.chance(1, 2) {
            Sex::Male
        } else {
            Sex::Female
        };
        let path = rng.below(100);
        let from_birth = |loss: Loss, edaban: u64, rng: &mut Rng| Period {
            seq: 1,
            acquired,
            reason,
            notified: notification(rng, acquired, as_of),
            loss,
            edaban,
        };
        let moved = |d: NaiveDate, rng: &mut Rng| {
            let date = next_day(d);
            Loss {
                date,
                reason: if head.foreign {
                    loss::MOVED_ABROAD
                } else {
                    loss::MOVED_OUT
                },
                notified: Some(notification(rng, date, as_of)),
            }
        };
        *edaban += 1;
        let e = *edaban;
        let (periods, left) = match path {
            0..40 => ([Some(from_birth(moved(t1, rng), e, rng)), None], t1),
            40..70 => {
                let date = next_day(t1);
                let notified = Some(notification(rng, date, as_of));
                let joined = Loss {
                    date,
                    reason: loss::OTHER_INSURANCE,
                    notified,
                };
                ([Some(from_birth(joined, e, rng)), None], t2)
            }
            _ => {
                let welfare = path >= 85;
                let first_loss = if welfare {
                    Loss {
                        date: t1,
                        reason: loss::WELFARE,
                        notified: Some(notification(rng, t1, as_of)),
                    }
                } else {
                    let date = next_day(t1);
                    Loss {
                        date,
                        reason: loss::OTHER_INSURANCE,
                        notified: Some(notification(rng, date, as_of)),
                    }
                };
                let first = from_birth(first_loss, e, rng);
                let second = Period {
                    seq: 2,
                    acquired: t2,
                    reason: if welfare {
                        WELFARE_ENDED
                    } else {
                        acquisition::LEFT_EMPLOYEE_INSURANCE
                    },
                    notified: notification(rng, t2, as_of),
                    loss: moved(t3, rng),
                    edaban: e,
                };
                ([Some(first), Some(second)], t3)
            }
        };
        let who = Who::Former(self.formers.len());
        for p in periods.iter().flatten() {
            self.period_events(rng, who, p, window, as_of);
        }
        self.formers.push(Former {
            slot: CHILD_SLOT,
            surname: head.surname,
            given: model.sample_given(rng, sex, birth),
            sex,
            birth,
            relationship: relationship::CHILD,
            foreign: head.foreign,
            has_my_number: rng.chance(985, 1000),
            resident_since: acquired,
            departure: Departure::MovedOut(left),
            periods,
            own_household: false,
        });
    }

    /// The 世帯主's mother moved in (転入, 資格取得) and out (転出) on one day of the window:
    /// insured for that day, lost the next (`--profile edge`).
    fn same_day_move(
        &mut self,
        model: &Model<'_>,
        rng: &mut Rng,
        h: &Household,
        window: (NaiveDate, NaiveDate),
        edaban: &mut u64,
    ) {
        let (w0, w1) = window;
        let as_of = model.as_of();
        let Some(head) = h.members.first() else {
            return;
        };
        let Some(day) = day_in(rng, w0.max(head.resident_since), prev_day(w1)) else {
            return;
        };
        let birth = head.birth - days(365 * (25 + rng.below(6)) + rng.below(365));
        *edaban += 1;
        let left = next_day(day);
        let p = Period {
            seq: 1,
            acquired: day,
            reason: acquisition::MOVE_IN,
            notified: notification(rng, day, as_of),
            loss: Loss {
                date: left,
                reason: loss::MOVED_OUT,
                notified: Some(notification(rng, left, as_of)),
            },
            edaban: *edaban,
        };
        let who = Who::Former(self.formers.len());
        self.period_events(rng, who, &p, window, as_of);
        self.formers.push(Former {
            slot: SAME_DAY_SLOT,
            surname: head.surname,
            given: model.sample_given(rng, Sex::Female, birth),
            sex: Sex::Female,
            birth,
            relationship: relationship::MOTHER,
            foreign: head.foreign,
            has_my_number: true,
            resident_since: day,
            departure: Departure::MovedOut(day),
            periods: [Some(p), None],
            own_household: false,
        });
    }

    /// A household that left NHI within the window, kept by the NHI system with its
    /// 国保世帯資格喪失年月日 (9 in 10 current households have one beside them, which brings the
    /// losses above the acquisitions by about the national decline): a single person
    /// who joined employee insurance (4 in 10) or reached 75 (2 in 10) and still lives in the
    /// municipality, a single person of 60–74 who died (4 in 100), or a single person or a
    /// couple who moved out (36 in 100). Its 世帯番号 and 被保険者番号 come after every local
    /// index of the municipality; its members use person slots 10 and 11 of the current
    /// household, so their 宛名番号 and 個人番号 are unique.
    fn former_household(
        &mut self,
        model: &Model<'_>,
        rng: &mut Rng,
        window: (NaiveDate, NaiveDate),
    ) {
        let (w0, w1) = window;
        let as_of = model.as_of();
        if !rng.chance(9, 10) {
            return;
        }
        let kind = rng.below(100);
        let surname = model.sample_surname(rng);
        let sex = if rng.chance(1, 2) {
            Sex::Male
        } else {
            Sex::Female
        };
        let Some(day) = day_in(rng, w0, prev_day(w1)) else {
            return;
        };
        let (birth, loss, departure) = match kind {
            0..40 => {
                let Some(birth) = born(rng, day, 25, 59) else {
                    return;
                };
                let date = next_day(day);
                let notified = Some(notification(rng, date, as_of));
                let l = Loss {
                    date,
                    reason: loss::OTHER_INSURANCE,
                    notified,
                };
                (birth, l, Departure::Stayed)
            }
            40..60 => {
                // The 75th birthday is `day`.
                let (y, m, d) = (
                    chrono::Datelike::year(&day) - 75,
                    chrono::Datelike::month(&day),
                    chrono::Datelike::day(&day),
                );
                let Some(birth) = NaiveDate::from_ymd_opt(y, m, d) else {
                    return;
                };
                let l = Loss {
                    date: day,
                    reason: loss::LATE_ELDERLY,
                    notified: None,
                };
                (birth, l, Departure::Stayed)
            }
            60..64 => {
                let Some(birth) = born(rng, day, 60, 73) else {
                    return;
                };
                let date = next_day(day);
                let l = Loss {
                    date,
                    reason: loss::DEATH,
                    notified: Some(notification(rng, date, as_of)),
                };
                (birth, l, Departure::Died(day))
            }
            _ => {
                let Some(birth) = born(rng, day, 20, 64) else {
                    return;
                };
                let date = next_day(day);
                let l = Loss {
                    date,
                    reason: loss::MOVED_OUT,
                    notified: Some(notification(rng, date, as_of)),
                };
                (birth, l, Departure::MovedOut(day))
            }
        };
        if birthday_75(birth).is_some_and(|b| b < loss.date) {
            return;
        }
        let couple = kind >= 64 && rng.chance(3, 10);
        let (acquired, reason) = past_acquisition(rng, birth, loss.date);
        let foreign = rng.chance(25, 1000);
        let first = self.formers.len();
        for k in 0..1 + usize::from(couple) {
            let (sex, birth) = if k == 0 {
                (if couple { Sex::Male } else { sex }, birth)
            } else {
                (Sex::Female, birth + days(rng.below(3 * 365)))
            };
            let mut l = loss;
            if foreign && l.reason == loss::MOVED_OUT {
                l.reason = loss::MOVED_ABROAD;
            }
            let p = Period {
                seq: 1,
                acquired,
                reason,
                notified: notification(rng, acquired, as_of),
                loss: l,
                edaban: 1 + k as u64,
            };
            let who = Who::Former(self.formers.len());
            self.period_events(rng, who, &p, window, as_of);
            self.formers.push(Former {
                slot: 10 + k as u64,
                surname,
                given: model.sample_given(rng, sex, birth),
                sex,
                birth,
                relationship: if k == 0 {
                    relationship::HEAD
                } else {
                    relationship::WIFE
                },
                foreign,
                has_my_number: rng.chance(985, 1000),
                resident_since: acquired,
                departure,
                periods: [Some(p), None],
                own_household: true,
            });
        }
        if self.formers.len() > first {
            self.former_household = Some((acquired, loss.date));
        }
    }

    /// The household of [`History::build`] as it was in fiscal year `fy` (before the fiscal
    /// year of the reference date), for that year's incomes and assessment: into `out`, the
    /// 世帯主 on April 1 first (a husband who died within the window, when he was alive on
    /// that day; else the current 世帯主), then every other current or former member of this
    /// household insured at some time of the year. `insured`, `acquired` and `lost` describe
    /// the person's period that overlaps the year (`lost` only when within it). `false` when
    /// nobody of the household was insured in the year, or when a person had two periods in
    /// it (one row per person cannot carry both; the year is then left out for the household).
    pub fn year_household(&self, h: &Household, fy: FiscalYear, out: &mut Household) -> bool {
        let (Some(start), Some(end)) = (fy.start(), fy.end()) else {
            return false;
        };
        out.members.clear();
        out.local = h.local;
        out.fictive_head = false;
        out.town = h.town;
        out.block = h.block;
        out.building = h.building;
        out.tags.clear();
        // Edge thresholds and caps are incomes of the reference year only.
        out.edge_income = h
            .edge_income
            .filter(|e| *e == crate::edge::EdgeIncome::Zero);
        let overlaps = |acquired: NaiveDate, loss: Option<NaiveDate>| {
            acquired <= end && loss.is_none_or(|l| l > start)
        };
        let within = |loss: Option<NaiveDate>| loss.filter(|l| *l <= end);
        let former_head = self.formers.iter().find(|f| {
            !f.own_household
                && f.relationship == relationship::HEAD
                && matches!(f.departure, Departure::Died(d) if d >= start)
        });
        if let Some(f) = former_head
            && !self.push_former(f, start, end, true, out)
        {
            return false;
        }
        for (i, m) in h.members.iter().enumerate() {
            let householder = i == 0 && former_head.is_none();
            let period = if m.insured {
                Some((m.acquired, m.acquisition_reason, None))
            } else {
                self.member_period(i)
                    .map(|p| (p.acquired, p.reason, Some(p.loss.date)))
            };
            let insured = period.filter(|(a, _, l)| overlaps(*a, *l));
            if insured.is_none() && !householder {
                continue;
            }
            let mut x = m.clone();
            x.insured = insured.is_some();
            if let Some((acquired, reason, loss)) = insured {
                x.acquired = acquired;
                x.acquisition_reason = reason;
                x.lost = within(loss);
            }
            if householder {
                out.members.insert(0, x);
            } else {
                out.members.push(x);
            }
        }
        for f in self.formers.iter().filter(|f| !f.own_household) {
            if former_head.is_some_and(|x| std::ptr::eq(x, f)) {
                continue;
            }
            if !self.push_former(f, start, end, false, out) {
                return false;
            }
        }
        out.fictive_head = out.members.first().is_some_and(|m| !m.insured);
        out.members.iter().any(|m| m.insured)
    }

    /// Adds former member `f` to a past year's household when insured in the year (or as its
    /// `householder`); `false` when two of its periods overlap the year.
    fn push_former(
        &self,
        f: &Former,
        start: NaiveDate,
        end: NaiveDate,
        householder: bool,
        out: &mut Household,
    ) -> bool {
        let mut inside = f
            .periods
            .iter()
            .flatten()
            .filter(|p| p.acquired <= end && p.loss.date > start);
        let period = inside.next();
        if inside.next().is_some() {
            return false;
        }
        if period.is_none() && !householder {
            return true;
        }
        let x = Member {
            slot: f.slot,
            surname: f.surname,
            given: f.given,
            sex: f.sex,
            birth: f.birth,
            relationship: f.relationship,
            insured: period.is_some(),
            foreign: f.foreign,
            has_my_number: f.has_my_number,
            acquired: period.map_or(f.resident_since, |p| p.acquired),
            acquisition_reason: period.map_or(acquisition::MOVE_IN, |p| p.reason),
            notified: period.map_or(f.resident_since, |p| p.notified),
            resident_since: f.resident_since,
            support_measure: false,
            edge_name: None,
            lost: period.map(|p| p.loss.date).filter(|l| *l <= end),
            separation: None,
            perinatal: None,
        };
        if householder {
            out.members.insert(0, x);
        } else {
            out.members.push(x);
        }
        true
    }

    /// Writes the closed period of member `i` (not insured on the reference date), if any.
    pub fn write_member_period<Q: RowWriter + ?Sized>(
        &self,
        ctx: &HouseholdCtx<'_>,
        i: usize,
        out: &mut Q,
    ) -> bool {
        let Some(p) = self.member_period(i) else {
            return false;
        };
        let m = &ctx.h.members[i];
        let (name, kana) = ctx.text.name(i);
        PeriodRow {
            ctx,
            household_number: ctx.id_text.household_number(),
            insured_number: ctx.id_text.insured_number(),
            address_number: ctx.id_text.address_number(i),
            my_number: m.has_my_number.then(|| ctx.id_text.my_number(i)),
            name,
            kana,
            birth: m.birth,
            sex: m.sex,
            head: i == 0,
            period: p,
        }
        .write(out);
        true
    }

    /// Writes the former members (`person` and closed `qualification` rows) and every event of
    /// the household (`qualification_event`, when `events` is given).
    pub fn write<H, P, Q, E>(
        &mut self,
        ctx: &HouseholdCtx<'_>,
        households: &mut H,
        persons: &mut P,
        qualifications: &mut Q,
        events: Option<&mut E>,
    ) -> Written
    where
        H: RowWriter + ?Sized,
        P: RowWriter + ?Sized,
        Q: RowWriter + ?Sized,
        E: RowWriter + ?Sized,
    {
        let mut written = Written::default();
        let model = ctx.model;
        let mut an = [0u8; 20];
        let mut mn = [0u8; 20];
        // The former household's numbers: past every local index of the municipality.
        let mut fh = [0u8; 20];
        let mut fi = [0u8; 20];
        let former_index = former_household_index(ctx.h.local);
        let former_hh = digits(ctx.ids.household_number(former_index), 10, &mut fh);
        let former_insured = digits(
            ctx.ids
                .insured_number(MAX_MUNICIPALITY_HOUSEHOLDS + ctx.h.local),
            8,
            &mut fi,
        );
        let numbers = |f: &Former| {
            if f.own_household {
                (former_hh, former_insured)
            } else {
                (ctx.id_text.household_number(), ctx.id_text.insured_number())
            }
        };
        if let (Some((acquired, lost)), Some(head)) = (
            self.former_household,
            self.formers.iter().find(|f| f.own_household),
        ) {
            let s = model.surname(head.surname);
            let g = model.given_name(head.sex, head.given);
            compose(&mut self.name, &s.kanji, &g.kanji);
            compose(&mut self.kana, &s.reading, &g.reading);
            FormerHouseholdRow {
                ctx,
                household_number: former_hh,
                insured_number: former_insured,
                head_address_number: digits(
                    ctx.ids.address_number(ctx.h.local, head.slot),
                    10,
                    &mut an,
                ),
                head_name: &self.name,
                head_kana: &self.kana,
                acquired,
                lost,
            }
            .write(households);
            written.households += 1;
        }
        for f in &self.formers {
            let (household_number, insured_number) = numbers(f);
            let s = model.surname(f.surname);
            let g = model.given_name(f.sex, f.given);
            compose(&mut self.name, &s.kanji, &g.kanji);
            compose(&mut self.kana, &s.reading, &g.reading);
            let address_number = digits(ctx.ids.address_number(ctx.h.local, f.slot), 10, &mut an);
            let my_number = f
                .has_my_number
                .then(|| digits(ctx.ids.my_number(ctx.h.local, f.slot).value(), 12, &mut mn));
            FormerPersonRow {
                ctx,
                former: f,
                household_number,
                address_number,
                my_number,
                name: &self.name,
                kana: &self.kana,
            }
            .write(persons);
            written.persons += 1;
            for p in f.periods.iter().flatten() {
                PeriodRow {
                    ctx,
                    household_number,
                    insured_number,
                    address_number,
                    my_number,
                    name: &self.name,
                    kana: &self.kana,
                    birth: f.birth,
                    sex: f.sex,
                    head: f.relationship == relationship::HEAD,
                    period: p,
                }
                .write(qualifications);
                written.qualifications += 1;
            }
        }
        let Some(out) = events else {
            return written;
        };
        let mut seq = 0;
        let mut last: Option<Who> = None;
        for e in &self.events {
            seq = if last == Some(e.who) { seq + 1 } else { 1 };
            last = Some(e.who);
            let (address_number, household_number) = match e.who {
                Who::Member(i) => (
                    ctx.id_text.address_number(i),
                    ctx.id_text.household_number(),
                ),
                Who::Former(j) => {
                    let f = self.formers.get(j);
                    let slot = f.map_or(DECEASED_SLOT, |f| f.slot);
                    let hh = f.map_or(ctx.id_text.household_number(), |f| numbers(f).0);
                    (
                        digits(ctx.ids.address_number(ctx.h.local, slot), 10, &mut an),
                        hh,
                    )
                }
            };
            let previous_name = match (e.previous_surname, e.who) {
                (Some(s), Who::Member(i)) => {
                    let m = &ctx.h.members[i];
                    let s = model.surname(s);
                    let g = model.given_name(m.sex, m.given);
                    compose(&mut self.name, &s.kanji, &g.kanji);
                    compose(&mut self.kana, &s.reading, &g.reading);
                    true
                }
                _ => false,
            };
            EventRow {
                ctx,
                address_number,
                household_number,
                event_seq: seq,
                event: e,
                previous_name: previous_name.then_some((self.name.as_str(), self.kana.as_str())),
            }
            .write(out);
            written.events += 1;
        }
        written
    }
}

/// The local index whose 世帯番号 the former household beside household `local` takes: past
/// every local index of the municipality.
pub(crate) fn former_household_index(local: u64) -> u64 {
    MAX_MUNICIPALITY_HOUSEHOLDS + local * 4 + 2
}

/// 資格取得日 and 事由 of a former member's membership that ended on `end`: on leaving
/// employee insurance at 60–64 when that came before, else on moving in up to 20 years before.
fn past_acquisition(rng: &mut Rng, birth: NaiveDate, end: NaiveDate) -> (NaiveDate, &'static str) {
    let retired =
        date_reaching_age(birth, 60 + rng.below(5) as u32).map(|d| d + days(1 + rng.below(200)));
    if let Some(r) = retired
        && r < end
        && rng.chance(6, 10)
    {
        return (r, acquisition::LEFT_EMPLOYEE_INSURANCE);
    }
    let adult = date_reaching_age(birth, 20).unwrap_or(birth);
    let back = end - days(1 + rng.below(20 * 365));
    (back.max(adult).min(prev_day(end)), acquisition::MOVE_IN)
}

/// A birth date making a person `lo..=hi` years old on `at` (roughly: the year of birth is
/// drawn, then a day in it).
fn born(rng: &mut Rng, at: NaiveDate, lo: u32, hi: u32) -> Option<NaiveDate> {
    let age = crate::model::age(rng, lo, hi);
    let year = chrono::Datelike::year(&at) - i32::try_from(age).ok()? - 1;
    let base = NaiveDate::from_ymd_opt(year, chrono::Datelike::month(&at), 1)?;
    Some(base + days(1 + rng.below(360)))
}

/// `姓　名` into `out`.
fn compose(out: &mut String, surname: &str, given: &str) {
    out.clear();
    out.push_str(surname);
    out.push('\u{3000}');
    out.push_str(given);
}

/// The `person` row of a former member.
struct FormerPersonRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    former: &'a Former,
    household_number: &'a str,
    address_number: &'a str,
    my_number: Option<&'a str>,
    name: &'a str,
    kana: &'a str,
}

impl Row for FormerPersonRow<'_> {
    const ENTITY: &'static str = person::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use person as x;
        let (c, f) = (self.ctx, self.former);
        // 住民状態 (住民, 転出者, 死亡者), 転出年月日, 死亡年月日.
        let (status, moved_out, died) = match f.departure {
            Departure::MovedOut(d) => (ResidentStatus::C2, Some(d), None),
            Departure::Died(d) => (ResidentStatus::C3, None, Some(d)),
            Departure::Stayed => (ResidentStatus::C1, None, None),
        };
        let mut row = x::Cells::new();
        row.str(x::LGCODE, &c.m.municipality.lgcode)
            .str(x::ADDRESS_NUMBER, self.address_number)
            .str(x::HOUSEHOLD_NUMBER, self.household_number)
            .opt_str(x::MYNUMBER, self.my_number)
            .str(x::NAME, self.name)
            .str(x::NAME_KANA, self.kana)
            .date(x::BIRTH_DATE, f.birth)
            .str(x::SEX, f.sex.code())
            .str(x::RELATIONSHIP, f.relationship)
            .str(
                x::RESIDENT_KIND,
                crate::rows::resident_kind(f.foreign).code(),
            )
            .str(x::RESIDENT_STATUS, status.code())
            .date(x::RESIDENT_SINCE, f.resident_since)
            .opt_date(x::MOVED_OUT_DATE, moved_out)
            .opt_date(x::DEATH_DATE, died)
            .bool(x::SUPPORT_MEASURE, false);
        row.write(out);
    }
}

/// The `household` row of a former household (国保世帯資格喪失年月日 set). It keeps the
/// address of the current household it is drawn beside (another dwelling of the building or
/// block is not modelled).
struct FormerHouseholdRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    household_number: &'a str,
    insured_number: &'a str,
    head_address_number: &'a str,
    head_name: &'a str,
    head_kana: &'a str,
    acquired: NaiveDate,
    lost: NaiveDate,
}

impl Row for FormerHouseholdRow<'_> {
    const ENTITY: &'static str = household::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use household as h;
        let c = self.ctx;
        let mut row = h::Cells::new();
        row.str(h::LGCODE, &c.m.municipality.lgcode)
            .str(h::HOUSEHOLD_NUMBER, self.household_number)
            .str(h::INSURER_NUMBER, &c.m.insurer_number_text)
            .opt_str(h::INSURED_SYMBOL, c.symbol())
            .str(h::INSURED_NUMBER, self.insured_number)
            .str(h::HEAD_ADDRESS_NUMBER, self.head_address_number)
            .str(h::HEAD_NAME, self.head_name)
            .str(h::HEAD_NAME_KANA, self.head_kana)
            .str(h::FICTIVE_HEAD_FLAG, FictiveHeadFlag::C0.code())
            .opt_str(h::POSTAL_CODE, c.postal_code)
            .str(h::ADDRESS, &c.text.address)
            .date(h::NHI_ACQUISITION_DATE, self.acquired)
            .date(h::NHI_LOSS_DATE, self.lost);
        row.write(out);
    }
}

/// A closed `qualification` row.
struct PeriodRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    household_number: &'a str,
    insured_number: &'a str,
    address_number: &'a str,
    my_number: Option<&'a str>,
    name: &'a str,
    kana: &'a str,
    birth: NaiveDate,
    sex: Sex,
    head: bool,
    period: &'a Period,
}

impl Row for PeriodRow<'_> {
    const ENTITY: &'static str = qualification::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use qualification as q;
        let (c, p) = (self.ctx, self.period);
        let mut b = [0u8; 20];
        let mut row = q::Cells::new();
        row.str(q::LGCODE, &c.m.municipality.lgcode)
            .str(q::ADDRESS_NUMBER, self.address_number)
            .int(q::QUALIFICATION_SEQ, i64::from(p.seq))
            .str(q::INSURER_NUMBER, &c.m.insurer_number_text)
            .str(q::HOUSEHOLD_NUMBER, self.household_number)
            .opt_str(q::INSURED_SYMBOL, c.symbol())
            .str(q::INSURED_NUMBER, self.insured_number)
            .str(q::EDABAN, digits(p.edaban, 2, &mut b))
            .opt_str(q::MYNUMBER, self.my_number)
            .str(q::NAME, self.name)
            .str(q::NAME_KANA, self.kana)
            .date(q::BIRTH_DATE, self.birth)
            .str(q::SEX, self.sex.code())
            .str(q::INSURED_CLASS, InsuredClass::C1.code())
            .str(
                q::HEAD_FAMILY_CLASS,
                if self.head {
                    HeadFamilyClass::C1
                } else {
                    HeadFamilyClass::C2
                }
                .code(),
            )
            .str(q::CARD_CLASS, CardClass::C01.code())
            .date(q::ACQUISITION_DATE, p.acquired)
            .str(q::ACQUISITION_REASON, p.reason)
            .date(q::ACQUISITION_NOTIFIED_DATE, p.notified)
            .date(q::LOSS_DATE, p.loss.date)
            .str(q::LOSS_REASON, p.loss.reason)
            .opt_date(q::LOSS_NOTIFIED_DATE, p.loss.notified)
            .bool(q::JUSHOCHI_TOKUREI, false);
        row.write(out);
    }
}

/// A `qualification_event` row.
struct EventRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    address_number: &'a str,
    household_number: &'a str,
    event_seq: i64,
    event: &'a Event,
    previous_name: Option<(&'a str, &'a str)>,
}

impl Row for EventRow<'_> {
    const ENTITY: &'static str = qualification_event::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use qualification_event as x;
        let (c, e) = (self.ctx, self.event);
        let mut b = [0u8; 20];
        let mut row = x::Cells::new();
        row.str(x::LGCODE, &c.m.municipality.lgcode)
            .str(x::ADDRESS_NUMBER, self.address_number)
            .int(x::EVENT_SEQ, self.event_seq)
            .int(x::QUALIFICATION_SEQ, i64::from(e.qualification_seq))
            .str(x::INSURER_NUMBER, &c.m.insurer_number_text)
            .str(x::HOUSEHOLD_NUMBER, self.household_number)
            .opt_str(
                x::PREVIOUS_HOUSEHOLD_NUMBER,
                e.previous_household
                    .map(|k| digits(c.ids.household_number(k), 10, &mut b)),
            )
            .str(x::EVENT_KIND, e.kind)
            .date(x::EVENT_DATE, e.date)
            .opt_date(x::NOTIFIED_DATE, e.notified)
            .date(x::PROCESSED_DATE, e.processed)
            .opt_str(x::ACQUISITION_REASON, e.acquisition_reason)
            .opt_str(x::LOSS_REASON, e.loss_reason)
            .opt_str(x::PREVIOUS_NAME, self.previous_name.map(|p| p.0))
            .opt_str(x::PREVIOUS_NAME_KANA, self.previous_name.map(|p| p.1));
        row.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_window_runs_from_april_1_to_the_reference_date() {
        let as_of = ymd(2026, 4, 1);
        assert_eq!(
            Window::default_for(as_of).days(as_of),
            Ok((ymd(2020, 4, 1), as_of))
        );
        let earlier = Window {
            from: 2021,
            to: 2023,
        };
        assert_eq!(earlier.days(as_of), Ok((ymd(2021, 4, 1), ymd(2024, 3, 31))));
        assert!(
            Window {
                from: 2020,
                to: 2027
            }
            .days(as_of)
            .is_err()
        );
        assert!(
            Window {
                from: 2024,
                to: 2023
            }
            .days(as_of)
            .is_err()
        );
        assert!(
            Window {
                from: 1950,
                to: 2023
            }
            .days(as_of)
            .is_err()
        );
    }

    #[test]
    fn the_75th_birthday_is_the_day_after_the_age_is_reached() {
        // 神戸市 FAQ: 後期高齢者医療 from the 75th birthday; NHI until the day before.
        assert_eq!(birthday_75(ymd(1951, 4, 2)), Some(ymd(2026, 4, 2)));
        // Born 2/29: the age is reached on 2/28, the birthday counts as 3/1 in a common year.
        assert_eq!(birthday_75(ymd(1952, 2, 29)), Some(ymd(2027, 3, 1)));
    }
}
