//! The referee: the conformance oracle (`nhikit_conform::oracle`) for `assess`, `copay_ratio`
//! and `lookup_person`, extended here, from the same records, to `lookup_household` (the
//! members living on the date, each as `lookup_person` answers) and `issue_certificate` (the
//! qualification in force, the ratio for the person alone, the 有効期限 rule), and the
//! derivation (rule and inputs) of each answer for the reports.

use crate::source::{HouseholdCase, str_of};
use nhikit_conform::data::Model;
use nhikit_conform::oracle::{Answer, Oracle};
use nhikit_core::date::NaiveDate;
use nhikit_rules::copay::KoureiIncome;
use nhikit_target::{
    AssessRequest, CertificateRequest, CopayRequest, ErrorCode, HighCostRequest, HouseholdQuery,
    PersonQuery,
};
use serde_json::{Value, json};

/// The oracle with the compare-only answers.
pub struct Referee {
    oracle: Oracle,
}

fn date_of(r: &nhikit_conform::data::Rec, item: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(str_of(r, item), "%Y-%m-%d").ok()
}

fn in_force(q: &nhikit_conform::data::Rec, d: NaiveDate) -> bool {
    date_of(q, "acquisition_date").is_some_and(|a| a <= d)
        && date_of(q, "loss_date").is_none_or(|l| l > d)
}

impl Referee {
    /// The built-in rules.
    pub fn builtin() -> Result<Referee, crate::Error> {
        Ok(Referee {
            oracle: Oracle::builtin().map_err(crate::Error::Oracle)?,
        })
    }

    /// `assess` (the request must name `rates`).
    pub fn assess(&self, model: &Model, req: &AssessRequest) -> Result<Answer, crate::Error> {
        self.oracle.assess(model, req).map_err(crate::Error::Oracle)
    }

    /// `copay_ratio`.
    pub fn copay(&self, model: &Model, req: &CopayRequest) -> Result<Answer, crate::Error> {
        self.oracle.copay(model, req).map_err(crate::Error::Oracle)
    }

    /// `high_cost_limit` (高額療養費 of one household month).
    pub fn high_cost(&self, req: &HighCostRequest) -> Result<Answer, crate::Error> {
        self.oracle.high_cost(req).map_err(crate::Error::Oracle)
    }

    /// `lookup_person`.
    pub fn lookup_person(&self, model: &Model, req: &PersonQuery) -> Result<Answer, crate::Error> {
        self.oracle
            .lookup_person(model, req)
            .map_err(crate::Error::Oracle)
    }

    /// `lookup_household`: the household's items, `fictive_head` when the 世帯主 is not among the
    /// members insured on the date, and the members living on it (born on or before it, not
    /// dead before it), in 宛名番号 order, each as [`Referee::lookup_person`] answers.
    pub fn lookup_household(
        &self,
        case: &HouseholdCase,
        model: &Model,
        q: &HouseholdQuery,
    ) -> Result<Answer, crate::Error> {
        let h = &case.household;
        if str_of(h, "lgcode") != q.lgcode || str_of(h, "household_number") != q.household_number {
            return Ok(Answer::Error(ErrorCode::NotFound));
        }
        let head = str_of(h, "head_address_number");
        let mut persons: Vec<_> = case
            .persons
            .iter()
            .filter(|p| {
                date_of(p, "birth_date").is_some_and(|b| b <= q.as_of)
                    && date_of(p, "death_date").is_none_or(|d| d >= q.as_of)
            })
            .collect();
        persons.sort_by(|a, b| str_of(a, "address_number").cmp(str_of(b, "address_number")));
        let mut members = Vec::new();
        let mut head_insured = false;
        for p in persons {
            let an = str_of(p, "address_number");
            let answer = self.lookup_person(
                model,
                &PersonQuery {
                    lgcode: q.lgcode.clone(),
                    address_number: Some(an.to_owned()),
                    mynumber: None,
                    as_of: q.as_of,
                },
            )?;
            let Answer::Response(v) = answer else {
                continue;
            };
            if an == head && v.get("insured") == Some(&Value::Bool(true)) {
                head_insured = true;
            }
            members.push(v);
        }
        Ok(Answer::Response(json!({
            "lgcode": q.lgcode,
            "household_number": q.household_number,
            "insurer_number": str_of(h, "insurer_number"),
            "head_address_number": head,
            "head_name": str_of(h, "head_name"),
            "fictive_head": !head_insured,
            "address": str_of(h, "address"),
            "members": members,
        })))
    }

    /// `issue_certificate`: the qualification in force on the 交付日 (else `not_insured`), the
    /// ratio of the person alone (70–74: 一般; 後期高齢者医療: `not_insured`), and 有効期限 =
    /// the next July 31 or the day before the 75th birthday (後期高齢者医療 from the birthday),
    /// whichever comes first (docs/target-interface.md).
    pub fn certificate(
        &self,
        case: &HouseholdCase,
        model: &Model,
        req: &CertificateRequest,
    ) -> Result<Answer, crate::Error> {
        let Some(p) = case
            .persons
            .iter()
            .find(|p| str_of(p, "address_number") == req.address_number)
        else {
            return Ok(Answer::Error(ErrorCode::NotFound));
        };
        let Some(q) = case.qualifications.iter().rfind(|q| {
            str_of(q, "address_number") == req.address_number && in_force(q, req.issue_date)
        }) else {
            return Ok(Answer::Error(ErrorCode::NotInsured));
        };
        let copay = self.copay(
            model,
            &CopayRequest {
                lgcode: req.lgcode.clone(),
                address_number: req.address_number.clone(),
                service_date: req.issue_date,
                income: alone(),
            },
        )?;
        let percent = match copay {
            Answer::Error(c) => return Ok(Answer::Error(c)),
            Answer::Response(v) => match v.get("ratio").and_then(Value::as_str) {
                Some("2割") => 20,
                Some("3割") => 30,
                _ => return Ok(Answer::Error(ErrorCode::NotInsured)),
            },
        };
        let Some(birth) = date_of(p, "birth_date") else {
            return Err(crate::Error::Oracle(format!(
                "person {} has no birth_date",
                req.address_number
            )));
        };
        let valid_until = valid_until(birth, req.issue_date);
        let get = |r: &nhikit_conform::data::Rec, k: &str| r.get(k).cloned().unwrap_or(Value::Null);
        Ok(Answer::Response(json!({
            "insurer_number": get(q, "insurer_number"),
            "insured_symbol": get(q, "insured_symbol"),
            "insured_number": get(q, "insured_number"),
            "edaban": get(q, "edaban"),
            "name": get(q, "name"),
            "name_kana": get(q, "name_kana"),
            "birth_date": get(p, "birth_date"),
            "sex": get(p, "sex"),
            "head_name": get(&case.household, "head_name"),
            "address": get(&case.household, "address"),
            "acquisition_date": get(q, "acquisition_date"),
            "copay_percent": percent,
            "issue_date": req.issue_date.to_string(),
            "valid_until": valid_until.to_string(),
        })))
    }
}

/// The 70–74 income facts of a person counted alone (the certificate's and the copay calls').
pub fn alone() -> KoureiIncome {
    KoureiIncome {
        kourei_members: 1,
        ..KoureiIncome::default()
    }
}

/// 有効期限: the next July 31 (一斉更新) or the day before 後期高齢者医療 starts, the earlier.
fn valid_until(birth: NaiveDate, issue: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let year = if issue.month() <= 7 {
        issue.year()
    } else {
        issue.year() + 1
    };
    let renewal = NaiveDate::from_ymd_opt(year, 7, 31).unwrap_or(issue);
    nhikit_rules::eligibility::koki_koreisha_date(birth)
        .ok()
        .and_then(|d| d.pred_opt())
        .map_or(renewal, |d| d.min(renewal))
}

/// The rule and inputs behind an oracle answer of an operation, for the reports: the rules
/// crate's derivation where it gives one (負担割合), else the rule in words and its inputs.
pub fn derivation(op: &str, case: &HouseholdCase, request: &Value) -> String {
    let quals = |an: &str| -> String {
        case.qualifications
            .iter()
            .filter(|q| str_of(q, "address_number") == an)
            .map(|q| {
                format!(
                    "{}〜{}",
                    str_of(q, "acquisition_date"),
                    str_of(q, "loss_date")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let person = |an: &str| {
        case.persons
            .iter()
            .find(|p| str_of(p, "address_number") == an)
    };
    let an = request
        .get("address_number")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match op {
        "assess" => {
            let members: Vec<String> = case
                .persons
                .iter()
                .map(|p| {
                    let an = str_of(p, "address_number");
                    format!(
                        "{an} (born {}, {}qualifications {})",
                        str_of(p, "birth_date"),
                        if an == str_of(&case.household, "head_address_number") {
                            "世帯主, "
                        } else {
                            ""
                        },
                        quals(an)
                    )
                })
                .collect();
            format!(
                "rule: nhikit_rules::premium::assess — per part (医療分, 後期高齢者支援金等分, \
                 介護納付金分, 子ども・子育て支援納付金分) 所得割 + 均等割 + 平等割, 法定軽減 on the \
                 軽減判定所得 (擬制世帯主 included), 未就学児 ½ of the 均等割, 月割 by the months \
                 insured, 100円未満切捨て per part, 賦課限度額 per part (docs/oracle.md)\n\
                 inputs: fiscal year {}, rates {}, incomes {}, members: {}",
                request.get("fiscal_year").unwrap_or(&Value::Null),
                request
                    .get("rates")
                    .and_then(Value::as_str)
                    .unwrap_or("(assigned)"),
                request
                    .get("incomes")
                    .map_or("none".into(), Value::to_string),
                members.join("; ")
            )
        }
        "copay_ratio" | "issue_certificate" => {
            let date = request
                .get("service_date")
                .or_else(|| request.get("issue_date"))
                .and_then(Value::as_str)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            let birth = person(an).and_then(|p| date_of(p, "birth_date"));
            let mut out = String::new();
            if let (Some(b), Some(d)) = (birth, date) {
                match nhikit_rules::copay::copay_ratio(b, d, &alone()) {
                    Ok(r) => out.push_str(&r.derivation.to_text()),
                    Err(e) => out.push_str(&format!("copay_ratio: {e}\n")),
                }
                if op == "issue_certificate" {
                    out.push_str(&format!(
                        "valid_until = min(next July 31 after {d}, the day before the 75th \
                         birthday of {b}) = {}\n",
                        valid_until(b, d)
                    ));
                }
            }
            format!(
                "{out}rule: the qualification in force on the date (資格取得日 ≤ date < \
                 資格喪失日) must exist (else not_insured)\ninputs: person {an} born {}, \
                 qualifications {}",
                person(an).map_or("", |p| str_of(p, "birth_date")),
                quals(an)
            )
        }
        "lookup_person" => format!(
            "rule: the person is found from the birth date on; the qualification is the one in \
             force on as_of (資格取得日 ≤ as_of < 資格喪失日), none → insured = false\n\
             inputs: as_of {}, person {an} born {}, qualifications {}",
            request.get("as_of").and_then(Value::as_str).unwrap_or(""),
            person(an).map_or("", |p| str_of(p, "birth_date")),
            quals(an)
        ),
        "lookup_household" => format!(
            "rule: members are the persons born on or before as_of and not dead before it, in \
             宛名番号 order, each as lookup_person answers; fictive_head (擬制世帯主) when the \
             世帯主 is not an insured member on as_of\ninputs: as_of {}, 世帯主 {}, persons: {}",
            request.get("as_of").and_then(Value::as_str).unwrap_or(""),
            str_of(&case.household, "head_address_number"),
            case.persons
                .iter()
                .map(|p| {
                    let an = str_of(p, "address_number");
                    format!(
                        "{an} (born {}, died {}, qualifications {})",
                        str_of(p, "birth_date"),
                        str_of(p, "death_date"),
                        quals(an)
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
        "high_cost_limit" => {
            let steps = serde_json::from_value::<HighCostRequest>(request.clone())
                .map_err(|e| e.to_string())
                .and_then(|q| q.household_month().map_err(|e| e.to_string()))
                .and_then(|m| {
                    let tables = nhikit_rules::high_cost::HighCostTables::embedded()
                        .map_err(|e| e.to_string())?;
                    nhikit_rules::high_cost::compute_month(&tables, &m).map_err(|e| e.to_string())
                });
            let row = case
                .high_costs
                .iter()
                .find(|h| json(&h.request) == *request)
                .map_or(String::new(), |h| format!("申請番号 {}, ", h.claim_number));
            format!(
                "{}rule: nhikit_rules::high_cost::compute_month — the limit of the 所得区分 in the \
                 table of the service month (多数回該当: the 多数回 limit), 高額療養費 = the copays \
                 above it (docs/oracle.md 高額療養費)\ninputs: {row}{}",
                steps.map_or_else(
                    |e| format!("compute_month: {e}\n"),
                    |r| r.derivation.to_text()
                ),
                request
            )
        }
        _ => String::new(),
    }
}

fn json(q: &HighCostRequest) -> Value {
    serde_json::to_value(q).unwrap_or(Value::Null)
}
