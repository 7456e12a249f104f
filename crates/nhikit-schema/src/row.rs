//! The row contract between generators and sinks: a record is written item by item, in the
//! entity's item order, into a [`RowWriter`]. Generators (`nhikit-synth`) implement [`Row`];
//! sinks (`nhikit-io`: Arrow/Parquet builders, CSV layouts, JSON Lines) implement
//! [`RowWriter`]. Neither side allocates per value, and neither knows the other.

use nhikit_core::date::NaiveDate;

/// Receives the values of one record in the entity's item order, then [`RowWriter::end_row`].
///
/// A writer that cannot take a value (a character outside CP932, say) remembers the first
/// such problem and reports it from its own finishing call; the generator never checks.
pub trait RowWriter {
    /// The item is absent.
    fn null(&mut self);
    /// A `string` or `code` value.
    fn str(&mut self, value: &str);
    /// An `integer` or `yen` value.
    fn int(&mut self, value: i64);
    /// A `date` value.
    fn date(&mut self, value: NaiveDate);
    /// A `boolean` value.
    fn bool(&mut self, value: bool);
    /// Ends the record.
    fn end_row(&mut self);
    /// Writes a whole record given by item name ([`Cells`]): `items` are the item ids in the
    /// order of the shipped schema (`crate::names`), `cells` their values; then ends it.
    ///
    /// The default writes the values in that order. A writer built from a schema of its own
    /// (one with an item more, say) overrides this to place each value by its item id and
    /// leave the items the generator does not know absent.
    fn record(&mut self, items: &[&str], cells: &[Cell<'_>]) {
        let _ = items;
        for c in cells {
            c.write(self);
        }
        self.end_row();
    }
}

/// One value of a record written by item name (see [`Cells`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cell<'a> {
    /// Absent (also an item the generator did not set).
    #[default]
    Null,
    /// A `string` or `code` value.
    Str(&'a str),
    /// An `integer` or `yen` value.
    Int(i64),
    /// A `date` value.
    Date(NaiveDate),
    /// A `boolean` value.
    Bool(bool),
}

impl Cell<'_> {
    /// Writes the value into `out`.
    pub fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        match *self {
            Cell::Null => out.null(),
            Cell::Str(s) => out.str(s),
            Cell::Int(i) => out.int(i),
            Cell::Date(d) => out.date(d),
            Cell::Bool(b) => out.bool(b),
        }
    }
}

/// The typed item names of one entity of the shipped schema, generated into `crate::names`.
pub trait ItemOf: Copy {
    /// The entity id.
    const ENTITY: &'static str;
    /// The entity's item ids, in item order.
    const ITEMS: &'static [&'static str];
    /// The item's position in the item order.
    fn index(self) -> usize;
}

/// A record of one entity being written by item name: `names::person::Cells` and the like.
/// Items not set are absent. No allocation: the values borrow the generator's text.
#[derive(Debug, Clone)]
pub struct Cells<'a, I: ItemOf, const N: usize> {
    cells: [Cell<'a>; N],
    item: std::marker::PhantomData<I>,
}

impl<I: ItemOf, const N: usize> Default for Cells<'_, I, N> {
    fn default() -> Self {
        Cells {
            cells: [Cell::Null; N],
            item: std::marker::PhantomData,
        }
    }
}

impl<'a, I: ItemOf, const N: usize> Cells<'a, I, N> {
    /// A record with every item absent.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets a `string` or `code` item.
    pub fn str(&mut self, item: I, value: &'a str) -> &mut Self {
        self.set(item, Cell::Str(value))
    }
    /// Sets a `string` or `code` item, or leaves it absent.
    pub fn opt_str(&mut self, item: I, value: Option<&'a str>) -> &mut Self {
        self.set(item, value.map_or(Cell::Null, Cell::Str))
    }
    /// Sets an `integer` or `yen` item.
    pub fn int(&mut self, item: I, value: i64) -> &mut Self {
        self.set(item, Cell::Int(value))
    }
    /// Sets a `date` item.
    pub fn date(&mut self, item: I, value: NaiveDate) -> &mut Self {
        self.set(item, Cell::Date(value))
    }
    /// Sets a `date` item, or leaves it absent.
    pub fn opt_date(&mut self, item: I, value: Option<NaiveDate>) -> &mut Self {
        self.set(item, value.map_or(Cell::Null, Cell::Date))
    }
    /// Sets a `boolean` item.
    pub fn bool(&mut self, item: I, value: bool) -> &mut Self {
        self.set(item, Cell::Bool(value))
    }
    /// Sets an item to `cell`.
    pub fn set(&mut self, item: I, cell: Cell<'a>) -> &mut Self {
        // The generated items of an entity are its positions 0..N.
        if let Some(slot) = self.cells.get_mut(item.index()) {
            *slot = cell;
        }
        self
    }
    /// Writes the record into `out` ([`RowWriter::record`]).
    pub fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        out.record(I::ITEMS, &self.cells);
    }
}

/// A generated record of one entity of `schemas/`.
pub trait Row {
    /// The entity id in `schemas/entities/`.
    const ENTITY: &'static str;
    /// Writes every item, in the entity's item order.
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W);
}

/// A [`RowWriter`] that collects values into [`crate::Record`]s keyed by item id, for tests
/// and validation: it checks the generator against the schema's item order and types.
#[derive(Debug)]
pub struct RecordCollector<'a> {
    entity: &'a crate::Entity,
    current: crate::Record,
    next_item: usize,
    /// Finished records.
    pub records: Vec<crate::Record>,
    /// Items written out of order or past the end, and records with too few items.
    pub errors: Vec<String>,
}

impl<'a> RecordCollector<'a> {
    /// A collector for records of `entity`.
    pub fn new(entity: &'a crate::Entity) -> RecordCollector<'a> {
        RecordCollector {
            entity,
            current: crate::Record::new(),
            next_item: 0,
            records: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn put(&mut self, value: crate::Value) {
        match self.entity.items.get(self.next_item) {
            Some(item) => {
                if value != crate::Value::Null {
                    self.current.insert(item.id.clone(), value);
                }
            }
            None => self.errors.push(format!(
                "record {}: more values than the {} items of `{}`",
                self.records.len(),
                self.entity.items.len(),
                self.entity.id
            )),
        }
        self.next_item += 1;
    }
}

impl RowWriter for RecordCollector<'_> {
    fn null(&mut self) {
        self.put(crate::Value::Null);
    }
    fn str(&mut self, value: &str) {
        self.put(crate::Value::Str(value.to_owned()));
    }
    fn int(&mut self, value: i64) {
        self.put(crate::Value::Int(value));
    }
    fn date(&mut self, value: NaiveDate) {
        self.put(crate::Value::Date(value));
    }
    fn bool(&mut self, value: bool) {
        self.put(crate::Value::Bool(value));
    }
    fn record(&mut self, items: &[&str], cells: &[Cell<'_>]) {
        // By item id: an item of the collector's entity that the writer does not know stays
        // absent, a value of an item the entity lacks is an error.
        for (id, cell) in items.iter().zip(cells) {
            if self.entity.item(id).is_none() && *cell != Cell::Null {
                self.errors.push(format!(
                    "record {}: `{}` has no item `{id}`",
                    self.records.len(),
                    self.entity.id
                ));
            }
        }
        for item in &self.entity.items {
            match items.iter().position(|id| *id == item.id) {
                Some(i) => cells.get(i).copied().unwrap_or_default().write(self),
                None => self.null(),
            }
        }
        self.end_row();
    }
    fn end_row(&mut self) {
        if self.next_item < self.entity.items.len() {
            self.errors.push(format!(
                "record {}: {} values for the {} items of `{}`",
                self.records.len(),
                self.next_item,
                self.entity.items.len(),
                self.entity.id
            ));
        }
        self.records.push(std::mem::take(&mut self.current));
        self.next_item = 0;
    }
}
