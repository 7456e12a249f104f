//! Loads `schemas/`.
