//! The `nhikit` command line: parses arguments, calls the library crates, prints.
//!
//! Exit codes: 0 success, 1 the input (or a target) failed a check, 2 usage error, 130
//! interrupted (Ctrl-C or SIGTERM; see interrupt.rs).

mod audit_cmd;
mod calc;
mod calc_benefit;
mod compare_cmd;
mod conform_cmd;
mod decrypt_cmd;
mod demo_cmd;
mod destroy_cmd;
mod gen_cmd;
mod id_cmd;
mod init_cmd;
mod interrupt;
mod load_cmd;
mod manifest_cmd;
mod operator_cmd;
mod out;
mod reference_cmd;
mod scan_cmd;
mod schema_cmd;
mod serve_cmd;
mod shell_cmd;
mod shipped;
mod stats_cmd;
mod validate_cmd;
mod verify_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// nhikit: realistic but fictitious Japanese NHI (国民健康保険) data, an exact oracle for
/// premiums and benefits, and conformance and load runs against standard-spec systems.
///
/// Exit codes: 0 success, 1 invalid input or a failed check, 2 usage error, 130 interrupted.
#[derive(Parser)]
#[command(
    name = "nhikit",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print results and errors only: no progress bars, notes or summaries on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Colour output: auto (only on a terminal, not with NO_COLOR set), always, never.
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    color: out::ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// The whole product on the embedded defaults: generate data, start the reference target,
    /// run the conformance catalog and a short load scenario, write HTML and JUnit reports.
    ///
    /// Example: `nhikit demo` or `nhikit demo --fault round-household-total`
    Demo(demo_cmd::DemoArgs),
    /// Scaffold a project for testing your own system: a target profile, an expected-failures
    /// file, a performance scenario and CI examples (GitHub Actions, GitLab CI).
    ///
    /// Example: `nhikit init my-system --kind http --url https://nhi-test.example:8443`
    Init(init_cmd::InitArgs),
    /// Generate a fictitious NHI population: insurers, households, persons, qualifications.
    ///
    /// Example: `nhikit gen --households 100000 --seed 42 --out data/ --format parquet,csv`
    Gen(gen_cmd::GenArgs),
    /// Check a generated dataset: manifest hashes, every record against the schema,
    /// references between entities, and consistency rules; exit 1 on any violation.
    ///
    /// Example: `nhikit validate data/`
    Validate(validate_cmd::ValidateArgs),
    /// Prove a dataset is synthetic and unaltered: file hashes against the manifest, and every
    /// record regenerated from the manifest's seed; exit 1 naming each mismatch.
    ///
    /// Example: `nhikit verify data/`
    Verify(verify_cmd::VerifyArgs),
    /// The dataset's population beside the public NHI statistics it is calibrated on (age
    /// bands, household sizes), with the total-variation distance of each.
    ///
    /// Example: `nhikit stats data/ --max-distance 0.05`
    Stats(stats_cmd::StatsArgs),
    /// Find records in a target's export that are not synthetic records of a dataset
    /// (possible real persons); exit 1 if any.
    ///
    /// Example: `nhikit scan export.csv --manifest data/manifest.json --mapping map.toml`
    Scan(scan_cmd::ScanArgs),
    /// The audit log: verify its hash chain, report every dataset and what became of it.
    ///
    /// Example: `nhikit audit verify && nhikit audit report`
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Destroy a dataset (checked by its manifest) and record it in the audit log.
    ///
    /// Example: `nhikit destroy data/ --operator alice --operator-key alice.key --two-person
    /// --confirm-operator bob --confirm-key bob.key`
    Destroy(destroy_cmd::DestroyArgs),
    /// Decrypt an encrypted dataset (age) into a new directory, recorded in the audit log.
    ///
    /// Example: `nhikit decrypt data/ --identity key.txt --out plain/`
    Decrypt(decrypt_cmd::DecryptArgs),
    /// Operators of two-person work: make a key, register a name and public key, list them.
    ///
    /// Example: `nhikit operator keygen --name alice --out alice.key`
    #[command(subcommand)]
    Operator(operator_cmd::OperatorCommand),
    /// Dataset manifests: merge the manifests of N generation shards into one dataset.
    ///
    /// Example: `nhikit manifest merge shard-1/ shard-2/ --out national/`
    #[command(subcommand)]
    Manifest(manifest_cmd::ManifestCommand),
    /// The reference target on a database file: import, export, lookup.
    ///
    /// Example: `nhikit reference import --db ref.db data/`
    Reference(reference_cmd::ReferenceArgs),
    /// Serve the reference target over HTTP/JSON (or the process protocol on stdin/stdout).
    ///
    /// Example: `nhikit serve --addr 127.0.0.1:8080 --fault cap-on-total`
    Serve(serve_cmd::ServeArgs),
    /// Run the conformance scenarios against a target; exit 1 on any unexpected result.
    ///
    /// Example: `nhikit conform --target http://127.0.0.1:8080 --report reports/`
    Conform(conform_cmd::ConformArgs),
    /// 現新比較: the same synthetic data through a current and a new system, every difference refereed by the oracle; exit 1 on a new finding.
    ///
    /// Example: `nhikit compare --current builtin --new http://127.0.0.1:8080 --households 200 --report cmp/`
    Compare(compare_cmd::CompareArgs),
    /// Run a performance scenario against a target; exit 1 when a threshold is breached.
    ///
    /// Example: `nhikit load --scenario scenarios/performance/counter-peak.toml --target http://127.0.0.1:8080`
    Load(load_cmd::LoadArgs),
    /// Check and show the NHI data model in `schemas/`.
    ///
    /// Example: `nhikit schema check schemas/`
    #[command(subcommand)]
    Schema(schema_cmd::SchemaCommand),
    /// Check or generate identifiers (個人番号, 保険者番号, 地方公共団体コード, 被保険者番号).
    ///
    /// Example: `nhikit id check mynumber 123456789018`
    #[command(subcommand)]
    Id(id_cmd::IdCommand),
    /// The oracle: premiums, 高額療養費 limits and 負担割合 from JSON input.
    ///
    /// Example: `nhikit calc premium --input household.json --explain`
    Calc(calc::CalcArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    ///
    /// Example: `nhikit completions bash > ~/.local/share/bash-completion/completions/nhikit`
    Completions(shell_cmd::CompletionsArgs),
    /// Print the man page (or write every page into a directory with --out).
    ///
    /// Example: `nhikit man --out ~/.local/share/man/man1`
    Man(shell_cmd::ManArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    out::init(cli.quiet, cli.color);
    // Commands that write an output or run against a target handle Ctrl-C and SIGTERM
    // themselves (interrupt.rs); the others (serve, shell tools) keep their own or the default.
    let handles_signals = matches!(
        &cli.command,
        Command::Gen(_)
            | Command::Decrypt(_)
            | Command::Reference(_)
            | Command::Manifest(_)
            | Command::Conform(_)
            | Command::Load(_)
    );
    if handles_signals && let Err(e) = interrupt::install() {
        crate::out::errln!("warning: Ctrl-C will not clean up: {e}");
    }
    let result = match cli.command {
        Command::Demo(args) => demo_cmd::run(args),
        Command::Init(args) => init_cmd::run(args),
        Command::Gen(args) => gen_cmd::run(args),
        Command::Validate(args) => validate_cmd::run(args),
        Command::Verify(args) => verify_cmd::run(args),
        Command::Stats(args) => stats_cmd::run(args),
        Command::Scan(args) => scan_cmd::run(args),
        Command::Audit(cmd) => audit_cmd::run(cmd),
        Command::Destroy(args) => destroy_cmd::run(args),
        Command::Decrypt(args) => decrypt_cmd::run(args),
        Command::Operator(cmd) => operator_cmd::run(cmd),
        Command::Manifest(cmd) => manifest_cmd::run(cmd),
        Command::Reference(args) => reference_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Conform(args) => conform_cmd::run(args),
        Command::Compare(args) => compare_cmd::run(args),
        Command::Load(args) => load_cmd::run(args),
        Command::Schema(cmd) => schema_cmd::run(cmd),
        Command::Id(cmd) => id_cmd::run(cmd),
        Command::Calc(args) => calc::run(args),
        Command::Completions(args) => shell_cmd::completions(args),
        Command::Man(args) => shell_cmd::man(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            crate::out::errln!("error: {}", message(&e));
            if full_disk(&e) {
                crate::out::errln!(
                    "hint: the disk is full (or a file-size limit or quota was reached): free \
                     space, or write somewhere else (another --out)"
                );
            }
            ExitCode::from(1)
        }
    }
}

/// The exit code of a command that checks something (docs: 0 ok, 1 the input or the target
/// failed): 0 when `passed`, else 1.
pub(crate) fn verdict(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The error and its causes joined by ": ", each cause once: an error whose message already
/// ends with its cause's (`"{path}: {source}"`) does not repeat it.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Whether an error comes from a full disk, a file-size limit or a quota.
fn full_disk(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::{FileTooLarge, QuotaExceeded, StorageFull};
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| matches!(io.kind(), StorageFull | FileTooLarge | QuotaExceeded))
}
