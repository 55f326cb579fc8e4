//! Streaming readers: files in, [`Record`]s out.
//!
//! [`open`] detects (or is told) the format of a file or data-set folder and
//! returns a [`Source`]: an iterator of records, or of [`RowError`]s for rows
//! that cannot be read. Readers never hold a whole large file in memory, and a
//! bad row never stops the rest. Records come in the order the store needs:
//! items, users, events, judgments. [`inspect`] previews a file for the
//! import dialog and `import --dry-run`.

mod columns;
mod datasets;
mod entities;
mod generic;
mod input;
mod lines;
mod names;
mod parquet;
mod rows;
mod table;
mod value;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::{Deserialize, Serialize};

pub use columns::{Field, Mapping};
pub use generic::Kind;
pub use input::{GZIP_MAX_RATIO, SNIFF_BYTES};
pub use table::{Encoding, MAX_ROW_BYTES, MAX_ROW_LINES, MixedEncoding};
pub use value::{Decimal, TimeFormat, parse_decimal, parse_price, parse_price_in, parse_timestamp};

use crate::error::{Error, Result, RowError};
use crate::model::{EventKind, Record};
use lines::{Line, Lines};
use rows::{Output, Stream, stream};
use table::{Position, Table, TableOptions};

/// File formats ShopLab reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Detect from the path, file names and header.
    #[default]
    Auto,
    /// Generic catalog (CSV / TSV / JSONL).
    Catalog,
    /// Generic events.
    Events,
    /// Generic users.
    Users,
    /// Generic search judgments.
    Judgments,
    /// MovieLens 100K folder (`u.data`, `u.item`, `u.user`).
    #[serde(rename = "movielens100k")]
    MovieLens100k,
    /// MovieLens 1M folder (`ratings.dat`, `movies.dat`, `users.dat`).
    #[serde(rename = "movielens1m")]
    MovieLens1m,
    /// MovieLens latest CSV folder (`ratings.csv`, `movies.csv`).
    #[serde(rename = "movielens_csv")]
    MovieLensCsv,
    /// RecBole atomic files (`NAME.inter`, `.item`, `.user`).
    RecBole,
    /// RetailRocket folder.
    RetailRocket,
    /// Wayfair WANDS folder.
    Wands,
    /// Amazon ESCI shopping queries folder.
    Esci,
    /// Home Depot search relevance file.
    HomeDepot,
    /// Instacart folder.
    Instacart,
}

impl Format {
    /// Every format, for help texts.
    pub const ALL: [Format; 14] = [
        Format::Auto,
        Format::Catalog,
        Format::Events,
        Format::Users,
        Format::Judgments,
        Format::MovieLens100k,
        Format::MovieLens1m,
        Format::MovieLensCsv,
        Format::RecBole,
        Format::RetailRocket,
        Format::Wands,
        Format::Esci,
        Format::HomeDepot,
        Format::Instacart,
    ];

    /// Name as used by `--format`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Catalog => "catalog",
            Format::Events => "events",
            Format::Users => "users",
            Format::Judgments => "judgments",
            Format::MovieLens100k => "movielens100k",
            Format::MovieLens1m => "movielens1m",
            Format::MovieLensCsv => "movielens_csv",
            Format::RecBole => "recbole",
            Format::RetailRocket => "retailrocket",
            Format::Wands => "wands",
            Format::Esci => "esci",
            Format::HomeDepot => "homedepot",
            Format::Instacart => "instacart",
        }
    }

    /// Whether the reader makes up event times because the data has none
    /// (Instacart: each shopper's first order on 2017-01-01, later orders by
    /// their days since the prior order), so calendar dates mean nothing.
    pub fn times_derived(self) -> bool {
        matches!(self, Format::Instacart)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let k = s.trim().to_ascii_lowercase().replace('-', "_");
        Format::ALL
            .into_iter()
            .find(|f| f.name() == k || f.name().replace('_', "") == k.replace('_', ""))
            .ok_or_else(|| {
                format!(
                    "unknown format '{s}'; formats: {}",
                    Format::ALL.map(Format::name).join(", ")
                )
            })
    }
}

/// How to read a file. The same struct drives the CLI flags and the GUI dialog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReadOptions {
    /// Format (default: detect).
    pub format: Format,
    /// Column separator (default: detect among `,` tab `;` `|`).
    pub delimiter: Option<u8>,
    /// Text encoding (default: UTF-8 if the start of the file is valid UTF-8, else Windows-1252).
    pub encoding: Option<String>,
    /// Canonical field -> column name, overriding detection (generic formats).
    pub mapping: BTreeMap<String, String>,
    /// chrono strftime pattern of timestamps (default: detect per value).
    pub timestamp_format: Option<String>,
    /// Event kind for event files without an event column.
    pub default_kind: Option<EventKind>,
}

/// What progress counts: bytes of the files as stored.
pub const PROGRESS_UNIT: &str = "bytes";

/// A stream of records from one file or data set.
pub struct Source {
    inner: Stream,
    format: Format,
    files: Vec<PathBuf>,
    pos: Arc<Position>,
    total_bytes: u64,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("format", &self.format)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl Iterator for Source {
    type Item = Output;
    fn next(&mut self) -> Option<Output> {
        self.inner.next()
    }
}

impl Source {
    /// The format being read.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The files this source reads (for fingerprints and messages).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Bytes read so far over all files.
    pub fn bytes_read(&self) -> u64 {
        // Line readers count a newline after the last line even when the
        // file lacks one; never report more than the whole.
        self.pos.bytes.load(Ordering::Relaxed).min(self.total_bytes)
    }

    /// Total bytes of all files.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Unit of [`Source::bytes_read`] and [`Source::total_bytes`], for
    /// progress displays: bytes of the files as stored on disk (compressed
    /// bytes for a `.gz` file).
    pub fn progress_unit(&self) -> &'static str {
        PROGRESS_UNIT
    }

    /// Files some of whose rows were read in another encoding than the
    /// file's own so far (e.g. Latin-1 rows in a UTF-8 file): the text is
    /// right, but the user should be told.
    pub fn mixed_encodings(&self) -> Vec<MixedEncoding> {
        self.tracker().mixed_encodings()
    }

    /// File and 1-based line of the row read last.
    pub fn position(&self) -> Option<(PathBuf, u64)> {
        self.pos.current()
    }

    /// A handle on this source's position that stays valid while the source
    /// itself is read on another thread.
    pub fn tracker(&self) -> Tracker {
        Tracker {
            pos: self.pos.clone(),
            total_bytes: self.total_bytes,
        }
    }
}

/// Where a record was read: an opaque file index and a 1-based line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor(u64, u64);

/// Progress and positions of a [`Source`], shareable across threads.
#[derive(Debug, Clone)]
pub struct Tracker {
    pos: Arc<Position>,
    total_bytes: u64,
}

impl Tracker {
    /// Bytes read so far (as [`Source::bytes_read`]).
    pub fn bytes_read(&self) -> u64 {
        self.pos.bytes.load(Ordering::Relaxed).min(self.total_bytes)
    }

    /// Total bytes of all files.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// See [`Source::mixed_encodings`].
    pub fn mixed_encodings(&self) -> Vec<MixedEncoding> {
        self.pos
            .mixed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// See [`Source::progress_unit`].
    pub fn progress_unit(&self) -> &'static str {
        PROGRESS_UNIT
    }

    /// Position of the record read last; cheap, for tagging every record.
    pub fn cursor(&self) -> Cursor {
        let (f, l) = self.pos.cursor();
        Cursor(f, l)
    }

    /// File path and line of a cursor.
    pub fn locate(&self, c: Cursor) -> Option<(PathBuf, u64)> {
        self.pos.locate((c.0, c.1))
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// What `path` is, and the folder and (for RecBole) the data-set name.
fn detect(path: &Path, opts: &ReadOptions) -> Result<(Format, PathBuf, String)> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let (dir, name) = if meta.is_dir() {
        (path.to_path_buf(), String::new())
    } else {
        (
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            file_name(path),
        )
    };
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    let has = |n: &str| dir.join(n).is_file();
    let recbole_name = || -> Option<String> {
        if meta.is_file() {
            let stem = path.file_stem()?.to_str()?;
            return Some(stem.split('.').next().unwrap_or(stem).to_string());
        }
        std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| e.ok())
            .find_map(|e| {
                let n = e.file_name().to_str()?.to_string();
                n.strip_suffix(".inter")
                    .filter(|s| !s.contains('.'))
                    .map(str::to_string)
            })
    };
    if opts.format != Format::Auto {
        let rb = if opts.format == Format::RecBole {
            recbole_name().unwrap_or_default()
        } else {
            String::new()
        };
        return Ok((opts.format, dir, rb));
    }
    let f = if meta.is_dir() {
        if has("u.data") {
            Format::MovieLens100k
        } else if has("ratings.dat") {
            Format::MovieLens1m
        } else if has("ratings.csv") && has("movies.csv") {
            Format::MovieLensCsv
        } else if recbole_name().is_some() {
            Format::RecBole
        } else if has("events.csv")
            && (has("category_tree.csv") || has("item_properties_part1.csv"))
        {
            Format::RetailRocket
        } else if has("label.csv") && has("product.csv") && has("query.csv") {
            Format::Wands
        } else if has("shopping_queries_dataset_examples.csv")
            || has("shopping_queries_dataset_examples.parquet")
        {
            Format::Esci
        } else if has("products.csv") && has("aisles.csv") {
            Format::Instacart
        } else {
            return Err(Error::Unreadable {
                path: path.to_path_buf(),
                reason: format!(
                    "is a folder ShopLab does not recognise; {}",
                    crate::hint::FOLDER_UNKNOWN.cli
                ),
            });
        }
    } else if name.ends_with(".inter") || name.ends_with(".item") || name.ends_with(".user") {
        Format::RecBole
    } else if name == "u.data" || name == "u.item" {
        Format::MovieLens100k
    } else if name.ends_with(".dat") && has("ratings.dat") {
        Format::MovieLens1m
    } else if (name.starts_with("order_lines") || name.starts_with("order_products"))
        && has("products.csv")
    {
        Format::Instacart
    } else {
        let sniffed = table::sniff(path, opts.delimiter, opts.encoding.as_deref())?;
        let header = sniffed.first_line.to_ascii_lowercase();
        if header.contains("product_uid") && header.contains("search_term") {
            Format::HomeDepot
        } else if header.contains("visitorid") && header.contains("transactionid") {
            Format::RetailRocket
        } else {
            // A generic file: the kind is decided from its columns in `generic_source`.
            Format::Auto
        }
    };
    let rb = if f == Format::RecBole {
        recbole_name().unwrap_or_default()
    } else {
        String::new()
    };
    Ok((f, dir, rb))
}

/// Opens a file or data-set folder for reading.
pub fn open(path: &Path, opts: &ReadOptions) -> Result<Source> {
    let (format, dir, rb_name) = detect(path, opts)?;
    let pos = Arc::new(Position::default());
    let (format, inner) = match format {
        Format::Auto | Format::Catalog | Format::Events | Format::Users | Format::Judgments => {
            generic_source(path, format, opts, &pos)?
        }
        Format::MovieLens100k => (format, datasets::movielens_100k(&dir, &pos)?),
        Format::MovieLens1m => (format, datasets::movielens_1m(&dir, &pos)?),
        Format::MovieLensCsv => (format, datasets::movielens_csv(&dir, &pos)?),
        Format::RecBole => (format, datasets::recbole(&dir, &rb_name, &pos)?),
        Format::RetailRocket => (format, datasets::retailrocket(&dir, &pos)?),
        Format::Wands => (format, datasets::wands(&dir, &pos)?),
        Format::Esci => (format, datasets::esci(&dir, &pos)?),
        Format::HomeDepot => {
            let file = if path.is_dir() {
                dir.join("train.csv")
            } else {
                path.to_path_buf()
            };
            (
                format,
                datasets::home_depot(&file, opts.encoding.as_deref(), &pos)?,
            )
        }
        Format::Instacart => {
            let lines = if path.is_file() {
                path.to_path_buf()
            } else {
                std::fs::read_dir(&dir)
                    .map_err(|e| Error::Io {
                        path: dir.clone(),
                        source: e,
                    })?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .find(|p| file_name(p).starts_with("order_lines"))
                    .ok_or_else(|| Error::Unreadable {
                        path: dir.clone(),
                        reason: "has no order_lines*.csv file (orders joined with their lines)"
                            .into(),
                    })?
            };
            (format, datasets::instacart(&dir, &lines, &pos)?)
        }
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for f in pos.files.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        if !files.contains(f) {
            files.push(f.clone());
        }
    }
    let total_bytes = pos.total.load(Ordering::Relaxed);
    Ok(Source {
        inner,
        format,
        files,
        pos,
        total_bytes,
    })
}

fn generic_source(
    path: &Path,
    format: Format,
    opts: &ReadOptions,
    pos: &Arc<Position>,
) -> Result<(Format, Stream)> {
    let time = match &opts.timestamp_format {
        Some(p) => TimeFormat::Pattern(p.clone()),
        None => TimeFormat::Auto,
    };
    let forced = match format {
        Format::Catalog => Some(Kind::Catalog),
        Format::Events => Some(Kind::Events),
        Format::Users => Some(Kind::Users),
        Format::Judgments => Some(Kind::Judgments),
        _ => None,
    };
    if is_json(path) {
        return jsonl_source(path, forced, time, opts, pos);
    }
    let table = Table::open(
        path,
        TableOptions {
            delimiter: opts.delimiter,
            encoding: opts.encoding.as_deref(),
            ..TableOptions::default()
        },
        pos.clone(),
    )?;
    let mapping =
        Mapping::resolve(&table.header, &opts.mapping).map_err(|reason| Error::Unreadable {
            path: path.to_path_buf(),
            reason,
        })?;
    let kind = forced
        .or_else(|| generic::detect_kind(&mapping))
        .ok_or_else(|| Error::Unreadable {
            path: path.to_path_buf(),
            reason: format!(
                "cannot tell what this file holds from its columns ({}); {}",
                names::list(&table.header),
                crate::hint::KIND_AND_MAP.cli
            ),
        })?;
    check_required(path, kind, &mapping, &table.header)?;
    let format = match kind {
        Kind::Catalog => Format::Catalog,
        Kind::Events => Format::Events,
        Kind::Users => Format::Users,
        Kind::Judgments => Format::Judgments,
    };
    let Numbers {
        decimals,
        price_sign,
    } = decide_numbers(path, opts, &mapping, table.delimiter())?;
    let mut mapper =
        generic::RowMapper::new(kind, mapping, time, opts.default_kind, table.header.clone());
    for (f, d) in decimals {
        mapper = mapper.with_decimal(f, d);
    }
    let mapper = mapper.with_price_sign(price_sign);
    Ok((
        format,
        stream(table, move |row, out| out.push_back(mapper.map(row))),
    ))
}

/// Rows sampled from the start of a file to decide how its numbers are written.
const DECIMAL_SAMPLE_ROWS: usize = 5_000;

/// How a file writes its numbers, decided once from the values at its start.
#[derive(Debug, Default)]
struct Numbers {
    /// The decimal separator of each numeric column (see [`Decimal::decide`]).
    decimals: Vec<(Field, Decimal)>,
    /// The price column's currency sign (see [`value::decide_currency`]).
    price_sign: Option<char>,
}

/// Decimal separators and the price currency of a file's numeric columns.
fn decide_numbers(
    path: &Path,
    opts: &ReadOptions,
    mapping: &Mapping,
    delimiter: u8,
) -> Result<Numbers> {
    let cols: Vec<(Field, usize)> = generic::NUMERIC
        .iter()
        .filter_map(|&f| Some((f, mapping.get(f)?)))
        .collect();
    if cols.is_empty() {
        return Ok(Numbers::default());
    }
    let mut t = Table::open(
        path,
        TableOptions {
            delimiter: Some(delimiter),
            encoding: opts.encoding.as_deref(),
            ..TableOptions::default()
        },
        Arc::new(Position::default()),
    )?;
    let mut values: Vec<Vec<String>> = vec![Vec::new(); cols.len()];
    let mut prices: Vec<String> = Vec::new();
    let mut rows = 0;
    while rows < DECIMAL_SAMPLE_ROWS {
        let Some(row) = t.next_row() else { break };
        rows += 1;
        if let Ok(row) = row {
            for (k, (f, i)) in cols.iter().enumerate() {
                let v = row.get(Some(*i));
                if v.contains([',', '.']) {
                    values[k].push(v.to_string());
                }
                if *f == Field::Price && value::currency_sign(v).is_some() {
                    prices.push(v.to_string());
                }
            }
        }
    }
    // European spreadsheets write `;`-separated files with decimal commas.
    let hint = if delimiter == b';' {
        Decimal::Comma
    } else {
        Decimal::Point
    };
    Ok(Numbers {
        decimals: cols
            .iter()
            .zip(&values)
            .map(|((f, _), v)| (*f, Decimal::decide(v.iter().map(String::as_str), hint)))
            .collect(),
        price_sign: value::decide_currency(prices.iter().map(String::as_str)),
    })
}

fn is_json(path: &Path) -> bool {
    let name = file_name(path);
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json")
}

fn check_required(path: &Path, kind: Kind, mapping: &Mapping, header: &[String]) -> Result<()> {
    let missing: Vec<&str> = generic::required(kind)
        .iter()
        .filter(|f| !mapping.has(**f))
        .map(|f| f.name())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Unreadable {
        path: path.to_path_buf(),
        reason: format!(
            "{}; {}",
            format!(
                "a {kind:?} file needs the column(s) {} but has {}",
                missing.join(", "),
                names::list(header)
            )
            .to_lowercase(),
            crate::hint::MAP_COLUMN.cli_with(&missing[0].to_lowercase())
        ),
    })
}

/// Lines looked at to tell what a JSON lines file holds before reading it.
const JSON_PEEK_LINES: usize = 1_000;

/// One JSON object line as a header and a row of text values, or why not.
fn json_row(bytes: &[u8]) -> std::result::Result<(Vec<String>, table::OwnedFields), String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "not valid UTF-8 text; JSON lines files must be UTF-8".to_string())?;
    if text.contains('\0') {
        return Err("holds a NUL byte, which text never has; the row is skipped".into());
    }
    let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(o)) => o,
        Ok(_) => return Err("line is not a JSON object".into()),
        Err(e) => return Err(format!("not valid JSON: {e}")),
    };
    let mut header = Vec::new();
    let mut record = table::OwnedFields::default();
    for (k, v) in &obj {
        match (k.as_str(), v) {
            ("attributes", serde_json::Value::Object(attrs)) => {
                for (ak, av) in attrs {
                    header.push(format!("attr:{ak}"));
                    record.push_field(&json_text(av));
                }
            }
            _ => {
                header.push(k.clone());
                record.push_field(&json_text(v));
            }
        }
    }
    Ok((header, record))
}

/// JSON lines: one object per line; keys are matched like CSV headers, and a
/// nested `attributes` object becomes `attr:` columns. What the file holds
/// is told from its first object (or `--format`).
fn jsonl_source(
    path: &Path,
    forced: Option<Kind>,
    time: TimeFormat,
    opts: &ReadOptions,
    pos: &Arc<Position>,
) -> Result<(Format, Stream)> {
    let input = input::open_text(path, Some("utf-8"))?;
    let consumed = input.consumed.clone();
    let idx = pos.register(path);
    let mut lines = Lines::new(input.reader, false);
    let overrides = opts.mapping.clone();
    let mut kind = forced;
    if kind.is_none() {
        // Peek at the first objects, then read them again as rows.
        let mut peeked = Vec::new();
        let mut long = None;
        for _ in 0..JSON_PEEK_LINES {
            let at = peeked.len();
            match lines.next(&mut peeked) {
                Ok(Line::Text(_)) => {}
                Ok(Line::Long(l, n)) => {
                    long = Some((l, n));
                    break;
                }
                Ok(Line::End) | Err(_) => break,
            }
            if let Ok((header, _)) = json_row(&peeked[at..])
                && let Ok(m) = Mapping::resolve(&header, &overrides)
                && let Some(k) = generic::detect_kind(&m)
            {
                kind = Some(k);
                break;
            }
        }
        // A long line ends the peek; it is reported after the lines before it.
        lines.replay(&peeked, 1, long);
    }
    let path = path.to_path_buf();
    let default_kind = opts.default_kind;
    let pos = pos.clone();
    let mut buf = Vec::new();
    let mut mapper: Option<generic::RowMapper> = None;
    let iter = std::iter::from_fn(move || {
        loop {
            buf.clear();
            let next = lines.next(&mut buf);
            pos.file.store(idx, Ordering::Relaxed);
            pos.at(consumed.load(Ordering::Relaxed));
            let reject = |line: u64, reason: String, raw: &[u8]| RowError {
                file: path.clone(),
                line,
                column: None,
                reason,
                raw: table::raw_bytes(raw),
            };
            let line_no = match next {
                Ok(Line::End) => {
                    pos.advance(consumed.load(Ordering::Relaxed));
                    return None;
                }
                Err(e) => {
                    pos.advance(consumed.load(Ordering::Relaxed));
                    // Nothing after a read failure can be trusted: stop here.
                    lines = Lines::new(Box::new(std::io::empty()), false);
                    return Some(Err(reject(
                        pos.line.load(Ordering::Relaxed) + 1,
                        format!(
                            "cannot read the file past this point ({e}); the rows after it were not read"
                        ),
                        b"",
                    )));
                }
                Ok(Line::Long(l, n)) => {
                    pos.line.store(l, Ordering::Relaxed);
                    return Some(Err(reject(
                        l,
                        format!("row is {n} bytes, over the 1 MiB limit"),
                        b"",
                    )));
                }
                Ok(Line::Text(l)) => l,
            };
            pos.line.store(line_no, Ordering::Relaxed);
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let (header, record) = match json_row(&buf) {
                Ok(r) => r,
                Err(reason) => return Some(Err(reject(line_no, reason, &buf))),
            };
            // Consecutive objects with the same keys share one mapping.
            let reuse = mapper.as_ref().is_some_and(|m| m.header == header);
            if !reuse {
                let mapping = match Mapping::resolve(&header, &overrides) {
                    Ok(m) => m,
                    Err(r) => return Some(Err(reject(line_no, r, &buf))),
                };
                let k = match kind.or_else(|| generic::detect_kind(&mapping)) {
                    Some(k) => k,
                    None => {
                        return Some(Err(reject(
                            line_no,
                            "cannot tell what this object is (no item_id / user_id keys)".into(),
                            &buf,
                        )));
                    }
                };
                kind = Some(k);
                mapper = Some(generic::RowMapper::new(
                    k,
                    mapping,
                    time.clone(),
                    default_kind,
                    header,
                ));
            }
            let row = table::Row {
                line: line_no,
                fields: record.as_fields(),
                path: &path,
            };
            return mapper.as_ref().map(|m| m.map(&row));
        }
    });
    let format = match kind {
        Some(Kind::Catalog) => Format::Catalog,
        Some(Kind::Events) => Format::Events,
        Some(Kind::Users) => Format::Users,
        Some(Kind::Judgments) => Format::Judgments,
        None => Format::Auto,
    };
    Ok((format, Box::new(iter)))
}

fn json_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(json_text).collect::<Vec<_>>().join(" > "),
        other => other.to_string(),
    }
}

/// A preview of what importing a file would do.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    /// Format detected (or given).
    pub format: Format,
    /// Files that would be read.
    pub files: Vec<PathBuf>,
    /// Separator, for delimited files.
    pub delimiter: Option<String>,
    /// Encoding, for delimited files.
    pub encoding: Option<String>,
    /// True when the file is gzip-compressed.
    pub gzip: bool,
    /// Decimal separator of each numeric column (column -> `point` / `comma`).
    pub decimals: BTreeMap<String, Decimal>,
    /// The currency sign most prices carry (`$`), if they carry one; prices
    /// with another sign are rejected at import.
    #[serde(default)]
    pub currency: Option<String>,
    /// Rows of the previewed part read in another encoding than the file's.
    pub mixed_encodings: Vec<MixedEncoding>,
    /// Header columns, for generic files.
    pub header: Vec<String>,
    /// Canonical field -> column, for generic files.
    pub mapping: BTreeMap<String, String>,
    /// Columns kept as item / user attributes.
    pub attributes: Vec<String>,
    /// The first records as they would be stored.
    pub records: Vec<Record>,
    /// Problems in the first rows.
    pub errors: Vec<RowError>,
}

/// Reads the start of a file and shows how it would be imported.
pub fn inspect(path: &Path, opts: &ReadOptions) -> Result<Preview> {
    let mut source = open(path, opts)?;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for out in source.by_ref().take(10) {
        match out {
            Ok(r) => records.push(r),
            Err(e) => errors.push(e),
        }
    }
    let mut preview = Preview {
        format: source.format(),
        files: source.files().to_vec(),
        delimiter: None,
        encoding: None,
        gzip: false,
        decimals: BTreeMap::new(),
        currency: None,
        mixed_encodings: source.mixed_encodings(),
        header: Vec::new(),
        mapping: BTreeMap::new(),
        attributes: Vec::new(),
        records,
        errors,
    };
    let generic = matches!(
        source.format(),
        Format::Auto | Format::Catalog | Format::Events | Format::Users | Format::Judgments
    );
    if generic && path.is_file() && !is_json(path) {
        let s = table::sniff(path, opts.delimiter, opts.encoding.as_deref())?;
        let t = Table::open(
            path,
            TableOptions {
                delimiter: Some(s.delimiter),
                encoding: Some(s.encoding.name()),
                ..TableOptions::default()
            },
            Arc::new(Position::default()),
        )?;
        let m = Mapping::resolve(&t.header, &opts.mapping).map_err(|reason| Error::Unreadable {
            path: path.to_path_buf(),
            reason,
        })?;
        preview.delimiter = Some(match s.delimiter {
            b'\t' => "tab".to_string(),
            d => (d as char).to_string(),
        });
        preview.encoding = Some(s.encoding.name().to_string());
        preview.gzip = s.gzip;
        let numbers = decide_numbers(path, opts, &m, s.delimiter)?;
        preview.currency = numbers.price_sign.map(String::from);
        preview.decimals = numbers
            .decimals
            .into_iter()
            .filter_map(|(f, d)| Some((t.header.get(m.get(f)?)?.clone(), d)))
            .collect();
        preview.mapping = m
            .fields
            .iter()
            .map(|(f, i)| (f.name().to_string(), t.header[*i].clone()))
            .collect();
        preview.attributes = m.attributes.iter().map(|(_, n)| n.clone()).collect();
        preview.header = t.header.clone();
    }
    Ok(preview)
}

impl fmt::Display for Preview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "format: {}", self.format)?;
        for file in &self.files {
            writeln!(f, "file: {}", file.display())?;
        }
        if let (Some(d), Some(e)) = (&self.delimiter, &self.encoding) {
            let gz = if self.gzip {
                "   compression: gzip"
            } else {
                ""
            };
            writeln!(f, "separator: {d}   encoding: {e}{gz}")?;
        }
        for (column, d) in &self.decimals {
            let d = match d {
                Decimal::Point => "a decimal point (1,234.50)",
                Decimal::Comma => "a decimal comma (1.234,50)",
            };
            writeln!(f, "numbers in {column}: {d}")?;
        }
        if let Some(c) = &self.currency {
            writeln!(
                f,
                "prices in {c} (stored without the sign; prices written with another sign are rejected)"
            )?;
        }
        for m in &self.mixed_encodings {
            writeln!(f, "warning: {m}")?;
        }
        if !self.mapping.is_empty() {
            writeln!(f, "columns:")?;
            for (field, column) in &self.mapping {
                writeln!(f, "  {field:<12} <- {column}")?;
            }
        }
        if !self.attributes.is_empty() {
            writeln!(f, "  kept as attributes: {}", self.attributes.join(", "))?;
        }
        writeln!(f, "first records:")?;
        for r in &self.records {
            writeln!(f, "  {}", serde_json::to_string(r).unwrap_or_default())?;
        }
        for e in &self.errors {
            writeln!(f, "  rejected {e}")?;
        }
        Ok(())
    }
}
