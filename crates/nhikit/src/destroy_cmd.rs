//! `nhikit destroy DIR`: removes a dataset (or destroys the key of an encrypted one) and
//! records it in the audit log.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `nhikit destroy`.
#[derive(Args, Debug)]
pub struct DestroyArgs {
    /// The dataset directory (refused unless it holds an nhikit manifest and only its files).
    pub dir: PathBuf,
    /// How: `delete` (overwrite with zeros, fsync, unlink; sealed datasets are opened first)
    /// or `crypto-erase` (an encrypted dataset: destroy its key file, --key).
    #[arg(long, default_value = "delete")]
    pub method: String,
    /// For crypto-erase: the age identity (key) file to destroy; it must open the dataset and
    /// hold the key of every recipient.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Who destroys it (default: $USER).
    #[arg(long)]
    pub operator: Option<String>,
    /// Require a second operator to confirm (--confirm-operator), distinct from the first.
    #[arg(long)]
    pub two_person: bool,
    /// The second operator confirming a two-person destruction.
    #[arg(long)]
    pub confirm_operator: Option<String>,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit destroy`: exit 0 when destroyed and recorded, 1 when refused or not recorded,
/// 2 for a two-person destruction without a distinct second operator.
pub fn run(args: DestroyArgs) -> anyhow::Result<ExitCode> {
    let method: nhikit_safety::DestroyMethod = args.method.parse()?;
    if let Some(code) =
        crate::audit_cmd::two_person_refusal(args.two_person, args.confirm_operator.as_deref())
    {
        return Ok(code);
    }
    let log = args.audit.log()?;
    let options = nhikit_safety::DestroyOptions {
        method,
        operator: crate::audit_cmd::operator(args.operator.as_deref()),
        two_person: args.two_person,
        confirm_operator: args.confirm_operator.clone(),
        key_file: args.key.clone(),
    };
    let done = nhikit_safety::destroy(&args.dir, &options)?;
    let what = match &done.key_file {
        Some(key) => format!(
            "key {key} destroyed ({}, {} bytes); the {} encrypted files can no longer be decrypted with it",
            done.method.name(),
            done.bytes,
            done.files.len()
        ),
        None => format!(
            "destroyed ({}, {} files, {} bytes)",
            done.method.name(),
            done.files.len(),
            done.bytes
        ),
    };
    // The data are gone; the record must not be: if the log cannot take it, it is printed.
    crate::audit_cmd::record_done(
        &log,
        done.to_entry(),
        &args.dir,
        &what,
        done.confirmed_by.as_deref(),
        "was destroyed",
    )
}
