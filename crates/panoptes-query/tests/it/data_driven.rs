//! Plugins whose columns come from the data: planned from data when there is some, left open
//! when checking against the schema alone.

use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, SchemaCatalog};

const UNPACK: &str =
    "datatable(id:string, d:dynamic)[ 'a', dynamic({'x':1}) ] | evaluate bag_unpack(d) | project id, Missing";

#[test]
fn schema_only_planning_leaves_unpacked_columns_open() {
    let planned = Engine::default().plan(UNPACK, &SchemaCatalog, 0).expect("plans against the schema alone");
    let names: Vec<String> = planned.plan.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["id", "Missing"]);
}

#[tokio::test]
async fn with_data_an_unknown_key_is_an_error() {
    let error = Engine::default()
        .execute(UNPACK, &MemoryCatalog::default(), &ExecuteOptions::default())
        .await
        .expect_err("no row has the key `Missing`");
    assert!(error.to_string().contains("Missing"), "{error}");
}

#[tokio::test]
async fn pivot_columns_follow_the_data() {
    let query = "datatable(u:string, a:string)[ 'u1','read', 'u1','write', 'u2','read' ] | evaluate pivot(a, count(), u) | order by u asc";
    let table =
        Engine::default().execute(query, &MemoryCatalog::default(), &ExecuteOptions::default()).await.expect("runs");
    let names: Vec<&str> = table.columns.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["u", "read", "write"]);
    assert_eq!(table.row_count(), 2);
}
