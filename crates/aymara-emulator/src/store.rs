//! The records and where they live: in memory, in creation order, and (with a data directory)
//! in SQLite.
//!
//! Handlers mutate records under the store lock only through [`Table::insert`],
//! [`Table::get_mut`] and [`Table::remove`], which mark the id dirty. After each request the
//! pipeline calls [`Persistence::flush`]: under the async flush lock it takes the dirty ids and
//! serialises those records (a short section under the store lock: no I/O), then writes them to
//! SQLite in one transaction on a blocking thread. A request is answered only after a flush that
//! began after its mutation has committed, so everything acknowledged is on disk (WAL; a killed
//! process loses nothing the kernel has). Without a data directory the flush only clears the
//! dirty sets.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::records::{EvalRec, FileRec, FileSource, ReportRec, RunRec};

/// All resources.
#[derive(Default)]
pub(crate) struct Store {
    pub files: Table<FileRec>,
    pub evals: Table<EvalRec>,
    pub runs: Table<RunRec>,
    pub reports: Table<ReportRec>,
}

/// Records in creation order with an id index. Removed records leave a hole (so positions stay
/// stable) until holes make up half the table; then it is compacted, so memory stays bounded by
/// the live records.
pub(crate) struct Table<T> {
    /// `(id, creation sequence number, record)`.
    slots: Vec<Option<(String, i64, T)>>,
    next_seq: i64,
    index: HashMap<String, usize>,
    holes: usize,
    /// Ids changed since the last flush.
    dirty: HashSet<String>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            next_seq: 0,
            index: HashMap::new(),
            holes: 0,
            dirty: HashSet::new(),
        }
    }
}

/// Tables smaller than this are never compacted.
const COMPACT_MIN: usize = 64;

impl<T> Table<T> {
    pub fn insert(&mut self, id: String, item: T) {
        let seq = self.next_seq;
        self.insert_at(id, seq, item);
    }

    fn insert_at(&mut self, id: String, seq: i64, item: T) {
        self.dirty.insert(id.clone());
        self.next_seq = self.next_seq.max(seq.saturating_add(1));
        if let Some(&i) = self.index.get(&id) {
            // Replacing keeps the original position and sequence number.
            if let Some(Some(slot)) = self.slots.get_mut(i) {
                slot.2 = item;
            }
            return;
        }
        self.index.insert(id.clone(), self.slots.len());
        self.slots.push(Some((id, seq, item)));
    }

    pub fn get(&self, id: &str) -> Option<&T> {
        self.index
            .get(id)
            .and_then(|&i| self.slots.get(i))
            .and_then(Option::as_ref)
            .map(|(_, _, t)| t)
    }

    /// A record to change (marked dirty: it is written at the next flush).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        let i = *self.index.get(id)?;
        let slot = self.slots.get_mut(i).and_then(Option::as_mut)?;
        self.dirty.insert(id.to_owned());
        Some(&mut slot.2)
    }

    pub fn remove(&mut self, id: &str) -> Option<T> {
        let i = self.index.remove(id)?;
        let (_, _, item) = self.slots.get_mut(i).and_then(Option::take)?;
        self.dirty.insert(id.to_owned());
        self.holes = self.holes.saturating_add(1);
        if self.slots.len() >= COMPACT_MIN && self.holes.saturating_mul(2) >= self.slots.len() {
            self.compact();
        }
        Some(item)
    }

    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        self.index.clear();
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some((id, _, _)) = slot {
                self.index.insert(id.clone(), i);
            }
        }
        self.holes = 0;
    }

    /// Live records in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots
            .iter()
            .filter_map(Option::as_ref)
            .map(|(_, _, t)| t)
    }

    /// Up to `n` live records created after sequence number `after` (all with `after` = -1),
    /// mapped by `f`, and the sequence number to continue after. Lets long scans release the
    /// store lock between chunks.
    pub fn chunk_after<U>(
        &self,
        after: i64,
        n: usize,
        mut f: impl FnMut(&T) -> U,
    ) -> (Vec<U>, i64) {
        // Live slots are in ascending sequence order; a hole cannot be compared, so step over
        // holes while bisecting by looking at the nearest live slot before it.
        let start = self.slots.partition_point(|slot| match slot {
            Some((_, seq, _)) => *seq <= after,
            None => true,
        });
        let start = self.first_live_after(after, start);
        let mut out = Vec::new();
        let mut last = after;
        for (_, seq, item) in self.slots.iter().skip(start).flatten().take(n) {
            out.push(f(item));
            last = *seq;
        }
        (out, last)
    }

    /// Corrects a bisection start that holes may have pushed too far: the first live slot with a
    /// sequence number above `after`, searching back from `guess`.
    fn first_live_after(&self, after: i64, guess: usize) -> usize {
        let mut start = guess.min(self.slots.len());
        while let Some(prev) = start.checked_sub(1) {
            match self.slots.get(prev) {
                Some(Some((_, seq, _))) if *seq <= after => break,
                _ => start = prev,
            }
        }
        start
    }

    /// Ids changed since the last flush (cleared).
    fn take_dirty(&mut self) -> HashSet<String> {
        std::mem::take(&mut self.dirty)
    }

    /// A live record with its creation sequence number.
    fn get_with_seq(&self, id: &str) -> Option<(i64, &T)> {
        self.index
            .get(id)
            .and_then(|&i| self.slots.get(i))
            .and_then(Option::as_ref)
            .map(|(_, seq, t)| (*seq, t))
    }

    /// Number of slots, holes included (tests of compaction).
    #[cfg(test)]
    fn capacity_used(&self) -> usize {
        self.slots.len()
    }
}

/// One change to write: a record's JSON (with its creation position), or its deletion.
enum Change {
    Put {
        kind: &'static str,
        id: String,
        seq: i64,
        body: String,
    },
    Delete {
        kind: &'static str,
        id: String,
    },
}

fn changes_of<T: Serialize>(
    kind: &'static str,
    table: &mut Table<T>,
    out: &mut Vec<Change>,
) -> Result<(), String> {
    for id in table.take_dirty() {
        match table.get_with_seq(&id) {
            Some((seq, rec)) => {
                let body = serde_json::to_string(rec)
                    .map_err(|e| format!("cannot serialise {kind} {id}: {e}"))?;
                out.push(Change::Put {
                    kind,
                    id,
                    seq,
                    body,
                });
            }
            None => out.push(Change::Delete { kind, id }),
        }
    }
    Ok(())
}

/// Where records are written: SQLite in the data directory, or nowhere.
pub(crate) struct Persistence {
    db: Option<Arc<Mutex<Connection>>>,
    /// Serialises flushes (see the module docs).
    flush_lock: tokio::sync::Mutex<()>,
}

impl Persistence {
    /// In memory only.
    pub fn memory() -> Self {
        Self {
            db: None,
            flush_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Opens (or creates) `dir/emulator.sqlite3`, loads every record into a [`Store`] and
    /// deletes byte files in `files_dir` that no record references (an upload or delete cut
    /// short by a crash).
    pub fn open(dir: &Path, files_dir: &Path) -> Result<(Self, Store), String> {
        let path = dir.join("emulator.sqlite3");
        let conn = Connection::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS records (
                 kind TEXT NOT NULL,
                 id TEXT NOT NULL,
                 seq INTEGER NOT NULL,
                 body TEXT NOT NULL,
                 PRIMARY KEY (kind, id)
             );",
        )
        .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut store = Store::default();
        load(&conn, "file", &mut store.files)?;
        load(&conn, "eval", &mut store.evals)?;
        load(&conn, "run", &mut store.runs)?;
        load(&conn, "report", &mut store.reports)?;
        // Loaded records keep their order: rewrite none of them unless they change.
        for table_dirty in [
            &mut store.files.dirty,
            &mut store.evals.dirty,
            &mut store.runs.dirty,
            &mut store.reports.dirty,
        ] {
            table_dirty.clear();
        }
        // Records whose bytes are gone are removed (and marked, so the next flush deletes them).
        relocate_and_sweep(&mut store, files_dir)?;
        Ok((
            Self {
                db: Some(Arc::new(Mutex::new(conn))),
                flush_lock: tokio::sync::Mutex::new(()),
            },
            store,
        ))
    }

    /// Writes every record changed so far (see the module docs).
    pub async fn flush(&self, store: &Mutex<Store>) -> Result<(), String> {
        let guard = self.flush_lock.lock().await;
        let mut changes = Vec::new();
        {
            let mut store = store.lock().unwrap_or_else(PoisonError::into_inner);
            changes_of("file", &mut store.files, &mut changes)?;
            changes_of("eval", &mut store.evals, &mut changes)?;
            changes_of("run", &mut store.runs, &mut changes)?;
            changes_of("report", &mut store.reports, &mut changes)?;
        }
        let Some(db) = self.db.clone() else {
            return Ok(());
        };
        if changes.is_empty() {
            return Ok(());
        }
        let written = tokio::task::spawn_blocking(move || write(&db, &changes)).await;
        drop(guard);
        match written {
            Ok(result) => result,
            Err(e) => Err(format!("the database writer failed: {e}")),
        }
    }
}

fn write(db: &Mutex<Connection>, changes: &[Change]) -> Result<(), String> {
    let mut conn = db.lock().unwrap_or_else(PoisonError::into_inner);
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    {
        let mut put = tx
            .prepare_cached(
                "INSERT INTO records (kind, id, seq, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            )
            .map_err(|e| e.to_string())?;
        let mut del = tx
            .prepare_cached("DELETE FROM records WHERE kind = ?1 AND id = ?2")
            .map_err(|e| e.to_string())?;
        for change in changes {
            match change {
                Change::Put {
                    kind,
                    id,
                    seq,
                    body,
                } => put.execute(params![kind, id, seq, body]),
                Change::Delete { kind, id } => del.execute(params![kind, id]),
            }
            .map_err(|e| format!("cannot write the database: {e}"))?;
        }
    }
    tx.commit()
        .map_err(|e| format!("cannot commit to the database: {e}"))
}

fn load<T: DeserializeOwned>(
    conn: &Connection,
    kind: &str,
    table: &mut Table<T>,
) -> Result<(), String> {
    let mut stmt = conn
        .prepare("SELECT id, seq, body FROM records WHERE kind = ?1 ORDER BY seq")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map(params![kind], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(|e| e.to_string())?;
    for row in rows {
        let (id, seq, body) = row.map_err(|e| e.to_string())?;
        let rec: T = serde_json::from_str(&body)
            .map_err(|e| format!("the stored {kind} {id} cannot be read: {e}"))?;
        table.insert_at(id, seq, rec);
    }
    Ok(())
}

/// Points stored files at `files_dir` (the directory may have moved), forgets records whose
/// bytes are gone (a delete cut short), and removes byte files no record references.
fn relocate_and_sweep(store: &mut Store, files_dir: &Path) -> Result<(), String> {
    let mut referenced = HashSet::new();
    let mut gone = Vec::new();
    // Relocating is not a change: the stored path is rewritten the same way at every start.
    for (id, _, rec) in store.files.slots.iter_mut().flatten() {
        if let FileSource::Stored { path, .. } = &mut rec.source {
            let Some(name) = path.file_name().map(PathBuf::from) else {
                gone.push(id.clone());
                continue;
            };
            *path = files_dir.join(&name);
            if path.is_file() {
                referenced.insert(name);
            } else {
                gone.push(id.clone());
            }
        }
    }
    for id in gone {
        store.files.remove(&id);
    }
    let entries =
        std::fs::read_dir(files_dir).map_err(|e| format!("{}: {e}", files_dir.display()))?;
    for entry in entries.flatten() {
        if !referenced.contains(&PathBuf::from(entry.file_name())) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_records_are_compacted_and_order_is_kept() {
        let mut t: Table<u32> = Table::default();
        for i in 0..200u32 {
            t.insert(format!("id{i}"), i);
        }
        for i in 0..150u32 {
            assert_eq!(t.remove(&format!("id{i}")), Some(i));
        }
        assert!(t.capacity_used() < 200, "{}", t.capacity_used());
        let left: Vec<u32> = t.iter().copied().collect();
        assert_eq!(left, (150..200).collect::<Vec<_>>());
        assert_eq!(t.get("id199"), Some(&199));
        assert_eq!(t.get("id3"), None);
        *t.get_mut("id160").unwrap() = 7; // ok: unit test
        assert_eq!(t.get("id160"), Some(&7));
    }

    #[test]
    fn chunks_walk_every_live_record_once_despite_holes() {
        let mut t: Table<u32> = Table::default();
        for i in 0..100u32 {
            t.insert(format!("id{i}"), i);
        }
        // Holes of every shape, below the compaction threshold.
        for i in (0..100u32).filter(|i| i % 3 == 0 || (40..60).contains(i)) {
            t.remove(&format!("id{i}"));
        }
        let want: Vec<u32> = t.iter().copied().collect();
        for n in [1, 7, 256] {
            let (mut got, mut cursor) = (Vec::new(), -1);
            loop {
                let (chunk, next) = t.chunk_after(cursor, n, |v| *v);
                if chunk.is_empty() {
                    break;
                }
                assert!(chunk.len() <= n);
                got.extend(chunk);
                cursor = next;
            }
            assert_eq!(got, want, "chunks of {n}");
        }
    }
}
