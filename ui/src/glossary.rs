//! PLACEHOLDER (being written in parallel): same API as the real glossary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Metric,
    Model,
    Concept,
}
#[derive(Debug)]
pub struct Entry {
    pub key: &'static str,
    pub kind: Kind,
    pub title: [&'static str; 2],
    pub formula: &'static str,
    pub what: [&'static str; 2],
    pub rewards: [&'static str; 2],
    pub pitfalls: [&'static str; 2],
}
pub const ENTRIES: &[Entry] = &[];
pub fn entry(key: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| e.key == key)
}
