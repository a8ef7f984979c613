use std::time::Duration;

use panoptes_query::{Engine, ExecuteOptions, MemoryCatalog, QueryError, QueryLimits};

const HEAVY: &str = "range x from 1 to 3000000 step 1 | extend s = strcat('v', tostring(x % 1000)) | summarize count() by s, x % 7 | count";

#[tokio::test]
async fn row_cap_truncates_and_flags() {
    let engine = Engine::new(QueryLimits { max_rows: 5, ..QueryLimits::default() });
    let table = engine
        .execute("range x from 1 to 100 step 1", &MemoryCatalog::default(), &ExecuteOptions::default())
        .await
        .expect("runs");
    assert_eq!(table.row_count(), 5);
    assert!(table.truncated);
}

#[tokio::test]
async fn timeout_fails_with_its_own_code() {
    let engine = Engine::new(QueryLimits { timeout: Duration::from_millis(1), ..QueryLimits::default() });
    let error =
        engine.execute(HEAVY, &MemoryCatalog::default(), &ExecuteOptions::default()).await.expect_err("times out");
    assert!(matches!(error, QueryError::Timeout(_)), "{error:?}");
    assert_eq!(error.code(), "QueryTimeout");
}

#[tokio::test]
async fn cancellation_fails_with_its_own_code() {
    let options = ExecuteOptions::default();
    options.cancel.cancel();
    let error = Engine::default()
        .execute("range x from 1 to 10 step 1", &MemoryCatalog::default(), &options)
        .await
        .expect_err("cancelled");
    assert_eq!(error.code(), "Cancelled");
}

#[tokio::test]
async fn memory_pool_limit_fails_with_its_own_code() {
    let engine = Engine::new(QueryLimits { memory_bytes: 64 * 1024, ..QueryLimits::default() });
    let query = "range x from 1 to 2000000 step 1 | extend s = strcat('value-', tostring(x)) | summarize make_list(s) by x % 100000";
    let error =
        engine.execute(query, &MemoryCatalog::default(), &ExecuteOptions::default()).await.expect_err("out of memory");
    assert_eq!(error.code(), "MemoryLimitExceeded", "{error}");
}

#[tokio::test]
async fn bad_queries_fail_at_the_right_stage_with_positions() {
    let engine = Engine::default();
    let catalog = MemoryCatalog::default();
    let parse = engine.execute("DeviceInfo | where", &catalog, &ExecuteOptions::default()).await.expect_err("parse");
    assert_eq!(parse.stage(), "parse");
    let plan = engine
        .execute("DeviceInfo\n| where DeviceNme == 'x'", &catalog, &ExecuteOptions::default())
        .await
        .expect_err("plan");
    assert_eq!(plan.stage(), "plan");
    let diagnostic = plan.diagnostic().expect("diagnostic");
    assert_eq!(diagnostic.line_column("DeviceInfo\n| where DeviceNme == 'x'"), (2, 9));
    assert!(diagnostic.help.iter().any(|h| h.contains("DeviceName")), "{:?}", diagnostic.help);
}
