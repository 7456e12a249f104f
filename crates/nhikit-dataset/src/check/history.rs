//! The history rules of datasets with `qualification_event` (`history_*`).

use super::Report;
use super::keys::{At, Code, EventKey, Keys, PeriodKey, Places};
use nhikit_core::date::NaiveDate;

/// The history rules, per person with events or periods (`qualification_event` datasets):
/// - `history_order`: events numbered in the order of their 異動日;
/// - `history_death`: nothing after death — no event after the 死亡 loss (the day after
///   death), no period acquired after death or still open;
/// - `history_overlap`: periods in 資格履歴番号 order do not overlap: each but the last is
///   closed, and the next one starts on or after its 喪失日 (re-acquisition only after a loss);
/// - `history_loss`: no loss before acquisition (checked per row while reading, and for loss
///   events against their period here);
/// - `history_snapshot`: acquisition and loss events agree with the `qualification` rows
///   (same 資格履歴番号, date and reason), and every acquisition or loss inside the history
///   window has its event — so the snapshot's 資格取得日 and 事由 are the last acquisition's;
///   other events fall inside a period of the person;
/// - `history_notice` (while reading): no 届出日 before the 異動日.
pub(crate) fn history_rules(keys: &mut Keys, places: &Places, report: &mut Report) {
    if !keys.track_history {
        return;
    }
    let mut v = |at: &At, item: &str, rule: &'static str, message: String| {
        report
            .violations
            .push(places.violation(*at, item, rule, message))
    };
    let codes = &keys.codes;
    // People in the order of the texts of their lgcode and 宛名番号; the sorts are stable, so
    // each person's rows stay in reading order.
    let by_person =
        |a: &(Code, Code), b: &(Code, Code)| codes.cmp(a.0, b.0).then(codes.cmp(a.1, b.1));
    keys.periods.sort_by(|a, b| by_person(&a.person, &b.person));
    keys.events.sort_by(|a, b| by_person(&a.person, &b.person));
    let keys = &*keys;
    // A 葬祭費 claim is for a person who died that day.
    for &(at, lg_code, an_code, death) in &keys.funeral_deaths {
        let (lg, an) = (codes.show(lg_code), codes.show(an_code));
        let recorded = keys.deaths.get(&(lg_code, an_code)).copied();
        if recorded != Some(death) {
            v(
                &at,
                "benefit_funeral.death_date",
                "benefit_funeral",
                format!(
                    "死亡年月日 {death}, but the person {lg}/{an} has {}",
                    recorded.map_or("no 死亡日".to_owned(), |d| format!("死亡日 {d}"))
                ),
            );
        }
    }
    let inside = |d: NaiveDate| keys.window.is_some_and(|(s, e)| d >= s && d <= e);
    // 異動区分 資格取得, 資格喪失; 喪失事由 死亡.
    let [acquisition, loss, died] = ["01", "02", "01"].map(Code::digits);
    let (mut periods_left, mut events_left) = (&keys.periods[..], &keys.events[..]);
    loop {
        // The next person with periods or events, and their rows.
        let person = match (periods_left.first(), events_left.first()) {
            (None, None) => break,
            (Some(p), None) => p.person,
            (None, Some(e)) => e.person,
            (Some(p), Some(e)) => match by_person(&p.person, &e.person) {
                std::cmp::Ordering::Greater => e.person,
                _ => p.person,
            },
        };
        let (mine, rest) =
            periods_left.split_at(periods_left.partition_point(|p| p.person == person));
        let mut periods: Vec<&PeriodKey> = mine.iter().collect();
        periods_left = rest;
        let (mine, rest) =
            events_left.split_at(events_left.partition_point(|e| e.person == person));
        let mut events: Vec<&EventKey> = mine.iter().collect();
        events_left = rest;
        events.sort_by_key(|e| e.seq);
        periods.sort_by_key(|p| p.seq);
        let who = format!("{}/{}", codes.show(person.0), codes.show(person.1));
        // Order.
        for pair in events.windows(2) {
            if let (Some(a), Some(b)) = (pair[0].date, pair[1].date)
                && b < a
            {
                v(
                    &pair[1].at,
                    "qualification_event.event_date",
                    "history_order",
                    format!(
                        "{who}: event {} on {b} is before event {} on {a}",
                        pair[1].seq, pair[0].seq
                    ),
                );
            }
        }
        // Nothing after death.
        if let Some(&death) = keys.deaths.get(&person) {
            let lost = death.succ_opt().unwrap_or(death);
            for e in &events {
                let Some(date) = e.date else { continue };
                let death_loss = e.kind == loss && e.reason == died;
                if date > lost || (date == lost && !death_loss) {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_death",
                        format!(
                            "{who}: event {} on {date}, after the death on {death}",
                            e.seq
                        ),
                    );
                }
            }
            for p in &periods {
                if p.acquired.is_some_and(|a| a > death) || p.lost.is_none_or(|l| l > lost) {
                    v(
                        &p.at,
                        "qualification.loss_date",
                        "history_death",
                        format!(
                            "{who}: period {} is insured after the death on {death}",
                            p.seq
                        ),
                    );
                }
            }
        }
        // No overlapping periods; re-acquisition only after a loss.
        for pair in periods.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            match (a.lost, b.acquired) {
                (None, _) => v(
                    &b.at,
                    "qualification.qualification_seq",
                    "history_overlap",
                    format!(
                        "{who}: period {} starts while period {} is still open",
                        b.seq, a.seq
                    ),
                ),
                (Some(l), Some(acq)) if acq < l => v(
                    &b.at,
                    "qualification.acquisition_date",
                    "history_overlap",
                    format!(
                        "{who}: period {} starts on {acq}, before period {} ends on {l}",
                        b.seq, a.seq
                    ),
                ),
                _ => {}
            }
        }
        // Events against periods, and periods against events.
        let period = |seq: i64| periods.iter().find(|p| p.seq == seq);
        for e in &events {
            let Some(date) = e.date else { continue };
            let Some(p) = period(e.qualification_seq) else {
                v(
                    &e.at,
                    "qualification_event.qualification_seq",
                    "history_snapshot",
                    format!("{who}: no qualification period {}", e.qualification_seq),
                );
                continue;
            };
            if e.kind == acquisition {
                if p.acquired != Some(date) || p.reason != e.reason {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_snapshot",
                        format!(
                            "{who}: acquisition on {date} ({}) but period {} acquired on {} ({})",
                            codes.show_or_dash(e.reason),
                            p.seq,
                            p.acquired.map_or("-".into(), |d| d.to_string()),
                            codes.show_or_dash(p.reason),
                        ),
                    );
                }
            } else if e.kind == loss {
                if p.acquired.is_some_and(|a| date < a) {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_loss",
                        format!(
                            "{who}: loss on {date} before the acquisition of period {}",
                            p.seq
                        ),
                    );
                }
                if p.lost != Some(date) || p.loss_reason != e.reason {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_snapshot",
                        format!(
                            "{who}: loss on {date} ({}) but period {} lost on {} ({})",
                            codes.show_or_dash(e.reason),
                            p.seq,
                            p.lost.map_or("-".into(), |d| d.to_string()),
                            codes.show_or_dash(p.loss_reason),
                        ),
                    );
                }
            } else {
                let before = p.acquired.is_some_and(|a| date < a);
                let after = p.lost.is_some_and(|l| date >= l);
                if before || after {
                    v(
                        &e.at,
                        "qualification_event.event_date",
                        "history_snapshot",
                        format!(
                            "{who}: event {} on {date} is outside period {}",
                            e.seq, p.seq
                        ),
                    );
                }
            }
        }
        for p in &periods {
            let has = |kind: Option<Code>, date: Option<NaiveDate>| {
                events
                    .iter()
                    .any(|e| e.qualification_seq == p.seq && e.kind == kind && e.date == date)
            };
            if let Some(a) = p.acquired
                && inside(a)
                && !has(acquisition, Some(a))
            {
                v(
                    &p.at,
                    "qualification.acquisition_date",
                    "history_snapshot",
                    format!(
                        "{who}: period {} acquired on {a}, inside the history window, without an acquisition event",
                        p.seq
                    ),
                );
            }
            if let Some(l) = p.lost
                && inside(l)
                && !has(loss, Some(l))
            {
                v(
                    &p.at,
                    "qualification.loss_date",
                    "history_snapshot",
                    format!(
                        "{who}: period {} lost on {l}, inside the history window, without a loss event",
                        p.seq
                    ),
                );
            }
        }
    }
}
