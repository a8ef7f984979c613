// The attack timeline of an incident: the tenant's telemetry for its devices from an hour
// before the first alert activity to an hour after the last, as a hunting query the analyst
// can also open and refine in Advanced hunting.
import type { Incident } from "../../api/types";

const HOUR = 3_600_000;

const quote = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** The devices an incident's alerts name: (ids, names). */
export function incidentDevices(incident: Incident): { ids: string[]; names: string[] } {
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const alert of incident.alerts ?? []) {
    for (const evidence of alert.evidence) {
      if (!evidence["@odata.type"].endsWith("deviceEvidence")) continue;
      if (typeof evidence.mdeDeviceId === "string" && evidence.mdeDeviceId) ids.add(evidence.mdeDeviceId);
      if (typeof evidence.deviceDnsName === "string" && evidence.deviceDnsName) names.add(evidence.deviceDnsName);
    }
  }
  return { ids: [...ids].sort(), names: [...names].sort() };
}

/** The timeline query, or null when the incident names no device. */
export function timelineQuery(incident: Incident): string | null {
  const { ids, names } = incidentDevices(incident);
  if (ids.length === 0 && names.length === 0) return null;
  const from = new Date(new Date(incident.firstActivityDateTime).getTime() - HOUR).toISOString();
  const to = new Date(new Date(incident.lastActivityDateTime).getTime() + HOUR).toISOString();
  const match = [
    ids.length > 0 ? `DeviceId in (${ids.map(quote).join(", ")})` : "",
    names.length > 0 ? `DeviceName in~ (${names.map(quote).join(", ")})` : "",
  ].filter(Boolean);
  return [
    "union withsource=Table DeviceProcessEvents, DeviceNetworkEvents, DeviceLogonEvents, DeviceFileEvents, DeviceRegistryEvents, DeviceImageLoadEvents, DeviceEvents",
    `| where Timestamp between (datetime(${from}) .. datetime(${to}))`,
    `| where ${match.join(" or ")}`,
    "| project Timestamp, Table, DeviceName, ActionType, AccountName, InitiatingProcessFileName, FileName, ProcessCommandLine, RemoteIP, RemotePort, RegistryKey",
    "| sort by Timestamp asc",
    "| take 1000",
  ].join("\n");
}

/** A hunt for the events an alert was raised on: its device, five minutes around it. */
export function alertHuntQuery(deviceIds: string[], firstActivity: string, lastActivity: string): string {
  const from = new Date(new Date(firstActivity).getTime() - 5 * 60_000).toISOString();
  const to = new Date(new Date(lastActivity).getTime() + 5 * 60_000).toISOString();
  const devices = deviceIds.length > 0 ? `\n| where DeviceId in (${deviceIds.map(quote).join(", ")})` : "";
  return `DeviceProcessEvents\n| where Timestamp between (datetime(${from}) .. datetime(${to}))${devices}\n| sort by Timestamp asc`;
}
