//! `export`: every record back through `nhikit_io::DatasetWriter` in the CSV layouts, part by
//! part in import order, so that the bytes equal `nhikit gen --format csv` for the same rows.

use crate::import::storage;
use crate::store::{self, from_days};
use crate::{Fault, Reference};
use nhikit_io::{
    DatasetWriter, Format, GeneratorInfo, ManifestInfo, PartWriter, Partition, WriterOptions,
};
use nhikit_schema::{ItemType, RowWriter};
use nhikit_target::{ErrorCode, ExportRequest, ExportResponse, TargetError};
use rusqlite::types::ValueRef;
use std::collections::BTreeMap;

fn io(e: impl std::fmt::Display) -> TargetError {
    TargetError::new(ErrorCode::Io, e.to_string())
}

type PartKey = (Option<i64>, Option<String>, i64);

impl Reference {
    /// Where an export goes: the request's `dir`, under the data directory when one is set
    /// (relative, no `..`, its parents created there and no link among them). The writer
    /// itself refuses a link at `dir`, takes its lock, and with `overwrite` replaces only a
    /// dataset nhikit wrote (see [`DatasetWriter::create`]).
    fn export_dir(&self, dir: &std::path::Path) -> Result<std::path::PathBuf, TargetError> {
        let Some(root) = &self.data_root else {
            return Ok(dir.to_path_buf());
        };
        let refused =
            |e: nhikit_io::contain::ContainError| TargetError::invalid("dir", e.to_string());
        let rel = root.check(dir).map_err(refused)?;
        if let Some(parent) = rel.parent().filter(|p| !p.as_os_str().is_empty()) {
            root.create_dir_all(parent).map_err(refused)?;
        }
        Ok(root.display(rel))
    }

    pub(crate) fn export_impl(
        &self,
        request: &ExportRequest,
    ) -> Result<ExportResponse, TargetError> {
        let mut schema = self.schema.clone();
        if self.has(Fault::ExportReorderColumns)
            && let Some(layout) = schema.layouts.iter_mut().find(|l| l.id == "person_csv")
        {
            let find = |c: &str, l: &nhikit_schema::Layout| l.columns.iter().position(|x| x == c);
            if let (Some(a), Some(b)) = (find("name", layout), find("name_kana", layout)) {
                layout.columns.swap(a, b);
            }
        }
        let dir = self.export_dir(&request.dir)?;
        let writer = DatasetWriter::create(
            &dir,
            &schema,
            WriterOptions {
                formats: vec![Format::Csv],
                overwrite: request.overwrite,
                ..WriterOptions::default()
            },
        )
        .map_err(|e| io(e).with_item("dir"))?;
        let conn = self.read().map_err(storage)?;
        let mut records = BTreeMap::new();
        for e in &schema.entities {
            let cols: Vec<String> = e
                .items
                .iter()
                .map(|i| format!("t.{}", store::col(&i.id)))
                .collect();
            let sql = format!(
                "SELECT f.prefecture, f.municipality, f.part, {} FROM {} t JOIN _files f ON f.id = t._file \
                 ORDER BY f.prefecture, f.municipality, f.part, t._file, t._row",
                cols.join(", "),
                store::table(&e.id)
            );
            let mut stmt = conn.prepare(&sql).map_err(storage)?;
            let mut rows = stmt.query([]).map_err(storage)?;
            let mut current: Option<(PartKey, PartWriter)> = None;
            let mut n = 0u64;
            while let Some(row) = rows.next().map_err(storage)? {
                let key: PartKey = (
                    row.get(0).map_err(storage)?,
                    row.get(1).map_err(storage)?,
                    row.get(2).map_err(storage)?,
                );
                if current.as_ref().is_none_or(|(k, _)| *k != key) {
                    if let Some((_, w)) = current.take() {
                        w.finish().map_err(io)?;
                    }
                    let partition = key.0.map(|p| Partition {
                        prefecture: u8::try_from(p).unwrap_or(0),
                        municipality: key.1.clone(),
                    });
                    let part =
                        u32::try_from(key.2).map_err(|_| storage("part number out of range"))?;
                    let w = writer
                        .part_at(&e.id, partition.as_ref(), part)
                        .map_err(io)?;
                    current = Some((key, w));
                }
                let Some((_, w)) = current.as_mut() else {
                    return Err(storage("no part writer"));
                };
                for (i, item) in e.items.iter().enumerate() {
                    let v = row.get_ref(i + 3).map_err(storage)?;
                    match (item.ty, v) {
                        (_, ValueRef::Null) => w.null(),
                        (ItemType::String | ItemType::Code, ValueRef::Text(t)) => {
                            w.str(std::str::from_utf8(t).map_err(storage)?)
                        }
                        (ItemType::Integer | ItemType::Yen, ValueRef::Integer(x)) => w.int(x),
                        (ItemType::Date, ValueRef::Integer(x)) => w.date(
                            from_days(x).ok_or_else(|| storage(format!("bad stored date {x}")))?,
                        ),
                        (ItemType::Boolean, ValueRef::Integer(x)) => w.bool(x != 0),
                        (ty, v) => {
                            return Err(storage(format!(
                                "{}.{}: stored {:?} for a {}",
                                e.id,
                                item.id,
                                v.data_type(),
                                ty.name()
                            )));
                        }
                    }
                }
                w.end_row();
                n += 1;
            }
            if let Some((_, w)) = current.take() {
                w.finish().map_err(io)?;
            }
            if n > 0 {
                records.insert(e.id.clone(), n);
            }
        }
        drop(conn);
        let manifest = writer
            .finish(ManifestInfo {
                generator: GeneratorInfo {
                    name: "nhikit-reference".into(),
                    output_version: 1,
                },
                ..ManifestInfo::default()
            })
            .map_err(io)?;
        Ok(ExportResponse {
            files: manifest.files.len() as u64,
            records,
        })
    }
}
