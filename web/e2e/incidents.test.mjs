// End-to-end: incidents, alerts and custom detection rules in headless Chromium against a real
// `panoptes demo`. The demo's rules fire on the generated attacks as it starts.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ARTIFACTS, gridText, launch, screenshot, setQuery, signIn } from "./browser.mjs";
import { apiSession, startDemo } from "./demo.mjs";

let demo;
let browser;
let analyst;
let dumped;

before(async () => {
  demo = await startDemo();
  browser = await launch();
  analyst = await signIn(browser, demo.url, "analyst@mssp", "panoptes-demo");
  // The customers where the generator injected credential dumping (the analyst reaches both).
  const ids = demo.attacks.filter((a) => a.kind === "credential_dumping").map((a) => a.tenant);
  dumped = demo.tenants.filter((t) => ids.includes(t.id));
  assert.equal(dumped.length, 2, "the demo dumps credentials in two customers");
});

after(async () => {
  await browser?.close();
  demo?.stop(ARTIFACTS);
});

const incidents = (page) => page.getByRole("table", { name: "Incidents" });

test("the attack fires a rule in two tenants and both incidents show in one queue", async () => {
  const { page } = analyst;
  await page.getByRole("link", { name: "Incidents & alerts" }).click();
  await page.getByLabel("Search").fill("Credential");
  await page.getByLabel("Search").press("Enter");
  for (const tenant of dumped) await incidents(page).locator(`tr[data-tenant="${tenant.name}"]`).first().waitFor();
  assert.match(page.url(), /q=Credential/, "the filter is kept in the URL");
  await screenshot(page, "incidents-queue");
  // A filtered link reopens the same view.
  await page.reload();
  await incidents(page).locator(`tr[data-tenant="${dumped[0].name}"]`).first().waitFor();
  assert.equal(await page.getByLabel("Search").inputValue(), "Credential");
});

test("the analyst bulk-assigns and classifies them across tenants with a comment", async () => {
  const { page } = analyst;
  await page.getByRole("checkbox", { name: "Select all" }).check();
  const bulk = page.getByTestId("bulk-actions");
  await bulk.getByRole("button", { name: "Assign to me" }).click();
  await bulk.getByRole("combobox", { name: "Set classification" }).click();
  await page.getByRole("option", { name: "True positive" }).click();
  await bulk.getByRole("combobox", { name: "Set determination" }).click();
  await page.getByRole("option", { name: "Compromised account" }).click();
  await bulk.getByRole("combobox", { name: "Set status" }).click();
  await page.getByRole("option", { name: "In progress" }).click();
  await bulk.getByLabel("Comment").fill("Dumping confirmed on both customers; SOC contains");
  await bulk.getByRole("button", { name: /Apply to \d+/ }).click();
  await page.getByTestId("bulk-outcome").filter({ hasText: /updated$/ }).waitFor();
  // The queue reloads after the update.
  await incidents(page).getByText("analyst@mssp").first().waitFor();
  const rows = incidents(page).locator("tbody tr");
  const text = await incidents(page).innerText();
  assert.match(text, /analyst@mssp/);
  assert.match(text, /True positive/);
  assert.ok((await rows.count()) >= 2);
  await screenshot(page, "incidents-bulk");
});

test("the incident page shows the process tree to LSASS and a prefilled hunt returns the events", async () => {
  const { page } = analyst;
  await incidents(page).locator(`tr[data-tenant="${dumped[0].name}"] a`).first().click();
  await page.getByTestId("incident-page").waitFor();
  assert.match(await page.getByTestId("incident-summary").innerText(), /analyst@mssp/);
  await page.getByRole("tab", { name: /Timeline/ }).click();
  await page.getByRole("table", { name: "Timeline" }).waitFor({ timeout: 30_000 });
  assert.match(await page.getByRole("table", { name: "Timeline" }).innerText(), /lsass/i);
  await screenshot(page, "incident-timeline");
  await page.getByRole("tab", { name: /Comments/ }).click();
  await page.getByTestId("incident-activity").getByText("Dumping confirmed on both customers; SOC contains").waitFor();
  await page.getByRole("tab", { name: /Alerts/ }).click();
  const incidentUrl = page.url();
  await page.getByRole("link", { name: "Hunt the events" }).first().click();
  await page.getByTestId("run-query").click();
  await page.getByRole("tab", { name: /Results \(\d+\)/ }).waitFor();
  assert.match(await gridText(page), /mimikatz|procdump|lsass/i);
  await screenshot(page, "incident-prefilled-hunt");
  await page.goto(incidentUrl);
  await page.getByTestId("incident-page").waitFor();
});

test("resolving an incident from its page resolves it", async () => {
  const { page } = analyst;
  const manage = page.getByTestId("manage-incident");
  await manage.getByRole("combobox", { name: "Set status" }).click();
  await page.getByRole("option", { name: "Resolved" }).click();
  await manage.getByRole("button", { name: "Save" }).click();
  await page.getByTestId("incident-status").filter({ hasText: "Resolved" }).waitFor();
  await screenshot(page, "incident-resolved");
});

test("a guest without alerts.manage sees the incidents but cannot change them", async () => {
  const mssp = await apiSession(demo.url, "admin@mssp", "panoptes-admin");
  const home = (await mssp("GET", "/api/v1/me")).body.homeTenantId;
  const created = await mssp("POST", `/api/v1/tenants/${home}/users`, { username: "reader@mssp", password: "panoptes-reader", roles: [] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const tenant = dumped.find((t) => t.name === "Contoso") ?? dumped[0];
  const customer = await apiSession(demo.url, `admin@${tenant.name.toLowerCase()}`, "panoptes-demo");
  const invited = await customer("POST", `/api/v1/tenants/${tenant.id}/guests`, { username: "reader@mssp", roles: ["reader"] });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  const reader = await apiSession(demo.url, "reader@mssp", "panoptes-reader");
  assert.equal((await reader("POST", `/api/v1/me/invitations/${invited.body.id}/accept`, {})).status, 200);

  const { page, context } = await signIn(browser, demo.url, "reader@mssp", "panoptes-reader");
  await page.goto(`${demo.url}/incidents?q=Credential&status=active,inProgress,resolved`);
  const row = incidents(page).locator(`tr[data-tenant="${tenant.name}"]`).first();
  await row.waitFor();
  await row.getByRole("checkbox").check();
  await page.getByTestId("bulk-actions").getByRole("button", { name: "Assign to me" }).click();
  await page.getByTestId("bulk-actions").getByRole("button", { name: "Apply to 1" }).click();
  await page.getByTestId("bulk-outcome").filter({ hasText: /1 failed.*alerts\.manage/ }).waitFor();
  await screenshot(page, "incidents-reader-refused");
  const id = await row.locator("td").nth(2).innerText();
  const patch = await reader("PATCH", `/api/v1/security/incidents/${id.trim()}`, { status: "resolved" });
  assert.equal(patch.status, 403);
  await context.close();
});

test("a rule made from a hunting query is refused without ReportId, then created and run in the console", async () => {
  const tenant = dumped.find((t) => t.name === "Contoso") ?? dumped[0];
  const { page, context } = await signIn(browser, demo.url, `admin@${tenant.name.toLowerCase()}`, "panoptes-demo");
  await page.getByRole("link", { name: "Advanced hunting" }).click();
  await setQuery(page, "DeviceProcessEvents | where ProcessCommandLine has 'sekurlsa' | project Timestamp, DeviceId, DeviceName, AccountName");
  await page.getByRole("button", { name: "Create detection rule" }).click();
  const form = page.getByTestId("rule-form");
  await form.getByLabel("Rule name").fill("Mimikatz sekurlsa");
  await form.getByLabel("Alert title").fill("sekurlsa on {{DeviceName}}");
  await form.getByLabel("Lookback").fill("30d");
  // Off until run by hand, so the scheduler does not raise its alerts first.
  await form.getByRole("switch", { name: "Enabled" }).click();
  await form.getByRole("button", { name: "Create rule" }).click();
  await page.getByTestId("rule-error").filter({ hasText: "ReportId" }).waitFor();
  await screenshot(page, "rule-refused");
  const query = form.getByLabel("Rule query");
  await query.fill((await query.inputValue()).replace("DeviceName, AccountName", "DeviceName, AccountName, ReportId"));
  await form.getByRole("button", { name: "Create rule" }).click();
  await page.getByTestId("rule-message").filter({ hasText: "Rule created" }).waitFor();
  const row = page.getByRole("table", { name: "Detection rules" }).locator('tr[data-rule="Mimikatz sekurlsa"]');
  await row.getByRole("button", { name: "Run now" }).click();
  await page.getByTestId("rule-message").filter({ hasText: /completed, [1-9]\d* rows, [1-9]\d* new alerts/ }).waitFor();
  await screenshot(page, "rules-list");
  await row.getByRole("button", { name: "Turn on" }).click();
  await row.getByRole("button", { name: "Turn off" }).waitFor();
  await context.close();
  const { page: analystPage } = analyst;
  await analystPage.getByRole("link", { name: "Custom detection rules" }).click();
  const list = analystPage.getByRole("table", { name: "Detection rules" });
  // The prefilled hunt narrowed the analyst's scope to the first customer.
  await list.locator(`tr[data-tenant="${dumped[0].name}"]`).first().waitFor();
  assert.match(await list.innerText(), /completed/);
  assert.ok(await list.locator('tr[data-rule="Mimikatz credential theft tool"] button', { hasText: "Run now" }).first().isDisabled(), "the analyst may not run rules");
  assert.deepEqual(analyst.errors.filter((e) => !/401|403|Failed to load resource/.test(e.message)), []);
});
