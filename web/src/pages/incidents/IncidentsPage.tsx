// Incidents & alerts: one queue over every tenant in scope with the tenant name column,
// server-side filters, sorting and paging (kept in the URL), and triage of the selected items
// across tenants in one request, with a result per item.
import {
  Button, Checkbox, Dropdown, Input, Link, MessageBar, MessageBarBody, Option, Spinner, Tab, TabList, Table, TableBody,
  TableCell, TableHeader, TableHeaderCell, TableRow, Text, Title2,
} from "@fluentui/react-components";
import { useEffect, useMemo, useState, type MouseEvent } from "react";
import { ApiError, api } from "../../api/client";
import type { Alert, BulkResult, Incident, Page } from "../../api/types";
import { navigate, useLocation } from "../../router";
import { useSession } from "../../session";
import { useDataStatus } from "../../shell/dataStatus";
import { useScope } from "../../shell/scope";
import { classificationLabel, severityBadge, statusLabel, when } from "./format";
import {
  ALERT_STATUSES, CLASSIFICATIONS, INCIDENT_STATUSES, PAGE_SIZE, SEVERITIES, filtersFromSearch, queuePath,
  searchFromFilters, summarizeBulk, type QueueFilters,
} from "./queue";
import { TriageForm, type TriageChanges } from "./TriageForm";

type Kind = "incidents" | "alerts";
type Item = Incident | Alert;

const RANGES = [
  { days: 1, label: "1 day" },
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
  { days: 180, label: "6 months" },
  { days: 0, label: "Any time" },
];

function link(event: MouseEvent, to: string) {
  if (event.ctrlKey || event.metaKey || event.button !== 0) return;
  event.preventDefault();
  navigate(to);
}

export function IncidentsPage() {
  const { me } = useSession();
  const { choice } = useScope();
  const { report } = useDataStatus();
  const location = useLocation();
  const kind: Kind = location.search.get("tab") === "alerts" ? "alerts" : "incidents";
  const filters = useMemo(() => filtersFromSearch(location.search, kind), [location.search, kind]);
  const [page, setPage] = useState<Page<Item> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [reloads, setReloads] = useState(0);
  const scope = choice.kind === "group" ? { tenantGroupId: choice.groupId } : choice.kind === "tenants" ? { tenantIds: choice.tenantIds } : {};
  const path = queuePath(filters, kind, scope, new Date());

  useEffect(() => {
    let live = true;
    setError(null);
    api<Page<Item>>(path)
      .then((answer) => {
        if (!live) return;
        setPage(answer);
        report(answer.tenantStatus);
      })
      .catch((e) => live && setError(e instanceof ApiError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [path, reloads]);

  const update = (next: Partial<QueueFilters>, nextKind: Kind = kind) => {
    setSelected([]);
    const merged = nextKind === kind ? { ...filters, page: 0, ...next } : filtersFromSearch(new URLSearchParams(), nextKind);
    navigate(`/incidents${searchFromFilters(merged, nextKind)}`, { replace: true });
  };
  const sortBy = (field: string) => update({ orderBy: field, descending: filters.orderBy === field ? !filters.descending : true });
  const header = (field: string, label: string) => (
    <TableHeaderCell onClick={() => sortBy(field)} sortDirection={filters.orderBy === field ? (filters.descending ? "descending" : "ascending") : undefined} style={{ cursor: "pointer" }}>
      {label}
    </TableHeaderCell>
  );
  const items = page?.value ?? [];
  const total = page?.["@odata.count"] ?? 0;
  const statuses = kind === "incidents" ? INCIDENT_STATUSES : ALERT_STATUSES;

  const applyBulk = async (changes: TriageChanges) => {
    setBusy(true);
    setOutcome(null);
    try {
      const ids = [...selected];
      const answer = await api<{ value: BulkResult[] }>(`/api/v1/security/${kind === "incidents" ? "incidents" : "alerts_v2"}/bulkUpdate`, {
        body: { ids, changes },
      });
      const nameOf = (index: number) => {
        const item = items.find((i) => i.id === ids[index]);
        return item ? `${item.tenantName} #${item.id}` : ids[index];
      };
      setOutcome(summarizeBulk(answer.value, nameOf));
      setReloads((n) => n + 1);
    } catch (e) {
      setOutcome(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section style={{ display: "flex", flexDirection: "column", gap: 12 }}>
      <Title2 as="h1">Incidents &amp; alerts</Title2>
      <TabList selectedValue={kind} onTabSelect={(_, d) => update({}, d.value as Kind)}>
        <Tab value="incidents">Incidents</Tab>
        <Tab value="alerts">Alerts</Tab>
      </TabList>
      <div style={{ display: "flex", flexWrap: "wrap", gap: 8, alignItems: "center" }} data-testid="queue-filters">
        <Input aria-label="Search" placeholder={kind === "incidents" ? "Search name, ID or impacted asset" : "Search title or ID"} defaultValue={filters.search} onKeyDown={(e) => e.key === "Enter" && update({ search: (e.target as HTMLInputElement).value })} style={{ minWidth: 260 }} />
        <Dropdown aria-label="Status" multiselect placeholder="Any status" selectedOptions={filters.statuses} value={filters.statuses.map(statusLabel).join(", ")} onOptionSelect={(_, d) => update({ statuses: d.selectedOptions })}>
          {statuses.map((s) => <Option key={s.value} value={s.value}>{s.label}</Option>)}
        </Dropdown>
        <Dropdown aria-label="Severity" multiselect placeholder="Any severity" selectedOptions={filters.severities} value={filters.severities.join(", ")} onOptionSelect={(_, d) => update({ severities: d.selectedOptions })}>
          {SEVERITIES.map((s) => <Option key={s} value={s}>{s}</Option>)}
        </Dropdown>
        <Dropdown aria-label="Assigned to" selectedOptions={[filters.assignedTo]} value={filters.assignedTo === "" ? "Anyone" : filters.assignedTo === "unassigned" ? "Unassigned" : filters.assignedTo === me.name ? "Me" : filters.assignedTo} onOptionSelect={(_, d) => update({ assignedTo: d.optionValue ?? "" })}>
          <Option value="">Anyone</Option>
          <Option value={me.name}>Me</Option>
          <Option value="unassigned">Unassigned</Option>
        </Dropdown>
        <Dropdown aria-label="Classification" selectedOptions={[filters.classification]} value={filters.classification ? classificationLabel(filters.classification) : "Any classification"} onOptionSelect={(_, d) => update({ classification: d.optionValue ?? "" })}>
          <Option value="">Any classification</Option>
          <Option value="unknown">Not set</Option>
          {CLASSIFICATIONS.map((c) => <Option key={c.value} value={c.value}>{c.label}</Option>)}
        </Dropdown>
        {kind === "incidents" && <Input aria-label="Tag" placeholder="Tag" defaultValue={filters.tag} onKeyDown={(e) => e.key === "Enter" && update({ tag: (e.target as HTMLInputElement).value })} style={{ width: 120 }} />}
        <Dropdown aria-label="Time range" selectedOptions={[String(filters.days)]} value={RANGES.find((r) => r.days === filters.days)?.label ?? `${filters.days} days`} onOptionSelect={(_, d) => update({ days: Number(d.optionValue) })}>
          {RANGES.map((r) => <Option key={r.days} value={String(r.days)}>{r.label}</Option>)}
        </Dropdown>
      </div>
      {error && <MessageBar intent="error" role="alert"><MessageBarBody>{error}</MessageBarBody></MessageBar>}
      {selected.length > 0 && (
        <div data-testid="bulk-actions" style={{ padding: 12, border: "1px solid var(--colorNeutralStroke2)", borderRadius: 4 }}>
          <Text weight="semibold">{selected.length} selected</Text>
          <TriageForm me={me.name} busy={busy} submitLabel={`Apply to ${selected.length}`} statuses={statuses} tags={kind === "incidents"} onSubmit={applyBulk} />
        </div>
      )}
      {outcome && <MessageBar intent={outcome.includes("failed") ? "warning" : "success"} data-testid="bulk-outcome"><MessageBarBody>{outcome}</MessageBarBody></MessageBar>}
      {!page && !error && <Spinner label="Loading the queue" />}
      {page && (
        <>
          <Text data-testid="queue-count">{total} {kind} · page {filters.page + 1} of {Math.max(1, Math.ceil(total / PAGE_SIZE))}</Text>
          <div style={{ overflowX: "auto" }}>
            <Table aria-label={kind === "incidents" ? "Incidents" : "Alerts"} size="small" style={{ minWidth: kind === "incidents" ? 1700 : 1400 }}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell style={{ width: 32 }}>
                    <Checkbox aria-label="Select all" checked={items.length > 0 && selected.length === items.length ? true : selected.length > 0 ? "mixed" : false} onChange={(_, d) => setSelected(d.checked ? items.map((i) => i.id) : [])} />
                  </TableHeaderCell>
                  {header(kind === "incidents" ? "displayName" : "title", kind === "incidents" ? "Incident name" : "Alert name")}
                  {header("id", "ID")}
                  {header("tenantId", "Tenant")}
                  {header("severity", "Severity")}
                  {header("status", "Status")}
                  <TableHeaderCell>{kind === "incidents" ? "Categories" : "Category"}</TableHeaderCell>
                  {kind === "incidents" && <TableHeaderCell>Impacted assets</TableHeaderCell>}
                  {kind === "incidents" && header("activeAlerts", "Active alerts")}
                  <TableHeaderCell>Detection source</TableHeaderCell>
                  {kind === "incidents" && <TableHeaderCell>Tags</TableHeaderCell>}
                  {header("firstActivityDateTime", "First activity")}
                  {header("lastActivityDateTime", "Last activity")}
                  {header("assignedTo", "Assigned to")}
                  {header("classification", "Classification")}
                </TableRow>
              </TableHeader>
              <TableBody>
                {items.map((item) => {
                  const incident = kind === "incidents" ? (item as Incident) : null;
                  const alert = kind === "alerts" ? (item as Alert) : null;
                  const target = `/incidents/${encodeURIComponent(incident?.id ?? alert?.incidentId ?? "")}?tid=${item.tenantId}`;
                  return (
                    <TableRow key={item.id} data-tenant={item.tenantName}>
                      <TableCell>
                        <Checkbox aria-label={`Select ${item.id}`} checked={selected.includes(item.id)} onChange={(_, d) => setSelected((s) => (d.checked ? [...s, item.id] : s.filter((x) => x !== item.id)))} />
                      </TableCell>
                      <TableCell style={{ minWidth: 260 }}><Link href={target} onClick={(e) => link(e, target)}>{incident?.displayName ?? alert?.title}</Link></TableCell>
                      <TableCell><Text font="monospace">{item.id}</Text></TableCell>
                      <TableCell>{item.tenantName}</TableCell>
                      <TableCell>{severityBadge(item.severity)}</TableCell>
                      <TableCell>{statusLabel(item.status)}</TableCell>
                      <TableCell>{incident ? incident.categories.join(", ") : alert?.category}</TableCell>
                      {incident && <TableCell>{incident.impactedAssets.slice(0, 3).join(", ")}{incident.impactedAssets.length > 3 ? ` +${incident.impactedAssets.length - 3}` : ""}</TableCell>}
                      {incident && <TableCell>{incident.activeAlerts}/{incident.alertCount}</TableCell>}
                      <TableCell>{incident ? incident.detectionSources.join(", ") : alert?.detectionSource}</TableCell>
                      {incident && <TableCell>{incident.customTags.join(", ")}</TableCell>}
                      <TableCell>{when(item.firstActivityDateTime)}</TableCell>
                      <TableCell>{when(item.lastActivityDateTime)}</TableCell>
                      <TableCell>{item.assignedTo ?? "Unassigned"}</TableCell>
                      <TableCell>{classificationLabel(item.classification)}</TableCell>
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </div>
          {items.length === 0 && <Text>No {kind} match these filters in the tenants in scope.</Text>}
          <div style={{ display: "flex", gap: 8 }}>
            <Button disabled={filters.page === 0} onClick={() => update({ page: filters.page - 1 })}>Previous page</Button>
            <Button disabled={(filters.page + 1) * PAGE_SIZE >= total} onClick={() => update({ page: filters.page + 1 })}>Next page</Button>
          </div>
        </>
      )}
    </section>
  );
}
