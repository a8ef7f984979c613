//! Loads a data directory for `--data DIR`: every `<Table>.parquet` file, or `<Table>/` folder
//! of Parquet files (searched recursively, as the event store lays them out), becomes a table.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, bail};
use panoptes_query::MemoryCatalog;
use panoptes_query::catalog::defender_tables;

pub(crate) fn load(dir: &Path) -> anyhow::Result<MemoryCatalog> {
    if !dir.is_dir() {
        bail!("data directory {} does not exist; pass a folder holding <Table>.parquet files", dir.display());
    }
    let mut catalog = MemoryCatalog::default();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()).map(str::to_string) else { continue };
        let mut files = Vec::new();
        if path.is_dir() {
            collect_parquet(&path, &mut files)?;
        } else if path.extension().is_some_and(|e| e == "parquet") {
            files.push(path.clone());
        }
        for file in files {
            read_parquet(&file, &stem, &mut catalog)?;
        }
    }
    Ok(catalog)
}

fn collect_parquet(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_parquet(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "parquet") {
            out.push(path);
        }
    }
    Ok(())
}

fn read_parquet(file: &Path, table: &str, catalog: &mut MemoryCatalog) -> anyhow::Result<()> {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(file)?)
        .and_then(|b| b.build())
        .with_context(|| format!("{} is not a readable Parquet file", file.display()))?;
    let schema = datafusion::arrow::record_batch::RecordBatchReader::schema(&reader);
    let batches = reader.collect::<Result<Vec<_>, _>>().with_context(|| format!("reading {}", file.display()))?;
    if defender_tables().get(table).is_none() {
        tracing::info!(table, "loading a table that is not in the Defender schema");
    }
    catalog.insert(table, schema, batches);
    Ok(())
}
