// What callers see when the database fails: server/protocol-level failures get a fixed message and a stable code
// (the raw text goes to the Worker's log only); the tenant's own statement errors stay useful but never show a
// file path. Worker in workerd (miniflare) → real sqld (dev stack's fly.toml). The statement errors run in both modes
// (managed: the Turso double's databases, each a real sqld); the server failures here are self-hosted ones (sqld's key,
// admin API, namespace config).
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestKeys } from "../../local/sqld/cluster";
import { freePort } from "../../local/sqld/process";
import { callWorker, startGateway, startWorker, type GatewayHarness, type GatewayReply, type TestBindings } from "../../local/gateway-harness";
import { GATEWAY_MODES, startTenantGateway, type TenantGateway } from "../support/worker/tenant-gateway";

let gw: GatewayHarness;
beforeAll(async () => {
  gw = await startGateway({ tenants: ["shop", "held", "gone"], otherNamespaces: ["secret-ns"] });
});
afterAll(() => gw?.close());

const select1 = { statements: [{ sql: "SELECT 1" }] };
const query = (tenant: string, body: unknown) => gw.call("POST", `/v1/tenants/${tenant}/query`, { body });

/** A variant of the Worker, with what it writes to its log. */
async function variant(change: Partial<TestBindings>) {
  const log: string[] = [];
  const collect = (stream: Readable) => stream.on("data", (chunk: Buffer) => log.push(chunk.toString("utf8")));
  const mf = await startWorker({ ...gw.bindings, ...change }, { handleRuntimeStdio: (out: Readable, err: Readable) => (collect(out), collect(err)) });
  return { mf, log: () => log.join("") };
}

/** Nothing of sqld's own wording, no path, no address, no other namespace in what the caller gets. */
function expectNothingInternal(reply: GatewayReply) {
  const text = JSON.stringify(reply.json);
  expect(text).not.toMatch(/\/(tmp|var|dbs|etc|nonexistent)\b|127\.0\.0\.1|secret-ns|JWT|Unauthorized|primary|sqld|namespace|\n\s+at /i);
}

describe("server and protocol failures: fixed message, stable code, raw text only in the log", () => {
  it("sqld refuses the gateway's token (401 The JWT is invalid) → 502 DB_AUTH_REJECTED", async () => {
    const { mf, log } = await variant({ JWT_PRIVATE_KEY: generateTestKeys().privateKeyPem });
    try {
      const reply = await callWorker(mf, "POST", "/v1/tenants/shop/query", { body: select1 });
      expect(reply.status).toBe(502);
      expect(reply.json).toEqual({ error: "database rejected the gateway's credentials", code: "DB_AUTH_REJECTED" });
      await expect.poll(log, { timeout: 5000 }).toMatch(/DB_AUTH_REJECTED: HTTP 401: .*The JWT is invalid/);
    } finally {
      await mf.dispose();
    }
  });

  it("a tenant whose namespace is gone answers exactly like a name outside TENANTS (404 TENANT_NOT_FOUND)", async () => {
    expect((await gw.cluster.admin(gw.cluster.primary, "DELETE", "/v1/namespaces/gone")).status).toBe(200);
    const gone = await query("gone", select1);
    const stranger = await query("secret-ns", select1);
    expect(gone.status).toBe(404);
    expect(gone.json).toEqual({ error: 'tenant "gone" not found', code: "TENANT_NOT_FOUND" });
    expect(stranger.json).toEqual({ error: 'tenant "secret-ns" not found', code: "TENANT_NOT_FOUND" });
  });

  it("a namespace blocked by the operator (statement error BLOCKED with the operator's reason) → 502, reason not shown", async () => {
    const admin = (method: string, body?: unknown) => gw.cluster.admin(gw.cluster.primary, method, "/v1/namespaces/held/config", body);
    const current = JSON.parse((await admin("GET")).text) as Record<string, unknown>;
    const reason = "restore in progress from /var/lib/sqld/backup of secret-ns";
    const posted = await admin("POST", { ...current, block_reads: true, block_writes: true, block_reason: reason });
    expect(posted.status, posted.text).toBe(200);
    const { mf, log } = await variant({});
    try {
      const reply = await callWorker(mf, "POST", "/v1/tenants/held/query", { body: select1 });
      expect(reply.status).toBe(502);
      expect(reply.json).toEqual({ error: expect.stringMatching(/^database failed to run the statement \(BLOCKED\)$/), code: "BLOCKED" });
      expectNothingInternal(reply);
      await expect.poll(log, { timeout: 5000 }).toContain(reason);
    } finally {
      await mf.dispose();
    }
  });

  it("DB_URL at sqld's admin port (answers 401 to Bearer) → 502 DB_AUTH_REJECTED; at a closed port → 502 DB_UNREACHABLE", async () => {
    for (const [url, code] of [
      [gw.cluster.primary.adminUrl, "DB_AUTH_REJECTED"],
      [`http://127.0.0.1:${await freePort()}`, "DB_UNREACHABLE"],
    ] as const) {
      const { mf, log } = await variant({ DB_URL: url });
      try {
        const reply = await callWorker(mf, "POST", "/v1/tenants/shop/query", { body: select1 });
        expect(reply.status, JSON.stringify(reply.json)).toBe(502);
        expect(reply.json.code).toBe(code);
        expectNothingInternal(reply);
        await expect.poll(log, { timeout: 5000 }).toContain(code);
      } finally {
        await mf.dispose();
      }
    }
  });
});

describe.each(GATEWAY_MODES)("%s", (mode) => {
  let tenants: TenantGateway;
  beforeAll(async () => {
    tenants = await startTenantGateway(mode, { tenants: ["shop"], others: ["secret-ns"] });
  });
  afterAll(() => tenants?.close());
  const query = (tenant: string, body: unknown) => tenants.call("POST", `/v1/tenants/${tenant}/query`, { body });

  describe("the tenant's own statement errors stay useful", () => {
    it("keeps SQLite's message about the tenant's SQL, with its code and statement index", async () => {
      const reply = await query("shop", { statements: [{ sql: "SELECT 1" }, { sql: "SELECT * FROM nope" }] });
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ error: "statement 1: SQLITE_UNKNOWN: SQLite error: no such table: nope", code: "SQLITE_UNKNOWN" });
    });

    it("fsdir is gone from the hardened sqld: the error names neither the path nor anything of the server", async () => {
      const reply = await query("shop", { statements: [{ sql: "SELECT * FROM fsdir('/nonexistent/dbs/secret-ns')" }] });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toMatch(/no such table: fsdir$/);
      expect(JSON.stringify(reply.json)).not.toContain("secret-ns");
    });

    it("replaces paths quoted back by sqld's parser too, and leaves division alone", async () => {
      const attach = await query("shop", { statements: [{ sql: "ATTACH DATABASE '/var/lib/sqld/dbs/secret-ns/data' AS s" }] });
      expect(attach.status).toBe(400);
      expect(attach.json.error).toBe("SQL_PARSE_ERROR: SQL string could not be parsed: unsupported statement: ATTACH DATABASE '[path]' AS s");
      const division = await query("shop", { statements: [{ sql: "SELECT 1/x FROM nope" }] });
      expect(division.json.error).toMatch(/no such table: nope$/);
    });
  });
});
