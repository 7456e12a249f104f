//! `nhikit operator keygen|register|list`: the operators of two-person work and their keys.

use anyhow::Context;
use clap::{Args, Subcommand};
use nhikit_safety::{OperatorKey, Operators};
use std::path::PathBuf;
use std::process::ExitCode;

/// The operators register option shared by the subcommands.
#[derive(Args, Debug, Clone, Default)]
pub struct RegisterArgs {
    /// The operators register (name and public key); default $XDG_CONFIG_HOME/nhikit/operators.toml
    /// or ~/.config/nhikit/operators.toml.
    #[arg(long, value_name = "FILE", env = "NHIKIT_OPERATORS")]
    pub operators: Option<PathBuf>,
}

impl RegisterArgs {
    fn path(&self) -> anyhow::Result<PathBuf> {
        match &self.operators {
            Some(p) => Ok(p.clone()),
            None => nhikit_safety::default_operators_path().context(
                "no operators register location: set --operators, NHIKIT_OPERATORS or HOME",
            ),
        }
    }
}

/// `nhikit operator` subcommands.
#[derive(Subcommand, Debug)]
pub enum OperatorCommand {
    /// Make a new Ed25519 key for an operator: the secret goes to --out (mode 0600, refused if
    /// it exists), the public key (`ed25519:…`) is printed for `register`.
    Keygen {
        /// The operator's name (recorded in the key file's comment).
        #[arg(long)]
        name: String,
        /// The new key file; keep it where only this operator can use it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Register an operator's name and public key. The name is normalized (NFKC, lower case)
    /// and refused when invisible characters, mixed scripts or a likeness to a registered
    /// name could let it pass for another.
    Register {
        /// The operator's name.
        #[arg(long)]
        name: String,
        /// The public key, `ed25519:…` as printed by `keygen`.
        #[arg(
            long,
            conflicts_with = "key_file",
            required_unless_present = "key_file"
        )]
        key: Option<String>,
        /// Or the operator's key file, whose public key is registered.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        #[command(flatten)]
        register: RegisterArgs,
    },
    /// List the registered operators and their public keys.
    List {
        #[command(flatten)]
        register: RegisterArgs,
    },
}

/// Runs `nhikit operator …`.
pub fn run(cmd: OperatorCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OperatorCommand::Keygen { name, out } => {
            let canonical = nhikit_safety::normalize_name(&name)?;
            let key = OperatorKey::generate()?;
            key.write(&out, &canonical)?;
            let public = nhikit_safety::format_public_key(&key.public());
            crate::out::print(&format!("{public}\n"))?;
            crate::out::errln!(
                "{}: secret key of {canonical} written (0600); register it with `nhikit operator register --name {canonical} --key {public}`",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        OperatorCommand::Register {
            name,
            key,
            key_file,
            register,
        } => {
            let public = match (key, key_file) {
                (Some(k), _) => nhikit_safety::parse_public_key(&k).with_context(|| {
                    format!("--key {k:?}: expected ed25519:<64 hex digits>, as printed by `nhikit operator keygen`")
                })?,
                (None, Some(f)) => OperatorKey::load(&f)?.public(),
                (None, None) => anyhow::bail!("give --key or --key-file"),
            };
            let path = register.path()?;
            let mut operators = Operators::load(&path)?;
            let added = operators.add(&name, public)?.name.clone();
            operators.save()?;
            crate::out::errln!(
                "{}: registered {added} ({})",
                path.display(),
                nhikit_safety::format_public_key(&public)
            );
            Ok(ExitCode::SUCCESS)
        }
        OperatorCommand::List { register } => {
            let operators = Operators::load(&register.path()?)?;
            let mut text = String::new();
            for o in &operators.operators {
                crate::out::outln!(
                    text,
                    "{}\t{}",
                    o.name,
                    nhikit_safety::format_public_key(&o.key)
                );
            }
            crate::out::print(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
