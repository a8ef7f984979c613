// Shapes of the /api/v1 answers the console reads (see /api/v1/openapi.json).

export type TenantStatusKind = "ok" | "noPermission" | "accessExpired" | "unreachable" | "notInPlan" | "error";

/** A tenant as the signed-in principal reaches it (GET /api/v1/tenants, /me). */
export interface TenantView {
  tenantId: string;
  tenantName: string;
  inView: boolean;
  status: TenantStatusKind;
  message?: string | null;
  permissions: string[];
  capabilities: string[];
}

export interface Me {
  id: string;
  name: string;
  kind: string;
  homeTenantId: string;
  instanceAdmin: boolean;
  tenants: TenantView[];
}

export interface TenantGroup {
  id: string;
  displayName: string;
  tenantIds: string[];
  hiddenMembers: number;
}

export interface SchemaColumn {
  name: string;
  type: string;
}

export interface SchemaTable {
  name: string;
  description: string;
  columns: SchemaColumn[];
  tenantsWithData: string[];
}

export interface QueryDiagnostic {
  severity: "error" | "warning";
  code: string;
  message: string;
  start: number;
  end: number;
  notes: string[];
  help: string[];
}

export interface QueryCheck {
  diagnostics: QueryDiagnostic[];
  columns: SchemaColumn[];
}

/** One tenant's outcome of a hunt. */
export interface HuntTenantStatus {
  tenantId: string;
  tenantName: string;
  status: TenantStatusKind;
  errorCode?: string | null;
  message?: string | null;
  latencyMs: number;
  rowCount: number;
  truncated: boolean;
}

export interface ResultColumn {
  name: string;
  type: string;
}

export type Row = Record<string, unknown>;

export interface HuntResult {
  schema: ResultColumn[];
  results: Row[];
  tenantStatus: HuntTenantStatus[];
  stats: { rowCount: number; tenantCount: number };
}

export interface SavedQuery {
  id: string;
  name: string;
  description: string;
  query: string;
  sharing: "personal" | "tenant";
  tenantId: string;
  ownerName: string;
  mine: boolean;
  createdDateTime: string;
}

/** A tenant's status in a multi-tenant list answer. */
export interface ListTenantStatus {
  tenantId: string;
  tenantName: string;
  status: string;
  errorCode?: string | null;
  message?: string | null;
}

/** A page of a Graph-shaped queue. */
export interface Page<T> {
  value: T[];
  "@odata.count": number;
  "@odata.nextLink"?: string;
  tenantStatus: ListTenantStatus[];
}

export type Evidence = Record<string, unknown> & { "@odata.type": string };

export interface Alert {
  id: string;
  incidentId: string;
  tenantId: string;
  tenantName: string;
  status: "new" | "inProgress" | "resolved";
  severity: string;
  classification: string;
  determination: string;
  serviceSource: string;
  detectionSource: string;
  detectorId: string;
  title: string;
  description: string;
  recommendedActions: string;
  category: string;
  assignedTo: string | null;
  mitreTechniques: string[];
  createdDateTime: string;
  lastUpdateDateTime: string;
  firstActivityDateTime: string;
  lastActivityDateTime: string;
  evidence: Evidence[];
}

export interface IncidentComment {
  comment: string;
  createdByDisplayName: string;
  createdDateTime: string;
  kind: "comment" | "change";
  alertId?: string | null;
}

export interface Incident {
  id: string;
  tenantId: string;
  tenantName: string;
  displayName: string;
  description: string;
  status: "active" | "inProgress" | "resolved" | "redirected" | "awaitingAction";
  severity: string;
  assignedTo: string | null;
  classification: string;
  determination: string;
  customTags: string[];
  categories: string[];
  impactedAssets: string[];
  serviceSources: string[];
  detectionSources: string[];
  activeAlerts: number;
  alertCount: number;
  createdDateTime: string;
  lastUpdateDateTime: string;
  firstActivityDateTime: string;
  lastActivityDateTime: string;
  comments?: IncidentComment[];
  alerts?: Alert[];
}

export interface BulkResult {
  id: string;
  status: "succeeded" | "failed";
  errorCode?: string;
  message?: string;
}

export interface DetectionRule {
  id: string;
  tenantId: string;
  tenantName: string;
  displayName: string;
  description: string;
  isEnabled: boolean;
  version: number;
  createdBy: string;
  lastModifiedBy: string;
  lastModifiedDateTime: string;
  queryCondition: { queryText: string; mode: string; tenantIds?: string[] };
  schedule: { period: string; lookback: string; nextRunDateTime: string | null };
  detectionAction: {
    alertTemplate: {
      title: string;
      description: string;
      severity: string;
      category: string;
      mitreTechniques: string[];
      recommendedActions: string;
    };
    maxAlertsPerRun: number;
  };
  lastRunDetails: { lastRunDateTime: string | null; status: string | null; failureReason: string | null; errorCode: string | null };
}

export interface RuleRun {
  id: string;
  startedDateTime: string;
  durationMs: number;
  status: string;
  rowCount: number;
  rowsScanned: number;
  alertCount: number;
  rowsOverCap: number;
  failureReason: string | null;
}
