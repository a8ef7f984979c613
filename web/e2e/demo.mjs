// Starts a real `panoptes demo` server on a free loopback port with a fresh data directory,
// and signs in over the API for test setup steps that are not what a test checks.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = process.env.PANOPTES_BIN ?? fileURLToPath(new URL("../../target/release/panoptes", import.meta.url));

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A running demo: `url`, and `stop()` to end it and remove its data. */
export async function startDemo() {
  const data = mkdtempSync(join(tmpdir(), "panoptes-e2e-"));
  const port = await freePort();
  const child = spawn(BIN, ["demo", "--data", join(data, "d"), "--listen", `127.0.0.1:${port}`, "--devices", "4", "--days", "2"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`panoptes demo did not start in 120 s:\n${output}`)), 120_000);
    const read = (chunk) => {
      output += chunk;
      const match = output.match(/listening on (http:\/\/\S+?)\/?\s/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => reject(new Error(`panoptes demo exited with ${code}:\n${output}`)));
  });
  const generated = JSON.parse(readFileSync(join(data, "d", "events", "generated.json"), "utf8"));
  return {
    url,
    /** The generated customer tenants (`id`, `name`), as the generator wrote them down. */
    tenants: generated.tenants.map((t) => ({ id: t.id, name: t.name })),
    /** The injected attacks (`kind`, `tenant` id, `device_name`, ...). */
    attacks: generated.attacks,
    /** Ends the server, keeping its log beside the screenshots. */
    stop(artifacts) {
      child.kill("SIGTERM");
      if (artifacts) {
        mkdirSync(artifacts, { recursive: true });
        writeFileSync(join(artifacts, "server.log"), output);
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Signs in over the API; returns `call(method, path, body)` carrying the session. */
export async function apiSession(url, username, password) {
  const response = await fetch(`${url}/api/v1/auth/signIn`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`sign-in of ${username} failed: ${response.status} ${await response.text()}`);
  const { csrfToken } = await response.json();
  const cookie = response.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return async (method, path, body) => {
    const answer = await fetch(`${url}${path}`, {
      method,
      headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    return { status: answer.status, body: text ? JSON.parse(text) : null };
  };
}
