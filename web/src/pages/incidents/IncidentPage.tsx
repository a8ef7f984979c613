// One incident, inside the console: summary, triage, its alerts, their evidence, an attack
// timeline from the tenant's telemetry, prefilled hunts and the comments and activity log.
import {
  Badge, Button, Link, MessageBar, MessageBarBody, Spinner, Tab, TabList, Table, TableBody, TableCell, TableHeader,
  TableHeaderCell, TableRow, Text, Textarea, Title2,
} from "@fluentui/react-components";
import { useEffect, useState, type MouseEvent } from "react";
import { ApiError, api } from "../../api/client";
import type { Evidence, HuntResult, Incident } from "../../api/types";
import { navigate } from "../../router";
import { useSession } from "../../session";
import { classificationLabel, determinationLabel, severityBadge, statusLabel, when, whenPrecise } from "./format";
import { INCIDENT_STATUSES } from "./queue";
import { alertHuntQuery, timelineQuery } from "./timeline";
import { TriageForm, type TriageChanges } from "./TriageForm";

function huntLink(query: string, tenantId: string): string {
  return `/hunting?${new URLSearchParams({ query, tenants: tenantId }).toString()}`;
}

function follow(event: MouseEvent, to: string) {
  if (event.ctrlKey || event.metaKey || event.button !== 0) return;
  event.preventDefault();
  navigate(to);
}

/** An evidence item's kind and main identifier, for the evidence list. */
export function describeEvidence(evidence: Evidence): { kind: string; name: string } {
  const kind = evidence["@odata.type"].replace("#microsoft.graph.security.", "").replace("Evidence", "");
  const pick = (...values: unknown[]) => values.find((v) => typeof v === "string" && v !== "") as string | undefined;
  const account = (evidence.userAccount ?? {}) as Record<string, unknown>;
  const file = (evidence.fileDetails ?? {}) as Record<string, unknown>;
  const name = pick(
    evidence.deviceDnsName, evidence.mdeDeviceId, account.userPrincipalName, account.accountName, account.userSid,
    file.fileName, file.sha256, file.sha1, evidence.processCommandLine, evidence.ipAddress, evidence.url,
    evidence.primaryAddress, evidence.registryKey,
  );
  return { kind, name: name ?? "(unnamed)" };
}

export function IncidentPage(props: { id: string }) {
  const { me } = useSession();
  const [incident, setIncident] = useState<Incident | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tab, setTab] = useState("alerts");
  const [busy, setBusy] = useState(false);
  const [comment, setComment] = useState("");
  const [timeline, setTimeline] = useState<HuntResult | null>(null);
  const [timelineError, setTimelineError] = useState<string | null>(null);
  const path = `/api/v1/security/incidents/${encodeURIComponent(props.id)}`;

  const load = () =>
    api<Incident>(path)
      .then(setIncident)
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
  useEffect(() => {
    setIncident(null);
    setTimeline(null);
    void load();
  }, [props.id]);
  const query = incident ? timelineQuery(incident) : null;
  useEffect(() => {
    if (tab !== "timeline" || !incident || !query || timeline) return;
    setTimelineError(null);
    api<HuntResult>("/api/v1/security/runHuntingQuery", { body: { Query: query, tenantIds: [incident.tenantId] } })
      .then(setTimeline)
      .catch((e) => setTimelineError(e instanceof ApiError ? e.message : String(e)));
  }, [tab, incident, query]);

  const change = async (changes: TriageChanges) => {
    setBusy(true);
    setError(null);
    try {
      await api(path, { method: "PATCH", body: changes });
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  if (error && !incident) {
    return <MessageBar intent="error" role="alert"><MessageBarBody>{error}</MessageBarBody></MessageBar>;
  }
  if (!incident) return <Spinner label="Loading the incident" />;
  const alerts = incident.alerts ?? [];
  const evidence = new Map<string, { kind: string; name: string; verdict: string; alerts: number }>();
  for (const alert of alerts) {
    for (const item of alert.evidence) {
      const described = describeEvidence(item);
      const key = `${described.kind}:${described.name}`;
      const known = evidence.get(key);
      evidence.set(key, { ...described, verdict: String(item.verdict ?? ""), alerts: (known?.alerts ?? 0) + 1 });
    }
  }
  const comments = incident.comments ?? [];
  return (
    <section style={{ display: "flex", flexDirection: "column", gap: 12 }} data-testid="incident-page">
      <Link href="/incidents" onClick={(e) => follow(e, "/incidents")}>‹ Incidents &amp; alerts</Link>
      <div style={{ display: "flex", gap: 12, alignItems: "center", flexWrap: "wrap" }}>
        <Title2 as="h1">{incident.displayName}</Title2>
        {severityBadge(incident.severity)}
        <Badge appearance="outline" data-testid="incident-status">{statusLabel(incident.status)}</Badge>
      </div>
      <Text>
        Incident {incident.id} · {incident.tenantName} · first activity {when(incident.firstActivityDateTime)} · last activity{" "}
        {when(incident.lastActivityDateTime)}
      </Text>
      <div style={{ display: "grid", gridTemplateColumns: "max-content 1fr", gap: "4px 16px" }} data-testid="incident-summary">
        <Text weight="semibold">Assigned to</Text><Text>{incident.assignedTo ?? "Unassigned"}</Text>
        <Text weight="semibold">Classification</Text>
        <Text>{classificationLabel(incident.classification)}{incident.determination !== "unknown" ? ` · ${determinationLabel(incident.determination)}` : ""}</Text>
        <Text weight="semibold">Categories</Text><Text>{incident.categories.join(", ")}</Text>
        <Text weight="semibold">Impacted assets</Text><Text>{incident.impactedAssets.join(", ") || "—"}</Text>
        <Text weight="semibold">Tags</Text><Text>{incident.customTags.join(", ") || "—"}</Text>
        <Text weight="semibold">Alerts</Text><Text>{incident.activeAlerts} active of {incident.alertCount}</Text>
      </div>
      {error && <MessageBar intent="error" role="alert"><MessageBarBody>{error}</MessageBarBody></MessageBar>}
      <div style={{ padding: 12, border: "1px solid var(--colorNeutralStroke2)", borderRadius: 4 }} data-testid="manage-incident">
        <Text weight="semibold">Manage incident</Text>
        <TriageForm me={me.name} busy={busy} submitLabel="Save" statuses={INCIDENT_STATUSES} tags onSubmit={change} />
      </div>
      <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(String(d.value))}>
        <Tab value="alerts">Alerts ({alerts.length})</Tab>
        <Tab value="evidence">Evidence ({evidence.size})</Tab>
        <Tab value="timeline">Timeline</Tab>
        <Tab value="activity">Comments &amp; activity ({comments.length})</Tab>
      </TabList>
      {tab === "alerts" && (
        <Table aria-label="Alerts of the incident" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Alert</TableHeaderCell>
              <TableHeaderCell>Severity</TableHeaderCell>
              <TableHeaderCell>Status</TableHeaderCell>
              <TableHeaderCell>Category</TableHeaderCell>
              <TableHeaderCell>MITRE techniques</TableHeaderCell>
              <TableHeaderCell>Activity</TableHeaderCell>
              <TableHeaderCell>Hunt</TableHeaderCell>
              <TableHeaderCell>Move</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {alerts.map((alert) => {
              const devices = alert.evidence.filter((e) => e["@odata.type"].endsWith("deviceEvidence")).map((e) => String(e.mdeDeviceId ?? "")).filter(Boolean);
              const hunt = huntLink(alertHuntQuery(devices, alert.firstActivityDateTime, alert.lastActivityDateTime), incident.tenantId);
              return (
                <TableRow key={alert.id}>
                  <TableCell><Text weight="semibold">{alert.title}</Text><br /><Text size={200}>{alert.description}</Text></TableCell>
                  <TableCell>{severityBadge(alert.severity)}</TableCell>
                  <TableCell>{statusLabel(alert.status)}</TableCell>
                  <TableCell>{alert.category}</TableCell>
                  <TableCell>{alert.mitreTechniques.join(", ")}</TableCell>
                  <TableCell>{when(alert.firstActivityDateTime)}</TableCell>
                  <TableCell><Link href={hunt} onClick={(e) => follow(e, hunt)}>Hunt the events</Link></TableCell>
                  <TableCell>
                    <Button
                      size="small"
                      disabled={busy || alerts.length < 2}
                      onClick={async () => {
                        const reason = window.prompt("Why does this alert belong to another incident?");
                        if (!reason?.trim()) return;
                        setBusy(true);
                        try {
                          await api(`/api/v1/security/alerts_v2/${encodeURIComponent(alert.id)}/move`, { body: { new: true, reason } });
                          await load();
                        } catch (e) {
                          setError(e instanceof ApiError ? e.message : String(e));
                        } finally {
                          setBusy(false);
                        }
                      }}
                    >
                      To a new incident
                    </Button>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {tab === "evidence" && (
        <Table aria-label="Evidence" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Kind</TableHeaderCell>
              <TableHeaderCell>Entity</TableHeaderCell>
              <TableHeaderCell>Verdict</TableHeaderCell>
              <TableHeaderCell>Alerts</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {[...evidence.values()].map((e) => (
              <TableRow key={`${e.kind}:${e.name}`}>
                <TableCell>{e.kind}</TableCell>
                <TableCell><Text font="monospace">{e.name}</Text></TableCell>
                <TableCell>{e.verdict}</TableCell>
                <TableCell>{e.alerts}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {tab === "timeline" && (
        <div data-testid="incident-timeline" style={{ display: "flex", flexDirection: "column", gap: 8 }}>
          {!query && <Text>The incident's alerts name no device, so there is no device timeline.</Text>}
          {query && <Link href={huntLink(query, incident.tenantId)} onClick={(e) => follow(e, huntLink(query, incident.tenantId))}>Open this timeline in Advanced hunting</Link>}
          {timelineError && <MessageBar intent="error"><MessageBarBody>{timelineError}</MessageBarBody></MessageBar>}
          {query && !timeline && !timelineError && <Spinner label="Reading the tenant's telemetry" />}
          {timeline && (
            <div style={{ overflowX: "auto", maxHeight: 480 }}>
              <Table aria-label="Timeline" size="extra-small" style={{ minWidth: 1600 }}>
                <TableHeader>
                  <TableRow>{timeline.schema.filter((c) => c.name !== "TenantId" && c.name !== "TenantName").map((c) => <TableHeaderCell key={c.name}>{c.name}</TableHeaderCell>)}</TableRow>
                </TableHeader>
                <TableBody>
                  {timeline.results.map((row, index) => (
                    <TableRow key={index}>
                      {timeline.schema.filter((c) => c.name !== "TenantId" && c.name !== "TenantName").map((c) => (
                        <TableCell key={c.name} title={String(row[c.name] ?? "")} style={{ verticalAlign: "top", maxWidth: 420, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
                          {c.name === "Timestamp" ? whenPrecise(String(row[c.name])) : String(row[c.name] ?? "")}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </div>
          )}
        </div>
      )}
      {tab === "activity" && (
        <div style={{ display: "flex", flexDirection: "column", gap: 8 }} data-testid="incident-activity">
          {comments.map((c, index) => (
            <div key={index} style={{ borderLeft: `3px solid ${c.kind === "comment" ? "var(--colorBrandStroke1)" : "var(--colorNeutralStroke2)"}`, paddingLeft: 8 }}>
              <Text size={200}>{when(c.createdDateTime)} · {c.createdByDisplayName}</Text>
              <br />
              <Text>{c.comment}</Text>
            </div>
          ))}
          <Textarea aria-label="New comment" placeholder="Add a comment" value={comment} onChange={(_, d) => setComment(d.value)} />
          <Button
            appearance="primary"
            disabled={!comment.trim() || busy}
            style={{ alignSelf: "flex-start" }}
            onClick={async () => {
              await change({ comment: comment.trim() });
              setComment("");
            }}
          >
            Add comment
          </Button>
        </div>
      )}
    </section>
  );
}
