//! One tokenizer for catalog text that mixes Chinese (or Japanese, Korean)
//! and Latin words in the same field, e.g. `红色棉质T恤 Red Cotton T-Shirts`.
//!
//! Latin letters and digits split into words, which are then lowercased,
//! ASCII-folded (`Café` → `cafe`), stripped of English stop words and stemmed
//! with the English Snowball stemmer (`shirts` → `shirt`). Runs of CJK characters (Han, Hiragana,
//! Katakana, Hangul) become overlapping character bigrams (`棉质T恤` →
//! `棉质`, `恤`), and a run of one character becomes that character. This is
//! Lucene's CJKAnalyzer approach, chosen because it needs no dictionary: it
//! works offline for any vocabulary, and a query bigram matches wherever the
//! same two characters appear, at the cost of some precision that BM25's idf
//! largely recovers.

use std::iter::Peekable;
use std::str::CharIndices;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter,
    TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager,
};

/// Name under which [`register`] installs the analyzer in an index.
pub const TOKENIZER_NAME: &str = "shoplab";

/// Tokens longer than this many bytes are dropped (serial numbers, base64, ...),
/// as they only bloat the term dictionary.
const MAX_TOKEN_BYTES: usize = 60;

/// True for characters of the CJK scripts that are written without spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{309F}'     // Hiragana
        | '\u{30A0}'..='\u{30FF}'   // Katakana
        | '\u{31F0}'..='\u{31FF}'   // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK unified ideographs extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{1100}'..='\u{11FF}'   // Hangul jamo
        | '\u{3130}'..='\u{318F}'   // Hangul compatibility jamo
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{FF66}'..='\u{FF9F}'   // Half-width Katakana
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B.. and compatibility supplement
    )
}

/// The full analyzer: [`CjkLatinTokenizer`], lowercasing, ASCII folding and
/// English stemming. Stemming leaves CJK tokens untouched (no Latin suffixes).
pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CjkLatinTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(english_stop_words())
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Lucene's English stop words (`and`, `for`, `with`, ...): they match most
/// of a catalog, so dropping them makes broad queries far cheaper and barely
/// changes rankings.
fn english_stop_words() -> StopWordFilter {
    // tantivy has an English list whenever its `stopwords` feature is on.
    StopWordFilter::new(Language::English).unwrap_or_else(|| StopWordFilter::remove(Vec::new()))
}

/// Installs [`analyzer`] under [`TOKENIZER_NAME`].
pub fn register(manager: &TokenizerManager) {
    manager.register(TOKENIZER_NAME, analyzer());
}

/// The index terms of `text`, in order, with repeats (for queries and tests).
pub fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    analyzer
        .token_stream(text)
        .process(&mut |t: &Token| out.push(t.text.clone()));
    out
}

/// The word being typed at the end of `query`, folded as the index folds
/// words (lowercase, no accents) but not stemmed, for prefix search; `None`
/// when the query ends with a space or punctuation (the word is finished)
/// or has no word.
pub fn last_word(query: &str) -> Option<String> {
    let mut folding = TextAnalyzer::builder(CjkLatinTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut last = None;
    folding
        .token_stream(query)
        .process(&mut |t: &Token| last = Some((t.text.clone(), t.offset_to)));
    last.filter(|(_, end)| *end == query.len()).map(|(w, _)| w)
}

/// Splits text into Latin/digit words and CJK character bigrams (no
/// normalisation; see [`analyzer`] for the full chain).
#[derive(Debug, Clone, Default)]
pub struct CjkLatinTokenizer {
    token: Token,
}

impl Tokenizer for CjkLatinTokenizer {
    type TokenStream<'a> = CjkLatinStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkLatinStream<'a> {
        self.token.reset();
        CjkLatinStream {
            text,
            chars: text.char_indices().peekable(),
            run: None,
            token: &mut self.token,
        }
    }
}

/// The CJK character run being bigrammed.
#[derive(Debug, Clone, Copy)]
struct CjkRun {
    /// Byte range of the run's last character read so far.
    prev: (usize, usize),
    /// Whether a bigram was already emitted (if not, the run is one character).
    emitted: bool,
}

/// Token stream of [`CjkLatinTokenizer`].
pub struct CjkLatinStream<'a> {
    text: &'a str,
    chars: Peekable<CharIndices<'a>>,
    run: Option<CjkRun>,
    token: &'a mut Token,
}

impl CjkLatinStream<'_> {
    fn emit(&mut self, from: usize, to: usize) -> bool {
        self.token.position = self.token.position.wrapping_add(1);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        true
    }
}

impl TokenStream for CjkLatinStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            if let Some(run) = self.run {
                match self.chars.peek().copied() {
                    Some((start, c)) if is_cjk(c) => {
                        self.chars.next();
                        let end = start + c.len_utf8();
                        self.run = Some(CjkRun {
                            prev: (start, end),
                            emitted: true,
                        });
                        return self.emit(run.prev.0, end);
                    }
                    _ => {
                        self.run = None;
                        if !run.emitted {
                            return self.emit(run.prev.0, run.prev.1);
                        }
                    }
                }
            }
            let (start, c) = match self.chars.next() {
                Some(next) => next,
                None => return false,
            };
            if is_cjk(c) {
                self.run = Some(CjkRun {
                    prev: (start, start + c.len_utf8()),
                    emitted: false,
                });
            } else if c.is_alphanumeric() {
                let mut end = start + c.len_utf8();
                while let Some(&(i, c)) = self.chars.peek() {
                    if !c.is_alphanumeric() || is_cjk(c) {
                        break;
                    }
                    end = i + c.len_utf8();
                    self.chars.next();
                }
                return self.emit(start, end);
            }
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn raw(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut t = CjkLatinTokenizer::default();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while let Some(tok) = s.next() {
            out.push((
                tok.text.clone(),
                tok.position,
                tok.offset_from,
                tok.offset_to,
            ));
        }
        out
    }

    #[test]
    fn mixed_chinese_and_latin_title() {
        let got = terms(&mut analyzer(), "红色棉质T恤 Red Cotton T-Shirts");
        assert_eq!(
            got,
            [
                "红色", "色棉", "棉质", "t", "恤", "red", "cotton", "t", "shirt"
            ]
        );
    }

    #[test]
    fn folding_stemming_and_single_cjk_characters() {
        let got = terms(&mut analyzer(), "Café Drills, 2x4 锤 and ハンマー");
        assert_eq!(got, ["cafe", "drill", "2x4", "锤", "ハン", "ンマ", "マー"]);
        assert!(terms(&mut analyzer(), " ,.!? -- ").is_empty());
    }

    #[test]
    fn positions_and_offsets_point_into_the_text() {
        let got = raw("ab 棉质T");
        assert_eq!(
            got,
            [
                ("ab".to_string(), 0, 0, 2),
                ("棉质".to_string(), 1, 3, 9),
                ("T".to_string(), 2, 9, 10),
            ]
        );
    }

    #[test]
    fn the_last_word_is_folded_and_only_while_it_is_typed() {
        assert_eq!(last_word("red Shi").as_deref(), Some("shi"));
        assert_eq!(last_word("Caf\u{e9}").as_deref(), Some("cafe"));
        assert_eq!(last_word("红色棉").as_deref(), Some("色棉"));
        assert_eq!(last_word("red shi "), None);
        assert_eq!(last_word("shirt,"), None);
        assert_eq!(last_word("  "), None);
    }

    proptest! {
        #[test]
        fn tokens_are_substrings_of_the_input(text in "\\PC{0,40}") {
            for (tok, _, from, to) in raw(&text) {
                prop_assert_eq!(&text[from..to], tok.as_str());
                prop_assert!(!tok.is_empty());
            }
        }

        #[test]
        fn cjk_run_of_n_gives_n_minus_one_bigrams(run in "[\\u{4E00}-\\u{9FFF}]{2,12}") {
            let n = run.chars().count();
            let got = raw(&run);
            prop_assert_eq!(got.len(), n - 1);
            prop_assert!(got.iter().all(|t| t.0.chars().count() == 2));
        }
    }
}
