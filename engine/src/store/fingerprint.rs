//! Content fingerprints of source files, so the same data is imported once
//! whatever its file name.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3Default;

use crate::error::{Error, Result};

/// Read size: large enough that system calls do not dominate.
const BUFFER_BYTES: usize = 1 << 20;

/// Content hash of a file as `xxh3-128:<32 hex digits>`.
///
/// XXH3 is not cryptographic, which is fine here: it guards against importing
/// the same export twice, not against an adversary, and at several GB/s it
/// keeps a 500 MB file well under a second.
pub fn fingerprint_file(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    let mut hasher = Xxh3Default::new();
    let mut buf = vec![0u8; BUFFER_BYTES];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(format!("xxh3-128:{:032x}", hasher.digest128()))
}

/// Fingerprint of a source made of one or more files (a data-set folder):
/// the file's own fingerprint for one file, else a hash over each file's name
/// and fingerprint, in the order given.
pub fn fingerprint_files(paths: &[PathBuf]) -> Result<String> {
    if let [one] = paths {
        return fingerprint_file(one);
    }
    let mut hasher = Xxh3Default::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        hasher.update(name.as_bytes());
        hasher.update(b"\0");
        hasher.update(fingerprint_file(path)?.as_bytes());
        hasher.update(b"\n");
    }
    Ok(format!("xxh3-128:{:032x}", hasher.digest128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_content_same_fingerprint() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", "/tmp", e))?;
        let write = |name: &str, body: &[u8]| -> Result<std::path::PathBuf> {
            let p = dir.path().join(name);
            std::fs::write(&p, body).map_err(|e| Error::io("cannot write", &p, e))?;
            Ok(p)
        };
        // Longer than one buffer, so the streaming path is exercised.
        let body: Vec<u8> = (0..BUFFER_BYTES + 4097).map(|i| (i % 251) as u8).collect();
        let a = fingerprint_file(&write("a.csv", &body)?)?;
        let b = fingerprint_file(&write("b.csv", &body)?)?;
        let mut other = body.clone();
        other[BUFFER_BYTES + 5] ^= 1;
        let c = fingerprint_file(&write("c.csv", &other)?)?;
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.starts_with("xxh3-128:") && a.len() == 9 + 32);
        assert_eq!(
            a,
            format!("xxh3-128:{:032x}", xxhash_rust::xxh3::xxh3_128(&body))
        );
        Ok(())
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = fingerprint_file(Path::new("/no/such/file.csv"));
        assert!(matches!(err, Err(e) if e.to_string().contains("/no/such/file.csv")));
    }
}
