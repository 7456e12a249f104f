//! Tests of scale_out (being written).
