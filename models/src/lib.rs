//! Learned recommenders on candle (placeholder while the crate is set up).

pub mod ials;
