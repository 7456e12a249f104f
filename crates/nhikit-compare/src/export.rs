//! The export comparison: both systems export, and every CSV file is compared record by record
//! and column by column, streamed in step with the dataset's own CSV file at the same path,
//! which referees (an export of what was imported must give the same files back:
//! `round_trip` in docs/scenario-format.md).

use crate::diff::{Class, Diff, OUTCOME, classify};
use crate::source::Source;
use crate::{Collector, Error};
use nhikit_target::{ExportRequest, Target};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The CSV files under `dir`, as `/`-separated relative paths (an absent directory has none).
fn csv_files(dir: &Path) -> Result<BTreeSet<String>, Error> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) -> Result<(), Error> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(Error::Io {
                    path: dir.to_path_buf(),
                    reason: e.to_string(),
                });
            }
        };
        for entry in rd {
            let entry = entry.map_err(|e| Error::Io {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?;
            let ty = entry.file_type().map_err(|e| Error::Io {
                path: entry.path(),
                reason: e.to_string(),
            })?;
            let p = entry.path();
            if ty.is_dir() {
                walk(root, &p, out)?;
            } else if ty.is_file()
                && p.extension().is_some_and(|e| e == "csv")
                && let Ok(rel) = p.strip_prefix(root)
            {
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(parts.join("/"));
            }
        }
        Ok(())
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

/// A file path with its partition values and part number as `*`.
pub(crate) fn normalise_file(path: &str) -> String {
    path.split('/')
        .map(|c| {
            for key in ["prefecture=", "municipality="] {
                if c.starts_with(key) {
                    return format!("{key}*");
                }
            }
            if let Some(rest) = c.strip_prefix("part-") {
                let ext = rest.split_once('.').map_or("", |(_, e)| e);
                return format!("part-*.{ext}");
            }
            c.to_owned()
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>, Error> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

fn next(
    r: &mut Option<csv::Reader<std::fs::File>>,
    path: &Path,
) -> Result<Option<csv::StringRecord>, Error> {
    let Some(r) = r else { return Ok(None) };
    let mut rec = csv::StringRecord::new();
    match r.read_record(&mut rec) {
        Ok(true) => Ok(Some(rec)),
        Ok(false) => Ok(None),
        Err(e) => Err(Error::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }),
    }
}

pub(crate) fn compare_exports(
    current: &(dyn Target + Sync),
    new: &(dyn Target + Sync),
    source: &Source,
    work: Option<&Path>,
    c: &mut Collector,
) -> Result<(), Error> {
    let tmp;
    let work: PathBuf = match work {
        Some(w) => w.to_path_buf(),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("nhikit-compare-")
                .tempdir()
                .map_err(|e| Error::Io {
                    path: std::env::temp_dir(),
                    reason: e.to_string(),
                })?;
            tmp.path().to_path_buf()
        }
    };
    let dirs = [work.join("export-current"), work.join("export-new")];
    let (rc, rn) = crate::both(current, new, |t, side| {
        crate::reply(t.export(&ExportRequest {
            dir: dirs[side].clone(),
            overwrite: true,
        }))
    });
    let replies = [rc, rn];
    let request = serde_json::json!({ "dir": "(a directory per system)" });
    let ok = crate::diff::outcome(&Ok(Value::Null));
    let (co, no) = (
        crate::diff::outcome(&replies[0]),
        crate::diff::outcome(&replies[1]),
    );
    if co != ok || no != ok {
        let class = classify(&co, &no, Some(&ok)).unwrap_or(Class::BothWrong);
        let d = Diff {
            path: OUTCOME.into(),
            item: OUTCOME.into(),
            class,
            current: co,
            new: no,
            oracle: Some(ok),
        };
        c.add(
            "export",
            "export",
            &request,
            vec![d],
            None,
            &|| Value::Null,
            None,
        );
        return Ok(());
    }
    let source_files = csv_files(source.dir())?;
    let (cf, nf) = (csv_files(&dirs[0])?, csv_files(&dirs[1])?);
    let all: BTreeSet<&String> = cf.iter().chain(&nf).collect();
    for file in all {
        let norm = normalise_file(file);
        let in_source = source_files.contains(file);
        let (has_c, has_n) = (cf.contains(file), nf.contains(file));
        if !has_c || !has_n {
            let present = |b: bool| Value::String(if b { "present" } else { "absent" }.into());
            let o = in_source.then(|| present(true));
            let (cv, nv) = (present(has_c), present(has_n));
            if let Some(class) = classify(&cv, &nv, o.as_ref()) {
                let d = Diff {
                    path: format!("{file}#(file)"),
                    item: format!("{norm}#(file)"),
                    class,
                    current: cv,
                    new: nv,
                    oracle: o,
                };
                c.add(
                    "export",
                    file,
                    &request,
                    vec![d],
                    None,
                    &|| Value::Null,
                    None,
                );
            }
            continue;
        }
        let paths = [
            dirs[0].join(file),
            dirs[1].join(file),
            source.dir().join(file),
        ];
        let mut rc = Some(reader(&paths[0])?);
        let mut rn = Some(reader(&paths[1])?);
        let mut rs = if in_source {
            Some(reader(&paths[2])?)
        } else {
            None
        };
        let mut header: Vec<String> = Vec::new();
        let mut row = 0usize;
        loop {
            let a = next(&mut rc, &paths[0])?;
            let b = next(&mut rn, &paths[1])?;
            let s = next(&mut rs, &paths[2])?;
            if a.is_none() && b.is_none() && s.is_none() {
                break;
            }
            row += 1;
            if row == 1 {
                header = s
                    .as_ref()
                    .or(a.as_ref())
                    .map(|h| h.iter().map(str::to_owned).collect())
                    .unwrap_or_default();
            }
            let record = format!("{file} row {row}");
            let mut diffs = Vec::new();
            let present = |r: &Option<csv::StringRecord>| Value::Bool(r.is_some());
            if a.is_none() || b.is_none() {
                let o = in_source.then(|| present(&s));
                if let Some(class) = classify(&present(&a), &present(&b), o.as_ref()) {
                    diffs.push(Diff {
                        path: format!("{file}#(row {row})"),
                        item: format!("{norm}#(row)"),
                        class,
                        current: present(&a),
                        new: present(&b),
                        oracle: o,
                    });
                }
            } else if let (Some(a), Some(b)) = (&a, &b) {
                let width = a.len().max(b.len()).max(s.as_ref().map_or(0, |s| s.len()));
                for col in 0..width {
                    let field = |r: &csv::StringRecord| {
                        r.get(col)
                            .map_or(Value::Null, |v| Value::String(v.to_owned()))
                    };
                    let (cv, nv) = (field(a), field(b));
                    let o = s.as_ref().map(field);
                    let Some(class) = classify(&cv, &nv, o.as_ref()) else {
                        continue;
                    };
                    let name = header
                        .get(col)
                        .cloned()
                        .unwrap_or_else(|| format!("#{col}"));
                    let column = if row == 1 {
                        format!("(header)[{col}]")
                    } else {
                        name
                    };
                    diffs.push(Diff {
                        path: format!("{file}#{column}"),
                        item: format!("{norm}#{column}"),
                        class,
                        current: cv,
                        new: nv,
                        oracle: o,
                    });
                }
            }
            c.add(
                "export",
                &record,
                &request,
                diffs,
                None,
                &|| Value::Null,
                None,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_lose_their_partition_values() {
        assert_eq!(
            normalise_file("csv/person/prefecture=13/part-00002.csv"),
            "csv/person/prefecture=*/part-*.csv"
        );
    }
}
