//! Development aid: runs a query with each optimizer rule removed, to find a misbehaving rule.
use datafusion::prelude::SessionContext;
use futures::StreamExt;

#[tokio::main]
async fn main() {
    let query = std::env::args().nth(1).unwrap_or_default();
    let planned = panoptes_query::Engine::default().plan(&query, &panoptes_query::SchemaCatalog, 0).expect("plans");
    let names: Vec<String> = SessionContext::new().state().optimizers().iter().map(|r| r.name().to_string()).collect();
    for name in std::iter::once(String::from("(none)")).chain(names) {
        let ctx = SessionContext::new();
        ctx.remove_optimizer_rule(&name);
        let frame = ctx.execute_logical_plan(planned.plan.clone()).await.expect("frame");
        let mut stream = frame.execute_stream().await.expect("stream");
        let mut out = String::new();
        while let Some(batch) = stream.next().await {
            let batch = batch.expect("batch");
            out.push_str(
                &datafusion::arrow::util::pretty::pretty_format_batches(&[batch])
                    .map(|t| t.to_string())
                    .unwrap_or_default()
                    .replace('\n', " "),
            );
        }
        println!("{name}: {out}");
    }
}
