import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from "@fluentui/react-components";
import type { HuntTenantStatus } from "../../api/types";
import { statusBadge } from "../../shell/statusBadge";

/** Each tenant's outcome of the last run: status, rows, time, and why it failed. */
export function TenantStatusTable(props: { statuses: HuntTenantStatus[] }) {
  return (
    <div style={{ overflow: "auto", height: "100%" }}>
      <Table size="small" aria-label="Per-tenant status">
        <TableHeader>
          <TableRow>
            <TableHeaderCell>Tenant</TableHeaderCell>
            <TableHeaderCell>Status</TableHeaderCell>
            <TableHeaderCell>Rows</TableHeaderCell>
            <TableHeaderCell>Time</TableHeaderCell>
            <TableHeaderCell>Message</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {props.statuses.map((s) => (
            <TableRow key={s.tenantId}>
              <TableCell>{s.tenantName || s.tenantId}</TableCell>
              <TableCell>{statusBadge(s)}</TableCell>
              <TableCell>{s.rowCount.toLocaleString()}{s.truncated ? " (truncated)" : ""}</TableCell>
              <TableCell>{s.latencyMs} ms</TableCell>
              <TableCell>{s.message ?? ""}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}
