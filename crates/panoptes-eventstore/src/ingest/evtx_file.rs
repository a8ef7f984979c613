//! Raw Windows event log files (`.evtx`), read with the `evtx` crate into the JSON shape
//! `evtx_dump -o jsonl` writes, so they take the same Windows event path as exported logs.

use std::path::Path;

use super::RawRecord;

/// Every record of an `.evtx` file; a damaged record is reported at its position, the rest kept.
pub fn evtx_records(path: &Path) -> Result<Vec<RawRecord>, String> {
    let mut parser = evtx::EvtxParser::from_path(path)
        .map_err(|e| format!("{}: not a readable .evtx file ({e}); check it is a Windows event log", path.display()))?;
    let mut out = Vec::new();
    for (index, record) in parser.records_json_value().enumerate() {
        match record {
            Ok(record) => out.push((format!("record {}", record.event_record_id), Ok(record.data))),
            Err(e) => out.push((format!("record #{}", index + 1), Err(format!("damaged event record: {e}")))),
        }
    }
    Ok(out)
}
