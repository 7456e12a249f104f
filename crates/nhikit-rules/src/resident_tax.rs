//! 個人住民税 (resident tax) figures per income year, from `schemas/rules/resident_tax.toml`
//! (embedded). The 住民税 基礎控除 is a premium figure and lives in the national parameters
//! ([`crate::params::NationalParams::basic_deduction_for`],
//! [`crate::params::RuleSet::basic_deduction`]).
//!
//! ```
//! use nhikit_rules::resident_tax::ResidentTax;
//! use nhikit_core::Yen;
//!
//! let t = ResidentTax::builtin().unwrap();
//! assert_eq!(t.for_income_year(2024).unwrap().per_capita_exempt_limit, Yen(450_000));
//! ```

use crate::Error;
use crate::benefit::{at_least_one, line_of, parse, table_error};
use nhikit_core::Yen;
use serde::Deserialize;
use toml::Spanned;

const RESIDENT_TAX: (&str, &str) = (
    "schemas/rules/resident_tax.toml",
    include_str!("../../../schemas/rules/resident_tax.toml"),
);

/// The resident-tax figures from an income year until the next period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentTaxPeriod {
    /// First income year (所得年) the period applies to.
    pub from_income_year: i32,
    /// 均等割・所得割 非課税: 総所得金額等 at or below this, for a person alone (1級地).
    pub per_capita_exempt_limit: Yen,
    /// Where the figures come from.
    pub source: String,
}

/// Resident-tax periods, ascending by income year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentTax {
    periods: Vec<ResidentTaxPeriod>,
}

impl ResidentTax {
    /// The table shipped in `schemas/rules/resident_tax.toml` (embedded; no file is read).
    pub fn builtin() -> Result<ResidentTax, Error> {
        ResidentTax::from_toml_str(RESIDENT_TAX.1, RESIDENT_TAX.0)
    }

    /// Parses a table like `schemas/rules/resident_tax.toml`; errors name `source`, the line
    /// and the item.
    pub fn from_toml_str(text: &str, source: &str) -> Result<ResidentTax, Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            period: Vec<Spanned<RawPeriod>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawPeriod {
            from_income_year: i32,
            per_capita_exempt_limit: i64,
            source: String,
        }
        let raw: Raw = parse(text, source)?;
        let mut periods: Vec<ResidentTaxPeriod> = Vec::with_capacity(raw.period.len());
        for (i, spanned) in raw.period.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let p = spanned.into_inner();
            let err = |field: &str, reason: String| {
                table_error(source, line, &format!("period[{i}].{field}"), reason)
            };
            if let Some(prev) = periods.last()
                && p.from_income_year <= prev.from_income_year
            {
                return Err(err(
                    "from_income_year",
                    format!(
                        "{} is not after the previous period's {}",
                        p.from_income_year, prev.from_income_year
                    ),
                ));
            }
            if p.per_capita_exempt_limit < 0 {
                return Err(err(
                    "per_capita_exempt_limit",
                    format!("must be ≥ 0, got {}", p.per_capita_exempt_limit),
                ));
            }
            periods.push(ResidentTaxPeriod {
                from_income_year: p.from_income_year,
                per_capita_exempt_limit: Yen(p.per_capita_exempt_limit),
                source: p.source,
            });
        }
        Ok(ResidentTax {
            periods: at_least_one(periods, source)?,
        })
    }

    /// The first income year the table covers.
    pub fn first_income_year(&self) -> i32 {
        self.periods
            .first()
            .map_or(i32::MAX, |p| p.from_income_year)
    }

    /// The figures in force for `income_year`; an error before the first period.
    pub fn for_income_year(&self, income_year: i32) -> Result<&ResidentTaxPeriod, Error> {
        self.periods
            .iter()
            .rev()
            .find(|p| p.from_income_year <= income_year)
            .ok_or(Error::UnknownIncomeYear {
                income_year,
                first: self.first_income_year(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 飯塚市 (個人の市民税・県民税, updated 2023-11-30): 本人のみ 総所得金額等 45万円以下 非課税.
    #[test]
    fn the_exempt_limit_is_450000_yen() {
        let t = ResidentTax::builtin().unwrap();
        assert_eq!(t.first_income_year(), 2020);
        for y in [2020, 2024, 2030] {
            assert_eq!(
                t.for_income_year(y).unwrap().per_capita_exempt_limit,
                Yen(450_000)
            );
        }
        let e = t.for_income_year(2019).unwrap_err().to_string();
        assert!(e.contains("2019") && e.contains("2020"), "{e}");
    }

    #[test]
    fn bad_tables_name_the_line_and_item() {
        let text = "[[period]]\nfrom_income_year = 2020\nper_capita_exempt_limit = 1\nsource = \"\"\n\
                    [[period]]\nfrom_income_year = 2020\nper_capita_exempt_limit = 1\nsource = \"\"\n";
        let e = ResidentTax::from_toml_str(text, "r.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r.toml:5: `period[1].from_income_year`"),
            "{e}"
        );
        let e = ResidentTax::from_toml_str("[[period]]\nfrom_income_year = \"x\"\n", "r.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r.toml:2: `from_income_year`"), "{e}");
    }
}
