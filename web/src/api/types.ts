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
