//! The files adapter against small shell commands: a response file, an error file, no file, a
//! file that is not JSON, a command that hangs. (Against `nhikit reference call`, the real
//! reference, in crates/nhikit/tests/it/adapters.rs.)

use crate::*;
use nhikit_adapters::SharedTarget;
use std::time::{Duration, Instant};

fn files_target(dir: &Path, command: &str, timeout_ms: u64) -> SharedTarget {
    let profile = dir.join("files.toml");
    std::fs::write(
        &profile,
        format!(
            "kind = \"files\"\nexchange_dir = \"exchange\"\n[vars]\nanswer = \"answer.json\"\n\
             [ops.high_cost_limit]\ncommand = [\"sh\", \"-c\", {}, \"sh\", \"{{request}}\", \
             \"{{response}}\", \"{{op}}\", \"{{service_month}}\"]\n",
            // Braces of the script are literal: doubled, as in any command template.
            serde_json::to_string(&command.replace('{', "{{").replace('}', "}}")).unwrap()
        ),
    )
    .unwrap();
    crate::connect_with_timeout(&profile, timeout_ms)
}

fn high_cost() -> HighCostRequest {
    req(json!({"service_month": "2026-05", "under70_category": "ウ", "claims": []}))
}

#[test]
fn request_and_response_files_and_placeholders() {
    let tmp = tempfile::tempdir().unwrap();
    // The command sees the request file, the operation and a request field; it answers with
    // the service month as the table name.
    let script = r#"grep -q '"service_month": "2026-05"' "$1" || exit 9
        [ "$3" = high_cost_limit ] || exit 8
        printf '{"table":"%s","kourei_limit":null,"household_limit":1,"refund":2,"total_copay":3,"burden":4}' "$4" > "$2""#;
    let t = files_target(tmp.path(), script, 10_000);
    let r = t.high_cost_limit(&high_cost()).unwrap();
    assert_eq!((r.table.as_str(), r.burden.0), ("2026-05", 4));
    // The exchange files are removed after the call.
    assert_eq!(
        std::fs::read_dir(tmp.path().join("exchange"))
            .unwrap()
            .count(),
        0
    );
    // An operation without a command.
    let e = t
        .assess(&req(
            json!({"lgcode": "131016", "household_number": "1", "fiscal_year": 2026}),
        ))
        .unwrap_err();
    assert_eq!((e.code, e.item.as_deref()), (ErrorCode::Io, Some("assess")));
    assert!(e.message.contains("no command"), "{e}");
}

#[test]
fn an_error_file_is_the_target_error() {
    let tmp = tempfile::tempdir().unwrap();
    let script = r#"echo '{"error":{"code":"rules","item":"under70_category","message":"no such 区分"}}' > "$2"; exit 1"#;
    let t = files_target(tmp.path(), script, 10_000);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(
        e,
        TargetError::new(ErrorCode::Rules, "no such 区分").with_item("under70_category")
    );
}

#[test]
fn broken_commands_give_errors_naming_the_operation() {
    let tmp = tempfile::tempdir().unwrap();
    let t = files_target(tmp.path(), "echo 'disk on fire' >&2; exit 2", 10_000);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(
        (e.code, e.item.as_deref()),
        (ErrorCode::Io, Some("high_cost_limit"))
    );
    assert!(e.message.contains("no response file"), "{e}");
    assert!(
        e.message.contains("exit status: 2") && e.message.contains("disk on fire"),
        "{e}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let t = files_target(tmp.path(), "echo '<xml/>' > \"$2\"", 10_000);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
    assert!(
        e.message.contains("not JSON") && e.message.contains("<xml/>"),
        "{e}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let t = files_target(tmp.path(), "echo '{\"error\": 42}' > \"$2\"", 10_000);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
    assert!(e.message.contains("not an error object"), "{e}");

    let tmp = tempfile::tempdir().unwrap();
    let t = files_target(tmp.path(), "exec sleep 1000", 300);
    let start = Instant::now();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Io);
    assert!(e.message.contains("did not finish within 0.3 s"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// Issue 19: the exchange files are read and written only under the exchange directory, never
/// through a link. A command (or anyone who can write there) that leaves a link as the
/// response gets a refusal, and the file it points to is neither read nor quoted; a link
/// planted where the request goes is refused, not written through.
#[test]
fn links_in_the_exchange_directory_are_refused_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim.json");
    let secret = r#"{"error":{"code":"rules","message":"SECRET-VICTIM-CONTENT"}}"#;
    std::fs::write(&victim, secret).unwrap();
    let script = format!("ln -s {} \"$2\"", victim.display());
    let t = files_target(tmp.path(), &script, 10_000);
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert_eq!(e.code, ErrorCode::Io, "{e}");
    assert!(e.message.contains("symbolic link refused"), "{e}");
    assert!(!e.message.contains("SECRET"), "{e}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), secret);

    // The next request file's name is predictable: a link planted there is refused.
    let t = files_target(tmp.path(), "exit 0", 10_000);
    let planted = tmp.path().join("exchange").join(format!(
        "{}-000001-high_cost_limit.request.json",
        std::process::id()
    ));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let e = t.high_cost_limit(&high_cost()).unwrap_err();
    assert!(e.message.contains("symbolic link refused"), "{e}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), secret);
}
