//! Issue 19, the safety controls tried as an attacker would: encryption that gives no guess a
//! test, paths from manifests that leave their dataset, an audit log truncated, deleted or
//! forged, copies taken for originals, look-alike operators, and crashes mid-destroy and
//! mid-decrypt. Each test names the command, the input, the refusal expected, and checks the
//! victim afterwards.

use crate::{read_json, text, workspace};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KEY1: &str = "# public key: age1dxg4geru8lau3cd06gn7mrfz8ty7ex8v2n99798urmv4m0c4c3csdrqx6u\nAGE-SECRET-KEY-12427Z95A2585ACRRE225EALMHWTMYSJZGLJPKVSDDKFTUZ6L7DCQ4QWTNG\n";
const RECIPIENT1: &str = "age1dxg4geru8lau3cd06gn7mrfz8ty7ex8v2n99798urmv4m0c4c3csdrqx6u";

/// A scratch directory with its own audit log, audit key and operators register.
pub(crate) struct Lab {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Lab {
    pub(crate) fn new() -> Lab {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::write(root.join("age.key"), KEY1).unwrap();
        Lab { _tmp: tmp, root }
    }

    fn path(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }

    fn log(&self) -> PathBuf {
        self.root.join("audit.jsonl")
    }

    /// `nhikit ARGS` with this lab's log, key and register, and extra environment.
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nhikit"));
        c.args(args)
            .current_dir(workspace())
            .env_remove("NHIKIT_SCHEMAS")
            .env_remove("NHIKIT_FAULT")
            .env("NHIKIT_AUDIT_LOG", self.log())
            .env("NHIKIT_AUDIT_KEY", self.root.join("conf/audit.key"))
            .env("NHIKIT_OPERATORS", self.root.join("conf/operators.toml"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "nhikit {args:?}: {}", text(&o));
        text(&o)
    }

    fn refused(&self, args: &[&str], why: &str) -> String {
        let o = self.run(args);
        assert_eq!(o.status.code(), Some(1), "nhikit {args:?}: {}", text(&o));
        assert!(
            text(&o).contains(why),
            "nhikit {args:?}: expected {why:?} in {}",
            text(&o)
        );
        text(&o)
    }

    /// A small plaintext dataset.
    fn generate(&self, name: &str, extra: &[&str]) -> String {
        let out = self.path(name);
        let mut a = vec![
            "gen",
            "--households",
            "12",
            "--municipality",
            "131016",
            "--format",
            "jsonl",
            "--quiet",
            "--out",
            &out,
        ];
        a.extend_from_slice(extra);
        self.ok(&a);
        out
    }

    /// alice and bob registered, with their key files `alice.key`, `bob.key`.
    fn operators(&self) {
        for name in ["alice", "bob"] {
            let key = self.path(&format!("{name}.key"));
            self.ok(&["operator", "keygen", "--name", name, "--out", &key]);
            self.ok(&["operator", "register", "--name", name, "--key-file", &key]);
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(self.log()).unwrap_or_default()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    crate::files_under(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

fn unseal(dir: &str) {
    nhikit_io::unseal_dir(Path::new(dir)).unwrap();
}

#[test]
fn issue19_encrypted_dataset_and_log_give_a_guessed_seed_nothing_to_match() {
    let lab = Lab::new();
    // No --seed with --encrypt-to: the seed is drawn at random and kept inside the encryption.
    let enc = lab.generate("enc", &["--encrypt-to", RECIPIENT1]);
    let clear = std::fs::read_to_string(Path::new(&enc).join("manifest.json")).unwrap();
    let log = lab.log_text();
    let outer: serde_json::Value = serde_json::from_str(&clear).unwrap();
    assert_eq!(outer["seed"], 0);
    assert!(outer["options"].is_null());
    assert!(
        outer["encryption"]["manifest"]
            .get("plaintext_sha256")
            .is_none()
    );
    assert_eq!(outer["entities"], serde_json::json!({}));
    assert!(
        outer["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rows"] == 0)
    );
    for e in log.lines() {
        let e: serde_json::Value = serde_json::from_str(e).unwrap();
        for banned in ["seed", "households", "plaintext_dataset", "options"] {
            assert!(e["details"].get(banned).is_none(), "{banned} in {e}");
        }
    }
    // The attacker regenerates with the default seed and with guesses: no hash of any of
    // their files (the manifest included) and no record count appears in the clear.
    for seed in ["0", "1", "42"] {
        let guess = lab.generate(&format!("guess-{seed}"), &["--seed", seed]);
        for f in files(Path::new(&guess)) {
            let h = sha256_hex(&std::fs::read(Path::new(&guess).join(&f)).unwrap());
            assert!(
                !clear.contains(&h),
                "seed {seed}: {} matches the clear manifest",
                f.display()
            );
            assert!(
                !log.contains(&h),
                "seed {seed}: {} matches the audit log",
                f.display()
            );
        }
    }
    // The key holder gets the data back, with a seed nobody chose.
    let copy = lab.path("copy");
    lab.ok(&[
        "decrypt",
        &enc,
        "--identity",
        &lab.path("age.key"),
        "--out",
        &copy,
    ]);
    let inner = read_json(&Path::new(&copy).join("manifest.json"));
    assert_ne!(inner["seed"], 0);
    assert!(!clear.contains(&inner["seed"].to_string()));
    lab.ok(&["verify", &copy]);
}

/// An "encrypted dataset" forged with the public key alone, whose manifests list `listed`.
fn forge_encrypted(lab: &Lab, name: &str, listed: &str) -> String {
    let model = lab.generate(&format!("{name}-model"), &[]);
    let mut inner = read_json(&Path::new(&model).join("manifest.json"));
    let enc = nhikit_safety::AgeEncryptor::new(&[RECIPIENT1]).unwrap();
    let payload = b"{\"pwned\":true}\n";
    let dir = lab.root.join(name);
    std::fs::create_dir(&dir).unwrap();
    let data = enc.encrypt_bytes(payload).unwrap();
    inner["files"] = serde_json::json!([{
        "path": listed, "entity": "person", "format": "jsonl", "rows": 1,
        "bytes": payload.len(), "sha256": sha256_hex(payload),
    }]);
    let inner_bytes = serde_json::to_vec_pretty(&inner).unwrap();
    let inner_enc = enc.encrypt_bytes(&inner_bytes).unwrap();
    std::fs::write(dir.join("manifest.json.age"), &inner_enc).unwrap();
    let mut outer = inner.clone();
    outer["seed"] = 0.into();
    outer["options"] = serde_json::Value::Null;
    outer["files"] = serde_json::json!([{
        "path": format!("{listed}.age"), "entity": "person", "format": "jsonl", "rows": 0,
        "bytes": data.len(), "sha256": sha256_hex(&data),
    }]);
    outer["encryption"] = serde_json::json!({
        "scheme": "age", "recipients": [RECIPIENT1],
        "manifest": {"path": "manifest.json.age", "bytes": inner_enc.len(), "sha256": sha256_hex(&inner_enc)},
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&outer).unwrap(),
    )
    .unwrap();
    // The ciphertext where the outer manifest says, when that is inside the dataset.
    if !listed.starts_with('/') && !listed.starts_with("..") {
        std::fs::write(dir.join(format!("{listed}.age")), &data).unwrap();
    }
    dir.to_string_lossy().into_owned()
}

#[test]
fn issue19_decrypt_of_a_forged_dataset_listing_abs_or_parent_paths_is_refused() {
    let lab = Lab::new();
    let victim_dir = lab.root.join("victim");
    std::fs::create_dir(&victim_dir).unwrap();
    let victim = victim_dir.join("precious.txt");
    std::fs::write(&victim, "mine").unwrap();
    let abs = victim.to_string_lossy().into_owned();
    for (name, listed, why) in [
        ("abs", abs.as_str(), "absolute path refused"),
        ("dotdot", "../../victim/precious.txt", "`..` refused"),
    ] {
        let forged = forge_encrypted(&lab, name, listed);
        let out = lab.path(&format!("{name}-out"));
        lab.refused(
            &[
                "decrypt",
                &forged,
                "--identity",
                &lab.path("age.key"),
                "--out",
                &out,
            ],
            why,
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine", "{name}");
        assert!(!Path::new(&out).exists(), "{name}: output written");
        assert_eq!(files(&victim_dir), vec![PathBuf::from("precious.txt")]);
    }
    // A link inside an encrypted dataset is refused too.
    let forged = forge_encrypted(&lab, "linked", "p.jsonl");
    std::os::unix::fs::symlink(&victim, Path::new(&forged).join("x.jsonl.age")).unwrap();
    lab.refused(
        &[
            "decrypt",
            &forged,
            "--identity",
            &lab.path("age.key"),
            "--out",
            &lab.path("linked-out"),
        ],
        "symbolic link",
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine");
}

#[test]
fn issue19_destroy_refuses_parent_absolute_and_linked_paths_and_touches_nothing() {
    let lab = Lab::new();
    let victim_dir = lab.root.join("victim");
    std::fs::create_dir(&victim_dir).unwrap();
    let victim = victim_dir.join("precious.txt");
    std::fs::write(&victim, "mine").unwrap();
    let abs = victim.to_string_lossy().into_owned();
    // Manifest paths that leave the dataset.
    for (name, listed, why) in [
        ("dotdot", "../victim/precious.txt", "`..` refused"),
        ("abs", abs.as_str(), "absolute path refused"),
    ] {
        let d = lab.generate(name, &[]);
        unseal(&d);
        let m = Path::new(&d).join("manifest.json");
        let mut manifest = read_json(&m);
        let mut extra = manifest["files"][0].clone();
        extra["path"] = listed.into();
        manifest["files"].as_array_mut().unwrap().push(extra);
        std::fs::write(&m, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
        let before = files(Path::new(&d));
        lab.refused(&["destroy", &d, "--operator", "alice"], why);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine", "{name}");
        assert_eq!(
            files(Path::new(&d)),
            before,
            "{name}: the dataset was touched"
        );
    }
    // A link inside the dataset, to a file and to a directory.
    let other = lab.root.join("victim-dir");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "also mine").unwrap();
    for (name, target) in [("file-link", victim.clone()), ("dir-link", other.clone())] {
        let d = lab.generate(name, &[]);
        unseal(&d);
        let first = files(Path::new(&d))[0].clone();
        std::fs::remove_file(Path::new(&d).join(&first)).unwrap();
        std::os::unix::fs::symlink(&target, Path::new(&d).join(&first)).unwrap();
        lab.refused(&["destroy", &d, "--operator", "alice"], "symbolic link");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine", "{name}");
        assert_eq!(
            std::fs::read_to_string(other.join("keep.txt")).unwrap(),
            "also mine"
        );
        assert!(
            Path::new(&d).join("manifest.json").exists(),
            "{name}: manifest wiped"
        );
    }
    assert!(
        !lab.log_text().contains("destroy-intent"),
        "no destruction may have begun"
    );
}

#[test]
fn issue19_audit_log_truncated_deleted_or_forged_is_detected() {
    let lab = Lab::new();
    let d = lab.generate("d", &[]);
    lab.ok(&["destroy", &d, "--operator", "alice"]);
    let cp = lab.path("checkpoint.json");
    lab.ok(&["audit", "checkpoint", "--out", &cp]);
    let out = lab.ok(&["audit", "verify", "--checkpoint", &cp]);
    assert!(
        out.contains("compared with the checkpoint of entry 3"),
        "{out}"
    );
    let out = lab.ok(&["audit", "verify"]);
    assert!(out.contains("no checkpoint given"), "{out}");
    let whole = lab.log_text();
    let lines: Vec<&str> = whole.lines().collect();
    assert_eq!(lines.len(), 3);

    // Truncated: the last entry (the destruction record) removed.
    std::fs::write(lab.log(), format!("{}\n{}\n", lines[0], lines[1])).unwrap();
    lab.ok(&["audit", "verify"]); // undetectable without the checkpoint …
    lab.refused(
        &["audit", "verify", "--checkpoint", &cp],
        "entry 3 was removed",
    );

    // Deleted.
    std::fs::remove_file(lab.log()).unwrap();
    lab.refused(
        &["audit", "verify", "--checkpoint", &cp],
        "the log was deleted or replaced",
    );

    // Forged: entry 2 edited and the chain recomputed from it, as a forger without the key.
    let mut entries: Vec<nhikit_safety::AuditEntry> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    entries[1].operator = "mallory".into();
    for i in 1..entries.len() {
        entries[i].prev = entries[i - 1].hash.clone();
        let mac = entries[i].mac.take();
        entries[i].hash = String::new();
        entries[i].hash = sha256_hex(&serde_json::to_vec(&entries[i]).unwrap());
        if i == 1 {
            entries[i].mac = mac; // the old MAC kept
        }
    }
    let forged: String = entries
        .iter()
        .map(|e| format!("{}\n", serde_json::to_string(e).unwrap()))
        .collect();
    std::fs::write(lab.log(), &forged).unwrap();
    let out = lab.refused(
        &["audit", "verify"],
        "entry 2's MAC does not match the audit key",
    );
    assert!(out.contains("entry 3 has no MAC"), "{out}");
    lab.refused(&["audit", "verify", "--checkpoint", &cp], "rewritten");

    // A key that group or others may read is refused.
    std::fs::write(lab.log(), &whole).unwrap();
    let key = lab.root.join("conf/audit.key");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    lab.refused(&["audit", "verify"], "group or others may access");
}

#[test]
fn issue19_destroying_a_copy_does_not_mark_the_original_destroyed() {
    let lab = Lab::new();
    let original = lab.generate("original", &[]);
    let copy = lab.path("copy");
    let o = Command::new("cp")
        .args(["-a", &original, &copy])
        .output()
        .unwrap();
    assert!(o.status.success());
    lab.ok(&["destroy", &copy, "--operator", "alice"]);
    assert!(Path::new(&original).join("manifest.json").exists());
    let report = lab.ok(&["audit", "report"]);
    let line_of = |p: &str| {
        report
            .lines()
            .find(|l| l.contains(&format!("  {p}  ")))
            .unwrap_or_else(|| panic!("{p} not in {report}"))
            .to_owned()
    };
    assert!(line_of(&original).contains("NOT destroyed"), "{report}");
    let c = line_of(&copy);
    assert!(
        c.contains("COPY of") && c.contains(&original) && c.contains("DESTROYED"),
        "{report}"
    );
}

#[test]
fn issue19_two_person_refuses_the_same_or_a_lookalike_operator_and_records_signatures() {
    let lab = Lab::new();
    lab.operators();
    let d = lab.generate("d", &[]);
    let keys = [
        "--operator-key",
        &lab.path("alice.key"),
        "--confirm-key",
        &lab.path("bob.key"),
    ];
    for (second, why) in [
        ("Alice", "same name"),
        ("\u{430}lice", "mixes scripts"),
        ("ali\u{200b}ce", "U+200B"),
    ] {
        let mut a = vec![
            "destroy",
            &d,
            "--two-person",
            "--operator",
            "alice",
            "--confirm-operator",
            second,
        ];
        a.extend_from_slice(&keys);
        lab.refused(&a, why);
        assert!(Path::new(&d).join("manifest.json").exists(), "{second:?}");
    }
    // bob's name with alice's key for him: refused.
    let mut a = vec![
        "destroy",
        &d,
        "--two-person",
        "--operator",
        "alice",
        "--confirm-operator",
        "bob",
    ];
    let alice_twice = [
        "--operator-key",
        &lab.path("alice.key"),
        "--confirm-key",
        &lab.path("alice.key"),
    ];
    a.extend_from_slice(&alice_twice);
    lab.refused(&a, "not the key registered for operator \"bob\"");
    // Without the key files: a usage error.
    let o = lab.run(&[
        "destroy",
        &d,
        "--two-person",
        "--operator",
        "alice",
        "--confirm-operator",
        "bob",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // Registering a look-alike is refused.
    let o = lab.run(&[
        "operator",
        "register",
        "--name",
        "\u{430}l\u{456}\u{441}e",
        "--key-file",
        &lab.path("bob.key"),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // Two registered operators with their keys: done, and the signatures verify later.
    let mut a = vec![
        "destroy",
        &d,
        "--two-person",
        "--operator",
        "Alice",
        "--confirm-operator",
        "bob",
    ];
    a.extend_from_slice(&keys);
    lab.ok(&a);
    let last: serde_json::Value =
        serde_json::from_str(lab.log_text().lines().last().unwrap()).unwrap();
    assert_eq!(last["event"], "destroy");
    assert_eq!(last["operator"], "alice");
    let names = nhikit_safety::check_approval(
        &last["details"]["approval"],
        last["dataset"].as_str().unwrap(),
        last["path"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(names, vec!["alice", "bob"]);
    lab.ok(&["audit", "verify"]);
}

#[test]
fn issue19_a_destroy_killed_mid_wipe_is_reported_and_completed_by_a_rerun() {
    let lab = Lab::new();
    let d = lab.generate("d", &[]);
    // The process dies (abort, as kill -9) after wiping its first file.
    let o = lab.run_env(
        &["destroy", &d, "--operator", "alice"],
        &[("NHIKIT_FAULT", "destroy-after-first-file")],
    );
    assert!(
        !o.status.success() && o.status.code().is_none(),
        "{}",
        text(&o)
    );
    assert!(Path::new(&d).join("manifest.json").exists());
    let report = lab.ok(&["audit", "report"]);
    assert!(report.contains("DESTRUCTION UNFINISHED"), "{report}");
    let out = lab.ok(&["destroy", &d, "--operator", "alice"]);
    assert!(
        out.contains("completing the destruction begun in entry"),
        "{out}"
    );
    assert!(!Path::new(&d).exists());
    let report = lab.ok(&["audit", "report"]);
    assert!(
        report.contains("DESTROYED") && !report.contains("UNFINISHED"),
        "{report}"
    );
    lab.ok(&["audit", "verify"]);
}

#[test]
fn issue19_a_decrypt_killed_mid_write_leaves_only_0700_staging_that_the_next_run_removes() {
    let lab = Lab::new();
    let enc = lab.generate("enc", &["--encrypt-to", RECIPIENT1]);
    let out = lab.path("plain");
    let args = [
        "decrypt",
        enc.as_str(),
        "--identity",
        &lab.path("age.key"),
        "--out",
        &out,
    ];
    let o = lab.run_env(&args, &[("NHIKIT_FAULT", "decrypt-after-first-file")]);
    assert!(
        !o.status.success() && o.status.code().is_none(),
        "{}",
        text(&o)
    );
    assert!(!Path::new(&out).exists());
    let staging: Vec<PathBuf> = std::fs::read_dir(&lab.root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".nhikit-partial-decrypt-"))
        .collect();
    assert_eq!(staging.len(), 1, "{staging:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&staging[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "staging mode {mode:o}");
    let report = lab.ok(&["audit", "report"]);
    assert!(
        report.contains("UNFINISHED decrypt") && report.contains("may hold plaintext"),
        "{report}"
    );
    lab.ok(&args);
    assert!(!staging[0].exists(), "staging left behind");
    lab.ok(&["verify", &out]);
    let report = lab.ok(&["audit", "report"]);
    assert!(!report.contains("UNFINISHED decrypt"), "{report}");
}

#[test]
fn issue19_a_second_decrypt_into_the_same_output_fails_at_once() {
    let lab = Lab::new();
    let enc = lab.generate("enc", &["--encrypt-to", RECIPIENT1]);
    let (key, out) = (lab.path("age.key"), lab.path("plain"));
    let decrypt = ["decrypt", &enc, "--identity", &key, "--out", &out];
    // Another decrypt holds OUT's lock.
    let lock = std::fs::File::create(lab.root.join(".plain.nhikit-decrypt.lock")).unwrap();
    lock.lock().unwrap();
    lab.refused(&decrypt, "another nhikit decrypt is writing it");
    assert!(!Path::new(&out).exists());
    drop(lock);
    // A dataset writer of another kind (gen, reference export) holds OUT's output lock.
    let held = nhikit_io::OutputLock::acquire(Path::new(&out)).unwrap();
    lab.refused(&decrypt, "another nhikit process is writing there");
    assert!(!Path::new(&out).exists());
    drop(held);
    lab.ok(&decrypt);
}

#[test]
fn issue19_a_forged_log_entry_cannot_make_decrypt_remove_a_directory() {
    let lab = Lab::new();
    let enc = lab.generate("enc", &["--encrypt-to", RECIPIENT1]);
    // A directory named like a staging directory, and an entry without a MAC that says a
    // decryption died leaving it there.
    let victim = lab.root.join("mine.nhikit-partial-decrypt-1");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("precious.txt"), "mine").unwrap();
    let forged = serde_json::json!({
        "seq": 99, "time": "2026-01-01T00:00:00Z", "event": "decrypt-start", "operator": "mallory",
        "details": {"staging": victim, "lock": lab.root.join("forged.lock"), "pid": 1},
        "prev": "", "hash": ""
    });
    let mut log = lab.log_text();
    log.push_str(&format!("{forged}\n"));
    std::fs::write(lab.log(), log).unwrap();
    lab.ok(&[
        "decrypt",
        &enc,
        "--identity",
        &lab.path("age.key"),
        "--out",
        &lab.path("plain"),
    ]);
    assert_eq!(
        std::fs::read_to_string(victim.join("precious.txt")).unwrap(),
        "mine"
    );
    assert!(!lab.root.join("forged.lock").exists());
}
