import { FluentProvider, webLightTheme } from "@fluentui/react-components";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DelegationRequestForm } from "./DelegationRequestForm";

// A stand-in for the server's two answers this form needs (the browser tests use the real one).
function serve(groups: unknown[], request: (body: unknown) => Response) {
  const sent: unknown[] = [];
  vi.stubGlobal("fetch", async (path: string, init: RequestInit) => {
    if (path.endsWith("/groups")) return new Response(JSON.stringify({ value: groups }), { status: 200 });
    const body = JSON.parse(String(init.body));
    sent.push(body);
    return request(body);
  });
  return sent;
}

function renderForm(onRequested = vi.fn(), onError = vi.fn()) {
  render(
    <FluentProvider theme={webLightTheme}>
      <DelegationRequestForm partnerTenantId="mssp" onRequested={onRequested} onError={onError} />
    </FluentProvider>,
  );
  return { onRequested, onError };
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("DelegationRequestForm", () => {
  it("asks for the roles and days typed, for the group picked", async () => {
    const sent = serve(
      [{ id: "g1", displayName: "Tier 1", memberCount: 3 }, { id: "g2", displayName: "Tier 2", memberCount: 1 }],
      () => new Response(JSON.stringify({ id: "d1" }), { status: 201 }),
    );
    const { onRequested } = renderForm();
    await screen.findByRole("option", { name: "Tier 2 (1 member)" });
    fireEvent.change(screen.getByLabelText("Customer tenant id"), { target: { value: " contoso " } });
    fireEvent.change(screen.getByLabelText("Acting group"), { target: { value: "g2" } });
    fireEvent.change(screen.getByLabelText("Roles"), { target: { value: "analyst, responder" } });
    fireEvent.change(screen.getByLabelText("Days (1–730)"), { target: { value: "30" } });
    fireEvent.click(screen.getByRole("button", { name: "Request access" }));
    await waitFor(() => expect(onRequested).toHaveBeenCalled());
    expect(sent).toEqual([{ customerTenantId: "contoso", groupId: "g2", roles: ["analyst", "responder"], durationDays: 30 }]);
    expect((screen.getByLabelText("Customer tenant id") as HTMLInputElement).value).toBe("");
  });

  it("passes the server's refusal on and keeps what was typed", async () => {
    serve([{ id: "g1", displayName: "Tier 1", memberCount: 3 }], () =>
      new Response(JSON.stringify({ error: { code: "NotFound", message: "tenant nope not found" } }), { status: 404 }),
    );
    const { onRequested, onError } = renderForm();
    await screen.findByRole("option", { name: "Tier 1 (3 members)" });
    fireEvent.change(screen.getByLabelText("Customer tenant id"), { target: { value: "nope" } });
    fireEvent.click(screen.getByRole("button", { name: "Request access" }));
    await waitFor(() => expect(onError).toHaveBeenCalledWith("tenant nope not found"));
    expect(onRequested).not.toHaveBeenCalled();
    expect((screen.getByLabelText("Customer tenant id") as HTMLInputElement).value).toBe("nope");
  });

  it("says a group is needed first when the partner has none", async () => {
    serve([], () => new Response("{}", { status: 500 }));
    renderForm();
    await screen.findByText(/first create a group/);
    expect(screen.queryByRole("button", { name: "Request access" })).toBeNull();
  });
});
