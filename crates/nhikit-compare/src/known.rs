//! Known differences: the findings a municipality has looked at and accepts (like expected
//! failures), in a TOML file given with `--known`:
//!
//! ```toml
//! [[known]]
//! operation = "lookup_person"
//! item = "person.name_kana"
//! class = "current_wrong"
//! reason = "the legacy system truncates 氏名カナ to 20 characters; fixed by the migration"
//! owner = "国保年金課 システム係"
//! ```
//!
//! `item` is the finding's item path (array keys as `[*]`); a trailing `*` matches any item
//! that starts with what precedes it.

use crate::diff::Class;
use crate::{Error, Finding, OPERATIONS};
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::Spanned;

/// One accepted difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownEntry {
    /// The operation (`assess`, `lookup_person`, …).
    pub operation: String,
    /// The item path, or a prefix ending in `*`.
    pub item: String,
    /// The class.
    pub class: Class,
    /// Why it is accepted.
    pub reason: String,
    /// Who accepted it.
    pub owner: String,
    /// Where it is written (`known.toml:12`).
    pub at: String,
}

impl KnownEntry {
    /// Whether the entry accepts a finding.
    pub fn matches(&self, f: &Finding) -> bool {
        let item = match self.item.strip_suffix('*') {
            Some(prefix) if !self.item.ends_with("[*]") => f.item.starts_with(prefix),
            _ => f.item == self.item,
        };
        self.operation == f.operation && self.class == f.class && item
    }
}

/// The entries of a known-differences file.
#[derive(Debug, Clone, Default)]
pub struct KnownList {
    /// In file order.
    pub entries: Vec<KnownEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    #[serde(default)]
    known: Vec<Spanned<EntryIn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIn {
    operation: Spanned<String>,
    item: Spanned<String>,
    class: Spanned<String>,
    reason: Spanned<String>,
    owner: Spanned<String>,
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |n| before.len() - n - 1)
        + 1;
    (line, column)
}

impl KnownList {
    /// Reads a known-differences file; a bad entry is an error naming the file, line, column
    /// and what is wrong.
    pub fn load(path: &Path) -> Result<KnownList, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        KnownList::parse(path, &text)
    }

    /// [`KnownList::load`] of text already read.
    pub fn parse(path: &Path, text: &str) -> Result<KnownList, Error> {
        let at = |offset: usize, reason: String| {
            let (line, column) = line_col(text, offset);
            Error::Known {
                path: path.to_path_buf(),
                line,
                column,
                reason,
            }
        };
        let file: FileIn = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            at(offset, e.message().to_owned())
        })?;
        let mut entries = Vec::new();
        for e in file.known {
            let start = e.span().start;
            let e = e.into_inner();
            let op = e.operation.get_ref();
            if !OPERATIONS.contains(&op.as_str()) {
                return Err(at(
                    e.operation.span().start,
                    format!(
                        "operation: unknown operation `{op}` (expected one of {})",
                        OPERATIONS.join(", ")
                    ),
                ));
            }
            let class: Class = e
                .class
                .get_ref()
                .parse()
                .map_err(|r| at(e.class.span().start, format!("class: {r}")))?;
            for (key, v) in [
                ("item", &e.item),
                ("reason", &e.reason),
                ("owner", &e.owner),
            ] {
                if v.get_ref().trim().is_empty() {
                    return Err(at(v.span().start, format!("{key}: must not be empty")));
                }
            }
            let (line, _) = line_col(text, start);
            entries.push(KnownEntry {
                operation: op.clone(),
                item: e.item.into_inner(),
                class,
                reason: e.reason.into_inner(),
                owner: e.owner.into_inner(),
                at: format!("{}:{line}", path.display()),
            });
        }
        Ok(KnownList { entries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match KnownList::parse(Path::new("known.toml"), text) {
            Ok(_) => String::from("(accepted)"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn bad_entries_are_named_by_line() {
        let head = "[[known]]\noperation = \"assess\"\nitem = \"total\"\n";
        assert_eq!(
            err(&format!(
                "{head}class = \"new_worng\"\nreason = \"r\"\nowner = \"o\"\n"
            )),
            "known.toml:4:9: class: unknown class `new_worng` (expected one of new_wrong, \
             both_wrong, current_wrong, both_agree_not_oracle, unrefereed)"
        );
        assert!(
            err("[[known]]\noperation = \"assess\"\nitem = \"total\"\nclass = \"new_wrong\"\nreason = \"r\"\n")
                .starts_with("known.toml:1:1: missing field `owner`"),
            "{}",
            err("[[known]]\noperation = \"assess\"\nitem = \"total\"\nclass = \"new_wrong\"\nreason = \"r\"\n")
        );
        assert!(
            err(&format!(
                "{head}class = \"new_wrong\"\nreason = \"r\"\nowner = \"o\"\ncolour = 1\n"
            ))
            .starts_with("known.toml:7:1: unknown field `colour`")
        );
        assert!(err("[[known]]\noperation = \"asess\"\n").starts_with("known.toml:"));
    }
}
