import { Badge } from "@fluentui/react-components";
import type { TenantView } from "../api/types";

/** A tenant's status for the principal, as every page shows it. */
export function statusBadge(tenant: Pick<TenantView, "status" | "message">) {
  const color = tenant.status === "ok" ? "success" : tenant.status === "unreachable" ? "warning" : "danger";
  return (
    <Badge appearance="tint" color={color} title={tenant.message ?? undefined}>
      {tenant.status === "ok" ? "OK" : tenant.status}
    </Badge>
  );
}
