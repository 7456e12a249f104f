//! Changes to an assessment after it was made: 更正 (a correction of the year's premium when the
//! facts change, e.g. 所得更正 after a late or amended 申告) and 遡及賦課 (assessing an earlier
//! fiscal year, e.g. after a late 加入届).
//!
//! - **更正** ([`correct`]): the year's premium is computed again on the corrected facts. The
//!   installments already due stay as billed; the new annual amount less what they hold is spread
//!   over the installments not yet due (rounded down to the municipal unit, the remainder in the
//!   first of them), the usual 期割 of a 変更決定 (加茂市, 奈良市 pages). When the installments
//!   already due exceed the new amount, the remaining installments are 0 and the excess is
//!   `overpaid` (還付 or 充当); when every installment is already due, an increase is billed as
//!   one further installment (随時期).
//! - **遡及賦課** ([`retroactive`]): an earlier fiscal year is assessed with the parameters of
//!   *that* year (national and municipal), within the period the law allows: 保険税 up to three
//!   fiscal years back (地方税法第17条の5: 法定納期限の翌日から3年; 鹿島市, DOMAIN-FACTS S78),
//!   保険料 up to two (国民健康保険法第110条: 2年; 千代田区, S86).

use super::{Assessment, Household, assess, installments};
use crate::error::Error;
use crate::params::{Levy, Params, RuleSet};
use nhikit_core::Yen;
use nhikit_core::date::{FiscalYear, NaiveDate};
use serde::Serialize;

/// The direction of a 更正.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CorrectionKind {
    /// 減額更正: the premium goes down.
    #[serde(rename = "減額更正")]
    Decrease,
    /// 増額更正: the premium goes up.
    #[serde(rename = "増額更正")]
    Increase,
    /// No change in the annual amount.
    #[serde(rename = "変更なし")]
    None,
}

/// The result of a 更正.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    /// The annual premium before.
    pub before: Yen,
    /// The annual premium after.
    pub after: Yen,
    /// `after − before`.
    pub difference: Yen,
    /// 減額 / 増額 / none.
    pub kind: CorrectionKind,
    /// The installments as first billed.
    pub installments_before: Vec<Yen>,
    /// The installments after the 更正: the first `installments_due` unchanged.
    pub installments_after: Vec<Yen>,
    /// What the installments already due hold beyond the new annual amount (過納, to refund).
    pub overpaid: Yen,
}

/// Spreads `total` over `count` installments of which the first `due` are already billed as
/// `billed[..due]`: the rest get `total − Σ billed[..due]` split evenly, rounded down to `unit`,
/// the remainder in the first open one; with none open, an increase becomes one more
/// installment. Returns the installments and the overpaid amount.
pub fn respread(total: Yen, billed: &[Yen], due: usize, unit: i64) -> (Vec<Yen>, Yen) {
    let due = due.min(billed.len());
    let paid: Yen = billed[..due].iter().copied().sum();
    let mut out: Vec<Yen> = billed[..due].to_vec();
    let open = billed.len() - due;
    let rest = total - paid;
    if rest.0 <= 0 {
        out.extend(std::iter::repeat_n(Yen::ZERO, open));
        return (out, paid - total);
    }
    if open == 0 {
        // Every installment is already due: the increase is billed as one further installment.
        out.push(rest);
        return (out, Yen::ZERO);
    }
    let count = u32::try_from(open).unwrap_or(u32::MAX);
    out.extend(installments(rest, count, unit));
    (out, Yen::ZERO)
}

/// 更正: the premium of `after` (the corrected facts) against `before` (the facts assessed), with
/// `installments_due` installments already due. Both are assessed with `params`.
pub fn correct(
    before: &Household,
    after: &Household,
    params: &Params,
    installments_due: usize,
) -> Result<(Assessment, Assessment, Correction), Error> {
    let count = params.installments as usize;
    if installments_due > count {
        return Err(Error::InvalidInput {
            item: "installments_due".into(),
            reason: format!("{installments_due} is more than the {count} installments"),
        });
    }
    let a0 = assess(before, params)?;
    let a1 = assess(after, params)?;
    let billed = installments(a0.total, params.installments, params.rounding);
    let (new, overpaid) = if a1.total == a0.total {
        (billed.clone(), Yen::ZERO)
    } else {
        respread(a1.total, &billed, installments_due, params.rounding)
    };
    let kind = match a1.total.cmp(&a0.total) {
        std::cmp::Ordering::Less => CorrectionKind::Decrease,
        std::cmp::Ordering::Greater => CorrectionKind::Increase,
        std::cmp::Ordering::Equal => CorrectionKind::None,
    };
    let c = Correction {
        before: a0.total,
        after: a1.total,
        difference: a1.total - a0.total,
        kind,
        installments_before: billed,
        installments_after: new,
        overpaid,
    };
    Ok((a0, a1, c))
}

/// The earliest fiscal year that may still be assessed on `assessed_on` for a levy: 保険税 three
/// fiscal years before the current one, 保険料 two.
pub fn earliest_retroactive_year(levy: Levy, assessed_on: NaiveDate) -> i32 {
    let current = FiscalYear::of(assessed_on).0;
    current
        - match levy {
            Levy::Tax => 3,
            Levy::Premium => 2,
        }
}

/// Refuses a fiscal year that cannot be assessed on `assessed_on`: before the legal limit of the
/// levy ([`earliest_retroactive_year`]) or after the current fiscal year.
pub fn check_retroactive(
    levy: Levy,
    fiscal_year: i32,
    assessed_on: NaiveDate,
) -> Result<(), Error> {
    let earliest = earliest_retroactive_year(levy, assessed_on);
    let current = FiscalYear::of(assessed_on).0;
    if fiscal_year < earliest || fiscal_year > current {
        return Err(Error::InvalidInput {
            item: "fiscal_year".into(),
            reason: format!(
                "FY{fiscal_year} cannot be assessed on {assessed_on}: a {} may be assessed back to FY{earliest} (and not beyond FY{current})",
                match levy {
                    Levy::Tax => "保険税",
                    Levy::Premium => "保険料",
                }
            ),
        });
    }
    Ok(())
}

/// 遡及賦課: the premium of `fiscal_year` for `household`, assessed on `assessed_on` with the
/// national and municipal parameters of that fiscal year from `rules`. Refused when the year is
/// beyond the legal limit of the municipality's levy or in the future.
pub fn retroactive(
    household: &Household,
    rules: &RuleSet,
    municipality: &str,
    fiscal_year: i32,
    assessed_on: NaiveDate,
) -> Result<(Params, Assessment), Error> {
    let params = rules.params(municipality, fiscal_year)?;
    let levy = rules.municipal(municipality, fiscal_year)?.levy;
    check_retroactive(levy, fiscal_year, assessed_on)?;
    let a = assess(household, &params)?;
    Ok((params, a))
}
