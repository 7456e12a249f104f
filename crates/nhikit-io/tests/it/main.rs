//! nhikit-io integration tests: one binary, modules by area.
#![allow(clippy::unwrap_used)]

mod atomic;
mod csv;
mod formats;
mod manifest;
mod shipped;
mod support;
