//! Items' text (title, brand, category path) as hashed token bags, so a
//! model can read it without a vocabulary file.
//!
//! Tokens are lower-cased runs of letters and digits; each CJK character
//! (Han, Hiragana, Katakana) is a token of its own, because Chinese and
//! Japanese titles have no spaces between words. The features of an item
//! add, to the words of its three fields, adjacent CJK character pairs
//! (which catch two-character words such as 手机), the whole brand and each
//! prefix of the category path, and hash every feature into a fixed number
//! of buckets (FNV-1a, stable across platforms and versions). Changing any
//! of this changes [`TOKENIZER_VERSION`], which saved models record.

use serde::{Deserialize, Serialize};

/// Version of the tokeniser and feature hashing; a model saved with another
/// version must be retrained (its token rows mean other things).
pub const TOKENIZER_VERSION: &str = "shoplab-text-1";

/// The text of one catalog item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemText {
    /// Product title.
    pub title: String,
    /// Brand (empty when unknown).
    pub brand: String,
    /// Category path, levels separated by `>` or `/` (e.g. `Tools > Hand Tools`).
    pub category: String,
}

impl ItemText {
    /// An item text from its three fields.
    pub fn new(title: &str, brand: &str, category: &str) -> Self {
        ItemText {
            title: title.to_string(),
            brand: brand.to_string(),
            category: category.to_string(),
        }
    }
}

/// True for characters written without spaces between words (Han,
/// Hiragana, Katakana, CJK compatibility ideographs).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0x20000..=0x3134F) // extensions B–G
}

/// One token of a text: a word or a single CJK character.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Word(String),
    Cjk(char),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        // Full-width ASCII (ＡＢＣ１２３) reads as ASCII.
        let c = match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Piece::Word(std::mem::take(&mut word)));
            }
            out.push(Piece::Cjk(c));
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(Piece::Word(std::mem::take(&mut word)));
        }
    }
    if !word.is_empty() {
        out.push(Piece::Word(word));
    }
    out
}

/// The tokens of `text`: lower-cased words (letters and digits; anything
/// else separates) and each CJK character on its own.
pub fn tokens(text: &str) -> Vec<String> {
    pieces(text)
        .into_iter()
        .map(|p| match p {
            Piece::Word(w) => w,
            Piece::Cjk(c) => c.to_string(),
        })
        .collect()
}

/// Every feature string of an item (before hashing): the tokens of title,
/// brand and category, CJK character pairs, `brand=<brand>` and
/// `category=<path prefix>` for each level of the path.
pub fn features(text: &ItemText) -> Vec<String> {
    let mut out = Vec::new();
    for field in [&text.title, &text.brand, &text.category] {
        let p = pieces(field);
        for (k, piece) in p.iter().enumerate() {
            match piece {
                Piece::Word(w) => out.push(w.clone()),
                Piece::Cjk(c) => {
                    out.push(c.to_string());
                    if let Some(Piece::Cjk(next)) = p.get(k + 1) {
                        out.push(format!("{c}{next}"));
                    }
                }
            }
        }
    }
    let brand = tokens(&text.brand).join(" ");
    if !brand.is_empty() {
        out.push(format!("brand={brand}"));
    }
    let mut path = String::new();
    for level in text.category.split(['>', '/', '|']) {
        let level = tokens(level).join(" ");
        if level.is_empty() {
            continue;
        }
        if !path.is_empty() {
            path.push('>');
        }
        path.push_str(&level);
        out.push(format!("category={path}"));
    }
    out
}

/// The bucket of a feature among `buckets` (FNV-1a 64-bit, then modulo).
pub fn bucket(feature: &str, buckets: usize) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in feature.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % buckets.max(1) as u64) as u32
}

/// The distinct buckets of an item's features, ascending.
pub fn item_buckets(text: &ItemText, buckets: usize) -> Vec<u32> {
    let mut b: Vec<u32> = features(text).iter().map(|f| bucket(f, buckets)).collect();
    b.sort_unstable();
    b.dedup();
    b
}

/// The bucket bags of a whole catalog (compressed rows: item `i`'s buckets
/// are `buckets[offsets[i]..offsets[i + 1]]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextBags {
    /// Row starts, `n_items + 1` entries.
    pub offsets: Vec<usize>,
    /// Bucket ids of every item, row after row.
    pub buckets: Vec<u32>,
}

impl TextBags {
    /// The bags of `n_items` items; items beyond `texts` (or all of them
    /// when `texts` is `None`) get an empty bag.
    pub fn new(texts: Option<&[ItemText]>, n_items: usize, buckets: usize) -> Self {
        let mut bags = TextBags {
            offsets: Vec::with_capacity(n_items + 1),
            buckets: Vec::new(),
        };
        bags.offsets.push(0);
        for i in 0..n_items {
            if let Some(t) = texts.and_then(|t| t.get(i)) {
                bags.buckets.extend(item_buckets(t, buckets));
            }
            bags.offsets.push(bags.buckets.len());
        }
        bags
    }

    /// Item `i`'s buckets.
    pub fn of(&self, i: usize) -> &[u32] {
        &self.buckets[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
