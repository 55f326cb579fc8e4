//! The fuzz targets' bodies, shared with the corpus test in
//! `datasets/tests/fuzz_corpus.rs` (which runs every corpus file through
//! them on stable Rust, so CI checks the corpus without the fuzzer).
//! Files are written to a private folder in memory; every reader output
//! must pass the checks in [`read_all`].

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use shoplab_datasets::read::{
    Decimal, Format, ReadOptions, TimeFormat, inspect, open, parse_decimal, parse_price_in,
    parse_timestamp,
};

/// A folder of this thread (in /dev/shm when there is one), emptied.
pub fn scratch() -> PathBuf {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let thread = format!("{:?}", std::thread::current().id())
        .replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let dir = base.join(format!("shoplab-fuzz-{}-{thread}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Reads `path` to its end and checks what comes out; then previews it.
pub fn read_all(path: &Path, opts: &ReadOptions) {
    if let Ok(source) = open(path, opts) {
        let mut n = 0usize;
        for out in source {
            if let Err(e) = out {
                // Messages stay short whatever the file holds.
                assert!(e.reason.len() < 4_000, "reason of {} bytes", e.reason.len());
                assert!(e.raw.len() <= 310, "raw of {} bytes", e.raw.len());
                assert!(e.column.as_ref().is_none_or(|c| c.len() < 400));
            }
            n += 1;
            assert!(n < 10_000_000);
        }
    } else if let Err(e) = open(path, opts) {
        assert!(
            e.to_string().len() < 8_000,
            "error of {} bytes",
            e.to_string().len()
        );
    }
    let _ = inspect(path, opts).map(|p| p.to_string());
}

const GENERIC_NAMES: [&str; 8] = [
    "items.csv",
    "events.tsv",
    "rows.jsonl",
    "items.csv.gz",
    "rows.jsonl.gz",
    "data.txt",
    "e.csv",
    "j.json",
];
const FORMATS: [Format; 4] = [
    Format::Auto,
    Format::Catalog,
    Format::Events,
    Format::Judgments,
];
const ENCODINGS: [Option<&str>; 4] = [None, None, Some("utf-16le"), Some("gb18030")];

/// Generic files (CSV, TSV, JSON lines, gzip of them): the first byte picks
/// the file name, the format and the encoding option; the rest is the file.
pub fn generic(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let name = GENERIC_NAMES[usize::from(sel) % GENERIC_NAMES.len()];
    let bytes = if name.ends_with(".gz") && sel & 0x80 == 0 {
        // Mostly well-formed archives, so the reader behind them is reached;
        // with the high bit set the raw bytes test the decompressor's errors.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(body).expect("in memory");
        gz.finish().expect("in memory")
    } else {
        body.to_vec()
    };
    let path = dir.join(name);
    std::fs::write(&path, &bytes).expect("scratch file");
    let opts = ReadOptions {
        format: FORMATS[usize::from(sel >> 3) % FORMATS.len()],
        encoding: ENCODINGS[usize::from(sel >> 5) % ENCODINGS.len()].map(str::to_string),
        ..ReadOptions::default()
    };
    read_all(&path, &opts);
}

const LAYOUTS: [(Format, &[&str]); 9] = [
    (Format::MovieLens100k, &["u.item", "u.data", "u.user"]),
    (
        Format::MovieLens1m,
        &["movies.dat", "ratings.dat", "users.dat"],
    ),
    (Format::MovieLensCsv, &["movies.csv", "ratings.csv"]),
    (Format::RecBole, &["ml.inter", "ml.item", "ml.user"]),
    (
        Format::RetailRocket,
        &[
            "events.csv",
            "category_tree.csv",
            "item_properties_part1.csv",
        ],
    ),
    (Format::Wands, &["query.csv", "product.csv", "label.csv"]),
    (
        Format::Esci,
        &[
            "shopping_queries_dataset_products.csv",
            "shopping_queries_dataset_examples.csv",
        ],
    ),
    (Format::HomeDepot, &["train.csv"]),
    (
        Format::Instacart,
        &[
            "products.csv",
            "aisles.csv",
            "departments.csv",
            "order_lines.csv",
        ],
    ),
];

fn split<'a>(mut data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(i) = data.windows(sep.len()).position(|w| w == sep) {
        parts.push(&data[..i]);
        data = &data[i + sep.len()..];
    }
    parts.push(data);
    parts
}

/// Data-set folders: the first byte picks a layout, the rest is split on
/// `\n@@\n` into its files, in the order listed.
pub fn datasets(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let (format, files) = LAYOUTS[usize::from(sel) % LAYOUTS.len()];
    let dir = scratch();
    for (name, bytes) in files.iter().zip(split(body, b"\n@@\n")) {
        std::fs::write(dir.join(name), bytes).expect("scratch file");
    }
    // Detected from the folder, and named explicitly.
    let forced = ReadOptions {
        format,
        ..ReadOptions::default()
    };
    let target = if format == Format::HomeDepot {
        dir.join("train.csv")
    } else {
        dir.clone()
    };
    if sel & 0x80 == 0 {
        read_all(&target, &ReadOptions::default());
    } else {
        read_all(&target, &forced);
    }
}

const DETECT_NAMES: [&str; 12] = [
    "u.data",
    "u.item",
    "x.inter",
    "x.item",
    "ratings.dat",
    "train.csv",
    "order_lines.csv",
    "events.csv",
    "data.csv",
    "data.gz",
    "data.ndjson",
    "noext",
];

/// Format detection and previews: one file under a name that steers
/// detection (data-set file names, extensions), read with defaults.
pub fn detect(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let dir = scratch();
    let path = dir.join(DETECT_NAMES[usize::from(sel) % DETECT_NAMES.len()]);
    std::fs::write(&path, body).expect("scratch file");
    if sel & 0x80 != 0 {
        // Side files some detections look for.
        let _ = std::fs::write(
            dir.join("products.csv"),
            b"product_id,product_name,aisle_id,department_id\n1,a,1,1\n",
        );
        let _ = std::fs::write(dir.join("ratings.dat"), b"1::1::5::978300760\n");
    }
    let delimiter = match sel & 0x60 {
        0x20 => Some(b';'),
        0x40 => Some(b'\t'),
        _ => None,
    };
    let opts = ReadOptions {
        delimiter,
        ..ReadOptions::default()
    };
    read_all(&path, &opts);
}

/// Cell values: numbers, prices and timestamps never panic, never give a
/// negative or non-finite price, and a number read both ways gives the
/// same value unless it is ambiguous (`1,234`): never 100x off.
pub fn values(text: &str) {
    let point = parse_price_in(text, Decimal::Point);
    let comma = parse_price_in(text, Decimal::Comma);
    for p in [&point, &comma] {
        if let Ok(Some(v)) = p {
            assert!(v.is_finite() && *v >= 0.0, "{text:?} -> {v}");
        }
    }
    if let (Ok(Some(a)), Ok(Some(b))) = (&point, &comma)
        && a != b
    {
        assert_eq!(Decimal::shown_by(text.trim()), None, "{text:?}: {a} vs {b}");
    }
    let a = parse_decimal(text, "v", Decimal::Point);
    let b = parse_decimal(text, "v", Decimal::Comma);
    if let (Ok(a), Ok(b)) = (a, b)
        && a != b
    {
        assert_eq!(Decimal::shown_by(text), None, "{text:?}: {a} vs {b}");
    }
    let _ = parse_timestamp(text, &TimeFormat::Auto);
    let _ = parse_timestamp(text, &TimeFormat::Pattern("%d.%m.%Y %H:%M".into()));
}
