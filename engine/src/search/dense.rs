//! Dense (semantic) search: every item's text as a unit vector from a local
//! sentence encoder, stored in the project, and exact inner-product top-k of
//! a query's vector over all of them.
//!
//! The item text is what a shopper would read of the item and what BM25
//! mostly matches on: `title`, then `brand`, then the category path
//! (`Tools > Power Tools > Drills`), each trimmed, empty parts left out,
//! joined by `" | "` (see [`item_text`]). Descriptions and attributes are left
//! out: they are long (MiniLM truncates at 256 word pieces and is slow on
//! long texts) and mostly absent in real catalogs.
//!
//! Storage, one pair of files per encoder (a different encoder fingerprint
//! means different files, so vectors of two models are never mixed):
//!
//! ```text
//! embeddings/<fingerprint>.safetensors   vectors [n, dim] f32, text_hash [n] i64
//! embeddings/<fingerprint>.json          summary: encoder, counts, time (for people)
//! ```
//!
//! Rows are keyed by the 64-bit hash of the item text, not by item index, so
//! a rebuild after the catalog changed encodes only texts it has no vector
//! for (new or edited items), whatever the order of the catalog; a cancelled
//! build keeps what it finished. Both files are written atomically; search
//! reads only the safetensors file and refuses when an item has no vector.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Item, ModelState, Progress};
use shoplab_models::encoder::{self, SentenceEncoder};

use super::request::SearchRequest;
use super::schema::CATEGORY_SEPARATOR;
use crate::error::{Error, Result};

/// Folder of the stored item vectors inside a project.
pub const EMBEDDINGS_DIR: &str = "embeddings";
/// Environment variable naming the encoder folder.
pub const ENCODER_ENV: &str = "SHOPLAB_MINILM";
/// The encoder folder's name under `~/.cache/shoplab-data` by default.
pub const DEFAULT_ENCODER: &str = "all-MiniLM-L6-v2";
/// Format tag of the stored vectors.
const FORMAT: &str = "shoplab-embeddings-1";
/// Texts encoded between cancellation checkpoints (what a cancel keeps).
const CHUNK: usize = 256;
/// A build in progress saves what it has at least this often (seconds), so a
/// killed build loses at most this much work.
const SAVE_EVERY_S: f64 = 120.0;

/// The text of an item that is encoded: title | brand | category path.
pub fn item_text(item: &Item) -> String {
    let category: Vec<&str> = item
        .category
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    let category = category.join(CATEGORY_SEPARATOR);
    [item.title.trim(), item.brand.trim(), category.as_str()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Stable 64-bit hash of an item text (the key of its stored vector).
pub fn text_hash(text: &str) -> i64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes()) as i64
}

/// The encoder folder to use: `flag` (`--encoder DIR`), else the
/// `SHOPLAB_MINILM` environment variable, else the project's `encoder`
/// setting, else `~/.cache/shoplab-data/all-MiniLM-L6-v2`.
pub fn encoder_dir(flag: Option<&Path>, setting: Option<&str>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(dir) = std::env::var_os(ENCODER_ENV).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = setting.map(str::trim).filter(|s| !s.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache/shoplab-data").join(DEFAULT_ENCODER)
}

/// Loads the sentence encoder in `dir` on the CPU (its error says how to get
/// the model when the folder is missing).
pub fn load_encoder(dir: &Path) -> Result<SentenceEncoder> {
    SentenceEncoder::load(dir, &shoplab_models::Device::Cpu).map_err(encoder_error)
}

/// The engine error of an encoder error (cancel stays a cancel).
pub fn encoder_error(e: encoder::Error) -> Error {
    match e {
        encoder::Error::Cancelled => Error::Cancelled,
        e => Error::Encoder(e),
    }
}

/// The file stem of an encoder's vectors (its fingerprint, kept to file-safe characters).
fn stem(fingerprint: &str) -> String {
    fingerprint
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// `embeddings/<fingerprint>.safetensors` in project folder `root`.
pub fn vectors_path(root: &Path, fingerprint: &str) -> PathBuf {
    root.join(EMBEDDINGS_DIR)
        .join(format!("{}.safetensors", stem(fingerprint)))
}

/// `embeddings/<fingerprint>.json` in project folder `root`.
pub fn summary_path(root: &Path, fingerprint: &str) -> PathBuf {
    root.join(EMBEDDINGS_DIR)
        .join(format!("{}.json", stem(fingerprint)))
}

/// The human-readable summary written beside the vectors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingSummary {
    /// Encoder display name (its folder's name).
    pub encoder: String,
    /// Encoder fingerprint (hash of its files).
    pub fingerprint: String,
    /// Vector length.
    pub dim: usize,
    /// Items in the catalog when built.
    pub n_items: usize,
    /// Vectors stored (distinct item texts).
    pub n_vectors: usize,
    /// Whether every catalog item had a vector when written (false after a cancel).
    pub complete: bool,
    /// When written (RFC 3339, UTC).
    pub written_at: String,
}

/// What [`build_embeddings`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedReport {
    /// Encoder display name.
    pub encoder: String,
    /// Encoder fingerprint.
    pub fingerprint: String,
    /// Items in the catalog.
    pub n_items: usize,
    /// Item texts encoded now (new or changed).
    pub encoded: usize,
    /// Items whose stored vector was reused.
    pub reused: usize,
    /// Seconds spent.
    pub seconds: f64,
    /// Encoded texts per second (0 when nothing was encoded).
    pub texts_per_s: f64,
    /// The vectors file.
    pub path: PathBuf,
}

/// Stored vectors keyed by text hash.
#[derive(Debug, Clone, Default)]
struct Stored {
    dim: usize,
    hashes: Vec<i64>,
    vectors: Vec<f32>,
}

impl Stored {
    /// Reads `path` written for `fingerprint`; `None` when there is no file.
    fn read(path: &Path, fingerprint: &str, dim: usize) -> Result<Option<Stored>> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        let damaged = |why: String| Error::Index {
            path: path.to_path_buf(),
            message: format!(
                "stored item vectors are damaged ({why}); delete the file and build embeddings again"
            ),
        };
        let state = ModelState::from_safetensors(&bytes).map_err(|e| damaged(e.to_string()))?;
        if state.get_meta("format") != Some(FORMAT)
            || state.get_meta("fingerprint") != Some(fingerprint)
        {
            return Err(damaged(
                "written by another encoder or ShopLab version".into(),
            ));
        }
        let (_, hashes) = state
            .i64("text_hash", None)
            .map_err(|e| damaged(e.to_string()))?;
        let (_, vectors) = state
            .f32("vectors", Some(&[hashes.len(), dim]))
            .map_err(|e| damaged(e.to_string()))?;
        Ok(Some(Stored {
            dim,
            hashes: hashes.to_vec(),
            vectors: vectors.to_vec(),
        }))
    }

    fn row_of(&self) -> HashMap<i64, usize> {
        self.hashes
            .iter()
            .enumerate()
            .map(|(i, &h)| (h, i))
            .collect()
    }

    fn row(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dim..(i + 1) * self.dim]
    }

    fn write(
        &self,
        root: &Path,
        enc: &SentenceEncoder,
        n_items: usize,
        complete: bool,
    ) -> Result<()> {
        let dir = root.join(EMBEDDINGS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
        let mut state = ModelState::new();
        state
            .push_f32(
                "vectors",
                &[self.hashes.len(), self.dim],
                self.vectors.clone(),
            )
            .push_i64("text_hash", &[self.hashes.len()], self.hashes.clone())
            .meta("format", FORMAT)
            .meta("fingerprint", enc.fingerprint())
            .meta("encoder", enc.name());
        let path = vectors_path(root, enc.fingerprint());
        let bytes = state.to_safetensors().map_err(|e| Error::Index {
            path: path.clone(),
            message: format!("cannot serialise item vectors: {e}"),
        })?;
        crate::project::write_atomic(&path, &bytes)?;
        let summary = EmbeddingSummary {
            encoder: enc.name().to_string(),
            fingerprint: enc.fingerprint().to_string(),
            dim: self.dim,
            n_items,
            n_vectors: self.hashes.len(),
            complete,
            written_at: chrono::Utc::now().to_rfc3339(),
        };
        crate::project::write_json_atomic(&summary_path(root, enc.fingerprint()), &summary)
    }
}

/// Forwards only `advance` (and cancellation-free metrics) to an outer
/// progress, so the encoder's per-call stages add up to one stage.
struct Advance<'a>(&'a dyn Progress);

impl Progress for Advance<'_> {
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, n: u64) {
        self.0.advance(n);
    }
}

/// Builds or refreshes the item vectors of project folder `root` for
/// `items` (by item index): reuses every stored vector whose text is
/// unchanged and encodes the rest in chunks, reporting one progress stage
/// counting encoded texts. Cancel keeps the finished chunks on disk.
pub fn build_embeddings(
    root: &Path,
    items: &[Item],
    enc: &SentenceEncoder,
    progress: &dyn Progress,
    cancel: &CancelToken,
) -> Result<EmbedReport> {
    let start = Instant::now();
    let dim = enc.dim();
    let path = vectors_path(root, enc.fingerprint());
    let old = Stored::read(&path, enc.fingerprint(), dim)?.unwrap_or(Stored {
        dim,
        ..Stored::default()
    });
    let old_rows = old.row_of();
    let texts: Vec<String> = items.iter().map(item_text).collect();
    let hashes: Vec<i64> = texts.iter().map(|t| text_hash(t)).collect();
    // Keep stored vectors of texts still in the catalog; list the texts to
    // encode once each (identical titles share one vector).
    let mut kept = Stored {
        dim,
        ..Stored::default()
    };
    let mut have: HashMap<i64, usize> = HashMap::new();
    let mut todo: Vec<usize> = Vec::new();
    let mut reused = 0;
    for (i, &h) in hashes.iter().enumerate() {
        if have.contains_key(&h) {
            reused += usize::from(old_rows.contains_key(&h));
            continue;
        }
        if let Some(&row) = old_rows.get(&h) {
            have.insert(h, kept.hashes.len());
            kept.hashes.push(h);
            kept.vectors.extend_from_slice(old.row(row));
            reused += 1;
        } else {
            have.insert(h, usize::MAX);
            todo.push(i);
        }
    }
    drop(old);
    progress.stage("Embedding item texts", Some(todo.len() as u64));
    let mut last_save = Instant::now();
    let mut dirty = kept.hashes.len() != old_rows.len();
    for chunk in todo.chunks(CHUNK) {
        if cancel.is_cancelled() {
            if dirty {
                kept.write(root, enc, items.len(), false)?;
            }
            return Err(Error::Cancelled);
        }
        let batch: Vec<&str> = chunk.iter().map(|&i| texts[i].as_str()).collect();
        let vectors = match enc.encode(&batch, &Advance(progress), cancel) {
            Ok(v) => v,
            Err(encoder::Error::Cancelled) => {
                if dirty {
                    kept.write(root, enc, items.len(), false)?;
                }
                return Err(Error::Cancelled);
            }
            Err(e) => return Err(encoder_error(e)),
        };
        for (row, &i) in chunk.iter().enumerate() {
            kept.hashes.push(hashes[i]);
            kept.vectors.extend_from_slice(vectors.row(row));
        }
        dirty = true;
        if last_save.elapsed().as_secs_f64() > SAVE_EVERY_S {
            kept.write(root, enc, items.len(), false)?;
            last_save = Instant::now();
        }
    }
    if dirty || !path.is_file() {
        kept.write(root, enc, items.len(), true)?;
    }
    progress.finish_stage();
    let seconds = start.elapsed().as_secs_f64();
    Ok(EmbedReport {
        encoder: enc.name().to_string(),
        fingerprint: enc.fingerprint().to_string(),
        n_items: items.len(),
        encoded: todo.len(),
        reused,
        seconds,
        texts_per_s: if todo.is_empty() {
            0.0
        } else {
            todo.len() as f64 / seconds
        },
        path,
    })
}

/// Which items a request's category, brand and price filters let through,
/// with the same meaning as in the BM25 index: the category or below it
/// (levels trimmed), the brand exactly (trimmed), prices within the bounds
/// (unpriced items left out when a bound is set).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemFilter {
    category: Vec<String>,
    brand: Option<String>,
    min_price: Option<f64>,
    max_price: Option<f64>,
}

impl ItemFilter {
    /// The filters of `req` (none set: every item passes).
    pub fn of(req: &SearchRequest) -> ItemFilter {
        ItemFilter {
            category: req
                .category
                .as_deref()
                .unwrap_or_default()
                .split('>')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            brand: req
                .brand
                .as_deref()
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_string),
            min_price: req.min_price,
            max_price: req.max_price,
        }
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.category.is_empty()
            && self.brand.is_none()
            && self.min_price.is_none()
            && self.max_price.is_none()
    }

    /// Whether `item` passes.
    pub fn accepts(&self, item: &Item) -> bool {
        if !self.category.is_empty() {
            let mut levels = item
                .category
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty());
            if !self
                .category
                .iter()
                .all(|want| levels.next() == Some(want.as_str()))
            {
                return false;
            }
        }
        if let Some(b) = &self.brand
            && item.brand.trim() != b
        {
            return false;
        }
        if self.min_price.is_some() || self.max_price.is_some() {
            let Some(p) = item.price.filter(|p| p.is_finite()) else {
                return false;
            };
            if self.min_price.is_some_and(|lo| p < lo) || self.max_price.is_some_and(|hi| p > hi) {
                return false;
            }
        }
        true
    }
}

/// Item vectors aligned with the catalog, ready for exact top-k search.
#[derive(Debug, Clone)]
pub struct DenseIndex {
    dim: usize,
    /// Row `i` is item `i`'s vector.
    vectors: Vec<f32>,
    fingerprint: String,
}

impl DenseIndex {
    /// The stored vectors of project folder `root` for `enc`, aligned with
    /// `items`; an error names what to do when none are stored or an item
    /// (new or edited since) has none.
    pub fn open(root: &Path, items: &[Item], enc: &SentenceEncoder) -> Result<DenseIndex> {
        let dim = enc.dim();
        let path = vectors_path(root, enc.fingerprint());
        let Some(stored) = Stored::read(&path, enc.fingerprint(), dim)? else {
            return Err(Error::Empty(format!(
                "no item embeddings for encoder {} in this project yet: build them first \
                 (`shoplab embed`, or Build embeddings in the Search view)",
                enc.name(),
            )));
        };
        let rows = stored.row_of();
        let mut vectors = Vec::with_capacity(items.len() * dim);
        let mut missing = 0usize;
        for item in items {
            match rows.get(&text_hash(&item_text(item))) {
                Some(&r) => vectors.extend_from_slice(stored.row(r)),
                None => {
                    missing += 1;
                    vectors.extend(std::iter::repeat_n(0.0, dim));
                }
            }
        }
        if missing > 0 {
            return Err(Error::Empty(format!(
                "item embeddings are out of date: {missing} of {} items (new or changed since) \
                 have no vector; refresh them (`shoplab embed`, or Build embeddings in the \
                 Search view; only those items are encoded)",
                items.len()
            )));
        }
        Ok(DenseIndex {
            dim,
            vectors,
            fingerprint: enc.fingerprint().to_string(),
        })
    }

    /// An index over given unit vectors (row `i` = item `i`).
    pub fn from_vectors(dim: usize, vectors: Vec<f32>, fingerprint: &str) -> DenseIndex {
        DenseIndex {
            dim,
            vectors,
            fingerprint: fingerprint.to_string(),
        }
    }

    /// Items indexed.
    pub fn len(&self) -> usize {
        self.vectors.len().checked_div(self.dim).unwrap_or(0)
    }

    /// True when no item is indexed.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The encoder fingerprint the vectors came from.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Cosine similarity of `query` (a unit vector) with item `item`.
    pub fn score(&self, query: &[f32], item: u32) -> f32 {
        let i = item as usize;
        let mut out = [0f32];
        encoder::inner_products(
            &self.vectors[i * self.dim..(i + 1) * self.dim],
            self.dim,
            query,
            &mut out,
        );
        out[0]
    }

    /// Inner products of `query` with every item vector (the scan runs in
    /// the models crate, optimised even in debug builds).
    pub fn scores(&self, query: &[f32]) -> Vec<f32> {
        use rayon::prelude::*;
        let mut out = vec![0f32; self.len()];
        if self.dim == 0 {
            return out;
        }
        // The scan reads every vector (46 MB for 30K items of 384 numbers):
        // blocks of rows on every core, each row's sum computed exactly as
        // alone, so the scores do not depend on the number of threads.
        out.par_chunks_mut(SCAN_BLOCK)
            .zip(self.vectors.par_chunks(SCAN_BLOCK * self.dim))
            .for_each(|(o, rows)| encoder::inner_products(rows, self.dim, query, o));
        out
    }

    /// The `k` items of highest inner product with `query` that `accept`
    /// lets through, best first (ties: lower item index first), by an exact
    /// scan of every vector.
    pub fn top_k(&self, query: &[f32], k: usize, accept: impl Fn(u32) -> bool) -> Vec<(u32, f32)> {
        if k == 0 || query.len() != self.dim {
            return Vec::new();
        }
        // A min-heap of the best k so far: (score, Reverse(item)) so that of
        // equal scores the higher item index is evicted first.
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut heap: BinaryHeap<Reverse<(OrdF32, Reverse<u32>)>> =
            BinaryHeap::with_capacity(k + 1);
        for (i, &s) in self.scores(query).iter().enumerate() {
            let item = i as u32;
            if heap.len() == k {
                let Some(Reverse((worst, _))) = heap.peek() else {
                    continue;
                };
                if s <= worst.0 {
                    continue;
                }
            }
            if !accept(item) {
                continue;
            }
            heap.push(Reverse((OrdF32(s), Reverse(item))));
            if heap.len() > k {
                heap.pop();
            }
        }
        let mut out: Vec<(u32, f32)> = heap
            .into_iter()
            .map(|Reverse((s, Reverse(i)))| (i, s.0))
            .collect();
        sort_ranked(&mut out);
        out
    }
}

/// Item vectors per parallel block of the dense scan.
const SCAN_BLOCK: usize = 4096;

/// Sorts `(item, score)` best first, ties by lower item index.
pub(crate) fn sort_ranked(hits: &mut [(u32, f32)]) {
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// A total order on f32 scores (NaN never occurs for unit vectors).
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrdF32(f32);

impl Eq for OrdF32 {}
impl PartialOrd for OrdF32 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF32 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
