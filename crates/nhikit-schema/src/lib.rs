//! The NHI data model as declarative files: loads `schemas/`, checks the files themselves with
//! precise `file:line:column` errors, derives Arrow schemas and validates records.
//!
//! ```
//! let schema = nhikit_schema::load_texts([
//!     ("nhikit-schema.toml", "[schema]\nname = \"demo\"\nversion = \"1\"\n"),
//!     ("codes/sex.toml", "[code_table]\nid = \"sex\"\nlabel = \"性別\"\n[[code]]\nvalue = \"1\"\nlabel = \"男\"\n"),
//!     ("entities/person.toml", r#"
//! [entity]
//! id = "person"
//! label = "個人"
//! primary_key = ["name"]
//! [[item]]
//! id = "name"
//! label = "氏名"
//! type = "string"
//! length = 30
//! chars = "jis0213"
//! [[item]]
//! id = "sex"
//! label = "性別"
//! type = "code"
//! code = "sex"
//! "#),
//! ]).unwrap();
//! let person = schema.entity("person").unwrap();
//! assert_eq!(person.arrow_schema(&schema).fields().len(), 2);
//! ```

mod arrow;
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
mod error;
mod load;
mod model;
mod row;
mod validate;

pub use arrow::arrow_type;
pub use arrow_schema::Schema as ArrowSchema;
pub use error::{Problem, SchemaError, SchemaErrors};
pub use load::{load_dir, load_texts};

/// The schema shipped with this build (`schemas/` at compile time), for running without the
/// source tree.
pub fn embedded() -> Result<Schema, SchemaErrors> {
    load_texts(embedded::FILES.iter().copied())
}

/// The paths and texts of the shipped schema files.
pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}
pub use model::{
    CharClass, CheckRule, Code, CodeTable, Encoding, Entity, Item, ItemType, Layout, LineEnding,
    Reference, Schema,
};
pub use row::{RecordCollector, Row, RowWriter};
pub use validate::{Record, Value, Violation};
