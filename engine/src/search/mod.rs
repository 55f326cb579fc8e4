//! Catalog search over a tantivy index.
