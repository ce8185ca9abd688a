//! Uploaded bytes on disk: written chunk by chunk (never buffered whole), noting the size, the
//! first bytes and, for text, whether the content is UTF-8. The emulator's object storage.

use std::path::{Path as FsPath, PathBuf};

use tokio::io::{AsyncWriteExt, BufWriter};

use crate::error::ApiError;

/// Leading bytes kept to recognise a file's format.
const HEAD_LEN: usize = 16;
/// Write buffer of uploads.
const WRITE_BUFFER: usize = 1024 * 1024;

pub(crate) async fn remove_quietly(path: &FsPath) {
    // Best effort: the file may already be gone.
    let _ = tokio::fs::remove_file(path).await;
}

/// What was written.
pub(crate) struct Written {
    pub path: PathBuf,
    pub size: u64,
    pub head: Vec<u8>,
    pub utf8_ok: bool,
}

/// A file being written chunk by chunk, noting its size, first bytes and (for text) whether it
/// is UTF-8.
pub(crate) struct Sink {
    out: BufWriter<tokio::fs::File>,
    path: PathBuf,
    size: u64,
    head: Vec<u8>,
    utf8: Option<Utf8Check>,
}

impl Sink {
    pub(crate) async fn create(path: PathBuf, check_utf8: bool) -> Result<Self, ApiError> {
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|err| ApiError::internal(format!("could not create the file: {err}")))?;
        Ok(Self {
            out: BufWriter::with_capacity(WRITE_BUFFER, file),
            path,
            size: 0,
            head: Vec::with_capacity(HEAD_LEN),
            utf8: check_utf8.then(Utf8Check::new),
        })
    }

    pub(crate) async fn write(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        let room = HEAD_LEN.saturating_sub(self.head.len());
        self.head
            .extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
        if let Some(check) = &mut self.utf8 {
            check.feed(chunk);
        }
        self.size = self
            .size
            .saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        self.out
            .write_all(chunk)
            .await
            .map_err(|err| ApiError::internal(format!("could not write the file: {err}")))
    }

    pub(crate) async fn finish(mut self) -> Result<Written, ApiError> {
        if let Err(err) = self.out.flush().await {
            self.abort().await;
            return Err(ApiError::internal(format!(
                "could not write the file: {err}"
            )));
        }
        Ok(Written {
            utf8_ok: self.utf8.as_ref().is_none_or(Utf8Check::is_valid),
            path: self.path,
            size: self.size,
            head: self.head,
        })
    }

    pub(crate) async fn abort(self) {
        drop(self.out);
        remove_quietly(&self.path).await;
    }
}

/// Incremental UTF-8 validation across chunk boundaries.
struct Utf8Check {
    /// Bytes of a character split across chunks (at most 3).
    carry: Vec<u8>,
    ok: bool,
}

impl Utf8Check {
    fn new() -> Self {
        Self {
            carry: Vec::new(),
            ok: true,
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        if !self.ok {
            return;
        }
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            chunk
        } else {
            joined = [self.carry.as_slice(), chunk].concat();
            &joined
        };
        match std::str::from_utf8(data) {
            Ok(_) => self.carry.clear(),
            Err(err) if err.error_len().is_none() => {
                self.carry = data.get(err.valid_up_to()..).unwrap_or_default().to_vec();
            }
            Err(_) => self.ok = false,
        }
    }

    fn is_valid(&self) -> bool {
        self.ok && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_check_handles_split_characters() {
        let text = "héllo wörld ✓".as_bytes();
        for split in 0..text.len() {
            let mut check = Utf8Check::new();
            check.feed(&text[..split]);
            check.feed(&text[split..]);
            assert!(check.is_valid(), "split at {split}");
        }
        let mut bad = Utf8Check::new();
        bad.feed(&[0x61, 0xff, 0x62]);
        assert!(!bad.is_valid());
        let mut truncated = Utf8Check::new();
        truncated.feed(&[0xe2, 0x9c]);
        assert!(!truncated.is_valid());
    }
}
