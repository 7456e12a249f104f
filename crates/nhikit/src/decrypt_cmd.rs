//! `nhikit decrypt DIR --identity KEY --out COPY`: restores a plaintext copy of an encrypted
//! dataset, checked file by file against the manifest, and records it in the audit log.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `nhikit decrypt`.
#[derive(Args, Debug)]
pub struct DecryptArgs {
    /// The encrypted dataset directory (written by `nhikit gen --encrypt-to`).
    pub dir: PathBuf,
    /// The age identity (key) file: `AGE-SECRET-KEY-1…` lines, as `age-keygen` writes them.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub identity: PathBuf,
    /// The new directory for the plaintext copy; must not exist (or be empty). It appears only
    /// when every file is decrypted and checked.
    #[arg(long)]
    pub out: PathBuf,
    /// Who decrypts (default: $USER).
    #[arg(long)]
    pub operator: Option<String>,
    /// Require a second operator to confirm (--confirm-operator), distinct from the first.
    #[arg(long)]
    pub two_person: bool,
    /// The second operator confirming a two-person decryption.
    #[arg(long)]
    pub confirm_operator: Option<String>,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit decrypt`: exit 0 when the copy is complete, checked and recorded; 1 when
/// refused (wrong key, altered ciphertext, existing output) or not recorded; 2 for a
/// two-person decryption without a second operator.
pub fn run(args: DecryptArgs) -> anyhow::Result<ExitCode> {
    if args.two_person
        && args
            .confirm_operator
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        eprintln!("error: --two-person needs --confirm-operator NAME (another person)");
        return Ok(ExitCode::from(2));
    }
    let log = args.audit.log()?;
    let options = nhikit_safety::DecryptOptions {
        operator: crate::audit_cmd::operator(args.operator.as_deref()),
        two_person: args.two_person,
        confirm_operator: args.confirm_operator.clone(),
    };
    let done = nhikit_safety::decrypt(&args.dir, &args.identity, &args.out, &options)?;
    let entry = done.to_entry();
    match log.append(entry.clone()) {
        Ok(written) => {
            eprintln!(
                "{}: decrypted to {} ({} files, {} bytes, every SHA-256 checked; sealed read-only) by {}{}; recorded as entry {} of {}",
                args.dir.display(),
                args.out.display(),
                done.files,
                done.bytes,
                done.operator,
                done.confirmed_by
                    .as_deref()
                    .map(|c| format!(", confirmed by {c}"))
                    .unwrap_or_default(),
                written.seq,
                log.path().display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // A plaintext copy exists that the log does not know of: print the record.
            crate::out::print(&format!(
                "{}\n",
                serde_json::to_string(&entry).unwrap_or_default()
            ))?;
            eprintln!(
                "error: {} was written but the audit log could not be ({e}); the record is printed above",
                args.out.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}
