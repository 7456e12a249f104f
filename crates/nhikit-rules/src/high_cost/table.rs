//! Date-effective 高額療養費 limit tables, loaded from TOML text (`schemas/rules/high_cost/`).

use crate::Error;
use crate::benefit::{line_of, parse, table_error};
use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The tables shipped in `schemas/rules/high_cost/`, embedded so the oracle needs no files.
const EMBEDDED: [(&str, &str); 3] = [
    (
        "schemas/rules/high_cost/2018-08.toml",
        include_str!("../../../../schemas/rules/high_cost/2018-08.toml"),
    ),
    (
        "schemas/rules/high_cost/2026-08.toml",
        include_str!("../../../../schemas/rules/high_cost/2026-08.toml"),
    ),
    (
        "schemas/rules/high_cost/2027-08.toml",
        include_str!("../../../../schemas/rules/high_cost/2027-08.toml"),
    ),
];

/// A monthly limit: `base + (医療費 − threshold) × 1%` (1円未満四捨五入), or the flat `base`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limit {
    /// The fixed part.
    pub base: Yen,
    /// 医療費 (10割) above which 1% is added; `None` for a flat limit.
    pub threshold: Option<Yen>,
}

impl Limit {
    /// The limit for a month whose 医療費 (total cost, 10割) is `medical_cost`.
    ///
    /// The 1% term is rounded to the yen with 50銭未満切捨て, 50銭以上切上げ (健康保険法施行令
    /// 第42条第1項第1号, and the corresponding article of 国民健康保険法施行令), and is zero when
    /// 医療費 is at or below the threshold ("その額が二十六万七千円に満たないときは、二十六万七千円").
    pub fn amount(&self, medical_cost: Yen) -> Yen {
        match self.threshold {
            None => self.base,
            Some(t) => {
                let over = (medical_cost.0 - t.0).max(0);
                self.base + Yen((over + 50) / 100)
            }
        }
    }
}

/// One 区分 of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    /// The 区分 code, e.g. `ウ` or `一般`.
    pub code: String,
    /// Who is in it, in words.
    pub income: String,
    /// The monthly household limit (外来+入院).
    pub limit: Limit,
    /// 多数回該当 limit (4th month and later within 12), when the 区分 has one.
    pub many_times: Option<Yen>,
    /// 70–74 外来 (個人) monthly limit, when the 区分 has one.
    pub outpatient: Option<Yen>,
    /// 70–74 外来 annual limit (August–July), when the 区分 has one.
    pub outpatient_annual: Option<Yen>,
    /// Annual limit (年間上限) of the 2026-08 revision, when published.
    pub annual_cap: Option<Yen>,
    /// Whether every figure was read in a public source.
    pub confirmed: bool,
    /// Why a figure is not confirmed, or other remarks.
    pub note: Option<String>,
    /// Where the figures come from.
    pub source: String,
}

/// One table: the limits in force for service months from `effective_from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HighCostTable {
    /// Table id, e.g. `2026-08`.
    pub id: String,
    /// First day of the first service month the table applies to.
    pub effective_from: NaiveDate,
    /// Whether the whole table is confirmed from public sources.
    pub confirmed: bool,
    /// The table's sources.
    pub source: String,
    /// Where the table was loaded from (file name given to the loader).
    pub source_name: String,
    /// 70歳未満 区分.
    pub under70: Vec<Category>,
    /// 70–74 (高齢受給者) 区分.
    pub over70: Vec<Category>,
}

impl HighCostTable {
    /// The 70歳未満 区分 with this code.
    pub fn under70(&self, code: &str) -> Option<&Category> {
        self.under70.iter().find(|c| c.code == code)
    }

    /// The 70–74 区分 with this code.
    pub fn over70(&self, code: &str) -> Option<&Category> {
        self.over70.iter().find(|c| c.code == code)
    }
}

/// All tables, ordered by `effective_from`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HighCostTables {
    tables: Vec<HighCostTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    id: String,
    effective_from: Spanned<String>,
    confirmed: bool,
    source: String,
    #[serde(default)]
    under70: Vec<Spanned<RawCategory>>,
    #[serde(default)]
    over70: Vec<Spanned<RawCategory>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    code: String,
    income: String,
    base: i64,
    threshold: Option<i64>,
    many_times: Option<i64>,
    outpatient: Option<i64>,
    outpatient_annual: Option<i64>,
    annual_cap: Option<i64>,
    confirmed: bool,
    note: Option<String>,
    source: String,
}

impl HighCostTables {
    /// Loads one table from TOML text; `source_name` names it in errors (e.g. its path).
    /// Errors name the source, the line and the item.
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<HighCostTables, Error> {
        let err =
            |line: usize, item: &str, reason: String| table_error(source_name, line, item, reason);
        let raw: RawTable = parse(text, source_name)?;
        let from_line = line_of(text, raw.effective_from.span().start);
        let effective_from = NaiveDate::parse_from_str(raw.effective_from.get_ref(), "%Y-%m-%d")
            .map_err(|e| {
                err(
                    from_line,
                    "effective_from",
                    format!("expected a date YYYY-MM-DD: {e}"),
                )
            })?;
        if chrono::Datelike::day(&effective_from) != 1 {
            return Err(err(
                from_line,
                "effective_from",
                "tables apply to whole service months: the date must be the 1st".into(),
            ));
        }
        let mut all_confirmed = true;
        let mut convert = |group: &str,
                           list: Vec<Spanned<RawCategory>>|
         -> Result<Vec<Category>, Error> {
            let mut out: Vec<Category> = Vec::with_capacity(list.len());
            for (i, spanned) in list.into_iter().enumerate() {
                let line = line_of(text, spanned.span().start);
                let c = spanned.into_inner();
                let item = |field: &str| format!("{group}[{i}].{field}");
                let positive = |v: Option<i64>, field: &str| -> Result<Option<Yen>, Error> {
                    match v {
                        Some(x) if x <= 0 => Err(err(
                            line,
                            &item(field),
                            format!("must be a positive amount in yen, got {x}"),
                        )),
                        other => Ok(other.map(Yen)),
                    }
                };
                if c.code.trim().is_empty() {
                    return Err(err(line, &item("code"), "must not be empty".into()));
                }
                if out.iter().any(|o| o.code == c.code) {
                    return Err(err(
                        line,
                        &item("code"),
                        format!("duplicate 区分 `{}` in {group}", c.code),
                    ));
                }
                let base = positive(Some(c.base), "base")?.unwrap_or(Yen::ZERO);
                let threshold = positive(c.threshold, "threshold")?;
                let many_times = positive(c.many_times, "many_times")?;
                let outpatient = positive(c.outpatient, "outpatient")?;
                let outpatient_annual = positive(c.outpatient_annual, "outpatient_annual")?;
                let annual_cap = positive(c.annual_cap, "annual_cap")?;
                if group == "under70" && (outpatient.is_some() || outpatient_annual.is_some()) {
                    return Err(err(
                        line,
                        &item("outpatient"),
                        "外来 individual limits exist only for 70–74 (over70)".into(),
                    ));
                }
                if outpatient_annual.is_some() && outpatient.is_none() {
                    return Err(err(
                        line,
                        &item("outpatient_annual"),
                        "an annual 外来 limit needs a monthly `outpatient` limit".into(),
                    ));
                }
                if let (Some(m), None) = (many_times, threshold)
                    && m > base
                {
                    return Err(err(
                        line,
                        &item("many_times"),
                        format!("多数回 limit {m} exceeds the monthly limit {base}"),
                    ));
                }
                if !c.confirmed && c.note.is_none() {
                    return Err(err(
                        line,
                        &item("note"),
                        "an unconfirmed 区分 must say in `note` which figure is unconfirmed".into(),
                    ));
                }
                all_confirmed &= c.confirmed;
                out.push(Category {
                    code: c.code,
                    income: c.income,
                    limit: Limit { base, threshold },
                    many_times,
                    outpatient,
                    outpatient_annual,
                    annual_cap,
                    confirmed: c.confirmed,
                    note: c.note,
                    source: c.source,
                });
            }
            Ok(out)
        };
        let under70 = convert("under70", raw.under70)?;
        let over70 = convert("over70", raw.over70)?;
        if raw.confirmed && !all_confirmed {
            return Err(err(
                1,
                "confirmed",
                "the table says confirmed = true but some 区分 are confirmed = false".into(),
            ));
        }
        Ok(HighCostTables {
            tables: vec![HighCostTable {
                id: raw.id,
                effective_from,
                confirmed: raw.confirmed,
                source: raw.source,
                source_name: source_name.to_owned(),
                under70,
                over70,
            }],
        })
    }

    /// The tables shipped with nhikit (`schemas/rules/high_cost/*.toml`, embedded at build time).
    pub fn embedded() -> Result<HighCostTables, Error> {
        let mut all = HighCostTables::default();
        for (name, text) in EMBEDDED {
            all.extend(HighCostTables::from_toml_str(text, name)?)?;
        }
        Ok(all)
    }

    /// Adds the tables of `other`; two tables may not start on the same date.
    pub fn extend(&mut self, other: HighCostTables) -> Result<(), Error> {
        for t in other.tables {
            if let Some(dup) = self
                .tables
                .iter()
                .find(|x| x.effective_from == t.effective_from)
            {
                return Err(Error::Table {
                    source_name: t.source_name.clone(),
                    line: 0,
                    item: "effective_from".into(),
                    reason: format!(
                        "{} is also the start of table `{}` from {}",
                        t.effective_from, dup.id, dup.source_name
                    ),
                });
            }
            self.tables.push(t);
        }
        self.tables.sort_by_key(|t| t.effective_from);
        Ok(())
    }

    /// The table in force for the service month containing `service_date`.
    pub fn for_date(&self, service_date: NaiveDate) -> Option<&HighCostTable> {
        self.tables
            .iter()
            .rev()
            .find(|t| t.effective_from <= service_date)
    }

    /// All tables, oldest first.
    pub fn tables(&self) -> &[HighCostTable] {
        &self.tables
    }
}
