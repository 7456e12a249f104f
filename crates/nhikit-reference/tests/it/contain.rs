//! Issue 19: with a data directory (`Reference::with_data_root`, for a server facing callers
//! it does not trust), every path in a request stays under it: an import's `dataset` and
//! `files`, an export's `dir`. Refused: `..`, absolute paths, links on the way.

use crate::*;
use nhikit_reference::Reference;
use nhikit_target::{ExportRequest, ImportFile, ImportRequest, Target};

#[test]
fn request_paths_stay_under_the_data_directory() {
    let f = fixture(20, &[Format::Csv]);
    let root = f.tmp.path();
    let victim = root
        .parent()
        .unwrap()
        .join(format!("nhikit-victim-{}", std::process::id()));
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("secret.csv"), "SECRET-VICTIM-CONTENT\n").unwrap();
    std::os::unix::fs::symlink(&victim, root.join("link")).unwrap();
    let r = Reference::in_memory()
        .unwrap()
        .with_data_root(root)
        .unwrap();
    // The dataset by a relative path: accepted.
    let ok = r.import(&ImportRequest {
        dataset: Some("ds".into()),
        files: Vec::new(),
    });
    assert!(ok.is_ok(), "{ok:?}");
    let refused = |e: nhikit_target::TargetError| {
        let mut text = e.to_string();
        for r in &e.rejections {
            text.push_str(&r.message);
        }
        assert!(text.contains("refused"), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
    };
    for dataset in [victim.clone(), "../x".into(), "link".into()] {
        let e = r
            .import(&ImportRequest {
                dataset: Some(dataset),
                files: Vec::new(),
            })
            .unwrap_err();
        refused(e);
    }
    for path in [
        victim.join("secret.csv"),
        "../secret.csv".into(),
        "link/secret.csv".into(),
    ] {
        let e = r
            .import(&ImportRequest {
                dataset: None,
                files: vec![ImportFile {
                    path,
                    entity: "household".into(),
                    format: "csv".into(),
                    layout: None,
                }],
            })
            .unwrap_err();
        refused(e);
    }
    for dir in [
        victim.clone(),
        "../out".into(),
        "link/out".into(),
        "link".into(),
    ] {
        let e = r
            .export(&ExportRequest {
                dir: dir.clone(),
                overwrite: true,
            })
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("refused") || text.contains("symbolic link"),
            "{dir:?}: {text}"
        );
    }
    assert!(
        r.export(&ExportRequest {
            dir: "exports/one".into(),
            overwrite: false,
        })
        .is_ok()
    );
    assert!(root.join("exports/one/manifest.json").is_file());
    assert_eq!(
        std::fs::read_dir(&victim).unwrap().count(),
        1,
        "nothing written into the victim"
    );
    std::fs::remove_dir_all(&victim).unwrap();
}
