//! Dense and hybrid search on the shared test catalog with a tiny random
//! BERT (no downloaded model): incremental embedding, encoder identity,
//! exact top-k, filters, and evaluation paired with BM25.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use shoplab_datasets::{CancelToken, Item, NoProgress, Progress};
use shoplab_models::encoder::SentenceEncoder;
use shoplab_models::encoder::testing::write_tiny_model;

use super::dense::{
    DenseIndex, ItemFilter, build_embeddings, item_text, load_encoder, vectors_path,
};
use super::evaluate::{SearchEvalConfig, evaluate_rankers, paired_ndcg};
use super::hybrid::Fusion;
use super::ranker::{DenseParts, RankerKind, Rankers};
use super::request::SearchRequest;
use super::test_catalog;
use crate::error::Error;
use crate::significance::PairedConfig;

/// Counts the texts the encoder reports as done.
#[derive(Default)]
struct Counted(AtomicU64);

impl Progress for Counted {
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
}

fn encoder(dir: &Path) -> SentenceEncoder {
    write_tiny_model(dir, 16);
    load_encoder(dir).expect("tiny encoder")
}

/// Rankers over the test catalog; the folder holds the BM25 index.
fn rankers(root: &Path, items: Vec<Item>, enc: SentenceEncoder) -> (tempfile::TempDir, Rankers) {
    build_embeddings(root, &items, &enc, &NoProgress, &CancelToken::new()).expect("embed");
    let (tmp, bm25) = test_catalog::indexed().expect("index");
    let index = DenseIndex::open(root, &items, &enc).expect("open");
    let r = Rankers {
        bm25,
        dense: Some(DenseParts {
            encoder: enc,
            index,
            items,
        }),
        fusion: Fusion::default(),
        reranker: None,
        reranker_error: None,
    };
    (tmp, r)
}

#[test]
fn item_text_is_title_brand_and_category_path() {
    let items = test_catalog::items();
    assert_eq!(
        item_text(&items[0]),
        "Cordless Drill 18V | Bosch | Tools > Power Tools > Drills"
    );
    let bare = Item {
        title: " Hose ".into(),
        ..Item::default()
    };
    assert_eq!(item_text(&bare), "Hose");
}

#[test]
fn a_rebuild_encodes_only_new_and_changed_items() {
    let tmp = tempfile::tempdir().expect("tmp");
    let enc = encoder(&tmp.path().join("model"));
    let root = tmp.path().join("shop");
    let mut items = test_catalog::items();
    let counted = Counted::default();
    let first =
        build_embeddings(&root, &items, &enc, &counted, &CancelToken::new()).expect("build");
    assert_eq!(first.encoded, items.len());
    assert_eq!(counted.0.load(Ordering::Relaxed), items.len() as u64);
    let before = DenseIndex::open(&root, &items, &enc).expect("open");

    // Nothing changed: nothing encoded.
    let counted = Counted::default();
    let again =
        build_embeddings(&root, &items, &enc, &counted, &CancelToken::new()).expect("again");
    assert_eq!((again.encoded, again.reused), (0, items.len()));
    assert_eq!(counted.0.load(Ordering::Relaxed), 0);

    // One title edited, one item added: the index refuses until refreshed,
    // then exactly those two are encoded and the others keep their vectors.
    items[2].title = "Claw Hammer 20 oz".into();
    items.push(Item {
        id: "new".into(),
        title: "Oak Table Lamp".into(),
        ..Item::default()
    });
    let stale = DenseIndex::open(&root, &items, &enc)
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert!(
        matches!(&stale, Err(m) if m.contains("2 of 9 items")),
        "{stale:?}"
    );
    let counted = Counted::default();
    let third =
        build_embeddings(&root, &items, &enc, &counted, &CancelToken::new()).expect("third");
    assert_eq!((third.encoded, third.reused), (2, 7));
    assert_eq!(counted.0.load(Ordering::Relaxed), 2);
    let after = DenseIndex::open(&root, &items, &enc).expect("open");
    let q = enc
        .encode(&["red drill"], &NoProgress, &CancelToken::new())
        .expect("q")
        .into_vec();
    for i in [0u32, 1, 3, 7] {
        assert_eq!(
            before.score(&q, i),
            after.score(&q, i),
            "item {i} kept its vector"
        );
    }
    let fresh = enc
        .encode(
            &[item_text(&items[2]).as_str()],
            &NoProgress,
            &CancelToken::new(),
        )
        .expect("fresh");
    let want: f32 = q.iter().zip(fresh.row(0)).map(|(a, b)| a * b).sum();
    assert!((after.score(&q, 2) - want).abs() < 1e-5);
}

#[test]
fn a_cancelled_build_keeps_nothing_wrong_and_resumes() {
    let tmp = tempfile::tempdir().expect("tmp");
    let enc = encoder(&tmp.path().join("model"));
    let root = tmp.path().join("shop");
    let items = test_catalog::items();
    let cancel = CancelToken::new();
    cancel.cancel();
    let r = build_embeddings(&root, &items, &enc, &NoProgress, &cancel);
    assert!(matches!(r, Err(Error::Cancelled)), "{r:?}");
    assert!(DenseIndex::open(&root, &items, &enc).is_err());
    let r = build_embeddings(&root, &items, &enc, &NoProgress, &CancelToken::new()).expect("build");
    assert_eq!(r.encoded, items.len());
}

#[test]
fn another_encoder_never_reads_the_first_ones_vectors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = encoder(&tmp.path().join("a"));
    let b = encoder(&tmp.path().join("b"));
    assert_ne!(a.fingerprint(), b.fingerprint(), "random weights differ");
    let root = tmp.path().join("shop");
    let items = test_catalog::items();
    build_embeddings(&root, &items, &a, &NoProgress, &CancelToken::new()).expect("a");
    let e = DenseIndex::open(&root, &items, &b)
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert!(
        matches!(&e, Err(m) if m.contains("no item embeddings")),
        "{e:?}"
    );
    let r = build_embeddings(&root, &items, &b, &NoProgress, &CancelToken::new()).expect("b");
    assert_eq!(r.encoded, items.len(), "b reuses none of a's vectors");
    assert_ne!(
        vectors_path(&root, a.fingerprint()),
        vectors_path(&root, b.fingerprint())
    );
    let ib = DenseIndex::open(&root, &items, &b).expect("b open");
    let texts: Vec<String> = items.iter().map(item_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vb = b
        .encode(&refs, &NoProgress, &CancelToken::new())
        .expect("vb");
    let q = vb.row(0).to_vec();
    for i in 0..items.len() {
        let want: f32 = q.iter().zip(vb.row(i)).map(|(x, y)| x * y).sum();
        assert!((ib.score(&q, i as u32) - want).abs() < 1e-5);
    }
}

/// Brute-force reference: every item's cosine by hand, best first, ties by index.
fn reference(
    enc: &SentenceEncoder,
    items: &[Item],
    query: &str,
    keep: impl Fn(&Item) -> bool,
) -> Vec<u32> {
    let texts: Vec<String> = items.iter().map(item_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let v = enc
        .encode(&refs, &NoProgress, &CancelToken::new())
        .expect("items");
    let q = enc
        .encode(&[query], &NoProgress, &CancelToken::new())
        .expect("q");
    let mut scored: Vec<(u32, f64)> = (0..items.len())
        .filter(|&i| keep(&items[i]))
        .map(|i| {
            let s: f64 = q
                .row(0)
                .iter()
                .zip(v.row(i))
                .map(|(a, b)| f64::from(a * b))
                .sum();
            (i as u32, s)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().map(|s| s.0).collect()
}

#[test]
fn dense_top_k_equals_a_brute_force_reference_and_honours_filters() {
    let tmp = tempfile::tempdir().expect("tmp");
    let enc = encoder(&tmp.path().join("model"));
    let items = test_catalog::items();
    let again = load_encoder(&tmp.path().join("model")).expect("same model");
    let (_index, r) = rankers(&tmp.path().join("shop"), items.clone(), again);
    for query in ["red drill", "oak table lamp", "家具"] {
        let want = reference(&enc, &items, query, |_| true);
        for k in [1, 3, 8] {
            let req = SearchRequest {
                k,
                ..SearchRequest::new(query)
            };
            let got: Vec<u32> = r
                .rank(RankerKind::Dense, &req, None)
                .expect("rank")
                .iter()
                .map(|h| h.0)
                .collect();
            assert_eq!(got, want[..k.min(want.len())], "{query} k={k}");
        }
    }
    // Category (or below), brand and price filters, as BM25 reads them.
    type Keep = Box<dyn Fn(&Item) -> bool>;
    let cases: Vec<(SearchRequest, Keep)> = vec![
        (
            SearchRequest {
                category: Some(" Tools > Power Tools ".into()),
                ..SearchRequest::new("red drill")
            },
            Box::new(|it: &Item| it.category.len() >= 2 && it.category[1] == "Power Tools"),
        ),
        (
            SearchRequest {
                brand: Some("优衣库".into()),
                ..SearchRequest::new("red drill")
            },
            Box::new(|it: &Item| it.brand == "优衣库"),
        ),
        (
            SearchRequest {
                min_price: Some(20.0),
                max_price: Some(100.0),
                ..SearchRequest::new("red drill")
            },
            Box::new(|it: &Item| it.price.is_some_and(|p| (20.0..=100.0).contains(&p))),
        ),
    ];
    for (req, keep) in cases {
        let want = reference(&enc, &items, &req.query, &keep);
        assert!(!want.is_empty() && want.len() < items.len());
        let got: Vec<u32> = r
            .rank(RankerKind::Dense, &req, None)
            .expect("rank")
            .iter()
            .map(|h| h.0)
            .collect();
        assert_eq!(got, want, "{req:?}");
        assert!(ItemFilter::of(&req).accepts(&items[got[0] as usize]));
        // Hybrid and the page with fields apply them too.
        let res = r.search(RankerKind::Hybrid, &req).expect("hybrid");
        assert!(
            res.hits.iter().all(|h| keep(&items[h.item as usize])),
            "{res:?}"
        );
        let res = r.search(RankerKind::Dense, &req).expect("dense");
        assert_eq!(res.total_hits as usize, want.len());
        assert_eq!(res.hits[0].title, items[want[0] as usize].title);
    }
}

#[test]
fn hybrid_evaluation_pairs_query_by_query_with_bm25() {
    let tmp = tempfile::tempdir().expect("tmp");
    let items = test_catalog::items();
    let (_index, r) = rankers(
        &tmp.path().join("shop"),
        items,
        encoder(&tmp.path().join("model")),
    );
    let judgments: Vec<(String, u32, f64)> = vec![
        ("Cordless drill".into(), 0, 2.0),
        ("cordless drill".into(), 1, 1.0),
        ("red shirt".into(), 5, 2.0),
        ("red shirt".into(), 3, 1.0),
        ("hammer".into(), 2, 2.0),
        ("garden".into(), 7, 1.0),
        ("nothing relevant".into(), 6, 0.0),
    ];
    let config = SearchEvalConfig::default();
    let bm25 =
        evaluate_rankers(&r, &judgments, &config, &NoProgress, &CancelToken::new()).expect("bm25");
    let hybrid_config = SearchEvalConfig {
        ranker: RankerKind::Hybrid,
        fusion: Fusion::Rrf { k: 60.0 },
        ..config.clone()
    };
    let hybrid = evaluate_rankers(
        &r,
        &judgments,
        &hybrid_config,
        &NoProgress,
        &CancelToken::new(),
    )
    .expect("hybrid");
    assert_eq!(hybrid.config.ranker, RankerKind::Hybrid);
    assert_eq!(bm25.config.ranker, RankerKind::Bm25);
    assert_eq!((bm25.n_queries, hybrid.n_queries), (4, 4));
    assert_eq!(hybrid.n_skipped, 1);
    let queries = |r: &super::SearchEvalReport| -> Vec<(String, String)> {
        r.per_query
            .iter()
            .map(|q| (q.qid.clone(), q.query.clone()))
            .collect()
    };
    assert_eq!(queries(&bm25), queries(&hybrid));
    assert!(hybrid.query_encoding.is_some() && bm25.query_encoding.is_none());
    // Hybrid ranks items BM25 does not find (dense candidates).
    assert!(hybrid.per_query.iter().any(|q| q.items.len() > 3));
    let t = paired_ndcg(&bm25, &hybrid, &PairedConfig::default()).expect("paired");
    assert_eq!(t.n, 4);
    let mean = |r: &super::SearchEvalReport| r.means[2].ndcg;
    assert!((t.mean_a - mean(&bm25)).abs() < 1e-12);
    assert!((t.mean_b - mean(&hybrid)).abs() < 1e-12);
    // Different query sets do not pair.
    let mut fewer = hybrid.clone();
    fewer.per_query.pop();
    assert!(paired_ndcg(&bm25, &fewer, &PairedConfig::default()).is_err());
}

/// The parallel scan gives every item the score it gets alone, bit for
/// bit, across block boundaries.
#[test]
fn the_parallel_scan_scores_each_item_as_alone() {
    let (n, dim) = (10_000usize, 24usize);
    let vectors: Vec<f32> = (0..n * dim)
        .map(|i| ((i * 7919) % 1009) as f32 / 1009.0 - 0.5)
        .collect();
    let query: Vec<f32> = (0..dim).map(|j| (j as f32 - 11.0) / 30.0).collect();
    let index = DenseIndex::from_vectors(dim, vectors, "test");
    let all = index.scores(&query);
    assert_eq!(all.len(), n);
    for i in [0u32, 1, 4095, 4096, 4097, 8191, 8192, 9999] {
        assert_eq!(
            all[i as usize].to_bits(),
            index.score(&query, i).to_bits(),
            "{i}"
        );
    }
}

/// Exact top-10 over 100,000 random 384-d unit vectors: prints p50 and p99
/// (`cargo test --workspace --lib dense_top_k_latency -- --ignored --nocapture`;
/// build profile as given).
#[test]
#[ignore = "timing, run by hand"]
fn dense_top_k_latency_on_100k_items() {
    use rand::{RngExt, SeedableRng};
    let (n, dim) = (100_000usize, 384usize);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut unit = |len: usize| {
        let v: Vec<f32> = (0..len).map(|_| rng.random::<f32>() - 0.5).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect::<Vec<f32>>()
    };
    let vectors: Vec<f32> = (0..n).flat_map(|_| unit(dim)).collect();
    let index = DenseIndex::from_vectors(dim, vectors, "random");
    let queries: Vec<Vec<f32>> = (0..200).map(|_| unit(dim)).collect();
    let mut us: Vec<f64> = queries
        .iter()
        .map(|q| {
            let t = std::time::Instant::now();
            let top = index.top_k(q, 10, |_| true);
            assert_eq!(top.len(), 10);
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    us.sort_by(f64::total_cmp);
    println!(
        "dense top-10 over {n} x {dim}: p50 {:.0} µs, p99 {:.0} µs",
        us[us.len() / 2],
        us[us.len() * 99 / 100]
    );
}
