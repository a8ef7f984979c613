// Settings › Access for a tenant's administrators: users, guests, delegated access, roles,
// service principals and tokens, sign-in providers, and the audit log with export.
import { Select, Tab, TabList, Text, Title2 } from "@fluentui/react-components";
import { useState } from "react";
import { useSession } from "../../session";
import { ProvidersSection } from "./access/ProvidersSection";
import { AuditSection, DelegationsSection, GuestsSection, RolesSection, ServicePrincipalsSection, UsersSection } from "./access/Sections";

const SECTIONS = [
  ["users", "Users"],
  ["guests", "Guests"],
  ["delegations", "Delegated access"],
  ["roles", "Roles"],
  ["servicePrincipals", "Service principals"],
  ["providers", "Sign-in providers"],
  ["audit", "Audit log"],
] as const;

export function AccessPage() {
  const { me } = useSession();
  const manageable = me.tenants.filter((t) => t.permissions.includes("authorization.read") || t.permissions.includes("audit.read"));
  const [tenantId, setTenantId] = useState(() => manageable.find((t) => t.tenantId === me.homeTenantId)?.tenantId ?? manageable[0]?.tenantId ?? "");
  const [section, setSection] = useState<string>("users");
  const tenantName = (id: string) => me.tenants.find((t) => t.tenantId === id)?.tenantName ?? id;
  if (manageable.length === 0) {
    return (
      <section>
        <Title2 as="h1">Access</Title2>
        <Text>You administer no tenant: access is managed by each tenant's administrators.</Text>
      </section>
    );
  }
  return (
    <section style={{ display: "flex", flexDirection: "column", gap: 12 }}>
      <Title2 as="h1">Access</Title2>
      <label style={{ display: "flex", gap: 8, alignItems: "center" }}>
        <Text>Tenant</Text>
        <Select aria-label="Tenant" value={tenantId} onChange={(_, d) => setTenantId(d.value)}>
          {manageable.map((t) => <option key={t.tenantId} value={t.tenantId}>{t.tenantName}</option>)}
        </Select>
      </label>
      <TabList selectedValue={section} onTabSelect={(_, d) => setSection(String(d.value))}>
        {SECTIONS.map(([value, label]) => <Tab key={value} value={value}>{label}</Tab>)}
      </TabList>
      <div key={`${tenantId}-${section}`} style={{ display: "flex", flexDirection: "column", gap: 12 }}>
        {section === "users" && <UsersSection tenantId={tenantId} />}
        {section === "guests" && <GuestsSection tenantId={tenantId} />}
        {section === "delegations" && <DelegationsSection tenantId={tenantId} isHome={tenantId === me.homeTenantId} tenantName={tenantName} />}
        {section === "roles" && <RolesSection tenantId={tenantId} />}
        {section === "servicePrincipals" && <ServicePrincipalsSection tenantId={tenantId} />}
        {section === "providers" && <ProvidersSection tenantId={tenantId} />}
        {section === "audit" && <AuditSection tenantId={tenantId} />}
      </div>
    </section>
  );
}
