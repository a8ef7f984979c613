// The data-status indicator's source: each page reports the tenants whose data it could not
// load and why (the API's tenantStatus blocks); the shell shows green or the list.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export interface TenantIssue {
  tenantId: string;
  tenantName: string;
  status: string;
  message?: string | null;
}

interface DataStatusValue {
  issues: TenantIssue[];
  report: (issues: TenantIssue[]) => void;
}

const DataStatusContext = createContext<DataStatusValue | null>(null);

export function useDataStatus(): DataStatusValue {
  const value = useContext(DataStatusContext);
  if (!value) throw new Error("useDataStatus outside the shell");
  return value;
}

/** Issue types as the indicator groups them. */
export function issueKind(status: string): string {
  switch (status) {
    case "noPermission":
    case "accessExpired":
      return "Permissions";
    case "notInPlan":
      return "Not in the tenant's plan";
    case "unreachable":
      return "Tenant unreachable";
    default:
      return "Data loading";
  }
}

export function DataStatusProvider(props: { children: ReactNode }) {
  const [issues, setIssues] = useState<TenantIssue[]>([]);
  const report = useCallback((next: TenantIssue[]) => setIssues(next.filter((i) => i.status !== "ok")), []);
  const value = useMemo(() => ({ issues, report }), [issues, report]);
  return <DataStatusContext.Provider value={value}>{props.children}</DataStatusContext.Provider>;
}
