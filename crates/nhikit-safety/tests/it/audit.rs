//! The audit log: appends chain; each kind of tampering is detected and named.

use nhikit_safety::{AuditEntry, AuditLog, AuditProblem};

fn log_with(n: u64) -> (tempfile::TempDir, AuditLog) {
    let tmp = tempfile::tempdir().unwrap();
    let log = crate::keyed(tmp.path().join("sub/audit.jsonl"));
    for i in 1..=n {
        let mut e = AuditEntry::new("gen", "alice");
        e.dataset = Some(format!("dataset-{i}"));
        let written = log.append(e).unwrap();
        assert_eq!(written.seq, i);
    }
    (tmp, log)
}

fn lines(log: &AuditLog) -> Vec<String> {
    std::fs::read_to_string(log.path())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write(log: &AuditLog, lines: &[String]) {
    std::fs::write(log.path(), lines.join("\n") + "\n").unwrap();
}

#[test]
fn an_intact_log_verifies() {
    let (_t, log) = log_with(4);
    let v = log.verify().unwrap();
    assert_eq!(v.entries, 4);
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.head, Some(log.entries().unwrap()[3].hash.clone()));
    // A missing log is empty and intact.
    assert!(
        crate::keyed(_t.path().join("none"))
            .verify()
            .unwrap()
            .problems
            .is_empty()
    );
}

#[test]
fn an_edited_entry_is_named() {
    let (_t, log) = log_with(4);
    let mut l = lines(&log);
    l[1] = l[1].replace("alice", "mallory");
    write(&log, &l);
    let v = log.verify().unwrap();
    assert_eq!(v.problems, vec![AuditProblem::Edited { seq: 2, line: 2 }]);
}

#[test]
fn an_edited_entry_with_a_recomputed_hash_is_named_by_the_next() {
    let (_t, log) = log_with(4);
    // Rewrite entry 2 as a forger would: change it and recompute its own hash.
    let (_t2, forged) = {
        let tmp = tempfile::tempdir().unwrap();
        let other = crate::keyed(tmp.path().join("f.jsonl"));
        let mut e = AuditEntry::new("gen", "mallory");
        e.dataset = Some("dataset-2".into());
        other.append(AuditEntry::new("gen", "alice")).unwrap();
        (tmp, other.append(e).unwrap())
    };
    let mut l = lines(&log);
    l[1] = serde_json::to_string(&forged).unwrap();
    write(&log, &l);
    let v = log.verify().unwrap();
    // Its hashes are right, but its MAC is not under this log's key.
    assert_eq!(
        v.problems,
        vec![AuditProblem::Forged { seq: 2, line: 2 }],
        "{:?}",
        v.problems
    );
}

#[test]
fn an_edited_entry_that_keeps_its_prev_is_named() {
    use sha2::Digest;
    let (_t, log) = log_with(4);
    let mut l = lines(&log);
    let mut e: AuditEntry = serde_json::from_str(&l[1]).unwrap();
    e.operator = "mallory".into();
    e.hash = String::new();
    let digest = sha2::Sha256::digest(serde_json::to_vec(&e).unwrap());
    e.hash = digest.iter().map(|b| format!("{b:02x}")).collect();
    l[1] = serde_json::to_string(&e).unwrap();
    write(&log, &l);
    let v = log.verify().unwrap();
    assert_eq!(
        v.problems,
        vec![AuditProblem::Edited { seq: 2, line: 2 }],
        "{:?}",
        v.problems
    );
}

#[test]
fn a_deleted_entry_is_named() {
    let (_t, log) = log_with(5);
    let mut l = lines(&log);
    l.remove(2);
    write(&log, &l);
    let v = log.verify().unwrap();
    assert_eq!(
        v.problems,
        vec![AuditProblem::Deleted {
            from: 3,
            to: 3,
            line: 3
        }]
    );
}

#[test]
fn reordered_entries_are_named() {
    let (_t, log) = log_with(5);
    let mut l = lines(&log);
    l.swap(1, 2);
    write(&log, &l);
    let v = log.verify().unwrap();
    assert!(
        v.problems
            .contains(&AuditProblem::Reordered { seq: 2, line: 3 }),
        "{:?}",
        v.problems
    );
    assert!(
        !v.problems
            .iter()
            .any(|p| matches!(p, AuditProblem::Edited { .. }))
    );
}

#[test]
fn a_torn_last_line_is_a_warning_and_the_next_append_starts_a_new_line() {
    let (_t, log) = log_with(3);
    let mut bytes = std::fs::read(log.path()).unwrap();
    bytes.truncate(bytes.len() - 20);
    std::fs::write(log.path(), &bytes).unwrap();
    let v = log.verify().unwrap();
    assert_eq!(v.entries, 2);
    assert_eq!(v.problems, vec![AuditProblem::Truncated { line: 3 }]);
    assert!(v.is_intact());
    // The next entry chains to the last whole one (seq 3 after entries 1 and 2) on a line of
    // its own; the torn line stays, reported as an interrupted append.
    assert_eq!(log.append(AuditEntry::new("gen", "alice")).unwrap().seq, 3);
    assert_eq!(
        log.verify().unwrap().problems,
        vec![AuditProblem::Interrupted { line: 3 }]
    );
}

#[test]
fn report_tells_what_became_of_each_dataset() {
    let (_t, log) = log_with(2);
    let mut e = AuditEntry::new("destroy", "bob");
    e.dataset = Some("dataset-1".into());
    log.append(e).unwrap();
    let report = log.report().unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(report[0].dataset, "dataset-1");
    assert!(report[0].created.is_some());
    assert_eq!(report[0].destroyed.as_ref().unwrap().operator, "bob");
    assert!(report[1].destroyed.is_none());
}

#[test]
fn record_ties_entries_to_datasets_and_report_follows_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let log = crate::keyed(tmp.path().join("audit.jsonl"));
    // A dataset directory: its id is the SHA-256 of its manifest.json (sha256sum of "{}\n").
    let dir = tmp.path().join("export");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("manifest.json"), "{}\n").unwrap();
    let id = "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356";
    let e = nhikit_safety::record(
        &log,
        "export",
        "alice",
        Some(&dir),
        serde_json::json!({"target": "builtin"}),
    )
    .unwrap();
    assert_eq!(e.dataset.as_deref(), Some(id));
    let run = nhikit_safety::record(
        &log,
        "conform",
        "bob",
        None,
        serde_json::json!({"failed": 0}),
    )
    .unwrap();
    assert_eq!(run.seq, 2);
    assert!(run.dataset.is_none());
    // A decryption of the exported dataset into a copy.
    let mut d = AuditEntry::new("decrypt", "carol");
    d.dataset = Some(id.into());
    d.path = e.path.clone();
    d.details = serde_json::json!({"copy": {"dataset": "copy-id", "path": "copy/"}});
    log.append(d).unwrap();
    let report = log.report().unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(report[0].dataset, id);
    assert_eq!(report[0].created.as_ref().unwrap().event, "export");
    assert_eq!(report[0].events.len(), 1);
    assert_eq!(report[1].dataset, "copy-id");
    assert_eq!(report[1].origin.as_deref(), Some(id));
    assert_eq!(report[1].path.as_deref(), Some("copy/"));
    assert_eq!(report[1].created.as_ref().unwrap().operator, "carol");
    assert!(log.verify().unwrap().problems.is_empty());
}

#[test]
fn a_checkpoint_detects_truncation_deletion_and_a_rewrite_even_with_the_key() {
    let (_t, log) = log_with(4);
    let cp = log.checkpoint().unwrap();
    assert_eq!(cp.entries, 4);
    let v = log.verify_with(Some(&cp)).unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    assert_eq!(v.checkpoint, Some(4));
    let all = lines(&log);
    // Truncated.
    write(&log, &all[..2]);
    let v = log.verify_with(Some(&cp)).unwrap();
    assert!(
        log.verify().unwrap().is_intact(),
        "undetectable without the checkpoint"
    );
    assert_eq!(
        v.problems,
        vec![AuditProblem::Cut {
            last: 2,
            checkpoint: 4,
            line: 3
        }]
    );
    // Deleted.
    std::fs::remove_file(log.path()).unwrap();
    let v = log.verify_with(Some(&cp)).unwrap();
    assert!(matches!(
        v.problems.as_slice(),
        [AuditProblem::Cut { last: 0, .. }]
    ));
    // Rewritten by someone holding the key: a fresh, valid history of 4 entries.
    for _ in 0..4 {
        log.append(AuditEntry::new("gen", "mallory")).unwrap();
    }
    assert!(log.verify().unwrap().is_intact());
    let v = log.verify_with(Some(&cp)).unwrap();
    assert!(
        matches!(
            v.problems.as_slice(),
            [AuditProblem::Diverged { seq: 4, .. }]
        ),
        "{:?}",
        v.problems
    );
    // A checkpoint edited to match is refused (its MAC).
    let mut forged = cp.clone();
    forged.head = log.verify().unwrap().head.unwrap();
    assert!(log.verify_with(Some(&forged)).is_err());
}
