//! Arrow array builders for one entity: values go straight into typed builders, and a
//! `RecordBatch` is cut every `batch_rows` rows. Shared by the Parquet and Arrow IPC sinks.

use crate::plan::EntityPlan;
use arrow_array::builder::{BooleanBuilder, Date32Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, SchemaRef};
use nhikit_schema::ItemType;
use std::sync::Arc;

enum Column {
    Str(StringBuilder),
    Int(Int64Builder),
    Date(Date32Builder),
    Bool(BooleanBuilder),
}

/// Typed builders for every item of an entity.
pub(crate) struct Columnar {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
}

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i32 = 719_163;

pub(crate) fn date32(d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce() - UNIX_EPOCH_CE_DAYS
}

impl Columnar {
    pub(crate) fn new(plan: &EntityPlan, capacity: usize) -> Columnar {
        let columns = plan
            .items
            .iter()
            .map(|item| match item.ty {
                ItemType::String | ItemType::Code => {
                    Column::Str(StringBuilder::with_capacity(capacity, capacity * 16))
                }
                ItemType::Integer | ItemType::Yen => {
                    Column::Int(Int64Builder::with_capacity(capacity))
                }
                ItemType::Date => Column::Date(Date32Builder::with_capacity(capacity)),
                ItemType::Boolean => Column::Bool(BooleanBuilder::with_capacity(capacity)),
            })
            .collect();
        Columnar {
            schema: Arc::clone(&plan.arrow_schema),
            columns,
            rows: 0,
        }
    }

    // The part writer checks each value's kind against the item type before calling these,
    // so a mismatch here is a bug in this crate; it appends a null to keep columns aligned.
    pub(crate) fn null(&mut self, i: usize) {
        match &mut self.columns[i] {
            Column::Str(b) => b.append_null(),
            Column::Int(b) => b.append_null(),
            Column::Date(b) => b.append_null(),
            Column::Bool(b) => b.append_null(),
        }
    }

    #[inline]
    pub(crate) fn str(&mut self, i: usize, v: &str) {
        match &mut self.columns[i] {
            Column::Str(b) => b.append_value(v),
            _ => self.null(i),
        }
    }

    pub(crate) fn int(&mut self, i: usize, v: i64) {
        match &mut self.columns[i] {
            Column::Int(b) => b.append_value(v),
            _ => self.null(i),
        }
    }

    pub(crate) fn date(&mut self, i: usize, v: chrono::NaiveDate) {
        match &mut self.columns[i] {
            Column::Date(b) => b.append_value(date32(v)),
            _ => self.null(i),
        }
    }

    pub(crate) fn bool(&mut self, i: usize, v: bool) {
        match &mut self.columns[i] {
            Column::Bool(b) => b.append_value(v),
            _ => self.null(i),
        }
    }

    pub(crate) fn end_row(&mut self) {
        self.rows += 1;
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// The rows so far as a batch; the builders start again empty, with room for a batch as
    /// large as this one (`finish` leaves them without capacity: growing them again row by row
    /// copied every buffer about twice over).
    pub(crate) fn take_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let rows = self.rows.max(1);
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Column::Str(b) => {
                        let bytes = b.values_slice().len();
                        let array = b.finish();
                        *b = StringBuilder::with_capacity(rows, bytes.max(rows));
                        Arc::new(array)
                    }
                    Column::Int(b) => {
                        let array = b.finish();
                        *b = Int64Builder::with_capacity(rows);
                        Arc::new(array)
                    }
                    Column::Date(b) => {
                        let array = b.finish();
                        *b = Date32Builder::with_capacity(rows);
                        Arc::new(array)
                    }
                    Column::Bool(b) => {
                        let array = b.finish();
                        *b = BooleanBuilder::with_capacity(rows);
                        Arc::new(array)
                    }
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), arrays)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date32_counts_days_from_the_unix_epoch() {
        let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(date32(d(1970, 1, 1)), 0);
        assert_eq!(date32(d(1970, 1, 2)), 1);
        assert_eq!(date32(d(1969, 12, 31)), -1);
        // 2000-03-01 is day 11017 (30 years, 7 leap days, Jan+Feb of a leap year: 10957 + 60).
        assert_eq!(date32(d(2000, 3, 1)), 11_017);
    }
}
