//! Upload sources, streaming bodies, progress and the stall timeout.
//!
//! A file is never read whole into memory: a path is streamed from disk in 64 KiB chunks, a
//! reader is streamed as it yields. An upload has no total deadline: it fails only when no byte
//! was sent for the client's stall timeout (default 60 s), or when the server does not answer
//! within the request timeout after the last byte. A failed upload is always reported.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use tokio::io::AsyncRead;
use tokio::time::Instant;

use crate::error::{CallContext, Error, Result};

const CHUNK: usize = 64 * 1024;

/// What to upload.
#[non_exhaustive]
pub enum UploadSource {
    /// A file on disk, streamed (its name gives the part's file name and content type).
    Path(PathBuf),
    /// Bytes in memory, with an optional file name (default `upload`).
    Bytes {
        /// File name sent with the bytes.
        name: Option<String>,
        /// The content.
        data: Bytes,
    },
    /// Any async reader, streamed; `len` enables an exact `Content-Length` and progress totals.
    Reader {
        /// File name sent with the content.
        name: String,
        /// The content.
        reader: Box<dyn AsyncRead + Send + Unpin>,
        /// Its length, when known.
        len: Option<u64>,
    },
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(p) => f.debug_tuple("Path").field(p).finish(),
            Self::Bytes { name, data } => f
                .debug_struct("Bytes")
                .field("name", name)
                .field("len", &data.len())
                .finish(),
            Self::Reader { name, len, .. } => f
                .debug_struct("Reader")
                .field("name", name)
                .field("len", len)
                .finish(),
        }
    }
}

impl UploadSource {
    /// A file on disk.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Self::Path(path.into())
    }

    /// Bytes in memory with a file name (which also gives the content type).
    pub fn bytes(name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Self::Bytes {
            name: Some(name.into()),
            data: data.into(),
        }
    }

    /// An async reader with a file name and, if known, its length.
    pub fn reader(
        name: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
        len: Option<u64>,
    ) -> Self {
        Self::Reader {
            name: name.into(),
            reader: Box::new(reader),
            len,
        }
    }

    /// The file name this source uploads under, before any override.
    pub fn file_name(&self) -> String {
        match self {
            Self::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "upload".into()),
            Self::Bytes { name, .. } => name.clone().unwrap_or_else(|| "upload".into()),
            Self::Reader { name, .. } => name.clone(),
        }
    }
}

impl From<PathBuf> for UploadSource {
    fn from(p: PathBuf) -> Self {
        Self::Path(p)
    }
}

impl From<&Path> for UploadSource {
    fn from(p: &Path) -> Self {
        Self::Path(p.to_path_buf())
    }
}

impl From<&str> for UploadSource {
    /// A path on disk.
    fn from(p: &str) -> Self {
        Self::Path(p.into())
    }
}

impl From<String> for UploadSource {
    /// A path on disk.
    fn from(p: String) -> Self {
        Self::Path(p.into())
    }
}

impl From<Vec<u8>> for UploadSource {
    fn from(b: Vec<u8>) -> Self {
        Self::Bytes {
            name: None,
            data: b.into(),
        }
    }
}

impl From<Bytes> for UploadSource {
    fn from(b: Bytes) -> Self {
        Self::Bytes {
            name: None,
            data: b,
        }
    }
}

/// Guesses a MIME type from a file name, falling back to `application/octet-stream`.
pub fn guess_content_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first()
        .map(|m| m.essence_str().to_string())
        .unwrap_or_else(|| "application/octet-stream".into())
}

/// Progress of an upload body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes handed to the connection so far.
    pub bytes_sent: u64,
    /// Total bytes, when known.
    pub total: Option<u64>,
}

pub(crate) type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// Shared between the body stream and the stall watchdog.
pub(crate) struct Tracker {
    state: Mutex<TrackerState>,
    total: Option<u64>,
    callback: Option<ProgressFn>,
}

struct TrackerState {
    sent: u64,
    last_progress: Instant,
    finished_at: Option<Instant>,
    /// Waiting between attempts: neither a stall nor a slow response.
    paused: bool,
    /// Why the source stopped yielding bytes, when it failed.
    source_error: Option<(std::io::ErrorKind, String)>,
}

impl Tracker {
    pub(crate) fn new(total: Option<u64>, callback: Option<ProgressFn>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(TrackerState {
                sent: 0,
                last_progress: Instant::now(),
                finished_at: None,
                paused: false,
                source_error: None,
            }),
            total,
            callback,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TrackerState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn advance(&self, n: u64) {
        let sent = {
            let mut s = self.lock();
            s.sent = s.sent.saturating_add(n);
            s.last_progress = Instant::now();
            s.sent
        };
        if let Some(cb) = &self.callback {
            cb(UploadProgress {
                bytes_sent: sent,
                total: self.total,
            });
        }
    }

    fn reset(&self) {
        let mut s = self.lock();
        s.sent = 0;
        s.last_progress = Instant::now();
        s.finished_at = None;
        s.paused = false;
        s.source_error = None;
    }

    fn fail(&self, e: &std::io::Error) {
        self.lock().source_error = Some((e.kind(), e.to_string()));
    }

    /// Whether every byte of the body was handed to the connection.
    fn body_complete(&self) -> bool {
        self.lock().finished_at.is_some()
    }

    fn finish(&self) {
        let mut s = self.lock();
        if s.finished_at.is_none() {
            s.finished_at = Some(Instant::now());
        }
    }

    /// Bytes sent so far.
    pub(crate) fn sent(&self) -> u64 {
        self.lock().sent
    }
}

/// Where a source's bytes come from once opened.
pub(crate) enum Opened {
    Bytes(Bytes),
    Stream(Pin<Box<dyn AsyncRead + Send>>),
}

/// How to produce the same bytes again for a retry.
#[derive(Clone)]
pub(crate) enum Origin {
    Bytes(Bytes),
    Path(PathBuf),
    /// A reader: its bytes can be sent once only.
    OneShot,
}

/// Builds a fresh body for another attempt, or `None` when the source cannot be replayed.
pub(crate) type Rebody = Arc<dyn Fn() -> Option<reqwest::Body> + Send + Sync>;

/// An opened source: its name, content type, length and bytes.
pub(crate) struct OpenedSource {
    pub(crate) name: String,
    pub(crate) content_type: String,
    pub(crate) len: Option<u64>,
    pub(crate) body: Opened,
    pub(crate) origin: Origin,
}

/// Opens `path` and its length if it is a regular file, `None` if it is anything else. Checked
/// before opening (opening a FIFO blocks until a writer appears) and again on the handle; on
/// Unix the open itself cannot block (`O_NONBLOCK`, which regular-file reads ignore), so a file
/// swapped for a FIFO in between cannot hang it either.
fn open_regular(path: &Path) -> std::io::Result<Option<(std::fs::File, u64)>> {
    if !std::fs::metadata(path)?.is_file() {
        return Ok(None);
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    let len = meta.len();
    Ok(meta.is_file().then_some((file, len)))
}

/// Opens a source, checking it before any request is sent.
pub(crate) async fn open(
    source: UploadSource,
    name: Option<String>,
    content_type: Option<String>,
) -> Result<OpenedSource> {
    let source_name = source.file_name();
    let name = part_file_name(&name.unwrap_or(source_name))?;
    let content_type = content_type.unwrap_or_else(|| guess_content_type(&name));
    if content_type
        .parse::<reqwest::header::HeaderValue>()
        .is_err()
        || !content_type.contains('/')
    {
        return Err(Error::invalid(
            "content_type",
            format!("{content_type:?} is not a MIME type"),
        ));
    }
    let (len, body, origin) = match source {
        UploadSource::Path(path) => {
            let io = |source| Error::Io {
                path: Some(path.clone()),
                source,
            };
            let opening = path.clone();
            let opened = tokio::task::spawn_blocking(move || open_regular(&opening))
                .await
                .map_err(|e| io(std::io::Error::other(e)))?
                .map_err(io)?;
            let Some((file, len)) = opened else {
                return Err(Error::invalid(
                    "file",
                    format!("{} is not a regular file", path.display()),
                ));
            };
            (
                Some(len),
                Opened::Stream(Box::pin(tokio::fs::File::from_std(file))),
                Origin::Path(path),
            )
        }
        UploadSource::Bytes { data, .. } => (
            Some(data.len() as u64),
            Opened::Bytes(data.clone()),
            Origin::Bytes(data),
        ),
        UploadSource::Reader { reader, len, .. } => {
            (len, Opened::Stream(Box::pin(reader)), Origin::OneShot)
        }
    };
    Ok(OpenedSource {
        name,
        content_type,
        len,
        body,
        origin,
    })
}

impl OpenedSource {
    /// A way to rebuild the body for a retry (paths are reopened, bytes are shared), reporting
    /// progress from zero again; `None` for one-shot readers.
    pub(crate) fn rebody(&self, tracker: &Arc<Tracker>) -> Option<Rebody> {
        let origin = self.origin.clone();
        let len = self.len;
        let tracker = tracker.clone();
        match origin {
            Origin::OneShot => None,
            origin => Some(Arc::new(move || {
                let opened = match &origin {
                    Origin::Bytes(b) => Opened::Bytes(b.clone()),
                    Origin::Path(p) => {
                        // Swapped for something else since the first attempt: not re-sent.
                        let (file, _) = open_regular(p).ok()??;
                        Opened::Stream(Box::pin(tokio::fs::File::from_std(file)))
                    }
                    Origin::OneShot => return None,
                };
                tracker.reset();
                let source = OpenedSource {
                    name: String::new(),
                    content_type: String::new(),
                    len,
                    body: opened,
                    origin: Origin::OneShot,
                };
                Some(source.into_body(tracker.clone()))
            })),
        }
    }

    /// A request body that reports progress to `tracker`. In-memory bytes stay replayable.
    pub(crate) fn into_body(self, tracker: Arc<Tracker>) -> reqwest::Body {
        match self.body {
            Opened::Bytes(b) => {
                // Counted when handed over; small enough to be sent in one go.
                tracker.advance(b.len() as u64);
                tracker.finish();
                reqwest::Body::from(b)
            }
            Opened::Stream(reader) => reqwest::Body::wrap_stream(Counting {
                inner: tokio_util::io::ReaderStream::with_capacity(reader, CHUNK),
                tracker,
                expected: self.len,
            }),
        }
    }
}

pin_project_lite::pin_project! {
    /// A body stream that counts bytes and fails if the source ends early.
    struct Counting<S> {
        #[pin]
        inner: S,
        tracker: Arc<Tracker>,
        expected: Option<u64>,
    }
}

impl<S: Stream<Item = std::io::Result<Bytes>>> Stream for Counting<S> {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        match this.inner.poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.tracker
                    .advance(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => {
                let sent = this.tracker.sent();
                if let Some(expected) = *this.expected
                    && sent != expected
                {
                    // Never send a silently truncated (or padded) file.
                    let e = std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("the source yielded {sent} bytes, {expected} were expected"),
                    );
                    this.tracker.fail(&e);
                    return Poll::Ready(Some(Err(e)));
                }
                this.tracker.finish();
                Poll::Ready(None)
            }
            Poll::Ready(Some(Err(e))) => {
                this.tracker.fail(&e);
                Poll::Ready(Some(Err(e)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl crate::http::exchange::RetryPause for Tracker {
    fn pause(&self) {
        self.lock().paused = true;
    }

    /// Restarts the clocks for the next attempt (whose body, if rebuilt, resets them again).
    fn resume(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        s.paused = false;
        s.last_progress = now;
        if s.finished_at.is_some() {
            s.finished_at = Some(now);
        }
    }
}

/// Drives `send` while watching the body: fails when no byte moved for `stall`, or when the
/// response (headers and body) was not complete within `response_timeout` after the body was
/// fully sent. `map_err` turns a transport error into the call's error.
pub(crate) async fn guard<F>(
    send: F,
    tracker: &Tracker,
    stall: Duration,
    response_timeout: Duration,
    context: CallContext,
) -> Result<crate::http::exchange::Exchanged>
where
    F: std::future::Future<
            Output = std::result::Result<
                crate::http::exchange::Exchanged,
                crate::http::exchange::Failed,
            >,
        >,
{
    let tick = (stall.checked_div(4).unwrap_or_default())
        .clamp(Duration::from_millis(10), Duration::from_secs(1));
    tokio::pin!(send);
    loop {
        tokio::select! {
            result = &mut send => {
                return result.map_err(|failed| {
                    let source_error = tracker.lock().source_error.take();
                    match (source_error, failed) {
                        // The source failed (e.g. the file shrank while being read): say so.
                        (Some((kind, message)), _) => Error::Io {
                            path: None,
                            source: std::io::Error::new(kind, message),
                        },
                        (None, crate::http::exchange::Failed::Transport { source, context }) => {
                            crate::http::exchange::transport_error(
                                source,
                                context,
                                tracker.body_complete(),
                            )
                        }
                        (None, other) => other.into_error(),
                    }
                });
            }
            _ = tokio::time::sleep(tick) => {
                let (idle, finished, paused) = {
                    let s = tracker.lock();
                    (s.last_progress.elapsed(), s.finished_at.map(|t| t.elapsed()), s.paused)
                };
                match finished {
                    _ if paused => {}
                    None if idle >= stall => {
                        return Err(Error::Timeout {
                            context: Box::new(context.clone()),
                            detail: format!("upload stalled: no bytes sent for {}s", stall.as_secs_f64()),
                            may_have_been_processed: false,
                        });
                    }
                    Some(waited) if waited >= response_timeout => {
                        return Err(Error::Timeout {
                            context: Box::new(context.clone()),
                            detail: format!(
                                "no complete response within {}s after the upload finished",
                                response_timeout.as_secs_f64()
                            ),
                            may_have_been_processed: true,
                        });
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The multipart `filename`: no control characters (a CR/LF would end the part header), and
/// `"` percent-encoded as browsers do (RFC 7578 §4.2), so it cannot end the quoted value.
pub(crate) fn part_file_name(name: &str) -> Result<String> {
    if name.trim().is_empty() {
        return Err(Error::invalid("file_name", "must not be empty"));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "file_name",
            format!(
                "{:?} contains control characters",
                crate::error::Capped(name)
            ),
        ));
    }
    Ok(name.replace('"', "%22"))
}
