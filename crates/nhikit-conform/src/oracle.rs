//! What a target must answer, computed by the oracle (`nhikit-rules`) from the scenario's data
//! model — never from the target. Each answer is the JSON the target's response must contain.
//!
//! `assess` builds the oracle's documented `calc premium` request (`docs/oracle.md`) from the
//! household's records: members living in the fiscal year who are insured at some time in it
//! (or the 世帯主, insured or not: 擬制世帯主), with 資格取得日/喪失日 inside the year.

use crate::data::{Model, in_force};
use crate::select::{date_of, str_of};
use nhikit_core::date::FiscalYear;
use nhikit_rules::high_cost::HighCostTables;
use nhikit_rules::params::{Part, RuleSet};
use nhikit_rules::premium::input::PremiumRequest;
use nhikit_target::{
    AssessRequest, CopayRequest, CopayResponse, ErrorCode, HighCostRequest, HighCostResponse,
    PersonQuery,
};
use serde_json::{Value, json};

/// The oracle's answer: a response (its fields), or the error code the target must give.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The response must contain this.
    Response(Value),
    /// The operation must fail with this code.
    Error(ErrorCode),
}

/// The rules and tables the oracle uses (loaded once per run).
pub struct Oracle {
    rules: RuleSet,
    high_cost: HighCostTables,
}

impl Oracle {
    /// The rules built into nhikit.
    pub fn builtin() -> Result<Oracle, String> {
        Ok(Oracle {
            rules: RuleSet::builtin().map_err(|e| e.to_string())?,
            high_cost: HighCostTables::embedded().map_err(|e| e.to_string())?,
        })
    }

    /// `assess`.
    pub fn assess(&self, model: &Model, req: &AssessRequest) -> Result<Answer, String> {
        let rates = req.rates.clone().ok_or(
            "an oracle-checked `assess` step must name `rates` (the rate set's assignment to \
             municipalities is the target's configuration)",
        )?;
        let fy = FiscalYear(req.fiscal_year);
        let (Some(start), Some(end)) = (fy.start(), fy.end()) else {
            return Ok(Answer::Error(ErrorCode::InvalidRequest));
        };
        let Some(h) = model.household(&req.lgcode, &req.household_number) else {
            return Ok(Answer::Error(ErrorCode::NotFound));
        };
        let head = str_of(h, "head_address_number");
        let mut members = Vec::new();
        for p in model.members(&req.lgcode, &req.household_number) {
            let an = str_of(p, "address_number");
            let Some(birth) = date_of(p, "birth_date") else {
                return Err(format!("person {an} has no birth_date"));
            };
            if birth > end {
                continue;
            }
            let spans: Vec<_> = model
                .qualifications_of(&req.lgcode, an)
                .filter(|q| {
                    date_of(q, "acquisition_date").is_some_and(|a| a <= end)
                        && date_of(q, "loss_date").is_none_or(|l| l > start)
                })
                .collect();
            let insured = !spans.is_empty();
            let householder = an == head;
            if !insured && !householder {
                continue;
            }
            let income = req.incomes.get(an).copied().unwrap_or_default();
            let mut m = json!({
                "id": an,
                "birth_date": birth.to_string(),
                "householder": householder,
                "status": if insured { "insured" } else { "not_insured" },
                "income": income,
            });
            if let Some(a) = spans
                .iter()
                .filter_map(|q| date_of(q, "acquisition_date"))
                .min()
                .filter(|a| *a > start)
            {
                m["acquired"] = a.to_string().into();
            }
            let open = spans.iter().any(|q| date_of(q, "loss_date").is_none());
            if !open
                && let Some(l) = spans
                    .iter()
                    .filter_map(|q| date_of(q, "loss_date"))
                    .max()
                    .filter(|l| *l <= end)
            {
                m["lost"] = l.to_string().into();
            }
            members.push(m);
        }
        let request = json!({
            "fiscal_year": req.fiscal_year,
            "municipality": rates,
            "specified_household": req.specified_household,
            "members": members,
        });
        let pr: PremiumRequest =
            serde_json::from_value(request.clone()).map_err(|e| format!("oracle request: {e}"))?;
        let household = pr
            .household(req.fiscal_year)
            .map_err(|e| format!("oracle: {e} (request {request})"))?;
        let params = match self.rules.params(&rates, req.fiscal_year) {
            Ok(p) => p,
            Err(_) => return Ok(Answer::Error(ErrorCode::NoRates)),
        };
        let a = nhikit_rules::premium::assess(&household, &params)
            .map_err(|e| format!("oracle: {e}"))?;
        let part = |p: Part| {
            let x = a.part(p);
            json!({ "levied": x.levied, "amount": x.amount, "capped": x.capped })
        };
        Ok(Answer::Response(json!({
            "fiscal_year": req.fiscal_year,
            "rates": rates,
            "reduction": a.reduction,
            "judgement_income": a.judgement_income,
            "medical": part(Part::Medical),
            "support": part(Part::Support),
            "care": part(Part::Care),
            "child": part(Part::Child),
            "total": a.total,
        })))
    }

    /// `copay_ratio`.
    pub fn copay(&self, model: &Model, req: &CopayRequest) -> Result<Answer, String> {
        let Some(p) = model.person(&req.lgcode, &req.address_number) else {
            return Ok(Answer::Error(ErrorCode::NotFound));
        };
        if !model
            .qualifications_of(&req.lgcode, &req.address_number)
            .any(|q| in_force(q, req.service_date))
        {
            return Ok(Answer::Error(ErrorCode::NotInsured));
        }
        let birth = date_of(p, "birth_date").ok_or("the person has no birth_date")?;
        let r = nhikit_rules::copay::copay_ratio(birth, req.service_date, &req.income)
            .map_err(|e| format!("oracle: {e}"))?;
        serde_json::to_value(CopayResponse {
            ratio: r.ratio,
            category: r.category,
            age: r.age,
        })
        .map(Answer::Response)
        .map_err(|e| e.to_string())
    }

    /// `high_cost_limit`.
    pub fn high_cost(&self, req: &HighCostRequest) -> Result<Answer, String> {
        let input = match req.household_month() {
            Ok(input) => input,
            Err(e) => return Ok(Answer::Error(e.code)),
        };
        let r = nhikit_rules::high_cost::compute_month(&self.high_cost, &input)
            .map_err(|e| format!("oracle: {e}"))?;
        serde_json::to_value(HighCostResponse {
            table: r.table,
            kourei_limit: r.kourei_limit,
            household_limit: r.household_limit,
            refund: r.refund,
            total_copay: r.total_copay,
            burden: r.burden,
        })
        .map(Answer::Response)
        .map_err(|e| e.to_string())
    }

    /// `lookup_person`: the person as held and the qualification in force on the date.
    pub fn lookup_person(&self, model: &Model, req: &PersonQuery) -> Result<Answer, String> {
        let found = match (&req.address_number, &req.mynumber) {
            (Some(an), _) => model.person(&req.lgcode, an),
            (None, Some(n)) => model
                .records(crate::select::Entity::Person)
                .iter()
                .find(|p| str_of(p, "mynumber") == n),
            (None, None) => return Ok(Answer::Error(ErrorCode::InvalidRequest)),
        };
        // A person is found from the birth date on.
        let Some(p) = found.filter(|p| date_of(p, "birth_date").is_some_and(|b| b <= req.as_of))
        else {
            return Ok(Answer::Error(ErrorCode::NotFound));
        };
        let (lg, an) = (str_of(p, "lgcode"), str_of(p, "address_number"));
        let q = model
            .qualifications_of(lg, an)
            .filter(|q| in_force(q, req.as_of))
            .last();
        let pick = |r: &crate::data::Rec, items: &[&str]| -> Value {
            Value::Object(
                items
                    .iter()
                    .map(|i| ((*i).to_owned(), r.get(*i).cloned().unwrap_or(Value::Null)))
                    .collect(),
            )
        };
        let person = pick(
            p,
            &[
                "lgcode",
                "address_number",
                "household_number",
                "mynumber",
                "name",
                "name_kana",
                "birth_date",
                "sex",
                "relationship",
                "death_date",
            ],
        );
        let qualification = q.map_or(Value::Null, |q| {
            let mut v = pick(
                q,
                &[
                    "insurer_number",
                    "household_number",
                    "insured_symbol",
                    "insured_number",
                    "edaban",
                    "name",
                    "name_kana",
                    "acquisition_date",
                    "acquisition_reason",
                    "loss_date",
                    "loss_reason",
                ],
            );
            v["seq"] = q.get("qualification_seq").cloned().unwrap_or(Value::Null);
            v
        });
        Ok(Answer::Response(json!({
            "person": person,
            "insured": q.is_some(),
            "qualification": qualification,
        })))
    }
}
