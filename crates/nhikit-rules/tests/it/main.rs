//! nhikit-rules integration tests: one binary, one module per area.

mod copay;
mod fiscal_years;
mod high_cost;
mod premium;
mod reductions;
mod revision;
