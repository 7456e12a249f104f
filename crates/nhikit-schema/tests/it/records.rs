//! Record validation reports every violation of a bad record.

use nhikit_core::date::NaiveDate;
use nhikit_schema::{Record, Value, load_dir};
use std::path::Path;

fn schema() -> nhikit_schema::Schema {
    load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good")).unwrap()
}

fn good_person() -> Record {
    let mut r = Record::new();
    r.insert("address_number".into(), Value::Str("0000000001".into()));
    r.insert("household_number".into(), Value::Str("0000000001".into()));
    r.insert("name_kana".into(), Value::Str("サトウ　ハナコ".into()));
    r.insert("sex".into(), Value::Str("2".into()));
    r.insert(
        "birth_date".into(),
        Value::Date(NaiveDate::from_ymd_opt(1980, 2, 29).unwrap()),
    );
    r
}

#[test]
fn a_good_record_has_no_violations() {
    let s = schema();
    let person = s.entity("person").unwrap();
    assert_eq!(person.validate(&s, &good_person()), vec![]);
}

#[test]
fn a_bad_record_reports_all_its_violations() {
    let s = schema();
    let person = s.entity("person").unwrap();
    let mut r = good_person();
    r.insert("address_number".into(), Value::Str("12345".into())); // too short for 宛名番号
    r.insert("name_kana".into(), Value::Str("ｻﾄｳ ﾊﾅｺ".into())); // half-width: not katakana class
    r.insert("sex".into(), Value::Str("9".into())); // not a code of 性別
    r.remove("birth_date"); // required
    r.insert("income".into(), Value::Int(-1)); // below min 0
    r.insert("nickname".into(), Value::Str("x".into())); // not an item
    let v = person.validate(&s, &r);
    let items: Vec<&str> = v.iter().map(|v| v.item.as_str()).collect();
    for expected in [
        "address_number",
        "name_kana",
        "sex",
        "birth_date",
        "income",
        "nickname",
    ] {
        assert!(
            items.contains(&expected),
            "no violation for {expected}: {v:#?}"
        );
    }
}

#[test]
fn wrong_types_and_duplicate_keys_are_reported() {
    let s = schema();
    let person = s.entity("person").unwrap();
    let mut bad = good_person();
    bad.insert("birth_date".into(), Value::Str("1980-02-29".into()));
    let v = person.validate_batch(&s, &[good_person(), bad]);
    assert!(
        v.iter()
            .any(|v| v.row == 1 && v.item == "birth_date" && v.reason.contains("type date"))
    );
    assert!(
        v.iter()
            .any(|v| v.row == 1 && v.reason.contains("duplicate primary key"))
    );
}

#[test]
fn text_cells_parse_by_item_type() {
    let s = schema();
    let person = s.entity("person").unwrap();
    let income = person.item("income").unwrap();
    assert_eq!(
        nhikit_schema::Entity::parse_text(income, "1200000"),
        Ok(Value::Int(1_200_000))
    );
    assert_eq!(
        nhikit_schema::Entity::parse_text(income, ""),
        Ok(Value::Null)
    );
    assert!(nhikit_schema::Entity::parse_text(income, "12万").is_err());
}
