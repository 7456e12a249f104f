//! Payments (収納) of the assessments: the `payment` rows, one per receipt of an installment
//! (期別), or one row with `paid_amount` 0 while the installment is unpaid or not yet due.
//!
//! The schedule (docs/generator.md, docs/statistics-sources.md §期割): the annual amount is
//! split into the municipality's number of installments (`installments` of the rate set, 10 by
//! default) by the oracle's `installments` (each rounded down to 100円, the remainder on the
//! first), due on the last day of each month up to March — 10 installments run June to March —
//! except December's, due on the 25th; a due date on a Saturday, Sunday or 12/29–1/3 moves to
//! the next business day. No national holiday falls on a month end or on December 25 except
//! April 30 as 振替休日 when April 29 is a Sunday, which is treated too.
//!
//! Who pays (assumptions calibrated on the national figures: 収納率 94.20 % in FY2023, 13.3 %
//! of households in arrears in 2020, which counts arrears of earlier years too): 85 in 100
//! households pay every installment by its due date, 4 in 100 pay each one 1–60 days late, 11
//! in 100 are in arrears: they pay the first
//! installments, then stop (the number paid uniform in 0..count), and 1 in 3 of their paid
//! installments is paid in two receipts (分納). Nothing is received after the reference date.
//! 特別徴収 (deduction from pensions) is not generated: every household pays 普通徴収.

use crate::model::stream;
use crate::rows::HouseholdCtx;
use chrono::{Datelike, Weekday};
use nhikit_core::date::NaiveDate;
use nhikit_core::yen::Yen;
use nhikit_rng::Rng;
use nhikit_rules::premium;
use nhikit_schema::names::codes::PaymentMethod;
use nhikit_schema::names::payment;
use nhikit_schema::{Row, RowWriter};

/// 納付方法 (`schemas/codes/payment_method.toml`): 口座振替, 納付書, コンビニエンスストア, 電子納付.
mod method {
    use nhikit_schema::names::codes::PaymentMethod;
    pub(super) const DEBIT: PaymentMethod = PaymentMethod::C1;
    pub(super) const SLIP: PaymentMethod = PaymentMethod::C2;
    pub(super) const CONVENIENCE_STORE: PaymentMethod = PaymentMethod::C3;
    pub(super) const ELECTRONIC: PaymentMethod = PaymentMethod::C4;
}

/// The rounding unit of an installment: 100円 (the remainder goes to the first).
const INSTALLMENT_UNIT: i64 = 100;

/// Whether municipal offices and banks are closed on `d`: Saturdays, Sundays, 12/29–1/3, and
/// April 30 when April 29 (昭和の日) is a Sunday (振替休日). Only dates the schedule uses as
/// due dates (month ends, December 25) and the days after them need to be right.
fn closed(d: NaiveDate) -> bool {
    let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let new_year = (d.month() == 12 && d.day() >= 29) || (d.month() == 1 && d.day() <= 3);
    let substitute = d.month() == 4
        && d.day() == 30
        && NaiveDate::from_ymd_opt(d.year(), 4, 29).is_some_and(|x| x.weekday() == Weekday::Sun);
    weekend || new_year || substitute
}

/// The first business day on or after `d`.
pub fn business_day(d: NaiveDate) -> NaiveDate {
    let mut d = d;
    while closed(d) {
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    d
}

/// The due dates (納期限) of fiscal year `fy` split into `count` installments (1–12): the last
/// `count` months of the fiscal year, each due on its last day (December on the 25th), moved to
/// the next business day.
pub fn schedule(fy: i32, count: u32) -> Vec<NaiveDate> {
    let count = count.clamp(1, 12);
    (12 - count..12)
        .filter_map(|k| {
            // Month k of the fiscal year: 0 = April … 11 = March.
            let (year, month) = if k < 9 { (fy, 4 + k) } else { (fy + 1, k - 8) };
            let day = if month == 12 {
                NaiveDate::from_ymd_opt(year, 12, 25)
            } else {
                let (ny, nm) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
            };
            day.map(business_day)
        })
        .collect()
}

/// How a household pays in one fiscal year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payer {
    OnTime,
    Late,
    /// Pays the first `n` installments only.
    Arrears(usize),
}

/// The `payment` rows of one assessment.
pub struct Payments<'a> {
    /// The household's rows context.
    pub ctx: &'a HouseholdCtx<'a>,
    /// The fiscal year.
    pub fiscal_year: i32,
    /// The annual amount.
    pub total: Yen,
    /// The due dates ([`schedule`]).
    pub due: &'a [NaiveDate],
}

impl Payments<'_> {
    /// Writes the rows; returns how many.
    pub fn write<W: RowWriter + ?Sized>(&self, out: &mut W) -> u64 {
        let c = self.ctx;
        if self.total.0 <= 0 || self.due.is_empty() {
            return 0;
        }
        let as_of = c.model.as_of();
        let year = u64::try_from(self.fiscal_year).unwrap_or(0);
        let mut rng = Rng::new(
            c.model.seed(),
            stream::PAYMENT | u64::from(c.m.municipality.ordinal) | year << 40,
            c.h.local,
        );
        let count = self.due.len();
        let payer = match rng.below(100) {
            0..85 => Payer::OnTime,
            85..89 => Payer::Late,
            _ => Payer::Arrears(rng.below(count as u64) as usize),
        };
        let how = match rng.below(100) {
            0..45 => method::DEBIT,
            45..70 => method::SLIP,
            70..92 => method::CONVENIENCE_STORE,
            _ => method::ELECTRONIC,
        };
        let amounts = premium::installments(self.total, count as u32, INSTALLMENT_UNIT);
        let mut rows = 0;
        for (k, (&due, amount)) in self.due.iter().zip(&amounts).enumerate() {
            let row = PaymentRow {
                ctx: c,
                fiscal_year: self.fiscal_year,
                installment: k as i64 + 1,
                seq: 1,
                due,
                billed: amount.0,
                paid: 0,
                paid_on: None,
                method: how,
            };
            let paid_on = match payer {
                Payer::Arrears(n) if k >= n => None,
                Payer::Late => Some(due + chrono::Days::new(1 + rng.below(60))),
                _ if how == method::DEBIT => Some(due),
                _ => Some(due - chrono::Days::new(rng.below(21))),
            }
            .filter(|d| *d <= as_of);
            let Some(on) = paid_on else {
                row.write(out);
                rows += 1;
                continue;
            };
            let split =
                matches!(payer, Payer::Arrears(_)) && how != method::DEBIT && rng.chance(1, 3);
            let second = on + chrono::Days::new(7 + rng.below(30));
            if split && second <= as_of && amount.0 >= 2 {
                let first = amount.0 / 2;
                for (seq, paid, day) in [(1, first, on), (2, amount.0 - first, second)] {
                    PaymentRow {
                        seq,
                        paid,
                        paid_on: Some(day),
                        ..row
                    }
                    .write(out);
                    rows += 1;
                }
            } else {
                PaymentRow {
                    paid: amount.0,
                    paid_on: Some(on),
                    ..row
                }
                .write(out);
                rows += 1;
            }
        }
        rows
    }
}

/// One `payment` row.
#[derive(Clone, Copy)]
struct PaymentRow<'a> {
    ctx: &'a HouseholdCtx<'a>,
    fiscal_year: i32,
    installment: i64,
    seq: i64,
    due: NaiveDate,
    billed: i64,
    paid: i64,
    paid_on: Option<NaiveDate>,
    method: PaymentMethod,
}

impl Row for PaymentRow<'_> {
    const ENTITY: &'static str = payment::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use payment as p;
        let c = self.ctx;
        let mut row = p::Cells::new();
        row.str(p::LGCODE, &c.m.municipality.lgcode)
            .str(p::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .int(p::FISCAL_YEAR, i64::from(self.fiscal_year))
            .int(p::INSTALLMENT_NO, self.installment)
            .int(p::PAYMENT_SEQ, self.seq)
            // Every payment is of the 当初賦課.
            .int(p::REVISION_SEQ, 0)
            .str(p::INSURER_NUMBER, &c.m.insurer_number_text)
            .date(p::DUE_DATE, self.due)
            .int(p::BILLED_AMOUNT, self.billed)
            .int(p::PAID_AMOUNT, self.paid);
        if let Some(d) = self.paid_on {
            row.date(p::PAID_DATE, d)
                .str(p::PAYMENT_METHOD, self.method.code());
        }
        row.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn ten_installments_run_from_june_to_march_on_business_days() {
        // FY2025 (calendar checked by hand): 2025-06-30 Mon, 07-31 Thu, 08-31 Sun → 09-01,
        // 09-30 Tue, 10-31 Fri, 11-30 Sun → 12-01, 12-25 Thu, 2026-01-31 Sat → 02-02 Mon,
        // 02-28 Sat → 03-02 Mon, 03-31 Tue.
        assert_eq!(
            schedule(2025, 10),
            [
                ymd(2025, 6, 30),
                ymd(2025, 7, 31),
                ymd(2025, 9, 1),
                ymd(2025, 9, 30),
                ymd(2025, 10, 31),
                ymd(2025, 12, 1),
                ymd(2025, 12, 25),
                ymd(2026, 2, 2),
                ymd(2026, 3, 2),
                ymd(2026, 3, 31),
            ]
        );
    }

    #[test]
    fn year_end_and_the_april_substitute_holiday_are_closed() {
        // 2029-04-29 is a Sunday: 04-30 is a 振替休日, the due date moves to 05-01 (Tue).
        assert_eq!(schedule(2029, 12)[0], ymd(2029, 5, 1));
        // 2027-12-25 is a Saturday → Monday 12-27; 2021-12-25 Sat → 12-27 Mon.
        assert_eq!(schedule(2027, 10)[6], ymd(2027, 12, 27));
        assert_eq!(business_day(ymd(2021, 12, 31)), ymd(2022, 1, 4));
        // 8 installments: August to March.
        assert_eq!(schedule(2025, 8)[0], ymd(2025, 9, 1));
        assert_eq!(schedule(2025, 1), [ymd(2026, 3, 31)]);
    }
}
