// Display helpers shared by the incident pages.
import { Badge } from "@fluentui/react-components";
import { CLASSIFICATIONS, DETERMINATIONS, INCIDENT_STATUSES, ALERT_STATUSES } from "./queue";

export function severityBadge(severity: string) {
  const color = severity === "high" ? "danger" : severity === "medium" ? "warning" : severity === "low" ? "informative" : "subtle";
  return (
    <Badge appearance="filled" color={color} data-severity={severity}>
      {severity[0]?.toUpperCase() + severity.slice(1)}
    </Badge>
  );
}

export function statusLabel(status: string): string {
  return [...INCIDENT_STATUSES, ...ALERT_STATUSES].find((s) => s.value === status)?.label ?? status;
}

export function classificationLabel(value: string): string {
  return CLASSIFICATIONS.find((c) => c.value === value)?.label ?? (value === "unknown" ? "Not set" : value);
}

export function determinationLabel(value: string): string {
  for (const list of Object.values(DETERMINATIONS)) {
    const found = list.find((d) => d.value === value);
    if (found) return found.label;
  }
  return value === "unknown" ? "Not set" : value;
}

/** An ISO instant as local date and time, to the minute. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** An ISO instant as local date and time to the second, for timelines. */
export function whenPrecise(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}
