//! nhikit-server (being built).
