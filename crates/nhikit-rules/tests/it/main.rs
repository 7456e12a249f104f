//! nhikit-rules integration tests: one binary, one module per area.

mod copay;
mod high_cost;
mod premium;
