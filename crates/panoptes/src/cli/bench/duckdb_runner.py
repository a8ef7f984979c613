"""Runs the hunting benchmark's SQL in DuckDB over the event store's Parquet files.

Reads {"root", "tables", "runs", "threads", "queries": [{"name", "sql"}]} as JSON on stdin and
prints one JSON object per query: median milliseconds, peak RSS bytes and a result fingerprint
(row count, and the sum of the last column when it is an integer) for the agreement check.
"""
import json
import statistics
import sys
import time

try:
    import duckdb
except ImportError:
    print(json.dumps({"error": "the duckdb Python package is missing: run `pip install duckdb`"}))
    sys.exit(0)


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def fingerprint(rows):
    total = None
    if rows and all(isinstance(r[-1], int) and not isinstance(r[-1], bool) for r in rows):
        total = sum(r[-1] for r in rows)
    return {"rows": len(rows), "sum": total}


def main():
    job = json.load(sys.stdin)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(job['threads'])}")
    for table in job["tables"]:
        pattern = f"{job['root']}/events/{table}/*/*/*.parquet"
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = false)"
        )
    for query in job["queries"]:
        try:
            reset_peak()
            rows = con.execute(query["sql"]).fetchall()
            times = []
            for _ in range(max(1, int(job["runs"]))):
                start = time.perf_counter()
                rows = con.execute(query["sql"]).fetchall()
                times.append((time.perf_counter() - start) * 1000.0)
            out = {"name": query["name"], "ms": statistics.median(times), "peak": peak_rss()}
            out.update(fingerprint(rows))
        except Exception as error:  # reported per query; the others still run
            out = {"name": query["name"], "error": str(error)}
        print(json.dumps(out), flush=True)


main()
