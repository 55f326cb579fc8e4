//! A text file opened as a stream of bytes: gzip is decompressed (with a
//! guard against bombs), UTF-16 is transcoded to UTF-8, binary files are
//! refused, and the text encoding and separator are detected from the start.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Bytes of decoded text looked at to detect the encoding and separator.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// A gzip member may expand to at most this many times its compressed size
/// (once past [`GZIP_FREE_BYTES`]): real CSV and JSON compress 3-20x, while
/// a bomb built from repeated bytes compresses about 1000x.
pub const GZIP_MAX_RATIO: u64 = 250;

/// Decompressed bytes allowed before [`GZIP_MAX_RATIO`] is checked, so that
/// small, very regular files still open.
pub const GZIP_FREE_BYTES: u64 = 64 << 20;

/// Text encodings ShopLab reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a byte-order mark is skipped).
    Utf8,
    /// Windows-1252, a superset of Latin-1 (ISO 8859-1) for printable text.
    Windows1252,
    /// GB18030, which includes GBK and GB2312 (what Chinese Excel writes).
    Gb18030,
    /// UTF-16 little-endian (Excel "Unicode text"), transcoded to UTF-8 as it is read.
    Utf16Le,
    /// UTF-16 big-endian, transcoded to UTF-8 as it is read.
    Utf16Be,
    /// Another single- or multi-byte encoding named with `--encoding`
    /// (any WHATWG label, e.g. `shift_jis`, `big5`, `euc-kr`, `iso-8859-2`).
    Other(&'static encoding_rs::Encoding),
}

impl Encoding {
    /// Name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Windows1252 => "windows-1252",
            Encoding::Gb18030 => "gb18030",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Other(e) => e.name(),
        }
    }

    /// Parses a user-given name (any WHATWG encoding label).
    pub fn parse(name: &str, path: &Path) -> Result<Encoding> {
        let label = name.trim().to_ascii_lowercase().replace('_', "-");
        let known = match label.as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "windows-1252" | "cp1252" => {
                Some(Encoding::Windows1252)
            }
            "gb18030" | "gbk" | "gb2312" | "cp936" | "chinese" => Some(Encoding::Gb18030),
            "utf-16le" | "utf16le" | "utf-16" | "utf16" | "unicode" => Some(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Some(Encoding::Utf16Be),
            _ => None,
        };
        if let Some(e) = known {
            return Ok(e);
        }
        match encoding_rs::Encoding::for_label(label.as_bytes()) {
            Some(e) if e != encoding_rs::REPLACEMENT && e != encoding_rs::X_USER_DEFINED => {
                Ok(Encoding::from_rs(e))
            }
            _ => Err(Error::Unreadable {
                path: path.to_path_buf(),
                reason: format!(
                    "unknown encoding '{}'; use utf-8, windows-1252 (latin-1), gb18030 (gbk), utf-16le or utf-16be",
                    super::names::clip(name, 40)
                ),
            }),
        }
    }

    fn from_rs(e: &'static encoding_rs::Encoding) -> Encoding {
        if e == encoding_rs::UTF_8 {
            Encoding::Utf8
        } else if e == encoding_rs::WINDOWS_1252 {
            Encoding::Windows1252
        } else if e == encoding_rs::GB18030 || e == encoding_rs::GBK {
            Encoding::Gb18030
        } else if e == encoding_rs::UTF_16LE {
            Encoding::Utf16Le
        } else if e == encoding_rs::UTF_16BE {
            Encoding::Utf16Be
        } else {
            Encoding::Other(e)
        }
    }

    /// The encoding_rs codec.
    pub fn codec(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
            Encoding::Gb18030 => encoding_rs::GB18030,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            Encoding::Other(e) => e,
        }
    }

    /// True for the encodings transcoded to UTF-8 as the stream is read
    /// (their bytes cannot be split into lines at `\n`).
    fn is_wide(self) -> bool {
        matches!(self, Encoding::Utf16Le | Encoding::Utf16Be)
    }
}

/// How the rows of a file are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoding {
    /// The file's encoding (UTF-8 for transcoded UTF-16).
    pub main: Encoding,
    /// Detected, not given: a row that is not valid in `main` is read in
    /// the other encoding (UTF-8 or the legacy one) and counted, so that a
    /// file mixing UTF-8 and Latin-1 rows keeps both right.
    pub per_row: Option<Encoding>,
}

/// A text file opened for reading: its decoded byte stream and what was
/// detected about it.
pub struct Input {
    /// The bytes (decompressed, UTF-16 transcoded), buffered.
    pub reader: Box<dyn BufRead + Send>,
    /// How rows are decoded.
    pub decoding: Decoding,
    /// Encoding detected or given (for previews and messages).
    pub encoding: Encoding,
    /// True when the file is gzip-compressed.
    pub gzip: bool,
    /// Bytes of the file (as stored) read so far, for progress.
    pub consumed: Arc<AtomicU64>,
    /// Start of the decoded text (at most [`SNIFF_BYTES`]).
    pub head: Vec<u8>,
    /// True when `head` is the whole decoded text.
    pub head_is_all: bool,
}

/// Counts the bytes of the file itself taken by the reader above it (read,
/// or consumed by a decompressor), for progress and the ratio guard.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        self.inner.consume(n);
    }
}

/// Refuses to inflate past the ratio limit, so that a small archive cannot
/// make an import run for hours or fill the disk.
struct RatioGuard<R> {
    inner: R,
    compressed: Arc<AtomicU64>,
    out: u64,
}

impl<R: Read> Read for RatioGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let read = self.compressed.load(Ordering::Relaxed).max(1);
        if self.out > GZIP_FREE_BYTES && self.out > read.saturating_mul(GZIP_MAX_RATIO) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the gzip archive expands more than {GZIP_MAX_RATIO} times ({} MB from {} KB); it looks like a decompression bomb, so reading stopped. Decompress it yourself if you trust it",
                    self.out >> 20,
                    read >> 10
                ),
            ));
        }
        Ok(n)
    }
}

/// Transcodes UTF-16 (or any encoding_rs codec) to UTF-8 on the fly.
struct Transcode<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, enc: &'static encoding_rs::Encoding) -> Self {
        Transcode {
            inner,
            // A BOM is removed; without one the given endianness is used.
            decoder: enc.new_decoder_with_bom_removal(),
            raw: vec![0; 1 << 16],
            raw_start: 0,
            raw_end: 0,
            eof: false,
            out: vec![0; 3 << 16],
            out_start: 0,
            out_end: 0,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.eof && self.raw_start == self.raw_end {
                return Ok(0);
            }
            if self.raw_start == self.raw_end && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                self.raw_start = 0;
                self.raw_end = n;
                self.eof = n == 0;
            }
            let (_, read, written, _) = self.decoder.decode_to_utf8(
                &self.raw[self.raw_start..self.raw_end],
                &mut self.out,
                self.eof,
            );
            self.raw_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.eof && written == 0 {
                self.raw_start = self.raw_end;
            }
        }
    }
}

/// Known signatures of binary files, with what to tell the user.
const MAGIC: [(&[u8], &str); 9] = [
    (b"\x89PNG", "a PNG image"),
    (b"SQLite format 3\0", "an SQLite database"),
    (
        b"PK\x03\x04",
        "a zip archive (an .xlsx workbook is one: save it as CSV)",
    ),
    (b"%PDF", "a PDF document"),
    (
        b"PAR1",
        "a parquet file (only the data-set formats that ship parquet read it)",
    ),
    (b"BZh", "a bzip2 archive (decompress it first)"),
    (b"\xFD7zXZ\0", "an xz archive (decompress it first)"),
    (b"\x28\xB5\x2F\xFD", "a zstd archive (decompress it first)"),
    (
        b"\xD0\xCF\x11\xE0",
        "an old Excel/Office file (.xls: save it as CSV)",
    ),
];

fn io_err(path: &Path, e: io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn unreadable(path: &Path, reason: impl Into<String>) -> Error {
    Error::Unreadable {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Share of bytes that never occur in text (controls other than tab,
/// newline, form feed, carriage return and the DOS end-of-file mark).
fn control_share(head: &[u8]) -> f64 {
    if head.is_empty() {
        return 0.0;
    }
    let bad = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1a))
        .count();
    bad as f64 / head.len() as f64
}

/// UTF-16 without a byte-order mark: ASCII text has a NUL in every other byte.
fn utf16_without_bom(head: &[u8]) -> Option<Encoding> {
    let pairs = head.len().min(4096) / 2;
    if pairs < 8 {
        return None;
    }
    let (mut even, mut odd) = (0, 0);
    for p in head[..pairs * 2].chunks_exact(2) {
        even += usize::from(p[0] == 0);
        odd += usize::from(p[1] == 0);
    }
    if odd * 10 > pairs * 6 && even * 20 < pairs {
        Some(Encoding::Utf16Le)
    } else if even * 10 > pairs * 6 && odd * 20 < pairs {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// True for characters Chinese text is mostly made of.
fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Non-UTF-8 text: GB18030 when the bytes decode as GB18030 without error
/// and mostly to Chinese characters, else Windows-1252 (Latin-1 text almost
/// never pairs its accented bytes the way GB18030 needs).
fn guess_legacy(text: &[u8]) -> Encoding {
    // Ignore a character cut at the end of the sniffed block.
    let cut = text
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(text.len(), |i| i + 1);
    let Some(s) =
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(&text[..cut])
    else {
        return Encoding::Windows1252;
    };
    let (mut wide, mut cjk) = (0usize, 0usize);
    for c in s.chars().filter(|c| !c.is_ascii()) {
        wide += 1;
        cjk += usize::from(is_cjk(c));
    }
    // Latin-1 letters followed by ASCII letters also decode as GB18030 (and
    // to CJK characters: "Cr\xe8me" pairs \xe8 with 'm'), so ask as well that
    // the high bytes come in pairs of the GB2312 range, as nearly all
    // Chinese text does and Latin-1 text almost never does.
    // Chinese words are mostly two or more characters, so most pairs sit
    // next to another pair; a Latin-1 file's accidental pairs ("30\xe5\xa1 in.")
    // stand alone.
    let (pairs, in_runs, other) = gb2312_pairs(&text[..cut]);
    if wide > 0 && cjk * 10 >= wide * 8 && pairs * 10 >= (pairs + other) * 9 && in_runs * 2 >= pairs
    {
        Encoding::Gb18030
    } else {
        Encoding::Windows1252
    }
}

/// High bytes that pair up as GB2312 characters (both bytes 0xA1..=0xFE),
/// how many of those pairs stand next to another pair, and high bytes that
/// do not pair.
fn gb2312_pairs(text: &[u8]) -> (usize, usize, usize) {
    let range = 0xA1..=0xFE;
    let (mut pairs, mut in_runs, mut other, mut i) = (0, 0, 0, 0);
    let mut run = 0usize;
    let mut end_run = |run: &mut usize| {
        if *run >= 2 {
            in_runs += *run;
        }
        *run = 0;
    };
    while let Some(&b) = text.get(i) {
        if b < 0x80 {
            end_run(&mut run);
            i += 1;
        } else if range.contains(&b) && text.get(i + 1).is_some_and(|t| range.contains(t)) {
            pairs += 1;
            run += 1;
            i += 2;
        } else {
            end_run(&mut run);
            other += 1;
            i += 1;
        }
    }
    end_run(&mut run);
    (pairs, in_runs, other)
}

/// A sniffed block that is not UTF-8 as a whole, decided line by line: when
/// most lines with non-ASCII bytes are valid UTF-8, the file is UTF-8 with a
/// few rows in a legacy encoding (guessed from those rows alone); otherwise
/// the legacy encoding is the file's and valid UTF-8 rows stay UTF-8.
fn decide_mixed(body: &[u8]) -> (Encoding, Decoding) {
    let (mut utf8, mut odd) = (0usize, 0usize);
    let mut odd_text = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        if line.is_ascii() {
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(_) => utf8 += 1,
            // A character cut at the end of the block says nothing.
            Err(e) if e.error_len().is_none() => {}
            Err(_) => {
                odd += 1;
                odd_text.extend_from_slice(line);
                odd_text.push(b'\n');
            }
        }
    }
    let legacy = guess_legacy(&odd_text);
    if utf8 > odd {
        (
            Encoding::Utf8,
            Decoding {
                main: Encoding::Utf8,
                per_row: Some(legacy),
            },
        )
    } else {
        (
            legacy,
            Decoding {
                main: legacy,
                per_row: Some(Encoding::Utf8),
            },
        )
    }
}

/// Opens `path` as decoded text: refuses binary and empty files,
/// decompresses gzip, detects (or applies) the encoding.
pub fn open_text(path: &Path, encoding: Option<&str>) -> Result<Input> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(unreadable(
            path,
            format!("is a folder; {}", crate::hint::FOLDER_FORMAT.cli),
        ));
    }
    let given = encoding.map(|e| Encoding::parse(e, path)).transpose()?;
    let consumed = Arc::new(AtomicU64::new(0));
    let mut raw = Counting {
        inner: BufReader::with_capacity(1 << 16, file),
        count: consumed.clone(),
    };
    let start = raw.fill_buf().map_err(|e| io_err(path, e))?;
    let gzip = start.starts_with(b"\x1f\x8b");
    let named_gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if named_gz && !gzip && !start.is_empty() {
        return Err(unreadable(
            path,
            "is named .gz but is not a gzip file; rename it or compress it again",
        ));
    }
    let bytes: Box<dyn Read + Send> = if gzip {
        Box::new(RatioGuard {
            inner: flate2::bufread::MultiGzDecoder::new(raw),
            compressed: consumed.clone(),
            out: 0,
        })
    } else {
        Box::new(raw)
    };
    let mut bytes = BufReader::with_capacity(1 << 16, bytes);
    let gz_hint = if gzip {
        " (inside the gzip archive)"
    } else {
        ""
    };
    let first = read_head(&mut bytes, 4096).map_err(|e| gzip_err(path, gzip, e))?;
    for (magic, what) in MAGIC {
        if first.starts_with(magic) {
            return Err(unreadable(
                path,
                format!(
                    "is a binary file ({what}{gz_hint}), not text; export the data as CSV, TSV or JSON lines"
                ),
            ));
        }
    }
    let bom = if first.starts_with(b"\xFF\xFE") {
        Some(Encoding::Utf16Le)
    } else if first.starts_with(b"\xFE\xFF") {
        Some(Encoding::Utf16Be)
    } else if first.starts_with(b"\xEF\xBB\xBF") {
        Some(Encoding::Utf8)
    } else {
        None
    };
    // A byte-order mark is the file's own word; a given encoding wins over a guess.
    let wide = match (bom, given) {
        (Some(b), _) if b.is_wide() => Some(b),
        (_, Some(g)) if g.is_wide() => Some(g),
        (None, None) => utf16_without_bom(&first),
        _ => None,
    };
    let mut reader: Box<dyn BufRead + Send> = match wide {
        Some(w) => Box::new(BufReader::with_capacity(
            1 << 16,
            Transcode::new(Prefixed::new(first, bytes), w.codec()),
        )),
        None => Box::new(Prefixed::new(first, bytes)),
    };
    let head = read_head(&mut reader, SNIFF_BYTES).map_err(|e| gzip_err(path, gzip, e))?;
    if gzip
        && head.len() as u64
            > consumed
                .load(Ordering::Relaxed)
                .saturating_mul(GZIP_MAX_RATIO)
    {
        // The start already expands suspiciously: look further now, so that
        // a bomb is refused as a whole instead of failing mid-import.
        refuse_bomb(path)?;
    }
    let head_is_all = head.len() < SNIFF_BYTES || {
        // Peek one more byte to know whether the head is the whole file.
        reader.fill_buf().map(<[u8]>::is_empty).unwrap_or(false)
    };
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(unreadable(
            path,
            format!(
                "the file is empty{gz_hint}; export the data again and check that the file has rows"
            ),
        ));
    }
    if control_share(&head) > 0.05 {
        return Err(unreadable(
            path,
            format!(
                "looks like a binary file{gz_hint}, not text (it is full of control bytes such as NUL); export the data as CSV, TSV or JSON lines"
            ),
        ));
    }
    let (encoding, decoding) = match (wide, given) {
        (Some(w), _) => (
            w,
            Decoding {
                main: Encoding::Utf8,
                per_row: None,
            },
        ),
        (None, Some(g)) => (
            g,
            Decoding {
                main: g,
                per_row: None,
            },
        ),
        (None, None) => {
            let body = head
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(&head);
            match std::str::from_utf8(body) {
                // A UTF-8 sequence cut at the end of the block is still UTF-8.
                Err(e) if e.error_len().is_some() => decide_mixed(body),
                _ => (
                    Encoding::Utf8,
                    Decoding {
                        main: Encoding::Utf8,
                        per_row: Some(Encoding::Windows1252),
                    },
                ),
            }
        }
    };
    // The head is read again by the table: put it back in front.
    let reader = Box::new(Prefixed::new(head.clone(), reader));
    Ok(Input {
        reader,
        decoding,
        encoding,
        gzip,
        consumed,
        head,
        head_is_all,
    })
}

/// Inflates the start of a gzip file (up to the ratio guard's allowance)
/// and refuses it when the guard would stop it.
fn refuse_bomb(path: &Path) -> Result<()> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let compressed = Arc::new(AtomicU64::new(0));
    let mut probe = RatioGuard {
        inner: flate2::bufread::MultiGzDecoder::new(Counting {
            inner: BufReader::with_capacity(1 << 16, file),
            count: compressed.clone(),
        }),
        compressed,
        out: 0,
    }
    .take(GZIP_FREE_BYTES + (1 << 20));
    match io::copy(&mut probe, &mut io::sink()) {
        Err(e)
            if e.get_ref()
                .is_some_and(|i| i.to_string().contains("decompression bomb")) =>
        {
            Err(unreadable(path, e.to_string()))
        }
        // Other failures are reported where the reading meets them.
        _ => Ok(()),
    }
}

fn gzip_err(path: &Path, gzip: bool, e: io::Error) -> Error {
    if gzip {
        unreadable(
            path,
            format!(
                "is a gzip archive that cannot be decompressed ({e}); check that the download is complete"
            ),
        )
    } else {
        io_err(path, e)
    }
}

/// Reads up to `n` bytes (fewer only at the end of the stream).
fn read_head(r: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// A reader with some bytes already taken from it put back in front.
struct Prefixed<R> {
    front: Vec<u8>,
    at: usize,
    inner: R,
}

impl<R> Prefixed<R> {
    fn new(front: Vec<u8>, inner: R) -> Self {
        Prefixed {
            front,
            at: 0,
            inner,
        }
    }
}

impl<R: Read> Read for Prefixed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at < self.front.len() {
            let n = buf.len().min(self.front.len() - self.at);
            buf[..n].copy_from_slice(&self.front[self.at..self.at + n]);
            self.at += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

impl<R: BufRead> BufRead for Prefixed<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.at < self.front.len() {
            return Ok(&self.front[self.at..]);
        }
        if !self.front.is_empty() {
            // Free the prefix once it has been read.
            self.front = Vec::new();
            self.at = 0;
        }
        self.inner.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        if self.at < self.front.len() {
            self.at += n;
        } else {
            self.inner.consume(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_letters_before_ascii_are_not_taken_for_chinese() {
        // Each of these decodes as GB18030 CJK characters, byte for byte.
        let latin1 = b"id,title\nR1,Cr\xe8me 1\nR2,Superstrut 90\xe8_ 4-Hole Angle\nR3,Caf\xe9s\nR4,Nails 30\xe5\xa1 Galvanized\n";
        assert_eq!(guess_legacy(latin1), Encoding::Windows1252);
        let (e, d) = decide_mixed(latin1);
        assert_eq!((e, d.main), (Encoding::Windows1252, Encoding::Windows1252));
    }

    #[test]
    fn a_utf8_file_with_a_few_latin1_rows_stays_utf8() {
        let mut text = b"id,title\n".to_vec();
        for i in 0..20 {
            text.extend_from_slice(format!("R{i},Cr\u{e8}me {i}\n").as_bytes());
        }
        text.extend_from_slice(b"R99,Fa\xe7ade\n");
        let (e, d) = decide_mixed(&text);
        assert_eq!(e, Encoding::Utf8);
        assert_eq!(d.per_row, Some(Encoding::Windows1252));
    }

    #[test]
    fn legacy_guess_tells_chinese_from_latin1() {
        let (gbk, _, _) = encoding_rs::GBK.encode("商品编号,名称\n1,红色衬衫。\n2,蓝色裤子\n");
        assert_eq!(guess_legacy(&gbk), Encoding::Gb18030);
        assert_eq!(
            guess_legacy(b"id,title\n1,Caf\xe9 cr\xe8me\n"),
            Encoding::Windows1252
        );
        assert_eq!(guess_legacy(b"1,\xe9t\xe9\n"), Encoding::Windows1252);
    }

    #[test]
    fn utf16_is_recognised_without_a_bom() {
        let le: Vec<u8> = "id,title\n1,Lamp\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(utf16_without_bom(&le), Some(Encoding::Utf16Le));
        let be: Vec<u8> = "id,title\n1,Lamp\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(utf16_without_bom(&be), Some(Encoding::Utf16Be));
        assert_eq!(utf16_without_bom(b"id,title\n1,Lamp\n"), None);
    }
}
