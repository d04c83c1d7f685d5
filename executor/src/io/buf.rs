//! [`Buf`]: the buffer that a blocking value's async adapter hands back and
//! forth between the task and the blocking pool: bytes read ahead and not
//! yet given to the reader, or bytes accepted from a writer and not yet
//! written. As tokio's `io/blocking.rs` `Buf`, it serves both adapters:
//!
//! - `fs::File` keeps one, for both directions: the buffer holds read-ahead
//!   bytes or write-behind bytes, never both; a write first gives the
//!   read-ahead back ([`discard_read`](Buf::discard_read), then a seek).
//! - `io::blocking::Blocking` (stdin, stdout, stderr) keeps one per
//!   direction, since a stream's reads and writes do not share a position.
//!
//! Either way a buffer is empty when it is filled (a read into it, or a
//! copy of a writer's bytes), which it checks. The whole vector stays
//! initialised (zeroed when it grows), so a read into it needs no `unsafe`,
//! and a buffer that is reused is not zeroed again; the live bytes are
//! `data[pos..end]`.

use std::io::{self, IoSlice, Read, Write};

/// The most bytes one operation reads or writes through a [`Buf`], unless
/// the adapter says otherwise (`fs::File::set_max_buf_size`): 2 MiB, as
/// tokio's. Larger reads and writes are served in several operations.
pub(crate) const DEFAULT_MAX_BUF_SIZE: usize = 2 * 1024 * 1024;

/// Bytes on their way between a task and a blocking value; see the module
/// docs.
#[derive(Debug, Default)]
pub(crate) struct Buf {
    data: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    /// Whether no byte is buffered.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// The bytes buffered.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data[self.pos..self.end]
    }

    /// Makes `data` at least `len` bytes long, zeroing what it adds.
    fn ensure_len(&mut self, len: usize) {
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
    }

    /// Forgets the buffered bytes.
    fn clear(&mut self) {
        self.pos = 0;
        self.end = 0;
    }

    /// Moves up to `dst.len()` buffered bytes into `dst`; returns how many.
    pub(crate) fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = self.bytes().len().min(dst.len());
        dst[..n].copy_from_slice(&self.bytes()[..n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    /// Moves buffered bytes into tokio's `ReadBuf`, as many as it has room
    /// for; returns how many.
    pub(crate) fn copy_to_read_buf(&mut self, dst: &mut tokio::io::ReadBuf<'_>) -> usize {
        let n = self.bytes().len().min(dst.remaining());
        dst.put_slice(&self.bytes()[..n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    /// Takes up to `max` bytes of `src` into the empty buffer; returns how
    /// many.
    pub(crate) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        self.copy_from_bufs(&[IoSlice::new(src)], max)
    }

    /// Takes up to `max` bytes of `bufs`, in order, into the empty buffer;
    /// returns how many.
    pub(crate) fn copy_from_bufs(&mut self, bufs: &[IoSlice<'_>], max: usize) -> usize {
        assert!(self.is_empty(), "a write into a buffer that holds bytes");
        let total = bufs
            .iter()
            .map(|b| b.len())
            .fold(0usize, usize::saturating_add);
        let n = total.min(max);
        self.ensure_len(n);
        let mut at = 0;
        for src in bufs {
            let take = src.len().min(n - at);
            self.data[at..at + take].copy_from_slice(&src[..take]);
            at += take;
            if at == n {
                break;
            }
        }
        self.pos = 0;
        self.end = n;
        n
    }

    /// Reads at most `max` bytes from `rd` into the empty buffer, retrying
    /// an interrupted read; returns how many (0 at the end of the input).
    /// On an error the buffer stays empty.
    ///
    /// # Panics
    ///
    /// If the buffer holds bytes, or `rd` claims to have read more than
    /// `max` bytes (run on the blocking pool, that panic fails the
    /// operation, which the adapter reports).
    pub(crate) fn read_from(&mut self, rd: &mut impl Read, max: usize) -> io::Result<usize> {
        assert!(self.is_empty(), "a read into a buffer that holds bytes");
        self.clear();
        self.ensure_len(max);
        let res = loop {
            match rd.read(&mut self.data[..max]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        if let Ok(n) = res {
            assert!(n <= max, "a read claimed {n} bytes of a {max}-byte buffer");
            self.end = n;
        }
        res
    }

    /// Writes every buffered byte to `wr`, and empties the buffer whether
    /// that worked or not (as tokio's: a failed write loses its bytes and
    /// reports the error once).
    pub(crate) fn write_to(&mut self, wr: &mut impl Write) -> io::Result<()> {
        let res = wr.write_all(self.bytes());
        self.clear();
        res
    }

    /// Forgets the bytes read ahead and not yet consumed, returning the
    /// seek (negative, or zero) that takes the file's cursor back to where
    /// the reader is.
    // `fs` (its one user) is off under loom.
    #[cfg_attr(taskcell_loom, allow(dead_code))]
    pub(crate) fn discard_read(&mut self) -> i64 {
        let back = self.bytes().len();
        self.clear();
        // A buffer holds at most `max_buf_size` bytes, an allocation: it
        // fits in `i64`.
        -(back as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::Buf;
    use std::io::{self, Cursor, IoSlice, Read};

    #[test]
    fn copy_from_then_to_in_pieces() {
        let mut buf = Buf::default();
        assert_eq!(buf.copy_from(b"hello world", 5), 5);
        assert_eq!(buf.bytes(), b"hello");
        let mut dst = [0; 3];
        assert_eq!(buf.copy_to(&mut dst), 3);
        assert_eq!(&dst, b"hel");
        assert_eq!(buf.copy_to(&mut dst), 2);
        assert_eq!(&dst[..2], b"lo");
        assert!(buf.is_empty());
        assert_eq!(buf.copy_to(&mut dst), 0);
    }

    #[test]
    fn copy_from_bufs_stops_at_max() {
        let mut buf = Buf::default();
        let bufs = [
            IoSlice::new(b"ab"),
            IoSlice::new(b""),
            IoSlice::new(b"cdef"),
        ];
        assert_eq!(buf.copy_from_bufs(&bufs, 4), 4);
        assert_eq!(buf.bytes(), b"abcd");
        let mut out = Vec::new();
        buf.write_to(&mut out).unwrap();
        assert_eq!(out, b"abcd");
        assert_eq!(buf.copy_from_bufs(&bufs, 100), 6);
        assert_eq!(buf.bytes(), b"abcdef");
    }

    #[test]
    fn reuse_keeps_no_stale_bytes() {
        let mut buf = Buf::default();
        buf.copy_from(b"0123456789", 100);
        buf.write_to(&mut Vec::new()).unwrap();
        // A shorter fill after a longer one shows only its own bytes.
        assert_eq!(buf.read_from(&mut Cursor::new(b"ab"), 8).unwrap(), 2);
        assert_eq!(buf.bytes(), b"ab");
        buf.discard_read();
        assert_eq!(buf.read_from(&mut Cursor::new(b""), 8).unwrap(), 0);
        assert!(buf.is_empty());
    }

    #[test]
    fn read_from_reads_at_most_max() {
        let mut buf = Buf::default();
        let mut src = Cursor::new(b"abcdef".to_vec());
        assert_eq!(buf.read_from(&mut src, 4).unwrap(), 4);
        assert_eq!(buf.bytes(), b"abcd");
        assert_eq!(buf.discard_read(), -4);
        assert!(buf.is_empty());
        assert_eq!(buf.read_from(&mut src, 4).unwrap(), 2);
        assert_eq!(buf.bytes(), b"ef");
    }

    #[test]
    fn discard_read_counts_only_unread_bytes() {
        let mut buf = Buf::default();
        buf.read_from(&mut Cursor::new(b"abcdef"), 6).unwrap();
        buf.copy_to(&mut [0; 2]);
        assert_eq!(buf.discard_read(), -4);
        assert_eq!(buf.discard_read(), 0);
    }

    /// Interrupted once, then reads.
    struct Flaky(bool);

    impl Read for Flaky {
        fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
            if std::mem::replace(&mut self.0, false) {
                return Err(io::ErrorKind::Interrupted.into());
            }
            dst[0] = 7;
            Ok(1)
        }
    }

    #[test]
    fn read_from_retries_interrupted_and_reports_errors() {
        let mut buf = Buf::default();
        assert_eq!(buf.read_from(&mut Flaky(true), 4).unwrap(), 1);
        assert_eq!(buf.bytes(), [7]);
        buf.discard_read();

        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::PermissionDenied.into())
            }
        }
        let err = buf.read_from(&mut Failing, 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert!(buf.is_empty());
    }

    #[test]
    fn failed_write_empties_the_buffer() {
        struct Full;
        impl io::Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::StorageFull.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut buf = Buf::default();
        buf.copy_from(b"data", 10);
        assert_eq!(
            buf.write_to(&mut Full).unwrap_err().kind(),
            io::ErrorKind::StorageFull
        );
        assert!(buf.is_empty());
    }
}
