//! Issue 19, `nhikit serve` as a user runs it: a non-loopback address needs TLS or
//! `--insecure`; a generated token is printed once and required; TLS works end to end through a
//! profile with its own CA; import/export travel as archives and are written to the audit log
//! with the client's address; the server's files stay under its `--data-dir`.

use crate::{TEST_TOKEN, gen_ok, text, workspace};
use nhikit_adapters::{ConnectOptions, connect};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `nhikit serve ARGS` with `env` and reads `n` lines of its stdout.
fn serve(args: &[&str], env: &[(&str, &str)], n: usize) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nhikit"));
    cmd.arg("serve")
        .args(args)
        .current_dir(workspace())
        .env_remove("NHIKIT_TOKEN")
        .env("NHIKIT_AUDIT_KEY", crate::audit_key())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..n {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_owned());
    }
    std::thread::spawn(move || for _ in out.lines() {});
    Running { child, lines }
}

fn generate(dir: &Path, households: &str) {
    gen_ok(
        dir,
        &["--households", households, "--seed", "3", "--format", "csv"],
    );
}

#[test]
fn a_non_loopback_address_needs_tls_or_insecure() {
    let o = Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(["serve", "--addr", "0.0.0.0:0"])
        .env("NHIKIT_TOKEN", TEST_TOKEN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--tls-cert"), "{}", text(&o));
    // --insecure serves, with a warning.
    let mut child = Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(["serve", "--addr", "0.0.0.0:0", "--insecure"])
        .env("NHIKIT_TOKEN", TEST_TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://0.0.0.0:"), "{line}");
    let _ = child.kill();
    let o = child.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("warning: serving plain HTTP"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_generated_token_is_printed_once_and_required() {
    let s = serve(&["--addr", "127.0.0.1:0"], &[], 2);
    let url = s.lines[0].strip_prefix("listening on ").unwrap().to_owned();
    let token = s.lines[1].rsplit(' ').next().unwrap().to_owned();
    assert_eq!(token.len(), 64, "{:?}", s.lines);
    let without = connect(&url, &ConnectOptions::default()).unwrap();
    let e = without.reset(&nhikit_target::ResetRequest {}).unwrap_err();
    assert_eq!(e.item.as_deref(), Some("authorization"), "{e}");
    let with = connect(
        &url,
        &ConnectOptions {
            token: Some(token),
            ..ConnectOptions::default()
        },
    )
    .unwrap();
    assert!(with.reset(&nhikit_target::ResetRequest {}).is_ok());
}

#[test]
fn tls_import_export_through_a_profile_and_the_audit_log() {
    let tmp = tempfile::tempdir().unwrap();
    // A CA and a server certificate it signs (webpki refuses a CA certificate as the leaf).
    let (cert, key) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    };
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    let args = |line: String| line.split(' ').map(str::to_owned).collect::<Vec<_>>();
    let run = |line: String| openssl(&args(line).iter().map(String::as_str).collect::<Vec<_>>());
    run(format!(
        "req -x509 {ec} -days 1 -subj /CN=nhikit-test-ca -keyout ca.key -out ca.pem"
    ));
    run(format!(
        "req {ec} -subj /CN=localhost -keyout key.pem -out leaf.csr"
    ));
    std::fs::write(
        tmp.path().join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-out",
        "cert.pem",
        "-extfile",
        "ext.cnf",
    ]);
    let ds = tmp.path().join("ds");
    generate(&ds, "15");
    let data = tmp.path().join("server-data");
    let log = tmp.path().join("audit.jsonl");
    let s = serve(
        &[
            "--addr",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[
            ("NHIKIT_TOKEN", TEST_TOKEN),
            ("NHIKIT_AUDIT_LOG", log.to_str().unwrap()),
        ],
        1,
    );
    let url = s.lines[0].strip_prefix("listening on ").unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let port = url.rsplit(':').next().unwrap();
    let profile = tmp.path().join("target.toml");
    std::fs::write(
        &profile,
        format!(
            "kind = \"http\"\nbase_url = \"https://localhost:{port}\"\ntransfer = \"archive\"\n\
             token_env = \"NHIKIT_TEST_TLS_TOKEN\"\n[tls]\nca_file = \"ca.pem\"\n"
        ),
    )
    .unwrap();
    // Plain HTTP to the TLS port is refused (no answer is a valid HTTP response).
    let plain = connect(
        &format!("http://127.0.0.1:{port}"),
        &ConnectOptions {
            token: Some(TEST_TOKEN.into()),
            timeout: Some(std::time::Duration::from_secs(5)),
            ..ConnectOptions::default()
        },
    )
    .unwrap();
    assert!(plain.reset(&nhikit_target::ResetRequest {}).is_err());
    // The profile (the server's certificate as its CA) runs the round trip: import uploads,
    // export downloads, through TLS.
    let options = ConnectOptions {
        token: Some(TEST_TOKEN.into()),
        ..ConnectOptions::default()
    };
    let https = connect(&format!("https://localhost:{port}"), &options);
    // The default mapping trusts the public roots only, so a self-signed certificate fails.
    let refused = https
        .ok()
        .map(|t| t.reset(&nhikit_target::ResetRequest {}).is_err());
    assert_eq!(refused, Some(true));
    let o = Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args(["conform", "--target"])
        .arg(&profile)
        .args(["--filter", "export-round-trip", "--report"])
        .arg(tmp.path().join("report"))
        .current_dir(workspace())
        .env("NHIKIT_TEST_TLS_TOKEN", TEST_TOKEN)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    drop(s);
    // Nothing left in the server's scratch area; the log names the client.
    let left = std::fs::read_dir(data.join(".transfer"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0);
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("\"serve-import\""), "{log}");
    assert!(log.contains("\"serve-export\""), "{log}");
    assert!(log.contains("127.0.0.1:"), "{log}");
    assert!(!log.contains(TEST_TOKEN));
    assert!(ds.join("manifest.json").is_file());
}
