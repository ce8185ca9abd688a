//! What a measured process reports: wall time and CPU time of the measured region, peak RSS of
//! the whole process, and what it did (bytes, items, a hash of the ids it saw).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Prefix of the one stdout line a measured process (Rust or Python) prints its result on.
pub const RESULT_PREFIX: &str = "BENCH-RESULT ";

/// One measured run, as printed by the child process.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// Wall time of the measured region, seconds.
    pub wall_s: f64,
    /// User + system CPU time of the client process during the measured region, seconds.
    pub cpu_s: f64,
    /// Peak resident set size of the process (`VmHWM`, or Python's `ru_maxrss`), KiB.
    pub peak_rss_kib: u64,
    /// Bytes sent (uploads).
    #[serde(default)]
    pub bytes: u64,
    /// Items listed or requests completed.
    #[serde(default)]
    pub count: u64,
    /// FNV-1a 64 of the ids seen, in order, each followed by `\n` (pagination).
    #[serde(default)]
    pub hash: String,
    /// Id of the uploaded file (uploads), checked and deleted by the parent.
    #[serde(default)]
    pub id: String,
    /// Heap allocations during the measured region (Rust clients only).
    #[serde(default)]
    pub allocs: u64,
    /// Bytes allocated during the measured region (Rust clients only).
    #[serde(default)]
    pub alloc_bytes: u64,
}

impl Outcome {
    pub fn to_line(&self) -> String {
        format!(
            "{RESULT_PREFIX}{}",
            serde_json::to_string(self).expect("an outcome serializes")
        )
    }
}

/// User + system CPU time of this process (all threads), seconds.
pub fn process_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Peak resident set size of this process so far (`VmHWM` of `/proc/self/status`), KiB.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Wall time, CPU time and heap allocations of a measured region.
pub struct Measured {
    pub wall_s: f64,
    pub cpu_s: f64,
    pub allocs: u64,
    pub alloc_bytes: u64,
}

impl Measured {
    /// An outcome with these figures.
    pub fn outcome(&self) -> Outcome {
        Outcome {
            wall_s: self.wall_s,
            cpu_s: self.cpu_s,
            allocs: self.allocs,
            alloc_bytes: self.alloc_bytes,
            ..Outcome::default()
        }
    }
}

/// Wall clock, CPU clock and allocation counters at the start of the measured region.
pub struct Meter {
    wall: Instant,
    cpu: f64,
    allocs: u64,
    bytes: u64,
}

impl Meter {
    pub fn start() -> Self {
        Self {
            cpu: process_cpu_seconds(),
            allocs: ALLOCS.load(Ordering::Relaxed),
            bytes: ALLOC_BYTES.load(Ordering::Relaxed),
            wall: Instant::now(),
        }
    }

    /// What happened since [`Meter::start`].
    pub fn stop(self) -> Measured {
        let wall = self.wall.elapsed().as_secs_f64();
        Measured {
            wall_s: wall,
            cpu_s: process_cpu_seconds() - self.cpu,
            allocs: ALLOCS.load(Ordering::Relaxed) - self.allocs,
            alloc_bytes: ALLOC_BYTES.load(Ordering::Relaxed) - self.bytes,
        }
    }
}

/// FNV-1a 64 over each id followed by `\n` (bench_official.py computes the same).
pub fn hash_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for &b in id.as_bytes().iter().chain(b"\n") {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Median of the values (the mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// The system allocator, counting allocations (all threads) to report allocations per request.
/// The cost is one uncontended relaxed atomic add per allocation, for every client alike.
pub struct CountingAlloc;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(new as u64, Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

/// Pins this thread, and every thread it starts afterwards, to one CPU.
pub fn pin_to_cpu(cpu: usize) -> Result<(), String> {
    // SAFETY: the set is a plain bitmask owned by this frame.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_ZERO(&mut set);
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(format!(
                "could not pin to CPU {cpu}: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    Ok(())
}

/// The CPUs this process may run on.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: the set is a plain bitmask owned by this frame.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}
