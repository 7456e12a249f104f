//! Tests of property (being written).
