//! Integration tests of nhikit-schema.
#![allow(clippy::unwrap_used)]

mod broken;
mod orders;
mod records;
mod shipped;
