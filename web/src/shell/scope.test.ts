import { describe, expect, it } from "vitest";
import type { TenantView } from "../api/types";
import { resolveScope } from "./scope";

const tenant = (id: string, inView = true): TenantView => ({ tenantId: id, tenantName: id.toUpperCase(), inView, status: "ok", permissions: [], capabilities: [] });
const reachable = [tenant("a"), tenant("b"), tenant("c", false)];

describe("resolveScope", () => {
  it("covers the tenants in view by default", () => {
    expect(resolveScope({ kind: "view" }, reachable, []).map((t) => t.tenantId)).toEqual(["a", "b"]);
  });
  it("never reaches beyond the principal's tenants, whatever a group or a stored choice names", () => {
    const groups = [{ id: "g", displayName: "G", tenantIds: ["b", "c", "zzz"], hiddenMembers: 1 }];
    expect(resolveScope({ kind: "group", groupId: "g" }, reachable, groups).map((t) => t.tenantId)).toEqual(["b", "c"]);
    expect(resolveScope({ kind: "tenants", tenantIds: ["a", "zzz"] }, reachable, []).map((t) => t.tenantId)).toEqual(["a"]);
  });
  it("falls back to the view when a stored choice no longer matches", () => {
    expect(resolveScope({ kind: "tenants", tenantIds: ["gone"] }, reachable, []).map((t) => t.tenantId)).toEqual(["a", "b"]);
    expect(resolveScope({ kind: "group", groupId: "deleted" }, reachable, []).map((t) => t.tenantId)).toEqual(["a", "b"]);
  });
});
