//! nhikit-conform (being built).
