//! `nhikit completions SHELL` and `nhikit man [--out DIR]`: shell completions and man pages
//! generated from the same clap definitions as `--help`, so they cannot drift.

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `nhikit completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    ///
    /// Example: `nhikit completions bash > ~/.local/share/bash-completion/completions/nhikit`
    pub shell: Shell,
}

/// Arguments of `nhikit man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write `nhikit.1` and one page per subcommand (`nhikit-gen.1`, …) into this directory
    /// instead of printing `nhikit.1` to stdout.
    ///
    /// Example: `nhikit man --out ~/.local/share/man/man1 && man nhikit-gen`
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Prints the completion script for the shell.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = crate::Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "nhikit", &mut buf);
    crate::out::print(&String::from_utf8_lossy(&buf))?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the man page, or writes every page into a directory.
pub fn man(args: ManArgs) -> anyhow::Result<ExitCode> {
    let cmd = crate::Cli::command();
    match args.out {
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            crate::out::print(&String::from_utf8_lossy(&buf))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
            crate::out::errln!("man pages written to {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
