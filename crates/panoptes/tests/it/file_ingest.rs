//! `panoptes ingest FILE`: a file is one bulk load, stored whole or not at all.

use std::io::Write;
use std::process::{Command, Stdio};

use super::ingest::{Lcg, panoptes, row, stored_ids};

/// Writes `DeviceProcessEvents.jsonl` rows with ids `ids` into `dir`.
fn write_rows(dir: &std::path::Path, ids: std::ops::Range<u64>) -> std::path::PathBuf {
    let path = dir.join("DeviceProcessEvents.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("creates"));
    for id in ids {
        writeln!(file, "{}", row(id)).expect("writes");
    }
    file.flush().expect("flushes");
    path
}

/// Rows stored per round (ids of round r are r·100000 + 0..ROWS), from a summary query (a
/// listing would stop at the result limit).
fn rows_per_round(data: &str) -> std::collections::BTreeMap<u64, u64> {
    // An ingest killed before it created the store stored nothing.
    if !std::path::Path::new(data).exists() {
        return std::collections::BTreeMap::new();
    }
    let out = panoptes(&[
        "kql",
        "run",
        "--data",
        data,
        "--format",
        "csv",
        "DeviceProcessEvents | summarize n = count() by round = ReportId / 100000",
    ]);
    assert!(out.status.success(), "the store opens cleanly: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|line| {
            let (round, n) = line.split_once(',').expect("two columns");
            (round.trim().parse().expect("a round"), n.trim().parse().expect("a count"))
        })
        .collect()
}

/// SIGKILLs file ingests at random points: each file is then stored whole or not at all, the
/// store opens cleanly, and ingesting the file again after a crash stores it once.
#[test]
fn sigkill_during_file_ingest_stores_the_file_whole_or_not_at_all() {
    const ROWS: u64 = 60_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("store").to_string_lossy().to_string();
    let mut random = Lcg(0xf11e);
    let mut expected = std::collections::BTreeMap::new();
    let mut killed_mid_way = 0;
    for round in 0..8u64 {
        let file = write_rows(dir.path(), round * 100_000..round * 100_000 + ROWS);
        // A small flush size: the load writes many Parquet files before its one commit.
        let mut child = Command::new(env!("CARGO_BIN_EXE_panoptes"))
            .args(["ingest", "--data", &data, "--tenant", "contoso", "--flush-rows", "5000"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ingest starts");
        std::thread::sleep(std::time::Duration::from_millis(20 + random.below(250)));
        let finished = child.try_wait().expect("polls").is_some();
        child.kill().ok();
        child.wait().expect("reaped");
        let stored = rows_per_round(&data);
        if !stored.contains_key(&round) {
            assert!(!finished, "round {round}: a finished ingest stored its file");
            assert_eq!(stored, expected, "round {round}: the crash changed nothing stored");
            killed_mid_way += 1;
            let out = panoptes(&["ingest", "--data", &data, "--tenant", "contoso", &file.to_string_lossy()]);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
        expected.insert(round, ROWS);
        assert_eq!(rows_per_round(&data), expected, "round {round}: every file stored whole, once");
    }
    assert!(killed_mid_way >= 2, "enough kills landed mid-file to mean something ({killed_mid_way})");
}

/// NDJSON is read in blocks of megabytes: positions in errors must still be the file's lines,
/// also past the first block, and a file that is not UTF-8 is refused naming the line.
#[test]
fn errors_name_the_files_line_across_read_blocks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("store");
    let data_arg = data.to_string_lossy().to_string();
    let file = dir.path().join("DeviceProcessEvents.jsonl");
    let mut text = String::new();
    for id in 0..60_000u64 {
        if id == 45_000 {
            text.push_str("{\"ReportId\":\"not a number\"}\n");
        }
        text.push_str(&row(id));
        text.push('\n');
    }
    assert!(text.len() > 5 << 20, "more than one read block");
    std::fs::write(&file, &text).expect("writes");
    let out = panoptes(&["ingest", "--data", &data_arg, "--tenant", "contoso", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 45001: field `ReportId` must be long"), "{stderr}");
    assert!(stderr.contains("60000 records stored, 1 refused"), "{stderr}");
    assert_eq!(stored_ids(&data).len(), 60_000);

    let mut bytes = text.into_bytes();
    let at = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(52_000).map(|(i, _)| i + 3).expect("line");
    bytes[at] = 0xff;
    std::fs::write(&file, &bytes).expect("writes");
    let out = panoptes(&["ingest", "--data", &data_arg, "--tenant", "fabrikam", &file.to_string_lossy()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 52002: not UTF-8"), "{stderr}");
}

/// A file of many read blocks (so the reader reuses spent block buffers) is stored row for row:
/// every row once, each with its own command line.
#[test]
fn a_file_of_many_blocks_is_stored_row_for_row() {
    const ROWS: u64 = 20_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("store").to_string_lossy().to_string();
    let file = dir.path().join("DeviceProcessEvents.jsonl");
    let mut text = String::new();
    for id in 0..ROWS {
        // Lengths vary, so a block's lines never fall at the same offsets as the block before.
        let padding = "x".repeat(800 + (id % 7) as usize * 100);
        let line = row(id).replacen('{', &format!(r#"{{"ProcessCommandLine":"run {id} {padding}","#), 1);
        text.push_str(&line);
        text.push('\n');
    }
    assert!(text.len() > 16 << 20, "several 4 MiB blocks");
    std::fs::write(&file, &text).expect("writes");
    let out = panoptes(&["ingest", "--data", &data, "--tenant", "contoso", &file.to_string_lossy()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let query = "DeviceProcessEvents \
        | extend own = ProcessCommandLine startswith strcat('run ', ReportId, ' x') \
        | summarize rows = count(), ids = count_distinct(ReportId), own = countif(own), total = sum(ReportId)";
    let out = panoptes(&["kql", "run", "--data", &data, "--format", "csv", query]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let values: Vec<u64> =
        stdout.lines().nth(1).expect("a row").split(',').map(|v| v.trim().parse().expect("a number")).collect();
    assert_eq!(values, [ROWS, ROWS, ROWS, ROWS * (ROWS - 1) / 2], "{stdout}");
}
