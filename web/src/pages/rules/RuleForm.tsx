// Create or edit a custom detection rule: its query, schedule and alert template. The server
// checks the rule at save (the query must plan and return Timestamp, ReportId and an entity
// column) and its message is shown as it is, naming what to fix.
import { Button, Dropdown, Field, Input, MessageBar, MessageBarBody, Option, Switch, Textarea } from "@fluentui/react-components";
import { useState } from "react";
import { ApiError, api } from "../../api/client";
import type { DetectionRule, TenantView } from "../../api/types";

export const PERIODS = [
  { value: "0", label: "Continuous (NRT)" },
  { value: "1H", label: "Every hour" },
  { value: "3H", label: "Every 3 hours" },
  { value: "12H", label: "Every 12 hours" },
  { value: "24H", label: "Every 24 hours" },
];
const SEVERITIES = ["informational", "low", "medium", "high"];
const CATEGORIES = [
  "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess", "Discovery",
  "LateralMovement", "Collection", "CommandAndControl", "Exfiltration", "Impact", "Reconnaissance", "ResourceDevelopment",
  "Malware", "Ransomware", "SuspiciousActivity", "UnwantedSoftware",
];

/** The rule body the API takes, from the form's fields. */
export function ruleBody(fields: RuleFields) {
  return {
    tenantId: fields.tenantId,
    displayName: fields.name,
    description: fields.description,
    isEnabled: fields.enabled,
    queryCondition:
      fields.combinedTenants.length > 0
        ? { queryText: fields.query, mode: "combined", tenantIds: fields.combinedTenants }
        : { queryText: fields.query, mode: "perTenant" },
    schedule: { period: fields.period, lookback: fields.lookback.trim() || undefined },
    detectionAction: {
      alertTemplate: {
        title: fields.title || fields.name,
        description: fields.alertDescription,
        severity: fields.severity,
        category: fields.category,
        mitreTechniques: fields.mitre.split(/[\s,]+/).filter(Boolean),
        recommendedActions: fields.recommendedActions,
      },
    },
  };
}

export interface RuleFields {
  tenantId: string;
  /** The tenants a combined (cross-tenant) rule runs over; empty for a per-tenant rule. */
  combinedTenants: string[];
  name: string;
  description: string;
  enabled: boolean;
  query: string;
  period: string;
  lookback: string;
  title: string;
  alertDescription: string;
  severity: string;
  category: string;
  mitre: string;
  recommendedActions: string;
}

export function fieldsOf(rule: DetectionRule): RuleFields {
  const template = rule.detectionAction.alertTemplate;
  return {
    tenantId: rule.tenantId,
    combinedTenants: rule.queryCondition.mode === "combined" ? (rule.queryCondition.tenantIds ?? []) : [],
    name: rule.displayName,
    description: rule.description,
    enabled: rule.isEnabled,
    query: rule.queryCondition.queryText,
    period: rule.schedule.period,
    lookback: rule.schedule.lookback,
    title: template.title,
    alertDescription: template.description,
    severity: template.severity,
    category: template.category,
    mitre: template.mitreTechniques.join(", "),
    recommendedActions: template.recommendedActions,
  };
}

export function RuleForm(props: {
  tenants: TenantView[];
  /** Tenants that allow the user cross-tenant analytics: a combined rule may span them. */
  consenting: TenantView[];
  rule?: DetectionRule;
  query?: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [fields, setFields] = useState<RuleFields>(() =>
    props.rule
      ? fieldsOf(props.rule)
      : {
          tenantId: props.tenants[0]?.tenantId ?? "",
          combinedTenants: [],
          name: "",
          description: "",
          enabled: true,
          query: props.query ?? "",
          period: "1H",
          lookback: "",
          title: "",
          alertDescription: "",
          severity: "medium",
          category: "SuspiciousActivity",
          mitre: "",
          recommendedActions: "",
        },
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<RuleFields>) => setFields((f) => ({ ...f, ...patch }));
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = ruleBody(fields);
      if (props.rule) await api(`/api/v1/security/rules/detectionRules/${props.rule.id}`, { method: "PATCH", body });
      else await api("/api/v1/security/rules/detectionRules", { body });
      props.onDone();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div data-testid="rule-form" style={{ display: "flex", flexDirection: "column", gap: 8, padding: 12, border: "1px solid var(--colorNeutralStroke2)", borderRadius: 4 }}>
      <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
        <Field label="Tenant" required>
          <Dropdown aria-label="Rule tenant" disabled={!!props.rule} value={props.tenants.find((t) => t.tenantId === fields.tenantId)?.tenantName ?? props.rule?.tenantName ?? ""} selectedOptions={[fields.tenantId]} onOptionSelect={(_, d) => set({ tenantId: d.optionValue ?? "" })}>
            {props.tenants.map((t) => <Option key={t.tenantId} value={t.tenantId}>{t.tenantName}</Option>)}
          </Dropdown>
        </Field>
        <Field label="Name" required style={{ flexGrow: 1 }}>
          <Input aria-label="Rule name" value={fields.name} onChange={(_, d) => set({ name: d.value })} />
        </Field>
        <Field label="Frequency">
          <Dropdown aria-label="Frequency" value={PERIODS.find((p) => p.value === fields.period)?.label} selectedOptions={[fields.period]} onOptionSelect={(_, d) => set({ period: d.optionValue ?? "1H" })}>
            {PERIODS.map((p) => <Option key={p.value} value={p.value}>{p.label}</Option>)}
          </Dropdown>
        </Field>
        <Field label="Lookback" hint="Default by frequency; e.g. 4h, 2d, P30D">
          <Input aria-label="Lookback" value={fields.lookback} onChange={(_, d) => set({ lookback: d.value })} style={{ width: 110 }} />
        </Field>
        <Switch label="Enabled" checked={fields.enabled} onChange={(_, d) => set({ enabled: d.checked })} />
      </div>
      {props.consenting.length > 1 && (
        <Field label="Runs over" hint="Combined: one query over the data of the chosen tenants; each gets an alert with its own rows only. The query must keep TenantId.">
          <Dropdown
            aria-label="Combined tenants"
            multiselect
            placeholder="The rule's own tenant (per tenant)"
            selectedOptions={fields.combinedTenants}
            value={fields.combinedTenants.length === 0 ? "" : `Combined over ${fields.combinedTenants.length} tenants`}
            onOptionSelect={(_, d) => set({ combinedTenants: d.selectedOptions })}
          >
            {props.consenting.map((t) => <Option key={t.tenantId} value={t.tenantId}>{t.tenantName}</Option>)}
          </Dropdown>
        </Field>
      )}
      <Field label="Description">
        <Input aria-label="Rule description" value={fields.description} onChange={(_, d) => set({ description: d.value })} />
      </Field>
      <Field label="Query (KQL)" required hint="Return Timestamp, ReportId (and DeviceId for Device tables) and an entity column">
        <Textarea aria-label="Rule query" value={fields.query} onChange={(_, d) => set({ query: d.value })} rows={6} style={{ fontFamily: "monospace" }} />
      </Field>
      <div style={{ display: "flex", gap: 12, flexWrap: "wrap" }}>
        <Field label="Alert title" hint="{{Column}} inserts a result value" style={{ flexGrow: 1 }}>
          <Input aria-label="Alert title" value={fields.title} onChange={(_, d) => set({ title: d.value })} />
        </Field>
        <Field label="Severity">
          <Dropdown aria-label="Alert severity" value={fields.severity} selectedOptions={[fields.severity]} onOptionSelect={(_, d) => set({ severity: d.optionValue ?? "medium" })}>
            {SEVERITIES.map((s) => <Option key={s} value={s}>{s}</Option>)}
          </Dropdown>
        </Field>
        <Field label="Category">
          <Dropdown aria-label="Alert category" value={fields.category} selectedOptions={[fields.category]} onOptionSelect={(_, d) => set({ category: d.optionValue ?? "SuspiciousActivity" })}>
            {CATEGORIES.map((c) => <Option key={c} value={c}>{c}</Option>)}
          </Dropdown>
        </Field>
        <Field label="MITRE techniques">
          <Input aria-label="MITRE techniques" placeholder="T1003.001, T1059" value={fields.mitre} onChange={(_, d) => set({ mitre: d.value })} />
        </Field>
      </div>
      <Field label="Alert description">
        <Input aria-label="Alert description" value={fields.alertDescription} onChange={(_, d) => set({ alertDescription: d.value })} />
      </Field>
      <Field label="Recommended actions">
        <Input aria-label="Recommended actions" value={fields.recommendedActions} onChange={(_, d) => set({ recommendedActions: d.value })} />
      </Field>
      {error && <MessageBar intent="error" role="alert" data-testid="rule-error"><MessageBarBody>{error}</MessageBarBody></MessageBar>}
      <div style={{ display: "flex", gap: 8 }}>
        <Button appearance="primary" disabled={busy || !fields.name.trim() || !fields.query.trim() || !fields.tenantId} onClick={() => void save()}>
          {props.rule ? "Save changes" : "Create rule"}
        </Button>
        <Button onClick={props.onCancel}>Cancel</Button>
      </div>
    </div>
  );
}
