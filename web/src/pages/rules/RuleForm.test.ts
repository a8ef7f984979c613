import { describe, expect, it } from "vitest";
import type { DetectionRule } from "../../api/types";
import { fieldsOf, ruleBody, type RuleFields } from "./RuleForm";

const fields: RuleFields = {
  tenantId: "t1",
  combinedTenants: [],
  name: "Spray",
  description: "",
  enabled: true,
  query: "DeviceLogonEvents | take 1",
  period: "1H",
  lookback: " ",
  title: "",
  alertDescription: "",
  severity: "high",
  category: "CredentialAccess",
  mitre: "T1110.003, T1110",
  recommendedActions: "",
};

describe("rule form", () => {
  it("sends a per-tenant rule with the name as title and the techniques split", () => {
    const body = ruleBody(fields);
    expect(body.queryCondition).toEqual({ queryText: "DeviceLogonEvents | take 1", mode: "perTenant" });
    expect(body.schedule.lookback).toBeUndefined();
    expect(body.detectionAction.alertTemplate.title).toBe("Spray");
    expect(body.detectionAction.alertTemplate.mitreTechniques).toEqual(["T1110.003", "T1110"]);
  });

  it("sends a combined rule with its tenants, and reads one back", () => {
    const body = ruleBody({ ...fields, combinedTenants: ["a", "b"] });
    expect(body.queryCondition).toEqual({ queryText: fields.query, mode: "combined", tenantIds: ["a", "b"] });
    const rule = {
      tenantId: "t1", displayName: "Spray", description: "", isEnabled: false,
      queryCondition: body.queryCondition, schedule: { period: "24H", lookback: "P2D", nextRunDateTime: null },
      detectionAction: { alertTemplate: { ...body.detectionAction.alertTemplate }, maxAlertsPerRun: 100 },
    } as unknown as DetectionRule;
    expect(fieldsOf(rule)).toMatchObject({ combinedTenants: ["a", "b"], enabled: false, period: "24H", lookback: "P2D", mitre: "T1110.003, T1110" });
  });
});
