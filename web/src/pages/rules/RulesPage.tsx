// Custom detection rules of every tenant in scope with the tenant column: create (also from a
// hunting query), edit, run now, turn on or off, delete, and each rule's run history.
import {
  Badge, Button, MessageBar, MessageBarBody, Spinner, Table, TableBody, TableCell, TableHeader, TableHeaderCell,
  TableRow, Text, Title2,
} from "@fluentui/react-components";
import { useEffect, useState } from "react";
import { ApiError, api } from "../../api/client";
import type { DetectionRule, RuleRun } from "../../api/types";
import { navigate, useLocation } from "../../router";
import { useSession } from "../../session";
import { useScope } from "../../shell/scope";
import { severityBadge, when } from "../incidents/format";
import { PERIODS, RuleForm } from "./RuleForm";

function runBadge(status: string | null) {
  if (!status) return <Badge appearance="outline">Never run</Badge>;
  const color = status === "completed" ? "success" : status === "failed" ? "danger" : "warning";
  return <Badge appearance="tint" color={color}>{status}</Badge>;
}

export function RulesPage() {
  const { me } = useSession();
  const { tenants } = useScope();
  const location = useLocation();
  const [rules, setRules] = useState<DetectionRule[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<DetectionRule | "new" | null>(location.search.get("new") ? "new" : null);
  const [runs, setRuns] = useState<{ rule: DetectionRule; runs: RuleRun[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const load = () =>
    api<{ value: DetectionRule[] }>("/api/v1/security/rules/detectionRules")
      .then((answer) => setRules(answer.value))
      .catch((e) => setError(e instanceof ApiError ? e.message : String(e)));
  useEffect(() => {
    void load();
  }, []);
  const manageable = me.tenants.filter((t) => t.permissions.includes("detections.manage"));
  const inScope = new Set(tenants.map((t) => t.tenantId));
  const shown = (rules ?? []).filter((r) => inScope.has(r.tenantId));
  const act = async (rule: DetectionRule, what: string, work: () => Promise<string>) => {
    setBusy(`${rule.id}:${what}`);
    setError(null);
    try {
      setMessage(await work());
      await load();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  const path = (rule: DetectionRule) => `/api/v1/security/rules/detectionRules/${rule.id}`;
  const closeForm = () => {
    setEditing(null);
    if (location.search.get("new")) navigate("/rules", { replace: true });
  };

  return (
    <section style={{ display: "flex", flexDirection: "column", gap: 12 }}>
      <Title2 as="h1">Custom detection rules</Title2>
      <Text>Rules run on their schedule in their tenant; every result row raises an alert once, correlated into the tenant's incidents.</Text>
      {error && <MessageBar intent="error" role="alert"><MessageBarBody>{error}</MessageBarBody></MessageBar>}
      {message && <MessageBar intent="success" data-testid="rule-message"><MessageBarBody>{message}</MessageBarBody></MessageBar>}
      {editing === null && (
        <Button appearance="primary" style={{ alignSelf: "flex-start" }} disabled={manageable.length === 0} onClick={() => setEditing("new")}>
          Create detection rule
        </Button>
      )}
      {editing !== null && (
        <RuleForm
          tenants={manageable}
          consenting={me.tenants.filter((t) => t.permissions.includes("crossTenant.analytics") && t.permissions.includes("hunting.run"))}
          rule={editing === "new" ? undefined : editing}
          query={location.search.get("query") ?? undefined}
          onCancel={closeForm}
          onDone={() => {
            setMessage(editing === "new" ? "Rule created; it runs at once, then on its schedule." : "Rule saved.");
            closeForm();
            void load();
          }}
        />
      )}
      {!rules && !error && <Spinner label="Loading rules" />}
      {rules && (
        <Table aria-label="Detection rules" size="small">
          <TableHeader>
            <TableRow>
              <TableHeaderCell>Name</TableHeaderCell>
              <TableHeaderCell>Tenant</TableHeaderCell>
              <TableHeaderCell>Severity</TableHeaderCell>
              <TableHeaderCell>Frequency</TableHeaderCell>
              <TableHeaderCell>Last run</TableHeaderCell>
              <TableHeaderCell>Last run status</TableHeaderCell>
              <TableHeaderCell>Next run</TableHeaderCell>
              <TableHeaderCell>State</TableHeaderCell>
              <TableHeaderCell>Version</TableHeaderCell>
              <TableHeaderCell>Actions</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {shown.map((rule) => {
              const manages = manageable.some((t) => t.tenantId === rule.tenantId);
              return (
                <TableRow key={rule.id} data-rule={rule.displayName} data-tenant={rule.tenantName}>
                  <TableCell>
                    <Text weight="semibold">{rule.displayName}</Text>
                    {rule.queryCondition.mode === "combined" && <Badge appearance="tint" color="brand" style={{ marginLeft: 6 }}>cross-tenant · {rule.queryCondition.tenantIds?.length ?? 0}</Badge>}
                    <br />
                    <Text size={200}>{rule.createdBy}</Text>
                  </TableCell>
                  <TableCell>{rule.tenantName}</TableCell>
                  <TableCell>{severityBadge(rule.detectionAction.alertTemplate.severity)}</TableCell>
                  <TableCell>{PERIODS.find((p) => p.value === rule.schedule.period)?.label ?? rule.schedule.period}</TableCell>
                  <TableCell>{when(rule.lastRunDetails.lastRunDateTime)}</TableCell>
                  <TableCell title={rule.lastRunDetails.failureReason ?? undefined}>{runBadge(rule.lastRunDetails.status)}</TableCell>
                  <TableCell>{rule.isEnabled ? when(rule.schedule.nextRunDateTime) : "—"}</TableCell>
                  <TableCell>{rule.isEnabled ? "On" : "Off"}</TableCell>
                  <TableCell>{rule.version}</TableCell>
                  <TableCell>
                    <div style={{ display: "flex", gap: 4, flexWrap: "wrap" }}>
                      <Button size="small" disabled={!manages || busy !== null} onClick={() => void act(rule, "run", async () => {
                        const run = await api<RuleRun>(`${path(rule)}/run`, { body: {} });
                        return `${rule.displayName} in ${rule.tenantName}: ${run.status}, ${run.rowCount} rows, ${run.alertCount} new alerts`;
                      })}>Run now</Button>
                      <Button size="small" disabled={!manages || busy !== null} onClick={() => void act(rule, "toggle", async () => {
                        await api(path(rule), { method: "PATCH", body: { isEnabled: !rule.isEnabled } });
                        return `${rule.displayName} turned ${rule.isEnabled ? "off" : "on"}`;
                      })}>{rule.isEnabled ? "Turn off" : "Turn on"}</Button>
                      <Button size="small" disabled={!manages} onClick={() => setEditing(rule)}>Edit</Button>
                      <Button size="small" onClick={async () => setRuns({ rule, runs: (await api<{ value: RuleRun[] }>(`${path(rule)}/runs`)).value })}>Runs</Button>
                      <Button size="small" disabled={!manages || busy !== null} onClick={() => {
                        if (window.confirm(`Delete ${rule.displayName} in ${rule.tenantName}? Its alerts stay.`)) {
                          void act(rule, "delete", async () => {
                            await api(path(rule), { method: "DELETE" });
                            return `${rule.displayName} deleted`;
                          });
                        }
                      }}>Delete</Button>
                    </div>
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      {rules && shown.length === 0 && <Text>No detection rules in the tenants in scope.</Text>}
      {runs && (
        <div data-testid="rule-runs">
          <Title2 as="h2" style={{ fontSize: 16 }}>Runs of {runs.rule.displayName} ({runs.rule.tenantName})</Title2>
          <Table aria-label="Rule runs" size="extra-small">
            <TableHeader>
              <TableRow>
                <TableHeaderCell>Started</TableHeaderCell>
                <TableHeaderCell>Status</TableHeaderCell>
                <TableHeaderCell>Duration</TableHeaderCell>
                <TableHeaderCell>Rows</TableHeaderCell>
                <TableHeaderCell>Rows scanned</TableHeaderCell>
                <TableHeaderCell>New alerts</TableHeaderCell>
                <TableHeaderCell>Reason</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {runs.runs.map((run) => (
                <TableRow key={run.id}>
                  <TableCell>{when(run.startedDateTime)}</TableCell>
                  <TableCell>{runBadge(run.status)}</TableCell>
                  <TableCell>{run.durationMs} ms</TableCell>
                  <TableCell>{run.rowCount}</TableCell>
                  <TableCell>{run.rowsScanned.toLocaleString()}</TableCell>
                  <TableCell>{run.alertCount}</TableCell>
                  <TableCell>{run.failureReason ?? ""}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}
    </section>
  );
}
