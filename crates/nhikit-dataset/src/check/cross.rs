//! Rules across records, run once every file is read: one 世帯主 per household, parents'
//! ages. (References are the schema's: `nhikit_schema::keys`.)

use super::Report;
use super::keys::{At, Code, Keys, Places};
use nhikit_core::date::{NaiveDate, age_on};

/// Rules across records: one 世帯主 per household, parents' ages.
pub(crate) fn cross_rules(keys: &mut Keys, places: &Places, report: &mut Report) {
    // Stable: each household's members stay in reading order.
    keys.members.sort_by_key(|m| m.household);
    let keys = &*keys;
    let mut v = |at: &At, item: &str, rule: &'static str, message: String| {
        report
            .violations
            .push(places.violation(*at, item, rule, message))
    };
    // 続柄: 世帯主, 妻, 夫, 子.
    let [head_of, wife, husband, child_of] = ["01", "02", "03", "06"].map(Code::digits);
    let mut households: Vec<_> = keys.households.iter().collect();
    // In reading order, which is the order of (file, row): the files of an entity are read in
    // the order of their paths.
    households.sort_by_key(|h| h.1.0);
    for ((lg, hh), (at, head)) in households {
        if !keys.have_persons {
            continue;
        }
        let ms = &keys.members[keys.members.partition_point(|m| m.household < (*lg, *hh))..];
        let ms = &ms[..ms.partition_point(|m| m.household == (*lg, *hh))];
        // Former members (転出者, 死亡者) keep the 続柄 they had: only residents count, unless
        // none of the members lives there any more (a household that moved out or died out).
        let residents = ms.iter().any(|m| m.resident);
        let heads: Vec<_> = ms
            .iter()
            .filter(|m| m.relationship == head_of && (m.resident || !residents))
            .collect();
        if heads.len() != 1 {
            v(
                at,
                "household",
                "household",
                format!(
                    "{} 世帯主 (続柄 01) among {} members; exactly one expected",
                    heads.len(),
                    ms.len()
                ),
            );
        } else if Some(heads[0].address) != *head {
            v(
                at,
                "household.head_address_number",
                "household",
                "is not the 宛名番号 of the member with 続柄 01".into(),
            );
        }
        let parents: Vec<NaiveDate> = ms
            .iter()
            .filter(|m| [head_of, wife, husband].contains(&m.relationship))
            .filter_map(|m| m.birth)
            .collect();
        for child in ms.iter().filter(|m| m.relationship == child_of) {
            let Some(cb) = child.birth else { continue };
            for pb in &parents {
                if age_on(*pb, cb) < 15 {
                    v(
                        at,
                        "person.birth_date",
                        "parent_age",
                        format!(
                            "a parent born {pb} is less than 15 years older than a child born {cb}"
                        ),
                    );
                }
            }
        }
    }
}
