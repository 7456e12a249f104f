//! Issue 20: adding an item takes only the edits docs/schema-format.md ("Adding an item")
//! lists. On a copy of `schemas/` with a nullable `note` on `household` and its column in
//! `household_csv`, `gen` writes the column (absent: the generator does not know it),
//! `validate` checks the dataset against the copy, and the reference target imports it.

use crate::{gen_ok, nhikit, read_json, workspace};
use nhikit_target::{ExportRequest, ImportRequest, Target};
use std::path::Path;

/// A copy of the shipped schema in `dir` with the item `note` added to `household`.
fn schema_with_note(dir: &Path) {
    let from = workspace().join("schemas");
    std::fs::copy(
        from.join("nhikit-schema.toml"),
        dir.join("nhikit-schema.toml"),
    )
    .unwrap();
    for sub in ["entities", "codes", "layouts"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for e in std::fs::read_dir(from.join(sub)).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), dir.join(sub).join(e.file_name())).unwrap();
        }
    }
    // Step 1: the item, last in the item order.
    let entity = dir.join("entities/household.toml");
    let mut text = std::fs::read_to_string(&entity).unwrap();
    text.push_str(
        "\n[[item]]\nid = \"note\"\nlabel = \"備考\"\ntype = \"string\"\nlength = 100\nchars = \"any\"\nnullable = true\n",
    );
    std::fs::write(&entity, text).unwrap();
    // Step 2: its column in the entity's own CSV layout.
    let layout = dir.join("layouts/household_csv.toml");
    let text = std::fs::read_to_string(&layout).unwrap();
    let text = text.replace(
        "  \"nhi_loss_date\",\n]",
        "  \"nhi_loss_date\",\n  \"note\",\n]",
    );
    std::fs::write(&layout, text).unwrap();
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn an_item_added_to_a_copy_of_the_schema_reaches_gen_validate_and_import() {
    let tmp = tempfile::tempdir().unwrap();
    let schemas = tmp.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    schema_with_note(&schemas);
    let o = nhikit(&["schema", "check", schemas.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    let ds = tmp.path().join("ds");
    gen_ok(
        &ds,
        &[
            "--households",
            "20",
            "--seed",
            "7",
            "--format",
            "csv",
            "--schemas",
            schemas.to_str().unwrap(),
        ],
    );
    // The writers place values by item id: the new column is there, empty on every row.
    let manifest = read_json(&ds.join("manifest.json"));
    let household_csv: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["layout"] == "household_csv")
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    let mut rows = 0;
    for path in &household_csv {
        let csv = std::fs::read_to_string(ds.join(path)).unwrap();
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().ends_with(",備考"), "{csv}");
        for r in lines {
            assert!(r.ends_with(','), "{path}: {r}");
            rows += 1;
        }
    }
    assert_eq!(rows, 20);

    // The validator reads the dataset through the copy: nothing to report.
    let o = nhikit(&[
        "validate",
        "--schemas",
        schemas.to_str().unwrap(),
        "--json",
        ds.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));

    // The reference target builds its tables from the copy, imports the dataset and exports
    // the same household file back, the new column included.
    let schema = nhikit_schema::load_dir(&schemas).unwrap();
    let r = nhikit_reference::Reference::in_memory_with_schema(schema).unwrap();
    let resp = r
        .import(&ImportRequest {
            dataset: Some(ds.clone()),
            files: Vec::new(),
        })
        .unwrap();
    assert_eq!(resp.records["household"], 20);
    let out = tmp.path().join("out");
    r.export(&ExportRequest {
        dir: out.clone(),
        overwrite: false,
    })
    .unwrap();
    for path in &household_csv {
        assert_eq!(
            std::fs::read(out.join(path)).unwrap(),
            std::fs::read(ds.join(path)).unwrap(),
            "{path}"
        );
    }
}
