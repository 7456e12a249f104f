//! `nhikit schema check|show`.

use crate::out::{self, outln};
use anyhow::Context;
use clap::Subcommand;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Subcommands of `nhikit schema`.
#[derive(Subcommand)]
pub enum SchemaCommand {
    /// Check every file of a schema directory; print each mistake as FILE:LINE:COL.
    ///
    /// Example: `nhikit schema check schemas/`
    Check {
        /// The schema directory (the one holding nhikit-schema.toml).
        #[arg(default_value = "schemas", env = "NHIKIT_SCHEMAS")]
        dir: PathBuf,
    },
    /// Show one entity: its items, types, lengths, code tables and layouts.
    ///
    /// Example: `nhikit schema show person`
    Show {
        /// The entity id, e.g. `person`, `household`, `qualification`.
        entity: String,
        /// A schema directory; by default the schema built into nhikit.
        #[arg(long, env = "NHIKIT_SCHEMAS")]
        dir: Option<PathBuf>,
        /// Print the entity's Arrow schema as JSON instead of a table.
        #[arg(long)]
        arrow: bool,
    },
}

/// Runs `nhikit schema …`.
pub fn run(cmd: SchemaCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        SchemaCommand::Check { dir } => check(&dir),
        SchemaCommand::Show { entity, dir, arrow } => show(dir.as_deref(), &entity, arrow),
    }
}

fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    match nhikit_schema::load_dir(dir) {
        Ok(schema) => {
            crate::out::errln!(
                "{}: schema {} {} is valid: {} entities, {} items, {} code tables, {} layouts",
                dir.display(),
                schema.name,
                schema.version,
                schema.entities.len(),
                schema.entities.iter().map(|e| e.items.len()).sum::<usize>(),
                schema.code_tables.len(),
                schema.layouts.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            let mut text = String::new();
            for e in &errors.0 {
                outln!(text, "{e}");
            }
            out::print(&text)?;
            crate::out::errln!("{}: {} problem(s) found", dir.display(), errors.0.len());
            Ok(ExitCode::from(1))
        }
    }
}

fn show(dir: Option<&Path>, id: &str, arrow: bool) -> anyhow::Result<ExitCode> {
    let schema = load(dir)?;
    let Some(entity) = schema.entity(id) else {
        let known: Vec<&str> = schema.entities.iter().map(|e| e.id.as_str()).collect();
        anyhow::bail!("no entity `{id}`; the schema has: {}", known.join(", "));
    };
    if arrow {
        let json = serde_json::to_string_pretty(&arrow_json(&entity.arrow_schema(&schema)))?;
        out::print(&format!("{json}\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut text = String::new();
    outln!(
        text,
        "{} ({}) — {}",
        entity.id,
        entity.label,
        entity.description
    );
    outln!(text, "primary key: {}", entity.primary_key.join(", "));
    for r in &entity.references {
        outln!(text, "references: ({}) → {}", r.items.join(", "), r.entity);
    }
    for s in &entity.sources {
        outln!(text, "source: {s}");
    }
    outln!(text);
    outln!(
        text,
        "{:<28} {:<8} {:>6}  {:<10} {:<20} label",
        "item",
        "type",
        "length",
        "null",
        "rule"
    );
    for item in &entity.items {
        let length = match (item.min_length, item.length) {
            (Some(min), Some(max)) if min == max => format!("{max}"),
            (Some(min), Some(max)) => format!("{min}-{max}"),
            (None, Some(max)) => format!("≤{max}"),
            _ => String::new(),
        };
        let rule = item
            .code
            .as_ref()
            .map(|c| format!("code {c}"))
            .or_else(|| item.check.map(|c| format!("check {}", c.name())))
            .or_else(|| item.chars.map(|c| format!("chars {c}")))
            .unwrap_or_default();
        outln!(
            text,
            "{:<28} {:<8} {:>6}  {:<10} {:<20} {}",
            item.id,
            item.ty.name(),
            length,
            if item.nullable {
                "nullable"
            } else {
                "required"
            },
            rule,
            item.label
        );
    }
    let layouts: Vec<&str> = schema
        .layouts
        .iter()
        .filter(|l| l.entity == entity.id)
        .map(|l| l.id.as_str())
        .collect();
    if !layouts.is_empty() {
        outln!(text, "\nlayouts: {}", layouts.join(", "));
    }
    out::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// A plain JSON rendering of an Arrow schema: name, type, nullability and metadata per field.
fn arrow_json(schema: &nhikit_schema::ArrowSchema) -> serde_json::Value {
    fn meta<'a>(m: impl IntoIterator<Item = (&'a String, &'a String)>) -> BTreeMap<String, String> {
        m.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
    let fields: Vec<serde_json::Value> = schema
        .fields()
        .iter()
        .map(|f| {
            serde_json::json!({
                "name": f.name(),
                "data_type": f.data_type().to_string(),
                "nullable": f.is_nullable(),
                "metadata": meta(f.metadata().iter()),
            })
        })
        .collect();
    serde_json::json!({ "fields": fields, "metadata": meta(schema.metadata().iter()) })
}

/// The schema in `dir`, or the one built into nhikit.
pub fn load(dir: Option<&Path>) -> anyhow::Result<nhikit_schema::Schema> {
    match dir {
        Some(dir) => nhikit_schema::load_dir(dir)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| {
                format!(
                    "loading the schema in {} (run `nhikit schema check {}` for details)",
                    dir.display(),
                    dir.display()
                )
            }),
        None => nhikit_schema::embedded()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("the built-in schema is invalid: rebuild nhikit"),
    }
}
