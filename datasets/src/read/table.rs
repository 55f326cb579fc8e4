//! Delimited text files read row by row: encoding, separator, binary-file
//! and over-long-row checks, and 1-based line numbers for every row.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use csv::{ByteRecord, StringRecord};

use crate::error::{Error, Result, RowError};

/// Rows longer than this are rejected (and skipped) instead of parsed.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// Text encodings ShopLab reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped).
    Utf8,
    /// Windows-1252, a superset of Latin-1 (ISO 8859-1) for printable text.
    Windows1252,
}

impl Encoding {
    /// Name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// Parses a user-given name.
    pub fn parse(name: &str, path: &Path) -> Result<Encoding> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "windows-1252" | "cp1252" => {
                Ok(Encoding::Windows1252)
            }
            other => Err(Error::Unreadable {
                path: path.to_path_buf(),
                reason: format!("unknown encoding '{other}'; use utf-8 or windows-1252 (latin-1)"),
            }),
        }
    }
}

/// Where reading is: shared with [`crate::read::Source`] for progress and
/// for naming the line of a record the store rejects.
#[derive(Debug, Default)]
pub struct Position {
    /// Line of the row returned last.
    pub line: AtomicU64,
    /// Bytes streamed so far over all files (progress numerator).
    pub bytes: AtomicU64,
    /// Bytes of the streamed files read to their end.
    finished: AtomicU64,
    /// Sizes of the streamed files (progress denominator).
    pub total: AtomicU64,
    /// Index into `files` of the file being read.
    pub file: AtomicU64,
    /// Every file opened so far.
    pub files: std::sync::Mutex<Vec<PathBuf>>,
}

impl Position {
    /// Registers a file whose records are streamed and returns its index.
    pub fn register(&self, path: &Path) -> u64 {
        let size = std::fs::metadata(path).map_or(0, |m| m.len());
        self.total.fetch_add(size, Ordering::Relaxed);
        self.note(path)
    }

    /// Registers a file the records depend on (a side table read up front),
    /// so that it is fingerprinted, and returns its index.
    pub fn note(&self, path: &Path) -> u64 {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files.push(path.to_path_buf());
        (files.len() - 1) as u64
    }

    /// Counts `n` more bytes as read by a line reader.
    pub fn advance(&self, n: u64) {
        let done = self.finished.fetch_add(n, Ordering::Relaxed) + n;
        self.bytes.store(done, Ordering::Relaxed);
    }

    /// The current table is at byte `offset` of its file.
    fn at(&self, offset: u64) {
        let done = self.finished.load(Ordering::Relaxed);
        self.bytes.store(done + offset, Ordering::Relaxed);
    }

    /// The file and line of the row read last.
    pub fn current(&self) -> Option<(PathBuf, u64)> {
        self.locate(self.cursor())
    }

    /// File index and line of the row read last (two atomic loads: cheap
    /// enough to take for every record).
    pub fn cursor(&self) -> (u64, u64) {
        (
            self.file.load(Ordering::Relaxed),
            self.line.load(Ordering::Relaxed),
        )
    }

    /// The file path and line of a cursor.
    pub fn locate(&self, (file, line): (u64, u64)) -> Option<(PathBuf, u64)> {
        let files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        Some((files.get(file as usize)?.clone(), line))
    }
}

/// One data row.
pub struct Row<'a> {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The fields, decoded.
    pub fields: &'a StringRecord,
    /// The file.
    pub path: &'a Path,
}

impl Row<'_> {
    /// Field `i`, trimmed; empty when missing.
    pub fn get(&self, i: Option<usize>) -> &str {
        i.and_then(|i| self.fields.get(i)).map_or("", str::trim)
    }

    /// A rejection of this row.
    pub fn reject(&self, column: Option<&str>, reason: impl Into<String>) -> RowError {
        RowError {
            file: self.path.to_path_buf(),
            line: self.line,
            column: column.map(str::to_string),
            reason: reason.into(),
            raw: raw_text(self.fields.iter()),
        }
    }
}

fn raw_text<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let mut s = fields.collect::<Vec<_>>().join(",");
    if s.len() > 300 {
        let mut cut = 300;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// What sniffing the start of a file found.
#[derive(Debug, Clone)]
pub struct Sniffed {
    /// Separator.
    pub delimiter: u8,
    /// Encoding.
    pub encoding: Encoding,
    /// First line, decoded (the header when there is one).
    pub first_line: String,
    /// Non-blank lines, when the whole file fit in the sniffed block.
    pub lines_if_small: Option<usize>,
}

/// Reads the first 64 KiB: refuses binary and empty files, detects the
/// encoding and separator.
pub fn sniff(path: &Path, delimiter: Option<u8>, encoding: Option<&str>) -> Result<Sniffed> {
    let mut f = File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            reason: "is a folder; give a file, or pick a data-set format with --format".into(),
        });
    }
    let mut head = Vec::with_capacity(65536);
    f.by_ref()
        .take(65536)
        .read_to_end(&mut head)
        .map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            reason: "the file is empty; export the data again and check that the file has rows"
                .into(),
        });
    }
    if head.iter().take(8192).any(|&b| b == 0) {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            reason: "looks like a binary file, not text (it contains NUL bytes); export the data as CSV, TSV or JSON lines".into(),
        });
    }
    let body = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&head);
    let encoding = match encoding {
        Some(name) => Encoding::parse(name, path)?,
        None => {
            // A UTF-8 sequence cut at the 64 KiB boundary is still UTF-8.
            match std::str::from_utf8(body) {
                Ok(_) => Encoding::Utf8,
                Err(e) if e.error_len().is_none() => Encoding::Utf8,
                Err(_) => Encoding::Windows1252,
            }
        }
    };
    let first = body.split(|&b| b == b'\n').next().unwrap_or(body);
    let first_line = decode(first, encoding).trim_end_matches('\r').to_string();
    let delimiter = delimiter.unwrap_or_else(|| {
        [b',', b'\t', b';', b'|']
            .into_iter()
            .max_by_key(|d| first.iter().filter(|&&b| b == *d).count())
            .unwrap_or(b',')
    });
    let complete = f.read(&mut [0u8; 1]).map(|n| n == 0).unwrap_or(false);
    let lines_if_small = complete.then(|| {
        body.split(|&b| b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count()
    });
    Ok(Sniffed {
        delimiter,
        encoding,
        first_line,
        lines_if_small,
    })
}

fn decode(bytes: &[u8], enc: Encoding) -> String {
    match enc {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Windows1252 => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// A delimited file, read one row at a time with reused buffers.
pub struct Table {
    path: PathBuf,
    rdr: csv::Reader<BufReader<File>>,
    encoding: Encoding,
    bytes: ByteRecord,
    record: StringRecord,
    /// Column names (from the header, or `column1..N` without one).
    pub header: Vec<String>,
    width: usize,
    check_width: bool,
    pos: Arc<Position>,
    file_idx: u64,
    done: bool,
}

/// How to open a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct TableOptions<'a> {
    /// Separator (None = sniff).
    pub delimiter: Option<u8>,
    /// Encoding name (None = detect).
    pub encoding: Option<&'a str>,
    /// First row is a header.
    pub has_header: bool,
    /// Quotes are field delimiters (false for formats such as MovieLens `u.item`).
    pub quoting: bool,
    /// Reject rows whose field count differs from the header's.
    pub check_width: bool,
}

impl Default for TableOptions<'_> {
    fn default() -> Self {
        TableOptions {
            delimiter: None,
            encoding: None,
            has_header: true,
            quoting: true,
            check_width: true,
        }
    }
}

impl Table {
    /// Opens `path`; `pos` receives progress.
    pub fn open(path: &Path, opts: TableOptions<'_>, pos: Arc<Position>) -> Result<Table> {
        let sniffed = sniff(path, opts.delimiter, opts.encoding)?;
        if opts.has_header && sniffed.lines_if_small == Some(1) {
            return Err(Error::Unreadable {
                path: path.to_path_buf(),
                reason: "has a header but no data rows; export the data again with its rows".into(),
            });
        }
        let file = File::open(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        let rdr = csv::ReaderBuilder::new()
            .delimiter(sniffed.delimiter)
            .has_headers(false)
            .flexible(true)
            .quoting(opts.quoting)
            .from_reader(BufReader::with_capacity(1 << 16, file));
        let mut t = Table {
            path: path.to_path_buf(),
            rdr,
            encoding: sniffed.encoding,
            bytes: ByteRecord::new(),
            record: StringRecord::new(),
            header: Vec::new(),
            width: 0,
            check_width: opts.check_width,
            file_idx: pos.register(path),
            pos,
            done: false,
        };
        if opts.has_header {
            let mut raw = ByteRecord::new();
            let got = t
                .rdr
                .read_byte_record(&mut raw)
                .map_err(|e| Error::Unreadable {
                    path: path.to_path_buf(),
                    reason: format!("cannot read the header: {e}"),
                })?;
            if !got {
                return Err(Error::Unreadable {
                    path: path.to_path_buf(),
                    reason: "the file is empty".into(),
                });
            }
            t.header = raw
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut s = decode(f, t.encoding);
                    if i == 0 {
                        s = s.trim_start_matches('\u{feff}').to_string();
                    }
                    s.trim().to_string()
                })
                .collect();
            t.width = t.header.len();
        }
        Ok(t)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next row, or a rejection of it; `None` at the end. `Err` only for
    /// an I/O failure that stops the file.
    pub fn next_row(&mut self) -> Option<std::result::Result<Row<'_>, RowError>> {
        // The previous row's borrow has ended: reuse its buffer.
        self.recycle();
        loop {
            if self.done {
                return None;
            }
            match self.rdr.read_byte_record(&mut self.bytes) {
                Ok(false) => {
                    self.done = true;
                    self.pos.advance(self.rdr.position().byte());
                    return None;
                }
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    // An I/O error ends the file; a parse error skips the row.
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.done = true;
                    }
                    return Some(Err(RowError {
                        file: self.path.clone(),
                        line,
                        column: None,
                        reason: format!("cannot read this row: {e}"),
                        raw: String::new(),
                    }));
                }
            }
            let line = self.bytes.position().map_or(0, csv::Position::line);
            self.pos.line.store(line, Ordering::Relaxed);
            self.pos.file.store(self.file_idx, Ordering::Relaxed);
            self.pos.at(self.rdr.position().byte());
            if self.bytes.len() == 1
                && self
                    .bytes
                    .get(0)
                    .is_some_and(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue; // blank line
            }
            let size = self.bytes.as_slice().len();
            if size > MAX_ROW_BYTES {
                return Some(Err(RowError {
                    file: self.path.clone(),
                    line,
                    column: None,
                    reason: format!(
                        "row is {size} bytes, over the {} byte (1 MiB) limit; check for a missing closing quote or a wrong separator",
                        MAX_ROW_BYTES
                    ),
                    raw: raw_text(
                        self.bytes
                            .iter()
                            .take(4)
                            .map(|f| std::str::from_utf8(f).unwrap_or("?")),
                    ),
                }));
            }
            if self.width == 0 {
                self.width = self.bytes.len();
            }
            if self.check_width && self.bytes.len() != self.width {
                let got = self.bytes.len();
                let raw = raw_text(
                    self.bytes
                        .iter()
                        .map(|f| std::str::from_utf8(f).unwrap_or("?")),
                );
                return Some(Err(RowError {
                    file: self.path.clone(),
                    line,
                    column: None,
                    reason: format!(
                        "wrong number of columns: expected {} like the header, found {got}; check the separator and quoting of this row",
                        self.width
                    ),
                    raw,
                }));
            }
            let bytes = std::mem::take(&mut self.bytes);
            match self.encoding {
                Encoding::Utf8 => match StringRecord::from_byte_record(bytes) {
                    Ok(rec) => self.record = rec,
                    Err(e) => {
                        let column = Some(e.utf8_error().field());
                        let mut back = e.into_byte_record();
                        let col_name = column.map(|c| {
                            self.header
                                .get(c)
                                .cloned()
                                .unwrap_or_else(|| format!("{}", c + 1))
                        });
                        let raw = raw_text(
                            back.iter()
                                .map(|f| std::str::from_utf8(f).unwrap_or("<bad bytes>")),
                        );
                        std::mem::swap(&mut self.bytes, &mut back);
                        return Some(Err(RowError {
                            file: self.path.clone(),
                            line,
                            column: col_name,
                            reason: "not valid UTF-8 text; if the file is Latin-1 / Windows-1252, pass --encoding windows-1252".into(),
                            raw,
                        }));
                    }
                },
                Encoding::Windows1252 => {
                    let mut rec = StringRecord::new();
                    for f in bytes.iter() {
                        rec.push_field(&encoding_rs::WINDOWS_1252.decode_without_bom_handling(f).0);
                    }
                    self.record = rec;
                    self.bytes = bytes;
                }
            }
            return Some(Ok(Row {
                line,
                fields: &self.record,
                path: &self.path,
            }));
        }
    }

    fn recycle(&mut self) {
        if self.encoding == Encoding::Utf8 && !self.record.is_empty() {
            let rec = std::mem::take(&mut self.record);
            self.bytes = rec.into_byte_record();
        }
    }
}
