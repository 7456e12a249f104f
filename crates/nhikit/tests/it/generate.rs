//! `nhikit gen` and `nhikit validate` end to end: determinism across threads and shards, atomic
//! output, validation of clean and corrupted datasets.

use crate::{nhikit, read_json, text};
use std::collections::BTreeMap;
use std::path::Path;

/// Relative path → bytes of every data file (not the manifest) under `dir`.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    crate::files_under(dir)
        .into_iter()
        .filter(|p| p.file_name().unwrap() != "manifest.json")
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            (rel, bytes)
        })
        .collect()
}

fn generate(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "gen",
        "--households",
        "20000",
        "--seed",
        "9",
        "--format",
        "parquet,csv",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = nhikit(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn output_is_identical_for_any_thread_count_and_shard_split() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("t1");
    let two = tmp.path().join("t2");
    generate(&one, &["--threads", "1"]);
    generate(&two, &["--threads", "2"]);
    let reference = files(&one);
    assert!(reference.len() > 50, "{} files", reference.len());
    assert_eq!(reference, files(&two), "--threads 1 and 2 differ");
    assert_eq!(
        crate::manifest_without_id(one.as_path()),
        crate::manifest_without_id(two.as_path())
    );
    let mut union = BTreeMap::new();
    for i in 1..=3 {
        let dir = tmp.path().join(format!("s{i}"));
        generate(&dir, &["--shard", &format!("{i}/3")]);
        for (path, bytes) in files(&dir) {
            assert!(
                union.insert(path.clone(), bytes).is_none(),
                "{path} is in two shards"
            );
        }
    }
    assert_eq!(union.len(), reference.len());
    assert!(
        union == reference,
        "the union of the shards differs from the whole run"
    );
}

#[test]
fn a_generated_dataset_validates_and_corruptions_are_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let o = nhikit(&[
        "gen",
        "--households",
        "3000",
        "--seed",
        "4",
        "--format",
        "jsonl",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = nhikit(&["validate", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 violations"), "{}", text(&o));

    // Each corruption is a copy of the dataset with one JSON Lines record edited, the manifest
    // resealed so only the rule under test can fire. (rule, entity, edit)
    type Edit = fn(&str) -> String;
    let cases: [(&str, &str, Edit); 7] = [
        ("reference", "person", |l| {
            replace_item(l, "household_number", "\"9999999999\"")
        }),
        ("household", "person", |l| {
            l.replace("\"relationship\":\"01\"", "\"relationship\":\"06\"")
        }),
        ("reading", "person", |l| {
            replace_item(l, "name_kana", "\"アアア\u{3000}イイイ\"")
        }),
        ("schema", "person", |l| {
            replace_item(l, "mynumber", "\"123456789010\"")
        }),
        ("dates", "qualification", |l| {
            replace_item(l, "acquisition_date", "\"2030-01-01\"")
        }),
        ("reference", "qualification", |l| {
            replace_item(l, "address_number", "\"0000000000\"")
        }),
        // A 世帯主 born after the reference date is younger than the household's children.
        ("parent_age", "person", |l| {
            replace_item(l, "birth_date", "\"2026-03-01\"")
        }),
    ];
    for (rule, entity, edit) in cases {
        let copy = tmp.path().join(format!("c-{rule}-{entity}"));
        copy_dir(&dir, &copy);
        corrupt_first(&copy, entity, edit);
        let o = nhikit(&["validate", copy.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{rule}/{entity}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("] {rule}: ")),
            "{rule}/{entity}: {}",
            text(&o)
        );
    }
    // The place is the file's line (JSON Lines: the record's own line, counted from 1).
    let copy = tmp.path().join("c-line");
    copy_dir(&dir, &copy);
    corrupt_first(&copy, "person", |l| {
        replace_item(l, "mynumber", "\"123456789010\"")
    });
    let o = nhikit(&["validate", copy.to_str().unwrap()]);
    let victim = first_file(&copy, "person");
    let line = std::fs::read_to_string(&victim)
        .unwrap()
        .lines()
        .position(|l| l.contains("123456789010"))
        .unwrap()
        + 1;
    let victim = victim.strip_prefix(&copy).unwrap().to_str().unwrap();
    assert!(
        text(&o).contains(&format!("{victim}:{line}: [person.mynumber] schema: ")),
        "line {line}: {}",
        text(&o)
    );

    // A flipped byte without resealing: the manifest rule.
    let copy = tmp.path().join("flipped");
    copy_dir(&dir, &copy);
    let victim = first_file(&copy, "person");
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    let o = nhikit(&["validate", copy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("] manifest: SHA-256 ") && text(&o).contains("the manifest says"),
        "{}",
        text(&o)
    );
}

/// `gen` with extra arguments, small and in JSON Lines and Parquet.
fn generate_small(out: &Path, households: &str, extra: &[&str]) {
    let mut args = vec![
        "gen",
        "--households",
        households,
        "--seed",
        "12",
        "--format",
        "jsonl,parquet",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = nhikit(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

const EXTRAS: [&str; 4] = [
    "--profile",
    "edge",
    "--with",
    "income,assessment,edge_case,event,payment,benefit",
];

#[test]
fn incomes_assessments_and_edge_cases_are_deterministic_and_leave_the_default_output_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let realistic = tmp.path().join("realistic");
    let with = tmp.path().join("with");
    generate_small(&plain, "4000", &[]);
    // Naming the default profile changes nothing, manifest included.
    generate_small(&realistic, "4000", &["--profile", "realistic"]);
    assert!(files(&plain) == files(&realistic));
    assert_eq!(
        crate::manifest_without_id(plain.as_path()),
        crate::manifest_without_id(realistic.as_path())
    );
    // Incomes and assessments come on streams of their own: the other files are unchanged.
    generate_small(&with, "4000", &["--with", "income,assessment"]);
    let with_files = files(&with);
    for (path, bytes) in files(&plain) {
        assert!(with_files.get(&path) == Some(&bytes), "{path} changed");
    }
    assert!(with_files.keys().any(|p| p.contains("/income/")));
    assert!(with_files.keys().any(|p| p.contains("/assessment/")));

    // The edge profile with every extra entity: same bytes for 1 and 2 threads and for shards.
    let one = tmp.path().join("e1");
    let two = tmp.path().join("e2");
    generate_small(&one, "4000", &[&EXTRAS[..], &["--threads", "1"]].concat());
    generate_small(&two, "4000", &[&EXTRAS[..], &["--threads", "2"]].concat());
    let reference = files(&one);
    assert!(reference.keys().any(|p| p.contains("/edge_case/")));
    assert!(reference == files(&two), "--threads 1 and 2 differ");
    let mut union = BTreeMap::new();
    for i in 1..=2 {
        let dir = tmp.path().join(format!("es{i}"));
        generate_small(
            &dir,
            "4000",
            &[&EXTRAS[..], &["--shard", &format!("{i}/2")]].concat(),
        );
        union.extend(files(&dir));
    }
    assert!(union == reference, "the shards differ from the whole run");
}

#[test]
fn both_profiles_with_extras_validate_and_the_new_rules_catch_corruptions() {
    let tmp = tempfile::tempdir().unwrap();
    let realistic = tmp.path().join("r");
    generate_small(&realistic, "3000", &["--with", "income,payment,benefit"]);
    let edge = tmp.path().join("e");
    generate_small(&edge, "3000", &EXTRAS);
    for dir in [&realistic, &edge] {
        let o = nhikit(&["validate", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("0 violations"), "{}", text(&o));
        assert!(text(&o).contains("assessment "), "{}", text(&o));
        for e in [
            "benefit_childbirth ",
            "benefit_funeral ",
            "benefit_high_cost ",
        ] {
            assert!(text(&o).contains(e), "{e}: {}", text(&o));
        }
    }
    type Edit = fn(&str) -> String;
    let cases: [(&str, &str, Edit); 16] = [
        ("income", "income", |l| {
            replace_item(l, "total_income", "123456789")
        }),
        // A 非自発的失業者 flag without 離職年月日 and 離職理由.
        ("income", "income", |l| {
            replace_item(l, "involuntary_unemployed", "true")
        }),
        ("reference", "income", |l| {
            replace_item(l, "address_number", "\"0000000000\"")
        }),
        ("assessment", "assessment", |l| {
            replace_item(l, "total_amount", "99999999")
        }),
        ("reference", "assessment", |l| {
            replace_item(l, "household_number", "\"9999999999\"")
        }),
        ("edge_case", "edge_case", |l| {
            replace_item(l, "tag", "\"birth_0230\"")
        }),
        ("reference", "edge_case", |l| {
            replace_item(l, "address_number", "\"0000000000\"")
        }),
        // More received than the installment.
        ("payment", "payment", |l| {
            let billed = item_of(l, "billed_amount").as_i64().unwrap();
            replace_item(l, "paid_amount", &(billed + 1).to_string())
        }),
        // The installments no longer add up to the assessment.
        ("payment_total", "payment", |l| {
            let billed = item_of(l, "billed_amount").as_i64().unwrap();
            replace_item(l, "billed_amount", &(billed + 100).to_string())
        }),
        // The exempt months of another birth month.
        ("perinatal", "perinatal", |l| {
            replace_item(l, "exemption_end", "\"2099-01-01\"")
        }),
        ("reference", "perinatal", |l| {
            replace_item(l, "address_number", "\"0000000000\"")
        }),
        ("reference", "payment", |l| {
            replace_item(l, "household_number", "\"9999999999\"")
        }),
        // 出産育児一時金 is 500,000円 (488,000円) per child from 2023-04-01: not 1円.
        ("benefit_childbirth", "benefit_childbirth", |l| {
            replace_item(l, "amount", "1")
        }),
        // A claim filed after the reference date (and after its decision).
        ("benefit_funeral", "benefit_funeral", |l| {
            replace_item(l, "application_date", "\"2030-01-01\"")
        }),
        ("benefit_high_cost", "benefit_high_cost", |l| {
            replace_item(l, "benefit_amount", "1")
        }),
        ("reference", "benefit_high_cost", |l| {
            replace_item(l, "household_number", "\"9999999999\"")
        }),
    ];
    for (rule, entity, edit) in cases {
        let copy = tmp.path().join(format!("c-{rule}-{entity}"));
        copy_dir(&edge, &copy);
        // Validate reads Parquet first: keep JSON Lines only in the copy.
        keep_only_jsonl(&copy);
        corrupt_first(&copy, entity, edit);
        let o = nhikit(&["validate", copy.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{rule}/{entity}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("] {rule}: ")),
            "{rule}/{entity}: {}",
            text(&o)
        );
    }
}

/// Removes the Parquet files of a dataset and their manifest entries.
fn keep_only_jsonl(dir: &Path) {
    std::fs::remove_dir_all(dir.join("parquet")).unwrap();
    let path = dir.join("manifest.json");
    let mut manifest = read_json(&path);
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["format"] == "jsonl");
    let mut text = serde_json::to_string_pretty(&manifest).unwrap();
    text.push('\n');
    std::fs::write(&path, text).unwrap();
}

#[test]
fn an_existing_output_directory_is_refused_and_bad_options_exit_nonzero() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("keep.txt"), "x").unwrap();
    let o = nhikit(&[
        "gen",
        "--households",
        "10",
        "--out",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(tmp.path().join("keep.txt").exists());
    let out = tmp.path().join("x");
    for bad in [
        vec!["--shard", "4/3"],
        vec!["--municipality", "99999"],
        vec!["--format", "xlsx"],
        vec!["--as-of", "2026-13-01"],
    ] {
        let mut args = vec!["gen", "--households", "10", "--out", out.to_str().unwrap()];
        args.extend(bad.iter().copied());
        let o = nhikit(&args);
        assert_eq!(o.status.code(), Some(1), "{bad:?}: {}", text(&o));
        assert!(!out.exists(), "{bad:?} left an output directory");
    }
}

fn item_of(line: &str, item: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v[item].clone()
}

fn replace_item(line: &str, item: &str, value: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
    v[item] = serde_json::from_str(value).unwrap();
    serde_json::to_string(&v).unwrap()
}

fn first_file(dir: &Path, entity: &str) -> std::path::PathBuf {
    let manifest = read_json(&dir.join("manifest.json"));
    let path = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entity"] == entity && f["rows"].as_u64().unwrap() > 0)
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_owned();
    dir.join(path)
}

/// Edits the first record of the first file of `entity` and reseals the manifest entry.
fn corrupt_first(dir: &Path, entity: &str, edit: fn(&str) -> String) {
    let path = first_file(dir, entity);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // The household and parent-age rules need a 世帯主 with children; other rules take any line.
    let household_of = |l: &str| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        (v["lgcode"].to_string(), v["household_number"].to_string())
    };
    let with_children: std::collections::BTreeSet<(String, String)> = lines
        .iter()
        .filter(|l| l.contains("\"relationship\":\"06\""))
        .map(|l| household_of(l))
        .collect();
    let i = if entity == "person" {
        lines
            .iter()
            .position(|l| {
                l.contains("\"relationship\":\"01\"") && with_children.contains(&household_of(l))
            })
            .unwrap()
    } else {
        0
    };
    lines[i] = edit(&lines[i]);
    let new = lines.join("\n") + "\n";
    std::fs::write(&path, &new).unwrap();
    let mpath = dir.join("manifest.json");
    let mut manifest = read_json(&mpath);
    let rel = path
        .strip_prefix(dir)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    for f in manifest["files"].as_array_mut().unwrap() {
        if f["path"] == rel.as_str() {
            f["bytes"] = new.len().into();
            f["sha256"] = sha256_hex(new.as_bytes()).into();
        }
    }
    std::fs::write(&mpath, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Issue 4: histories (`--with event`) keep the snapshot's records and add former members,
/// closed periods and events; each history rule catches a dataset corrupted against it.
#[test]
fn histories_keep_the_snapshot_and_each_history_rule_catches_a_corruption() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    let with = tmp.path().join("with");
    generate_small(&plain, "3000", &[]);
    generate_small(&with, "3000", &["--with", "event"]);
    let with_files = files(&with);
    assert!(
        with_files
            .keys()
            .any(|p| p.contains("/qualification_event/"))
    );
    // Every household, person and qualification record of the snapshot is still there, in
    // the same order, with the history's records between them.
    let mut added = 0;
    for (path, bytes) in files(&plain) {
        let other = with_files
            .get(&path)
            .unwrap_or_else(|| panic!("{path} missing"));
        if path.contains("/insurer/") {
            assert!(other == &bytes, "{path} changed");
            continue;
        }
        if !path.starts_with("jsonl/") {
            continue;
        }
        let old = String::from_utf8(bytes).unwrap();
        let new = String::from_utf8(other.clone()).unwrap();
        let mut lines = new.lines();
        for line in old.lines() {
            assert!(lines.any(|l| l == line), "{path}: {line} lost or reordered");
        }
        added += new.lines().count() - old.lines().count();
    }
    assert!(added > 500, "{added} records added");
    let o = nhikit(&["validate", with.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 violations"), "{}", text(&o));

    // Persons with events (the death rule needs a deceased person whose history is in the
    // window).
    let with_events: std::collections::BTreeSet<String> =
        jsonl_records(&with, "qualification_event")
            .iter()
            .map(|v| v["address_number"].to_string())
            .collect();
    let is = |v: &serde_json::Value, item: &str, value: &str| v[item] == value;
    type Pick<'a> = Box<dyn Fn(&serde_json::Value) -> bool + 'a>;
    let cases: [(&str, &str, Pick, Edit); 7] = [
        (
            "history_order",
            "qualification_event",
            Box::new(|v| v["event_seq"] == 2),
            |l| replace_item(l, "event_date", "\"1961-04-01\""),
        ),
        (
            "history_death",
            "person",
            Box::new(|v| {
                is(v, "resident_status", "3")
                    && with_events.contains(&v["address_number"].to_string())
            }),
            |l| replace_item(l, "death_date", "\"1962-01-01\""),
        ),
        (
            "history_overlap",
            "qualification",
            Box::new(|v| v["qualification_seq"] == 2),
            |l| replace_item(l, "acquisition_date", "\"1961-04-02\""),
        ),
        (
            "history_loss",
            "qualification",
            Box::new(|v| !v["loss_date"].is_null()),
            |l| replace_item(l, "loss_date", "\"1961-04-01\""),
        ),
        (
            "history_snapshot",
            "qualification",
            Box::new(|v| {
                v["loss_date"].is_null()
                    && v["acquisition_date"].as_str().unwrap() >= "2020-04-01"
                    && v["acquisition_reason"] != "99"
            }),
            |l| replace_item(l, "acquisition_reason", "\"99\""),
        ),
        (
            "history_notice",
            "qualification_event",
            Box::new(|v| !v["notified_date"].is_null()),
            |l| replace_item(l, "notified_date", "\"1961-04-01\""),
        ),
        (
            "reference",
            "qualification_event",
            Box::new(|_| true),
            |l| replace_item(l, "address_number", "\"0000000000\""),
        ),
    ];
    for (rule, entity, pick, edit) in cases {
        let copy = tmp.path().join(format!("c-{rule}-{entity}"));
        copy_dir(&with, &copy);
        keep_only_jsonl(&copy);
        corrupt_matching(&copy, entity, &*pick, edit);
        let o = nhikit(&["validate", copy.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{rule}/{entity}: {}", text(&o));
        assert!(
            text(&o).contains(&format!("] {rule}: ")),
            "{rule}/{entity}: {}",
            text(&o)
        );
    }
}

type Edit = fn(&str) -> String;

/// Every JSON Lines record of `entity` in `dir`.
fn jsonl_records(dir: &Path, entity: &str) -> Vec<serde_json::Value> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.starts_with(&format!("jsonl/{entity}/")))
        .flat_map(|(_, bytes)| {
            String::from_utf8(bytes)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Edits the first JSON Lines record of `entity` that `pick` accepts and reseals the
/// manifest entry of its file.
fn corrupt_matching(
    dir: &Path,
    entity: &str,
    pick: &dyn Fn(&serde_json::Value) -> bool,
    edit: Edit,
) {
    let mut paths: Vec<String> = files(dir)
        .into_keys()
        .filter(|p| p.starts_with(&format!("jsonl/{entity}/")))
        .collect();
    paths.sort();
    for rel in paths {
        let path = dir.join(&rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let Some(i) = lines
            .iter()
            .position(|l| pick(&serde_json::from_str(l).unwrap()))
        else {
            continue;
        };
        lines[i] = edit(&lines[i]);
        let new = lines.join("\n") + "\n";
        std::fs::write(&path, &new).unwrap();
        let mpath = dir.join("manifest.json");
        let mut manifest = read_json(&mpath);
        for f in manifest["files"].as_array_mut().unwrap() {
            if f["path"] == rel.as_str() {
                f["bytes"] = new.len().into();
                f["sha256"] = sha256_hex(new.as_bytes()).into();
            }
        }
        std::fs::write(&mpath, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
        return;
    }
    panic!("no {entity} record to corrupt");
}

#[test]
fn zero_households_and_a_file_in_the_way_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let o = nhikit(&["gen", "--households", "0", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("at least 1 household"), "{}", text(&o));
    assert!(!out.exists());

    let file = tmp.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let o = nhikit(&["gen", "--households", "5", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("afile") && t.contains("a file is there"), "{t}");
    assert!(t.contains("--overwrite"), "{t}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");

    let sub = file.join("sub");
    let o = nhikit(&["gen", "--households", "5", "--out", sub.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("{} is a file", file.display())),
        "{}",
        text(&o)
    );

    let full = tmp.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("keep.txt"), "x").unwrap();
    let o = nhikit(&["gen", "--households", "5", "--out", full.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("add --overwrite"), "{}", text(&o));
}
