// Settings › Tenants: every tenant the principal reaches, whether it is in the view, its
// status and plan; add to or remove from the view; tenant groups; instance admins create tenants.
import {
  Button, Checkbox, Field, Input, MessageBar, MessageBarBody, Switch, Table, TableBody, TableCell,
  TableHeader, TableHeaderCell, TableRow, Text, Title2, Title3,
} from "@fluentui/react-components";
import { useState } from "react";
import { ApiError, api } from "../../api/client";
import type { TenantView } from "../../api/types";
import { useSession } from "../../session";
import { useScope } from "../../shell/scope";
import { statusBadge } from "../../shell/statusBadge";

const CAPABILITIES = ["hunting", "detections", "vulnerabilityManagement", "identities", "email", "cases", "dashboards"];

export function TenantsPage() {
  const { me, refresh } = useSession();
  const { groups, reloadGroups } = useScope();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const [groupName, setGroupName] = useState("");
  const [groupMembers, setGroupMembers] = useState<string[]>([]);

  const run = async (key: string, work: () => Promise<unknown>) => {
    setBusy(key);
    setError(null);
    try {
      await work();
      await refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  const setInView = (tenant: TenantView, include: boolean) =>
    run(tenant.tenantId, () => api(`/api/v1/me/view/${encodeURIComponent(tenant.tenantId)}`, { method: include ? "PUT" : "DELETE" }));
  const createGroup = () =>
    run("group", async () => {
      await api("/api/v1/me/tenantGroups", { body: { displayName: groupName, tenantIds: groupMembers } });
      setGroupName("");
      setGroupMembers([]);
      await reloadGroups();
    });
  const shown = me.tenants.filter((t) => t.tenantName.toLowerCase().includes(filter.toLowerCase()));

  return (
    <section style={{ display: "flex", flexDirection: "column", gap: 16 }}>
      <Title2 as="h1">Tenants</Title2>
      <Text>
        {me.tenants.length} tenants reachable, {me.tenants.filter((t) => t.inView).length} in your view. Tenants in the view appear in
        every page's scope.
      </Text>
      {error && (
        <MessageBar intent="error" role="alert">
          <MessageBarBody>{error}</MessageBarBody>
        </MessageBar>
      )}
      <Input placeholder="Filter by name" value={filter} onChange={(_, d) => setFilter(d.value)} aria-label="Filter tenants" style={{ maxWidth: 320 }} />
      <Table aria-label="Tenants" size="small">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Tenant</TableHeaderCell>
            <TableHeaderCell>In view</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Plan</TableHeaderCell>
            <TableHeaderCell>Your permissions</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {shown.map((t) => (
            <TableRow key={t.tenantId} data-tenant={t.tenantName}>
              <TableCell>
                <Text weight="semibold">{t.tenantName}</Text>
                <br />
                <Text size={200} font="monospace">{t.tenantId}</Text>
              </TableCell>
              <TableCell>
                <Switch
                  checked={t.inView}
                  disabled={busy === t.tenantId}
                  aria-label={`${t.tenantName} in view`}
                  onChange={(_, d) => void setInView(t, d.checked)}
                />
              </TableCell>
              <TableCell>
                {statusBadge(t)} {t.message && <Text size={200}>{t.message}</Text>}
              </TableCell>
              <TableCell>{t.capabilities.join(", ") || "—"}</TableCell>
              <TableCell>
                <Text size={200}>{t.permissions.length ? t.permissions.join(", ") : "none"}</Text>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>

      <Title3 as="h2">Tenant groups</Title3>
      {groups.length === 0 && <Text>No tenant groups yet.</Text>}
      <ul>
        {groups.map((g) => (
          <li key={g.id}>
            <Text weight="semibold">{g.displayName}</Text>: {g.tenantIds.map((id) => me.tenants.find((t) => t.tenantId === id)?.tenantName ?? id).join(", ")}
            {g.hiddenMembers > 0 && <Text size={200}> (+{g.hiddenMembers} you cannot reach)</Text>}
          </li>
        ))}
      </ul>
      <div style={{ display: "flex", flexDirection: "column", gap: 8, maxWidth: 480 }}>
        <Field label="New group name">
          <Input value={groupName} onChange={(_, d) => setGroupName(d.value)} />
        </Field>
        <div style={{ display: "flex", flexWrap: "wrap", gap: "0 12px" }}>
          {me.tenants.map((t) => (
            <Checkbox
              key={t.tenantId}
              label={t.tenantName}
              checked={groupMembers.includes(t.tenantId)}
              onChange={(_, d) => setGroupMembers((m) => (d.checked ? [...m, t.tenantId] : m.filter((x) => x !== t.tenantId)))}
            />
          ))}
        </div>
        <Button onClick={() => void createGroup()} disabled={!groupName || groupMembers.length === 0 || busy === "group"}>
          Create group
        </Button>
      </div>

      {me.instanceAdmin && <CreateTenant onCreated={refresh} />}
    </section>
  );
}

function CreateTenant(props: { onCreated: () => Promise<void> }) {
  const [name, setName] = useState("");
  const [capabilities, setCapabilities] = useState<string[]>(["hunting"]);
  const [message, setMessage] = useState<{ intent: "success" | "error"; text: string } | null>(null);
  const create = async () => {
    try {
      await api("/api/v1/tenants", { body: { displayName: name, capabilities } });
      setMessage({ intent: "success", text: `Tenant ${name} created` });
      setName("");
      await props.onCreated();
    } catch (e) {
      setMessage({ intent: "error", text: e instanceof ApiError ? e.message : String(e) });
    }
  };
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 8, maxWidth: 480 }}>
      <Title3 as="h2">Create a tenant</Title3>
      {message && (
        <MessageBar intent={message.intent}>
          <MessageBarBody>{message.text}</MessageBarBody>
        </MessageBar>
      )}
      <Field label="Display name">
        <Input value={name} onChange={(_, d) => setName(d.value)} />
      </Field>
      <div>
        {CAPABILITIES.map((c) => (
          <Checkbox key={c} label={c} checked={capabilities.includes(c)} onChange={(_, d) => setCapabilities((s) => (d.checked ? [...s, c] : s.filter((x) => x !== c)))} />
        ))}
      </div>
      <Button onClick={() => void create()} disabled={!name}>Create tenant</Button>
    </div>
  );
}
