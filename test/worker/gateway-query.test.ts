// POST /v1/tenants/:tenant/query end to end: Worker in workerd → real sqld. Queries, isolation and read mode run in
// both modes (self-hosted: the dev stack's sqld, a namespace per tenant; managed: the Turso double, a real sqld per
// tenant's database). Self-hosted only: the per-tenant token cache and the sqld bindings' failures (a managed Worker
// signs nothing and holds its databases' tokens: test/worker/gateway-managed.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../local/sqld/process";
import { generateTestKeys } from "../../local/sqld/cluster";
import { API_KEY, callWorker, startGateway, startWorker, type GatewayHarness } from "../../local/gateway-harness";
import { GATEWAY_MODES, startTenantGateway, type TenantGateway } from "../support/worker/tenant-gateway";

const rowsOf = (reply: { json: Record<string, unknown> }, index = 0) => (reply.json.results as { rows: unknown[][] }[])[index]!.rows;

describe.each(GATEWAY_MODES)("%s", (mode) => {
  let gw: TenantGateway;

  beforeAll(async () => {
    gw = await startTenantGateway(mode, { tenants: ["shop", "other"] });
  });
  afterAll(() => gw?.close());

  const query = (tenant: string, body: unknown) => gw.call("POST", `/v1/tenants/${tenant}/query`, { body });

  describe("gateway: queries", () => {
    it("runs statements in one batch and returns columns, rows, rowsAffected, lastInsertRowid", async () => {
      const reply = await query("shop", {
        statements: [
          { sql: "CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT, price REAL)" },
          { sql: "INSERT INTO products(name, price) VALUES (?, ?)", args: ["apple", 1.25] },
          { sql: "INSERT INTO products(name, price) VALUES (:name, :price)", args: { name: "pear", price: 2 } },
          { sql: "SELECT id, name, price FROM products ORDER BY id" },
        ],
        mode: "write",
      });
      expect(reply.status, JSON.stringify(reply.json)).toBe(200);
      const results = reply.json.results as Record<string, unknown>[];
      expect(results).toHaveLength(4);
      expect(results[1]).toMatchObject({ rowsAffected: 1, lastInsertRowid: 1 });
      expect(results[2]).toMatchObject({ rowsAffected: 1, lastInsertRowid: 2 });
      expect(results[3]).toEqual({
        columns: ["id", "name", "price"],
        rows: [
          [1, "apple", 1.25],
          [2, "pear", 2],
        ],
        rowsAffected: 0,
        lastInsertRowid: null,
      });
    });

    it("renders blobs as base64 and integers beyond 2^53 as strings", async () => {
      const reply = await query("shop", { statements: [{ sql: "SELECT x'0102ff' AS b, 9007199254740993 AS big" }] });
      expect(rowsOf(reply)).toEqual([[{ base64: "AQL/" }, "9007199254740993"]]);
    });

    it("keeps tenants apart: another tenant does not see the table", async () => {
      const reply = await query("other", { statements: [{ sql: "SELECT * FROM products" }] });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toContain("no such table: products");
    });

    it("surfaces SQL errors as 400 with the database's message and code", async () => {
      const reply = await query("shop", { statements: [{ sql: "SELEC nonsense" }] });
      expect(reply.status).toBe(400);
      // sqld's own parser message (the old double imitated SQLite's `near "SELEC"` text, which sqld never sends).
      expect(reply.json).toEqual({ error: "SQL_PARSE_ERROR: SQL string could not be parsed: syntax error around L1:6: `SELEC`", code: "SQL_PARSE_ERROR" });
    });

    it("is atomic: a failing statement rolls back the batch and names its index", async () => {
      const reply = await query("shop", {
        statements: [{ sql: "INSERT INTO products(id, name) VALUES (10, 'x')" }, { sql: "INSERT INTO products(id, name) VALUES (1, 'dup')" }],
      });
      expect(reply.status).toBe(400);
      expect(reply.json.error).toMatch(/^statement 1: .*UNIQUE constraint failed: products.id/);
      const check = await query("shop", { statements: [{ sql: "SELECT count(*) FROM products WHERE id = 10" }] });
      expect(rowsOf(check)).toEqual([[0]]);
    });
  });

  describe("gateway: mode read cannot write (finding 2)", () => {
    it("reads in read mode", async () => {
      const reply = await query("shop", { statements: [{ sql: "SELECT count(*) FROM products" }], mode: "read" });
      expect(reply.status, JSON.stringify(reply.json)).toBe(200);
      expect(rowsOf(reply)).toEqual([[2]]);
    });

    it.each(["DELETE FROM products", "INSERT INTO products(name) VALUES ('x')", "DROP TABLE products", "CREATE TABLE sneaky(x)"])(
      "refuses %j in read mode with 403 READ_ONLY (sqld's primary answered 403), and nothing changes",
      async (sql) => {
        const reply = await query("shop", { statements: [{ sql }], mode: "read" });
        expect(reply.status).toBe(403);
        expect(reply.json).toEqual({ error: expect.stringMatching(/^mode "read" is read-only/), code: "READ_ONLY" });
        const check = await query("shop", { statements: [{ sql: "SELECT count(*) FROM products" }, { sql: "SELECT count(*) FROM sqlite_master WHERE name = 'sneaky'" }] });
        expect(rowsOf(check, 0)).toEqual([[2]]);
        expect(rowsOf(check, 1)).toEqual([[0]]);
      },
    );

    it("the same write goes through in write and deferred mode", async () => {
      for (const mode of ["write", "deferred"]) {
        const reply = await query("other", { statements: [{ sql: "CREATE TABLE IF NOT EXISTS t(x)" }, { sql: "INSERT INTO t VALUES (1)" }], mode });
        expect(reply.status, JSON.stringify(reply.json)).toBe(200);
      }
    });
  });

  it("the API key is the gateway's, not sqld's: a wrong one never reaches the database", async () => {
    const reply = await gw.call("POST", "/v1/tenants/shop/query", { body: { statements: [{ sql: "SELECT 1" }] }, apiKey: `${API_KEY}x` });
    expect(reply.status).toBe(401);
  });
});

describe("self-hosted only", () => {
  let gw: GatewayHarness;

  beforeAll(async () => {
    gw = await startGateway({ tenants: ["shop", "cache"] });
  });
  afterAll(() => gw?.close());

  const query = (tenant: string, body: unknown) => gw.call("POST", `/v1/tenants/${tenant}/query`, { body });

  describe("gateway: token cache (keyed by tenant and access)", () => {
    it("signs once per tenant and access level for 100 queries", async () => {
      const signatures = (reply: { headers: Headers }) => Number(reply.headers.get("x-gateway-signatures"));
      const first = await query("cache", { statements: [{ sql: "SELECT 1" }], mode: "write" });
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      const before = signatures(first);
      let last = first;
      for (let i = 0; i < 99; i++) {
        last = await query("cache", { statements: [{ sql: "SELECT ?", args: [i] }], mode: i % 2 ? "read" : "deferred" });
        expect(last.status).toBe(200);
      }
      // One more signature: the read-mode (ro) token; the rw token from the first query served every other one.
      expect(signatures(last) - before).toBe(1);
    });
  });

  describe("gateway: database failures are 5xx, not the caller's fault", () => {
    it("502 when nothing listens at DB_URL", async () => {
      const mf = await startWorker({ ...gw.bindings, DB_URL: `http://127.0.0.1:${await freePort()}` });
      try {
        const reply = await callWorker(mf, "POST", "/v1/tenants/shop/query", { body: { statements: [{ sql: "SELECT 1" }] } });
        expect(reply.status).toBe(502);
        expect(reply.json).toEqual({ error: "database unreachable", code: "DB_UNREACHABLE" });
        expect(JSON.stringify(reply.json)).not.toMatch(/\n\s+at /); // no stack trace
      } finally {
        await mf.dispose();
      }
    });

    it("502 when sqld does not trust the gateway's key (sqld: 401 The JWT is invalid)", async () => {
      const mf = await startWorker({ ...gw.bindings, JWT_PRIVATE_KEY: generateTestKeys().privateKeyPem });
      try {
        const reply = await callWorker(mf, "POST", "/v1/tenants/shop/query", { body: { statements: [{ sql: "SELECT 1" }] } });
        expect(reply.status).toBe(502);
        // sqld's own text ("Unauthorized: `The JWT is invalid`") goes to the Worker's log only (gateway-db-errors.test.ts).
        expect(reply.json).toEqual({ error: "database rejected the gateway's credentials", code: "DB_AUTH_REJECTED" });
      } finally {
        await mf.dispose();
      }
    });
  });
});
