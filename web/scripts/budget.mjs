// The console's performance budget, measured (not a timed test): bundle size, time to
// interactive on a running demo, and the results grid with 100,000 rows. Prints the figures
// and exits 1 when one is over budget. Needs a built panoptes binary (PANOPTES_BIN) and Chromium.
//   node scripts/budget.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { launch, setQuery, signIn } from "../e2e/browser.mjs";
import { startDemo } from "../e2e/demo.mjs";

const BUDGET = {
  entryGzipKiB: 250, // the script the sign-in page needs (pages load on first visit)
  totalGzipKiB: 800, // every chunk, charts included
  interactiveMs: 3000, // signed-in reload until the hunting page can run a query
  grid100kMs: 4000, // from "Run" until 100,000 rows are in the grid (server time included)
  gridScrollFrameMs: 50, // one frame after jumping to the last row
};

function bundleSizes() {
  const out = mkdtempSync(join(tmpdir(), "panoptes-budget-"));
  execFileSync("npx", ["vite", "build", "--outDir", out, "--logLevel", "error"], { stdio: "inherit" });
  const assets = join(out, "assets");
  const html = readFileSync(join(out, "index.html"), "utf8");
  let entry = 0;
  let total = 0;
  for (const name of readdirSync(assets)) {
    const gz = gzipSync(readFileSync(join(assets, name))).length / 1024;
    total += gz;
    if (html.includes(name)) entry += gz;
  }
  const raw = readdirSync(assets).reduce((sum, name) => sum + statSync(join(assets, name)).size, 0) / 1024;
  rmSync(out, { recursive: true, force: true });
  return { entry, total, raw };
}

async function browserFigures() {
  const demo = await startDemo();
  const browser = await launch();
  try {
    const { page } = await signIn(browser, demo.url, "analyst@mssp", "panoptes-demo");
    await page.reload();
    await page.getByTestId("run-query").waitFor();
    await page.waitForFunction(() => document.querySelectorAll("[role=treeitem]").length > 0);
    const interactive = await page.evaluate(() => performance.now());

    await page.getByTestId("scope-picker").click();
    await page.getByRole("checkbox", { name: "Contoso" }).check();
    await page.getByRole("button", { name: "Use 1 selected tenant" }).click();
    await setQuery(page, 'range x from 1 to 100000 step 1 | extend Name = strcat("row-", tostring(x)), Bucket = x % 97');
    const started = await page.evaluate(() => performance.now());
    await page.getByTestId("run-query").click();
    await page.getByRole("tab", { name: "Results (100,000)" }).waitFor({ timeout: 60_000 });
    await page.locator('[role=row][aria-rowindex="2"]').waitFor();
    const grid = (await page.evaluate(() => performance.now())) - started;
    const rendered = await page.locator("[role=row]").count();

    const frame = await page.evaluate(async () => {
      const scroller = document.querySelector("[data-testid=results-grid]");
      const before = performance.now();
      scroller.scrollTop = scroller.scrollHeight;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      return performance.now() - before;
    });
    await page.locator('[role=row][aria-rowindex="100001"]').waitFor({ timeout: 5000 });
    return { interactive, grid, frame, rendered };
  } finally {
    await browser.close();
    demo.stop();
  }
}

const sizes = bundleSizes();
const figures = await browserFigures();
const rows = [
  ["entry script (gzip)", sizes.entry, BUDGET.entryGzipKiB, "KiB"],
  ["all chunks (gzip)", sizes.total, BUDGET.totalGzipKiB, "KiB"],
  ["time to interactive", figures.interactive, BUDGET.interactiveMs, "ms"],
  ["100k rows in the grid", figures.grid, BUDGET.grid100kMs, "ms"],
  ["jump to the last row", figures.frame, BUDGET.gridScrollFrameMs, "ms"],
];
let over = 0;
console.log(`bundle: ${sizes.raw.toFixed(0)} KiB raw; grid DOM rows for 100,000 results: ${figures.rendered}`);
for (const [name, value, budget, unit] of rows) {
  const ok = value <= budget;
  if (!ok) over++;
  console.log(`${ok ? "ok  " : "OVER"} ${name.padEnd(24)} ${value.toFixed(1).padStart(8)} ${unit}  (budget ${budget} ${unit}, ratio ${(value / budget).toFixed(2)})`);
}
process.exit(over ? 1 : 0);
