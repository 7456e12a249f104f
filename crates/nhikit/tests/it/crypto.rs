//! Encrypted output, decryption, crypto-erase and their audit entries (issue 6).
//!
//! The keys below were made by the Debian `age-keygen` (age 1.x), not by nhikit: an
//! independent source for the recipient of each identity.

use crate::{nhikit, read_json, text};
use std::path::{Path, PathBuf};
use std::process::Command;

const KEY1: &str = "# created: 2026-11-25T10:21:31Z\n# public key: age1dxg4geru8lau3cd06gn7mrfz8ty7ex8v2n99798urmv4m0c4c3csdrqx6u\nAGE-SECRET-KEY-12427Z95A2585ACRRE225EALMHWTMYSJZGLJPKVSDDKFTUZ6L7DCQ4QWTNG\n";
const RECIPIENT1: &str = "age1dxg4geru8lau3cd06gn7mrfz8ty7ex8v2n99798urmv4m0c4c3csdrqx6u";
const KEY2: &str = "# created: 2026-11-25T10:21:31Z\n# public key: age1wyastal0h00fkyw702nvla6l5hpm32jtmn5ts3u7x6t9agtn4dkq0q40vd\nAGE-SECRET-KEY-126ZP8643P3ASMDP0E2QPZXNQ2XCH5LAZ02277GXXZXHME8D04VAQMMNMZ8\n";
const RECIPIENT2: &str = "age1wyastal0h00fkyw702nvla6l5hpm32jtmn5ts3u7x6t9agtn4dkq0q40vd";

const FORMATS: &str = "parquet,arrow,csv,jsonl";

fn gen_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "gen",
        "--households",
        "40",
        "--seed",
        "7",
        "--municipality",
        "131016,271004",
        "--format",
        FORMATS,
        "--quiet",
        "--out",
        out,
    ];
    a.extend_from_slice(extra);
    a
}

fn run_ok(args: &[&str]) -> String {
    let o = nhikit(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
    text(&o)
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = crate::files_under(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    log: String,
    key1: String,
    key2: String,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    std::fs::write(root.join("key1.txt"), KEY1).unwrap();
    std::fs::write(root.join("key2.txt"), KEY2).unwrap();
    Setup {
        log: root.join("audit.jsonl").to_string_lossy().into_owned(),
        key1: root.join("key1.txt").to_string_lossy().into_owned(),
        key2: root.join("key2.txt").to_string_lossy().into_owned(),
        root,
        _tmp: tmp,
    }
}

impl Setup {
    fn path(&self, name: &str) -> String {
        self.root.join(name).to_string_lossy().into_owned()
    }
    /// An encrypted dataset at `name`.
    fn encrypted(&self, name: &str, recipients: &[&str]) -> String {
        let out = self.path(name);
        let mut extra = vec!["--audit-log", self.log.as_str(), "--operator", "alice"];
        for r in recipients {
            extra.push("--encrypt-to");
            extra.push(r);
        }
        run_ok(&gen_args(&out, &extra));
        out
    }
}

#[test]
fn encrypted_gen_leaves_no_plaintext_and_decrypts_to_the_plaintext_dataset() {
    let s = setup();
    let plain = s.path("plain");
    let other_log = s.path("other.jsonl");
    run_ok(&gen_args(&plain, &["--audit-log", &other_log]));
    let enc = s.encrypted("enc", &[RECIPIENT1]);

    // Every data file is an age file; the only clear file is the outer manifest.
    let plain_files = files(Path::new(&plain));
    let enc_files = files(Path::new(&enc));
    let mut expected: Vec<String> = plain_files.iter().map(|f| format!("{f}.age")).collect();
    expected.push("manifest.json".into());
    expected.sort();
    assert_eq!(enc_files, expected);
    // No plaintext: no file holds the first 32 bytes of any plaintext data file (Parquet's PAR1,
    // Arrow's ARROW1, CSV headers, JSON Lines keys), and every .age starts with the age
    // v1 header (age-encryption.org/v1).
    let heads: Vec<Vec<u8>> = plain_files
        .iter()
        .filter(|f| *f != "manifest.json")
        .map(|f| {
            let b = std::fs::read(Path::new(&plain).join(f)).unwrap();
            b[..b.len().min(32)].to_vec()
        })
        .collect();
    for f in &enc_files {
        let bytes = std::fs::read(Path::new(&enc).join(f)).unwrap();
        if f != "manifest.json" {
            assert!(bytes.starts_with(b"age-encryption.org/v1\n"), "{f}");
        }
        for magic in [&b"PAR1"[..], b"ARROW1"] {
            assert!(!contains(&bytes, magic), "{f} holds {magic:?}");
        }
        for h in &heads {
            assert!(!contains(&bytes, h), "{f} holds plaintext");
        }
    }
    // The clear manifest carries no seed and no options (they regenerate the data).
    let outer = read_json(&Path::new(&enc).join("manifest.json"));
    assert_eq!(outer["seed"], 0);
    assert!(outer["options"].is_null());
    assert_eq!(outer["encryption"]["recipients"][0], RECIPIENT1);
    // verify checks the ciphertext hashes of an encrypted dataset.
    run_ok(&["verify", &enc]);

    // Decrypted: byte-identical to the plaintext run of the same seed, and verify passes.
    let copy = s.path("copy");
    let out = run_ok(&[
        "decrypt",
        &enc,
        "--identity",
        &s.key1,
        "--out",
        &copy,
        "--operator",
        "carol",
        "--audit-log",
        &s.log,
    ]);
    assert!(out.contains("decrypted to"), "{out}");
    assert_eq!(files(Path::new(&copy)), plain_files);
    // Every data file byte-identical; the manifests differ only by their random dataset id.
    for f in plain_files.iter().filter(|f| *f != "manifest.json") {
        assert_eq!(
            std::fs::read(Path::new(&copy).join(f)).unwrap(),
            std::fs::read(Path::new(&plain).join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest = |dir: &str| {
        let mut m = read_json(&Path::new(dir).join("manifest.json"));
        m.as_object_mut().unwrap().remove("dataset_id");
        m
    };
    assert_eq!(manifest(&copy), manifest(&plain));
    let out = run_ok(&["verify", &copy]);
    assert!(out.contains("records regenerated"), "{out}");

    // The log tells the story and its chain holds.
    run_ok(&["audit", "verify", "--audit-log", &s.log]);
    let report = run_ok(&["audit", "report", "--audit-log", &s.log]);
    assert!(report.contains("created (gen, encrypted)"), "{report}");
    assert!(report.contains("encrypted (age) to age1dxg4"), "{report}");
    assert!(report.contains(&format!("decrypted to {copy}")), "{report}");
    assert!(report.contains("made by decrypt"), "{report}");
    assert!(report.contains("by carol"), "{report}");
}

#[test]
fn wrong_identity_is_refused_and_writes_nothing() {
    let s = setup();
    let enc = s.encrypted("enc", &[RECIPIENT1]);
    let copy = s.path("copy");
    let o = nhikit(&[
        "decrypt",
        &enc,
        "--identity",
        &s.key2,
        "--out",
        &copy,
        "--audit-log",
        &s.log,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("none of its 1 key(s) can decrypt this dataset"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains(RECIPIENT1), "{}", text(&o));
    // No output directory, no partial sibling.
    let left: Vec<_> = std::fs::read_dir(&s.root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("copy"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A key file that is not a key: the line is named, its content is not shown.
    let bad = s.path("bad.txt");
    std::fs::write(&bad, "# comment\nAGE-SECRET-KEY-1NOTAKEY\n").unwrap();
    let o = nhikit(&["decrypt", &enc, "--identity", &bad, "--out", &copy]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("line 2: not an age X25519 identity"),
        "{}",
        text(&o)
    );
    assert!(!text(&o).contains("NOTAKEY"), "{}", text(&o));
}

#[test]
fn altered_ciphertext_is_named_by_verify_and_refused_by_decrypt() {
    let s = setup();
    let enc = s.encrypted("enc", &[RECIPIENT1]);
    let victim = "jsonl/person/prefecture=13/part-00000.jsonl.age";
    let path = Path::new(&enc).join(victim);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let o = nhikit(&["verify", &enc]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(victim), "{}", text(&o));
    let copy = s.path("copy");
    let o = nhikit(&["decrypt", &enc, "--identity", &s.key1, "--out", &copy]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(victim), "{}", text(&o));
    assert!(!Path::new(&copy).exists());
}

#[test]
fn two_person_decrypt_needs_a_second_distinct_operator() {
    let s = setup();
    let enc = s.encrypted("enc", &[RECIPIENT1]);
    let copy = s.path("copy");
    let base = [
        "decrypt",
        enc.as_str(),
        "--identity",
        s.key1.as_str(),
        "--out",
        copy.as_str(),
        "--audit-log",
        s.log.as_str(),
        "--two-person",
        "--operator",
        "alice",
    ];
    let o = nhikit(&base);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let keys = crate::two_operators(&s.root);
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut same = base.to_vec();
    same.extend(["--confirm-operator", "alice"]);
    same.extend_from_slice(&keys);
    let o = nhikit(&same);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(!Path::new(&copy).exists());
    let mut two = base.to_vec();
    two.extend(["--confirm-operator", "bob"]);
    two.extend_from_slice(&keys);
    let out = run_ok(&two);
    assert!(out.contains("confirmed by bob"), "{out}");
    let entry: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&s.log)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(entry["event"], "decrypt");
    assert_eq!(entry["operator"], "alice");
    assert_eq!(entry["details"]["confirmed_by"], "bob");
    assert_eq!(entry["details"]["keys"][0], RECIPIENT1);
}

#[test]
fn crypto_erase_destroys_the_key_and_the_data_no_longer_decrypt() {
    let s = setup();
    let enc = s.encrypted("enc", &[RECIPIENT1]);
    // The wrong key is refused and left in place.
    let o = nhikit(&[
        "destroy",
        &enc,
        "--method",
        "crypto-erase",
        "--key",
        &s.key2,
        "--audit-log",
        &s.log,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("nothing was erased"), "{}", text(&o));
    assert!(Path::new(&s.key2).exists());
    // Without --key: refused.
    let o = nhikit(&[
        "destroy",
        &enc,
        "--method",
        "crypto-erase",
        "--audit-log",
        &s.log,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("--key FILE"), "{}", text(&o));

    let keys = crate::two_operators(&s.root);
    let mut args = vec![
        "destroy",
        &enc,
        "--method",
        "crypto-erase",
        "--key",
        &s.key1,
        "--operator",
        "alice",
        "--two-person",
        "--confirm-operator",
        "bob",
        "--audit-log",
        &s.log,
    ];
    args.extend(keys.iter().map(String::as_str));
    let out = run_ok(&args);
    assert!(out.contains("can no longer be decrypted"), "{out}");
    assert!(!Path::new(&s.key1).exists());
    assert!(
        Path::new(&enc).join("manifest.json").exists(),
        "ciphertext stays"
    );
    // No key nhikit knows opens it any more: the erased file is gone, the other key fails.
    let copy = s.path("copy");
    for key in [&s.key1, &s.key2] {
        let o = nhikit(&["decrypt", &enc, "--identity", key, "--out", &copy]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        assert!(!Path::new(&copy).exists());
    }
    run_ok(&["audit", "verify", "--audit-log", &s.log]);
    let report = run_ok(&["audit", "report", "--audit-log", &s.log]);
    assert!(report.contains("DESTROYED"), "{report}");
    assert!(report.contains("(crypto-erase)"), "{report}");
    assert!(
        report.contains(&format!("destroyed by crypto-erase of key {}", s.key1)),
        "{report}"
    );
    let entry: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&s.log)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(entry["event"], "destroy");
    assert_eq!(entry["details"]["method"], "crypto-erase");
    assert_eq!(entry["details"]["keys"][0], RECIPIENT1);
    assert_eq!(entry["details"]["confirmed_by"], "bob");
    // Every encrypted file and the encrypted manifest (all but the clear manifest.json).
    let listed = entry["details"]["files"].as_array().unwrap().len();
    assert_eq!(listed, files(Path::new(&enc)).len() - 1);
    // `--method delete` still removes the (sealed) ciphertext.
    run_ok(&["destroy", &enc, "--audit-log", &s.log]);
    assert!(!Path::new(&enc).exists());
}

#[test]
fn crypto_erase_refuses_when_another_recipient_could_still_decrypt() {
    let s = setup();
    let rec = s.path("recipients.txt");
    std::fs::write(&rec, format!("# team\n{RECIPIENT1}\n\n{RECIPIENT2}\n")).unwrap();
    let enc = s.path("enc");
    run_ok(&gen_args(
        &enc,
        &["--encrypt-to-file", &rec, "--audit-log", &s.log],
    ));
    let o = nhikit(&[
        "destroy",
        &enc,
        "--method",
        "crypto-erase",
        "--key",
        &s.key1,
        "--audit-log",
        &s.log,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(RECIPIENT2), "{}", text(&o));
    assert!(Path::new(&s.key1).exists());
    // Both keys in one file: erased.
    let both = s.path("both.txt");
    std::fs::write(&both, format!("{KEY1}{KEY2}")).unwrap();
    run_ok(&[
        "destroy",
        &enc,
        "--method",
        "crypto-erase",
        "--key",
        &both,
        "--audit-log",
        &s.log,
    ]);
    assert!(!Path::new(&both).exists());

    // A recipients file with a bad line is named by file and line.
    std::fs::write(&rec, format!("{RECIPIENT1}\nage1nope\n")).unwrap();
    let o = nhikit(&gen_args(&s.path("bad"), &["--encrypt-to-file", &rec]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("recipients.txt: line 2"), "{}", text(&o));
    assert!(!s.root.join("bad").exists());
}

/// The Debian `age` tool decrypts our files, and a key from `age-keygen` works as recipient
/// and identity. Skipped with a notice when `age` is missing, unless NHIKIT_REQUIRE_ENGINES.
#[test]
fn the_age_command_line_tool_interoperates() {
    let has_age = Command::new("age")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
        && Command::new("age-keygen").arg("--help").output().is_ok();
    if !has_age {
        assert!(
            std::env::var("NHIKIT_REQUIRE_ENGINES").is_err(),
            "NHIKIT_REQUIRE_ENGINES is set but the `age` tool is missing (apt-get install age)"
        );
        eprintln!("skipped: no `age` command (apt-get install -y age to run this test)");
        return;
    }
    let s = setup();
    let key = s.path("agekey.txt");
    let o = Command::new("age-keygen")
        .args(["-o", &key])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let o = Command::new("age-keygen")
        .args(["-y", &key])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let rec = s.path("rec.txt");
    std::fs::write(&rec, &o.stdout).unwrap();
    let enc = s.path("enc");
    run_ok(&gen_args(
        &enc,
        &["--encrypt-to-file", &rec, "--audit-log", &s.log],
    ));
    let copy = s.path("copy");
    run_ok(&[
        "decrypt",
        &enc,
        "--identity",
        &key,
        "--out",
        &copy,
        "--audit-log",
        &s.log,
    ]);
    run_ok(&["verify", &copy]);
    for f in [
        "parquet/person/prefecture=27/part-00000.parquet",
        "csv/person_csv/prefecture=13/part-00000.csv",
        "manifest.json",
    ] {
        let o = Command::new("age")
            .args(["-d", "-i", &key])
            .arg(Path::new(&enc).join(format!("{f}.age")))
            .output()
            .unwrap();
        assert!(o.status.success(), "{f}: {}", text(&o));
        assert_eq!(
            o.stdout,
            std::fs::read(Path::new(&copy).join(f)).unwrap(),
            "{f}"
        );
    }
}
