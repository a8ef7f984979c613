// Settings › Access › Sign-in providers: the OpenID providers that sign this tenant's users in,
// with the e-mail domains the sign-in page sends to each (home-realm discovery). The client
// secret is sent once and never shown again.
import { Button, Field, Input, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from "@fluentui/react-components";
import { useState } from "react";
import { api } from "../../../api/client";
import { Problem } from "./Sections";
import { attempt, useTenantList } from "./useTenantList";

interface Provider { id: string; displayName: string; issuer: string; clientId: string; usernameClaim: string; emailDomains: string[]; enabled: boolean }

const EMPTY = { displayName: "", issuer: "", clientId: "", clientSecret: "", usernameClaim: "email", domains: "" };

export function ProvidersSection(props: { tenantId: string }) {
  const base = `/api/v1/tenants/${props.tenantId}/identityProviders`;
  const providers = useTenantList<Provider>(base);
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const set = (key: keyof typeof EMPTY) => (_: unknown, d: { value: string }) => setForm({ ...form, [key]: d.value });
  const add = async () => {
    const body = {
      displayName: form.displayName,
      issuer: form.issuer,
      clientId: form.clientId,
      clientSecret: form.clientSecret,
      usernameClaim: form.usernameClaim || "email",
      emailDomains: form.domains.split(/[\s,]+/).filter(Boolean),
    };
    if (await attempt(() => api(base, { body }), setError)) {
      setForm(EMPTY);
      setError(null);
      providers.reload();
    }
  };
  const remove = async (p: Provider) => {
    if (await attempt(() => api(`${base}/${p.id}`, { method: "DELETE" }), setError)) providers.reload();
  };
  const ready = form.displayName && form.issuer && form.clientId && form.clientSecret;
  return (
    <>
      <Problem text={error ?? providers.error} />
      {providers.items.length === 0 ? (
        <Text>No sign-in providers: this tenant's users sign in with passwords.</Text>
      ) : (
        <Table size="small" aria-label="Sign-in providers">
          <TableHeader>
            <TableRow>{["Provider", "Issuer", "E-mail domains", "Sign-in link", ""].map((h) => <TableHeaderCell key={h}>{h}</TableHeaderCell>)}</TableRow>
          </TableHeader>
          <TableBody>
            {providers.items.map((p) => (
              <TableRow key={p.id}>
                <TableCell>{p.displayName}</TableCell>
                <TableCell><Text size={200}>{p.issuer}</Text></TableCell>
                <TableCell>{p.emailDomains.join(", ") || "—"}</TableCell>
                <TableCell><code>{`${window.location.origin}/?provider=${p.id}`}</code></TableCell>
                <TableCell><Button size="small" onClick={() => void remove(p)}>Remove</Button></TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      <Text size={200}>
        Register <code>{`${window.location.origin}/api/v1/auth/oidc/callback`}</code> as the redirect URI at the provider.
      </Text>
      <form
        aria-label="Add a sign-in provider"
        style={{ display: "flex", gap: 8, alignItems: "end", flexWrap: "wrap" }}
        onSubmit={(e) => { e.preventDefault(); void add(); }}
      >
        <Field label="Provider name"><Input value={form.displayName} onChange={set("displayName")} /></Field>
        <Field label="Issuer URL"><Input value={form.issuer} onChange={set("issuer")} placeholder="https://login.example.com/v2.0" /></Field>
        <Field label="Client id"><Input value={form.clientId} onChange={set("clientId")} /></Field>
        <Field label="Client secret"><Input type="password" value={form.clientSecret} onChange={set("clientSecret")} /></Field>
        <Field label="Username claim"><Input value={form.usernameClaim} onChange={set("usernameClaim")} style={{ width: 150 }} /></Field>
        <Field label="E-mail domains" hint="Addresses of these domains are offered this provider at sign-in">
          <Input value={form.domains} onChange={set("domains")} placeholder="contoso.com" />
        </Field>
        <Button type="submit" disabled={!ready}>Add provider</Button>
      </form>
    </>
  );
}
