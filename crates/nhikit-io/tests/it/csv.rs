//! CSV bytes: RFC 4180 quoting, CRLF, header labels, layout column order, CP932.

use crate::support::*;
use nhikit_io::{DatasetWriter, Encoding, Format, WriterOptions};

const PART: &str = "prefecture=13/municipality=131016/part-00000";

fn csv_only(encoding: Option<Encoding>) -> WriterOptions {
    WriterOptions {
        formats: vec![Format::Csv],
        csv_encoding: encoding,
        ..WriterOptions::default()
    }
}

#[test]
fn utf8_layout_bytes_are_exact() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    write_dataset(&out, &schema, csv_only(None)).unwrap();
    let bytes = std::fs::read(out.join(format!("csv/resident_csv/{PART}.csv"))).unwrap();
    let expected = "宛名番号,氏名,性別,生年月日,総所得金額等,外国人,備考\r\n\
                    0000000001,山田 太郎,1,1980-04-01,3500000,false,\"a,b\"\r\n\
                    0000000002,\"佐藤 \"\"花子\"\"\",2,1975-12-31,,true,\"line1\nline2\"\r\n\
                    0000000003,髙橋 一,1,2001-02-28,0,false,\r\n";
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[test]
fn cp932_layout_uses_its_order_delimiter_and_line_ending() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    write_dataset(&out, &schema, csv_only(None)).unwrap();
    let bytes = std::fs::read(out.join(format!("csv/resident_sjis/{PART}.csv"))).unwrap();
    // Independent check of the bytes: 氏 = 0x8E81, 名 = 0x96BC (JIS X 0208 row 27/44 in
    // Shift_JIS), 髙 = 0xFBFC (CP932 IBM extension).
    assert_eq!(&bytes[..4], &[0x8E, 0x81, 0x96, 0xBC]);
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!had_errors);
    assert_eq!(
        text,
        "氏名\t宛名番号\t生年月日\n\
         山田 太郎\t0000000001\t1980-04-01\n\
         \"佐藤 \"\"花子\"\"\"\t0000000002\t1975-12-31\n\
         髙橋 一\t0000000003\t2001-02-28\n"
    );
    let takahashi = bytes.windows(2).any(|w| w == [0xFB, 0xFC]);
    assert!(takahashi, "髙 is written as the CP932 IBM extension 0xFBFC");
}

#[test]
fn encoding_override_writes_every_layout_in_cp932() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let manifest = write_dataset(&out, &schema, csv_only(Some(Encoding::Cp932))).unwrap();
    let path = format!("csv/resident_csv/{PART}.csv");
    let file = manifest.files.iter().find(|f| f.path == path).unwrap();
    assert_eq!(file.encoding.as_deref(), Some("cp932"));
    assert_eq!(file.csv_encoding().unwrap(), Some(Encoding::Cp932));
    assert_eq!(file.layout.as_deref(), Some("resident_csv"));
    let bytes = std::fs::read(out.join(&path)).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8 any more");
    let entity = schema.entity("resident").unwrap();
    let layout = schema.layout("resident_csv").unwrap();
    let mut records = Vec::new();
    nhikit_io::read_csv(
        nhikit_io::DataFile::open_named(out.join(&path)).unwrap(),
        entity,
        layout,
        file.csv_encoding().unwrap(),
        |_, r| records.push(r),
    )
    .unwrap();
    assert_eq!(records, expected_records(&schema));
}

#[test]
fn a_character_outside_cp932_fails_naming_file_record_item_and_character() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset = DatasetWriter::create(&out, &schema, csv_only(None)).unwrap();
    let mut part = dataset.part("resident", &chiyoda(), 0).unwrap();
    let mut rows = residents();
    rows[1].name = "𠮷野 花子";
    for r in &rows {
        r.write(&mut part);
    }
    let err = part.finish().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "csv/resident_sjis/{PART}.csv: record 2, item `name` (氏名): character '𠮷' (U+20BB7) cannot be encoded in CP932 (Windows-31J)"
        )
    );
    match &err {
        nhikit_io::Error::Unencodable {
            record,
            item,
            character,
            ..
        } => assert_eq!((*record, item.as_str(), *character), (2, "name", '𠮷')),
        other => panic!("unexpected {other:?}"),
    }
    let err = dataset.finish(info()).unwrap_err().to_string();
    assert!(err.contains("U+20BB7"), "{err}");
    assert!(!out.exists(), "no OUT directory");
    assert!(
        listing(dir.path()).is_empty(),
        "no partial directory either"
    );
}

#[test]
fn a_header_label_outside_cp932_fails_the_part_at_creation() {
    let mut schema = schema();
    let entity = schema
        .entities
        .iter_mut()
        .find(|e| e.id == "resident")
        .unwrap();
    entity.items[1].label = "𠮷名".to_owned();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset = DatasetWriter::create(&out, &schema, csv_only(None)).unwrap();
    let err = dataset
        .part("resident", &chiyoda(), 0)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "csv/resident_sjis/{PART}.csv: record 0, item `name` (𠮷名): character '𠮷' (U+20BB7) cannot be encoded in CP932 (Windows-31J)"
        )
    );
    let err = dataset.finish(info()).unwrap_err().to_string();
    assert!(err.contains("U+20BB7"), "{err}");
    assert!(listing(dir.path()).is_empty());
}
