//! Offset pagination that actually reaches page 2.
//!
//! The nine list endpoints return `{items, count}` and take `limit`/`offset`. The official
//! client's auto-pagination never fetches a second page (reference §4.3); here:
//! - the next offset is the offset sent plus the items received;
//! - there is a next page iff the page was not empty and, when `count` (the total) is present,
//!   `offset + items < count`, or, without `count`, the page was full;
//! - every filter is kept on every page; only `offset` changes;
//! - a server that ignores `offset` (the same non-empty page twice) ends the walk with
//!   [`Error::Pagination`] instead of looping forever;
//! - with [`Request::prefetch`], once the first page gives the total, up to N later pages are
//!   fetched concurrently and still yielded in order; their offsets are produced lazily and the
//!   walk ends at the first page that has no successor, so a `count` of `i64::MAX` costs no
//!   memory and no requests beyond the real end of the list;
//! - offsets are added with overflow checks: a walk that would pass `u64::MAX` ends with
//!   [`Error::Pagination`].

use std::num::NonZeroU64;

use aymara_raw::operation::Paginated;
use futures_util::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::request::Request;

/// Page size used when the caller sets none (the server's documented default).
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// One page of a list.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T, O = ()> {
    /// This page's items.
    pub items: Vec<T>,
    /// Total number of matching items, when the server sent it (`count`, or `total_count`).
    pub count: Option<u64>,
    /// Whether more items follow, when the server says so (`has_more`: the analysis endpoint).
    pub has_more: Option<bool>,
    /// Offset this page was requested at.
    pub offset: u64,
    /// Page size that was requested.
    pub limit: u64,
    next: Option<O>,
}

impl<T, O> Page<T, O> {
    /// Whether another page follows.
    pub fn has_next_page(&self) -> bool {
        self.next.is_some()
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn map_next<N>(self, f: impl FnOnce(O) -> N) -> Page<T, N> {
        Page {
            items: self.items,
            count: self.count,
            has_more: self.has_more,
            offset: self.offset,
            limit: self.limit,
            next: self.next.map(f),
        }
    }

    #[cfg_attr(not(feature = "blocking"), allow(dead_code))]
    pub(crate) fn next_request(&self) -> Option<&O> {
        self.next.as_ref()
    }

    /// Offset of the next page, if there is one.
    pub fn next_offset(&self) -> Option<u64> {
        self.next
            .as_ref()
            .and_then(|_| after(self.offset, self.items.len()))
    }
}

impl<T, O> IntoIterator for Page<T, O> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The page type a list request yields.
pub type PageOf<O> = Page<<O as Paginated>::Item, Request<O>>;

impl<T, O: Paginated<Item = T>> Page<T, Request<O>> {
    /// Fetches the next page, or `None` after the last one.
    pub async fn next_page(&self) -> Result<Option<PageOf<O>>> {
        match &self.next {
            Some(next) => next.clone().send_page().await.map(Some),
            None => Ok(None),
        }
    }
}

impl<O: Paginated> Request<O> {
    /// With [`items`](Request::items) and [`pages`](Request::pages): once the first page tells
    /// the total, fetch up to `depth` further pages concurrently (still yielded in order).
    /// 0 or 1 means one page at a time.
    pub fn prefetch(mut self, depth: usize) -> Self {
        self.prefetch = depth;
        self
    }
}

impl<O: Paginated> Request<O> {
    /// Fetches one page (the first, or the one at the request's `offset`).
    pub async fn send_page(self) -> Result<PageOf<O>> {
        self.check_refused()?;
        let mut req = self;
        let (limit, offset) = req.op.window();
        let window = NonZeroU64::new(limit.unwrap_or(DEFAULT_PAGE_SIZE)).unwrap_or(NonZeroU64::MIN);
        let offset = offset.unwrap_or(0);
        // Always send both, so the walk never depends on server defaults.
        req.op.set_window(window, offset);
        let limit = window.get();
        let output =
            crate::http::exchange::send(req.client.config(), &req.op, &req.options).await?;
        let parts = O::into_page(output);
        let items = parts.items;
        let count = parts.count.and_then(|c| u64::try_from(c).ok());
        let received = u64::try_from(items.len()).unwrap_or(u64::MAX);
        let following = after(offset, items.len());
        let more = received > 0
            && match (parts.has_more, count) {
                (Some(more), _) => more,
                (None, Some(total)) => following.is_none_or(|f| f < total),
                (None, None) => received >= limit,
            };
        let next = match (more, following) {
            (false, _) => None,
            (true, Some(f)) => {
                let mut next = req;
                next.op.set_window(window, f);
                Some(next)
            }
            (true, None) => {
                return Err(Error::Pagination {
                    operation: O::ID,
                    offset,
                    reason: "the next offset would overflow u64".into(),
                });
            }
        };
        Ok(Page {
            items,
            count,
            has_more: parts.has_more,
            offset,
            limit,
            next,
        })
    }

    /// Every page, in order, as a stream.
    ///
    /// The stream is `Unpin`: `while let Some(page) = pages.try_next().await?` needs no pinning.
    pub fn pages(self) -> impl Stream<Item = Result<PageOf<O>>> + Send + Unpin + 'static {
        let depth = self.prefetch;
        let operation = O::ID;
        stream::once(self.send_page())
            .map_ok(move |page| {
                let rest = follow(&page, depth);
                stream::once(std::future::ready(Ok(page))).chain(rest)
            })
            .try_flatten()
            .scan((None, false), move |(prev, stopped): &mut (Option<Signature<O::Item>>, bool), page| {
                if *stopped {
                    return std::future::ready(None);
                }
                let out = match page {
                    Ok(page) => {
                        let sig = Signature::of(&page);
                        if prev.as_ref().is_some_and(|p| p.repeats(&sig)) {
                            *stopped = true;
                            Err(Error::Pagination {
                                operation,
                                offset: page.offset,
                                reason: "the server returned the same page for a new offset; it may ignore `offset`".into(),
                            })
                        } else {
                            *prev = Some(sig);
                            Ok(page)
                        }
                    }
                    Err(e) => {
                        *stopped = true;
                        Err(e)
                    }
                };
                std::future::ready(Some(out))
            })
            .boxed()
    }

    /// Every item of every page, in order, as a stream.
    ///
    /// The stream is `Unpin`: `while let Some(item) = items.try_next().await?` needs no pinning.
    pub fn items(self) -> impl Stream<Item = Result<O::Item>> + Send + Unpin + 'static {
        self.pages()
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    /// Collects every item of every page.
    pub async fn collect_all(self) -> Result<Vec<O::Item>> {
        self.items().try_collect().await
    }
}

/// Pages after `page`: one at a time, or `depth` at once when the total is known.
fn follow<O: Paginated>(page: &PageOf<O>, depth: usize) -> BoxStream<'static, Result<PageOf<O>>> {
    let Some(next) = page.next.clone() else {
        return stream::empty().boxed();
    };
    let page_limit = page.limit;
    match (page.count, page.next_offset()) {
        (Some(total), Some(from)) if depth > 1 => stream::iter(offsets(from, page.limit, total))
            .map(move |o| {
                let mut req = next.clone();
                let limit = NonZeroU64::new(page_limit).unwrap_or(NonZeroU64::MIN);
                req.op.set_window(limit, o);
                req.send_page()
            })
            .buffered(depth)
            // The server's total is a hint: stop at the first page that has no successor (or
            // fails) rather than at `count`, which may be far beyond the real end.
            .scan(false, |ended, page| {
                if *ended {
                    return std::future::ready(None);
                }
                *ended = page.as_ref().map_or(true, |p| !p.has_next_page());
                std::future::ready(Some(page))
            })
            .boxed(),
        _ => stream::try_unfold(Some(next), |next| async move {
            match next {
                None => Ok(None),
                Some(req) => {
                    let page = req.send_page().await?;
                    let following = page.next.clone();
                    Ok(Some((page, following)))
                }
            }
        })
        .boxed(),
    }
}

/// The offsets `from, from + limit, …` below `total`, produced one at a time.
fn offsets(from: u64, limit: u64, total: u64) -> impl Iterator<Item = u64> + Send + 'static {
    let step = limit.max(1);
    std::iter::successors(Some(from), move |o| o.checked_add(step)).take_while(move |o| *o < total)
}

/// The offset after `len` items at `offset`, unless it overflows.
fn after(offset: u64, len: usize) -> Option<u64> {
    offset.checked_add(u64::try_from(len).ok()?)
}

/// Enough of a page to notice the server sending it again for another offset.
struct Signature<T> {
    offset: u64,
    len: usize,
    first: Option<T>,
    last: Option<T>,
}

impl<T: Clone + PartialEq> Signature<T> {
    fn of<O>(page: &Page<T, O>) -> Self {
        Self {
            offset: page.offset,
            len: page.items.len(),
            first: page.items.first().cloned(),
            last: page.items.last().cloned(),
        }
    }

    fn repeats(&self, next: &Self) -> bool {
        next.len > 0
            && next.offset != self.offset
            && next.len == self.len
            && next.first == self.first
            && next.last == self.last
    }
}
