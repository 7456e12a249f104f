//! The shipped model in `schemas/` loads, and every entity yields an Arrow schema.

use nhikit_schema::load_dir;
use std::path::Path;

#[test]
fn shipped_schemas_load_and_every_entity_has_an_arrow_schema() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let schema = match load_dir(&dir) {
        Ok(s) => s,
        Err(e) => panic!("schemas/ fails to load:\n{e}"),
    };
    assert!(
        schema.entities.len() >= 10,
        "the model has {} entities",
        schema.entities.len()
    );
    for entity in &schema.entities {
        let arrow = entity.arrow_schema(&schema);
        assert_eq!(arrow.fields().len(), entity.items.len(), "{}", entity.id);
        for (field, item) in arrow.fields().iter().zip(&entity.items) {
            assert_eq!(field.name(), &item.id);
            assert_eq!(field.is_nullable(), item.nullable);
        }
    }
    for layout in &schema.layouts {
        assert!(schema.entity(&layout.entity).is_some());
    }
}

#[test]
fn the_embedded_schema_is_the_shipped_directory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
    let from_dir = load_dir(&dir).unwrap();
    let embedded = nhikit_schema::embedded().unwrap();
    assert_eq!(embedded.name, from_dir.name);
    assert_eq!(embedded.version, from_dir.version);
    let ids = |s: &nhikit_schema::Schema| {
        s.entities
            .iter()
            .map(|e| (e.id.clone(), e.items.len()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&embedded), ids(&from_dir));
    assert_eq!(embedded.layouts.len(), from_dir.layouts.len());
    assert_eq!(embedded.code_tables.len(), from_dir.code_tables.len());
}
