// The partner side of delegated access: ask a customer tenant (by the id its administrators
// shared) for roles for one of the partner's groups, for a number of days. The customer's
// administrators approve or reject it on their own Access page.
import { Button, Field, Input, Select, Text } from "@fluentui/react-components";
import { useState } from "react";
import { api } from "../../../api/client";
import { attempt, useTenantList } from "./useTenantList";

interface Group { id: string; displayName: string; memberCount: number }

export function DelegationRequestForm(props: { partnerTenantId: string; onRequested: () => void; onError: (text: string | null) => void }) {
  const groups = useTenantList<Group>(`/api/v1/tenants/${props.partnerTenantId}/groups`);
  const [form, setForm] = useState({ customer: "", groupId: "", roles: "analyst", days: "90" });
  const groupId = form.groupId || groups.items[0]?.id || "";
  const request = async () => {
    const body = {
      customerTenantId: form.customer.trim(),
      groupId,
      roles: form.roles.split(",").map((r) => r.trim()).filter(Boolean),
      durationDays: Number(form.days),
    };
    if (await attempt(() => api("/api/v1/delegations", { body }), props.onError)) {
      setForm({ ...form, customer: "" });
      props.onRequested();
    }
  };
  if (groups.error) return <Text>The partner's groups could not be loaded: {groups.error}</Text>;
  if (!groups.loading && groups.items.length === 0) {
    return <Text>To request delegated access, first create a group of the users who will act for your customers.</Text>;
  }
  return (
    <form
      aria-label="Request delegated access"
      style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}
      onSubmit={(e) => { e.preventDefault(); void request(); }}
    >
      <Field label="Customer tenant id" hint="The id the customer's administrators shared with you">
        <Input value={form.customer} onChange={(_, d) => setForm({ ...form, customer: d.value })} />
      </Field>
      <Field label="Acting group">
        <Select value={groupId} onChange={(_, d) => setForm({ ...form, groupId: d.value })}>
          {groups.items.map((g) => <option key={g.id} value={g.id}>{g.displayName} ({g.memberCount === 1 ? "1 member" : `${g.memberCount} members`})</option>)}
        </Select>
      </Field>
      <Field label="Roles"><Input value={form.roles} onChange={(_, d) => setForm({ ...form, roles: d.value })} /></Field>
      <Field label="Days (1–730)">
        <Input type="number" min={1} max={730} value={form.days} onChange={(_, d) => setForm({ ...form, days: d.value })} style={{ width: 90 }} />
      </Field>
      <Button type="submit" appearance="primary" disabled={!form.customer.trim() || !groupId || !form.roles.trim()}>Request access</Button>
    </form>
  );
}
