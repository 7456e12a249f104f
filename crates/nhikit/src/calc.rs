//! `nhikit calc`: the oracle on JSON input (formats in `docs/oracle.md`).
//!
//! Exit codes: 0 ok, 1 invalid input (the message names the item), 2 usage.

use crate::calc_benefit;
use crate::out;
use anyhow::Context;
use nhikit_rules::params::{Params, RuleSet};
use nhikit_rules::premium::input::{CalcRequest, CorrectionResponse, PremiumResponse};
use nhikit_rules::premium::revision::{check_retroactive, correct};
use nhikit_rules::premium::statement::{correction_statement, statement};
use nhikit_rules::premium::{assess, assess_explained};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `nhikit calc`.
#[derive(clap::Args, Debug)]
pub struct CalcArgs {
    #[command(subcommand)]
    command: CalcCommand,
}

#[derive(clap::Subcommand, Debug)]
enum CalcCommand {
    /// 国民健康保険税/料 of one household for one fiscal year, every part with its derivation.
    Premium(PremiumArgs),
    /// 高額療養費: the monthly limit and refund of one household month.
    HighCost(BenefitArgs),
    /// 負担割合: the copay ratio of one person on one date.
    Copay(BenefitArgs),
    /// 高額療養費 annual limits of one August–July period: the 70–74 外来 年間上限 (144,000円)
    /// or the 年間上限 from 2026-08.
    Annual(BenefitArgs),
    /// 出産育児一時金 (by birth date, 産科医療補償制度, children) or 葬祭費 (by municipality): the
    /// amount and its source.
    Benefit(BenefitArgs),
}

#[derive(clap::Args, Debug)]
struct PremiumArgs {
    /// The request, JSON (`-` reads stdin). Format: docs/oracle.md.
    #[arg(long, value_name = "FILE.json")]
    input: PathBuf,
    /// The fiscal year (年度), e.g. 2025; overrides `fiscal_year` in the input.
    #[arg(long, value_name = "Y")]
    fiscal_year: Option<i32>,
    /// Add the derivation to the JSON and print it in words on stderr.
    #[arg(long)]
    explain: bool,
    /// A rules directory (`national/*.toml`, `municipal/*.toml`) whose files replace or add to
    /// the built-in `schemas/rules`.
    #[arg(long, value_name = "DIR", env = "NHIKIT_RULES")]
    rules: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct BenefitArgs {
    /// The request, JSON. Format: docs/oracle.md.
    #[arg(long, value_name = "FILE.json")]
    input: PathBuf,
    /// Print the derivation on stderr and include it in the JSON.
    #[arg(long)]
    explain: bool,
}

/// Runs `nhikit calc`.
pub fn run(args: CalcArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CalcCommand::Premium(a) => premium(&a),
        CalcCommand::HighCost(a) => calc_benefit::calc_high_cost(&a.input, a.explain),
        CalcCommand::Copay(a) => calc_benefit::calc_copay(&a.input, a.explain),
        CalcCommand::Annual(a) => calc_benefit::calc_annual(&a.input, a.explain),
        CalcCommand::Benefit(a) => calc_benefit::calc_benefit_amount(&a.input, a.explain),
    }
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("reading stdin")?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// The built-in rules plus the files of `dir`, if given.
fn rules(dir: Option<&Path>) -> anyhow::Result<RuleSet> {
    let mut rules = RuleSet::builtin().context("loading the built-in schemas/rules")?;
    let Some(dir) = dir else { return Ok(rules) };
    for (sub, national) in [("national", true), ("municipal", false)] {
        let d = dir.join(sub);
        if !d.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .with_context(|| format!("reading {}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        for f in files {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            let name = f.display().to_string();
            if national {
                rules.add_national_toml(&text, &name)?;
            } else {
                rules.add_municipal_toml(&text, &name)?;
            }
        }
    }
    Ok(rules)
}

/// Parses a request; a member that does not deserialize is named by its index
/// (`members[1]: missing field `birth_date``).
fn parse_request(text: &str, name: &str) -> anyhow::Result<CalcRequest> {
    use serde::Deserialize;
    let value: serde_json::Value =
        serde_json::from_str(text).with_context(|| format!("{name}: not JSON"))?;
    if let Some(members) = value.get("members").and_then(|m| m.as_array()) {
        for (i, m) in members.iter().enumerate() {
            if let Err(e) = nhikit_rules::premium::input::CalcMember::deserialize(m) {
                anyhow::bail!("invalid input item `members[{i}]`: {e}");
            }
        }
    }
    if let Some(rates) = value.get("rates")
        && let Err(e) = nhikit_rules::params::MunicipalRates::deserialize(rates)
    {
        anyhow::bail!("invalid input item `rates`: {e}");
    }
    CalcRequest::deserialize(&value).with_context(|| format!("{name}: invalid request"))
}

fn premium(a: &PremiumArgs) -> anyhow::Result<ExitCode> {
    let text = read_input(&a.input)?;
    let name = a.input.display().to_string();
    let req = parse_request(&text, &name)?;
    let fy = req.fiscal_year(a.fiscal_year)?;
    let rules = rules(a.rules.as_deref())?;
    let (params, levy) = match (&req.rates, &req.municipality) {
        (Some(rates), None) => {
            rates.validate(&format!("{name}: rates"))?;
            if rates.fiscal_year != fy {
                anyhow::bail!(
                    "invalid input item `rates.fiscal_year`: {} differs from the fiscal year {fy}",
                    rates.fiscal_year
                );
            }
            (Params::resolve(rules.national(fy)?, rates)?, rates.levy)
        }
        (None, Some(id)) => (rules.params(id, fy)?, rules.municipal(id, fy)?.levy),
        _ => anyhow::bail!(
            "invalid input item `municipality`: give exactly one of `municipality` or `rates`"
        ),
    };
    if let Some(on) = req.assessed_on()? {
        // 遡及賦課: the year must be within the legal limit of the levy.
        check_retroactive(levy, fy, on)?;
    }
    let household = req.household(fy)?;
    let corrected = req.corrected_household(fy)?;
    let (assessment, derivation) = if a.explain {
        let (x, d) = assess_explained(&household, &params)?;
        (x, Some(d))
    } else {
        (assess(&household, &params)?, None)
    };
    for w in &params.warnings {
        crate::out::errln!("warning: {w}");
    }
    if let Some(d) = &derivation {
        crate::out::errprint!("{}", statement(&assessment, &params, levy));
        crate::out::errprint!("{}", d.to_text());
    }
    let mut response = PremiumResponse::new(&assessment, &params, derivation);
    if let (Some(after), Some(c)) = (&corrected, &req.correction) {
        let (_, a1, fix) = correct(&household, after, &params, c.installments_due)?;
        let after_derivation = if a.explain {
            let (_, d) = assess_explained(after, &params)?;
            crate::out::errln!("更正後:");
            crate::out::errprint!("{}", statement(&a1, &params, levy));
            crate::out::errprint!("{}", d.to_text());
            crate::out::errprint!("{}", correction_statement(&fix, c.installments_due));
            Some(d)
        } else {
            None
        };
        response.correction = Some(CorrectionResponse {
            kind: fix.kind,
            difference: fix.difference,
            installments_due: c.installments_due,
            installments: fix.installments_after,
            overpaid: fix.overpaid,
            assessment: Box::new(PremiumResponse::new(&a1, &params, after_derivation)),
        });
    }
    let mut json = serde_json::to_string_pretty(&response).context("writing the result as JSON")?;
    json.push('\n');
    out::print(&json)?;
    Ok(ExitCode::SUCCESS)
}
