//! 負担割合 (copay ratio) of an NHI insured person on a service date, by legal age and income.
//!
//! The rules (国民健康保険法第42条第1項; DOMAIN-FACTS.md §4.1, S93–S96):
//! - up to the first March 31 on or after the day the person reaches 6 (未就学): 2割;
//! - from then until the month containing the day the person reaches 70: 3割;
//! - 高齢受給者 (from the 1st of the month after that month until the day before the 75th
//!   birthday): 2割 (一般), or 3割 (現役並み所得) when a 70–74 insured member of the household
//!   has 住民税課税所得 of 145万円 or more — unless the household passes an exception:
//!   - the 70–74 members' 基礎控除後の総所得金額等 total 210万円 or less, or
//!   - 収入 test (基準収入額): one 70–74 member with 収入 under 383万円; or one 70–74 member and
//!     旧国保被保険者 in 後期高齢者医療 (特定同一世帯所属者) with combined 収入 under 520万円; or
//!     two or more 70–74 members with combined 収入 under 520万円;
//! - from the 75th birthday: not NHI (後期高齢者医療).
//!
//! The income facts are those in force on the service date: judged every August 1, on the
//! previous year's income for August–December and on the year before that for January–July
//! ([`income_year_for`]). The 収入 test is applied as if the household had applied for it
//! (基準収入額適用申請). Service dates before 2019-04-01 are refused: the 1割 特例 for people born
//! before 1944-04-02 ran until then and is not modelled.
//!
//! ```
//! use nhikit_core::date::NaiveDate;
//! use nhikit_rules::copay::{CopayRatio, KoureiIncome, copay_ratio};
//!
//! // Born 1956-05-15: 70 on 2026-05-14, 高齢受給者 (2割) from 2026-06-01.
//! let birth = NaiveDate::from_ymd_opt(1956, 5, 15).ok_or("date")?;
//! let income = KoureiIncome { kourei_members: 1, ..KoureiIncome::default() };
//! let may = copay_ratio(birth, NaiveDate::from_ymd_opt(2026, 5, 31).ok_or("date")?, &income)?;
//! let june = copay_ratio(birth, NaiveDate::from_ymd_opt(2026, 6, 1).ok_or("date")?, &income)?;
//! assert_eq!(may.ratio, Some(CopayRatio::ThreeTenths));
//! assert_eq!(june.ratio, Some(CopayRatio::TwoTenths));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::Error;
use crate::eligibility::{koki_koreisha_date, kourei_jukyusha_start, mishugaku_until};
use crate::explain::Derivation;
use crate::high_cost::trace::{Trace, step};
use chrono::Datelike;
use nhikit_core::Yen;
use nhikit_core::date::{NaiveDate, age_on};
use serde::{Deserialize, Serialize};
use std::fmt;

/// 課税所得 threshold of 現役並み所得 (145万円).
const GENEKI_TAXABLE: Yen = Yen(1_450_000);
/// 基礎控除後の総所得金額等 total at or below which a household stays 一般 (210万円).
const GENEKI_BASIC_INCOME: Yen = Yen(2_100_000);
/// 収入 under which one 70–74 member stays 一般 (383万円).
const REVENUE_SINGLE: Yen = Yen(3_830_000);
/// 収入 under which two people stay 一般 (520万円).
const REVENUE_PAIR: Yen = Yen(5_200_000);

/// A copay ratio (負担割合).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum CopayRatio {
    /// 2割 (20%).
    #[serde(rename = "2割")]
    TwoTenths,
    /// 3割 (30%).
    #[serde(rename = "3割")]
    ThreeTenths,
}

impl CopayRatio {
    /// The ratio in percent (20 or 30).
    pub const fn percent(self) -> u32 {
        match self {
            CopayRatio::TwoTenths => 20,
            CopayRatio::ThreeTenths => 30,
        }
    }
}

impl fmt::Display for CopayRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CopayRatio::TwoTenths => "2割",
            CopayRatio::ThreeTenths => "3割",
        })
    }
}

/// Why a person has the ratio they have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CopayCategory {
    /// 未就学児: 2割.
    Mishugaku,
    /// From school age to 69 (and 70 until 高齢受給者 starts): 3割.
    General,
    /// 高齢受給者, 一般 (including 現役並み households saved by an exception): 2割.
    KoureiIppan,
    /// 高齢受給者, 現役並み所得: 3割.
    KoureiGenekiNami,
    /// From the 75th birthday the person is in 後期高齢者医療, not NHI: no NHI ratio.
    KokiKoreisha,
}

/// The household income facts the 70–74 test needs (all amounts of the judging year).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct KoureiIncome {
    /// The highest 住民税課税所得 among the household's 70–74 insured members.
    #[schemars(with = "i64")]
    pub taxable_income_max: Yen,
    /// Number of 70–74 insured members in the household (including the person).
    pub kourei_members: u32,
    /// Combined 収入 of the 70–74 insured members.
    #[schemars(with = "i64")]
    pub revenue_kourei_total: Yen,
    /// Number of 旧国保被保険者 now in 後期高齢者医療 who stay in the household (特定同一世帯所属者).
    pub former_koki_members: u32,
    /// Combined 収入 of those 特定同一世帯所属者.
    #[schemars(with = "i64")]
    pub revenue_former_total: Yen,
    /// The 70–74 members' 基礎控除後の総所得金額等 total, when known.
    #[schemars(with = "Option<i64>")]
    pub basic_income_total: Option<Yen>,
}

/// The copay ratio of one person on one service date, with its derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopayResult {
    /// The ratio; `None` when the person is not NHI-insured on that date (後期高齢者医療).
    pub ratio: Option<CopayRatio>,
    /// Which rule gave it.
    pub category: CopayCategory,
    /// Legal age on the service date.
    pub age: u32,
    /// The steps taken.
    pub derivation: Derivation,
}

/// The calendar year whose income decides the 70–74 ratio on `service_date`: the previous year
/// for August–December, the year before that for January–July (判定 on each August 1).
pub fn income_year_for(service_date: NaiveDate) -> i32 {
    if service_date.month() >= 8 {
        service_date.year() - 1
    } else {
        service_date.year() - 2
    }
}

/// The copay ratio of a person born on `birth` for care on `service_date`, with its derivation;
/// `income` matters only for 高齢受給者 (70–74).
pub fn copay_ratio(
    birth: NaiveDate,
    service_date: NaiveDate,
    income: &KoureiIncome,
) -> Result<CopayResult, Error> {
    copay_ratio_with(birth, service_date, income, true)
}

/// [`copay_ratio`], building the derivation only when `explain` (for hot paths).
pub fn copay_ratio_with(
    birth: NaiveDate,
    service_date: NaiveDate,
    income: &KoureiIncome,
    explain: bool,
) -> Result<CopayResult, Error> {
    if service_date < birth {
        return Err(Error::InvalidInput {
            item: "service_date".into(),
            reason: format!("{service_date} is before the birth date {birth}"),
        });
    }
    let earliest = NaiveDate::from_ymd_opt(2019, 4, 1).unwrap_or(NaiveDate::MIN);
    if service_date < earliest {
        return Err(Error::InvalidInput {
            item: "service_date".into(),
            reason: format!(
                "{service_date} is before 2019-04-01; the earlier 70–74 1割 特例 is not modelled"
            ),
        });
    }
    let age = age_on(birth, service_date);
    let mut tr = Trace::new(explain);
    let mishugaku = mishugaku_until(birth)?;
    let kourei = kourei_jukyusha_start(birth)?;
    let koki = koki_koreisha_date(birth)?;
    step!(
        tr,
        "年齢",
        "年齢計算ニ関スル法律: the age increases at the end of the day before the birthday",
        format!("birth {birth}, service date {service_date}"),
        None,
    );
    let done = |ratio, category, der| CopayResult {
        ratio,
        category,
        age,
        derivation: der,
    };
    if service_date >= koki {
        step!(
            tr,
            "資格",
            "後期高齢者医療 from the 75th birthday; NHI lost that day",
            format!("後期高齢者医療 from {koki}"),
            None,
        );
        return Ok(done(None, CopayCategory::KokiKoreisha, tr.der));
    }
    if service_date <= mishugaku {
        step!(
            tr,
            "負担割合",
            "未就学: 2割 up to the first March 31 on or after the day the child reaches 6 (国保法42条1項2号)",
            format!("未就学 until {mishugaku}"),
            None,
        );
        return Ok(done(
            Some(CopayRatio::TwoTenths),
            CopayCategory::Mishugaku,
            tr.der,
        ));
    }
    if service_date < kourei {
        step!(
            tr,
            "負担割合",
            "3割 from school age to the month containing the day the person reaches 70 (国保法42条1項1号)",
            format!("未就学 ended {mishugaku}; 高齢受給者 from {kourei}"),
            None,
        );
        return Ok(done(
            Some(CopayRatio::ThreeTenths),
            CopayCategory::General,
            tr.der,
        ));
    }
    step!(
        tr,
        "資格",
        "高齢受給者 from the 1st of the month after the month containing the day the person reaches 70",
        format!("高齢受給者 from {kourei}, until {koki}"),
        None,
    );
    let category = kourei_category(income, &mut tr)?;
    let ratio = match category {
        CopayCategory::KoureiGenekiNami => CopayRatio::ThreeTenths,
        _ => CopayRatio::TwoTenths,
    };
    Ok(done(Some(ratio), category, tr.der))
}

/// 一般 or 現役並み for a 70–74 household.
fn kourei_category(income: &KoureiIncome, tr: &mut Trace) -> Result<CopayCategory, Error> {
    if income.kourei_members == 0 {
        return Err(Error::InvalidInput {
            item: "income.kourei_members".into(),
            reason: "a 70–74 person is in the household, so it must be at least 1".into(),
        });
    }
    if income.taxable_income_max < GENEKI_TAXABLE {
        step!(
            tr,
            "負担割合",
            "70–74: 2割 unless a 70–74 member has 住民税課税所得 of 145万円 or more",
            format!("課税所得 (max) {}", income.taxable_income_max),
            None,
        );
        return Ok(CopayCategory::KoureiIppan);
    }
    if let Some(total) = income.basic_income_total
        && total <= GENEKI_BASIC_INCOME
    {
        step!(
            tr,
            "負担割合",
            "70–74 with 課税所得 ≥ 145万円: still 2割 when the 70–74 members' 基礎控除後の総所得金額等 total is 210万円 or less",
            format!("基礎控除後の総所得金額等 {total}"),
            None,
        );
        return Ok(CopayCategory::KoureiIppan);
    }
    let kourei = income.revenue_kourei_total;
    let exception = if income.kourei_members == 1 {
        if kourei < REVENUE_SINGLE {
            Some(format!("one 70–74 member, 収入 {kourei} < 383万円"))
        } else if income.former_koki_members > 0
            && kourei + income.revenue_former_total < REVENUE_PAIR
        {
            Some(format!(
                "one 70–74 member and 特定同一世帯所属者, 収入 {} < 520万円",
                kourei + income.revenue_former_total
            ))
        } else {
            None
        }
    } else if kourei < REVENUE_PAIR {
        Some(format!(
            "{} 70–74 members, 収入 {kourei} < 520万円",
            income.kourei_members
        ))
    } else {
        None
    };
    match exception {
        Some(why) => {
            step!(
                tr,
                "負担割合",
                "70–74 with 課税所得 ≥ 145万円: 2割 under the 収入 test (383万円 one person / 520万円 two or more)",
                why,
                None,
            );
            Ok(CopayCategory::KoureiIppan)
        }
        None => {
            step!(
                tr,
                "負担割合",
                "70–74 現役並み所得: 3割 (課税所得 ≥ 145万円, no exception applies)",
                format!(
                    "課税所得 (max) {}, 収入 {}, 70–74 members {}",
                    income.taxable_income_max, kourei, income.kourei_members
                ),
                None,
            );
            Ok(CopayCategory::KoureiGenekiNami)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::d;

    // 判定 on August 1 (DOMAIN-FACTS §4.1): July 2026 uses 2024 income, August 2026 uses 2025.
    #[test]
    fn income_year_switches_in_august() {
        assert_eq!(income_year_for(d(2026, 7, 31)), 2024);
        assert_eq!(income_year_for(d(2026, 8, 1)), 2025);
    }
}
