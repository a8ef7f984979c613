// End-to-end: the console in headless Chromium against a real `panoptes demo` server.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ARTIFACTS, gridText, launch, screenshot, setQuery, signIn } from "./browser.mjs";
import { apiSession, startDemo } from "./demo.mjs";

let demo;
let browser;
let analyst;
let hidden;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  analyst = await signIn(browser, demo.url, "analyst@mssp", "panoptes-demo");
  // The customers the demo analyst has no access to: generated, but not among its tenants.
  const reachable = (await analyst.page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()))).tenants.map((t) => t.tenantId);
  hidden = demo.tenants.filter((t) => !reachable.includes(t.id));
  assert.equal(hidden.length, 2, "the demo keeps two customers away from the analyst");
});

after(async () => {
  await browser?.close();
  demo?.stop(ARTIFACTS);
});

test("sign-in shows the shell with navigation, scope and data status", async () => {
  const { page } = analyst;
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Advanced hunting" }).waitFor();
  assert.equal(await page.getByTestId("data-status").getAttribute("data-state"), "ok");
  assert.match(await page.getByTestId("scope-picker").innerText(), /All tenants in view \(11\)/);
  await screenshot(page, "shell-hunting");
});

test("a hunt over two picked tenants returns rows from each", async () => {
  const { page } = analyst;
  await page.getByTestId("scope-picker").click();
  await page.getByRole("checkbox", { name: "Contoso" }).check();
  await page.getByRole("checkbox", { name: "Fabrikam" }).check();
  await page.getByRole("button", { name: "Use 2 selected tenants" }).click();
  assert.match(await page.getByTestId("scope-picker").innerText(), /2 tenants/);
  await setQuery(page, "DeviceProcessEvents | summarize Events = count() by DeviceName | top 3 by Events");
  await page.getByTestId("run-query").click();
  await page.getByRole("tab", { name: /Results \(\d+\)/ }).waitFor();
  const text = await gridText(page);
  assert.match(text, /Contoso/);
  assert.match(text, /Fabrikam/);
  assert.doesNotMatch(text, /Adatum/, "a tenant outside the picked scope answered");
  await screenshot(page, "hunting-results");
});

test("combined mode is offered when every tenant in scope allows cross-tenant analytics, and answers once", async () => {
  const { page } = analyst;
  await page.getByRole("combobox", { name: "Mode" }).click();
  await page.getByRole("option", { name: /Combined/ }).click();
  await setQuery(page, "DeviceInfo | summarize Devices = dcount(DeviceId)");
  await page.getByTestId("run-query").click();
  await page.getByRole("tab", { name: "Results (1)" }).waitFor();
  await page.getByRole("combobox", { name: "Mode" }).click();
  await page.getByRole("option", { name: "Per tenant" }).click();
  await page.getByTestId("run-query").click();
  await page.getByRole("tab", { name: "Results (2)" }).waitFor();
});

test("the dark theme applies and is remembered", async () => {
  const { page } = analyst;
  await page.getByRole("button", { name: "Use the dark theme" }).click();
  await page.locator("[data-theme=dark]").waitFor();
  await screenshot(page, "hunting-dark");
  await page.reload();
  await page.locator("[data-theme=dark]").waitFor();
  await page.getByRole("button", { name: "Use the light theme" }).click();
  await page.locator("[data-theme=light]").waitFor();
});

test("a syntax error and an unknown column are underlined from the server's diagnostics", async () => {
  const { page } = analyst;
  await setQuery(page, "DeviceProcessEvents | where ProcessCommandLine hass 'mimikatz'");
  const mark = page.locator(".cm-lintRange-error");
  await mark.first().waitFor({ timeout: 10_000 });
  assert.equal(await mark.first().innerText(), "hass");
  await setQuery(page, "DeviceProcessEvents | where NoSuchColumn == 1");
  await page.locator(".cm-lintRange-error", { hasText: "NoSuchColumn" }).waitFor({ timeout: 10_000 });
  await screenshot(page, "hunting-diagnostics");
});

test("completion offers operators after a pipe and columns of the table", async () => {
  const { page } = analyst;
  await setQuery(page, "DeviceProcessEvents | whe");
  await page.keyboard.press("Control+Space");
  await page.getByRole("option", { name: /where/ }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press("Escape");
  await setQuery(page, "DeviceProcessEvents | where ProcessCommand");
  await page.keyboard.press("Control+Space");
  await page.getByRole("option", { name: /ProcessCommandLine/ }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press("Escape");
});

test("a long query shows progress and can be cancelled", async () => {
  const { page } = analyst;
  await setQuery(page, 'range x from 1 to 9000000 step 1 | extend y = strcat("a", tostring(x)) | summarize dcount(y)');
  await page.getByTestId("run-query").click();
  await page.getByTestId("query-progress").waitFor();
  await page.getByTestId("cancel-query").click();
  await page.getByTestId("query-error").filter({ hasText: "cancelled" }).waitFor();
  await page.getByTestId("run-query").waitFor();
});

test("a query from the history runs again, and render draws a chart", async () => {
  const { page } = analyst;
  await setQuery(page, "DeviceNetworkEvents | summarize Connections = count() by RemotePort | top 5 by Connections | render columnchart");
  await page.getByTestId("run-query").click();
  await page.getByTestId("result-chart").waitFor();
  await page.locator("[data-testid=result-chart] svg").waitFor();
  await screenshot(page, "hunting-chart");
  await setQuery(page, "print 1");
  await page.getByRole("button", { name: "History" }).click();
  await page.getByRole("listitem").filter({ hasText: "render columnchart" }).first().click();
  await page.getByTestId("run-query").click();
  await page.getByTestId("result-chart").waitFor();
});

test("a query saved and shared in a customer tenant runs again, there too", async () => {
  const { page } = analyst;
  const text = "DeviceProcessEvents | where FileName =~ 'powershell.exe' | summarize Runs = count() by DeviceName";
  await setQuery(page, text);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Save query" });
  await dialog.getByLabel("Name").fill("PowerShell by device");
  await dialog.getByLabel("Who can use it").selectOption({ label: "Shared in Contoso" });
  await screenshot(page, "hunting-save-query");
  await dialog.getByRole("button", { name: "Save", exact: true }).click();
  await dialog.waitFor({ state: "hidden" });
  await setQuery(page, "print 1");
  await page.getByRole("button", { name: "Saved queries" }).click();
  await page.getByRole("region", { name: "Saved queries" }).getByRole("button", { name: /^PowerShell by device/ }).click();
  assert.match(await page.getByTestId("kql-editor").innerText(), /powershell\.exe/);
  await page.getByTestId("run-query").click();
  await page.getByRole("tab", { name: /Results \(\d+\)/ }).waitFor();

  // Contoso's own administrator finds it among its team's queries (Contoso is its home) and runs it.
  const customer = await signIn(browser, demo.url, "admin@contoso", "panoptes-demo");
  await customer.page.getByRole("button", { name: "Saved queries" }).click();
  await customer.page.getByText("Your team (Contoso)").waitFor();
  await customer.page.getByRole("region", { name: "Saved queries" }).getByRole("button", { name: /^PowerShell by device/ }).click();
  await customer.page.getByTestId("run-query").click();
  await customer.page.getByRole("tab", { name: /Results \(\d+\)/ }).waitFor();
  assert.doesNotMatch(await gridText(customer.page), /Fabrikam/);
  await customer.context.close();
});

test("a tenant whose data cannot load turns the data-status indicator red and names it", async () => {
  const { page } = analyst;
  const admin = await apiSession(demo.url, "admin@mssp", "panoptes-admin");
  const wingtip = (await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()))).tenants.find((t) => t.tenantName === "Wingtip");
  assert.equal((await admin("PATCH", `/api/v1/tenants/${wingtip.tenantId}`, { status: "suspended" })).status, 200);
  try {
    await page.getByTestId("scope-picker").click();
    await page.getByRole("button", { name: /All tenants in view/ }).click();
    await setQuery(page, "DeviceInfo | summarize count()");
    await page.getByTestId("run-query").click();
    await page.locator("[data-testid=data-status][data-state=issues]").waitFor();
    await page.getByTestId("data-status").click();
    await page.getByTestId("data-status-details").getByText("Wingtip").waitFor();
    await screenshot(page, "data-status-red");
    await page.keyboard.press("Escape");
  } finally {
    await admin("PATCH", `/api/v1/tenants/${wingtip.tenantId}`, { status: "active" });
  }
});

test("settings: a tenant removed from the view stays out after a new sign-in, and comes back", async () => {
  const { page } = analyst;
  await page.getByRole("link", { name: "Settings › Tenants" }).click();
  // The switch follows the server: it flips once the view is saved.
  await page.getByRole("switch", { name: "Litware in view" }).click();
  await page.getByTestId("scope-picker").filter({ hasText: "(10)" }).waitFor();
  assert.equal(await page.getByRole("switch", { name: "Litware in view" }).isChecked(), false);
  await screenshot(page, "settings-tenants");
  const again = await signIn(browser, demo.url, "analyst@mssp", "panoptes-demo");
  await again.page.getByRole("link", { name: "Settings › Tenants" }).click();
  assert.equal(await again.page.getByRole("switch", { name: "Litware in view" }).isChecked(), false);
  await again.page.getByRole("switch", { name: "Litware in view" }).click();
  await again.page.getByTestId("scope-picker").filter({ hasText: "(11)" }).waitFor();
  await again.context.close();
});

test("isolation: the analyst never sees a tenant it has no access to", async () => {
  const { page } = analyst;
  await page.getByRole("link", { name: "Settings › Tenants" }).click();
  await page.getByRole("table", { name: "Tenants" }).waitFor();
  const settings = await page.locator("main").innerText();
  for (const tenant of hidden) {
    assert.ok(!settings.includes(tenant.name) && !settings.includes(tenant.id), `${tenant.name} shown in settings`);
  }
  await page.getByRole("link", { name: "Advanced hunting" }).click();
  await setQuery(page, "DeviceInfo | summarize count() by TenantId");
  await page.getByTestId("run-query").click();
  await page.getByRole("tab", { name: /Results \(\d+\)/ }).waitFor();
  const grid = await gridText(page);
  const picker = async () => {
    await page.getByTestId("scope-picker").click();
    const text = await page.getByRole("dialog", { name: "Tenant scope" }).innerText();
    await page.keyboard.press("Escape");
    return text;
  };
  const scopeText = await picker();
  for (const tenant of hidden) {
    assert.ok(!grid.includes(tenant.id) && !grid.includes(tenant.name), `${tenant.name} rows in the results`);
    assert.ok(!scopeText.includes(tenant.name), `${tenant.name} in the scope picker`);
    // Asking for it by id, or hunting in it by name, answers as if it did not exist.
    const status = await page.evaluate((id) => fetch(`/api/v1/tenants/${id}/users`).then((r) => r.status), tenant.id);
    assert.equal(status, 404);
  }
});

test("delegated access: the customer approves and the tenant joins the analyst's view; revoking removes it at once", async () => {
  const { page } = analyst;
  const contoso = demo.tenants.find((t) => t.name === "Contoso");
  const reachable = async () =>
    (await page.evaluate(() => fetch("/api/v1/me").then((r) => r.json()))).tenants.map((t) => t.tenantName);
  const customer = await signIn(browser, demo.url, "admin@contoso", "panoptes-demo");
  const cp = customer.page;
  // In the demo the analyst reaches Contoso as a guest: the customer removes that first.
  await cp.getByRole("link", { name: "Settings › Access" }).click();
  await cp.getByRole("tab", { name: "Guests" }).click();
  await cp.getByRole("table", { name: "Guests" }).getByRole("button", { name: "Remove" }).first().click();
  await cp.getByText("No guests.").waitFor();
  assert.ok(!(await reachable()).includes("Contoso"), "guest removal did not end access");

  // The customer's admin reads its tenant id off the page and shares it with the partner.
  await cp.getByRole("tab", { name: "Delegated access" }).click();
  await cp.getByText(contoso.id).waitFor();
  // The MSSP's admin asks for 30 days of Analyst for its SOC group on its own Access page.
  const partner = await signIn(browser, demo.url, "admin@mssp", "panoptes-admin");
  const pp = partner.page;
  await pp.getByRole("link", { name: "Settings › Access" }).click();
  await pp.getByRole("tab", { name: "Delegated access" }).click();
  const form = pp.getByRole("form", { name: "Request delegated access" });
  await form.getByLabel("Customer tenant id").fill(contoso.id);
  await form.getByLabel("Days (1–730)").fill("30");
  await form.getByRole("button", { name: "Request access" }).click();
  const partnerTable = pp.getByRole("table", { name: "Delegated access" });
  await partnerTable.getByRole("row").filter({ hasText: "Contoso" }).filter({ hasText: "requested" }).first().waitFor();
  await screenshot(pp, "settings-access-delegation-request");
  // A request for a tenant that does not exist says so, and the form keeps what was typed.
  await form.getByLabel("Customer tenant id").fill("no-such-tenant");
  await form.getByRole("button", { name: "Request access" }).click();
  await pp.getByRole("alert").filter({ hasText: /no-such-tenant/ }).waitFor();
  await partner.context.close();

  await cp.getByRole("tab", { name: "Users" }).click();
  await cp.getByRole("tab", { name: "Delegated access" }).click();
  // The customer's admin sees the partner by name, though Contoso cannot reach its tenant.
  await cp.getByRole("table", { name: "Delegated access" }).getByText("Northwind MSSP").first().waitFor();
  await cp.getByRole("button", { name: "Approve" }).click();
  await cp.getByRole("button", { name: "Revoke" }).waitFor();
  await screenshot(cp, "settings-access-delegations");
  assert.ok((await reachable()).includes("Contoso"), "approval did not grant access");
  await page.reload();
  await page.getByTestId("scope-picker").click();
  await page.getByRole("checkbox", { name: "Contoso" }).waitFor();
  await page.keyboard.press("Escape");

  await cp.getByRole("button", { name: "Revoke" }).click();
  await cp.getByText("revoked").waitFor();
  assert.ok(!(await reachable()).includes("Contoso"), "revocation did not end access");
  await page.reload();
  await page.getByTestId("scope-picker").click();
  assert.doesNotMatch(await page.getByRole("dialog", { name: "Tenant scope" }).innerText(), /Contoso/);
  await page.keyboard.press("Escape");
  // A service principal for the customer's automation: its token is shown once, then listed without it.
  await cp.getByRole("tab", { name: "Service principals" }).click();
  await cp.getByLabel("Service principal name").fill("soar-connector");
  await cp.getByRole("button", { name: "Create and issue token" }).click();
  const secret = await cp.getByTestId("issued-token").innerText();
  const tokens = cp.getByRole("table", { name: "API tokens" });
  await tokens.getByText("soar-connector").waitFor();
  assert.ok(!(await tokens.innerText()).includes(secret), "the token secret is listed");
  await tokens.getByRole("button", { name: "Revoke" }).click();
  await tokens.getByText("revoked").waitFor();
  await screenshot(cp, "settings-access-service-principals");

  await cp.getByRole("tab", { name: "Audit log" }).click();
  await cp.getByRole("table", { name: "Audit log" }).getByText("delegation.revoke").first().waitFor();
  await screenshot(cp, "settings-access-audit");
  await customer.context.close();
});

test("a tenant's sign-in provider claims its e-mail domain, and the sign-in page offers it to that domain's users", async () => {
  const customer = await signIn(browser, demo.url, "admin@contoso", "panoptes-demo");
  const cp = customer.page;
  await cp.getByRole("link", { name: "Settings › Access" }).click();
  await cp.getByRole("tab", { name: "Sign-in providers" }).click();
  const form = cp.getByRole("form", { name: "Add a sign-in provider" });
  await form.getByLabel("Provider name").fill("Contoso SSO");
  await form.getByLabel("Issuer URL").fill("https://login.contoso.example/v2.0");
  await form.getByLabel("Client id").fill("panoptes");
  await form.getByLabel("Client secret").fill("not-shown-again");
  await form.getByLabel("E-mail domains").fill("contoso.example");
  await form.getByRole("button", { name: "Add provider" }).click();
  const table = cp.getByRole("table", { name: "Sign-in providers" });
  await table.getByRole("cell", { name: "contoso.example", exact: true }).waitFor();
  assert.doesNotMatch(await table.innerText(), /not-shown-again/, "the client secret is listed");
  await screenshot(cp, "settings-access-sign-in-providers");
  await customer.context.close();

  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  await page.goto(demo.url);
  await page.getByLabel("User name").fill("someone@fabrikam.example");
  await page.waitForTimeout(800);
  assert.equal(await page.getByTestId("discovered-provider").count(), 0, "another domain was offered Contoso's provider");
  await page.getByLabel("User name").fill("Someone@Contoso.example");
  const offered = page.getByTestId("discovered-provider");
  await offered.waitFor();
  assert.match(await offered.innerText(), /Contoso SSO \(Contoso\)/);
  assert.match(await offered.getAttribute("href"), /^\/api\/v1\/auth\/oidc\/[^/]+\/start$/);
  await screenshot(page, "sign-in-discovered-provider");
  await context.close();
});

test("a session ended on the server sends the console back to sign-in with the reason", async () => {
  const other = await signIn(browser, demo.url, "analyst@mssp", "panoptes-demo");
  await other.page.getByRole("treeitem").first().waitFor();
  const cookies = await other.context.cookies();
  const header = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const csrf = cookies.find((c) => c.name === "panoptes_csrf")?.value ?? "";
  const ended = await fetch(`${demo.url}/api/v1/auth/signOut`, { method: "POST", headers: { cookie: header, "x-csrf-token": csrf } });
  assert.equal(ended.status, 200);
  // The next request finds the session gone; a background one may find it first, taking the
  // hunting page (and its Run button) away before the click lands.
  const message = other.page.getByText("Your session has ended. Sign in again.");
  if (!(await message.isVisible())) await other.page.getByTestId("run-query").click({ timeout: 10_000 }).catch(() => undefined);
  await message.waitFor();
  await screenshot(other.page, "session-ended");
  await other.context.close();
});

test("pages of later issues say so honestly, and sign-out returns to the sign-in page", async () => {
  const { page, errors } = analyst;
  await page.getByRole("link", { name: "Devices" }).click();
  await page.getByText("Not yet available").waitFor();
  await screenshot(page, "devices-not-yet");
  await page.getByTestId("account").click();
  await page.getByRole("menuitem", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in", exact: true }).waitFor();
  await screenshot(page, "sign-in");
  assert.deepEqual(errors.filter((e) => !/401|Failed to load resource/.test(e.message)), []);
});
