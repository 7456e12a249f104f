//! Embeds the shipped `schemas/` (entities, codes, layouts) so the binary works without the
//! source tree: writes `$OUT_DIR/embedded.rs` with one `include_str!` per file, and
//! `$OUT_DIR/names.rs`: per entity a module with its id and typed item names (see
//! `crate::names`), so that generators write rows by item name and a wrong name does not
//! compile.

use std::fmt::Write;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../schemas");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let top = root.join("nhikit-schema.toml");
    // A binary without its schema is useless: stop the build rather than embed nothing.
    assert!(
        top.exists(),
        "{} is missing: nhikit-schema embeds the shipped schemas/ directory",
        top.display()
    );
    files.push(("nhikit-schema.toml".into(), top));
    for sub in ["entities", "codes", "layouts"] {
        let dir = root.join(sub);
        println!("cargo:rerun-if-changed={}", dir.display());
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in paths {
            println!("cargo:rerun-if-changed={}", p.display());
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            files.push((format!("{sub}/{name}"), p));
        }
    }
    let mut out = String::from(
        "/// The shipped schema files: (relative path, text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        let abs = abs.canonicalize().unwrap_or_else(|_| abs.clone());
        let _ = writeln!(
            out,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        );
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    write(&out_dir.join("embedded.rs"), &out);
    let mut names = String::new();
    for (rel, abs) in &files {
        if rel.starts_with("entities/") {
            entity_names(abs, &mut names);
        }
    }
    names.push_str("/// The code tables of `schemas/codes/` as enums: variant `C` + the code value.\npub mod codes {\n");
    for (rel, abs) in &files {
        if rel.starts_with("codes/") {
            code_enum(abs, &mut names);
        }
    }
    names.push_str("}\n");
    write(&out_dir.join("names.rs"), &names);
}

fn write(dest: &std::path::Path, text: &str) {
    if let Err(e) = std::fs::write(dest, text) {
        panic!("cannot write {}: {e}", dest.display());
    }
}

/// Appends the module of the entity file at `path`: its id, its item ids in order, and one
/// constant per item. A file that does not parse is left out: the schema loader reports it
/// with its line when the embedded schema is loaded (and the shipped-schema test fails).
fn entity_names(path: &std::path::Path, out: &mut String) {
    let Some((id, label, items)) = read_table(path, "entity", "item", "id") else {
        return;
    };
    let n = items.len();
    let _ = writeln!(out, "/// Entity `{id}` ({label}).\npub mod {id} {{");
    let _ = writeln!(
        out,
        "    /// The entity id.\n    pub const ENTITY: &str = {id:?};"
    );
    let _ = writeln!(
        out,
        "    /// The item ids, in the entity's item order.\n    pub const ITEMS: [&str; {n}] = ["
    );
    for (item, _) in &items {
        let _ = writeln!(out, "        {item:?},");
    }
    let _ = writeln!(out, "    ];");
    let _ = writeln!(
        out,
        "    /// An item of `{id}`: its position in the item order.\n    \
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n    pub struct Item(usize);\n    \
         impl crate::ItemOf for Item {{\n        const ENTITY: &'static str = ENTITY;\n        \
         const ITEMS: &'static [&'static str] = &ITEMS;\n        \
         fn index(self) -> usize {{\n            self.0\n        }}\n    }}"
    );
    let _ = writeln!(
        out,
        "    /// A `{id}` record written by item name.\n    \
         pub type Cells<'a> = crate::Cells<'a, Item, {n}>;"
    );
    for (i, (item, label)) in items.iter().enumerate() {
        // An item named like the module's own constants gets a suffix.
        let mut name = item.to_ascii_uppercase();
        if name == "ENTITY" || name == "ITEMS" {
            name.push_str("_ITEM");
        }
        let _ = writeln!(
            out,
            "    /// `{item}` ({label}).\n    pub const {name}: Item = Item({i});"
        );
    }
    let _ = writeln!(out, "}}");
}

/// Appends the enum of the code table at `path`: one variant per code (`C` and the value,
/// which is ASCII letters and digits), `code()` giving the value, `ALL` in table order. A table
/// whose file does not parse, or with a value that is not letters and digits, is left out (the
/// loader reports the file; an unusual value keeps its string form).
fn code_enum(path: &std::path::Path, out: &mut String) {
    let Some((id, label, codes)) = read_table(path, "code_table", "code", "value") else {
        return;
    };
    if codes.is_empty()
        || codes
            .iter()
            .any(|(v, _)| v.is_empty() || !v.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return;
    }
    let name: String = id
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let _ = writeln!(
        out,
        "    /// Code table `{id}` ({label}).\n    \
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n    pub enum {name} {{"
    );
    for (value, label) in &codes {
        let _ = writeln!(out, "        /// `{value}`: {label}.\n        C{value},");
    }
    let _ = writeln!(out, "    }}\n    impl {name} {{");
    let _ = writeln!(
        out,
        "        /// Every code, in table order.\n        pub const ALL: [{name}; {}] = [",
        codes.len()
    );
    for (value, _) in &codes {
        let _ = writeln!(out, "            {name}::C{value},");
    }
    let _ = writeln!(
        out,
        "        ];\n        /// The code as written in files.\n        \
         pub const fn code(self) -> &'static str {{\n            match self {{"
    );
    for (value, _) in &codes {
        let _ = writeln!(out, "                {name}::C{value} => {value:?},");
    }
    let _ = writeln!(out, "            }}\n        }}\n    }}");
}

/// The `id` and `label` of the table `head` of the TOML file at `path`, and the (`key`,
/// `label`) of each element of its array of tables `array`; `None` if the file cannot be read
/// or parsed or has no such table with an id.
#[allow(clippy::type_complexity)]
fn read_table(
    path: &std::path::Path,
    head: &str,
    array: &str,
    key: &str,
) -> Option<(String, String, Vec<(String, String)>)> {
    let doc = std::fs::read_to_string(path)
        .ok()?
        .parse::<toml::Table>()
        .ok()?;
    let str_of = |t: &toml::Value, k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let table = doc.get(head)?;
    let id = str_of(table, "id")?;
    let label = str_of(table, "label").unwrap_or_default();
    let elements = doc
        .get(array)
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|e| Some((str_of(e, key)?, str_of(e, "label").unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    Some((id, label, elements))
}
