//! The oracle's error type.

/// Everything that can go wrong computing an expected value: bad parameters or bad input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input item is missing or out of range.
    #[error("invalid input item `{item}`: {reason}")]
    InvalidInput {
        /// The item's path in the input, e.g. `members[2].income`.
        item: String,
        /// What is wrong and what was expected.
        reason: String,
    },
}
