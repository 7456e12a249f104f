//! Money and what it is owed for: `income`, `assessment`, `payment`, `payment_total`,
//! `perinatal` (産前産後 exempt months).

use super::keys::{Keys, Places};
use super::{Report, d, int, s};
use chrono::Datelike;
use nhikit_core::date::NaiveDate;
use nhikit_schema::{Record, Value};

/// `perinatal`: the exempt months are those of the (expected) birth month — from the month
/// before (3 months before for 多胎, not before 2024-01) to the month after next — and the
/// 届出 is not made more than 6 months before the expected date.
pub(crate) fn perinatal_rules(r: &Record, v: &mut impl FnMut(String, &'static str, String)) {
    let Some(expected) = d(r, "expected_birth_date") else {
        return;
    };
    let multiple = r.get("multiple") == Some(&Value::Bool(true));
    let month = NaiveDate::from_ymd_opt(expected.year(), expected.month(), 1);
    let scheme = NaiveDate::from_ymd_opt(2024, 1, 1);
    let start = month
        .and_then(|m| m.checked_sub_months(chrono::Months::new(if multiple { 3 } else { 1 })))
        .zip(scheme)
        .map(|(s, first)| s.max(first));
    let end = month.and_then(|m| m.checked_add_months(chrono::Months::new(2)));
    for (item, want) in [("exemption_start", start), ("exemption_end", end)] {
        if d(r, item) != want {
            v(
                format!("perinatal.{item}"),
                "perinatal",
                format!(
                    "{:?} does not match the expected birth {expected} ({}): {want:?}",
                    d(r, item),
                    if multiple { "多胎" } else { "単胎" }
                ),
            );
        }
    }
    if let (Some(n), Some(earliest)) = (
        d(r, "notified_date"),
        expected.checked_sub_months(chrono::Months::new(6)),
    ) && n < earliest
    {
        v(
            "perinatal.notified_date".into(),
            "perinatal",
            format!("届出 {n} more than 6 months before the expected birth {expected}"),
        );
    }
}

/// `payment`: a receipt has an amount, a date and a method, an unpaid row none of them; no
/// receipt above the installment or after the reference date.
pub(crate) fn payment_rules(
    r: &Record,
    as_of: Option<NaiveDate>,
    v: &mut impl FnMut(String, &'static str, String),
) {
    let paid = int(r, "paid_amount");
    let billed = int(r, "billed_amount");
    let date = d(r, "paid_date");
    let method = s(r, "payment_method");
    if paid > billed {
        v(
            "payment.paid_amount".into(),
            "payment",
            format!("{paid} received for an installment of {billed}"),
        );
    }
    match (paid > 0, date, method) {
        (true, Some(_), Some(_)) | (false, None, None) => {}
        (true, ..) => v(
            "payment.paid_date".into(),
            "payment",
            format!("{paid} received without a 収納年月日 and 納付方法"),
        ),
        (false, ..) => v(
            "payment.paid_date".into(),
            "payment",
            "a row with nothing received has a 収納年月日 or 納付方法".into(),
        ),
    }
    if let (Some(on), Some(as_of)) = (date, as_of)
        && on > as_of
    {
        v(
            "payment.paid_date".into(),
            "payment",
            format!("received on {on}, after the reference date {as_of}"),
        );
    }
}

/// `income`: each 所得 within its revenue, 総所得金額等 the sum of its parts.
pub(crate) fn income_rules(r: &Record, v: &mut impl FnMut(String, &'static str, String)) {
    for (income, revenue) in [
        ("salary_income", "salary_revenue"),
        ("pension_income", "pension_revenue"),
    ] {
        if int(r, income) > int(r, revenue) {
            v(
                format!("income.{income}"),
                "income",
                format!(
                    "{} exceeds the revenue {revenue} {}",
                    int(r, income),
                    int(r, revenue)
                ),
            );
        }
    }
    let sum = [
        "salary_income",
        "pension_income",
        "business_income",
        "real_estate_income",
        "interest_dividend_income",
        "misc_income",
        "other_comprehensive_income",
        "separate_capital_gains",
        "stock_capital_gains",
    ]
    .iter()
    .map(|i| int(r, i))
    .sum::<i64>()
        - int(r, "separate_capital_gains_deduction");
    let total = int(r, "total_income");
    if total != sum.max(0) {
        v(
            "income.total_income".into(),
            "income",
            format!("{total} is not the sum of the 所得 items ({})", sum.max(0)),
        );
    }
    if s(r, "declaration_status") == Some("3") && total != 0 {
        v(
            "income.total_income".into(),
            "income",
            format!("{total} for a 未申告 person, whose income is unknown (0)"),
        );
    }
    let involuntary = r.get("involuntary_unemployed") == Some(&Value::Bool(true));
    let (date, reason) = (d(r, "separation_date"), s(r, "separation_reason"));
    let complete = date.is_some() && reason.is_some();
    let any = date.is_some() || reason.is_some();
    if (involuntary && !complete) || (!involuntary && any) {
        v(
            "income.separation_date".into(),
            "income",
            if involuntary {
                "a 非自発的失業者 without 離職年月日 and 離職理由".into()
            } else {
                "離職年月日 or 離職理由 without the 非自発的失業者 flag".into()
            },
        );
    }
}

/// `assessment`: the total is the sum of the parts, no 法定軽減 for an undeclared household,
/// no part above what its levies add up to.
pub(crate) fn assessment_rules(r: &Record, v: &mut impl FnMut(String, &'static str, String)) {
    let mut sum = 0;
    for part in ["medical", "support", "care", "child"] {
        let amount = int(r, &format!("{part}_amount"));
        sum += amount;
        let levies: i64 = [
            "income_levy",
            "asset_levy",
            "per_capita_levy",
            "household_levy",
        ]
        .iter()
        .map(|l| int(r, &format!("{part}_{l}")))
        .sum();
        // Each levy is an annual sum truncated to the yen on its own: together they may fall
        // short of the part's amount by less than one yen each.
        if amount > levies + 4 {
            v(
                format!("assessment.{part}_amount"),
                "assessment",
                format!("{amount} exceeds the sum of the part's levies {levies}"),
            );
        }
    }
    let total = int(r, "total_amount");
    if total != sum {
        v(
            "assessment.total_amount".into(),
            "assessment",
            format!("{total} is not the sum of the parts' amounts {sum}"),
        );
    }
    if r.get("undeclared") == Some(&Value::Bool(true)) && s(r, "reduction_class") != Some("0") {
        v(
            "assessment.reduction_class".into(),
            "assessment",
            "a household with a 未申告 member gets no 法定軽減".into(),
        );
    }
}

/// `payment_total`: the installments of an assessment add up to its 年税額, and no more is
/// received; the assessment paid exists (datasets with both entities).
pub(crate) fn payment_totals(keys: &Keys, places: &Places, report: &mut Report) {
    if keys.assessments.is_empty() {
        return;
    }
    let mut sums: Vec<_> = keys.payments.iter().collect();
    // In reading order, as for households.
    sums.sort_by_key(|p| p.1.at);
    for (&(lg_code, hh_code, fy), p) in sums {
        let (lg, hh) = (keys.codes.show(lg_code), keys.codes.show(hh_code));
        let message = match keys.assessments.get(&(lg_code, hh_code, fy)) {
            None => format!("no FY{fy} assessment of household {lg}/{hh}"),
            Some(total) if *total != p.billed => format!(
                "the installments of household {lg}/{hh} FY{fy} add up to {}, the assessment is {total}",
                p.billed
            ),
            Some(total) if p.paid > *total => format!(
                "{} received for household {lg}/{hh} FY{fy}, assessed {total}",
                p.paid
            ),
            Some(_) => continue,
        };
        report.violations.push(places.violation(
            p.at,
            "payment.billed_amount",
            "payment_total",
            message,
        ));
    }
}
