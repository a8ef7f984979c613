import { describe, expect, it } from "vitest";
import type { Incident } from "../../api/types";
import { alertHuntQuery, incidentDevices, timelineQuery } from "./timeline";

const incident = {
  firstActivityDateTime: "2026-11-24T10:00:00.0000000Z",
  lastActivityDateTime: "2026-11-24T10:30:00.0000000Z",
  alerts: [
    { evidence: [{ "@odata.type": "#microsoft.graph.security.deviceEvidence", mdeDeviceId: "d2", deviceDnsName: 'pc"2' }] },
    { evidence: [{ "@odata.type": "#microsoft.graph.security.deviceEvidence", mdeDeviceId: "d1", deviceDnsName: null }, { "@odata.type": "#microsoft.graph.security.ipEvidence" }] },
  ],
} as unknown as Incident;

describe("incident timeline", () => {
  it("collects the devices of every alert's evidence", () => {
    expect(incidentDevices(incident)).toEqual({ ids: ["d1", "d2"], names: ['pc"2'] });
  });

  it("queries an hour either side of the activity, quoting names", () => {
    const query = timelineQuery(incident) ?? "";
    expect(query).toContain("between (datetime(2026-11-24T09:00:00.000Z) .. datetime(2026-11-24T11:30:00.000Z))");
    expect(query).toContain('| where DeviceId in ("d1", "d2") or DeviceName in~ ("pc\\"2")');
    expect(timelineQuery({ ...incident, alerts: [] })).toBeNull();
  });

  it("hunts an alert's events five minutes around it", () => {
    expect(alertHuntQuery(["d1"], "2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z")).toBe(
      'DeviceProcessEvents\n| where Timestamp between (datetime(2026-11-24T09:55:00.000Z) .. datetime(2026-11-24T10:05:00.000Z))\n| where DeviceId in ("d1")\n| sort by Timestamp asc',
    );
  });
});
