//! The SQLite event store (see the store helper brief).
