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
    #[command(flatten)]
    pub who: crate::audit_cmd::TwoPersonArgs,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit decrypt`: exit 0 when the copy is complete, checked and recorded; 1 when
/// refused (wrong key, altered ciphertext, existing output) or not recorded; 2 for a
/// two-person decryption without a second operator.
pub fn run(args: DecryptArgs) -> anyhow::Result<ExitCode> {
    if let Some(code) = crate::audit_cmd::two_person_refusal(&args.who) {
        return Ok(code);
    }
    let log = args.audit.log()?;
    let options = nhikit_safety::DecryptOptions {
        operator: crate::audit_cmd::operator(args.who.operator.as_deref()),
        two_person: args.who.two_person,
        confirm_operator: args.who.confirm_operator.clone(),
        keys: args.who.keys()?,
    };
    let spinner = crate::out::spinner(&format!("decrypting {}", args.dir.display()));
    let done = nhikit_safety::decrypt(&args.dir, &args.identity, &args.out, &options, &log);
    spinner.finish_and_clear();
    let done = done?;
    let summary = format!(
        "decrypted to {} ({} files, {} bytes, every SHA-256 checked; sealed read-only)",
        args.out.display(),
        done.files,
        done.bytes
    );
    // A plaintext copy exists: if the log cannot record it, the record is printed instead.
    crate::audit_cmd::record_done(
        &log,
        done.to_entry(),
        &args.dir,
        &summary,
        done.confirmed_by.as_deref(),
        &format!("was decrypted to {}", args.out.display()),
    )
}
