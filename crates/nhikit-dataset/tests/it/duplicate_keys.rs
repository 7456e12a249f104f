//! A duplicated primary key is reported at the second record with where the first one is.

use nhikit_dataset::{Violation, validate};
use std::path::Path;

fn duplicate(file: &str, row: u64, item: &str, first: &str) -> Violation {
    Violation {
        file: file.into(),
        row,
        item: item.into(),
        rule: "schema",
        message: format!("duplicate primary key, first in {first}"),
    }
}

/// The fixture: insurer 010017 in `a.jsonl` and again in `b.jsonl`; households
/// 131024/0423354822, 011002/0423354822 (the same 世帯番号 in another municipality: a
/// different key), 131024/9740142627 and 131024/0423354822 again. Rows are JSON Lines lines.
#[test]
fn a_duplicated_primary_key_is_reported_with_both_locations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/duplicate_keys");
    let schema = nhikit_schema::embedded().expect("the embedded schema loads");
    let report = validate(&dir, &schema).expect("the fixture can be checked");
    assert_eq!(
        report.violations,
        [
            duplicate(
                "jsonl/insurer/b.jsonl",
                1,
                "insurer.insurer_number",
                "jsonl/insurer/a.jsonl:2"
            ),
            duplicate(
                "jsonl/household/a.jsonl",
                4,
                "household.lgcode+household_number",
                "jsonl/household/a.jsonl:1"
            ),
        ]
    );
    assert_eq!(report.records["household"], 4);
    assert_eq!(report.records["insurer"], 3);
}
