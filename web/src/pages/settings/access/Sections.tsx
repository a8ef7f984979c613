// The sections of Settings › Access for one tenant: users, guests, delegated access, roles,
// service principals and the audit log. Each uses the public API and shows its errors.
import {
  Badge, Button, Field, Input, MessageBar, MessageBarBody, Table, TableBody, TableCell, TableHeader, TableHeaderCell,
  TableRow, Text,
} from "@fluentui/react-components";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { api } from "../../../api/client";
import { download } from "../../hunting/results";
import { DelegationRequestForm } from "./DelegationRequestForm";
import { attempt, useTenantList } from "./useTenantList";

export function Problem(props: { text: string | null }) {
  return props.text ? (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>{props.text}</MessageBarBody>
    </MessageBar>
  ) : null;
}

function SimpleTable(props: { label: string; headers: string[]; rows: ReactNode[][]; empty: string }) {
  if (props.rows.length === 0) return <Text>{props.empty}</Text>;
  return (
    <Table size="small" aria-label={props.label}>
      <TableHeader>
        <TableRow>{props.headers.map((h) => <TableHeaderCell key={h}>{h}</TableHeaderCell>)}</TableRow>
      </TableHeader>
      <TableBody>
        {props.rows.map((cells, i) => (
          <TableRow key={i}>{cells.map((c, j) => <TableCell key={j}>{c}</TableCell>)}</TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

const when = (ns: number | null | undefined) => (ns ? new Date(ns / 1e6).toLocaleString() : "—");
const roleList = (text: string) => text.split(",").map((r) => r.trim()).filter(Boolean);

interface User { id: string; username: string; displayName: string }
interface Assignment { id: string; principalKind: string; principalId: string; role: string }

export function UsersSection(props: { tenantId: string }) {
  const base = `/api/v1/tenants/${props.tenantId}`;
  const users = useTenantList<User>(`${base}/users`);
  const assignments = useTenantList<Assignment>(`${base}/roleAssignments`);
  const [form, setForm] = useState({ username: "", password: "", roles: "reader" });
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    if (await attempt(() => api(`${base}/users`, { body: { username: form.username, password: form.password, roles: roleList(form.roles) } }), setError)) {
      setForm({ username: "", password: "", roles: "reader" });
      users.reload();
      assignments.reload();
    }
  };
  const rolesOf = (id: string) => assignments.items.filter((a) => a.principalId === id).map((a) => a.role).join(", ");
  return (
    <>
      <Problem text={error ?? users.error} />
      <SimpleTable label="Users" headers={["User", "Display name", "Roles"]} empty="No users." rows={users.items.map((u) => [u.username, u.displayName, rolesOf(u.id) || "—"])} />
      <div style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}>
        <Field label="New user name"><Input value={form.username} onChange={(_, d) => setForm({ ...form, username: d.value })} /></Field>
        <Field label="Initial password"><Input type="password" value={form.password} onChange={(_, d) => setForm({ ...form, password: d.value })} /></Field>
        <Field label="Roles (comma separated)"><Input value={form.roles} onChange={(_, d) => setForm({ ...form, roles: d.value })} /></Field>
        <Button onClick={() => void create()} disabled={!form.username || !form.password}>Create user</Button>
      </div>
    </>
  );
}

interface Guest { id: string; userId: string; homeTenantId: string; homeTenantName?: string | null; state: string }

export function GuestsSection(props: { tenantId: string }) {
  const base = `/api/v1/tenants/${props.tenantId}`;
  const guests = useTenantList<Guest>(`${base}/guests`);
  const [form, setForm] = useState({ username: "", roles: "analyst" });
  const [error, setError] = useState<string | null>(null);
  const invite = async () => {
    if (await attempt(() => api(`${base}/guests`, { body: { username: form.username, roles: roleList(form.roles) } }), setError)) {
      setForm({ username: "", roles: "analyst" });
      guests.reload();
    }
  };
  const remove = async (g: Guest) => {
    if (await attempt(() => api(`${base}/guests/${g.id}`, { method: "DELETE" }), setError)) guests.reload();
  };
  return (
    <>
      <Problem text={error ?? guests.error} />
      <SimpleTable
        label="Guests"
        headers={["Guest user", "Home tenant", "State", ""]}
        empty="No guests."
        rows={guests.items.map((g) => [g.userId, g.homeTenantName ?? g.homeTenantId, <Badge key="s" appearance="tint">{g.state}</Badge>, <Button key="r" size="small" onClick={() => void remove(g)}>Remove</Button>])}
      />
      <div style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}>
        <Field label="Invite user (their sign-in name)"><Input value={form.username} onChange={(_, d) => setForm({ ...form, username: d.value })} /></Field>
        <Field label="Roles"><Input value={form.roles} onChange={(_, d) => setForm({ ...form, roles: d.value })} /></Field>
        <Button onClick={() => void invite()} disabled={!form.username}>Invite guest</Button>
      </div>
    </>
  );
}

interface Delegation { id: string; customerTenantId: string; customerTenantName?: string | null; partnerTenantId: string; partnerTenantName?: string | null; groupId: string; roles: string[]; status: string; startsNs?: number; endsNs?: number }

export function DelegationsSection(props: { tenantId: string; isHome: boolean; tenantName: (id: string) => string }) {
  const base = `/api/v1/tenants/${props.tenantId}`;
  const list = useTenantList<Delegation>(`${base}/delegations`);
  const [error, setError] = useState<string | null>(null);
  const decide = async (d: Delegation, decision: "approve" | "reject" | "revoke") => {
    if (await attempt(() => api(`${base}/delegations/${d.id}/${decision}`, { method: "POST" }), setError)) list.reload();
  };
  const actions = (d: Delegation) => {
    if (d.customerTenantId !== props.tenantId) return <Text size={200}>partner side</Text>;
    if (d.status === "requested") {
      return (
        <span style={{ display: "inline-flex", gap: 4 }}>
          <Button size="small" appearance="primary" onClick={() => void decide(d, "approve")}>Approve</Button>
          <Button size="small" onClick={() => void decide(d, "reject")}>Reject</Button>
        </span>
      );
    }
    return d.status === "active" ? <Button size="small" onClick={() => void decide(d, "revoke")}>Revoke</Button> : null;
  };
  return (
    <>
      <Problem text={error ?? list.error} />
      <SimpleTable
        label="Delegated access"
        headers={["Customer", "Partner", "Roles", "Status", "From", "Until", ""]}
        empty="No delegated-access relationships."
        rows={list.items.map((d) => [d.customerTenantName ?? props.tenantName(d.customerTenantId), d.partnerTenantName ?? props.tenantName(d.partnerTenantId), d.roles.join(", "), <Badge key="s" appearance="tint" color={d.status === "active" ? "success" : "informative"}>{d.status}</Badge>, when(d.startsNs), when(d.endsNs), actions(d)])}
      />
      <Text size={200}>
        This tenant's id is <code>{props.tenantId}</code>: a partner needs it to request delegated access, which this tenant's administrators then approve here.
      </Text>
      {props.isHome && <DelegationRequestForm partnerTenantId={props.tenantId} onRequested={list.reload} onError={setError} />}
    </>
  );
}

interface Role { id?: string; name: string; description: string; permissions: string[]; builtIn: boolean }

export function RolesSection(props: { tenantId: string }) {
  const base = `/api/v1/tenants/${props.tenantId}`;
  const roles = useTenantList<Role>(`${base}/roles`);
  const [form, setForm] = useState({ name: "", permissions: "securityData.read,hunting.run" });
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    if (await attempt(() => api(`${base}/roles`, { body: { name: form.name, description: "", permissions: roleList(form.permissions) } }), setError)) {
      setForm({ ...form, name: "" });
      roles.reload();
    }
  };
  const remove = async (r: Role) => {
    if (await attempt(() => api(`${base}/roles/${r.id}`, { method: "DELETE" }), setError)) roles.reload();
  };
  return (
    <>
      <Problem text={error ?? roles.error} />
      <SimpleTable label="Roles" headers={["Role", "Kind", "Permissions", ""]} empty="No roles." rows={roles.items.map((r) => [r.name, r.builtIn ? "built-in" : "custom", <Text key="p" size={200}>{r.permissions.join(", ")}</Text>, r.builtIn ? null : <Button key="d" size="small" onClick={() => void remove(r)}>Delete</Button>])} />
      <div style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}>
        <Field label="New role name"><Input value={form.name} onChange={(_, d) => setForm({ ...form, name: d.value })} /></Field>
        <Field label="Permissions"><Input value={form.permissions} onChange={(_, d) => setForm({ ...form, permissions: d.value })} style={{ minWidth: 320 }} /></Field>
        <Button onClick={() => void create()} disabled={!form.name}>Create role</Button>
      </div>
    </>
  );
}

interface Principal { id: string; displayName: string }
interface Token { id: string; principalKind: string; principalId: string; scopes: string; expiresNs: number; revoked: boolean }

export function ServicePrincipalsSection(props: { tenantId: string }) {
  const base = `/api/v1/tenants/${props.tenantId}`;
  const [listing, setListing] = useState<{ principals: Principal[]; tokens: Token[] }>({ principals: [], tokens: [] });
  const [form, setForm] = useState({ name: "", roles: "reader", days: "30" });
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    void attempt(async () => {
      const answer = await api<{ value: Principal[]; tokens: Token[] }>(`${base}/servicePrincipals`);
      setListing({ principals: answer.value, tokens: answer.tokens });
    }, setError);
  }, [base]);
  useEffect(reload, [reload]);
  const create = async () => {
    const ok = await attempt(async () => {
      const sp = await api<{ id: string; displayName: string }>(`${base}/servicePrincipals`, { body: { displayName: form.name, roles: roleList(form.roles) } });
      const token = await api<{ token: string }>("/api/v1/tokens", { body: { servicePrincipalId: sp.id, expiresInDays: Number(form.days) || 30 } });
      setIssued({ name: sp.displayName, token: token.token });
    }, setError);
    if (ok) reload();
  };
  const revoke = async (t: Token) => {
    if (await attempt(() => api(`${base}/tokens/${t.id}`, { method: "DELETE" }), setError)) reload();
  };
  const owner = (t: Token) => listing.principals.find((p) => p.id === t.principalId)?.displayName ?? `${t.principalKind} ${t.principalId}`;
  return (
    <>
      <Problem text={error} />
      <Text>A service principal acts through API tokens: scoped, expiring, revocable, stored hashed.</Text>
      <SimpleTable label="Service principals" headers={["Service principal", "Id"]} empty="No service principals." rows={listing.principals.map((p) => [p.displayName, <Text key="i" size={200} font="monospace">{p.id}</Text>])} />
      <SimpleTable
        label="API tokens"
        headers={["Owner", "Scopes", "Expires", "State", ""]}
        empty="No API tokens."
        rows={listing.tokens.map((t) => [owner(t), t.scopes || "the owner's grants", when(t.expiresNs), t.revoked ? "revoked" : "active", t.revoked ? null : <Button key="r" size="small" onClick={() => void revoke(t)}>Revoke</Button>])}
      />
      <div style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}>
        <Field label="Service principal name"><Input value={form.name} onChange={(_, d) => setForm({ ...form, name: d.value })} /></Field>
        <Field label="Roles"><Input value={form.roles} onChange={(_, d) => setForm({ ...form, roles: d.value })} /></Field>
        <Field label="Token lifetime (days)"><Input value={form.days} onChange={(_, d) => setForm({ ...form, days: d.value })} /></Field>
        <Button onClick={() => void create()} disabled={!form.name}>Create and issue token</Button>
      </div>
      {issued && (
        <MessageBar intent="success">
          <MessageBarBody>
            Token for {issued.name} (shown once; store it now): <code data-testid="issued-token">{issued.token}</code>
          </MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}

interface AuditRow { sequence: number; atNs: number; actorId: string; actorTenantId: string; via: string; action: string; target: string; requestId: string }

export function AuditSection(props: { tenantId: string }) {
  const base = `/api/v1/tenants/${props.tenantId}/audit`;
  const audit = useTenantList<AuditRow>(base);
  const [verdict, setVerdict] = useState<string | null>(null);
  const verify = async () => {
    const answer = await api<Record<string, unknown>>(`${base}/verify`);
    setVerdict(JSON.stringify(answer));
  };
  const exportAll = async () => {
    const response = await fetch(`${base}?format=ndjson`, { credentials: "same-origin" });
    download(`audit-${props.tenantId}.ndjson`, "application/x-ndjson", await response.text());
  };
  return (
    <>
      <Problem text={audit.error} />
      <div style={{ display: "flex", gap: 8 }}>
        <Button onClick={() => void verify()}>Verify hash chain</Button>
        <Button onClick={() => void exportAll()}>Export (NDJSON)</Button>
        {verdict && <Text size={200}>{verdict}</Text>}
      </div>
      <SimpleTable
        label="Audit log"
        headers={["#", "When", "Actor", "Via", "Action", "Target"]}
        empty="No entries."
        rows={[...audit.items].reverse().slice(0, 500).map((e) => [e.sequence, when(e.atNs), `${e.actorId} (${e.actorTenantId})`, e.via, e.action, e.target])}
      />
    </>
  );
}
