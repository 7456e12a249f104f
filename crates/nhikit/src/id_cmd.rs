//! `nhikit id check|gen`.

use clap::{Subcommand, ValueEnum};
use nhikit_core::id::{
    AddressNumber, Edaban, HouseholdNumber, InsuredSymbolNumber, InsurerNumber, LgCode, MyNumber,
};
use std::io::Write;
use std::process::ExitCode;

/// Subcommands of `nhikit id`.
#[derive(Subcommand)]
pub enum IdCommand {
    /// Check one identifier; exit 0 if valid, 1 with the reason (e.g. the expected check digit).
    ///
    /// Examples: `nhikit id check mynumber 123456789018`, `nhikit id check lgcode 131016`
    Check {
        /// What kind of identifier VALUE is.
        kind: IdKind,
        /// The identifier as written, e.g. `123456789018`.
        value: String,
        /// Print `{"value", "valid", "canonical", "reason"}` as JSON instead of a line.
        #[arg(long)]
        json: bool,
    },
    /// Generate valid, fictitious identifiers, one per line, reproducibly from a seed.
    ///
    /// Example: `nhikit id gen mynumber --count 5 --seed 42`
    Gen {
        /// What kind of identifier to generate.
        kind: IdKind,
        /// How many to generate.
        #[arg(long, default_value_t = 10)]
        count: u64,
        /// The seed: the same seed gives the same identifiers on every machine.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

/// Identifier kinds.
#[derive(Clone, Copy, ValueEnum)]
pub enum IdKind {
    /// 個人番号 (My Number): 12 digits with a check digit.
    Mynumber,
    /// 保険者番号: 6 digits (市町村国保, 国保組合) or 8 digits (with 法別番号), with a check digit.
    Insurer,
    /// 全国地方公共団体コード: 6 digits (5 + check digit).
    Lgcode,
    /// 被保険者記号・番号 (記号 optional, written 記号-番号).
    Insured,
    /// 枝番: 2 digits.
    Edaban,
    /// 世帯番号 (nhikit's format: 10 digits).
    Household,
    /// 宛名番号 (nhikit's format: 10 digits).
    Address,
}

impl IdKind {
    fn check(self, value: &str) -> Result<String, String> {
        fn ok<T: std::fmt::Display>(
            r: Result<T, nhikit_core::id::IdError>,
        ) -> Result<String, String> {
            r.map(|v| v.to_string()).map_err(|e| e.to_string())
        }
        match self {
            IdKind::Mynumber => ok(value.parse::<MyNumber>()),
            IdKind::Insurer => ok(value.parse::<InsurerNumber>()),
            IdKind::Lgcode => ok(value.parse::<LgCode>()),
            IdKind::Insured => ok(value.parse::<InsuredSymbolNumber>()),
            IdKind::Edaban => ok(value.parse::<Edaban>()),
            IdKind::Household => ok(value.parse::<HouseholdNumber>()),
            IdKind::Address => ok(value.parse::<AddressNumber>()),
        }
    }

    fn generate(self, draw: u64) -> String {
        match self {
            IdKind::Mynumber => MyNumber::from_draw(draw).to_string(),
            IdKind::Insurer => InsurerNumber::from_draw(draw).to_string(),
            IdKind::Lgcode => LgCode::from_draw(draw).to_string(),
            IdKind::Insured => InsuredSymbolNumber::from_draw(draw).to_string(),
            IdKind::Edaban => Edaban::from_draw(draw).to_string(),
            IdKind::Household => HouseholdNumber::from_draw(draw).to_string(),
            IdKind::Address => AddressNumber::from_draw(draw).to_string(),
        }
    }

    /// The random stream of this kind: fixed forever, so `id gen` output never changes.
    fn stream(self) -> u64 {
        match self {
            IdKind::Mynumber => 1,
            IdKind::Insurer => 2,
            IdKind::Lgcode => 3,
            IdKind::Insured => 4,
            IdKind::Edaban => 5,
            IdKind::Household => 6,
            IdKind::Address => 7,
        }
    }
}

/// Runs `nhikit id …`.
pub fn run(cmd: IdCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IdCommand::Check { kind, value, json } => {
            let checked = kind.check(&value);
            let text = match (&checked, json) {
                (_, true) => {
                    let (canonical, reason) = match &checked {
                        Ok(c) => (Some(c.as_str()), None),
                        Err(r) => (None, Some(r.as_str())),
                    };
                    let v = serde_json::json!({
                        "value": value,
                        "valid": checked.is_ok(),
                        "canonical": canonical,
                        "reason": reason,
                    });
                    format!("{v}\n")
                }
                (Ok(canonical), false) => format!("{canonical}: valid\n"),
                (Err(reason), false) => format!("{value}: invalid: {reason}\n"),
            };
            crate::out::print(&text)?;
            Ok(crate::verdict(checked.is_ok()))
        }
        IdCommand::Gen { kind, count, seed } => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for i in 0..count {
                let draw = nhikit_rng::Rng::new(seed, kind.stream(), i).next_u64();
                if let Err(e) = writeln!(out, "{}", kind.generate(draw)) {
                    // A closed pipe (`| head`) ends the output quietly.
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        return Ok(ExitCode::SUCCESS);
                    }
                    return Err(e.into());
                }
            }
            if let Err(e) = out.flush()
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
