//! Integration tests of nhikit-core (one binary; modules by area). Proptest case counts
//! follow `PROPTEST_CASES` (default 256).
#![allow(clippy::unwrap_used)]

mod age;
mod calendar;
mod chars;
mod ids;
mod wareki;
