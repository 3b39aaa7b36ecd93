/**
 * The metrics relay (infra/sqld/image/metrics-relay/), built from the repo's source with the Dockerfile's build
 * command, in front of a real sqld with an admin key: what Fly's scraper gets, what everyone else gets (nothing),
 * and how it fails (fast, with a cause, never the key) when sqld refuses, is gone, hangs or answers too much.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, SqldProcess } from "../../local/sqld/process";
import { metricsRelayBinary } from "../../local/sqld/metrics-relay";
import { METRICS_RELAY_SOURCE_DIR } from "../../infra/sqld/image/metrics-relay";

const KEY = `admin-${"k".repeat(20)}-${process.pid}`;
const root = mkdtempSync(join(tmpdir(), "metrics-relay-"));
const relays: ChildProcess[] = [];
let sqld: SqldProcess;
let adminAddr: string;
let httpUrl: string;
let hanging: Server;
let hangingAddr: string;

afterAll(async () => {
  for (const relay of relays) if (relay.exitCode === null && relay.pid) process.kill(relay.pid, "SIGKILL");
  hanging?.close();
  await sqld?.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeAll(async () => {
  const [http, admin] = [await freePort(), await freePort()];
  adminAddr = `127.0.0.1:${admin}`;
  httpUrl = `http://127.0.0.1:${http}`;
  sqld = new SqldProcess({
    args: ["--enable-namespaces", "--no-welcome", "--db-path", join(root, "data.sqld"), "--http-listen-addr", `127.0.0.1:${http}`, "--admin-listen-addr", adminAddr],
    env: { LIBSQL_ADMIN_AUTH_KEY: KEY },
    logFile: join(root, "sqld.log"),
    readyUrl: [`${httpUrl}/health`, `http://${adminAddr}/`],
    cwd: root,
  });
  await sqld.start();
  await admin_("POST", "/v1/namespaces/acme/create", {});
  await execute("acme", "create table t (x)", "insert into t values (1)");
  // Accepts connections and never answers: a stuck sqld.
  hanging = createServer(() => {});
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  hangingAddr = `127.0.0.1:${(hanging.address() as { port: number }).port}`;
});

async function admin_(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`http://${adminAddr}${path}`, {
    method,
    headers: { authorization: `basic ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function execute(namespace: string, ...sql: string[]): Promise<void> {
  const response = await fetch(`${httpUrl}/v2/pipeline`, {
    method: "POST",
    headers: { "x-namespace-bin": Buffer.from(namespace).toString("base64url") },
    body: JSON.stringify({ baton: null, requests: [...sql.map((s) => ({ type: "execute", stmt: { sql: s } })), { type: "close" }] }),
  });
  expect(response.status).toBe(200);
}

/** Starts the relay with the given flags and env; resolves with its URL once it answers. */
async function startRelay(flags: string[] = [], env: Record<string, string> = {}, admin = adminAddr): Promise<{ url: string; logs: () => string }> {
  const port = await freePort();
  let output = "";
  const child = spawn(metricsRelayBinary(), ["-listen", `127.0.0.1:${port}`, "-admin", admin, ...flags], {
    env: { PATH: process.env.PATH, LIBSQL_ADMIN_AUTH_KEY: KEY, FLY_PROCESS_GROUP: "primary", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  relays.push(child);
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    if (await fetch(`${url}/`).then(() => true, () => false)) return { url, logs: () => output };
  }
  throw new Error(`relay did not start: ${output}`);
}

/** Scrapes until `pattern` shows (sqld sets some gauges, e.g. storage, from a periodic task). */
async function scrapeUntil(url: string, pattern: RegExp, timeoutMs = 30_000): Promise<{ response: Response; text: string }> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 250))) {
    const response = await fetch(url);
    const text = await response.text();
    if (pattern.test(text) || Date.now() > deadline) return { response, text };
  }
}

const sampleNames = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]!);

describe("metrics relay in front of real sqld", () => {
  it("passes sqld's libsql_server_* series with a process_group label, once per family, and never the key", async () => {
    const relay = await startRelay();
    const { response, text } = await scrapeUntil(`${relay.url}/metrics`, /^libsql_server_storage\{/m);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(text).toMatch(/^libsql_server_current_frame_no\{process_group="primary",namespace="acme"\} \d+$/m);
    expect(text).toMatch(/^libsql_server_storage\{process_group="primary",namespace="acme"\} \d+$/m);
    expect(text).toMatch(/^libsql_server_rows_written\{process_group="primary",namespace="acme"\} \d+$/m);
    const names = sampleNames(text);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !/^(libsql_server_|tokio_runtime_|bottomless_)/.test(n))).toEqual([]);
    expect(text.split("\n").filter((l) => l && !l.startsWith("#") && !l.includes('process_group="primary"'))).toEqual([]);
    // sqld itself writes `# TYPE libsql_server_count` twice (counter, then gauge): a strict parser drops the scrape.
    const direct = await (await admin_("GET", "/metrics")).text();
    expect(direct.match(/^# TYPE libsql_server_count /gm)?.length).toBe(2);
    const types = text.match(/^# TYPE \S+/gm) ?? [];
    expect(types.length).toBe(new Set(types).size);
    expect(types).toContain("# TYPE libsql_server_count");
    const headers: string[] = [];
    response.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
    expect(headers.join("\n") + text + relay.logs()).not.toContain(KEY);
  });

  it("answers GET /metrics only: other paths 404, other methods 405, and no admin operation reaches sqld", async () => {
    const relay = await startRelay();
    for (const path of ["/", "/metrics/", "/v1/namespaces/acme/stats", "/v1/namespaces/acme/config", "/v1/diagnostics", "/METRICS", "/%2Fmetrics"]) {
      const response = await fetch(`${relay.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(await response.text()).not.toContain("libsql_server");
    }
    for (const method of ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) {
      const response = await fetch(`${relay.url}/metrics`, { method });
      expect({ method, status: response.status, allow: response.headers.get("allow") }).toEqual({ method, status: 405, allow: "GET" });
    }
    // The admin API's own operations, sent to the relay: nothing is created, deleted or reconfigured.
    expect((await fetch(`${relay.url}/v1/namespaces/evil/create`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404);
    expect((await fetch(`${relay.url}/v1/namespaces/acme`, { method: "DELETE" })).status).toBe(404);
    expect((await admin_("GET", "/v1/namespaces/evil/config")).status).toBe(404);
    expect((await admin_("GET", "/v1/namespaces/acme/config")).status).toBe(200);
    // A caller's own Authorization header and query are not forwarded: the answer is the same fixed scrape.
    const withHeaders = await fetch(`${relay.url}/metrics?name=x`, { headers: { authorization: "basic wrong" } });
    expect(withHeaders.status).toBe(200);
  });

  it("a wrong key is a 502 naming the cause, fast, without the key", async () => {
    const relay = await startRelay([], { LIBSQL_ADMIN_AUTH_KEY: `${KEY}-old` });
    const started = Date.now();
    const response = await fetch(`${relay.url}/metrics`);
    const body = await response.text();
    expect(response.status).toBe(502);
    expect(body).toMatch(/refused the key \(401\): LIBSQL_ADMIN_AUTH_KEY/);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(body + relay.logs()).not.toContain(KEY);
  });

  it("sqld down is a 502 at once; sqld stuck is a 504 at the deadline, not a hang; a second scrape meanwhile is a 503", async () => {
    const down = await startRelay([], {}, `127.0.0.1:${await freePort()}`);
    const refused = await fetch(`${down.url}/metrics`);
    expect(refused.status).toBe(502);
    expect(await refused.text()).toMatch(/is unreachable: .*connection refused/);

    const stuck = await startRelay(["-timeout", "1s"], {}, hangingAddr);
    const started = Date.now();
    const first = fetch(`${stuck.url}/metrics`);
    await new Promise((r) => setTimeout(r, 200));
    const second = await fetch(`${stuck.url}/metrics`);
    expect(second.status).toBe(503);
    const timedOut = await first;
    expect(timedOut.status).toBe(504);
    expect(await timedOut.text()).toMatch(/did not answer within 1s/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await fetch(`${stuck.url}/metrics`)).status).toBe(504); // the slot was given back
  });

  it("an answer over -max-body-bytes is a 502, not passed on in part", async () => {
    const direct = await (await admin_("GET", "/metrics")).text();
    const relay = await startRelay(["-max-body-bytes", String(Math.floor(direct.length / 2))]);
    const response = await fetch(`${relay.url}/metrics`);
    const body = await response.text();
    expect(response.status).toBe(502);
    expect(body).toMatch(/exceed \d+ bytes/);
    expect(body).not.toContain("libsql_server_");
  });

  it("refuses to start on an IPv6 or name listen address, a non-loopback admin address, or without a key", () => {
    const run = (args: string[], env: Record<string, string> = { LIBSQL_ADMIN_AUTH_KEY: KEY }) =>
      spawnSync(metricsRelayBinary(), args, { env: { PATH: process.env.PATH, ...env }, encoding: "utf8", timeout: 10_000 });
    const cases: [string[], Record<string, string> | undefined, RegExp][] = [
      [["-listen", "[::]:9091", "-admin", adminAddr], undefined, /-listen: .*must be an IPv4 literal/],
      [["-listen", "localhost:9091", "-admin", adminAddr], undefined, /-listen: .*must be an IPv4 literal/],
      [["-listen", "127.0.0.1:0", "-admin", "10.0.0.5:9090"], undefined, /-admin: .*only a loopback or wildcard/],
      [["-listen", "127.0.0.1:0", "-admin", "sqld.internal:9090"], undefined, /-admin: .*IP literal/],
      [["-listen", "127.0.0.1:0", "-admin", adminAddr], {}, /LIBSQL_ADMIN_AUTH_KEY is empty/],
    ];
    for (const [args, env, message] of cases) {
      const result = run(args, env);
      expect({ args, status: result.status }).toEqual({ args, status: 64 });
      expect(result.stderr).toMatch(message);
    }
  });

  it("its own Go tests pass: inputs sqld does not send today (SQL-text labels, foreign families, malformed lines), address checks", () => {
    const result = spawnSync("go", ["test", "-count=1", "./..."], {
      cwd: METRICS_RELAY_SOURCE_DIR,
      env: { ...process.env, GOPROXY: "off", GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok\s+github\.com\/libsql-stack\/sqld-metrics-relay/m);
  });
});
