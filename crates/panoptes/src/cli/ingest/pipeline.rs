//! A file's chunks converted on a thread per core while the caller stores, in input order, the
//! chunks already converted: writing Parquet overlaps converting what comes next, and the
//! reading (and UTF-8 check) of the next blocks overlaps both.

use std::collections::BTreeMap;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

use panoptes_eventstore::ingest::{Converted, IngestOptions};

use super::{Chunks, Input};

/// Spent chunk buffers handed back to the reader: a fresh multi-megabyte buffer for every chunk
/// is fresh pages the kernel must zero first (a few percent of an ingest's CPU).
#[derive(Debug, Clone, Default)]
pub(super) struct Buffers(Arc<Mutex<Vec<Vec<u8>>>>);

impl Buffers {
    /// Buffers kept: one per chunk in flight is enough.
    const KEPT: usize = 8;

    /// An empty buffer of at least `capacity` bytes, a spent one where there is one (one too
    /// small is dropped: growing it would copy its stale bytes).
    pub(super) fn take(&self, capacity: usize) -> Vec<u8> {
        let spent = self.0.lock().ok().and_then(|mut kept| kept.pop());
        let mut buffer = spent.unwrap_or_default();
        if buffer.capacity() < capacity {
            buffer = Vec::with_capacity(capacity);
        }
        buffer
    }

    fn give(&self, mut buffer: Vec<u8>) {
        buffer.clear();
        if let Ok(mut kept) = self.0.lock()
            && kept.len() < Self::KEPT
        {
            kept.push(buffer);
        }
    }
}

/// Converts every chunk and hands each to `store` in input order; stops at the first error
/// (reading, converting or storing), which it returns.
pub(super) fn convert_pipelined(
    chunks: Chunks,
    buffers: &Buffers,
    options: &IngestOptions,
    mut store: impl FnMut(Converted, u64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|scope| {
        // Bounded queues: a slow store holds back conversion, and conversion the reading.
        let (work, jobs) = sync_channel::<(usize, anyhow::Result<(Input, u64)>)>(workers);
        let (done, results) = sync_channel::<(usize, anyhow::Result<(Converted, u64)>)>(workers);
        scope.spawn(move || {
            for (seq, chunk) in chunks.enumerate() {
                let failed = chunk.is_err();
                if work.send((seq, chunk)).is_err() || failed {
                    break;
                }
            }
        });
        // Shared by the workers and gone with the last of them, so the reader never waits on
        // a queue nobody takes from.
        let jobs = Arc::new(Mutex::new(jobs));
        for _ in 0..workers {
            let (jobs, done) = (Arc::clone(&jobs), done.clone());
            scope.spawn(move || {
                loop {
                    let job = match jobs.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => break,
                    };
                    let Ok((seq, chunk)) = job else { break };
                    let result = chunk.and_then(|(input, bytes)| {
                        let (converted, spent) = input.convert(options);
                        if let Some(buffer) = spent {
                            buffers.give(buffer);
                        }
                        converted.map(|c| (c, bytes))
                    });
                    if done.send((seq, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop((jobs, done));
        // Results arrive in any order; they are stored in input order.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (seq, result) in results {
            waiting.insert(seq, result);
            while let Some(result) = waiting.remove(&next) {
                let (converted, bytes) = result?;
                store(converted, bytes)?;
                next += 1;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::Buffers;

    /// A spent buffer comes back empty and, when big enough, is the same allocation; one too
    /// small is not grown (which would copy its stale bytes) but replaced.
    #[test]
    fn spent_buffers_are_reused_empty_and_never_grown() {
        let buffers = Buffers::default();
        let mut spent = buffers.take(1024);
        spent.extend_from_slice(b"stale bytes");
        let address = spent.as_ptr();
        buffers.give(spent);
        let reused = buffers.take(1024);
        assert!(reused.is_empty(), "a spent buffer comes back empty");
        assert_eq!(reused.as_ptr(), address, "the same allocation");
        buffers.give(reused);
        let bigger = buffers.take(1 << 20);
        assert!(bigger.capacity() >= 1 << 20);
        assert!(bigger.is_empty());
    }
}
