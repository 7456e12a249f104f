//! Benefit amounts (保険給付) as data: 出産育児一時金 per child by birth date, with its
//! 産科医療補償制度 part, and 葬祭費 per municipality (or the default), from
//! `schemas/rules/benefit/*.toml` (embedded, so no file is read).
//!
//! ```
//! use nhikit_rules::benefit::BenefitRules;
//! use nhikit_core::{Yen, date::NaiveDate};
//!
//! let rules = BenefitRules::builtin().unwrap();
//! let born = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
//! assert_eq!(rules.childbirth.per_child(born, true).unwrap(), Yen(500_000));
//! assert_eq!(rules.funeral.amount("131059"), Yen(70_000)); // 文京区
//! ```

use crate::Error;
use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use serde::Deserialize;
use std::sync::OnceLock;
use toml::Spanned;

/// The shipped tables, embedded at build time.
const CHILDBIRTH: (&str, &str) = (
    "schemas/rules/benefit/childbirth.toml",
    include_str!("../../../schemas/rules/benefit/childbirth.toml"),
);
const FUNERAL: (&str, &str) = (
    "schemas/rules/benefit/funeral.toml",
    include_str!("../../../schemas/rules/benefit/funeral.toml"),
);

/// One period of the 出産育児一時金: the amounts for births from `from` until the next period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildbirthPeriod {
    /// First birth date the period applies to.
    pub from: NaiveDate,
    /// 出産育児一時金 per child without 産科医療補償制度 (a non-member facility, or under 22
    /// weeks).
    pub lump_sum: Yen,
    /// The 産科医療補償制度 掛金 added per child when the birth is covered.
    pub scheme_premium: Yen,
    /// Where the figures come from.
    pub source: String,
}

/// 出産育児一時金 periods, ascending by `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildbirthTable {
    periods: Vec<ChildbirthPeriod>,
}

impl ChildbirthTable {
    /// Parses a table like `schemas/rules/benefit/childbirth.toml`; errors name `source`,
    /// the line and the item.
    pub fn from_toml_str(text: &str, source: &str) -> Result<ChildbirthTable, Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            period: Vec<Spanned<RawPeriod>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawPeriod {
            from: String,
            lump_sum: i64,
            scheme_premium: i64,
            source: String,
        }
        let raw: Raw = parse(text, source)?;
        let mut periods: Vec<ChildbirthPeriod> = Vec::with_capacity(raw.period.len());
        for (i, spanned) in raw.period.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let p = spanned.into_inner();
            let err = |field: &str, reason: String| {
                table_error(source, line, &format!("period[{i}].{field}"), reason)
            };
            let from = NaiveDate::parse_from_str(&p.from, "%Y-%m-%d")
                .map_err(|_| err("from", format!("`{}` is not a date YYYY-MM-DD", p.from)))?;
            if let Some(prev) = periods.last()
                && from <= prev.from
            {
                return Err(err(
                    "from",
                    format!("{from} is not after the previous period's {}", prev.from),
                ));
            }
            if p.lump_sum <= 0 {
                return Err(err("lump_sum", format!("must be > 0, got {}", p.lump_sum)));
            }
            if p.scheme_premium < 0 {
                return Err(err(
                    "scheme_premium",
                    format!("must be ≥ 0, got {}", p.scheme_premium),
                ));
            }
            periods.push(ChildbirthPeriod {
                from,
                lump_sum: Yen(p.lump_sum),
                scheme_premium: Yen(p.scheme_premium),
                source: p.source,
            });
        }
        Ok(ChildbirthTable {
            periods: at_least_one(periods, source)?,
        })
    }

    /// The periods, ascending.
    pub fn periods(&self) -> &[ChildbirthPeriod] {
        &self.periods
    }

    /// The period in force for a birth on `birth`; an error before the first period.
    pub fn period(&self, birth: NaiveDate) -> Result<&ChildbirthPeriod, Error> {
        self.periods
            .iter()
            .rev()
            .find(|p| p.from <= birth)
            .ok_or_else(|| Error::InvalidInput {
                item: "birth_date".into(),
                reason: format!(
                    "{birth} is before the first 出産育児一時金 period ({}); no amount is known",
                    self.periods.first().map_or(birth, |p| p.from)
                ),
            })
    }

    /// 出産育児一時金 per child born on `birth`; `scheme`: the birth is covered by
    /// 産科医療補償制度 (its 掛金 is added).
    pub fn per_child(&self, birth: NaiveDate, scheme: bool) -> Result<Yen, Error> {
        let p = self.period(birth)?;
        Ok(if scheme {
            p.lump_sum + p.scheme_premium
        } else {
            p.lump_sum
        })
    }
}

/// A 葬祭費 amount of the municipalities whose 団体コード lies in `code_from..=code_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuneralAmount {
    /// Who they are (e.g. `東京23区 (特別区)`).
    pub name: String,
    /// First 団体コード (5 digits, no check digit).
    pub code_from: u32,
    /// Last 団体コード.
    pub code_to: u32,
    /// 葬祭費.
    pub amount: Yen,
    /// Where the figure comes from.
    pub source: String,
}

/// 葬祭費 by municipality, with the amount of every municipality not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuneralTable {
    /// The amount of a municipality not listed.
    pub default: Yen,
    /// The listed municipalities (ranges do not overlap).
    pub municipal: Vec<FuneralAmount>,
}

impl FuneralTable {
    /// Parses a table like `schemas/rules/benefit/funeral.toml`; errors name `source`, the
    /// line and the item.
    pub fn from_toml_str(text: &str, source: &str) -> Result<FuneralTable, Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            default: Spanned<i64>,
            #[serde(default)]
            municipal: Vec<Spanned<RawAmount>>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawAmount {
            name: String,
            code_from: String,
            code_to: String,
            amount: i64,
            source: String,
        }
        let raw: Raw = parse(text, source)?;
        let default_line = line_of(text, raw.default.span().start);
        let default = raw.default.into_inner();
        if default <= 0 {
            return Err(table_error(
                source,
                default_line,
                "default",
                format!("must be > 0, got {default}"),
            ));
        }
        let mut municipal: Vec<FuneralAmount> = Vec::with_capacity(raw.municipal.len());
        for (i, spanned) in raw.municipal.into_iter().enumerate() {
            let line = line_of(text, spanned.span().start);
            let m = spanned.into_inner();
            let err = |field: &str, reason: String| {
                table_error(source, line, &format!("municipal[{i}].{field}"), reason)
            };
            let code = |field: &str, v: &str| {
                if v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit()) {
                    v.parse::<u32>()
                        .map_err(|_| err(field, format!("`{v}` is not a number")))
                } else {
                    Err(err(
                        field,
                        format!("`{v}` is not a 5-digit 団体コード (no check digit)"),
                    ))
                }
            };
            let (code_from, code_to) = (
                code("code_from", &m.code_from)?,
                code("code_to", &m.code_to)?,
            );
            if code_from > code_to {
                return Err(err(
                    "code_to",
                    format!("{code_to:05} is before code_from {code_from:05}"),
                ));
            }
            if let Some(o) = municipal
                .iter()
                .find(|o| o.code_from <= code_to && code_from <= o.code_to)
            {
                return Err(err(
                    "code_from",
                    format!("{code_from:05}–{code_to:05} overlaps `{}`", o.name),
                ));
            }
            if m.amount <= 0 {
                return Err(err("amount", format!("must be > 0, got {}", m.amount)));
            }
            municipal.push(FuneralAmount {
                name: m.name,
                code_from,
                code_to,
                amount: Yen(m.amount),
                source: m.source,
            });
        }
        Ok(FuneralTable {
            default: Yen(default),
            municipal,
        })
    }

    /// 葬祭費 of the municipality with 全国地方公共団体コード `lgcode` (its first 5 digits are the
    /// 団体コード); the default for a municipality not listed or a code that is not one.
    pub fn amount(&self, lgcode: &str) -> Yen {
        let Some(code) = lgcode.get(..5).and_then(|c| c.parse::<u32>().ok()) else {
            return self.default;
        };
        self.municipal
            .iter()
            .find(|m| (m.code_from..=m.code_to).contains(&code))
            .map_or(self.default, |m| m.amount)
    }
}

/// The benefit tables: 出産育児一時金 and 葬祭費.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenefitRules {
    /// 出産育児一時金.
    pub childbirth: ChildbirthTable,
    /// 葬祭費.
    pub funeral: FuneralTable,
}

impl BenefitRules {
    /// The tables shipped under `schemas/rules/benefit/` (embedded; no file is read).
    pub fn builtin() -> Result<BenefitRules, Error> {
        Ok(BenefitRules {
            childbirth: ChildbirthTable::from_toml_str(CHILDBIRTH.1, CHILDBIRTH.0)?,
            funeral: FuneralTable::from_toml_str(FUNERAL.1, FUNERAL.0)?,
        })
    }

    /// [`BenefitRules::builtin`], parsed once per process: for callers that look amounts up
    /// record by record (the dataset validator).
    pub fn shared() -> Result<&'static BenefitRules, Error> {
        static BUILTIN: OnceLock<Result<BenefitRules, Error>> = OnceLock::new();
        BUILTIN
            .get_or_init(BenefitRules::builtin)
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map_or(0, |t| t.matches('\n').count())
        + 1
}

/// The periods of a table, which must not be empty (the error names `source`).
pub(crate) fn at_least_one<T>(periods: Vec<T>, source: &str) -> Result<Vec<T>, Error> {
    if periods.is_empty() {
        return Err(table_error(
            source,
            0,
            "period",
            "at least one period is needed".into(),
        ));
    }
    Ok(periods)
}

pub(crate) fn table_error(source: &str, line: usize, item: &str, reason: String) -> Error {
    Error::Table {
        source_name: source.to_owned(),
        line,
        item: item.to_owned(),
        reason,
    }
}

/// Parses TOML into `T`; a syntax or shape error names the source, the line and the key.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str, source: &str) -> Result<T, Error> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(text, s.start));
        let item = text
            .lines()
            .nth(line.saturating_sub(1))
            .and_then(|l| l.split('=').next())
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "document".to_owned());
        table_error(source, line, &item, e.message().trim().to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    // 鹿屋市 / 安城市 / okb-kenpo (docs/statistics-sources.md §6): 500,000 / 488,000 from
    // 2023-04-01; 420,000 / 408,000 from 2022-01-01 (令和3年政令第222号, kr-kokuho.or.jp);
    // 420,000 / 404,000 before (kr-kokuho.or.jp: 未加入 40.4万円 until 2021-12-31).
    #[test]
    fn the_lump_sum_follows_the_birth_date() {
        let t = BenefitRules::builtin().unwrap().childbirth;
        let at = |date, scheme| t.per_child(date, scheme).unwrap();
        assert_eq!(at(d(2023, 4, 1), true), Yen(500_000));
        assert_eq!(at(d(2023, 4, 1), false), Yen(488_000));
        assert_eq!(at(d(2023, 3, 31), true), Yen(420_000));
        assert_eq!(at(d(2022, 1, 1), false), Yen(408_000));
        assert_eq!(at(d(2021, 12, 31), false), Yen(404_000));
        assert_eq!(at(d(2021, 12, 31), true), Yen(420_000));
        // The 産科医療補償制度 part: 1.6万円 until 2021, 1.2万円 from 2022 (office-mori.biz).
        assert_eq!(
            t.period(d(2021, 12, 31)).unwrap().scheme_premium,
            Yen(16_000)
        );
        assert_eq!(t.period(d(2022, 1, 1)).unwrap().scheme_premium, Yen(12_000));
        let e = t.per_child(d(2014, 12, 31), true).unwrap_err().to_string();
        assert!(e.contains("birth_date") && e.contains("2015-01-01"), "{e}");
    }

    // 文京区 (131059) 70,000円; 八王子市 (132012) 50,000円 (docs/statistics-sources.md §6).
    #[test]
    fn the_special_wards_pay_70000_yen() {
        let f = BenefitRules::builtin().unwrap().funeral;
        assert_eq!(f.amount("131016"), Yen(70_000));
        assert_eq!(f.amount("131059"), Yen(70_000));
        assert_eq!(f.amount("131237"), Yen(70_000));
        assert_eq!(f.amount("132012"), Yen(50_000));
        assert_eq!(f.amount("011002"), Yen(50_000));
        assert_eq!(f.amount(""), Yen(50_000));
    }

    #[test]
    fn bad_tables_name_the_line_and_item() {
        let text = "[[period]]\nfrom = \"2022-01-01\"\nlump_sum = 1\nscheme_premium = 0\nsource = \"x\"\n\
                    [[period]]\nfrom = \"2021-01-01\"\nlump_sum = 1\nscheme_premium = 0\nsource = \"x\"\n";
        let e = ChildbirthTable::from_toml_str(text, "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:6: `period[1].from`"), "{e}");
        let e = ChildbirthTable::from_toml_str("[[period]]\nfrom = 3\n", "c.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.toml:"), "{e}");
        let text = "default = 50000\n[[municipal]]\nname = \"a\"\ncode_from = \"13101\"\ncode_to = \"13123\"\namount = 1\nsource = \"\"\n\
                    [[municipal]]\nname = \"b\"\ncode_from = \"13120\"\ncode_to = \"1313\"\namount = 1\nsource = \"\"\n";
        let e = FuneralTable::from_toml_str(text, "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.toml:8: `municipal[1].code_to`"), "{e}");
        let text = text.replace("\"1313\"", "\"13130\"");
        let e = FuneralTable::from_toml_str(&text, "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("overlaps `a`"), "{e}");
        let e = FuneralTable::from_toml_str("default = 0\n", "f.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.toml:1: `default`"), "{e}");
    }
}
