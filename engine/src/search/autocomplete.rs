//! Query completion from the catalog's words, titles, brands and categories
//! and from shoppers' past queries.
//!
//! Candidates are kept sorted by a normalised key (lowercase, single spaces),
//! so the completions of a prefix are one contiguous range found by binary
//! search; that range is then cut to the heaviest few. Prefixes compare by
//! characters, so Chinese prefixes work like any other. A sorted list is
//! enough here (tens of thousands of candidates, one binary search per
//! keystroke), which is why no FST or trie crate is used.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::TantivyDocument;
use tantivy::schema::Value;

use super::index::{SearchIndex, index_error};
use super::schema::CATEGORY_SEPARATOR;
use super::tokenizer::is_cjk;
use crate::error::{Error, Result};

/// File name of the saved completions inside the index folder.
pub const AUTOCOMPLETE_FILE: &str = "autocomplete.json";

/// Where a suggestion comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SuggestionSource {
    /// A word, title, brand or category of the catalog.
    Catalog,
    /// A query shoppers typed before (it may also occur in the catalog).
    Query,
}

/// One completion of a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The completed text.
    pub text: String,
    /// Items containing it plus times it was searched; higher is suggested first.
    pub weight: u64,
    /// Where it comes from.
    pub source: SuggestionSource,
}

/// All completion candidates, sorted by their normalised key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Autocomplete {
    /// Normalised keys, ascending, unique.
    keys: Vec<String>,
    /// Suggestion of each key.
    suggestions: Vec<Suggestion>,
}

/// Lowercase with runs of whitespace made one space, trimmed.
fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of a title worth completing: Latin/digit words of two or more
/// characters, and whole CJK runs of two or more characters (the shopper
/// types Chinese words without spaces, so a run is the natural unit).
fn words(text: &str) -> impl Iterator<Item = &str> {
    let mut out = Vec::new();
    let mut start: Option<(usize, bool)> = None;
    let mut push = |from: usize, to: usize| {
        if text[from..to].chars().nth(1).is_some() {
            out.push(&text[from..to]);
        }
    };
    for (i, c) in text.char_indices() {
        let kind = if is_cjk(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (start, kind) {
            (Some((s, cjk)), Some(k)) if cjk != k => {
                push(s, i);
                start = Some((i, k));
            }
            (Some(_), Some(_)) => {}
            (Some((s, _)), None) => {
                push(s, i);
                start = None;
            }
            (None, Some(k)) => start = Some((i, k)),
            (None, None) => {}
        }
    }
    if let Some((s, _)) = start {
        push(s, text.len());
    }
    out.into_iter()
}

impl Autocomplete {
    /// Collects candidates from every indexed item (each word, title, brand
    /// and category level weighs the number of items containing it) and from
    /// `past_queries` (`(query, times searched)`).
    ///
    /// A text found in both sources adds up its weights and is marked
    /// [`SuggestionSource::Query`], since shoppers have typed it.
    pub fn build(index: &SearchIndex, past_queries: &[(String, u64)]) -> Result<Autocomplete> {
        let fields = *index.fields();
        let searcher = index.searcher();
        // key -> (display text, weight, source)
        let mut all: BTreeMap<String, Suggestion> = BTreeMap::new();
        let mut add = |text: &str, weight: u64, source: SuggestionSource| {
            let key = normalise(text);
            if key.is_empty() || weight == 0 {
                return;
            }
            let s = all.entry(key).or_insert_with(|| Suggestion {
                text: text.split_whitespace().collect::<Vec<_>>().join(" "),
                weight: 0,
                source,
            });
            s.weight = s.weight.saturating_add(weight);
            if source == SuggestionSource::Query && s.source != source {
                s.source = source;
                s.text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            }
        };
        let mut per_item: HashSet<String> = HashSet::new();
        for addr in index.doc_addresses() {
            let doc: TantivyDocument = searcher
                .doc(addr)
                .map_err(|e| index_error(index.dir(), e))?;
            let text = |f| {
                doc.get_first(f)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
            };
            // One vote per item for each candidate, however often it repeats.
            per_item.clear();
            let (title, brand, category) = (
                text(fields.title),
                text(fields.brand),
                text(fields.category),
            );
            per_item.insert(title.to_string());
            per_item.extend(words(title).map(str::to_lowercase));
            per_item.insert(brand.to_string());
            per_item.extend(category.split(CATEGORY_SEPARATOR).map(str::to_string));
            for candidate in &per_item {
                add(candidate, 1, SuggestionSource::Catalog);
            }
        }
        for (query, count) in past_queries {
            add(query, *count, SuggestionSource::Query);
        }
        let (keys, suggestions) = all.into_iter().unzip();
        Ok(Autocomplete { keys, suggestions })
    }

    /// Number of candidates.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when there is nothing to suggest.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `n` heaviest candidates starting with `prefix` (case-insensitive),
    /// ties broken by shorter then alphabetical text. Empty for an empty prefix.
    pub fn suggest(&self, prefix: &str, n: usize) -> Vec<Suggestion> {
        // Keep a trailing space: "red " should complete "red shirt", not "redwood".
        let trailing = prefix.ends_with(char::is_whitespace) && !prefix.trim().is_empty();
        let mut key = normalise(prefix);
        if key.is_empty() || n == 0 {
            return Vec::new();
        }
        if trailing {
            key.push(' ');
        }
        let from = self.keys.partition_point(|k| k.as_str() < key.as_str());
        let to = from + self.keys[from..].partition_point(|k| k.starts_with(key.as_str()));
        let mut found: Vec<&Suggestion> = self.suggestions[from..to].iter().collect();
        let order = |a: &&Suggestion, b: &&Suggestion| {
            b.weight
                .cmp(&a.weight)
                .then(a.text.chars().count().cmp(&b.text.chars().count()))
                .then_with(|| a.text.cmp(&b.text))
        };
        if found.len() > n {
            found.select_nth_unstable_by(n - 1, order);
            found.truncate(n);
        }
        found.sort_unstable_by(order);
        found.into_iter().cloned().collect()
    }

    /// Writes the candidates to [`AUTOCOMPLETE_FILE`] in `dir` (the index folder).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = dir.join(AUTOCOMPLETE_FILE);
        let tmp = dir.join(format!(".{AUTOCOMPLETE_FILE}.tmp"));
        let json = serde_json::to_vec(self).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        // Write then rename, so a reader never sees half a file.
        std::fs::write(&tmp, json).map_err(|e| Error::io("cannot write", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io("cannot write", &path, e))
    }

    /// Reads the candidates saved in `dir` (the index folder).
    pub fn open(dir: &Path) -> Result<Autocomplete> {
        let path = dir.join(AUTOCOMPLETE_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(index_error(
                    dir,
                    "no autocomplete yet; run `shoplab index` to build it",
                ));
            }
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        let ac: Autocomplete = serde_json::from_slice(&bytes).map_err(|source| Error::Json {
            path: path.clone(),
            source,
        })?;
        if ac.keys.len() != ac.suggestions.len() || !ac.keys.is_sorted() {
            return Err(index_error(
                dir,
                format!("{AUTOCOMPLETE_FILE} is damaged; rebuild it with `shoplab index`"),
            ));
        }
        Ok(ac)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::test_catalog::indexed;

    fn texts(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn words_split_latin_and_cjk_runs() {
        let w: Vec<&str> = words("红色棉质T恤 Red-Cotton 2x4 a 锤").collect();
        assert_eq!(w, ["红色棉质", "Red", "Cotton", "2x4"]);
    }

    #[test]
    fn suggests_catalog_and_past_queries_by_weight() -> Result<()> {
        let (_dir, index) = indexed()?;
        let past = vec![
            ("cordless drill".to_string(), 5),
            ("DRILL bits".to_string(), 1),
        ];
        let ac = Autocomplete::build(&index, &past)?;
        // Two items have "drill" in their titles; "cordless drill" was searched 5 times.
        let got = ac.suggest("Dri", 10);
        assert_eq!(got[0].text, "drill");
        assert_eq!(got[0].weight, 2);
        assert_eq!(got[0].source, SuggestionSource::Catalog);
        assert!(texts(&got).contains(&"DRILL bits"));
        let got = ac.suggest("cord", 1);
        assert_eq!(texts(&got), ["cordless drill"]);
        assert_eq!(got[0].source, SuggestionSource::Query);
        assert_eq!(got[0].weight, 5);
        assert!(ac.suggest("", 5).is_empty());
        assert!(ac.suggest("zzz", 5).is_empty());
        // A trailing space asks for more words, not a longer word.
        assert_eq!(
            texts(&ac.suggest("cordless ", 5)),
            ["cordless drill", "Cordless Drill 18V"]
        );

        ac.save(index.dir())?;
        assert_eq!(Autocomplete::open(index.dir())?, ac);
        Ok(())
    }

    #[test]
    fn chinese_prefixes_complete() -> Result<()> {
        let (_dir, index) = indexed()?;
        let ac = Autocomplete::build(&index, &[("棉质衬衫".to_string(), 3)])?;
        assert_eq!(texts(&ac.suggest("棉", 5)), ["棉质衬衫"]);
        let got = texts(&ac.suggest("红色", 5)).join("|");
        assert!(got.contains("红色棉质T恤"), "{got}");
        assert_eq!(ac.suggest("优衣", 5)[0].weight, 2);
        Ok(())
    }

    #[test]
    fn missing_file_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let err = Autocomplete::open(dir.path()).err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("shoplab index")));
    }
}
