//! Every format written from the same rows, and read back by independent means.

use crate::support::*;
use arrow_array::{Array, BooleanArray, Date32Array, Int64Array, StringArray};
use nhikit_io::{Format, WriterOptions};

fn all_formats() -> WriterOptions {
    WriterOptions {
        formats: Format::ALL.to_vec(),
        ..WriterOptions::default()
    }
}

const PART: &str = "prefecture=13/municipality=131016/part-00000";

#[test]
fn every_format_and_layout_is_written_and_listed() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let manifest = write_dataset(&out, &schema, all_formats()).unwrap();
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    // Sorted by path; the insurer table has no layout, so no CSV.
    let expected = vec![
        "arrow/insurer/part-00000.arrow".to_owned(),
        format!("arrow/resident/{PART}.arrow"),
        format!("csv/resident_csv/{PART}.csv"),
        format!("csv/resident_sjis/{PART}.csv"),
        "jsonl/insurer/part-00000.jsonl".to_owned(),
        format!("jsonl/resident/{PART}.jsonl"),
        "parquet/insurer/part-00000.parquet".to_owned(),
        format!("parquet/resident/{PART}.parquet"),
    ];
    assert_eq!(paths, expected);
    for f in &manifest.files {
        let on_disk = std::fs::metadata(out.join(&f.path)).unwrap().len();
        assert_eq!(f.bytes, on_disk, "{}", f.path);
        assert_eq!(f.rows, if f.entity == "resident" { 3 } else { 1 });
    }
    assert_eq!(manifest.entities["resident"].rows, 3);
    assert_eq!(manifest.entities["resident"].parts, 1);
    assert_eq!(manifest.entities["insurer"].rows, 1);
    assert_eq!(listing(dir.path()), vec!["ds"], "no partial directory left");
}

#[test]
fn parquet_reads_back_with_the_parquet_crate() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    write_dataset(&out, &schema, all_formats()).unwrap();
    let path = out.join(format!("parquet/resident/{PART}.parquet"));

    let file = std::fs::File::open(&path).unwrap();
    let builder =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let created_by = builder
        .metadata()
        .file_metadata()
        .created_by()
        .map(str::to_owned);
    assert_eq!(
        created_by.as_deref(),
        Some(concat!("nhikit ", env!("CARGO_PKG_VERSION")))
    );
    // The entity's Arrow schema, metadata included, travels in the file.
    let arrow_schema = builder.schema().clone();
    assert_eq!(arrow_schema.metadata()["nhikit.entity"], "resident");
    assert_eq!(arrow_schema.metadata()["nhikit.schema"], "io-test 7");
    assert_eq!(arrow_schema.field(1).metadata()["nhikit.label"], "氏名");
    assert_eq!(arrow_schema.field(2).metadata()["nhikit.code"], "sex");
    assert!(!arrow_schema.field(0).is_nullable());
    assert!(arrow_schema.field(4).is_nullable());
    let batches: Vec<_> = builder.build().unwrap().map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1);
    let b = &batches[0];

    let col = |i: usize| b.column(i).clone();
    let names = col(1);
    let names = names.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(names.value(0), "山田 太郎");
    assert_eq!(names.value(1), "佐藤 \"花子\"");
    assert_eq!(names.value(2), "髙橋 一");
    let births = col(3);
    let births = births.as_any().downcast_ref::<Date32Array>().unwrap();
    // 1980-04-01 is 3743 days after 1970-01-01 (10 years incl. 2 leap days = 3652, + 91).
    assert_eq!(births.value(0), 3743);
    assert_eq!(births.value_as_date(1), Some(d(1975, 12, 31)));
    let income = col(4);
    let income = income.as_any().downcast_ref::<Int64Array>().unwrap();
    assert_eq!(income.value(0), 3_500_000);
    assert!(income.is_null(1));
    assert_eq!(income.value(2), 0);
    let foreign = col(5);
    let foreign = foreign.as_any().downcast_ref::<BooleanArray>().unwrap();
    assert_eq!(
        (foreign.value(0), foreign.value(1), foreign.value(2)),
        (false, true, false)
    );
    let note = col(6);
    assert!(note.is_null(2));
}

#[test]
fn every_reader_returns_the_records_written() {
    let schema = schema();
    let entity = schema.entity("resident").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    write_dataset(&out, &schema, all_formats()).unwrap();
    let expected = expected_records(&schema);

    let parquet = nhikit_io::read_parquet_records(
        nhikit_io::DataFile::open_named(out.join(format!("parquet/resident/{PART}.parquet")))
            .unwrap(),
        entity,
    )
    .unwrap();
    assert_eq!(parquet, expected);

    let mut arrow = Vec::new();
    let n = nhikit_io::read_arrow(
        nhikit_io::DataFile::open_named(out.join(format!("arrow/resident/{PART}.arrow"))).unwrap(),
        entity,
        |_, r| arrow.push(r),
    )
    .unwrap();
    assert_eq!(n, 3);
    assert_eq!(arrow, expected);

    let mut jsonl = Vec::new();
    nhikit_io::read_jsonl(
        nhikit_io::DataFile::open_named(out.join(format!("jsonl/resident/{PART}.jsonl"))).unwrap(),
        entity,
        |_, r| jsonl.push(r),
    )
    .unwrap();
    assert_eq!(jsonl, expected);

    let mut csv = Vec::new();
    let layout = schema.layout("resident_csv").unwrap();
    nhikit_io::read_csv(
        nhikit_io::DataFile::open_named(out.join(format!("csv/resident_csv/{PART}.csv"))).unwrap(),
        entity,
        layout,
        None,
        |_, r| csv.push(r),
    )
    .unwrap();
    assert_eq!(csv, expected);

    // The CP932 layout holds three of the items, in its own order.
    let mut sjis = Vec::new();
    let layout = schema.layout("resident_sjis").unwrap();
    nhikit_io::read_csv(
        nhikit_io::DataFile::open_named(out.join(format!("csv/resident_sjis/{PART}.csv"))).unwrap(),
        entity,
        layout,
        None,
        |_, r| sjis.push(r),
    )
    .unwrap();
    let keep = ["name", "address_number", "birth_date"];
    let projected: Vec<_> = expected
        .iter()
        .map(|r| {
            r.iter()
                .filter(|(k, _)| keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<nhikit_schema::Record>()
        })
        .collect();
    assert_eq!(sjis, projected);
}

#[test]
fn jsonl_is_one_object_per_record_with_every_key_in_item_order() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    write_dataset(&out, &schema, all_formats()).unwrap();
    let text = std::fs::read_to_string(out.join(format!("jsonl/resident/{PART}.jsonl"))).unwrap();
    let expected = concat!(
        r#"{"address_number":"0000000001","name":"山田 太郎","sex":"1","birth_date":"1980-04-01","income":3500000,"foreign":false,"note":"a,b"}"#,
        "\n",
        r#"{"address_number":"0000000002","name":"佐藤 \"花子\"","sex":"2","birth_date":"1975-12-31","income":null,"foreign":true,"note":"line1\nline2"}"#,
        "\n",
        r#"{"address_number":"0000000003","name":"髙橋 一","sex":"1","birth_date":"2001-02-28","income":0,"foreign":false,"note":null}"#,
        "\n",
    );
    assert_eq!(text, expected);
}

#[test]
fn batches_and_row_groups_split_large_parts() {
    let schema = schema();
    let entity = schema.entity("resident").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let options = WriterOptions {
        formats: vec![Format::Parquet, Format::Arrow],
        batch_rows: 7,
        row_group_rows: 10,
        ..WriterOptions::default()
    };
    let dataset = nhikit_io::DatasetWriter::create(&out, &schema, options).unwrap();
    let mut part = dataset.part("resident", &chiyoda(), 3).unwrap();
    let base = residents();
    for i in 0..25 {
        base[i % 3].write(&mut part);
    }
    let summary = part.finish().unwrap();
    assert_eq!(summary.rows, 25);
    dataset.finish(info()).unwrap();
    let path = out.join("parquet/resident/prefecture=13/municipality=131016/part-00003.parquet");
    let file = std::fs::File::open(&path).unwrap();
    let builder =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let groups: Vec<i64> = builder
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows())
        .collect();
    assert_eq!(groups, vec![10, 10, 5]);
    let records =
        nhikit_io::read_parquet_records(nhikit_io::DataFile::open_named(path).unwrap(), entity)
            .unwrap();
    assert_eq!(records.len(), 25);
    let expected = expected_records(&schema);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r, &expected[i % 3], "row {i}");
    }
    let mut n = 0;
    let ipc = out.join("arrow/resident/prefecture=13/municipality=131016/part-00003.arrow");
    nhikit_io::read_arrow(
        nhikit_io::DataFile::open_named(ipc).unwrap(),
        entity,
        |_, _| n += 1,
    )
    .unwrap();
    assert_eq!(n, 25);
}

#[test]
fn a_value_of_the_wrong_type_is_reported_with_record_and_item() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let dataset =
        nhikit_io::DatasetWriter::create(&out, &schema, WriterOptions::default()).unwrap();
    let mut part = dataset.part("resident", &chiyoda(), 0).unwrap();
    residents()[0].write(&mut part);
    use nhikit_schema::RowWriter;
    part.str("0000000009");
    part.str("名");
    part.str("1");
    part.str("1990-01-01"); // a date item given a string
    let err = part.finish().unwrap_err().to_string();
    assert!(err.contains("record 2"), "{err}");
    assert!(err.contains("birth_date"), "{err}");
    assert!(err.contains("a string for an item of type date"), "{err}");
    let err = dataset.finish(info()).unwrap_err();
    assert!(err.to_string().contains("cannot be completed"), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_null_in_a_required_item_is_reported() {
    let schema = schema();
    let dir = tempfile::tempdir().unwrap();
    let dataset =
        nhikit_io::DatasetWriter::create(&dir.path().join("ds"), &schema, WriterOptions::default())
            .unwrap();
    let mut part = dataset.table_part("insurer", 0).unwrap();
    use nhikit_schema::RowWriter;
    part.str("138016");
    part.null();
    part.end_row();
    let err = part.finish().unwrap_err().to_string();
    assert_eq!(
        err,
        "insurer: record 1, item `name`: null in an item that is not nullable"
    );
}
