//! Benefit claims (`benefit_childbirth`, `benefit_funeral`, `benefit_high_cost`): their
//! amounts and dates.

use super::{d, int, s};
use nhikit_core::date::NaiveDate;
use nhikit_schema::names::{benefit_childbirth, benefit_funeral};
use nhikit_schema::{Record, Value};

/// Benefit claims (rule named after the entity): the amount the rules give — 出産育児一時金 by
/// the birth date and 産科医療補償制度 per child, 高額療養費 = max(0, 一部負担金 − 限度額) with
/// the copay within the cost and a 所得区分 — and the dates in order: the event (birth,
/// funeral, service month) ≤ 申請 ≤ 決定 ≤ 支給 ≤ the reference date, 支給 only after 決定.
pub(crate) fn benefit_rules(
    entity: &'static str,
    r: &Record,
    as_of: Option<NaiveDate>,
    v: &mut impl FnMut(String, &'static str, String),
) {
    let event_item = match entity {
        benefit_childbirth::ENTITY => {
            if let (Some(birth), Some(Value::Bool(scheme))) =
                (d(r, "birth_date"), r.get("compensation_scheme"))
            {
                let want = nhikit_rules::BenefitRules::shared()
                    .and_then(|b| b.childbirth.per_child(birth, *scheme))
                    .map_or(0, |y| y.0)
                    * int(r, "children_count");
                if int(r, "amount") != want {
                    v(
                        "benefit_childbirth.amount".into(),
                        entity,
                        format!(
                            "{} is not the 出産育児一時金 of {} child(ren) born {birth}{} ({want})",
                            int(r, "amount"),
                            int(r, "children_count"),
                            if *scheme {
                                " under 産科医療補償制度"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
            "birth_date"
        }
        benefit_funeral::ENTITY => {
            if let (Some(death), Some(funeral)) = (d(r, "death_date"), d(r, "funeral_date"))
                && funeral < death
            {
                v(
                    "benefit_funeral.funeral_date".into(),
                    entity,
                    format!("葬祭 {funeral} is before the death {death}"),
                );
            }
            "funeral_date"
        }
        _ => {
            let (cost, copay) = (int(r, "total_medical_cost"), int(r, "copay_total"));
            let (limit, benefit) = (int(r, "limit_amount"), int(r, "benefit_amount"));
            if benefit != (copay - limit).max(0) {
                v(
                    "benefit_high_cost.benefit_amount".into(),
                    entity,
                    format!("{benefit} is not 一部負担金 {copay} − 限度額 {limit} (floored at 0)"),
                );
            }
            if copay > cost {
                v(
                    "benefit_high_cost.copay_total".into(),
                    entity,
                    format!("一部負担金 {copay} exceeds the 医療費 {cost}"),
                );
            }
            if s(r, "income_category_under70").is_none() && s(r, "income_category_70_74").is_none()
            {
                v(
                    "benefit_high_cost.income_category_under70".into(),
                    entity,
                    "no 所得区分 (70歳未満 or 70〜74歳)".into(),
                );
            }
            if let Some(m) = d(r, "service_month")
                && m.pred_opt().map(|p| p.format("%m").to_string())
                    == Some(m.format("%m").to_string())
            {
                v(
                    "benefit_high_cost.service_month".into(),
                    entity,
                    format!("{m}: a service month is written as its first day"),
                );
            }
            "service_month"
        }
    };
    let mut last = (event_item, d(r, event_item));
    for item in ["application_date", "decision_date", "payment_date"] {
        let Some(date) = d(r, item) else {
            if item == "decision_date" && d(r, "payment_date").is_some() {
                v(
                    format!("{entity}.payment_date"),
                    entity,
                    "paid without a 決定年月日".into(),
                );
            }
            continue;
        };
        if let (before, Some(prev)) = last
            && date < prev
        {
            v(
                format!("{entity}.{item}"),
                entity,
                format!("{date} is before the {before} {prev}"),
            );
        }
        if let Some(as_of) = as_of
            && date > as_of
        {
            v(
                format!("{entity}.{item}"),
                entity,
                format!("{date} is after the reference date {as_of}"),
            );
        }
        last = (item, Some(date));
    }
}
