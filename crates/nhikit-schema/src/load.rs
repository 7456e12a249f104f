//! Loading `schemas/`: TOML files → checked [`Schema`], with every mistake reported.

use crate::error::{Problem, SchemaError, SchemaErrors};
use crate::model::{
    CharClass, CheckRule, Code, CodeTable, Encoding, Entity, Item, ItemType, Layout, LineEnding,
    Order, Reference, Schema,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Loads and checks the schema directory `dir` (the one holding `nhikit-schema.toml`).
///
/// Returns every problem found, sorted by file and line, when there is any.
pub fn load_dir(dir: &Path) -> Result<Schema, SchemaErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let top = dir.join("nhikit-schema.toml");
    match std::fs::read_to_string(&top) {
        Ok(text) => files.push(SourceFile::new(top, text, Kind::Top)),
        Err(e) => errors.push(file_error(&top, Problem::Io(e.to_string()))),
    }
    for (sub, kind) in [
        ("entities", Kind::Entity),
        ("codes", Kind::Codes),
        ("layouts", Kind::Layout),
    ] {
        let sub_dir = dir.join(sub);
        let entries = match std::fs::read_dir(&sub_dir) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(file_error(&sub_dir, Problem::Io(e.to_string())));
                continue;
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push(SourceFile::new(path, text, kind)),
                Err(e) => errors.push(file_error(&path, Problem::Io(e.to_string()))),
            }
        }
    }
    let result = load_files(files);
    match result {
        Ok(schema) if errors.is_empty() => Ok(schema),
        Ok(_) => Err(finish(errors)),
        Err(SchemaErrors(more)) => {
            errors.extend(more);
            Err(finish(errors))
        }
    }
}

/// Loads a schema from in-memory files: `(path, text)` pairs whose paths look like the
/// directory layout (`nhikit-schema.toml`, `entities/NAME.toml`, `codes/NAME.toml`,
/// `layouts/NAME.toml`). Used by tests and by tools that embed a schema.
pub fn load_texts<'a>(
    texts: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Schema, SchemaErrors> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for (path, text) in texts {
        let p = PathBuf::from(path);
        let kind = match p
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|d| d.to_str())
        {
            _ if p.file_name().is_some_and(|f| f == "nhikit-schema.toml") => Kind::Top,
            Some("entities") => Kind::Entity,
            Some("codes") => Kind::Codes,
            Some("layouts") => Kind::Layout,
            _ => {
                errors.push(file_error(
                    &p,
                    Problem::Io(
                        "not a schema path (expected entities/, codes/ or layouts/)".into(),
                    ),
                ));
                continue;
            }
        };
        files.push(SourceFile::new(p, text.to_owned(), kind));
    }
    match load_files(files) {
        Ok(s) if errors.is_empty() => Ok(s),
        Ok(_) => Err(finish(errors)),
        Err(SchemaErrors(more)) => {
            errors.extend(more);
            Err(finish(errors))
        }
    }
}

fn finish(mut errors: Vec<SchemaError>) -> SchemaErrors {
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    errors.dedup();
    SchemaErrors(errors)
}

fn file_error(path: &Path, problem: Problem) -> SchemaError {
    SchemaError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        entity: None,
        item: None,
        problem,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Top,
    Entity,
    Codes,
    Layout,
}

struct SourceFile {
    path: PathBuf,
    text: String,
    kind: Kind,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, text: String, kind: Kind) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            kind,
            line_starts,
        }
    }

    fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// 1-based (line, column in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    fn error(
        &self,
        span: Range<usize>,
        entity: Option<&str>,
        item: Option<&str>,
        problem: Problem,
    ) -> SchemaError {
        let (line, column) = self.position(span.start);
        SchemaError {
            file: self.path.clone(),
            line,
            column,
            entity: entity.map(str::to_owned),
            item: item.map(str::to_owned),
            problem,
        }
    }

    /// The entity (or code table or layout) and the item (or code value) whose table holds
    /// the byte `offset`, read from the text itself: used to name them in syntax errors.
    fn context_at(&self, offset: usize) -> (Option<String>, Option<String>) {
        let (line, _) = self.position(offset);
        let lines: Vec<&str> = self.text.lines().collect();
        let is_header = |l: &str| l.trim_start().starts_with('[');
        // The `key = "value"` of the table starting at header line `h` (0-based).
        let value_in = |h: usize, key: &str| -> Option<String> {
            lines
                .iter()
                .skip(h + 1)
                .take_while(|l| !is_header(l))
                .find_map(|l| {
                    let (k, v) = l.split_once('=')?;
                    if k.trim() != key {
                        return None;
                    }
                    let v = v.trim();
                    let v = v.strip_prefix('"')?;
                    Some(v[..v.find('"')?].to_owned())
                })
        };
        let entity = lines
            .iter()
            .position(|l| matches!(l.trim(), "[entity]" | "[code_table]" | "[layout]"))
            .and_then(|h| value_in(h, "id"));
        let item = lines
            .iter()
            .take(line)
            .rposition(|l| is_header(l))
            .and_then(|h| match lines[h].trim() {
                "[[item]]" => value_in(h, "id"),
                "[[code]]" => value_in(h, "value"),
                _ => None,
            });
        (entity, item)
    }

    fn parse<T: for<'de> Deserialize<'de>>(&self, errors: &mut Vec<SchemaError>) -> Option<T> {
        match toml::from_str::<T>(&self.text) {
            Ok(v) => Some(v),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().to_owned();
                let (entity, item) = self.context_at(span.start);
                errors.push(self.error(
                    span,
                    entity.as_deref(),
                    item.as_deref(),
                    Problem::Syntax(message),
                ));
                None
            }
        }
    }
}

// ---- raw file shapes ---------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTop {
    schema: RawTopSchema,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopSchema {
    name: String,
    version: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntityFile {
    entity: RawEntity,
    #[serde(default)]
    item: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sources: Vec<String>,
    primary_key: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    references: Vec<Spanned<RawReference>>,
    #[serde(default)]
    order: Vec<Spanned<RawOrder>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrder {
    items: Spanned<Vec<Spanned<String>>>,
    rule: Option<Spanned<String>>,
    message: Spanned<String>,
    reason: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReference {
    items: Vec<Spanned<String>>,
    entity: Spanned<String>,
    #[serde(default)]
    optional: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    label: String,
    #[serde(rename = "type")]
    ty: Spanned<String>,
    length: Option<Spanned<i64>>,
    min_length: Option<Spanned<i64>>,
    chars: Option<Spanned<String>>,
    code: Option<Spanned<String>>,
    check: Option<Spanned<String>>,
    min: Option<Spanned<i64>>,
    max: Option<Spanned<i64>>,
    #[serde(default)]
    nullable: bool,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodesFile {
    code_table: RawCodeTable,
    #[serde(default)]
    code: Vec<Spanned<RawCode>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodeTable {
    id: Spanned<String>,
    label: String,
    #[serde(default)]
    source: String,
    length: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    value: Spanned<String>,
    label: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayoutFile {
    layout: RawLayout,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    id: Spanned<String>,
    label: String,
    entity: Spanned<String>,
    encoding: Spanned<String>,
    #[serde(default = "yes")]
    header: bool,
    #[serde(default = "comma")]
    delimiter: Spanned<String>,
    line_ending: Spanned<String>,
    columns: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    source: String,
}

fn yes() -> bool {
    true
}

fn comma() -> Spanned<String> {
    Spanned::new(0..0, ",".to_owned())
}

// ---- checking ------------------------------------------------------------------------------

fn valid_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks an id's syntax and that it matches the file stem.
fn check_file_id(f: &SourceFile, id: &Spanned<String>, errors: &mut Vec<SchemaError>) {
    let value = id.get_ref();
    if !valid_id(value) {
        errors.push(f.error(
            id.span(),
            Some(value),
            None,
            Problem::InvalidId(value.clone()),
        ));
    } else if *value != f.stem() {
        errors.push(f.error(
            id.span(),
            Some(value),
            None,
            Problem::IdMismatch {
                found: value.clone(),
                expected: f.stem(),
            },
        ));
    }
}

fn load_files(files: Vec<SourceFile>) -> Result<Schema, SchemaErrors> {
    let mut errors = Vec::new();
    let mut name = String::new();
    let mut version = String::new();
    let mut entities: Vec<(usize, RawEntityFile)> = Vec::new();
    let mut tables: Vec<(usize, RawCodesFile)> = Vec::new();
    let mut layouts: Vec<(usize, RawLayoutFile)> = Vec::new();
    let mut saw_top = false;
    // Files that failed to parse: references to them would only repeat that error.
    let mut unparsed: BTreeMap<String, ()> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        match f.kind {
            Kind::Top => {
                saw_top = true;
                if let Some(top) = f.parse::<RawTop>(&mut errors) {
                    name = top.schema.name;
                    version = top.schema.version;
                }
            }
            Kind::Entity => match f.parse::<RawEntityFile>(&mut errors) {
                Some(raw) => {
                    check_file_id(f, &raw.entity.id, &mut errors);
                    entities.push((i, raw));
                }
                None => {
                    unparsed.insert(f.stem(), ());
                }
            },
            Kind::Codes => match f.parse::<RawCodesFile>(&mut errors) {
                Some(raw) => {
                    check_file_id(f, &raw.code_table.id, &mut errors);
                    tables.push((i, raw));
                }
                None => {
                    unparsed.insert(f.stem(), ());
                }
            },
            Kind::Layout => match f.parse::<RawLayoutFile>(&mut errors) {
                Some(raw) => {
                    check_file_id(f, &raw.layout.id, &mut errors);
                    layouts.push((i, raw));
                }
                None => {
                    unparsed.insert(f.stem(), ());
                }
            },
        }
    }
    if !saw_top {
        errors.push(file_error(
            Path::new("nhikit-schema.toml"),
            Problem::Io("missing: the schema directory needs nhikit-schema.toml".into()),
        ));
    }

    let code_tables: Vec<CodeTable> = tables
        .into_iter()
        .map(|(i, raw)| build_code_table(&files[i], raw, &mut errors))
        .collect();
    let table_ids: BTreeMap<&str, ()> = code_tables.iter().map(|t| (t.id.as_str(), ())).collect();

    let mut built: Vec<(usize, Entity, RawEntity)> = entities
        .into_iter()
        .map(|(i, raw)| {
            let (e, rest) = build_entity(&files[i], raw, &table_ids, &unparsed, &mut errors);
            (i, e, rest)
        })
        .collect();

    // Cross-entity checks: references.
    for k in 0..built.len() {
        let (fi, ref entity, ref raw) = built[k];
        let f = &files[fi];
        let mut refs = Vec::new();
        for r in &raw.references {
            let r_ref = r.get_ref();
            let target_id = r_ref.entity.get_ref();
            let target = built.iter().find(|(_, e, _)| &e.id == target_id);
            match target {
                None if unparsed.contains_key(target_id) => {}
                None => errors.push(f.error(
                    r_ref.entity.span(),
                    Some(&entity.id),
                    None,
                    Problem::UnknownEntity(target_id.clone()),
                )),
                Some((_, t, _)) if t.primary_key.len() != r_ref.items.len() => {
                    errors.push(f.error(
                        r.span(),
                        Some(&entity.id),
                        None,
                        Problem::ReferenceArity {
                            entity: target_id.clone(),
                            found: r_ref.items.len(),
                            expected: t.primary_key.len(),
                        },
                    ))
                }
                Some(_) => {}
            }
            for it in &r_ref.items {
                if entity.item(it.get_ref()).is_none() {
                    errors.push(f.error(
                        it.span(),
                        Some(&entity.id),
                        Some(it.get_ref()),
                        Problem::UnknownItem {
                            entity: entity.id.clone(),
                            item: it.get_ref().clone(),
                        },
                    ));
                }
            }
            refs.push(Reference {
                items: r_ref.items.iter().map(|s| s.get_ref().clone()).collect(),
                entity: target_id.clone(),
                optional: r_ref.optional,
            });
        }
        built[k].1.references = refs;
    }
    let entities: Vec<Entity> = built.into_iter().map(|(_, e, _)| e).collect();

    let layouts: Vec<Layout> = layouts
        .into_iter()
        .map(|(i, raw)| build_layout(&files[i], raw, &entities, &unparsed, &mut errors))
        .collect();

    if !errors.is_empty() {
        return Err(finish(errors));
    }
    let mut schema = Schema {
        name,
        version,
        entities,
        code_tables,
        layouts,
    };
    schema.entities.sort_by(|a, b| a.id.cmp(&b.id));
    schema.code_tables.sort_by(|a, b| a.id.cmp(&b.id));
    schema.layouts.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(schema)
}

fn build_code_table(f: &SourceFile, raw: RawCodesFile, errors: &mut Vec<SchemaError>) -> CodeTable {
    let id = raw.code_table.id.get_ref().clone();
    let length = raw.code_table.length.as_ref().and_then(|l| {
        let v = *l.get_ref();
        match u32::try_from(v) {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.push(f.error(
                    l.span(),
                    Some(&id),
                    None,
                    Problem::BadValue(format!("length must be at least 1, found {v}")),
                ));
                None
            }
        }
    });
    if raw.code.is_empty() {
        errors.push(f.error(
            raw.code_table.id.span(),
            Some(&id),
            None,
            Problem::BadValue("a code table needs at least one [[code]]".into()),
        ));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut codes = Vec::new();
    for c in raw.code {
        let span = c.span();
        let c = c.into_inner();
        let value = c.value.get_ref().clone();
        let (line, _) = f.position(c.value.span().start);
        if let Some(&first_line) = seen.get(&value) {
            errors.push(f.error(
                c.value.span(),
                Some(&id),
                Some(&value),
                Problem::Duplicate {
                    what: "code value",
                    id: value.clone(),
                    first_line,
                },
            ));
        } else {
            seen.insert(value.clone(), line);
        }
        if value.is_empty() {
            errors.push(f.error(
                span.clone(),
                Some(&id),
                None,
                Problem::BadValue("a code value must not be empty".into()),
            ));
        }
        if let Some(len) = length {
            let n = value.chars().count();
            if n != len as usize {
                errors.push(f.error(
                    c.value.span(),
                    Some(&id),
                    Some(&value),
                    Problem::CodeLength {
                        value: value.clone(),
                        found: n,
                        expected: len,
                    },
                ));
            }
        }
        codes.push(Code {
            value,
            label: c.label,
            description: c.description,
        });
    }
    CodeTable {
        id,
        label: raw.code_table.label,
        source: raw.code_table.source,
        length,
        codes,
        file: f.path.clone(),
    }
}

fn build_entity(
    f: &SourceFile,
    raw: RawEntityFile,
    tables: &BTreeMap<&str, ()>,
    unparsed: &BTreeMap<String, ()>,
    errors: &mut Vec<SchemaError>,
) -> (Entity, RawEntity) {
    let eid = raw.entity.id.get_ref().clone();
    let mut items: Vec<Item> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for spanned in raw.item {
        let item_span = spanned.span();
        let r = spanned.into_inner();
        let iid = r.id.get_ref().clone();
        let (line, _) = f.position(item_span.start);
        let mut err = |span: Range<usize>, p: Problem| {
            errors.push(f.error(span, Some(&eid), Some(&iid), p));
        };
        if !valid_id(&iid) {
            err(r.id.span(), Problem::InvalidId(iid.clone()));
        }
        if let Some(&first_line) = seen.get(&iid) {
            err(
                r.id.span(),
                Problem::Duplicate {
                    what: "item",
                    id: iid.clone(),
                    first_line,
                },
            );
        } else {
            seen.insert(iid.clone(), line);
        }
        let ty = ItemType::from_name(r.ty.get_ref());
        if ty.is_none() {
            err(r.ty.span(), Problem::UnknownType(r.ty.get_ref().clone()));
        }
        let ty_name = ty.map_or("?", ItemType::name);
        let is = |t: ItemType| ty == Some(t);
        let numeric = is(ItemType::Integer) || is(ItemType::Yen);

        let positive =
            |v: &Option<Spanned<i64>>, key: &str, err: &mut dyn FnMut(Range<usize>, Problem)| {
                v.as_ref().and_then(|l| match u32::try_from(*l.get_ref()) {
                    Ok(n) if n >= 1 => Some(n),
                    _ => {
                        err(
                            l.span(),
                            Problem::BadValue(format!(
                                "{key} must be at least 1, found {}",
                                l.get_ref()
                            )),
                        );
                        None
                    }
                })
            };
        let length = positive(&r.length, "length", &mut err);
        let min_length = positive(&r.min_length, "min_length", &mut err);
        if let (Some(min), Some(max), Some(span)) =
            (min_length, length, r.min_length.as_ref().map(Spanned::span))
            && min > max
        {
            err(
                span,
                Problem::BadValue(format!("min_length {min} exceeds length {max}")),
            );
        }
        let chars = r
            .chars
            .as_ref()
            .and_then(|c| match c.get_ref().parse::<CharClass>() {
                Ok(cc) => Some(cc),
                Err(_) => {
                    err(c.span(), Problem::UnknownCharClass(c.get_ref().clone()));
                    None
                }
            });
        let check = r
            .check
            .as_ref()
            .and_then(|c| match CheckRule::from_name(c.get_ref()) {
                Some(rule) => Some(rule),
                None => {
                    err(c.span(), Problem::UnknownCheck(c.get_ref().clone()));
                    None
                }
            });
        // Keys required or forbidden by type.
        if let Some(t) = ty {
            let tname = t.name();
            let mut need = |present: bool, key: &'static str| {
                if !present {
                    err(item_span.clone(), Problem::MissingKey { key, ty: tname });
                }
            };
            match t {
                ItemType::String => {
                    need(r.length.is_some(), "length");
                    need(r.chars.is_some(), "chars");
                }
                ItemType::Code => need(r.code.is_some(), "code"),
                _ => {}
            }
            let forbid: [(&'static str, Option<Range<usize>>, bool); 7] = [
                (
                    "length",
                    r.length.as_ref().map(Spanned::span),
                    matches!(t, ItemType::String | ItemType::Code),
                ),
                (
                    "min_length",
                    r.min_length.as_ref().map(Spanned::span),
                    t == ItemType::String,
                ),
                (
                    "chars",
                    r.chars.as_ref().map(Spanned::span),
                    t == ItemType::String,
                ),
                (
                    "check",
                    r.check.as_ref().map(Spanned::span),
                    t == ItemType::String,
                ),
                (
                    "code",
                    r.code.as_ref().map(Spanned::span),
                    t == ItemType::Code,
                ),
                ("min", r.min.as_ref().map(Spanned::span), numeric),
                ("max", r.max.as_ref().map(Spanned::span), numeric),
            ];
            for (key, span, allowed) in forbid {
                if let (Some(span), false) = (span, allowed) {
                    err(span, Problem::KeyNotAllowed { key, ty: ty_name });
                }
            }
        }
        if let (Some(min), Some(max)) = (&r.min, &r.max)
            && min.get_ref() > max.get_ref()
        {
            err(
                min.span(),
                Problem::BadValue(format!(
                    "min {} exceeds max {}",
                    min.get_ref(),
                    max.get_ref()
                )),
            );
        }
        if let Some(code) = &r.code
            && is(ItemType::Code)
            && !tables.contains_key(code.get_ref().as_str())
            && !unparsed.contains_key(code.get_ref().as_str())
        {
            err(
                code.span(),
                Problem::UnknownCodeTable(code.get_ref().clone()),
            );
        }
        items.push(Item {
            id: iid.clone(),
            label: r.label,
            ty: ty.unwrap_or(ItemType::String),
            length,
            min_length,
            chars,
            code: r.code.map(Spanned::into_inner),
            check,
            min: r.min.map(Spanned::into_inner),
            max: r.max.map(Spanned::into_inner),
            nullable: r.nullable,
            description: r.description,
            line,
        });
    }
    if items.is_empty() {
        errors.push(f.error(
            raw.entity.id.span(),
            Some(&eid),
            None,
            Problem::BadValue("an entity needs at least one [[item]]".into()),
        ));
    }
    let mut primary_key = Vec::new();
    match &raw.entity.primary_key {
        None => errors.push(f.error(
            raw.entity.id.span(),
            Some(&eid),
            None,
            Problem::BadValue("missing primary_key: name the items that identify a record".into()),
        )),
        Some(pk) => {
            for k in pk {
                let key = k.get_ref();
                match items.iter().find(|i| &i.id == key) {
                    None => errors.push(f.error(
                        k.span(),
                        Some(&eid),
                        Some(key),
                        Problem::UnknownItem {
                            entity: eid.clone(),
                            item: key.clone(),
                        },
                    )),
                    Some(i) if i.nullable => errors.push(f.error(
                        k.span(),
                        Some(&eid),
                        Some(key),
                        Problem::NullableKey(key.clone()),
                    )),
                    Some(_) => {}
                }
                primary_key.push(key.clone());
            }
            if pk.is_empty() {
                errors.push(f.error(
                    raw.entity.id.span(),
                    Some(&eid),
                    None,
                    Problem::BadValue("primary_key must name at least one item".into()),
                ));
            }
        }
    }
    let orders = build_orders(f, &eid, &raw.entity.order, &items, errors);
    let entity = Entity {
        id: eid,
        label: raw.entity.label.clone(),
        description: raw.entity.description.clone(),
        sources: raw.entity.sources.clone(),
        primary_key,
        references: Vec::new(),
        orders,
        items,
        file: f.path.clone(),
    };
    (entity, raw.entity)
}

/// The `[[entity.order]]` declarations: two distinct `date` items of the entity, a rule name
/// that is an id, a message naming both values and a reason.
fn build_orders(
    f: &SourceFile,
    eid: &str,
    raw: &[Spanned<RawOrder>],
    items: &[Item],
    errors: &mut Vec<SchemaError>,
) -> Vec<Order> {
    let mut orders = Vec::new();
    for spanned in raw {
        let (line, _) = f.position(spanned.span().start);
        let o = spanned.get_ref();
        let before = errors.len();
        let names = o.items.get_ref();
        if names.len() != 2 {
            errors.push(f.error(
                o.items.span(),
                Some(eid),
                None,
                Problem::BadValue(format!(
                    "an order names exactly two items (earlier, later), found {}",
                    names.len()
                )),
            ));
        }
        for n in names {
            let id = n.get_ref();
            match items.iter().find(|i| &i.id == id) {
                None => errors.push(f.error(
                    n.span(),
                    Some(eid),
                    Some(id),
                    Problem::UnknownItem {
                        entity: eid.to_owned(),
                        item: id.clone(),
                    },
                )),
                Some(i) if i.ty != ItemType::Date => errors.push(f.error(
                    n.span(),
                    Some(eid),
                    Some(id),
                    Problem::BadValue(format!(
                        "an order compares dates; `{id}` is of type {}",
                        i.ty.name()
                    )),
                )),
                Some(_) => {}
            }
        }
        if let [a, b] = names.as_slice()
            && a.get_ref() == b.get_ref()
        {
            errors.push(f.error(
                b.span(),
                Some(eid),
                Some(b.get_ref()),
                Problem::BadValue("an order compares two different items".into()),
            ));
        }
        let rule = o
            .rule
            .as_ref()
            .map_or_else(|| "dates".to_owned(), |r| r.get_ref().clone());
        if let Some(r) = &o.rule
            && !valid_id(r.get_ref())
        {
            errors.push(f.error(
                r.span(),
                Some(eid),
                None,
                Problem::InvalidId(r.get_ref().clone()),
            ));
        }
        let message = o.message.get_ref();
        for hole in ["{earlier}", "{later}"] {
            if !message.contains(hole) {
                errors.push(f.error(
                    o.message.span(),
                    Some(eid),
                    None,
                    Problem::BadValue(format!("an order's message must show the value {hole}")),
                ));
            }
        }
        if o.reason.get_ref().trim().is_empty() {
            errors.push(f.error(
                o.reason.span(),
                Some(eid),
                None,
                Problem::BadValue("an order's reason must not be empty".into()),
            ));
        }
        if errors.len() == before
            && let [a, b] = names.as_slice()
        {
            orders.push(Order {
                earlier: a.get_ref().clone(),
                later: b.get_ref().clone(),
                rule,
                message: message.clone(),
                reason: o.reason.get_ref().clone(),
                line,
            });
        }
    }
    orders
}

fn build_layout(
    f: &SourceFile,
    raw: RawLayoutFile,
    entities: &[Entity],
    unparsed: &BTreeMap<String, ()>,
    errors: &mut Vec<SchemaError>,
) -> Layout {
    let l = raw.layout;
    let lid = l.id.get_ref().clone();
    let mut err = |span: Range<usize>, item: Option<&str>, p: Problem| {
        errors.push(f.error(span, Some(&lid), item, p));
    };
    let encoding = match l.encoding.get_ref().as_str() {
        "utf-8" => Encoding::Utf8,
        "cp932" => Encoding::Cp932,
        other => {
            err(
                l.encoding.span(),
                None,
                Problem::BadValue(format!(
                    "unknown encoding `{other}`: expected utf-8 or cp932"
                )),
            );
            Encoding::Utf8
        }
    };
    let line_ending = match l.line_ending.get_ref().as_str() {
        "crlf" => LineEnding::Crlf,
        "lf" => LineEnding::Lf,
        other => {
            err(
                l.line_ending.span(),
                None,
                Problem::BadValue(format!(
                    "unknown line_ending `{other}`: expected crlf or lf"
                )),
            );
            LineEnding::Crlf
        }
    };
    let mut d = l.delimiter.get_ref().chars();
    let delimiter = match (d.next(), d.next()) {
        (Some(c), None) if c != '"' && c != '\n' && c != '\r' => c,
        _ => {
            err(
                l.delimiter.span(),
                None,
                Problem::BadValue(format!(
                    "delimiter must be one character other than a quote or line break, found {:?}",
                    l.delimiter.get_ref()
                )),
            );
            ','
        }
    };
    let entity = entities.iter().find(|e| &e.id == l.entity.get_ref());
    if entity.is_none() && !unparsed.contains_key(l.entity.get_ref()) {
        err(
            l.entity.span(),
            None,
            Problem::UnknownEntity(l.entity.get_ref().clone()),
        );
    }
    let columns_span = l.columns.span();
    let columns = l.columns.into_inner();
    if columns.is_empty() {
        err(
            columns_span,
            None,
            Problem::BadValue("columns must name at least one item".into()),
        );
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for c in &columns {
        let col = c.get_ref();
        let (line, _) = f.position(c.span().start);
        if let Some(&first_line) = seen.get(col) {
            err(
                c.span(),
                Some(col),
                Problem::Duplicate {
                    what: "column",
                    id: col.clone(),
                    first_line,
                },
            );
        } else {
            seen.insert(col.clone(), line);
        }
        if let Some(e) = entity
            && e.item(col).is_none()
        {
            err(
                c.span(),
                Some(col),
                Problem::UnknownItem {
                    entity: e.id.clone(),
                    item: col.clone(),
                },
            );
        }
    }
    Layout {
        id: lid.clone(),
        label: l.label,
        entity: l.entity.into_inner(),
        encoding,
        header: l.header,
        delimiter,
        line_ending,
        columns: columns.into_iter().map(Spanned::into_inner).collect(),
        source: l.source,
        file: f.path.clone(),
    }
}
