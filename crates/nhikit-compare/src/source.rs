//! Reads a dataset household by household: one part (the `household`, `person` and
//! `qualification` JSON Lines files of the same partition) in memory at a time, so that memory
//! stays bounded by the largest part, not by the dataset.

use crate::Error;
use nhikit_conform::data::{Model, Rec};
use nhikit_core::Yen;
use nhikit_core::date::NaiveDate;
use nhikit_io::Manifest;
use nhikit_io::contain::Root;
use nhikit_rules::high_cost::{AgeGroup, Claim, Setting};
use nhikit_target::{HighCostRequest, IncomeFacts};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One household with its members, their qualifications and its insurer: what the oracle
/// needs to answer for it alone.
#[derive(Debug, Clone)]
pub struct HouseholdCase {
    /// The 保険者 record of the household's `insurer_number` (absent if the data has none).
    pub insurer: Option<Rec>,
    /// The 世帯 record.
    pub household: Rec,
    /// The household's persons (宛名), in data order.
    pub persons: Vec<Rec>,
    /// Their qualifications, in data order.
    pub qualifications: Vec<Rec>,
    /// Their `income` rows (所得), when the dataset has them (`nhikit gen --with income`).
    pub incomes: Vec<Rec>,
    /// The household's 高額療養費 claims (`benefit_high_cost` rows, `nhikit gen --with
    /// benefits`), each as the `high_cost_limit` request of its service month.
    pub high_costs: Vec<HighCostClaim>,
}

/// One `benefit_high_cost` row as the request both systems are sent.
#[derive(Debug, Clone)]
pub struct HighCostClaim {
    /// 申請番号.
    pub claim_number: String,
    /// The service month with its one claim: 医療費総額 and 一部負担金等合計額 of the patient,
    /// the 所得区分 (its label), 多数回該当.
    pub request: HighCostRequest,
}

/// The labels (`ウ`, `一般`) of the 所得区分 codes (`A03`, `B04`) a `benefit_high_cost` row
/// holds: the code tables of the embedded schema own them.
#[derive(Debug, Default)]
struct CategoryLabels {
    under70: BTreeMap<String, String>,
    over70: BTreeMap<String, String>,
}

impl CategoryLabels {
    fn embedded() -> Result<CategoryLabels, String> {
        let schema = nhikit_schema::embedded().map_err(|e| e.to_string())?;
        let table = |id: &str| -> Result<BTreeMap<String, String>, String> {
            let t = schema
                .code_table(id)
                .ok_or_else(|| format!("the embedded schema has no code table `{id}`"))?;
            Ok(t.codes
                .iter()
                .map(|c| (c.value.clone(), c.label.clone()))
                .collect())
        };
        Ok(CategoryLabels {
            under70: table("income_category_under70")?,
            over70: table("income_category_70_74")?,
        })
    }
}

/// The `high_cost_limit` request of a `benefit_high_cost` row: its one claim is the patient's
/// 入院 (the generator's claims are all 入院 bills, docs/generator.md), of the age group its
/// 所得区分 names (70歳未満 or 70〜74歳: exactly one is given). `Err` names the item.
fn high_cost_claim(r: &Rec, labels: &CategoryLabels) -> Result<HighCostClaim, String> {
    let text = |k: &str| {
        r.get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{k}: missing or not text"))
    };
    let yen = |k: &str| {
        r.get(k)
            .and_then(Value::as_i64)
            .map(Yen)
            .ok_or_else(|| format!("{k}: missing or not an amount in yen"))
    };
    let label = |k: &str, table: &BTreeMap<String, String>| match r.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(code)) => table
            .get(code)
            .map(|l| Some(l.clone()))
            .ok_or_else(|| format!("{k}: unknown code {code:?}")),
        Some(v) => Err(format!("{k}: {v} is not a code")),
    };
    let month = text("service_month")?;
    let service_month = NaiveDate::parse_from_str(month, "%Y-%m-%d")
        .map_err(|_| format!("service_month: {month:?} is not a date YYYY-MM-DD"))?
        .format("%Y-%m")
        .to_string();
    let under70 = label("income_category_under70", &labels.under70)?;
    let over70 = label("income_category_70_74", &labels.over70)?;
    let age_group = match (&under70, &over70) {
        (Some(_), None) => AgeGroup::Under70,
        (None, Some(_)) => AgeGroup::Kourei,
        _ => {
            return Err(
                "exactly one of income_category_under70 and income_category_70_74 must \
                        be given (the patient's age group)"
                    .into(),
            );
        }
    };
    let many_times = r
        .get("many_times")
        .and_then(Value::as_bool)
        .ok_or("many_times: missing or not a boolean")?;
    Ok(HighCostClaim {
        claim_number: text("claim_number")?.to_owned(),
        request: HighCostRequest {
            service_month,
            under70_category: under70,
            over70_category: over70,
            many_times,
            turning_75: Vec::new(),
            claims: vec![Claim {
                person: "1".into(),
                age_group,
                setting: Setting::Inpatient,
                medical_cost: yen("total_medical_cost")?,
                copay: yen("copay_total")?,
            }],
        },
    })
}

impl HouseholdCase {
    /// 地方公共団体コード.
    pub fn lgcode(&self) -> &str {
        str_of(&self.household, "lgcode")
    }

    /// 世帯番号.
    pub fn household_number(&self) -> &str {
        str_of(&self.household, "household_number")
    }

    /// The incomes of the income year (所得年) a fiscal year's assessment uses (the year
    /// before), per 宛名番号, as the target interface's [`IncomeFacts`]: `other_income` is the
    /// business, real-estate, interest/dividend, miscellaneous and other comprehensive
    /// income; `separate_gains` the separate and stock capital gains; `special_deduction` the
    /// separate capital gains deduction (docs/oracle.md, `members[].income`).
    pub fn income_facts(&self, fiscal_year: i32) -> BTreeMap<String, IncomeFacts> {
        let int = |r: &Rec, k: &str| r.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
        self.incomes
            .iter()
            .filter(|r| int(r, "income_year") == i64::from(fiscal_year) - 1)
            .map(|r| {
                let sum = |ks: &[&str]| ks.iter().map(|k| int(r, k)).sum::<i64>();
                (
                    str_of(r, "address_number").to_owned(),
                    IncomeFacts {
                        salary_revenue: int(r, "salary_revenue"),
                        pension_revenue: int(r, "pension_revenue"),
                        other_income: sum(&[
                            "business_income",
                            "real_estate_income",
                            "interest_dividend_income",
                            "misc_income",
                            "other_comprehensive_income",
                        ]),
                        separate_gains: sum(&["separate_capital_gains", "stock_capital_gains"]),
                        special_deduction: int(r, "separate_capital_gains_deduction"),
                        fixed_asset_tax: 0,
                    },
                )
            })
            .collect()
    }

    /// Records in all: the size of the case when it is written as a scenario.
    pub fn records(&self) -> usize {
        1 + self.persons.len() + self.qualifications.len() + usize::from(self.insurer.is_some())
    }

    /// The oracle's model of this household alone.
    pub fn model(&self) -> Model {
        Model::from_records(
            self.insurer.iter().cloned().collect(),
            vec![self.household.clone()],
            self.persons.clone(),
            self.qualifications.clone(),
        )
    }
}

/// A string item of a record (`""` when absent or not a string).
pub(crate) fn str_of<'a>(r: &'a Rec, item: &str) -> &'a str {
    r.get(item).and_then(|v| v.as_str()).unwrap_or("")
}

/// The files of one partition, per entity.
#[derive(Debug, Default)]
struct Part {
    household: Vec<String>,
    person: Vec<String>,
    qualification: Vec<String>,
    income: Vec<String>,
    high_cost: Vec<String>,
}

/// A dataset opened for streaming.
pub struct Source {
    dir: PathBuf,
    root: Root,
    insurers: BTreeMap<String, Rec>,
    parts: BTreeMap<String, Part>,
    households: u64,
    as_of: Option<String>,
    labels: CategoryLabels,
}

impl Source {
    /// Opens a dataset directory (written by `nhikit gen` with JSON Lines among its formats).
    pub fn open(dir: &Path) -> Result<Source, Error> {
        let data = |reason: String| Error::Data {
            path: dir.to_path_buf(),
            reason,
        };
        let root = Root::open(dir).map_err(|e| data(e.to_string()))?;
        let manifest = Manifest::read_in(&root).map_err(|e| data(e.to_string()))?;
        let mut parts: BTreeMap<String, Part> = BTreeMap::new();
        for f in manifest
            .files
            .iter()
            .filter(|f| f.format == nhikit_io::Format::Jsonl)
        {
            // `jsonl/<entity>/<partition…>/part-N.jsonl`: the key is what follows the entity.
            let key = f
                .path
                .split('/')
                .skip_while(|c| *c != f.entity)
                .skip(1)
                .collect::<Vec<_>>()
                .join("/");
            let part = parts.entry(key);
            match f.entity.as_str() {
                "household" => part.or_default().household.push(f.path.clone()),
                "person" => part.or_default().person.push(f.path.clone()),
                "qualification" => part.or_default().qualification.push(f.path.clone()),
                "income" => part.or_default().income.push(f.path.clone()),
                "benefit_high_cost" => part.or_default().high_cost.push(f.path.clone()),
                _ => {}
            }
        }
        if parts.is_empty() {
            return Err(data(
                "the dataset has no JSON Lines household files (generate it with \
                 `--format jsonl,csv`)"
                    .into(),
            ));
        }
        let labels = if parts.values().any(|p| !p.high_cost.is_empty()) {
            CategoryLabels::embedded().map_err(crate::Error::Oracle)?
        } else {
            CategoryLabels::default()
        };
        let mut src = Source {
            dir: dir.to_path_buf(),
            root,
            insurers: BTreeMap::new(),
            parts,
            households: manifest.entities.get("household").map_or(0, |e| e.rows),
            as_of: manifest
                .options
                .get("as_of")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            labels,
        };
        let mut insurers = BTreeMap::new();
        for f in manifest
            .files
            .iter()
            .filter(|f| f.format == nhikit_io::Format::Jsonl && f.entity == "insurer")
        {
            src.read_lines(&f.path, &mut |r, _| {
                insurers.insert(str_of(&r, "insurer_number").to_owned(), r);
                Ok(())
            })?;
        }
        src.insurers = insurers;
        Ok(src)
    }

    /// Households the manifest counts (for progress).
    pub fn households(&self) -> u64 {
        self.households
    }

    /// The dataset's 基準日 (`options.as_of` of its manifest), when it records one.
    pub fn as_of(&self) -> Option<&str> {
        self.as_of.as_deref()
    }

    /// The dataset directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn read_lines(
        &self,
        rel: &str,
        each: &mut dyn FnMut(Rec, usize) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let path = self.root.display(rel);
        let file = self.root.open_file(rel).map_err(|e| Error::Data {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::Data {
                path: path.clone(),
                reason: format!("line {}: {e}", i + 1),
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let rec: Rec = serde_json::from_str(&line).map_err(|e| Error::Data {
                path: path.clone(),
                reason: format!("line {}: {e}", i + 1),
            })?;
            each(rec, i + 1)?;
        }
        Ok(())
    }

    /// Calls `each` for every household, part by part, in file order.
    pub fn for_each_household(
        &self,
        each: &mut dyn FnMut(HouseholdCase) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.for_each_part(&mut |cases| cases.into_iter().try_for_each(&mut *each))
    }

    /// Calls `each` with the households of every part in turn, in file order: the unit a
    /// parallel comparison shares out (one part in memory at a time).
    pub fn for_each_part(
        &self,
        each: &mut dyn FnMut(Vec<HouseholdCase>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for part in self.parts.values() {
            let mut persons: BTreeMap<(String, String), Vec<Rec>> = BTreeMap::new();
            for f in &part.person {
                self.read_lines(f, &mut |r, _| {
                    let key = (
                        str_of(&r, "lgcode").to_owned(),
                        str_of(&r, "household_number").to_owned(),
                    );
                    persons.entry(key).or_default().push(r);
                    Ok(())
                })?;
            }
            let mut quals: BTreeMap<(String, String), Vec<Rec>> = BTreeMap::new();
            for f in &part.qualification {
                self.read_lines(f, &mut |r, _| {
                    let key = (
                        str_of(&r, "lgcode").to_owned(),
                        str_of(&r, "address_number").to_owned(),
                    );
                    quals.entry(key).or_default().push(r);
                    Ok(())
                })?;
            }
            let mut incomes: BTreeMap<(String, String), Vec<Rec>> = BTreeMap::new();
            for f in &part.income {
                self.read_lines(f, &mut |r, _| {
                    let key = (
                        str_of(&r, "lgcode").to_owned(),
                        str_of(&r, "address_number").to_owned(),
                    );
                    incomes.entry(key).or_default().push(r);
                    Ok(())
                })?;
            }
            let mut high_costs: BTreeMap<(String, String), Vec<HighCostClaim>> = BTreeMap::new();
            for f in &part.high_cost {
                self.read_lines(f, &mut |r, line| {
                    let claim =
                        high_cost_claim(&r, &self.labels).map_err(|reason| Error::Data {
                            path: self.root.display(f),
                            reason: format!(
                                "line {line}: benefit_high_cost {}: {reason}",
                                str_of(&r, "claim_number")
                            ),
                        })?;
                    let key = (
                        str_of(&r, "lgcode").to_owned(),
                        str_of(&r, "household_number").to_owned(),
                    );
                    high_costs.entry(key).or_default().push(claim);
                    Ok(())
                })?;
            }
            let mut cases = Vec::new();
            for f in &part.household {
                self.read_lines(f, &mut |h, _| {
                    let key = (
                        str_of(&h, "lgcode").to_owned(),
                        str_of(&h, "household_number").to_owned(),
                    );
                    let members = persons.remove(&key).unwrap_or_default();
                    let (mut qualifications, mut income) = (Vec::new(), Vec::new());
                    for p in &members {
                        let k = (key.0.clone(), str_of(p, "address_number").to_owned());
                        income.extend(incomes.remove(&k).unwrap_or_default());
                        qualifications.extend(quals.remove(&k).unwrap_or_default());
                    }
                    let insurer = self.insurers.get(str_of(&h, "insurer_number")).cloned();
                    let high_costs = high_costs.remove(&key).unwrap_or_default();
                    cases.push(HouseholdCase {
                        insurer,
                        household: h,
                        persons: members,
                        qualifications,
                        incomes: income,
                        high_costs,
                    });
                    Ok(())
                })?;
            }
            each(cases)?;
        }
        Ok(())
    }
}
