//! The rules the schema declares, enforced once for every consumer: the item rules of
//! `[[item]]` (required, length, character class, check rule, code table, bounds, type) and the
//! date orders of `[[entity.order]]`. `nhikit validate` (nhikit-dataset) and the reference
//! target's import (nhikit-reference) both call these and only word the result: each fault has
//! a [`RuleKind`], which the reference target maps to its rejection codes.

use crate::model::{CodeTable, Entity, Item, ItemType, Order, Schema};
use crate::validate::Value;
use nhikit_core::date::NaiveDate;

/// What kind of declared rule a fault breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleKind {
    /// An `[[item]]` rule.
    Item(ItemRule),
    /// An `[[entity.order]]` date order.
    Order,
    /// An `[[entity.references]]` foreign key.
    Reference,
    /// The entity's `primary_key` is unique.
    UniqueKey,
}

/// The item rules of `[[item]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemRule {
    /// `nullable = false`: the item is present.
    Required,
    /// `length` / `min_length`.
    Length,
    /// `chars`: the character class.
    Chars,
    /// `check`: an identifier with its check digit or form.
    Check,
    /// `code`: a value of the code table.
    Code,
    /// `min` / `max`.
    Bounds,
    /// `type`: the value has the item's type.
    Type,
}

/// One way a value breaks its item's rules, with what a message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemFault {
    /// Absent, and the item is not nullable.
    Missing,
    /// More characters than `length`.
    TooLong {
        /// Characters found.
        found: usize,
        /// The maximum.
        max: u32,
    },
    /// Fewer characters than `min_length`.
    TooShort {
        /// Characters found.
        found: usize,
        /// The minimum.
        min: u32,
    },
    /// A character outside the item's class: the class's explanation.
    Chars(String),
    /// Not a valid identifier of the item's check rule: why.
    Check(String),
    /// Not a value of the item's code table (present in the schema).
    NotACode,
    /// The item's code table is not in the schema.
    NoCodeTable,
    /// Below `min`.
    BelowMin(i64),
    /// Above `max`.
    AboveMax(i64),
    /// A value of another type.
    WrongType,
}

impl ItemFault {
    /// The rule broken.
    pub fn rule(&self) -> ItemRule {
        match self {
            ItemFault::Missing => ItemRule::Required,
            ItemFault::TooLong { .. } | ItemFault::TooShort { .. } => ItemRule::Length,
            ItemFault::Chars(_) => ItemRule::Chars,
            ItemFault::Check(_) => ItemRule::Check,
            ItemFault::NotACode | ItemFault::NoCodeTable => ItemRule::Code,
            ItemFault::BelowMin(_) | ItemFault::AboveMax(_) => ItemRule::Bounds,
            ItemFault::WrongType => ItemRule::Type,
        }
    }
}

/// Calls `fault` for every way `value` breaks the rules of `item`, in the order: required,
/// length, character class, check rule, code table, bounds, type. `table` is the item's code
/// table resolved in the schema (`None` for items without one, or when it is missing).
pub fn item_faults(
    item: &Item,
    table: Option<&CodeTable>,
    value: &Value,
    mut fault: impl FnMut(ItemFault),
) {
    match (item.ty, value) {
        (_, Value::Null) => {
            if !item.nullable {
                fault(ItemFault::Missing);
            }
        }
        (ItemType::String | ItemType::Code, Value::Str(s)) => {
            let n = s.chars().count();
            if let Some(max) = item.length
                && n > max as usize
            {
                fault(ItemFault::TooLong { found: n, max });
            }
            if let Some(min) = item.min_length
                && n < min as usize
            {
                fault(ItemFault::TooShort { found: n, min });
            }
            if let Some(class) = item.chars
                && let Err(e) = class.check(s)
            {
                fault(ItemFault::Chars(e.to_string()));
            }
            if let Some(rule) = item.check
                && let Err(e) = rule.check(s)
            {
                fault(ItemFault::Check(e));
            }
            if item.code.is_some() {
                match table {
                    Some(t) if t.get(s).is_some() => {}
                    Some(_) => fault(ItemFault::NotACode),
                    None => fault(ItemFault::NoCodeTable),
                }
            }
        }
        (ItemType::Integer | ItemType::Yen, Value::Int(i)) => {
            if let Some(min) = item.min
                && *i < min
            {
                fault(ItemFault::BelowMin(min));
            }
            if let Some(max) = item.max
                && *i > max
            {
                fault(ItemFault::AboveMax(max));
            }
        }
        (ItemType::Date, Value::Date(_)) | (ItemType::Boolean, Value::Bool(_)) => {}
        _ => fault(ItemFault::WrongType),
    }
}

/// A date order broken by a record: the two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderFault<'s> {
    /// The declaration.
    pub order: &'s Order,
    /// The earlier item's value.
    pub earlier: NaiveDate,
    /// The later item's value, before `earlier`.
    pub later: NaiveDate,
}

/// The declared rules of one entity with its items resolved to positions, built once and used
/// for every record: values are given in the entity's item order.
#[derive(Debug, Clone)]
pub struct EntityRules<'s> {
    entity: &'s Entity,
    tables: Vec<Option<&'s CodeTable>>,
    orders: Vec<(usize, usize, &'s Order)>,
}

impl<'s> EntityRules<'s> {
    /// The rules of `entity`, its code tables looked up in `schema`.
    pub fn new(schema: &'s Schema, entity: &'s Entity) -> EntityRules<'s> {
        let tables = entity
            .items
            .iter()
            .map(|i| i.code.as_deref().and_then(|t| schema.code_table(t)))
            .collect();
        let at = |id: &str| entity.items.iter().position(|i| i.id == id);
        let orders = entity
            .orders
            .iter()
            .filter_map(|o| Some((at(&o.earlier)?, at(&o.later)?, o)))
            .collect();
        EntityRules {
            entity,
            tables,
            orders,
        }
    }

    /// The entity.
    pub fn entity(&self) -> &'s Entity {
        self.entity
    }

    /// The code table of the item at `index`, if it has one in the schema.
    pub fn table(&self, index: usize) -> Option<&'s CodeTable> {
        self.tables.get(index).copied().flatten()
    }

    /// Calls `fault` for every way the value of the item at `index` breaks its rules.
    pub fn item_faults(&self, index: usize, value: &Value, fault: impl FnMut(ItemFault)) {
        if let Some(item) = self.entity.items.get(index) {
            item_faults(item, self.table(index), value, fault);
        }
    }

    /// Calls `fault` for every declared date order that `date` (the date of an item by its
    /// position, `None` when absent or not a date) breaks, in declaration order.
    pub fn order_faults(
        &self,
        date: impl Fn(usize) -> Option<NaiveDate>,
        mut fault: impl FnMut(OrderFault<'s>),
    ) {
        for &(a, b, order) in &self.orders {
            if let (Some(earlier), Some(later)) = (date(a), date(b))
                && later < earlier
            {
                fault(OrderFault {
                    order,
                    earlier,
                    later,
                });
            }
        }
    }
}
