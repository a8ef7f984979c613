use std::io::Write;

use panoptes_eventstore::{EventStore, StoreConfig, StoreError};

use crate::fixtures::{longs, open, process_rows, scope};

fn segment(dir: &std::path::Path) -> std::path::PathBuf {
    let mut segments: Vec<_> = std::fs::read_dir(dir.join("wal"))
        .expect("wal dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false))
        .collect();
    segments.sort();
    segments.pop().expect("a non-empty segment")
}

/// A store in a temp dir holding two acknowledged appends (ReportId 1 and 2), closed.
fn two_acknowledged_appends() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path());
    for report in [1, 2] {
        store.append(&scope("contoso"), &[("DeviceProcessEvents", process_rows(&[(report, 0)], "d1"))]).expect("acks");
    }
    dir
}

#[tokio::test]
async fn a_torn_tail_is_cut_and_acknowledged_rows_survive() {
    let dir = two_acknowledged_appends();
    // A crash in the middle of a third append: half a frame at the end.
    let path = segment(dir.path());
    let whole = std::fs::read(&path).expect("reads");
    let mut file = std::fs::OpenOptions::new().append(true).open(&path).expect("opens");
    file.write_all(&whole[..whole.len() / 3]).expect("writes");
    drop(file);
    let (store, report) = EventStore::open(dir.path(), StoreConfig::default()).expect("opens");
    assert!(report.replay.torn_tail_bytes > 0);
    assert_eq!(longs(&store, &scope("contoso"), "DeviceProcessEvents", "select \"ReportId\" from t").await, [1, 2]);
}

#[test]
fn damage_before_intact_records_is_refused() {
    let dir = two_acknowledged_appends();
    let path = segment(dir.path());
    let mut bytes = std::fs::read(&path).expect("reads");
    bytes[40] ^= 0xff; // inside the first frame's payload
    std::fs::write(&path, bytes).expect("writes");
    let error = EventStore::open(dir.path(), StoreConfig::default()).expect_err("refuses");
    match error {
        StoreError::CorruptWal { offset, .. } => assert_eq!(offset, 0),
        other => panic!("expected a corrupt-log error, got {other}"),
    }
}
