//! The assessment as a municipal 計算例 prints it: Japanese terms, amounts with thousands
//! separators, each part as 所得割額 + 資産割額 + 均等割額 + 平等割額 = 計 → 端数切捨て, then 年税額
//! and 期割 (and, for a 更正, 更正前・更正後 and the re-spread 期割).

use super::revision::{Correction, CorrectionKind};
use super::{Assessment, Reduction, installments};
use crate::params::{Levy, Params, Part};
use nhikit_core::Yen;
use std::fmt::Write;

pub use crate::explain::yen_ja as yen;

/// 年度 in 和暦: 2025 → `令和7年度`, 2019 → `令和元年度` (FY2019 began in 平成31年).
pub fn fiscal_year_ja(fy: i32) -> String {
    match fy - 2018 {
        1 => "令和元年度".to_string(),
        n if n > 1 => format!("令和{n}年度"),
        _ => format!("平成{}年度", fy - 1988),
    }
}

fn reduction_ja(r: Reduction) -> &'static str {
    match r {
        Reduction::None => "軽減なし",
        Reduction::Twenty => "2割軽減",
        Reduction::Fifty => "5割軽減",
        Reduction::Seventy => "7割軽減",
    }
}

/// The 計算例 text of an assessment.
pub fn statement(a: &Assessment, params: &Params, levy: Levy) -> String {
    let what = match levy {
        Levy::Tax => "国民健康保険税",
        Levy::Premium => "国民健康保険料",
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {} 計算例 ({})",
        fiscal_year_ja(a.fiscal_year.0),
        what,
        params.municipality
    );
    let _ = writeln!(
        s,
        "軽減判定所得 {} → {}",
        yen(a.judgement_income),
        reduction_ja(a.reduction)
    );
    for part in Part::ALL {
        let x = a.part(part);
        if !x.levied {
            continue;
        }
        let mut terms = vec![format!("所得割額 {}", yen(x.income_levy))];
        if x.asset_levy.0 != 0 {
            terms.push(format!("資産割額 {}", yen(x.asset_levy)));
        }
        terms.push(format!("均等割額 {}", yen(x.per_capita_levy)));
        if x.per_household_levy.0 != 0 || params.parts[part.index()].per_household != 0 {
            terms.push(format!("平等割額 {}", yen(x.per_household_levy)));
        }
        let mut notes = Vec::new();
        if x.legal_reduction.0 != 0 {
            notes.push(format!("うち軽減額 {}", yen(x.legal_reduction)));
        }
        if x.former_dependant_reduction.0 != 0 {
            notes.push(format!(
                "旧被扶養者減免額 {}",
                yen(x.former_dependant_reduction)
            ));
        }
        let cap = if x.capped {
            format!(" → 賦課限度額 {}", yen(Yen(params.parts[part.index()].cap)))
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "[{}] {} = {}{}{} → {} ({}円未満切捨て)",
            part.name_ja(),
            terms.join(" + "),
            yen(x.before_cap),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("、"))
            },
            cap,
            yen(x.amount),
            params.rounding
        );
    }
    let _ = writeln!(s, "年税額 {}", yen(a.total));
    let parts = installments(a.total, params.installments, params.rounding);
    let _ = writeln!(s, "期割 {}期: {}", parts.len(), list(&parts));
    s
}

/// The 更正 lines: 更正前・更正後, the difference, and the 期割 before and after.
pub fn correction_statement(c: &Correction, installments_due: usize) -> String {
    let kind = match c.kind {
        CorrectionKind::Decrease => "減額更正",
        CorrectionKind::Increase => "増額更正",
        CorrectionKind::None => "変更なし",
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{kind}: 更正前 {} → 更正後 {} (差額 {})",
        yen(c.before),
        yen(c.after),
        yen(c.difference)
    );
    let _ = writeln!(s, "更正前の期割: {}", list(&c.installments_before));
    let _ = writeln!(
        s,
        "更正後の期割 (第1期〜第{installments_due}期は納期到来済みで据え置き): {}",
        list(&c.installments_after)
    );
    if c.overpaid.0 > 0 {
        let _ = writeln!(s, "過納額 (還付・充当) {}", yen(c.overpaid));
    }
    s
}

fn list(v: &[Yen]) -> String {
    v.iter()
        .enumerate()
        .map(|(i, y)| format!("第{}期 {}", i + 1, yen(*y)))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_and_year_formats() {
        assert_eq!(yen(Yen(333_900)), "333,900円");
        assert_eq!(yen(Yen(-127_100)), "−127,100円");
        assert_eq!(yen(Yen(0)), "0円");
        assert_eq!(yen(Yen(1_000)), "1,000円");
        assert_eq!(fiscal_year_ja(2025), "令和7年度");
        assert_eq!(fiscal_year_ja(2019), "令和元年度");
        assert_eq!(fiscal_year_ja(2018), "平成30年度");
    }
}
