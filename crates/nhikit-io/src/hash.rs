//! A writer that counts and hashes the bytes passing through it, so a file's SHA-256 is known
//! when it is closed without reading it again.

use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// Counts and SHA-256-hashes everything written to `inner`.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Flushes and returns the byte count and the lowercase hex SHA-256.
    pub(crate) fn finish(mut self) -> io::Result<(u64, String)> {
        self.inner.flush()?;
        Ok((self.bytes, hex(&self.hasher.finalize())))
    }

    /// Flushes and returns the inner writer, the byte count and the lowercase hex SHA-256.
    pub(crate) fn into_parts(mut self) -> io::Result<(W, u64, String)> {
        self.inner.flush()?;
        Ok((self.inner, self.bytes, hex(&self.hasher.finalize())))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lowercase hex of some bytes (digests and keys in manifests and audit logs).
///
/// ```
/// assert_eq!(nhikit_io::hex(&[0x00, 0xab, 0x7f]), "00ab7f");
/// ```
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Length and SHA-256 of everything `reader` yields (an opened file), read in chunks.
pub(crate) fn hash_reader(reader: &mut impl io::Read) -> io::Result<(u64, String)> {
    let mut w = HashingWriter::new(io::sink());
    io::copy(reader, &mut w)?;
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (n, h) = w.finish().unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
