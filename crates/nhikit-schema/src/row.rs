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
