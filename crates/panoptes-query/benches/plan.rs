//! Parse + plan latency over the real hunting corpus (../shared). Prints the median and p95
//! per query first (the target: median under 2 ms), then runs a criterion group.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use panoptes_query::{Engine, SchemaCatalog};

fn corpus() -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/defender-hunting-queries.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["query"].as_str().map(str::to_string))
        .collect()
}

fn per_query_report(queries: &[String]) {
    let engine = Engine::default();
    let mut times: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut planned = 0;
    for query in queries {
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let started = Instant::now();
            let ok = engine.plan(query, &SchemaCatalog, 0).is_ok();
            best = best.min(started.elapsed());
            if ok {
                planned += 1;
            }
        }
        times.push(best);
    }
    times.sort();
    let at = |q: f64| times.get(((times.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    println!(
        "parse+plan over {} hunting queries ({} planned): median {:.3} ms, p95 {:.3} ms, max {:.3} ms (target: median < 2 ms)",
        queries.len(),
        planned / 5,
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

fn bench(c: &mut Criterion) {
    let queries = corpus();
    let engine = Engine::default();
    let mut group = c.benchmark_group("kql");
    group.sample_size(10);
    group.bench_function("parse_whole_corpus", |b| {
        b.iter(|| queries.iter().filter(|q| panoptes_kql::parse(q).is_ok()).count())
    });
    group.bench_function("parse_and_plan_whole_corpus", |b| {
        b.iter(|| queries.iter().filter(|q| engine.plan(q, &SchemaCatalog, 0).is_ok()).count())
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    let queries = corpus();
    if queries.is_empty() {
        eprintln!("../shared/corpus/defender-hunting-queries.jsonl not found; nothing to measure");
        return;
    }
    per_query_report(&queries);
    benches();
    Criterion::default().configure_from_args().final_summary();
}
