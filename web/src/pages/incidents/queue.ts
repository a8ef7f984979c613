// The incident and alert queues' filters: kept in the URL (a filtered link reopens the same
// view) and turned into the API's OData options.

export const INCIDENT_STATUSES = [
  { value: "active", label: "New" },
  { value: "inProgress", label: "In progress" },
  { value: "awaitingAction", label: "Awaiting action" },
  { value: "resolved", label: "Resolved" },
];
export const ALERT_STATUSES = [
  { value: "new", label: "New" },
  { value: "inProgress", label: "In progress" },
  { value: "resolved", label: "Resolved" },
];
export const SEVERITIES = ["high", "medium", "low", "informational"];
export const CLASSIFICATIONS = [
  { value: "truePositive", label: "True positive" },
  { value: "informationalExpectedActivity", label: "Informational, expected activity" },
  { value: "falsePositive", label: "False positive" },
];
/** Determinations by classification, as Defender pairs them. */
export const DETERMINATIONS: Record<string, { value: string; label: string }[]> = {
  truePositive: [
    { value: "multiStagedAttack", label: "Multi-staged attack" },
    { value: "malware", label: "Malware" },
    { value: "compromisedAccount", label: "Compromised account" },
    { value: "phishing", label: "Phishing" },
    { value: "maliciousUserActivity", label: "Malicious user activity" },
    { value: "unwantedSoftware", label: "Unwanted software" },
    { value: "other", label: "Other" },
  ],
  informationalExpectedActivity: [
    { value: "securityTesting", label: "Security testing" },
    { value: "lineOfBusinessApplication", label: "Line-of-business application" },
    { value: "confirmedActivity", label: "Confirmed activity" },
    { value: "other", label: "Other" },
  ],
  falsePositive: [
    { value: "notMalicious", label: "Not malicious" },
    { value: "notEnoughDataToValidate", label: "Not enough data to validate" },
    { value: "other", label: "Other" },
  ],
};

export interface QueueFilters {
  statuses: string[];
  severities: string[];
  assignedTo: string;
  classification: string;
  tag: string;
  search: string;
  /** Days back on last activity; 0 = any time. */
  days: number;
  orderBy: string;
  descending: boolean;
  page: number;
}

export const PAGE_SIZE = 50;

export function defaultFilters(kind: "incidents" | "alerts"): QueueFilters {
  return {
    statuses: kind === "incidents" ? ["active", "inProgress"] : ["new", "inProgress"],
    severities: ["high", "medium", "low"],
    assignedTo: "",
    classification: "",
    tag: "",
    search: "",
    days: kind === "incidents" ? 180 : 7,
    orderBy: "lastActivityDateTime",
    descending: true,
    page: 0,
  };
}

/** Filters from the URL's query string, defaults where absent. */
export function filtersFromSearch(search: URLSearchParams, kind: "incidents" | "alerts"): QueueFilters {
  const base = defaultFilters(kind);
  const list = (key: string, fallback: string[]) => (search.has(key) ? (search.get(key) ?? "").split(",").filter(Boolean) : fallback);
  const number = (key: string, fallback: number) => {
    const value = Number(search.get(key));
    return search.has(key) && Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    statuses: list("status", base.statuses),
    severities: list("severity", base.severities),
    assignedTo: search.get("assignedTo") ?? "",
    classification: search.get("classification") ?? "",
    tag: search.get("tag") ?? "",
    search: search.get("q") ?? "",
    days: number("days", base.days),
    orderBy: search.get("orderBy") ?? base.orderBy,
    descending: search.get("dir") !== "asc",
    page: number("page", 0),
  };
}

/** The URL query string of filters, omitting defaults so links stay short. */
export function searchFromFilters(filters: QueueFilters, kind: "incidents" | "alerts"): string {
  const base = defaultFilters(kind);
  const params = new URLSearchParams();
  if (kind === "alerts") params.set("tab", "alerts");
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((v) => b.includes(v));
  if (!same(filters.statuses, base.statuses)) params.set("status", filters.statuses.join(","));
  if (!same(filters.severities, base.severities)) params.set("severity", filters.severities.join(","));
  if (filters.assignedTo) params.set("assignedTo", filters.assignedTo);
  if (filters.classification) params.set("classification", filters.classification);
  if (filters.tag) params.set("tag", filters.tag);
  if (filters.search) params.set("q", filters.search);
  if (filters.days !== base.days) params.set("days", String(filters.days));
  if (filters.orderBy !== base.orderBy) params.set("orderBy", filters.orderBy);
  if (!filters.descending) params.set("dir", "asc");
  if (filters.page > 0) params.set("page", String(filters.page));
  const text = params.toString();
  return text ? `?${text}` : "";
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The OData `$filter` of the filters; `now` fixes the time range. */
export function odataFilter(filters: QueueFilters, kind: "incidents" | "alerts", now: Date): string {
  const parts: string[] = [];
  if (filters.statuses.length > 0) parts.push(`status in (${filters.statuses.map(quote).join(", ")})`);
  if (filters.severities.length > 0) parts.push(`severity in (${filters.severities.map(quote).join(", ")})`);
  if (filters.assignedTo === "unassigned") parts.push("assignedTo eq null");
  else if (filters.assignedTo) parts.push(`assignedTo eq ${quote(filters.assignedTo)}`);
  if (filters.classification === "unknown") parts.push("classification eq null");
  else if (filters.classification) parts.push(`classification eq ${quote(filters.classification)}`);
  if (filters.tag && kind === "incidents") parts.push(`customTags/any(t: t eq ${quote(filters.tag)})`);
  const search = filters.search.trim();
  if (search) {
    const field = kind === "incidents" ? "displayName" : "title";
    const byId = /^(\d+|ea[0-9a-f]+)$/i.test(search) ? ` or id eq ${quote(search)}` : "";
    const byAsset = kind === "incidents" ? ` or impactedAssets/any(a: a eq ${quote(search)})` : "";
    parts.push(`(contains(${field}, ${quote(search)})${byId}${byAsset})`);
  }
  if (filters.days > 0) {
    const since = new Date(now.getTime() - filters.days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    parts.push(`lastActivityDateTime ge ${since}`);
  }
  return parts.join(" and ");
}

/** The API path of one page of a queue. */
export function queuePath(
  filters: QueueFilters,
  kind: "incidents" | "alerts",
  scope: { tenantIds?: string[]; tenantGroupId?: string },
  now: Date,
): string {
  const params = new URLSearchParams();
  const filter = odataFilter(filters, kind, now);
  if (filter) params.set("$filter", filter);
  params.set("$orderby", `${filters.orderBy} ${filters.descending ? "desc" : "asc"}`);
  params.set("$top", String(PAGE_SIZE));
  params.set("$skip", String(filters.page * PAGE_SIZE));
  if (scope.tenantGroupId) params.set("tenantGroupId", scope.tenantGroupId);
  else if (scope.tenantIds) params.set("tenantIds", scope.tenantIds.join(","));
  return `/api/v1/security/${kind === "incidents" ? "incidents" : "alerts_v2"}?${params.toString()}`;
}

/** A summary of a bulk update's per-item results. */
export function summarizeBulk(results: { status: string; message?: string }[], names: (index: number) => string): string {
  const failed = results.map((r, i) => ({ ...r, index: i })).filter((r) => r.status !== "succeeded");
  const done = results.length - failed.length;
  if (failed.length === 0) return `${done} updated`;
  const reasons = failed.slice(0, 3).map((f) => `${names(f.index)}: ${f.message ?? "failed"}`);
  const more = failed.length > 3 ? ` and ${failed.length - 3} more` : "";
  return `${done} updated, ${failed.length} failed (${reasons.join("; ")}${more})`;
}
