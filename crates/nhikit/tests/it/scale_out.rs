//! Beyond one machine (issue 7): sharded generation merged with `nhikit manifest merge`, the
//! Hive-partitioned directories read by engines no one here wrote (DuckDB, pyarrow), the
//! Kubernetes manifests in `deploy/k8s/`, and load segments that together keep the arrival rate.

use crate::{nhikit, read_json, text, workspace};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn generate(dir: &Path, households: &str, seed: &str, extra: &[&str]) {
    let mut args = vec![
        "gen",
        "--households",
        households,
        "--seed",
        seed,
        "--format",
        "parquet,arrow,csv,jsonl",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = nhikit(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for p in crate::files_under(dir) {
        let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        out.insert(rel, std::fs::read(&p).unwrap());
    }
    // The manifest without its random dataset id (issue 19): a merge is a new dataset.
    if out.contains_key("manifest.json") {
        let m = crate::manifest_without_id(dir);
        out.insert(
            "manifest.json".into(),
            serde_json::to_vec_pretty(&m).unwrap(),
        );
    }
    out
}

/// The JSON Lines records of `entity` in `dir`, each as its line.
fn jsonl_records(dir: &Path, entity: &str) -> Vec<Value> {
    tree(&dir.join("jsonl").join(entity))
        .values()
        .flat_map(|bytes| {
            String::from_utf8(bytes.clone())
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn household_key(r: &Value) -> (String, String) {
    (
        r["lgcode"].as_str().unwrap().to_owned(),
        r["household_number"].as_str().unwrap().to_owned(),
    )
}

fn shards_then_merge(root: &Path, n: u32, households: &str, seed: &str, extra: &[&str]) -> PathBuf {
    let mut dirs = Vec::new();
    for i in 1..=n {
        let dir = root.join(format!("shard-{i}"));
        let shard = format!("{i}/{n}");
        let mut args = extra.to_vec();
        if n > 1 {
            args.extend(["--shard", shard.as_str()]);
        }
        generate(&dir, households, seed, &args);
        dirs.push(dir);
    }
    let merged = root.join("merged");
    // Given in reverse: the order does not matter.
    let mut args = vec!["manifest", "merge"];
    let names: Vec<String> = dirs
        .iter()
        .rev()
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    args.extend(names.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = nhikit(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("merged {n} shards")),
        "{}",
        text(&o)
    );
    merged
}

/// Issue 7: the union of N shard outputs, merged, equals a single-machine run of the same seed
/// (N = 1, 2, 5): every data file and the manifest identical, byte for byte; and, read back
/// independently of the writer, no household's persons or qualifications are in another shard.
#[test]
fn issue_7_shards_merged_equal_the_single_machine_run() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    generate(&whole, "2500", "11", &[]);
    let expected = tree(&whole);
    assert!(expected.len() > 100, "{} files", expected.len());
    for n in [1u32, 2, 5] {
        let root = tmp.path().join(format!("n{n}"));
        let merged = shards_then_merge(&root, n, "2500", "11", &[]);
        let got = tree(&merged);
        let differing: Vec<&String> = expected
            .keys()
            .chain(got.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|k| expected.get(*k) != got.get(*k))
            .collect();
        assert!(differing.is_empty(), "N = {n}: {differing:?} differ");

        // Households never split: each shard holds the persons and qualifications of its own
        // households, and no household is in two shards.
        let mut owner: BTreeMap<(String, String), u32> = BTreeMap::new();
        for i in 1..=n {
            let shard = root.join(format!("shard-{i}"));
            let households: BTreeSet<_> = jsonl_records(&shard, "household")
                .iter()
                .map(household_key)
                .collect();
            for h in &households {
                assert_eq!(owner.insert(h.clone(), i), None, "{h:?} in two shards");
            }
            for entity in ["person", "qualification"] {
                for r in jsonl_records(&shard, entity) {
                    assert!(
                        households.contains(&household_key(&r)),
                        "N = {n}: shard {i}: a {entity} of household {:?} held elsewhere",
                        household_key(&r)
                    );
                }
            }
        }
        if n > 1 {
            let shards: BTreeSet<u32> = owner.values().copied().collect();
            assert_eq!(shards.len() as u32, n, "every shard holds households");
        }
    }
}

/// `validate`, `verify` and `reference import` accept a merged dataset, and the audit log
/// records the merge.
#[test]
fn validate_and_verify_accept_a_merged_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let merged = shards_then_merge(tmp.path(), 3, "1500", "11", &[]);
    let o = nhikit(&["validate", merged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 violations"), "{}", text(&o));
    let o = nhikit(&["verify", merged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("verified"), "{}", text(&o));
    let manifest = read_json(&merged.join("manifest.json"));
    assert_eq!(manifest["shard"], Value::Null);
    // The reference target imports it whole.
    let db = tmp.path().join("ref.db");
    let o = crate::reference_import(&db, &merged);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let imported: Value = serde_json::from_slice(&o.stdout).unwrap();
    for e in ["household", "person", "qualification", "insurer"] {
        assert_eq!(
            imported["records"][e], manifest["entities"][e]["rows"],
            "{e}"
        );
    }
    let log = tmp.path().join("audit.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_nhikit"))
        .args([
            "manifest",
            "merge",
            tmp.path().join("shard-1").to_str().unwrap(),
            tmp.path().join("shard-2").to_str().unwrap(),
            tmp.path().join("shard-3").to_str().unwrap(),
            "--copy",
            "--out",
            tmp.path().join("copied").to_str().unwrap(),
            "--audit-log",
            log.to_str().unwrap(),
            "--operator",
            "tester",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 linked"), "{}", text(&o));
    let entry: Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(entry["event"], "merge");
    assert_eq!(entry["operator"], "tester");
    assert_eq!(entry["details"]["shards"].as_array().unwrap().len(), 3);
    assert_eq!(tree(&merged), tree(&tmp.path().join("copied")));
}

/// Shards that do not make one complete run are refused with exit 1, naming the shard and
/// what differs, and nothing is written.
#[test]
fn merge_refuses_shards_that_are_not_one_complete_run() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    generate(&tmp.path().join("a1"), "600", "1", &["--shard", "1/3"]);
    generate(&tmp.path().join("a2"), "600", "1", &["--shard", "2/3"]);
    generate(&tmp.path().join("a3"), "600", "1", &["--shard", "3/3"]);
    generate(&tmp.path().join("b3"), "600", "2", &["--shard", "3/3"]);
    generate(&tmp.path().join("c3"), "700", "1", &["--shard", "3/3"]);
    generate(&tmp.path().join("d2"), "600", "1", &["--shard", "2/2"]);
    let merge = |dirs: &[&str]| {
        let mut args = vec!["manifest".to_owned(), "merge".to_owned()];
        args.extend(dirs.iter().map(|d| p(d)));
        args.extend(["--out".to_owned(), p("out")]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = nhikit(&args);
        assert_eq!(o.status.code(), Some(1), "{dirs:?}: {}", text(&o));
        assert!(!tmp.path().join("out").exists());
        text(&o)
    };
    let t = merge(&["a1", "a3"]);
    assert!(t.contains("shards missing: 2 of 3 (given: 1, 3)"), "{t}");
    let t = merge(&["a1", "a2", "a2", "a3"]);
    assert!(t.contains("shard 2/3 given twice"), "{t}");
    let t = merge(&["a1", "a2", "b3"]);
    assert!(
        t.contains(&format!("{}: seed is 2, but {} has 1", p("b3"), p("a1"))),
        "{t}"
    );
    let t = merge(&["a1", "a2", "c3"]);
    assert!(t.contains("options.households is 700"), "{t}");
    let t = merge(&["a1", "d2"]);
    assert!(t.contains("shard.count is 2"), "{t}");
    // A shard whose file was changed after it was written.
    let victim = tmp.path().join("a2/csv/person_csv");
    let file = std::fs::read_dir(&victim)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap();
    let file = std::fs::read_dir(&file)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&file, perms).unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    let t = merge(&["a1", "a2", "a3"]);
    let rel = file.strip_prefix(tmp.path().join("a2")).unwrap();
    assert!(
        t.contains(&format!(
            "{}: 1 files do not match the shard's manifest: {}: SHA-256",
            p("a2"),
            rel.display()
        )),
        "{t}"
    );
}

/// `--partition municipality` writes `prefecture=PP/municipality=CCCCCC/part-NNNNN`, with the
/// same records as the prefecture layout; shards of it merge into the whole run, which
/// `verify` regenerates.
#[test]
fn municipality_partitions_hold_the_same_records_and_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let by_prefecture = tmp.path().join("pref");
    generate(&by_prefecture, "400", "4", &[]);
    let by_municipality = tmp.path().join("muni");
    generate(
        &by_municipality,
        "400",
        "4",
        &["--partition", "municipality"],
    );
    for entity in ["household", "person", "qualification"] {
        let a: Vec<String> = jsonl_records(&by_prefecture, entity)
            .iter()
            .map(Value::to_string)
            .collect();
        let b: Vec<String> = jsonl_records(&by_municipality, entity)
            .iter()
            .map(Value::to_string)
            .collect();
        let (mut a, mut b) = (a, b);
        a.sort();
        b.sort();
        assert_eq!(a, b, "{entity}");
    }
    let files = tree(&by_municipality);
    for path in files.keys().filter(|p| p.starts_with("jsonl/person/")) {
        let mut segs = path.split('/').skip(2);
        let pref = segs.next().unwrap().strip_prefix("prefecture=").unwrap();
        let muni = segs.next().unwrap().strip_prefix("municipality=").unwrap();
        assert!(muni.starts_with(pref) && muni.len() == 6, "{path}");
        // Every record of the file is of its municipality.
        for line in String::from_utf8(files[path].clone()).unwrap().lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            assert_eq!(r["lgcode"], muni, "{path}");
        }
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["options"]["partition"], "municipality");
    let merged = shards_then_merge(
        &tmp.path().join("sharded"),
        2,
        "400",
        "4",
        &["--partition", "municipality"],
    );
    assert_eq!(tree(&merged), files);
    let o = nhikit(&["verify", merged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = nhikit(&[
        "gen",
        "--partition",
        "county",
        "--out",
        &tmp.path().join("x").to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("unknown partition level \"county\""),
        "{}",
        text(&o)
    );
}

/// The Python in `NHIKIT_PYTHON` if it can import `module`; otherwise `None` after a notice —
/// or a failure when `NHIKIT_REQUIRE_ENGINES` is set (CI).
fn python_with(module: &str) -> Option<String> {
    let python = std::env::var("NHIKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    assert!(
        std::env::var("NHIKIT_REQUIRE_ENGINES").is_err(),
        "NHIKIT_REQUIRE_ENGINES is set but {python} has no {module}"
    );
    eprintln!("skipped: {python} has no {module} (pip install it to run this test)");
    None
}

const DUCKDB: &str = r#"
import json, sys, os
import duckdb
root = sys.argv[1]
con = duckdb.connect()
out = {}
for e in ["household", "person", "qualification"]:
    con.execute(f"CREATE VIEW {e} AS SELECT * FROM read_parquet('{root}/parquet/{e}/**/*.parquet', hive_partitioning = true)")
    out[e] = con.execute(f"SELECT count(*) FROM {e}").fetchone()[0]
con.execute(f"CREATE VIEW insurer AS SELECT * FROM read_parquet('{root}/parquet/insurer/*.parquet')")
out["insurer"] = con.execute("SELECT count(*) FROM insurer").fetchone()[0]
out["orphan_persons"] = con.execute(
    "SELECT count(*) FROM person p ANTI JOIN household h ON p.lgcode = h.lgcode AND p.household_number = h.household_number").fetchone()[0]
out["orphan_qualifications"] = con.execute(
    "SELECT count(*) FROM qualification q ANTI JOIN person p ON q.lgcode = p.lgcode AND q.address_number = p.address_number").fetchone()[0]
out["joined"] = con.execute(
    "SELECT count(*) FROM person p JOIN household h ON p.lgcode = h.lgcode AND p.household_number = h.household_number").fetchone()[0]
# The partition directory agrees with the records' own codes.
out["wrong_partition"] = con.execute(
    "SELECT count(*) FROM person WHERE prefecture <> CAST(substr(lgcode, 1, 2) AS INTEGER)"
    + (" OR CAST(municipality AS VARCHAR) <> lgcode" if sys.argv[2] == "municipality" else "")).fetchone()[0]
out["prefectures"] = con.execute("SELECT count(DISTINCT prefecture) FROM household").fetchone()[0]
import pyarrow.dataset as ds
out["pyarrow"] = {e: ds.dataset(os.path.join(root, "parquet", e), format="parquet", partitioning="hive").count_rows()
                  for e in ["household", "person", "qualification"]}
print(json.dumps(out))
"#;

/// Issue 7: DuckDB (PyPI) reads the merged, Hive-partitioned directory as one table per entity
/// with the manifest's row counts, and joins persons to households with no orphans; pyarrow's
/// dataset API counts the same rows. Both partition levels.
#[test]
fn duckdb_and_pyarrow_read_the_merged_partitioned_directory_as_one_table_per_entity() {
    let Some(python) = python_with("duckdb, pyarrow.dataset") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // Municipality directories are many small files: fewer households keep the test short.
    for (level, households) in [("prefecture", "3000"), ("municipality", "500")] {
        let merged = shards_then_merge(
            &tmp.path().join(level),
            3,
            households,
            "8",
            &["--partition", level],
        );
        let manifest = read_json(&merged.join("manifest.json"));
        let o = Command::new(&python)
            .args(["-c", DUCKDB, merged.to_str().unwrap(), level])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let got: Value = serde_json::from_slice(&o.stdout).unwrap();
        for e in ["household", "person", "qualification", "insurer"] {
            assert_eq!(got[e], manifest["entities"][e]["rows"], "{level}: {e}");
        }
        for e in ["household", "person", "qualification"] {
            assert_eq!(
                got["pyarrow"][e], manifest["entities"][e]["rows"],
                "{level}: {e}"
            );
        }
        assert_eq!(got["orphan_persons"], 0, "{level}");
        assert_eq!(got["orphan_qualifications"], 0, "{level}");
        assert_eq!(got["joined"], got["person"], "{level}");
        assert_eq!(got["wrong_partition"], 0, "{level}");
        assert_eq!(got["prefectures"], 47, "{level}");
    }
}

fn k8s_docs(file: &str) -> Vec<Value> {
    let path = workspace().join("deploy/k8s").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_norway::Deserializer::from_str(&text)
        .map(|d| {
            let v: serde_norway::Value = serde::Deserialize::deserialize(d)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            serde_json::to_value(v).unwrap()
        })
        .collect()
}

/// The fields of a batch/v1 Job we rely on, checked against the Kubernetes API reference
/// (batch/v1 JobSpec, PodSpec, Container, Volume): names and types of the fields we use.
fn check_job(job: &Value, what: &str) {
    assert_eq!(job["apiVersion"], "batch/v1", "{what}");
    assert_eq!(job["kind"], "Job", "{what}");
    let name = job["metadata"]["name"].as_str().unwrap();
    // A DNS-1123 label: lowercase alphanumerics and '-', at most 63.
    assert!(
        name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{what}: name {name}"
    );
    let spec = &job["spec"];
    let known_spec = [
        "completionMode",
        "completions",
        "parallelism",
        "backoffLimit",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
        "activeDeadlineSeconds",
        "ttlSecondsAfterFinished",
        "template",
    ];
    for k in spec.as_object().unwrap().keys() {
        assert!(known_spec.contains(&k.as_str()), "{what}: spec.{k}");
    }
    let pod = &spec["template"]["spec"];
    // Job pods must not restart in place (Always is refused by the API server).
    assert!(
        matches!(pod["restartPolicy"].as_str(), Some("Never" | "OnFailure")),
        "{what}: restartPolicy"
    );
    let volumes: BTreeSet<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert!(
                v["persistentVolumeClaim"]["claimName"].is_string()
                    || v["configMap"]["name"].is_string(),
                "{what}: volume {v}"
            );
            v["name"].as_str().unwrap()
        })
        .collect();
    let containers = pod["containers"]
        .as_array()
        .into_iter()
        .chain(pod["initContainers"].as_array())
        .flatten();
    for c in containers {
        assert!(c["name"].is_string() && c["image"].is_string(), "{what}");
        for list in ["command", "args"] {
            for s in c[list].as_array().unwrap() {
                assert!(s.is_string(), "{what}: {list} has {s}");
            }
        }
        for e in c["env"].as_array().into_iter().flatten() {
            // EnvVar.value is a string: an unquoted number in YAML is refused. A secret comes
            // from a Secret (valueFrom.secretKeyRef), never as a value in the manifest.
            let from_secret = e["valueFrom"]["secretKeyRef"]["name"].is_string()
                && e["valueFrom"]["secretKeyRef"]["key"].is_string();
            assert!(
                e["name"].is_string() && (e["value"].is_string() || from_secret),
                "{what}: env {e}"
            );
            if e["name"] == "NHIKIT_TOKEN" {
                assert!(from_secret, "{what}: the token must come from a Secret");
            }
        }
        for m in c["volumeMounts"].as_array().unwrap() {
            let v = m["name"].as_str().unwrap();
            assert!(volumes.contains(v), "{what}: mount of unknown volume {v}");
            assert!(m["mountPath"].as_str().unwrap().starts_with('/'));
        }
    }
    if spec["completionMode"] == "Indexed" {
        let n = spec["completions"].as_u64().unwrap();
        assert_eq!(spec["parallelism"].as_u64(), Some(n), "{what}: all at once");
        let c = &pod["containers"][0];
        let script = c["args"][0].as_str().unwrap();
        assert!(script.contains("$((JOB_COMPLETION_INDEX + 1))"), "{what}");
        // The shard or segment count passed to nhikit equals the Job's completions.
        let count = c["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "SHARDS" || e["name"] == "SEGMENTS")
            .unwrap();
        assert_eq!(
            count["value"],
            n.to_string(),
            "{what}: count vs completions"
        );
    }
}

/// `deploy/k8s/`: every manifest parses; the Jobs use only batch/v1 Job fields, with the
/// types the API wants; the Indexed Jobs map JOB_COMPLETION_INDEX to `I/N` with N equal to
/// their completions; the merge Jobs wait for the same N.
#[test]
fn kubernetes_manifests_are_batch_v1_jobs_with_consistent_counts() {
    let gen_job = k8s_docs("gen-job.yaml");
    assert_eq!(gen_job.len(), 1);
    check_job(&gen_job[0], "gen-job.yaml");
    assert_eq!(gen_job[0]["spec"]["completionMode"], "Indexed");
    let gen_args = gen_job[0]["spec"]["template"]["spec"]["containers"][0]["args"][0]
        .as_str()
        .unwrap();
    assert!(gen_args.contains("nhikit gen") && gen_args.contains("--shard \"$I/$SHARDS\""));
    let merge = k8s_docs("merge-job.yaml");
    check_job(&merge[0], "merge-job.yaml");
    let pod = &merge[0]["spec"]["template"]["spec"];
    assert_eq!(
        pod["containers"][0]["env"][0],
        gen_job[0]["spec"]["template"]["spec"]["containers"][0]["env"][0]
    );
    assert_eq!(
        pod["initContainers"][0]["env"][0]["value"],
        gen_job[0]["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"]
    );
    assert!(
        pod["containers"][0]["args"][0]
            .as_str()
            .unwrap()
            .contains("nhikit manifest merge $(seq -f /data/run/shards/shard-%g 1 \"$SHARDS\")")
    );
    let load = k8s_docs("load-job.yaml");
    assert_eq!(load.len(), 2);
    check_job(&load[0], "load-job.yaml workers");
    check_job(&load[1], "load-job.yaml merge");
    assert_eq!(load[0]["spec"]["backoffLimit"], 0);
    assert!(
        load[1]["spec"]["template"]["spec"]["containers"][0]["args"][0]
            .as_str()
            .unwrap()
            .contains("nhikit load merge")
    );
    for doc in k8s_docs("pvc.yaml").iter().chain(&k8s_docs("target.yaml")) {
        assert!(doc["apiVersion"].is_string() && doc["kind"].is_string());
    }
    // Every file of the directory is one of those checked.
    let mut files: Vec<String> = std::fs::read_dir(workspace().join("deploy/k8s"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "gen-job.yaml",
            "load-job.yaml",
            "merge-job.yaml",
            "pvc.yaml",
            "target.yaml"
        ]
    );
}

/// The manifests against the Kubernetes OpenAPI schemas bundled in `kubernetes-validate`
/// (PyPI), offline, in strict mode (unknown fields refused).
#[test]
fn kubernetes_manifests_validate_against_the_bundled_schemas() {
    let Some(python) = python_with("kubernetes_validate") else {
        return;
    };
    let dir = workspace().join("deploy/k8s");
    for file in [
        "pvc.yaml",
        "gen-job.yaml",
        "merge-job.yaml",
        "load-job.yaml",
        "target.yaml",
    ] {
        let o = Command::new(&python)
            .args([
                "-m",
                "kubernetes_validate",
                "--strict",
                "--kubernetes-version",
                "1.33",
                dir.join(file).to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{file}: {}", text(&o));
    }
}

/// A minimal HTTP/1.1 target that answers every request `200 ok` and records when each
/// arrived: the arrival rate is measured where the load lands, not taken from the tool's report.
struct CountingTarget {
    url: String,
    arrivals: std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>>,
}

impl CountingTarget {
    fn start() -> CountingTarget {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let arrivals = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = std::sync::Arc::clone(&arrivals);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let log = std::sync::Arc::clone(&log);
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        // One request per header block (GET /health has no body).
                        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            log.lock().unwrap().push(std::time::Instant::now());
                            buf.drain(..end + 4);
                            let reply = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok";
                            if stream.write_all(reply).is_err() {
                                return;
                            }
                        }
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                });
            }
        });
        CountingTarget { url, arrivals }
    }
}

/// Issue 7: N `--segment` workers started together and merged reproduce the configured total
/// arrival rate within 2 %, measured at the target over the run's steady middle (the first and
/// last 1.5 s are left out for the workers' start-up skew), and the whole run's request count
/// exactly.
#[test]
fn load_segments_merged_keep_the_total_arrival_rate() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("rate.toml");
    // 300 requests/s for 6 s over 3 workers: 100/s each.
    let rate = 300.0;
    std::fs::write(
        &scenario,
        "name = \"rate\"\n[workload]\nmodel = \"open\"\nstages = [{ duration = \"6s\", rate = 300 }]\n\
         max_in_flight = 16\n[mix]\nhealth = 1\n",
    )
    .unwrap();
    let target = CountingTarget::start();
    let n = 3;
    let children: Vec<_> = (1..=n)
        .map(|i| {
            let out = dir.path().join(format!("r{i}.json"));
            let child = Command::new(env!("CARGO_BIN_EXE_nhikit"))
                .args([
                    "load",
                    "--scenario",
                    scenario.to_str().unwrap(),
                    "--target",
                    &target.url,
                    "--segment",
                    &format!("{i}/{n}"),
                    "--quiet",
                    "--out",
                    out.to_str().unwrap(),
                ])
                .current_dir(workspace())
                .spawn()
                .unwrap();
            (child, out)
        })
        .collect();
    let mut files = Vec::new();
    for (mut child, out) in children {
        assert!(matches!(child.wait().unwrap().code(), Some(0 | 1)));
        files.push(out.to_string_lossy().into_owned());
    }
    let merged = dir.path().join("all.json");
    let mut args = vec!["load", "merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = nhikit(&args);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
    let m = read_json(&merged);
    assert_eq!(m["requests"], 1800, "{m}");
    assert_eq!(m["errors"], 0);

    let mut arrivals = target.arrivals.lock().unwrap().clone();
    arrivals.sort();
    // Each worker probes `/health` once before its run (a target that does not answer stops
    // the run before it starts): n more requests than the workload's, all at start-up, which
    // the steady-middle window below leaves out; drop the n earliest for the rate.
    assert_eq!(arrivals.len(), 1800 + n, "requests received by the target");
    arrivals.drain(..n);
    let first = arrivals[0];
    let last = *arrivals.last().unwrap();
    let from = first + std::time::Duration::from_millis(1500);
    let to = last - std::time::Duration::from_millis(1500);
    let window = to.duration_since(from).as_secs_f64();
    assert!(window > 2.0, "the run took {:?}", last - first);
    let inside = arrivals.iter().filter(|t| **t >= from && **t < to).count();
    let measured = inside as f64 / window;
    eprintln!(
        "arrival rate at the target: {measured:.1}/s over {window:.2} s (configured {rate}/s)"
    );
    assert!(
        (measured - rate).abs() / rate <= 0.02,
        "arrival rate at the target {measured:.1}/s over {window:.2} s, configured {rate}/s"
    );
}
