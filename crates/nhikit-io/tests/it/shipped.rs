//! The real `schemas/`: every entity and layout can be written, verified and read back.

use nhikit_core::date::NaiveDate;
use nhikit_io::{DatasetWriter, Format, ManifestInfo, Partition, WriterOptions, verify_files};
use nhikit_schema::{CharClass, Entity, ItemType, RowWriter};

/// Writes one record of `entity` with a plausible value of each item's type.
fn write_record(entity: &Entity, w: &mut impl RowWriter) {
    for item in &entity.items {
        match item.ty {
            ItemType::String if item.chars == Some(CharClass::Digits) => {
                let len = item.length.unwrap_or(6) as usize;
                w.str(&"1".repeat(len.min(20)));
            }
            ItemType::String => w.str("テスト"),
            ItemType::Code => w.str("1"),
            ItemType::Integer | ItemType::Yen => w.int(item.min.unwrap_or(0).max(1)),
            ItemType::Date => w.date(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()),
            ItemType::Boolean => w.bool(true),
        }
    }
    w.end_row();
}

#[test]
fn every_shipped_entity_and_layout_is_written_and_verified() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let schema = nhikit_schema::load_dir(&root).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let options = WriterOptions {
        formats: Format::ALL.to_vec(),
        ..WriterOptions::default()
    };
    let dataset = DatasetWriter::create(&out, &schema, options).unwrap();
    let partition = Partition {
        prefecture: 1,
        municipality: Some("011002".to_owned()),
    };
    for entity in &schema.entities {
        let mut part = dataset.part(&entity.id, &partition, 0).unwrap();
        write_record(entity, &mut part);
        write_record(entity, &mut part);
        part.finish().unwrap();
    }
    let manifest = dataset.finish(ManifestInfo::default()).unwrap();
    let expected_files = schema.entities.len() * 3 + schema.layouts.len();
    assert_eq!(manifest.files.len(), expected_files);
    assert!(manifest.files.iter().all(|f| f.rows == 2));
    assert_eq!(verify_files(&out).unwrap(), vec![]);
    for layout in &schema.layouts {
        let entity = schema.entity(&layout.entity).unwrap();
        let path = out.join(format!(
            "csv/{}/prefecture=01/municipality=011002/part-00000.csv",
            layout.id
        ));
        let n = nhikit_io::read_csv(
            nhikit_io::DataFile::open_named(path).unwrap(),
            entity,
            layout,
            None,
            |_, _| {},
        )
        .unwrap();
        assert_eq!(n, 2, "{}", layout.id);
    }
    for entity in &schema.entities {
        let path = out.join(format!(
            "parquet/{}/prefecture=01/municipality=011002/part-00000.parquet",
            entity.id
        ));
        assert_eq!(
            nhikit_io::read_parquet_records(nhikit_io::DataFile::open_named(path).unwrap(), entity)
                .unwrap()
                .len(),
            2
        );
    }
}
