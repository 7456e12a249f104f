//! The `nhikit` command line: parses, wires the library crates, prints.

use clap::Parser;

/// nhikit: synthetic Japanese NHI (国民健康保険) data, an exact oracle, and conformance runs.
#[derive(Parser)]
#[command(name = "nhikit", version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
