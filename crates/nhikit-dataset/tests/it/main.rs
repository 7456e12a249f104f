//! Integration tests of `nhikit_dataset::validate` on small committed datasets
//! (`tests/fixtures/`).

mod duplicate_keys;
