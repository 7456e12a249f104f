//! nhikit-load (being built).
