import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { act, cleanup, render, screen } from "@testing-library/react";
import { useEffect } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { DataStatusIndicator } from "./DataStatusIndicator";
import { DataStatusProvider, issueKind, useDataStatus, type TenantIssue } from "./dataStatus";

function Reporter(props: { issues: TenantIssue[] }) {
  const { report } = useDataStatus();
  useEffect(() => report(props.issues), [props.issues, report]);
  return null;
}

function renderWith(issues: TenantIssue[]) {
  return render(
    <FluentProvider theme={webLightTheme}>
      <DataStatusProvider>
        <Reporter issues={issues} />
        <DataStatusIndicator />
      </DataStatusProvider>
    </FluentProvider>,
  );
}

afterEach(cleanup);

describe("DataStatusIndicator", () => {
  it("is green when every tenant answered", () => {
    renderWith([{ tenantId: "a", tenantName: "A", status: "ok" }]);
    expect(screen.getByTestId("data-status").dataset.state).toBe("ok");
  });
  it("counts failing tenants and lists them by issue type", async () => {
    renderWith([
      { tenantId: "a", tenantName: "Alpha", status: "accessExpired", message: "the delegated access has ended" },
      { tenantId: "b", tenantName: "Beta", status: "notInPlan" },
      { tenantId: "c", tenantName: "Gamma", status: "ok" },
    ]);
    const button = screen.getByTestId("data-status");
    expect(button.dataset.state).toBe("issues");
    expect(button.textContent).toContain("2 tenants with issues");
    await act(async () => button.click());
    const details = await screen.findByTestId("data-status-details");
    expect(details.textContent).toContain("Permissions");
    expect(details.textContent).toContain("Alpha");
    expect(details.textContent).toContain("the delegated access has ended");
    expect(details.textContent).toContain("Not in the tenant's plan");
    expect(details.textContent).not.toContain("Gamma");
  });
  it("groups statuses into the portal's issue types", () => {
    expect(issueKind("noPermission")).toBe("Permissions");
    expect(issueKind("error")).toBe("Data loading");
    expect(issueKind("unreachable")).toBe("Tenant unreachable");
  });
});
