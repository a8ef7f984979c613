// Advanced hunting: schema pane, KQL editor, run with progress and cancel over the tenant
// scope, results (grid, chart, per-tenant status), export and history.
import {
  Button, Dropdown, MessageBar, MessageBarBody, Option, Spinner, Tab, TabList, Text, Title2, Tooltip, makeStyles, tokens,
} from "@fluentui/react-components";
import { ArrowDownload20Regular, Bookmark20Regular, History20Regular, Play20Filled, Save20Regular, Stop20Filled } from "@fluentui/react-icons";
import { useCallback, useContext, useEffect, useRef, useState } from "react";
import { ApiError, api } from "../../api/client";
import type { QueryCheck, QueryDiagnostic, SavedQuery, SchemaTable } from "../../api/types";
import { useDataStatus } from "../../shell/dataStatus";
import { useScope } from "../../shell/scope";
import { navigate } from "../../router";
import { useSession } from "../../session";
import { ThemeNameContext } from "../../theme";
import { addToHistory, loadHistory, type HistoryEntry } from "./history";
import { runHunt, type HuntAnswer } from "./hunt";
import { KqlEditor } from "./KqlEditor";
import { ResultChart } from "./ResultChart";
import { ResultsGrid } from "./ResultsGrid";
import { download, toCsv, toJson } from "./results";
import { SavedQueryList, SaveQueryDialog } from "./SavedQueries";
import { SchemaPane } from "./SchemaPane";
import { TenantStatusTable } from "./TenantStatusTable";

const useStyles = makeStyles({
  page: { display: "grid", gridTemplateColumns: "260px minmax(0, 1fr)", gap: "12px", height: "calc(100vh - 82px)", "@media (max-width: 1100px)": { gridTemplateColumns: "minmax(0, 1fr)" } },
  schema: { minHeight: 0, "@media (max-width: 1100px)": { display: "none" } },
  work: { display: "flex", flexDirection: "column", gap: "8px", minHeight: 0 },
  toolbar: { display: "flex", alignItems: "center", gap: "8px", flexWrap: "wrap" },
  editor: { height: "200px", resize: "vertical", overflow: "hidden", border: `1px solid ${tokens.colorNeutralStroke1}`, borderRadius: tokens.borderRadiusMedium, backgroundColor: tokens.colorNeutralBackground1 },
  results: { flex: 1, minHeight: "160px", display: "flex", flexDirection: "column", backgroundColor: tokens.colorNeutralBackground1, border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium },
  resultBody: { flex: 1, minHeight: 0, padding: "4px" },
});

const TIMESPANS = [
  { value: "", label: "Any time" },
  { value: "P1D", label: "Last 24 hours" },
  { value: "P7D", label: "Last 7 days" },
  { value: "P30D", label: "Last 30 days" },
];

export function HuntingPage() {
  const styles = useStyles();
  const themeName = useContext(ThemeNameContext);
  const { me } = useSession();
  const scope = useScope();
  const { report } = useDataStatus();
  const [history, setHistory] = useState<HistoryEntry[]>(() => loadHistory(me.id));
  const [query, setQuery] = useState(() => new URLSearchParams(window.location.search).get("query") ?? history[0]?.query ?? "DeviceProcessEvents\n| where Timestamp > ago(7d)\n| take 100");
  const [tables, setTables] = useState<SchemaTable[]>([]);
  const [mode, setMode] = useState<"perTenant" | "combined">("perTenant");
  const [timespan, setTimespan] = useState("");
  const [running, setRunning] = useState<{ controller: AbortController; startedAt: number } | null>(null);
  const [received, setReceived] = useState(0);
  const [elapsed, setElapsed] = useState(0);
  const [answer, setAnswer] = useState<HuntAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState("results");
  const [showHistory, setShowHistory] = useState(false);
  const [saved, setSaved] = useState<SavedQuery[]>([]);
  const [showSaved, setShowSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const loadSaved = useCallback(() => {
    api<{ value: SavedQuery[] }>("/api/v1/security/savedQueries").then((r) => setSaved(r.value), () => setSaved([]));
  }, []);
  useEffect(loadSaved, [loadSaved]);
  const inFlight = useRef<AbortController | null>(null);

  // A prefilled hunt (from an incident) names its tenant: the scope follows it.
  useEffect(() => {
    const wanted = new URLSearchParams(window.location.search).get("tenants");
    if (wanted) scope.setChoice({ kind: "tenants", tenantIds: wanted.split(",") });
  }, []);

  const canCombine = scope.tenants.length > 1 && scope.tenants.every((t) => t.permissions.includes("crossTenant.analytics"));
  useEffect(() => {
    if (!canCombine && mode === "combined") setMode("perTenant");
  }, [canCombine, mode]);
  useEffect(() => {
    api<{ value: SchemaTable[] }>("/api/v1/security/huntingSchema").then((r) => setTables(r.value), () => setTables([]));
  }, []);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setElapsed(Date.now() - running.startedAt), 200);
    return () => clearInterval(timer);
  }, [running]);
  useEffect(() => () => inFlight.current?.abort(), []);

  const check = useCallback(async (text: string): Promise<QueryDiagnostic[]> => (await api<QueryCheck>("/api/v1/security/checkHuntingQuery", { body: { Query: text } })).diagnostics, []);

  const run = useCallback(async () => {
    if (inFlight.current || !query.trim()) return;
    const controller = new AbortController();
    inFlight.current = controller;
    setRunning({ controller, startedAt: Date.now() });
    setReceived(0);
    setElapsed(0);
    setError(null);
    try {
      const params = scope.choice.kind === "group" ? { tenantGroupId: scope.choice.groupId } : { tenantIds: scope.tenants.map((t) => t.tenantId) };
      const result = await runHunt({ query, mode, timespan: timespan || undefined, ...params }, controller.signal, setReceived);
      setAnswer(result);
      report(result.tenantStatus);
      setTab(result.render ? "chart" : "results");
      setHistory(addToHistory(me.id, { query, ranAt: new Date().toISOString(), rowCount: result.results.length, tenantCount: result.stats.tenantCount }));
    } catch (e) {
      if ((e as Error).name === "AbortError") setError("Query cancelled.");
      else setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      inFlight.current = null;
      setRunning(null);
    }
  }, [query, mode, timespan, scope.choice, scope.tenants, report, me.id]);

  const cancel = () => inFlight.current?.abort();
  const failed = answer?.tenantStatus.filter((s) => s.status !== "ok") ?? [];
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");

  return (
    <div className={styles.page}>
      <aside className={styles.schema} aria-label="Schema">
        <SchemaPane tables={tables} scopeTenantIds={scope.tenants.map((t) => t.tenantId)} onInsert={(text) => setQuery((q) => `${q}${q.endsWith(" ") || q.endsWith("\n") ? "" : " "}${text}`)} />
      </aside>
      <section className={styles.work}>
        <Title2 as="h1" style={{ fontSize: 20 }}>Advanced hunting</Title2>
        <div className={styles.toolbar}>
          {running ? (
            <Button appearance="primary" icon={<Stop20Filled />} onClick={cancel} data-testid="cancel-query">Cancel</Button>
          ) : (
            <Tooltip content="Run query (Shift+Enter)" relationship="description">
              <Button appearance="primary" icon={<Play20Filled />} onClick={() => void run()} disabled={!query.trim() || scope.tenants.length === 0} data-testid="run-query">
                Run query
              </Button>
            </Tooltip>
          )}
          <Dropdown aria-label="Time range" value={TIMESPANS.find((t) => t.value === timespan)?.label} selectedOptions={[timespan]} onOptionSelect={(_, d) => setTimespan(d.optionValue ?? "")} style={{ minWidth: 150 }}>
            {TIMESPANS.map((t) => <Option key={t.value} value={t.value}>{t.label}</Option>)}
          </Dropdown>
          {canCombine && (
            <Dropdown aria-label="Mode" value={mode === "combined" ? "Combined (one query over all)" : "Per tenant"} selectedOptions={[mode]} onOptionSelect={(_, d) => setMode(d.optionValue === "combined" ? "combined" : "perTenant")}>
              <Option value="perTenant">Per tenant</Option>
              <Option value="combined">Combined (one query over all)</Option>
            </Dropdown>
          )}
          <Button icon={<Save20Regular />} disabled={!query.trim()} onClick={() => setSaving(true)}>Save</Button>
          <Button disabled={!query.trim()} onClick={() => navigate(`/rules?${new URLSearchParams({ new: "1", query }).toString()}`)}>Create detection rule</Button>
          <Button icon={<Bookmark20Regular />} onClick={() => { setShowSaved(!showSaved); setShowHistory(false); }} aria-expanded={showSaved}>
            Saved queries
          </Button>
          <Button icon={<History20Regular />} onClick={() => { setShowHistory(!showHistory); setShowSaved(false); }} aria-expanded={showHistory}>History</Button>
          <Button icon={<ArrowDownload20Regular />} disabled={!answer?.results.length} onClick={() => answer && download(`hunt-${stamp}.csv`, "text/csv", toCsv(answer.schema, answer.results))}>CSV</Button>
          <Button icon={<ArrowDownload20Regular />} disabled={!answer?.results.length} onClick={() => answer && download(`hunt-${stamp}.json`, "application/json", toJson(answer.schema, answer.results))}>JSON</Button>
          {running && (
            <span role="status" style={{ display: "inline-flex", gap: 6, alignItems: "center" }} data-testid="query-progress">
              <Spinner size="tiny" /> Running over {scope.tenants.length} tenants · {(elapsed / 1000).toFixed(1)} s · {received.toLocaleString()} rows received
            </span>
          )}
        </div>
        {showHistory && (
          <div role="list" aria-label="Query history" style={{ maxHeight: 160, overflow: "auto", border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: 4 }}>
            {history.length === 0 && <Text style={{ padding: 8 }}>No queries run yet.</Text>}
            {history.map((h) => (
              <Button key={h.ranAt} role="listitem" appearance="subtle" style={{ display: "block", width: "100%", textAlign: "left", fontFamily: "monospace" }} onClick={() => { setQuery(h.query); setShowHistory(false); }}>
                {h.query.replace(/\s+/g, " ").slice(0, 140)} <Text size={200}>· {new Date(h.ranAt).toLocaleString()} · {h.rowCount} rows</Text>
              </Button>
            ))}
          </div>
        )}
        {showSaved && <SavedQueryList queries={saved} onChanged={loadSaved} onOpen={(q) => { setQuery(q.query); setShowSaved(false); }} />}
        <SaveQueryDialog
          query={query}
          open={saving}
          onClose={(added) => {
            setSaving(false);
            if (added) loadSaved();
          }}
        />
        <div className={styles.editor}>
          <KqlEditor value={query} onChange={setQuery} onRun={() => void run()} tables={tables} check={check} />
        </div>
        {error && (
          <MessageBar intent={error === "Query cancelled." ? "warning" : "error"} role="alert" data-testid="query-error">
            <MessageBarBody>{error}</MessageBarBody>
          </MessageBar>
        )}
        {failed.length > 0 && (
          <MessageBar intent="warning" data-testid="tenant-failures">
            <MessageBarBody>
              No results from {failed.length} tenant{failed.length === 1 ? "" : "s"}: {failed.map((f) => `${f.tenantName || f.tenantId} (${f.message ?? f.status})`).join("; ")}
            </MessageBarBody>
          </MessageBar>
        )}
        <div className={styles.results}>
          <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(String(d.value))} size="small">
            <Tab value="results">Results{answer ? ` (${answer.results.length.toLocaleString()})` : ""}</Tab>
            {answer?.render && <Tab value="chart">Chart</Tab>}
            <Tab value="tenants">Tenants{answer ? ` (${answer.tenantStatus.length})` : ""}</Tab>
          </TabList>
          <div className={styles.resultBody}>
            {tab === "results" && answer && <ResultsGrid columns={answer.schema} rows={answer.results} />}
            {tab === "results" && !answer && <Text style={{ padding: 8 }}>Run a query to see results from every tenant in scope.</Text>}
            {tab === "chart" && answer?.render && (
              <ResultChart kind={answer.render.kind} title={answer.render.properties.title} columns={answer.schema} rows={answer.results} dark={themeName === "dark"} />
            )}
            {tab === "tenants" && answer && <TenantStatusTable statuses={answer.tenantStatus} />}
          </div>
        </div>
      </section>
    </div>
  );
}
