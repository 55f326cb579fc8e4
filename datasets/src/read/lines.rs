//! Physical lines of a text stream, each capped at [`MAX_ROW_BYTES`] so that
//! memory stays bounded whatever the file holds, with line numbers and a
//! way to read some lines again (to resume after a runaway quoted field).

use std::io::{self, BufRead};

use memchr::memchr;

use super::table::MAX_ROW_BYTES;

/// What [`Lines::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// A line (1-based number) was appended to the buffer, ending in `\n`
    /// (one is added to a last line without it; `\r\n` becomes `\n`).
    Text(u64),
    /// A line (number, length in bytes) longer than [`MAX_ROW_BYTES`] was
    /// skipped; nothing was appended.
    Long(u64, u64),
    /// The end of the stream.
    End,
}

/// Lines of a byte stream.
pub struct Lines {
    reader: Box<dyn BufRead + Send>,
    /// Lines to read again before the stream, and the number of the first.
    replay: Vec<u8>,
    replay_at: usize,
    replay_line: u64,
    /// An over-long line met while lines were being gathered for a record,
    /// reported after the replayed lines.
    deferred: Option<(u64, u64)>,
    /// Number of the next line from the stream.
    next_line: u64,
    /// Lines are ended by a lone `\r` (old Mac files).
    cr_only: bool,
}

impl Lines {
    /// Lines of `reader`; `cr_only` when the file ends its lines with `\r` alone.
    pub fn new(reader: Box<dyn BufRead + Send>, cr_only: bool) -> Lines {
        Lines {
            reader,
            replay: Vec::new(),
            replay_at: 0,
            replay_line: 0,
            deferred: None,
            next_line: 1,
            cr_only,
        }
    }

    /// Number of the next line read from the stream (what a read failure
    /// reports: the line it could not finish).
    pub fn next_line_number(&self) -> u64 {
        self.next_line
    }

    /// Appends the next line to `buf`.
    pub fn next(&mut self, buf: &mut Vec<u8>) -> io::Result<Line> {
        if self.replay_at < self.replay.len() {
            let rest = &self.replay[self.replay_at..];
            let n = memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            buf.extend_from_slice(&rest[..n]);
            if buf.last() != Some(&b'\n') {
                buf.push(b'\n');
            }
            self.replay_at += n;
            let line = self.replay_line;
            self.replay_line += 1;
            if self.replay_at == self.replay.len() {
                self.replay.clear();
                self.replay_at = 0;
            }
            return Ok(Line::Text(line));
        }
        if let Some((line, len)) = self.deferred.take() {
            return Ok(Line::Long(line, len));
        }
        let start = buf.len();
        let term = if self.cr_only { b'\r' } else { b'\n' };
        let mut len = 0u64;
        let mut long = false;
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(start);
                    return Err(e);
                }
            };
            if chunk.is_empty() {
                if len == 0 {
                    return Ok(Line::End);
                }
                break;
            }
            let (n, found) = match memchr(term, chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            len += n as u64;
            if !long {
                if len as usize > MAX_ROW_BYTES + 2 {
                    // Over the limit: stop keeping it, skip to its end.
                    long = true;
                    buf.truncate(start);
                } else {
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
            self.reader.consume(n);
            if found {
                break;
            }
        }
        let line = self.next_line;
        self.next_line += 1;
        if long {
            return Ok(Line::Long(line, len));
        }
        if self.cr_only
            && let Some(last) = buf.last_mut().filter(|b| **b == b'\r')
        {
            *last = b'\n';
        }
        match buf.last() {
            Some(b'\n') => {
                if buf.len() >= start + 2 && buf[buf.len() - 2] == b'\r' {
                    buf.truncate(buf.len() - 2);
                    buf.push(b'\n');
                }
            }
            _ => buf.push(b'\n'),
        }
        Ok(Line::Text(line))
    }

    /// The next line and its number when it lies whole in the stream's
    /// buffer (the common case), to be parsed without copying; `\r\n` is
    /// kept. [`Lines::consume_peeked`] then takes it.
    pub fn peek(&mut self) -> Option<(&[u8], u64)> {
        if self.replay_at < self.replay.len() || self.deferred.is_some() || self.cr_only {
            return None;
        }
        let buf = self.reader.fill_buf().ok()?;
        let i = memchr(b'\n', buf)?;
        Some((&buf[..=i], self.next_line))
    }

    /// Takes the line returned by [`Lines::peek`] (`len` bytes).
    pub fn consume_peeked(&mut self, len: usize) {
        self.reader.consume(len);
        self.next_line += 1;
    }

    /// Reads `lines` (whole lines ending in `\n`, the first numbered
    /// `first`) again before the rest of the stream; `deferred` is an
    /// over-long line met after them, reported once they are read.
    pub fn replay(&mut self, lines: &[u8], first: u64, deferred: Option<(u64, u64)>) {
        if deferred.is_none()
            && lines.len() <= self.replay_at
            && &self.replay[self.replay_at - lines.len()..self.replay_at] == lines
        {
            // The lines were just read from the replay buffer: step back
            // instead of copying (repeated resyncs stay linear).
            self.replay_at -= lines.len();
            self.replay_line = first;
            return;
        }
        // Lines still waiting from an earlier replay come after these.
        let mut all = lines.to_vec();
        all.extend_from_slice(&self.replay[self.replay_at..]);
        self.replay = all;
        self.replay_at = 0;
        self.replay_line = first;
        if deferred.is_some() {
            self.deferred = deferred;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8]) -> Lines {
        Lines::new(Box::new(io::Cursor::new(text.to_vec())), false)
    }

    #[test]
    fn numbers_endings_and_long_lines() {
        let mut text = b"a\r\nb\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES + 10));
        text.extend_from_slice(b"\nc");
        let mut l = lines(&text);
        let mut buf = Vec::new();
        assert_eq!(l.next(&mut buf).unwrap(), Line::Text(1));
        assert_eq!(l.next(&mut buf).unwrap(), Line::Text(2));
        assert_eq!(buf, b"a\nb\n");
        assert_eq!(
            l.next(&mut buf).unwrap(),
            Line::Long(3, MAX_ROW_BYTES as u64 + 11)
        );
        assert_eq!(l.next(&mut buf).unwrap(), Line::Text(4));
        assert_eq!(buf, b"a\nb\nc\n");
        assert_eq!(l.next(&mut buf).unwrap(), Line::End);
        l.replay(b"b\nc\n", 2, Some((4, 9)));
        buf.clear();
        assert_eq!(l.next(&mut buf).unwrap(), Line::Text(2));
        assert_eq!(l.next(&mut buf).unwrap(), Line::Text(3));
        assert_eq!(l.next(&mut buf).unwrap(), Line::Long(4, 9));
        assert_eq!(l.next(&mut buf).unwrap(), Line::End);
    }
}
