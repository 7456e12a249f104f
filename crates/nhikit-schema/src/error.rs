//! Errors of the schema loader: each names the file, line, column, entity and item.

use std::fmt;
use std::path::PathBuf;

/// One problem found in the schema files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, or 0 when the problem concerns the whole file or directory.
    pub line: usize,
    /// 1-based column (in characters), or 0.
    pub column: usize,
    /// The entity, code table or layout the problem belongs to, when known.
    pub entity: Option<String>,
    /// The item (or code value, or column) the problem belongs to, when known.
    pub item: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": ")?;
        match (&self.entity, &self.item) {
            (Some(e), Some(i)) => write!(f, "[{e}.{i}] ")?,
            (Some(e), None) => write!(f, "[{e}] ")?,
            (None, Some(i)) => write!(f, "[{i}] ")?,
            (None, None) => {}
        }
        write!(f, "{}", self.problem)
    }
}

impl std::error::Error for SchemaError {}

/// The kinds of mistakes a schema can contain. Each says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The directory or a file could not be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// The file is not valid TOML, or a key has the wrong TOML type, or a required key is
    /// missing, or an unknown key is present.
    #[error("{0}")]
    Syntax(String),
    /// An id is not ASCII snake_case.
    #[error(
        "invalid id `{0}`: ids are ASCII snake_case (a lowercase letter, then lowercase letters, digits, `_`)"
    )]
    InvalidId(String),
    /// The id inside a file differs from the file's stem.
    #[error("id `{found}` does not match the file name: expected `{expected}`")]
    IdMismatch {
        /// The id written in the file.
        found: String,
        /// The file stem.
        expected: String,
    },
    /// Two definitions share one id.
    #[error("duplicate {what} `{id}` (first defined at line {first_line})")]
    Duplicate {
        /// What is duplicated: item, code value, column, entity ...
        what: &'static str,
        /// The duplicated id or value.
        id: String,
        /// Where the first definition is.
        first_line: usize,
    },
    /// An item type that does not exist.
    #[error("unknown type `{0}`: expected one of string, integer, yen, date, boolean, code")]
    UnknownType(String),
    /// A character class that does not exist.
    #[error(
        "unknown character class `{0}`: expected one of digits, alnum, ascii, fullwidth, katakana, halfwidth_katakana, jis0208, jis0213, name, any"
    )]
    UnknownCharClass(String),
    /// A check rule that does not exist.
    #[error(
        "unknown check rule `{0}`: expected one of mynumber, insurer_number, lgcode, edaban, household_number, address_number"
    )]
    UnknownCheck(String),
    /// A key that is required for this item type is missing.
    #[error("`{key}` is required for items of type {ty}")]
    MissingKey {
        /// The missing key.
        key: &'static str,
        /// The item type.
        ty: &'static str,
    },
    /// A key that makes no sense for this item type.
    #[error("`{key}` is not allowed on items of type {ty}")]
    KeyNotAllowed {
        /// The key.
        key: &'static str,
        /// The item type.
        ty: &'static str,
    },
    /// A length, bound or size that is out of range or inconsistent.
    #[error("{0}")]
    BadValue(String),
    /// A reference to a code table that does not exist.
    #[error("unknown code table `{0}`")]
    UnknownCodeTable(String),
    /// A reference to an entity that does not exist.
    #[error("unknown entity `{0}`")]
    UnknownEntity(String),
    /// A reference to an item that the entity does not have.
    #[error("entity `{entity}` has no item `{item}`")]
    UnknownItem {
        /// The entity searched.
        entity: String,
        /// The item that is missing.
        item: String,
    },
    /// A primary-key item that is nullable.
    #[error("primary-key item `{0}` must not be nullable")]
    NullableKey(String),
    /// A foreign key whose shape does not match the referenced primary key.
    #[error("reference to `{entity}` has {found} item(s) but its primary key has {expected}")]
    ReferenceArity {
        /// The referenced entity.
        entity: String,
        /// Items given.
        found: usize,
        /// Items in the referenced primary key.
        expected: usize,
    },
    /// A code value whose length differs from the table's declared length.
    #[error("code value `{value}` has {found} characters; the table declares length {expected}")]
    CodeLength {
        /// The value.
        value: String,
        /// Its length.
        found: usize,
        /// The table's length.
        expected: u32,
    },
}

/// All the problems found while loading a schema directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaErrors(pub Vec<SchemaError>);

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaErrors {}
