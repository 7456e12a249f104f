//! What a part writer needs to know about an entity, resolved once per dataset.

use crate::error::{Error, Result};
use arrow_schema::SchemaRef;
use nhikit_schema::{Encoding, Entity, ItemType, LineEnding, Schema};
use std::sync::Arc;

/// One item of an entity.
#[derive(Debug)]
pub(crate) struct ItemPlan {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) ty: ItemType,
    pub(crate) nullable: bool,
    /// Parquet dictionary encoding: on for items with few distinct values (codes, local
    /// government and insurer numbers), off for near-unique ones (identifiers, names), where
    /// building the dictionary costs time and then falls back to plain encoding anyway.
    pub(crate) dictionary: bool,
}

/// One CSV layout of an entity, resolved to item indexes.
#[derive(Debug)]
pub(crate) struct LayoutPlan {
    pub(crate) id: String,
    /// Item index of each column.
    pub(crate) columns: Vec<usize>,
    pub(crate) header: bool,
    pub(crate) delimiter: char,
    pub(crate) line_ending: &'static str,
    pub(crate) encoding: Encoding,
}

/// An entity, resolved for writing.
#[derive(Debug)]
pub(crate) struct EntityPlan {
    pub(crate) id: String,
    pub(crate) items: Vec<ItemPlan>,
    pub(crate) arrow_schema: SchemaRef,
    pub(crate) layouts: Vec<LayoutPlan>,
}

impl EntityPlan {
    pub(crate) fn new(
        schema: &Schema,
        entity: &Entity,
        encoding_override: Option<Encoding>,
    ) -> Result<Arc<EntityPlan>> {
        let items = entity
            .items
            .iter()
            .map(|i| ItemPlan {
                id: i.id.clone(),
                label: i.label.clone(),
                ty: i.ty,
                nullable: i.nullable,
                dictionary: i.ty == ItemType::Code
                    || i.ty == ItemType::Boolean
                    || matches!(
                        i.check,
                        Some(
                            nhikit_schema::CheckRule::LgCode
                                | nhikit_schema::CheckRule::InsurerNumber
                        )
                    ),
            })
            .collect();
        let mut layouts = Vec::new();
        for layout in schema.layouts.iter().filter(|l| l.entity == entity.id) {
            let mut columns = Vec::with_capacity(layout.columns.len());
            for column in &layout.columns {
                let index = entity
                    .items
                    .iter()
                    .position(|i| &i.id == column)
                    .ok_or_else(|| Error::FileShape {
                        file: layout.file.clone(),
                        reason: format!(
                            "layout `{}` names `{column}`, which is not an item of `{}`",
                            layout.id, entity.id
                        ),
                    })?;
                columns.push(index);
            }
            layouts.push(LayoutPlan {
                id: layout.id.clone(),
                columns,
                header: layout.header,
                delimiter: layout.delimiter,
                line_ending: line_ending(layout.line_ending),
                encoding: encoding_override.unwrap_or(layout.encoding),
            });
        }
        Ok(Arc::new(EntityPlan {
            id: entity.id.clone(),
            items,
            arrow_schema: entity.arrow_schema_ref(schema),
            layouts,
        }))
    }
}

pub(crate) fn line_ending(l: LineEnding) -> &'static str {
    match l {
        LineEnding::Crlf => "\r\n",
        LineEnding::Lf => "\n",
    }
}

/// The encoding's name in messages.
pub(crate) fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "UTF-8",
        Encoding::Cp932 => "CP932 (Windows-31J)",
    }
}

/// The encoding's name in schema files and manifests.
pub(crate) fn encoding_id(e: Encoding) -> &'static str {
    match e {
        Encoding::Utf8 => "utf-8",
        Encoding::Cp932 => "cp932",
    }
}
