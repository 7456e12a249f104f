//! The requests and responses of the [`crate::Target`] operations. Dates are `YYYY-MM-DD`
//! strings, months `YYYY-MM`, amounts whole yen; unknown fields are rejected.

use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use nhikit_rules::copay::{CopayCategory, CopayRatio, KoureiIncome};
use nhikit_rules::high_cost::{Claim, HouseholdMonth};
use nhikit_rules::premium::{Income, Reduction, SpecifiedHousehold};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `YYYY-MM-DD` dates in JSON.
pub mod iso_date {
    use nhikit_core::date::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `YYYY-MM-DD`.
    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&d.format("%Y-%m-%d"))
    }

    /// Reads `YYYY-MM-DD`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a date YYYY-MM-DD")))
    }

    /// `Option<NaiveDate>` as `YYYY-MM-DD` or `null`.
    pub mod option {
        use nhikit_core::date::NaiveDate;
        use serde::{Deserialize, Deserializer, Serializer};

        /// Writes `YYYY-MM-DD` or `null`.
        pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => s.collect_str(&d.format("%Y-%m-%d")),
                None => s.serialize_none(),
            }
        }

        /// Reads `YYYY-MM-DD` or `null`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
            let text = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
            match text {
                None => Ok(None),
                Some(t) => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| {
                        serde::de::Error::custom(format!("{t:?} is not a date YYYY-MM-DD"))
                    }),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// import / export

/// `import`: a dataset directory written by `nhikit gen` (read through its `manifest.json`),
/// or a list of files. Exactly one of `dataset` and `files`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// A dataset directory with a `manifest.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<PathBuf>,
    /// Files, each with its entity and format.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ImportFile>,
}

/// One file of an `import` by files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportFile {
    /// The file. Its partition (`prefecture=PP[/municipality=CCCCCC]/part-NNNNN`) is taken from
    /// the path when present, so that an export writes the records back to the same place.
    pub path: PathBuf,
    /// The entity id (`household`, `person`, `qualification`, `insurer`, …).
    pub entity: String,
    /// `parquet`, `arrow`, `jsonl` or `csv`.
    pub format: String,
    /// For CSV: the layout id (default `<entity>_csv`, which has every item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
}

/// What an accepted import stored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportResponse {
    /// Files read.
    pub files: u64,
    /// Records stored per entity.
    pub records: BTreeMap<String, u64>,
}

/// `export`: write every record held, in the standard CSV layouts (`schemas/layouts/*.toml`:
/// the `<entity>_csv` layouts and the exchange layouts such as `shikaku_kojin`), as a dataset
/// directory `dir` with a `manifest.json`, partitioned as the records were imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// The output directory; must not exist or be empty unless `overwrite`.
    pub dir: PathBuf,
    /// Replace a non-empty `dir`.
    #[serde(default)]
    pub overwrite: bool,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExportResponse {
    /// Data files written (all layouts).
    pub files: u64,
    /// Records written per entity (once per record, not per layout).
    pub records: BTreeMap<String, u64>,
}

// ---------------------------------------------------------------------------------------------
// events

/// The kind of a qualification event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// 資格取得: opens a qualification on `date`.
    Acquisition,
    /// 資格喪失: closes the open qualification; `date` is the 資格喪失日 (for a death, the day
    /// after it).
    Loss,
    /// 変更: changes the person's name or reading (氏名変更) from `date`.
    Change,
}

/// `register_event`: a 資格取得, 喪失 or 変更 of one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRequest {
    /// 地方公共団体コード (6 digits with check digit).
    pub lgcode: String,
    /// 宛名番号.
    pub address_number: String,
    /// What happens.
    pub kind: EventKind,
    /// 異動日: the 資格取得日, 資格喪失日 or the date of the change.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub date: NaiveDate,
    /// 届出日 (default: `date`).
    #[serde(
        default,
        with = "iso_date::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>", extend("format" = "date"))]
    pub notified: Option<NaiveDate>,
    /// Reason code: 資格取得事由 (`acquisition_reason`, e.g. `01` 転入) for an acquisition,
    /// 資格喪失事由 (`loss_reason`, e.g. `11` 転出) for a loss; required for those two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a change: the new 氏名.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a change: the new 氏名カナ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
}

/// The qualification an event created or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventResponse {
    /// The qualification after the event.
    pub qualification: Qualification,
}

// ---------------------------------------------------------------------------------------------
// lookups

/// `lookup_person`: by `lgcode` + `address_number` (宛名番号), or by `mynumber` (個人番号).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonQuery {
    /// 地方公共団体コード (with `address_number`; optional with `mynumber`).
    #[serde(default)]
    pub lgcode: String,
    /// 宛名番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_number: Option<String>,
    /// 個人番号, instead of the 宛名番号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mynumber: Option<String>,
    /// The date the answer is as of.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub as_of: NaiveDate,
}

/// A person (宛名) as held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Person {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 宛名番号.
    pub address_number: String,
    /// 世帯番号.
    pub household_number: String,
    /// 個人番号.
    pub mynumber: Option<String>,
    /// 氏名.
    pub name: String,
    /// 氏名カナ.
    pub name_kana: String,
    /// 生年月日.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub birth_date: NaiveDate,
    /// 性別 code.
    pub sex: String,
    /// 続柄 code.
    pub relationship: String,
    /// 死亡年月日.
    #[serde(with = "iso_date::option")]
    #[schemars(with = "Option<String>", extend("format" = "date"))]
    pub death_date: Option<NaiveDate>,
}

/// A qualification (被保険者資格) as held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Qualification {
    /// 資格履歴番号.
    pub seq: i64,
    /// 保険者番号.
    pub insurer_number: String,
    /// 世帯番号.
    pub household_number: String,
    /// 被保険者記号.
    pub insured_symbol: Option<String>,
    /// 被保険者番号.
    pub insured_number: String,
    /// 枝番.
    pub edaban: String,
    /// 氏名.
    pub name: String,
    /// 氏名カナ.
    pub name_kana: String,
    /// 資格取得日.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub acquisition_date: NaiveDate,
    /// 資格取得事由 code.
    pub acquisition_reason: String,
    /// 資格喪失日.
    #[serde(with = "iso_date::option")]
    #[schemars(with = "Option<String>", extend("format" = "date"))]
    pub loss_date: Option<NaiveDate>,
    /// 資格喪失事由 code.
    pub loss_reason: Option<String>,
}

/// A person as of a date, with the qualification in force that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PersonResponse {
    /// The person.
    pub person: Person,
    /// Whether the person is insured on `as_of`.
    pub insured: bool,
    /// The qualification in force on `as_of`, if any.
    pub qualification: Option<Qualification>,
}

/// `lookup_household`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdQuery {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 世帯番号.
    pub household_number: String,
    /// The date the answer is as of.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub as_of: NaiveDate,
}

/// A household as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HouseholdResponse {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 世帯番号.
    pub household_number: String,
    /// 保険者番号.
    pub insurer_number: String,
    /// 世帯主の宛名番号.
    pub head_address_number: String,
    /// 世帯主氏名.
    pub head_name: String,
    /// 擬制世帯主: the 世帯主 is not insured on `as_of`.
    pub fictive_head: bool,
    /// 住所.
    pub address: String,
    /// The members living on `as_of` (born, not dead), in 宛名番号 order.
    pub members: Vec<PersonResponse>,
}

// ---------------------------------------------------------------------------------------------
// assessment and benefits

/// `assess`: the premium of a held household for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessRequest {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 世帯番号.
    pub household_number: String,
    /// 年度.
    pub fiscal_year: i32,
    /// A shipped rate set id (`schemas/rules/municipal/`: `natori`, `namegawa`, `kumano`, `rifu`,
    /// `ogaki`, `hiraizumi`, `wanouchi`) to use instead of the
    /// municipality's assigned one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates: Option<String>,
    /// Incomes of the income year per 宛名番号 (members not named have none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub incomes: BTreeMap<String, IncomeFacts>,
    /// 特定世帯 status.
    #[serde(default)]
    pub specified_household: SpecifiedHousehold,
}

/// A member's income of the income year (前年), in yen; every field defaults to 0. The
/// fields are those of the oracle's `members[].income` (`docs/oracle.md`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields, default)]
pub struct IncomeFacts {
    /// 給与収入.
    pub salary_revenue: i64,
    /// 公的年金等収入.
    pub pension_revenue: i64,
    /// Other 所得 in 総所得金額等, net.
    pub other_income: i64,
    /// 分離課税 income in 総所得金額等.
    pub separate_gains: i64,
    /// 譲渡所得の特別控除 taken.
    pub special_deduction: i64,
    /// 固定資産税額.
    pub fixed_asset_tax: i64,
}

impl From<IncomeFacts> for Income {
    fn from(f: IncomeFacts) -> Income {
        Income {
            salary_revenue: f.salary_revenue,
            pension_revenue: f.pension_revenue,
            other_income: f.other_income,
            separate_gains: f.separate_gains,
            special_deduction: f.special_deduction,
            fixed_asset_tax: f.fixed_asset_tax,
        }
    }
}

/// One part of an assessment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct PartAmount {
    /// Whether the part is levied.
    pub levied: bool,
    /// The part's annual amount (capped, prorated, rounded).
    #[schemars(with = "i64")]
    pub amount: Yen,
    /// Whether the cap applied.
    pub capped: bool,
}

/// The premium of a household for a fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AssessResponse {
    /// 年度.
    pub fiscal_year: i32,
    /// The rate set used.
    pub rates: String,
    /// 法定軽減: `none`, `2割`, `5割`, `7割`.
    pub reduction: Reduction,
    /// 軽減判定所得.
    #[schemars(with = "i64")]
    pub judgement_income: Yen,
    /// 医療分.
    pub medical: PartAmount,
    /// 後期高齢者支援金等分.
    pub support: PartAmount,
    /// 介護納付金分.
    pub care: PartAmount,
    /// 子ども・子育て支援納付金分.
    pub child: PartAmount,
    /// The annual premium.
    #[schemars(with = "i64")]
    pub total: Yen,
}

/// `high_cost_limit`: one household's service month (the oracle's `calc high-cost` input).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HighCostRequest {
    /// `YYYY-MM`.
    pub service_month: String,
    /// Under-70 区分 (`ア` … `オ`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under70_category: Option<String>,
    /// 70–74 区分 (`一般`, `現役並みⅠ` …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over70_category: Option<String>,
    /// 多数回該当.
    #[serde(default)]
    pub many_times: bool,
    /// 75歳到達月の特例: labels of the persons concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turning_75: Vec<String>,
    /// The month's claims.
    pub claims: Vec<Claim>,
}

impl HighCostRequest {
    /// The oracle's input for this request (`nhikit_rules::high_cost::compute_month`): the one
    /// conversion the reference target, the conformance oracle and `nhikit calc high-cost` share.
    /// An invalid `service_month` is an [`crate::ErrorCode::InvalidRequest`] naming the item.
    pub fn household_month(&self) -> Result<HouseholdMonth, crate::TargetError> {
        let service_month =
            NaiveDate::parse_from_str(&format!("{}-01", self.service_month), "%Y-%m-%d").map_err(
                |_| {
                    crate::TargetError::invalid(
                        "service_month",
                        format!("{:?} is not a month YYYY-MM", self.service_month),
                    )
                },
            )?;
        Ok(HouseholdMonth {
            service_month,
            under70_category: self.under70_category.clone(),
            over70_category: self.over70_category.clone(),
            many_times: self.many_times,
            claims: self.claims.clone(),
            turning_75: self.turning_75.clone(),
        })
    }
}

/// The 高額療養費 of the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HighCostResponse {
    /// The table in force.
    pub table: String,
    /// The 70–74 世帯 limit, when there are 70–74 claims.
    #[schemars(with = "Option<i64>")]
    pub kourei_limit: Option<Yen>,
    /// The under-70 (whole household) limit, when it applies.
    #[schemars(with = "Option<i64>")]
    pub household_limit: Option<Yen>,
    /// 高額療養費 in total.
    #[schemars(with = "i64")]
    pub refund: Yen,
    /// The copays of all claims.
    #[schemars(with = "i64")]
    pub total_copay: Yen,
    /// What the household bears.
    #[schemars(with = "i64")]
    pub burden: Yen,
}

/// `copay_ratio`: a held person on a service date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CopayRequest {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 宛名番号.
    pub address_number: String,
    /// 診療日.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub service_date: NaiveDate,
    /// The household's 70–74 income facts (needed for 70–74 only).
    #[serde(default)]
    pub income: KoureiIncome,
}

/// 負担割合.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CopayResponse {
    /// `2割`, `3割`, or `null` from the 75th birthday (後期高齢者医療).
    pub ratio: Option<CopayRatio>,
    /// Which rule gave it.
    pub category: CopayCategory,
    /// Legal age on the service date.
    pub age: u32,
}

/// `issue_certificate`: the 資格確認書 of an insured person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequest {
    /// 地方公共団体コード.
    pub lgcode: String,
    /// 宛名番号.
    pub address_number: String,
    /// 交付日; the person must be insured that day.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub issue_date: NaiveDate,
}

/// The items printed on a 資格確認書.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CertificateResponse {
    /// 保険者番号.
    pub insurer_number: String,
    /// 被保険者記号.
    pub insured_symbol: Option<String>,
    /// 被保険者番号.
    pub insured_number: String,
    /// 枝番.
    pub edaban: String,
    /// 氏名.
    pub name: String,
    /// 氏名カナ.
    pub name_kana: String,
    /// 生年月日.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub birth_date: NaiveDate,
    /// 性別 code.
    pub sex: String,
    /// 世帯主氏名.
    pub head_name: String,
    /// 住所.
    pub address: String,
    /// 資格取得日.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub acquisition_date: NaiveDate,
    /// 一部負担金の割合 on the issue date, in percent (20 or 30).
    pub copay_percent: u32,
    /// 交付日.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub issue_date: NaiveDate,
    /// 有効期限: the day before the 75th birthday, or the next July 31 (一斉更新), whichever
    /// comes first.
    #[serde(with = "iso_date")]
    #[schemars(with = "String", extend("format" = "date"))]
    pub valid_until: NaiveDate,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TargetError;

    /// The one request → oracle conversion: the month's first day, the fields as given; a bad
    /// month is an `invalid_request` naming `service_month`.
    #[test]
    fn a_high_cost_request_converts_to_the_oracle_month() {
        let mut req: HighCostRequest = serde_json::from_str(
            r#"{"service_month":"2025-10","under70_category":"ウ","many_times":true,
                "claims":[{"person":"1","age_group":"under70","setting":"入院",
                           "medical_cost":1000000,"copay":300000}]}"#,
        )
        .unwrap();
        let m = req.household_month().unwrap();
        assert_eq!(
            m.service_month,
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()
        );
        assert_eq!(m.under70_category.as_deref(), Some("ウ"));
        assert!(m.many_times && m.over70_category.is_none());
        assert_eq!(m.claims, req.claims);
        req.service_month = "2025-13".into();
        let e = req.household_month().unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidRequest);
        assert_eq!(e.item.as_deref(), Some("service_month"));
    }

    /// The examples of `docs/target-interface.md`, as (marker, JSON text).
    fn examples() -> Vec<(String, String)> {
        let doc = include_str!("../../../docs/target-interface.md");
        let mut out = Vec::new();
        let mut lines = doc.lines();
        while let Some(line) = lines.next() {
            let Some(marker) = line
                .strip_prefix("<!-- target-example ")
                .and_then(|m| m.strip_suffix(" -->"))
            else {
                continue;
            };
            assert_eq!(lines.next(), Some("```json"), "{marker}");
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            out.push((marker.to_owned(), body.join("\n")));
        }
        out
    }

    fn parse<T: serde::de::DeserializeOwned + Serialize>(marker: &str, text: &str) {
        let value: T = serde_json::from_str(text).unwrap_or_else(|e| panic!("{marker}: {e}"));
        // And back: what is written reads again.
        let again = serde_json::to_string(&value).unwrap_or_default();
        serde_json::from_str::<T>(&again).unwrap_or_else(|e| panic!("{marker} (again): {e}"));
    }

    #[test]
    fn docs_examples_parse() {
        let examples = examples();
        assert!(examples.len() >= 20);
        for (marker, text) in &examples {
            let kind = marker.split(' ').next().unwrap_or_default();
            let name = marker.split(' ').nth(1).unwrap_or_default();
            match (kind, name) {
                ("error", _) => parse::<TargetError>(marker, text),
                ("request", "import" | "import-files") => parse::<ImportRequest>(marker, text),
                ("response", "import") => parse::<ImportResponse>(marker, text),
                ("request", "export") => parse::<ExportRequest>(marker, text),
                ("response", "export") => parse::<ExportResponse>(marker, text),
                ("request", n) if n.starts_with("event") => parse::<EventRequest>(marker, text),
                ("response", "event") => parse::<EventResponse>(marker, text),
                ("request", "person" | "person-mynumber") => parse::<PersonQuery>(marker, text),
                ("response", "person") => parse::<PersonResponse>(marker, text),
                ("request", "household") => parse::<HouseholdQuery>(marker, text),
                ("response", "household") => parse::<HouseholdResponse>(marker, text),
                ("request", "assess") => parse::<AssessRequest>(marker, text),
                ("response", "assess") => parse::<AssessResponse>(marker, text),
                ("request", "high-cost") => parse::<HighCostRequest>(marker, text),
                ("response", "high-cost") => parse::<HighCostResponse>(marker, text),
                ("request", "copay") => parse::<CopayRequest>(marker, text),
                ("response", "copay") => parse::<CopayResponse>(marker, text),
                ("request", "certificate") => parse::<CertificateRequest>(marker, text),
                ("response", "certificate") => parse::<CertificateResponse>(marker, text),
                _ => panic!("unknown example marker {marker}"),
            }
        }
    }

    #[test]
    fn unknown_fields_and_bad_dates_are_refused() {
        assert!(
            serde_json::from_str::<PersonQuery>(
                r#"{ "lgcode": "131016", "address_number": "1", "as_of": "2026-04-01", "x": 1 }"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<PersonQuery>(
                r#"{ "lgcode": "131016", "address_number": "1", "as_of": "2026-02-30" }"#
            )
            .is_err()
        );
    }

    #[test]
    fn error_codes_serialize_as_their_names() {
        for code in crate::ErrorCode::ALL {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::String(code.name().to_owned()))
            );
        }
    }
}
