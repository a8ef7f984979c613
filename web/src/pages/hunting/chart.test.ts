import { describe, expect, it } from "vitest";
import { chartData } from "./chart";

describe("chartData", () => {
  it("puts time on the x axis in order and splits series by a string column", () => {
    const data = chartData("timechart", [
      { name: "Timestamp", type: "DateTime" },
      { name: "DeviceName", type: "String" },
      { name: "n", type: "Int64" },
    ], [
      { Timestamp: "2026-01-02T00:00:00Z", DeviceName: "a", n: 3 },
      { Timestamp: "2026-01-01T00:00:00Z", DeviceName: "a", n: 1 },
      { Timestamp: "2026-01-01T00:00:00Z", DeviceName: "b", n: 5 },
    ]);
    expect(data?.shape).toBe("line");
    expect(data?.categories).toEqual(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"]);
    expect(data?.series).toEqual([{ name: "a", data: [1, 3] }, { name: "b", data: [5, null] }]);
  });
  it("draws a column chart with one series per numeric column", () => {
    const data = chartData("columnchart", [{ name: "Port", type: "String" }, { name: "Hits", type: "Int64" }, { name: "Devices", type: "Int64" }], [
      { Port: "443", Hits: 10, Devices: 2 },
      { Port: "80", Hits: 4, Devices: 1 },
    ]);
    expect(data?.shape).toBe("bar");
    expect(data?.series.map((s) => s.name)).toEqual(["Hits", "Devices"]);
  });
  it("ignores TenantId as an axis and refuses results with nothing numeric", () => {
    const pie = chartData("piechart", [{ name: "TenantId", type: "String" }, { name: "TenantName", type: "String" }, { name: "n", type: "Int64" }], [{ TenantId: "t", TenantName: "Contoso", n: 2 }]);
    expect(pie?.categories).toEqual(["Contoso"]);
    expect(chartData("piechart", [{ name: "A", type: "String" }, { name: "B", type: "String" }], [])).toBeNull();
    expect(chartData("scatterchart", [{ name: "A", type: "String" }, { name: "n", type: "Int64" }], [])).toBeNull();
  });
});
