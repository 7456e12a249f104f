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
    #[command(flatten)]
    pub who: crate::audit_cmd::TwoPersonArgs,
    #[command(flatten)]
    pub audit: crate::audit_cmd::AuditLogArgs,
}

/// Runs `nhikit destroy`: exit 0 when destroyed and recorded, 1 when refused or not recorded,
/// 2 for a two-person destruction without a second operator or the key files.
///
/// An intent entry is logged before the first byte is wiped; the completion entry after. A
/// rerun after a crash completes the destruction and records it.
pub fn run(args: DestroyArgs) -> anyhow::Result<ExitCode> {
    let method: nhikit_safety::DestroyMethod = args.method.parse()?;
    if let Some(code) = crate::audit_cmd::two_person_refusal(&args.who) {
        return Ok(code);
    }
    let log = args.audit.log()?;
    let options = nhikit_safety::DestroyOptions {
        method,
        operator: crate::audit_cmd::operator(args.who.operator.as_deref()),
        two_person: args.who.two_person,
        confirm_operator: args.who.confirm_operator.clone(),
        key_file: args.key.clone(),
        keys: args.who.keys()?,
    };
    let done = nhikit_safety::destroy(&args.dir, &options, &log)?;
    if done.resumed {
        crate::out::errln!(
            "{}: completing the destruction begun in entry {} (a run that did not finish)",
            args.dir.display(),
            done.intent
        );
    }
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
