// Debian's Chromium driven by playwright-core, with screenshots kept as test artifacts.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ARTIFACTS = process.env.PANOPTES_E2E_ARTIFACTS ?? fileURLToPath(new URL("../test-results", import.meta.url));

export async function launch() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: false });
}

/** Signs in through the console's page and waits for the shell. */
export async function signIn(browser, url, username, password) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  page.on("console", (m) => m.type() === "error" && errors.push(new Error(m.text())));
  await page.goto(url);
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByTestId("account").waitFor();
  return { page, context, errors };
}

/** Replaces the KQL editor's text. */
export async function setQuery(page, text) {
  const editor = page.getByTestId("kql-editor");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
  await page.keyboard.press("Escape");
}

/** Every visible cell text of the results grid. */
export async function gridText(page) {
  return page.getByTestId("results-grid").innerText();
}
