//! The typed model that `schemas/` loads into.

use std::path::PathBuf;

pub use nhikit_core::chars::CharClass;

/// A loaded, checked schema directory.
#[derive(Debug, Clone)]
pub struct Schema {
    /// The model's name (`nhikit-schema.toml`).
    pub name: String,
    /// The model's version (`nhikit-schema.toml`).
    pub version: String,
    /// Entities, sorted by id.
    pub entities: Vec<Entity>,
    /// Code tables, sorted by id.
    pub code_tables: Vec<CodeTable>,
    /// File layouts, sorted by id.
    pub layouts: Vec<Layout>,
}

impl Schema {
    /// The entity with this id.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id == id)
    }

    /// The code table with this id.
    pub fn code_table(&self, id: &str) -> Option<&CodeTable> {
        self.code_tables.iter().find(|t| t.id == id)
    }

    /// The layout with this id.
    pub fn layout(&self, id: &str) -> Option<&Layout> {
        self.layouts.iter().find(|l| l.id == id)
    }
}

/// An entity (a kind of record): its items, key and references.
#[derive(Debug, Clone)]
pub struct Entity {
    /// ASCII snake_case id, equal to the file stem.
    pub id: String,
    /// Japanese label.
    pub label: String,
    /// What the entity is.
    pub description: String,
    /// Public sources the entity is modelled on.
    pub sources: Vec<String>,
    /// Items forming the primary key.
    pub primary_key: Vec<String>,
    /// Foreign keys.
    pub references: Vec<Reference>,
    /// Date orders: pairs of items that must be in order when both are present.
    pub orders: Vec<Order>,
    /// Items in file order.
    pub items: Vec<Item>,
    /// The file the entity was loaded from.
    pub file: PathBuf,
}

impl Entity {
    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// A foreign key: `items` of this entity reference the primary key of `entity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Items of the referencing entity.
    pub items: Vec<String>,
    /// The referenced entity.
    pub entity: String,
    /// `optional = true`: the referenced entity may be left out of a dataset (`nhikit gen
    /// --with`), and the reference is checked only when the dataset holds records of it.
    pub optional: bool,
}

/// A date order (`[[entity.order]]`): `later` is on or after `earlier` when both are present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// The item that comes first.
    pub earlier: String,
    /// The item that must not be before `earlier`.
    pub later: String,
    /// The rule name `nhikit validate` reports a violation under (default `dates`).
    pub rule: String,
    /// `nhikit validate`'s message; `{earlier}` and `{later}` stand for the two values.
    pub message: String,
    /// A short statement of the violation (`資格喪失日 before 資格取得日`), used by the
    /// reference target's rejections.
    pub reason: String,
    /// 1-based line of the declaration.
    pub line: usize,
}

impl Order {
    /// `nhikit validate`'s message for the values `earlier` and `later`.
    pub fn message(
        &self,
        earlier: &dyn std::fmt::Display,
        later: &dyn std::fmt::Display,
    ) -> String {
        self.message
            .replace("{earlier}", &earlier.to_string())
            .replace("{later}", &later.to_string())
    }
}

/// One item (column) of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// ASCII snake_case id.
    pub id: String,
    /// Japanese label.
    pub label: String,
    /// The value type.
    pub ty: ItemType,
    /// Maximum length in characters (strings and codes).
    pub length: Option<u32>,
    /// Minimum length in characters (strings).
    pub min_length: Option<u32>,
    /// Character class (strings).
    pub chars: Option<CharClass>,
    /// Code table id (codes).
    pub code: Option<String>,
    /// Check rule (strings).
    pub check: Option<CheckRule>,
    /// Inclusive lower bound (integers, yen).
    pub min: Option<i64>,
    /// Inclusive upper bound (integers, yen).
    pub max: Option<i64>,
    /// Whether the item may be absent.
    pub nullable: bool,
    /// What the item means.
    pub description: String,
    /// 1-based line of the item's definition.
    pub line: usize,
}

/// The value type of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemType {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// An amount in whole yen.
    Yen,
    /// A calendar date (ISO `YYYY-MM-DD` in text form).
    Date,
    /// true or false.
    Boolean,
    /// A value of a code table.
    Code,
}

impl ItemType {
    /// The name used in schema files.
    pub fn name(self) -> &'static str {
        match self {
            ItemType::String => "string",
            ItemType::Integer => "integer",
            ItemType::Yen => "yen",
            ItemType::Date => "date",
            ItemType::Boolean => "boolean",
            ItemType::Code => "code",
        }
    }

    /// Parses the name used in schema files.
    pub fn from_name(s: &str) -> Option<ItemType> {
        Some(match s {
            "string" => ItemType::String,
            "integer" => ItemType::Integer,
            "yen" => ItemType::Yen,
            "date" => ItemType::Date,
            "boolean" => ItemType::Boolean,
            "code" => ItemType::Code,
            _ => return None,
        })
    }
}

/// A check rule on a string item: the value must parse as this identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckRule {
    /// 個人番号 with its check digit.
    MyNumber,
    /// 保険者番号 (6 or 8 digits) with its check digit.
    InsurerNumber,
    /// 全国地方公共団体コード (6 digits) with its check digit.
    LgCode,
    /// 枝番 (2 digits).
    Edaban,
    /// 世帯番号.
    HouseholdNumber,
    /// 宛名番号.
    AddressNumber,
}

impl CheckRule {
    /// The name used in schema files.
    pub fn name(self) -> &'static str {
        match self {
            CheckRule::MyNumber => "mynumber",
            CheckRule::InsurerNumber => "insurer_number",
            CheckRule::LgCode => "lgcode",
            CheckRule::Edaban => "edaban",
            CheckRule::HouseholdNumber => "household_number",
            CheckRule::AddressNumber => "address_number",
        }
    }

    /// Parses the name used in schema files.
    pub fn from_name(s: &str) -> Option<CheckRule> {
        Some(match s {
            "mynumber" => CheckRule::MyNumber,
            "insurer_number" => CheckRule::InsurerNumber,
            "lgcode" => CheckRule::LgCode,
            "edaban" => CheckRule::Edaban,
            "household_number" => CheckRule::HouseholdNumber,
            "address_number" => CheckRule::AddressNumber,
            _ => return None,
        })
    }

    /// Checks a value; the error says why it is not a valid identifier of this kind.
    pub fn check(self, value: &str) -> Result<(), String> {
        use nhikit_core::id;
        fn run<T: std::str::FromStr>(v: &str) -> Result<(), String>
        where
            T::Err: std::fmt::Display,
        {
            v.parse::<T>().map(|_| ()).map_err(|e| e.to_string())
        }
        match self {
            CheckRule::MyNumber => run::<id::MyNumber>(value),
            CheckRule::InsurerNumber => run::<id::InsurerNumber>(value),
            CheckRule::LgCode => run::<id::LgCode>(value),
            CheckRule::Edaban => run::<id::Edaban>(value),
            CheckRule::HouseholdNumber => run::<id::HouseholdNumber>(value),
            CheckRule::AddressNumber => run::<id::AddressNumber>(value),
        }
    }
}

/// A code table: the allowed values of `code` items.
#[derive(Debug, Clone)]
pub struct CodeTable {
    /// ASCII snake_case id, equal to the file stem.
    pub id: String,
    /// Japanese label.
    pub label: String,
    /// Where the values come from.
    pub source: String,
    /// Declared width of every value, if any.
    pub length: Option<u32>,
    /// The codes in file order.
    pub codes: Vec<Code>,
    /// The file the table was loaded from.
    pub file: PathBuf,
}

impl CodeTable {
    /// The code with this value.
    pub fn get(&self, value: &str) -> Option<&Code> {
        self.codes.iter().find(|c| c.value == value)
    }
}

/// One value of a code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// The value as written in files.
    pub value: String,
    /// Its Japanese label.
    pub label: String,
    /// Optional explanation.
    pub description: String,
}

/// How an entity is laid out in a delimited text file.
#[derive(Debug, Clone)]
pub struct Layout {
    /// ASCII snake_case id, equal to the file stem.
    pub id: String,
    /// Japanese label.
    pub label: String,
    /// The entity whose items the columns are.
    pub entity: String,
    /// Text encoding.
    pub encoding: Encoding,
    /// Whether the first line is a header of item labels.
    pub header: bool,
    /// Field delimiter.
    pub delimiter: char,
    /// Record terminator.
    pub line_ending: LineEnding,
    /// Columns: item ids of the entity, in order.
    pub columns: Vec<String>,
    /// Where the layout comes from.
    pub source: String,
    /// The file the layout was loaded from.
    pub file: PathBuf,
}

/// Text encoding of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8.
    Utf8,
    /// Shift_JIS as extended by Microsoft (code page 932).
    Cp932,
}

/// Record terminator of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\r\n`.
    Crlf,
    /// `\n`.
    Lf,
}
