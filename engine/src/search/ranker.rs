//! The search rankers behind one face: BM25 (the tantivy index), dense
//! (query vector against the stored item vectors), hybrid (both, fused) and
//! learned (both's candidates re-ranked by a trained model, see
//! [`super::rerank`]). Searches, evaluation and the app go through [`Rankers`].

use std::collections::HashMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use shoplab_datasets::{CancelToken, Item, NoProgress, Progress};
use shoplab_models::encoder::SentenceEncoder;

use super::dense::{DenseIndex, ItemFilter, encoder_error};
use super::hybrid::{CANDIDATES, Fusion};
use super::index::SearchIndex;
use super::judgments::normalise_query;
use super::request::{FieldWeights, Hit, SearchRequest, SearchResults};
use super::rerank::Reranker;
use super::schema::CATEGORY_SEPARATOR;
use crate::error::{Error, Result};
use crate::evaluate::{Latency, latency_of};

/// Which ranker answers a search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RankerKind {
    /// Keyword matching with BM25 over the tantivy index.
    #[default]
    Bm25,
    /// Meaning: the query's sentence vector against every item's.
    Dense,
    /// BM25 and dense fused.
    Hybrid,
    /// BM25's and dense search's candidates ordered by the trained re-ranker.
    Learned,
}

impl RankerKind {
    /// All rankers, in menu order.
    pub const ALL: [RankerKind; 4] = [
        RankerKind::Bm25,
        RankerKind::Dense,
        RankerKind::Hybrid,
        RankerKind::Learned,
    ];

    /// `bm25`, `dense`, `hybrid` or `learned`.
    pub fn as_str(self) -> &'static str {
        match self {
            RankerKind::Bm25 => "bm25",
            RankerKind::Dense => "dense",
            RankerKind::Hybrid => "hybrid",
            RankerKind::Learned => "learned",
        }
    }

    /// Whether the ranker needs the encoder and stored item vectors.
    pub fn needs_embeddings(self) -> bool {
        self != RankerKind::Bm25
    }

    /// Parses `bm25`, `dense`, `hybrid` or `learned` (any case).
    pub fn parse(text: &str) -> Result<RankerKind> {
        match text.trim().to_ascii_lowercase().as_str() {
            "bm25" => Ok(RankerKind::Bm25),
            "dense" => Ok(RankerKind::Dense),
            "hybrid" => Ok(RankerKind::Hybrid),
            "learned" => Ok(RankerKind::Learned),
            _ => Err(Error::invalid(
                "ranker",
                text,
                "use bm25, dense, hybrid or learned",
            )),
        }
    }
}

/// The encoder, the item vectors and the catalog, for dense and hybrid search.
pub struct DenseParts {
    /// The sentence encoder (queries are encoded with it).
    pub encoder: SentenceEncoder,
    /// Item vectors aligned with `items`.
    pub index: DenseIndex,
    /// The catalog by item index (for hits and filters).
    pub items: Vec<Item>,
}

/// BM25, and when loaded, dense search over the same catalog.
pub struct Rankers {
    /// The BM25 index.
    pub bm25: SearchIndex,
    /// Dense parts, when embeddings are loaded.
    pub dense: Option<DenseParts>,
    /// How hybrid fuses.
    pub fusion: Fusion,
    /// The trained re-ranker of the learned ranker, when there is one.
    pub reranker: Option<Reranker>,
    /// Why the saved re-ranker could not be used (unreadable, other encoder).
    pub reranker_error: Option<String>,
}

impl std::fmt::Debug for Rankers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rankers")
            .field("dense", &self.dense.as_ref().map(|d| d.encoder.name()))
            .field("fusion", &self.fusion)
            .field("reranker", &self.reranker.is_some())
            .finish()
    }
}

/// One query's candidate lists, computed once so fusion settings can be
/// compared without searching again.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// BM25 top candidates.
    pub bm25: Vec<(u32, f32)>,
    /// Dense top candidates.
    pub dense: Vec<(u32, f32)>,
    /// Dense scores of the BM25 candidates.
    pub dense_of_bm25: HashMap<u32, f32>,
}

impl Candidates {
    /// The fused ranking under `fusion`, cut at `k`.
    pub fn fuse(&self, fusion: &Fusion, k: usize) -> Vec<(u32, f32)> {
        let dense_of: HashMap<u32, f32> = self.dense.iter().copied().collect();
        let mut fused = fusion.fuse(&self.bm25, &self.dense, |i| {
            dense_of
                .get(&i)
                .or_else(|| self.dense_of_bm25.get(&i))
                .copied()
                .unwrap_or(0.0)
        });
        fused.truncate(k);
        fused
    }
}

impl Rankers {
    fn dense_parts(&self) -> Result<&DenseParts> {
        self.dense.as_ref().ok_or_else(|| {
            Error::Empty(
                "dense and hybrid search need item embeddings: build them first \
                 (`shoplab embed`, or Build embeddings in the Search view)"
                    .into(),
            )
        })
    }

    /// Encodes one query (unit vector).
    pub fn encode_query(&self, query: &str) -> Result<Vec<f32>> {
        let parts = self.dense_parts()?;
        let v = parts
            .encoder
            .encode(&[query], &NoProgress, &CancelToken::new())
            .map_err(encoder_error)?;
        Ok(v.into_vec())
    }

    /// BM25's ranking (an unsearchable query, e.g. only punctuation, ranks nothing).
    fn bm25_rank(&self, req: &SearchRequest, k: usize) -> Result<Vec<(u32, f32)>> {
        let req = SearchRequest {
            k,
            offset: 0,
            facets: false,
            explain: false,
            ..req.clone()
        };
        match self.bm25.rank(&req) {
            Ok(hits) => Ok(hits),
            Err(Error::InvalidParameter { name, .. }) if name == "query" => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Dense top `k` for an encoded query, honouring the request's filters.
    fn dense_rank(&self, req: &SearchRequest, qv: &[f32], k: usize) -> Result<Vec<(u32, f32)>> {
        let parts = self.dense_parts()?;
        let filter = ItemFilter::of(req);
        if filter.is_empty() {
            Ok(parts.index.top_k(qv, k, |_| true))
        } else {
            Ok(parts.index.top_k(qv, k, |i| {
                parts
                    .items
                    .get(i as usize)
                    .is_some_and(|it| filter.accepts(it))
            }))
        }
    }

    /// Both candidate lists of a query (`qv`: its vector), each at least
    /// [`CANDIDATES`] deep.
    pub fn candidates(&self, req: &SearchRequest, qv: &[f32], depth: usize) -> Result<Candidates> {
        self.candidates_to(req, qv, depth.max(CANDIDATES))
    }

    /// Both candidate lists, `n` deep, of a judged query searched with
    /// `weights`: its vector from `vectors` (encoded once for a whole
    /// evaluation), or encoded here when it is missing.
    pub fn candidates_of_judged(
        &self,
        query: &str,
        weights: FieldWeights,
        vectors: &HashMap<String, Vec<f32>>,
        n: usize,
    ) -> Result<Candidates> {
        let req = SearchRequest {
            k: n,
            weights,
            facets: false,
            ..SearchRequest::new(query)
        };
        let encoded;
        let qv = match vectors.get(query) {
            Some(v) => v.as_slice(),
            None => {
                encoded = self.encode_query(query)?;
                encoded.as_slice()
            }
        };
        self.candidates_to(&req, qv, n)
    }

    /// Both candidate lists of a query, each exactly `n` deep (fewer when
    /// fewer items match).
    pub fn candidates_to(&self, req: &SearchRequest, qv: &[f32], n: usize) -> Result<Candidates> {
        let bm25 = self.bm25_rank(req, n)?;
        let dense = self.dense_rank(req, qv, n)?;
        let parts = self.dense_parts()?;
        let dense_of_bm25 = bm25
            .iter()
            .map(|&(i, _)| (i, parts.index.score(qv, i)))
            .collect();
        Ok(Candidates {
            bm25,
            dense,
            dense_of_bm25,
        })
    }

    /// The ranked `(item, score)` of `req` to depth `offset + k` by `kind`;
    /// `qv` is the query's vector when already encoded.
    pub fn rank(
        &self,
        kind: RankerKind,
        req: &SearchRequest,
        qv: Option<&[f32]>,
    ) -> Result<Vec<(u32, f32)>> {
        self.rank_with(kind, &self.fusion, req, qv)
    }

    /// [`Rankers::rank`] with hybrid fusing by `fusion`.
    pub fn rank_with(
        &self,
        kind: RankerKind,
        fusion: &Fusion,
        req: &SearchRequest,
        qv: Option<&[f32]>,
    ) -> Result<Vec<(u32, f32)>> {
        req.validate()?;
        let depth = req.offset + req.k;
        if kind == RankerKind::Bm25 {
            return self.bm25_rank(req, depth);
        }
        let owned;
        let qv = match qv {
            Some(v) => v,
            None => {
                owned = self.encode_query(&req.query)?;
                &owned
            }
        };
        match kind {
            RankerKind::Dense => self.dense_rank(req, qv, depth),
            RankerKind::Learned => {
                let mut ranked = self.rerank(req, qv, depth)?;
                ranked.truncate(depth);
                Ok(ranked)
            }
            _ => Ok(self.candidates(req, qv, depth)?.fuse(fusion, depth)),
        }
    }

    /// The learned ranker's ordering of every candidate of `req`: each
    /// ranker's top `depth` of the re-ranker (or the page's depth when
    /// deeper), BM25 under the boosts it was trained with.
    fn rerank(&self, req: &SearchRequest, qv: &[f32], depth: usize) -> Result<Vec<(u32, f32)>> {
        let reranker = self.reranker.as_ref().ok_or_else(|| {
            Error::Empty(self.reranker_error.clone().unwrap_or_else(|| {
                "the learned ranker needs a trained re-ranker: train one on the judged queries \
                 first (`shoplab train-reranker`, or Train re-ranker in the Search view)"
                    .into()
            }))
        })?;
        let parts = self.dense_parts()?;
        let req = SearchRequest {
            weights: reranker.training.weights,
            ..req.clone()
        };
        let c = self.candidates_to(&req, qv, depth.max(reranker.depth()))?;
        Ok(reranker.rank(&c, &normalise_query(&req.query), &parts.items))
    }

    /// A search by `kind`: BM25 as [`SearchIndex::search`]; the others
    /// return the requested page with the items' fields, `total_hits` = the
    /// items ranked (dense: every item passing the filters; hybrid and
    /// learned: the union of both candidate lists) and, for hybrid and
    /// learned, BM25's facets.
    pub fn search(&self, kind: RankerKind, req: &SearchRequest) -> Result<SearchResults> {
        if kind == RankerKind::Bm25 {
            return self.bm25.search(req);
        }
        let start = Instant::now();
        req.validate()?;
        let parts = self.dense_parts()?;
        let qv = self.encode_query(&req.query)?;
        let depth = req.offset + req.k;
        let (ranked, total, facets) = if kind == RankerKind::Dense {
            let filter = ItemFilter::of(req);
            let total = parts.items.iter().filter(|it| filter.accepts(it)).count();
            (
                self.dense_rank(req, &qv, depth)?,
                total as u64,
                Default::default(),
            )
        } else {
            let fused = if kind == RankerKind::Learned {
                self.rerank(req, &qv, depth)?
            } else {
                self.candidates(req, &qv, depth)?
                    .fuse(&self.fusion, usize::MAX)
            };
            let total = fused.len() as u64;
            let facets = if req.facets {
                match self.bm25.search(&SearchRequest {
                    k: 1,
                    offset: 0,
                    explain: false,
                    ..req.clone()
                }) {
                    Ok(r) => r.facets,
                    Err(_) => Default::default(),
                }
            } else {
                Default::default()
            };
            (fused, total, facets)
        };
        let hits = ranked
            .into_iter()
            .skip(req.offset)
            .take(req.k)
            .filter_map(|(i, score)| {
                parts.items.get(i as usize).map(|it| Hit {
                    item: i,
                    id: it.id.clone(),
                    score,
                    title: it.title.clone(),
                    brand: it.brand.trim().to_string(),
                    category: it
                        .category
                        .iter()
                        .map(|c| c.trim())
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                        .join(CATEGORY_SEPARATOR),
                    price: it.price,
                    explanation: None,
                })
            })
            .collect();
        Ok(SearchResults {
            hits,
            total_hits: total,
            facets,
            prefix: None,
            took_us: start.elapsed().as_micros() as u64,
        })
    }

    /// Vectors of the distinct normalised queries of `judgments`, encoded in
    /// batches (one progress stage), plus the latency of encoding up to
    /// `sample` of them one at a time, as a lone search would.
    pub fn encode_queries(
        &self,
        judgments: &[(String, u32, f64)],
        sample: usize,
        progress: &dyn Progress,
        cancel: &CancelToken,
    ) -> Result<(HashMap<String, Vec<f32>>, Latency)> {
        let parts = self.dense_parts()?;
        let mut queries: Vec<String> = judgments.iter().map(|j| normalise_query(&j.0)).collect();
        queries.sort_unstable();
        queries.dedup();
        queries.retain(|q| !q.is_empty());
        let refs: Vec<&str> = queries.iter().map(String::as_str).collect();
        let vectors = parts
            .encoder
            .encode(&refs, progress, cancel)
            .map_err(encoder_error)?;
        let mut times = Vec::new();
        // Every k-th query, so the sample spans short and long ones.
        let step = (queries.len() / sample.max(1)).max(1);
        for q in queries.iter().step_by(step).take(sample) {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let t = Instant::now();
            self.encode_query(q)?;
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let map = queries
            .into_iter()
            .enumerate()
            .map(|(i, q)| (q, vectors.row(i).to_vec()))
            .collect();
        Ok((map, latency_of(times)))
    }
}
