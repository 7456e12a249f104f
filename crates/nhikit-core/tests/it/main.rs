//! Integration tests of nhikit-core (one binary).
