//! Baseline recommenders.
