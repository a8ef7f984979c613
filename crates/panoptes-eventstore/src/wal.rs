//! The write-ahead log: every accepted batch is framed, appended and fsynced here before the
//! store acknowledges it. Segments are numbered; a flush closes the current segment, and once
//! the manifest records the flush, segments up to it are deleted.
//!
//! Frame: `PWAL` | payload length (u32 LE) | CRC-32 of payload (u32 LE) | payload, where the
//! payload is the table name and tenant id (each u16 length + bytes) and one Arrow IPC stream.
//! Replay tolerates a torn tail (a frame the crash cut short was never acknowledged) but refuses
//! damage followed by intact frames, which means acknowledged data was hit.

use std::fs::{File, OpenOptions};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_domain::TenantId;

use crate::error::{Result, StoreError};

const MAGIC: &[u8; 4] = b"PWAL";
const HEADER: usize = 12;
/// A frame buffer grown past this by an outsized batch is not kept for the next append.
const MAX_KEPT_FRAME: usize = 64 << 20;

/// One logged batch.
#[derive(Debug, Clone)]
pub struct WalRecord {
    /// The segment holding it.
    pub segment: u64,
    /// Table name.
    pub table: String,
    /// Owning tenant.
    pub tenant: TenantId,
    /// The rows.
    pub batch: RecordBatch,
}

/// What replay found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Records replayed.
    pub records: usize,
    /// Bytes of an unacknowledged torn tail cut off the last segment.
    pub torn_tail_bytes: u64,
}

/// The open log, appending to its newest segment (created on the first append, so opening a
/// store to read it writes nothing).
#[derive(Debug)]
pub struct Wal {
    dir: PathBuf,
    segment: u64,
    file: Option<File>,
    /// Frame being encoded; kept between appends so its memory stays warm.
    frame: Vec<u8>,
}

impl Wal {
    /// Opens the log in `dir`: deletes segments the manifest already covers (numbers up to
    /// `flushed_through`), replays the rest, and starts a fresh segment for appends.
    pub fn open(dir: &Path, flushed_through: u64) -> Result<(Wal, Vec<WalRecord>, ReplayReport)> {
        std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        let segments = list_segments(dir)?;
        let mut records = Vec::new();
        let mut report = ReplayReport::default();
        let last = segments.last().map(|(n, _)| *n);
        for (number, path) in &segments {
            if *number <= flushed_through {
                std::fs::remove_file(path).map_err(StoreError::io(path))?;
                continue;
            }
            let torn = replay_segment(*number, path, Some(*number) == last, &mut records)?;
            report.torn_tail_bytes += torn;
        }
        report.records = records.len();
        let next = last.unwrap_or(0).max(flushed_through) + 1;
        Ok((Wal { dir: dir.to_path_buf(), segment: next, file: None, frame: Vec::new() }, records, report))
    }

    /// The segment new appends go to.
    pub fn segment(&self) -> u64 {
        self.segment
    }

    /// Appends batches and fsyncs once: when this returns, they survive a crash.
    pub fn append(&mut self, entries: &[(&str, &TenantId, &RecordBatch)]) -> Result<u64> {
        let path = segment_path(&self.dir, self.segment);
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(create_segment(&self.dir, self.segment)?),
        };
        for (table, tenant, batch) in entries {
            let frame = &mut self.frame;
            frame.clear();
            frame.extend_from_slice(&[0; HEADER]);
            encode_payload(table, tenant, batch, frame)?;
            let length = u32::try_from(frame.len() - HEADER)
                .map_err(|_| StoreError::Engine("batch too large for one log frame".into()))?;
            let crc = crc32fast::hash(&frame[HEADER..]);
            frame[..4].copy_from_slice(MAGIC);
            frame[4..8].copy_from_slice(&length.to_le_bytes());
            frame[8..HEADER].copy_from_slice(&crc.to_le_bytes());
            file.write_all(frame).map_err(StoreError::io(&path))?;
        }
        if self.frame.capacity() > MAX_KEPT_FRAME {
            self.frame = Vec::new();
        }
        file.sync_data().map_err(StoreError::io(&path))?;
        Ok(self.segment)
    }

    /// Closes the current segment and starts the next; returns the closed segment's number.
    pub fn rotate(&mut self) -> Result<u64> {
        let closed = self.segment;
        self.file = None;
        self.segment = closed + 1;
        Ok(closed)
    }

    /// Deletes segments up to `segment` (their rows are in committed Parquet files).
    pub fn remove_through(&self, segment: u64) -> Result<()> {
        for (number, path) in list_segments(&self.dir)? {
            if number <= segment {
                std::fs::remove_file(&path).map_err(StoreError::io(&path))?;
            }
        }
        Ok(())
    }
}

fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:020}.wal"))
}

fn create_segment(dir: &Path, number: u64) -> Result<File> {
    let path = segment_path(dir, number);
    let file = OpenOptions::new().create(true).append(true).open(&path).map_err(StoreError::io(&path))?;
    // The new file's directory entry must survive a crash too.
    File::open(dir).and_then(|d| d.sync_all()).map_err(StoreError::io(dir))?;
    Ok(file)
}

fn list_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut segments = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(StoreError::io(dir))? {
        let path = entry.map_err(StoreError::io(dir))?.path();
        let number = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".wal"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(number) = number {
            segments.push((number, path));
        }
    }
    segments.sort();
    Ok(segments)
}

/// Replays one segment into `out`; returns the bytes of a torn tail it cut off.
fn replay_segment(number: u64, path: &Path, is_last: bool, out: &mut Vec<WalRecord>) -> Result<u64> {
    let bytes = std::fs::read(path).map_err(StoreError::io(path))?;
    let mut offset = 0usize;
    while offset < bytes.len() {
        match read_frame(&bytes[offset..]) {
            Ok((length, table, tenant, batch)) => {
                out.push(WalRecord { segment: number, table, tenant, batch });
                offset += length;
            }
            Err(reason) => {
                let damaged_then_intact = (offset + 1..bytes.len()).any(|at| read_frame(&bytes[at..]).is_ok());
                if !is_last || damaged_then_intact {
                    return Err(StoreError::CorruptWal { path: path.to_path_buf(), offset: offset as u64, reason });
                }
                let torn = (bytes.len() - offset) as u64;
                tracing::warn!(path = %path.display(), offset, torn, "cutting a torn tail off the write-ahead log");
                let file = OpenOptions::new().write(true).open(path).map_err(StoreError::io(path))?;
                file.set_len(offset as u64).and_then(|()| file.sync_all()).map_err(StoreError::io(path))?;
                return Ok(torn);
            }
        }
    }
    Ok(0)
}

/// Parses one frame at the start of `bytes`: (frame length, table, tenant, batch).
fn read_frame(bytes: &[u8]) -> std::result::Result<(usize, String, TenantId, RecordBatch), String> {
    if bytes.len() < HEADER {
        return Err("incomplete frame header".into());
    }
    if &bytes[..4] != MAGIC {
        return Err("bad frame marker".into());
    }
    let word = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let length = word(4) as usize;
    let crc = word(8);
    let Some(payload) = bytes.get(HEADER..HEADER + length) else {
        return Err(format!("frame of {length} bytes runs past the end of the file"));
    };
    if crc32fast::hash(payload) != crc {
        return Err("checksum mismatch".into());
    }
    let (table, tenant, batch) = decode_payload(payload)?;
    Ok((HEADER + length, table, tenant, batch))
}

/// Appends the payload of one frame to `payload`.
fn encode_payload(table: &str, tenant: &TenantId, batch: &RecordBatch, payload: &mut Vec<u8>) -> Result<()> {
    // Sized up front: regrowing a batch-sized buffer copies it again and again.
    payload.reserve(batch.get_array_memory_size() + 1024);
    for text in [table, tenant.as_str()] {
        let length = u16::try_from(text.len()).map_err(|_| StoreError::Engine("name too long".into()))?;
        payload.extend_from_slice(&length.to_le_bytes());
        payload.extend_from_slice(text.as_bytes());
    }
    let mut writer = StreamWriter::try_new(payload, &batch.schema()).map_err(StoreError::engine)?;
    writer.write(batch).map_err(StoreError::engine)?;
    writer.finish().map_err(StoreError::engine)
}

fn decode_payload(payload: &[u8]) -> std::result::Result<(String, TenantId, RecordBatch), String> {
    let mut at = 0usize;
    let table = read_text(payload, &mut at)?;
    let tenant = TenantId::new(read_text(payload, &mut at)?);
    let mut reader = StreamReader::try_new(Cursor::new(&payload[at..]), None).map_err(|e| e.to_string())?;
    let batch = reader.next().ok_or("empty batch")?.map_err(|e| e.to_string())?;
    Ok((table, tenant, batch))
}

fn read_text(payload: &[u8], at: &mut usize) -> std::result::Result<String, String> {
    let length = payload.get(*at..*at + 2).ok_or("truncated name")?;
    let length = u16::from_le_bytes([length[0], length[1]]) as usize;
    let value = payload.get(*at + 2..*at + 2 + length).ok_or("truncated name")?;
    *at += 2 + length;
    String::from_utf8(value.to_vec()).map_err(|e| e.to_string())
}
