//! Answers over small in-memory inputs are the same on every run: groups and distinct values in
//! the order the input first gives them, as Kusto gives them.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, ResultTable};

/// Keys 0..n in a scattered order: key of row `x` is `x * 7919 % n`.
fn scattered_keys(n: i64) -> Vec<i64> {
    (0..n).map(|x| x * 7919 % n).collect()
}

fn first_column_i64(table: &ResultTable) -> Vec<i64> {
    let mut values = Vec::new();
    for batch in &table.batches {
        let column = batch.column(0).as_any().downcast_ref::<Int64Array>().expect("a long column");
        values.extend(column.iter().flatten());
    }
    values
}

async fn run(query: &str, catalog: &MemoryCatalog) -> ResultTable {
    Engine::default().execute(query, catalog, &ExecuteOptions::default()).await.expect("runs")
}

#[tokio::test]
async fn summarize_groups_come_in_first_appearance_order() {
    let n = 20_000;
    let query = format!("range x from 0 to {} step 1 | summarize c = count() by k = x * 7919 % {n}", n - 1);
    let catalog = MemoryCatalog::default();
    let first = first_column_i64(&run(&query, &catalog).await);
    assert_eq!(first, scattered_keys(n));
    for _ in 0..3 {
        assert_eq!(first_column_i64(&run(&query, &catalog).await), first, "the same order on every run");
    }
}

#[tokio::test]
async fn a_loaded_table_keeps_its_order_through_distinct_and_summarize() {
    let n = 50_000i64;
    let keys = scattered_keys(n);
    let schema =
        Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, true), Field::new("name", DataType::Utf8, true)]));
    // Each key twice, the second time after all the others.
    let column: Vec<i64> = keys.iter().chain(keys.iter().rev()).copied().collect();
    let names: Vec<String> = column.iter().map(|k| format!("host-{k}")).collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Int64Array::from(column)), Arc::new(StringArray::from(names))],
    )
    .expect("a batch");
    let mut catalog = MemoryCatalog::default();
    catalog.insert("Hosts", schema, vec![batch]);
    assert_eq!(first_column_i64(&run("Hosts | distinct k", &catalog).await), keys);
    assert_eq!(first_column_i64(&run("Hosts | summarize dcount(name) by k", &catalog).await), keys);
}
