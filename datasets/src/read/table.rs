//! Delimited text files read row by row: records gathered from physical
//! lines (so that a stray quote cannot swallow the rest of the file),
//! decoded per row, with 1-based line numbers for every row.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use csv_core::ReadRecordResult;

use crate::error::{Error, Result, RowError};

pub use super::input::Encoding;
use super::input::{Decoding, Input, open_text};
use super::lines::{Line, Lines};
use super::names;

/// Rows longer than this are rejected (and skipped) instead of parsed.
pub const MAX_ROW_BYTES: usize = 1 << 20;

/// A quoted field may span at most this many lines; past it (or past
/// [`MAX_ROW_BYTES`]) its opening quote is taken for a stray one.
pub const MAX_ROW_LINES: usize = 10_000;

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
    /// Files whose rows were not all in one encoding.
    pub mixed: std::sync::Mutex<Vec<MixedEncoding>>,
}

/// Rows of a file decoded in another encoding than the file's own: text
/// that is stored right, but that the user should know about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MixedEncoding {
    /// The file.
    pub file: PathBuf,
    /// The file's encoding.
    pub encoding: &'static str,
    /// The encoding of the odd rows.
    pub other: &'static str,
    /// How many rows were read in `other`.
    pub rows: u64,
    /// The first of them.
    pub first_line: u64,
}

impl std::fmt::Display for MixedEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} row(s) were not {} and were read as {} (first at line {}); {}",
            self.file.display(),
            self.rows,
            self.encoding,
            self.other,
            self.first_line,
            crate::hint::ENCODING_MIXED.cli
        )
    }
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

    /// The current file is at byte `offset` (as stored on disk).
    pub fn at(&self, offset: u64) {
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

    /// Records (or updates) the mixed-encoding note of a file.
    pub fn note_mixed(&self, note: MixedEncoding) {
        let mut all = self.mixed.lock().unwrap_or_else(|p| p.into_inner());
        match all.iter_mut().find(|m| m.file == note.file) {
            Some(m) => *m = note,
            None => all.push(note),
        }
    }
}

/// The decoded fields of a row, borrowed from the reader's buffers (no
/// copy per row: this runs for every row of an import).
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    text: &'a str,
    /// End of each field in `text`; every end is a character boundary.
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`, untrimmed.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..end)
    }

    /// Every field in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// Fields built one by one (JSON objects, parquet rows, re-decoded text).
#[derive(Debug, Clone, Default)]
pub struct OwnedFields {
    text: String,
    ends: Vec<usize>,
}

impl OwnedFields {
    /// Appends a field.
    pub fn push_field(&mut self, f: &str) {
        self.text.push_str(f);
        self.ends.push(self.text.len());
    }

    /// Removes every field, keeping the buffers.
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The fields, borrowed.
    pub fn as_fields(&self) -> Fields<'_> {
        Fields {
            text: &self.text,
            ends: &self.ends,
        }
    }
}

/// One data row.
pub struct Row<'a> {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The fields, decoded.
    pub fields: Fields<'a>,
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
            column: column.map(|c| names::clip(c, names::MAX_QUOTED)),
            reason: reason.into(),
            raw: raw_text(self.fields.iter()),
        }
    }
}

fn raw_text<'a>(fields: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(f);
        if s.len() > 300 {
            break;
        }
    }
    clip_raw(s)
}

/// `s` cut to at most 300 bytes (plus `…`), for the raw text of a rejection.
pub(super) fn clip_raw(mut s: String) -> String {
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

/// Raw bytes of a rejected row as text, cut like [`clip_raw`].
pub(super) fn raw_bytes(b: &[u8]) -> String {
    let b = &b[..b.len().min(300)];
    clip_raw(String::from_utf8_lossy(b).trim_end().replace('\0', "\\0"))
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
    /// True for a gzip-compressed file.
    pub gzip: bool,
}

/// Opens the start of a file: refuses binary and empty files, detects the
/// compression, encoding and separator.
pub fn sniff(path: &Path, delimiter: Option<u8>, encoding: Option<&str>) -> Result<Sniffed> {
    let input = open_text(path, encoding)?;
    Ok(sniffed(&input, delimiter))
}

fn sniffed(input: &Input, delimiter: Option<u8>) -> Sniffed {
    let body = input
        .head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&input.head);
    let term = line_terminator(body);
    let first = body.split(|&b| b == term).next().unwrap_or(body);
    let first_line = decode_lossy(first, input.decoding)
        .trim_end_matches('\r')
        .to_string();
    let delimiter = delimiter.unwrap_or_else(|| {
        [b',', b'\t', b';', b'|']
            .into_iter()
            .max_by_key(|d| first.iter().filter(|&&b| b == *d).count())
            .unwrap_or(b',')
    });
    let lines_if_small = input.head_is_all.then(|| {
        body.split(|&b| b == term)
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count()
    });
    Sniffed {
        delimiter,
        encoding: input.encoding,
        first_line,
        lines_if_small,
        gzip: input.gzip,
    }
}

/// `\r` for old Mac files (carriage returns and no line feed), else `\n`.
fn line_terminator(head: &[u8]) -> u8 {
    if !head.contains(&b'\n') && head.contains(&b'\r') {
        b'\r'
    } else {
        b'\n'
    }
}

fn decode_lossy(bytes: &[u8], d: Decoding) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if d.main == Encoding::Utf8 || d.per_row == Some(Encoding::Utf8) => s.to_string(),
        _ if d.main == Encoding::Utf8 => match d.per_row {
            Some(fb) => fb.codec().decode_without_bom_handling(bytes).0.into_owned(),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
        _ => d
            .main
            .codec()
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// A delimited file, read one row at a time with reused buffers.
pub struct Table {
    path: PathBuf,
    delimiter: u8,
    lines: Lines,
    core: csv_core::Reader,
    decoding: Decoding,
    consumed: Arc<AtomicU64>,
    /// The physical lines of the record being read.
    rec: Vec<u8>,
    /// Unquoted field bytes and field ends of the record (csv_core output).
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Fields of the record in `out` / `ends`.
    nfields: usize,
    /// Fields decoded from a legacy encoding.
    decoded: OwnedFields,
    /// Column names (from the header, or `column1..N` without one).
    pub header: Vec<String>,
    width: usize,
    check_width: bool,
    pos: Arc<Position>,
    file_idx: u64,
    done: bool,
    /// Rows read in the other encoding, and the first of them (cells: the
    /// count is taken while a row borrows the buffers).
    mixed: std::cell::Cell<u64>,
    first_mixed: std::cell::Cell<u64>,
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

/// How gathering one record ended.
enum Gathered {
    /// A record is in `out` / `ends`, starting at this line.
    Record(u64),
    /// The row starting at this line is rejected.
    Reject {
        /// First line of the row.
        line: u64,
        /// Why.
        reason: String,
        /// Its text, for review.
        raw: String,
    },
    /// End of the file.
    End,
}

fn too_long(len: u64) -> String {
    format!(
        "row is {len} bytes, over the {MAX_ROW_BYTES} byte (1 MiB) limit; check for a missing closing quote or a wrong separator"
    )
}

impl Table {
    /// Opens `path`; `pos` receives progress.
    pub fn open(path: &Path, opts: TableOptions<'_>, pos: Arc<Position>) -> Result<Table> {
        let input = open_text(path, opts.encoding)?;
        let sniffed = sniffed(&input, opts.delimiter);
        if opts.has_header && sniffed.lines_if_small == Some(1) {
            return Err(Error::Unreadable {
                path: path.to_path_buf(),
                // One line only: a table's header without rows, or a note that is
                // no table at all (a README); the advice fits both.
                reason: "holds no data rows, only one line; is it a data file? A data export has a header line and then one line per row".into(),
            });
        }
        let cr_only = line_terminator(&input.head) == b'\r';
        let core = csv_core::ReaderBuilder::new()
            .delimiter(sniffed.delimiter)
            .quoting(opts.quoting)
            .terminator(csv_core::Terminator::Any(b'\n'))
            .build();
        let mut t = Table {
            path: path.to_path_buf(),
            delimiter: sniffed.delimiter,
            lines: Lines::new(input.reader, cr_only),
            core,
            decoding: input.decoding,
            consumed: input.consumed,
            rec: Vec::with_capacity(1 << 12),
            out: vec![0; 1 << 12],
            ends: vec![0; 64],
            nfields: 0,
            decoded: OwnedFields::default(),
            header: Vec::new(),
            width: 0,
            check_width: opts.check_width,
            file_idx: pos.register(path),
            pos,
            done: false,
            mixed: std::cell::Cell::new(0),
            first_mixed: std::cell::Cell::new(0),
        };
        if opts.has_header {
            let line = match t.gather() {
                Gathered::End => {
                    return Err(Error::Unreadable {
                        path: path.to_path_buf(),
                        reason: "the file is empty".into(),
                    });
                }
                Gathered::Reject { line, reason, .. } => {
                    return Err(Error::Unreadable {
                        path: path.to_path_buf(),
                        reason: format!("cannot read the header (line {line}): {reason}"),
                    });
                }
                Gathered::Record(line) => line,
            };
            let n = t.nfields;
            t.header = (0..n)
                .map(|i| {
                    let (a, b) = t.span(i);
                    let mut s = decode_lossy(&t.out[a..b], t.decoding);
                    if i == 0 {
                        s = s.trim_start_matches('\u{feff}').to_string();
                    }
                    s.trim().to_string()
                })
                .collect();
            if t.header.iter().any(|h| h.contains('\0')) {
                return Err(Error::Unreadable {
                    path: path.to_path_buf(),
                    reason: format!(
                        "the header (line {line}) holds a NUL byte; export the file again"
                    ),
                });
            }
            t.width = t.header.len();
        }
        Ok(t)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column separator.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Start and end of field `i` in `out`.
    fn span(&self, i: usize) -> (usize, usize) {
        let a = if i == 0 { 0 } else { self.ends[i - 1] };
        (a, self.ends[i])
    }

    /// Parses `rec[from..]` (whole lines) into `out` / `ends`; true when the
    /// record is complete, false when a quoted field is still open.
    fn feed(&mut self, from: usize, nout: &mut usize, nend: &mut usize) -> bool {
        feed(
            &mut self.core,
            &mut self.out,
            &mut self.ends,
            &self.rec[from..],
            nout,
            nend,
        )
    }

    /// Reads the next record's lines and parses them; lines are copied into
    /// `rec` only when a record spans several (they may be read again).
    fn gather(&mut self) -> Gathered {
        let (mut nout, mut nend): (usize, usize);
        let (start, mut complete) = loop {
            self.rec.clear();
            (nout, nend) = (0, 0);
            if let Some((line, number)) = self.lines.peek() {
                let len = line.len();
                let content = line[..len - 1]
                    .strip_suffix(b"\r")
                    .unwrap_or(&line[..len - 1]);
                if content.iter().all(u8::is_ascii_whitespace) {
                    self.lines.consume_peeked(len);
                    continue; // blank line
                }
                let (core, out, ends) = (&mut self.core, &mut self.out, &mut self.ends);
                let complete = if content.len() + 1 == len {
                    feed(core, out, ends, line, &mut nout, &mut nend)
                } else {
                    feed(core, out, ends, content, &mut nout, &mut nend);
                    feed(core, out, ends, b"\n", &mut nout, &mut nend)
                };
                if !complete {
                    // A quoted field runs on: keep this line, it may be read again.
                    self.rec.extend_from_slice(content);
                    self.rec.push(b'\n');
                }
                self.lines.consume_peeked(len);
                break (number, complete);
            }
            let start = match self.lines.next(&mut self.rec) {
                Err(e) => {
                    let line = self.lines.next_line_number();
                    return self.io_failure(line, &e);
                }
                Ok(Line::End) => return Gathered::End,
                Ok(Line::Long(line, len)) => {
                    return Gathered::Reject {
                        line,
                        reason: too_long(len),
                        raw: String::new(),
                    };
                }
                Ok(Line::Text(line)) => line,
            };
            if self.rec.iter().all(u8::is_ascii_whitespace) {
                continue; // blank line
            }
            break (start, self.feed(0, &mut nout, &mut nend));
        };
        let mut lines = 1usize;
        while !complete {
            // A quoted field runs on: take the next line, unless it has
            // run too far to be anything but a stray quote.
            if self.rec.len() > MAX_ROW_BYTES || lines >= MAX_ROW_LINES {
                return self.resync(start, stray(lines), None);
            }
            let line_start = self.rec.len();
            match self.lines.next(&mut self.rec) {
                Ok(Line::Text(_)) => lines += 1,
                Ok(Line::End) => return self.resync(start, stray(lines), None),
                Ok(Line::Long(l, len)) => {
                    return self.resync(start, stray(lines), Some((l, len)));
                }
                Err(e) => return self.io_failure(start, &e),
            }
            complete = self.feed(line_start, &mut nout, &mut nend);
        }
        self.nfields = nend;
        if lines > 1 && self.check_width && self.width > 0 && nend != self.width {
            // A quoted field spanning lines that leaves a row of the
            // wrong shape is a stray quote, not a multi-line cell.
            let reason = format!(
                "a quoted field opened on this line runs over {lines} lines and leaves {nend} columns instead of {}; check for a stray quote (\"). Reading goes on at the next line",
                self.width
            );
            return self.resync(start, reason, None);
        }
        if self.rec.len() > MAX_ROW_BYTES + 1 {
            let raw = raw_bytes(&self.rec);
            return Gathered::Reject {
                line: start,
                reason: too_long(self.rec.len() as u64),
                raw,
            };
        }
        Gathered::Record(start)
    }

    /// The text of the record read last, for a rejection.
    fn raw(&self) -> String {
        if !self.rec.is_empty() {
            return raw_bytes(&self.rec);
        }
        // Parsed in place: rebuild it from its fields.
        let mut text = Vec::new();
        let mut a = 0;
        for (i, &e) in self.ends[..self.nfields].iter().enumerate() {
            if i > 0 {
                text.push(self.delimiter);
            }
            text.extend_from_slice(&self.out[a..e]);
            a = e;
            if text.len() > 300 {
                break;
            }
        }
        raw_bytes(&text)
    }

    fn io_failure(&mut self, line: u64, e: &std::io::Error) -> Gathered {
        // An I/O or decompression failure ends the file: say where.
        self.done = true;
        Gathered::Reject {
            line,
            reason: format!(
                "cannot read the file past this point ({e}); the rows after it were not read"
            ),
            raw: String::new(),
        }
    }

    /// Rejects the row starting at `line` and reads the lines after it again
    /// as rows of their own.
    fn resync(&mut self, line: u64, reason: String, deferred: Option<(u64, u64)>) -> Gathered {
        let first_end = memchr::memchr(b'\n', &self.rec).map_or(self.rec.len(), |i| i + 1);
        let raw = raw_bytes(&self.rec[..first_end]);
        self.lines
            .replay(&self.rec[first_end..], line + 1, deferred);
        self.core.reset();
        self.rec.clear();
        Gathered::Reject { line, reason, raw }
    }

    /// The next row, or a rejection of it; `None` at the end.
    pub fn next_row(&mut self) -> Option<std::result::Result<Row<'_>, RowError>> {
        let (line, n) = loop {
            if self.done {
                return None;
            }
            let gathered = self.gather();
            self.pos.file.store(self.file_idx, Ordering::Relaxed);
            self.pos.at(self.consumed.load(Ordering::Relaxed));
            let line = match gathered {
                Gathered::End => {
                    self.done = true;
                    self.pos.advance(self.consumed.load(Ordering::Relaxed));
                    self.flush_mixed();
                    return None;
                }
                Gathered::Reject { line, reason, raw } => {
                    self.pos.line.store(line, Ordering::Relaxed);
                    return Some(Err(RowError {
                        file: self.path.clone(),
                        line,
                        column: None,
                        reason,
                        raw,
                    }));
                }
                Gathered::Record(line) => line,
            };
            self.pos.line.store(line, Ordering::Relaxed);
            let n = self.nfields;
            if n == 0 || (n == 1 && self.out[..self.ends[0]].iter().all(u8::is_ascii_whitespace)) {
                continue; // a line of spaces
            }
            break (line, n);
        };
        if self.width == 0 {
            self.width = n;
        }
        let used = self.ends[n - 1];
        if let Some(at) = memchr::memchr(0, &self.out[..used]) {
            let col = self.ends[..n].iter().position(|&e| e > at).unwrap_or(0);
            return Some(Err(RowError {
                file: self.path.clone(),
                line,
                column: Some(self.column_name(col)),
                reason: "holds a NUL byte, which text never has; the row is skipped (export the file again if many rows are)".into(),
                raw: self.raw(),
            }));
        }
        if self.check_width && n != self.width {
            return Some(Err(RowError {
                file: self.path.clone(),
                line,
                column: None,
                reason: format!(
                    "wrong number of columns: expected {} like the header, found {n}; check the separator and quoting of this row",
                    self.width
                ),
                raw: self.raw(),
            }));
        }
        let d = self.decoding;
        // Fast path: UTF-8 text is used in place, validated once.
        if let Some(text) = utf8_text(&self.out[..used], &self.ends[..n], d) {
            if d.main != Encoding::Utf8 && !text.is_ascii() {
                self.note_mixed(line);
            }
            return Some(Ok(Row {
                line,
                fields: Fields {
                    text,
                    ends: &self.ends[..n],
                },
                path: &self.path,
            }));
        }
        let codec = match self.legacy_codec(line) {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        self.decoded.clear();
        let mut a = 0;
        for &e in &self.ends[..n] {
            let field = codec.decode_without_bom_handling(&self.out[a..e]).0;
            self.decoded.push_field(&field);
            a = e;
        }
        Some(Ok(Row {
            line,
            fields: self.decoded.as_fields(),
            path: &self.path,
        }))
    }

    fn column_name(&self, i: usize) -> String {
        self.header.get(i).map_or_else(
            || format!("{}", i + 1),
            |h| names::clip(h, names::MAX_QUOTED),
        )
    }

    /// The codec for fields that are not read as UTF-8, or a rejection
    /// when the file must be UTF-8.
    fn legacy_codec(
        &self,
        line: u64,
    ) -> std::result::Result<&'static encoding_rs::Encoding, RowError> {
        let n = self.nfields;
        let d = self.decoding;
        let codec = match (d.main, d.per_row) {
            (Encoding::Utf8, None) => {
                let col = (0..n)
                    .find(|&i| {
                        let a = if i == 0 { 0 } else { self.ends[i - 1] };
                        std::str::from_utf8(&self.out[a..self.ends[i]]).is_err()
                    })
                    .unwrap_or(0);
                return Err(RowError {
                    file: self.path.clone(),
                    line,
                    column: Some(self.column_name(col)),
                    reason: format!("not valid UTF-8 text; {}", crate::hint::ENCODING_LATIN1.cli),
                    raw: self.raw(),
                });
            }
            (Encoding::Utf8, Some(fb)) => {
                self.note_mixed(line);
                fb.codec()
            }
            (main, _) => main.codec(),
        };
        Ok(codec)
    }

    fn note_mixed(&self, line: u64) {
        self.mixed.set(self.mixed.get() + 1);
        if self.mixed.get() == 1 {
            self.first_mixed.set(line);
            self.flush_mixed();
        }
    }

    fn flush_mixed(&self) {
        if self.mixed.get() == 0 {
            return;
        }
        let (encoding, other) = match self.decoding {
            Decoding {
                main: Encoding::Utf8,
                per_row: Some(fb),
            } => ("utf-8", fb.name()),
            Decoding { main, .. } => (main.name(), "utf-8"),
        };
        self.pos.note_mixed(MixedEncoding {
            file: self.path.clone(),
            encoding,
            other,
            rows: self.mixed.get(),
            first_line: self.first_mixed.get(),
        });
    }
}

/// Parses `input` into `out` / `ends` after what is there; true when a
/// record ended (lines end in `\n`, the only terminator, so a record ends
/// exactly at the end of a line), false when the input ran out first.
fn feed(
    core: &mut csv_core::Reader,
    out: &mut Vec<u8>,
    ends: &mut Vec<usize>,
    mut input: &[u8],
    nout: &mut usize,
    nend: &mut usize,
) -> bool {
    loop {
        let (res, nin, o, e) = core.read_record(input, &mut out[*nout..], &mut ends[*nend..]);
        input = &input[nin..];
        *nout += o;
        *nend += e;
        match res {
            ReadRecordResult::OutputFull => {
                let n = out.len() * 2;
                out.resize(n, 0);
            }
            ReadRecordResult::OutputEndsFull => {
                let n = ends.len() * 2;
                ends.resize(n, 0);
            }
            ReadRecordResult::Record | ReadRecordResult::End => return true,
            ReadRecordResult::InputEmpty => {
                if input.is_empty() {
                    return false;
                }
            }
        }
    }
}

fn stray(lines: usize) -> String {
    format!(
        "a quoted field opened on this line is not closed within {lines} line(s); check for a stray quote (\"). Reading goes on at the next line"
    )
}

/// The fields as UTF-8 text when they are to be read as such: valid, every
/// field whole characters, and (in a file of a legacy encoding) plausible.
fn utf8_text<'a>(bytes: &'a [u8], ends: &[usize], d: Decoding) -> Option<&'a str> {
    if d.main == Encoding::Utf8 || d.per_row == Some(Encoding::Utf8) {
        std::str::from_utf8(bytes).ok().filter(|s| {
            ends.iter().all(|&e| s.is_char_boundary(e))
                && (d.main == Encoding::Utf8 || s.is_ascii() || plausible_utf8(s, d.main))
        })
    } else if bytes.is_ascii() {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// In a file of a legacy encoding, is a row that happens to be valid UTF-8
/// really UTF-8? For GB18030 files, UTF-8 made only of two-byte characters
/// (Latin accents, Greek, Cyrillic) is more likely Chinese text whose
/// bytes happen to pair up, so it is read as GB18030.
fn plausible_utf8(s: &str, main: Encoding) -> bool {
    match main {
        Encoding::Gb18030 => s.chars().any(|c| c as u32 >= 0x800),
        _ => true,
    }
}
