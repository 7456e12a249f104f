//! Arrow schemas derived from entities: one derivation feeds Arrow, Parquet, CSV and validation.

use crate::model::{Entity, ItemType, Schema};
use arrow_schema::{DataType, Field};
use std::collections::HashMap;
use std::sync::Arc;

/// The Arrow data type of an item type.
pub fn arrow_type(ty: ItemType) -> DataType {
    match ty {
        ItemType::String | ItemType::Code => DataType::Utf8,
        ItemType::Integer | ItemType::Yen => DataType::Int64,
        ItemType::Date => DataType::Date32,
        ItemType::Boolean => DataType::Boolean,
    }
}

impl Entity {
    /// The Arrow schema of this entity: one field per item in file order, nullable as
    /// declared, with the Japanese label, the nhikit type and the code table as field
    /// metadata (`nhikit.label`, `nhikit.type`, `nhikit.code`).
    pub fn arrow_schema(&self, schema: &Schema) -> arrow_schema::Schema {
        let fields: Vec<Field> = self
            .items
            .iter()
            .map(|item| {
                let mut meta = HashMap::new();
                meta.insert("nhikit.label".to_owned(), item.label.clone());
                meta.insert("nhikit.type".to_owned(), item.ty.name().to_owned());
                if let Some(code) = &item.code {
                    meta.insert("nhikit.code".to_owned(), code.clone());
                }
                Field::new(&item.id, arrow_type(item.ty), item.nullable).with_metadata(meta)
            })
            .collect();
        let mut meta = HashMap::new();
        meta.insert("nhikit.entity".to_owned(), self.id.clone());
        meta.insert("nhikit.label".to_owned(), self.label.clone());
        meta.insert(
            "nhikit.schema".to_owned(),
            format!("{} {}", schema.name, schema.version),
        );
        arrow_schema::Schema::new_with_metadata(fields, meta)
    }

    /// The Arrow schema behind an `Arc`, as record batches want it.
    pub fn arrow_schema_ref(&self, schema: &Schema) -> Arc<arrow_schema::Schema> {
        Arc::new(self.arrow_schema(schema))
    }
}
