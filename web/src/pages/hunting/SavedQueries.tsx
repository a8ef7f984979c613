// Saved queries: personal, shared with the MSSP team (the provider's own tenant), or shared in
// a customer tenant with everyone who may hunt there.
import {
  Button, Dialog, DialogActions, DialogBody, DialogContent, DialogSurface, DialogTitle, Field, Input, MessageBar,
  MessageBarBody, Select, Text, Textarea, tokens,
} from "@fluentui/react-components";
import { Delete16Regular } from "@fluentui/react-icons";
import { useState } from "react";
import { ApiError, api } from "../../api/client";
import type { SavedQuery } from "../../api/types";
import { useSession } from "../../session";

/** Where a query can be saved: personal, or shared in a tenant where the principal hunts. */
export function sharingChoices(me: ReturnType<typeof useSession>["me"]): { value: string; label: string }[] {
  const hunting = me.tenants.filter((t) => t.permissions.includes("hunting.run"));
  const home = hunting.find((t) => t.tenantId === me.homeTenantId);
  const others = hunting.filter((t) => t.tenantId !== me.homeTenantId);
  return [
    { value: "", label: "Personal (only you)" },
    ...(home ? [{ value: home.tenantId, label: `Shared with your team (${home.tenantName})` }] : []),
    ...others.map((t) => ({ value: t.tenantId, label: `Shared in ${t.tenantName}` })),
  ];
}

export function SaveQueryDialog(props: { query: string; open: boolean; onClose: (saved?: SavedQuery) => void }) {
  const { me } = useSession();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [tenantId, setTenantId] = useState("");
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    try {
      const body = tenantId ? { name, description, query: props.query, sharing: "tenant", tenantId } : { name, description, query: props.query };
      const saved = await api<SavedQuery>("/api/v1/security/savedQueries", { body });
      setName("");
      setDescription("");
      setError(null);
      props.onClose(saved);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <Dialog open={props.open} onOpenChange={(_, d) => !d.open && props.onClose()}>
      <DialogSurface aria-label="Save query">
        <DialogBody>
          <DialogTitle>Save query</DialogTitle>
          <DialogContent style={{ display: "flex", flexDirection: "column", gap: 10 }}>
            {error && (
              <MessageBar intent="error">
                <MessageBarBody>{error}</MessageBarBody>
              </MessageBar>
            )}
            <Field label="Name" required>
              <Input value={name} onChange={(_, d) => setName(d.value)} />
            </Field>
            <Field label="Description">
              <Textarea value={description} onChange={(_, d) => setDescription(d.value)} />
            </Field>
            <Field label="Who can use it">
              <Select value={tenantId} onChange={(_, d) => setTenantId(d.value)}>
                {sharingChoices(me).map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
              </Select>
            </Field>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => props.onClose()}>Cancel</Button>
            <Button appearance="primary" disabled={!name.trim()} onClick={() => void save()}>Save</Button>
          </DialogActions>
        </DialogBody>
      </DialogSurface>
    </Dialog>
  );
}

export function SavedQueryList(props: { queries: SavedQuery[]; onOpen: (query: SavedQuery) => void; onChanged: () => void }) {
  const { me } = useSession();
  const [error, setError] = useState<string | null>(null);
  const tenantName = (id: string) => me.tenants.find((t) => t.tenantId === id)?.tenantName ?? id;
  const groups = new Map<string, SavedQuery[]>();
  for (const q of props.queries) {
    const title = q.sharing === "personal" ? "Personal" : q.tenantId === me.homeTenantId ? `Your team (${tenantName(q.tenantId)})` : `Shared in ${tenantName(q.tenantId)}`;
    groups.set(title, [...(groups.get(title) ?? []), q]);
  }
  const remove = async (q: SavedQuery) => {
    try {
      await api(`/api/v1/security/savedQueries/${encodeURIComponent(q.id)}`, { method: "DELETE" });
      props.onChanged();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <div aria-label="Saved queries" role="region" style={{ maxHeight: 200, overflow: "auto", border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: 4, padding: 4 }}>
      {error && <Text role="alert">{error}</Text>}
      {props.queries.length === 0 && <Text style={{ padding: 8 }}>No saved queries yet: write one and press Save.</Text>}
      {[...groups].map(([title, list]) => (
        <section key={title}>
          <Text size={200} weight="semibold" style={{ display: "block", padding: "4px 8px" }}>{title}</Text>
          {list.map((q) => (
            <div key={q.id} style={{ display: "flex", alignItems: "center" }}>
              <Button appearance="subtle" style={{ flex: 1, justifyContent: "flex-start" }} onClick={() => props.onOpen(q)} title={q.description || q.query}>
                {q.name} <Text size={200} style={{ marginLeft: 8 }}>· {q.ownerName}</Text>
              </Button>
              {q.mine && <Button appearance="subtle" icon={<Delete16Regular />} aria-label={`Delete ${q.name}`} onClick={() => void remove(q)} />}
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
