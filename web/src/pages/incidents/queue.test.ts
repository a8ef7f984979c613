import { describe, expect, it } from "vitest";
import { defaultFilters, filtersFromSearch, odataFilter, queuePath, searchFromFilters, summarizeBulk } from "./queue";

const NOW = new Date("2026-11-27T12:00:00Z");

describe("queue filters", () => {
  it("default to open incidents of high, medium and low severity over six months", () => {
    const filter = odataFilter(defaultFilters("incidents"), "incidents", NOW);
    expect(filter).toBe(
      "status in ('active', 'inProgress') and severity in ('high', 'medium', 'low') and lastActivityDateTime ge 2026-05-31T12:00:00Z",
    );
  });

  it("survive a round trip through the URL, which keeps only what differs from the defaults", () => {
    const filters = { ...defaultFilters("incidents"), severities: ["high"], assignedTo: "unassigned", tag: "vip", search: "O'Brien", page: 2 };
    const search = searchFromFilters(filters, "incidents");
    expect(search).toBe("?severity=high&assignedTo=unassigned&tag=vip&q=O%27Brien&page=2");
    expect(filtersFromSearch(new URLSearchParams(search), "incidents")).toEqual(filters);
    expect(searchFromFilters(defaultFilters("alerts"), "alerts")).toBe("?tab=alerts");
  });

  it("quote values and search by name, id or impacted asset", () => {
    const filters = { ...defaultFilters("incidents"), statuses: [], severities: [], days: 0, search: "42", tag: "it's" };
    expect(odataFilter(filters, "incidents", NOW)).toBe(
      "customTags/any(t: t eq 'it''s') and (contains(displayName, '42') or id eq '42' or impactedAssets/any(a: a eq '42'))",
    );
    const alerts = { ...defaultFilters("alerts"), statuses: [], severities: [], days: 0, search: "mimikatz", assignedTo: "me@x" };
    expect(odataFilter(alerts, "alerts", NOW)).toBe("assignedTo eq 'me@x' and (contains(title, 'mimikatz'))");
  });

  it("build the API path with paging and the tenant scope", () => {
    const filters = { ...defaultFilters("alerts"), statuses: [], severities: [], days: 0, page: 1, orderBy: "severity", descending: false };
    const path = queuePath(filters, "alerts", { tenantIds: ["a", "b"] }, NOW);
    expect(decodeURIComponent(path.replace(/\+/g, " "))).toBe(
      "/api/v1/security/alerts_v2?$orderby=severity asc&$top=50&$skip=50&tenantIds=a,b",
    );
    expect(queuePath(filters, "incidents", { tenantGroupId: "g" }, NOW)).toContain("tenantGroupId=g");
  });

  it("summarize bulk results by failure reason", () => {
    const results = [{ status: "succeeded" }, { status: "failed", message: "needs alerts.manage" }];
    expect(summarizeBulk(results, (i) => ["#1", "#2"][i])).toBe("1 updated, 1 failed (#2: needs alerts.manage)");
    expect(summarizeBulk([{ status: "succeeded" }], () => "")).toBe("1 updated");
  });
});
