// POST /v1/tenants/:tenant/query end to end: Worker in workerd → sqld double, with a cached per-tenant token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, callWorker, generateEd25519Keys, startGateway, startWorker, type GatewayHarness } from "./helpers/gateway-harness";
import { signTestJwt } from "./helpers/jwt-for-tests";
import { startSqldDouble } from "../doubles/sqld-double";

let gw: GatewayHarness;

beforeAll(async () => {
  gw = await startGateway({ double: { namespaces: ["shop", "other", "cache"] } });
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
    expect(results[3]).toEqual({
      columns: ["id", "name", "price"],
      rows: [
        [1, "apple", 1.25],
        [2, "pear", 2],
      ],
      rowsAffected: 0,
      lastInsertRowid: expect.anything(),
    });
  });

  it("renders blobs as base64 and integers beyond 2^53 as strings", async () => {
    const reply = await query("shop", { statements: [{ sql: "SELECT x'0102ff' AS b, 9007199254740993 AS big" }] });
    expect((reply.json.results as { rows: unknown[][] }[])[0]!.rows).toEqual([[{ base64: "AQL/" }, "9007199254740993"]]);
  });

  it("keeps tenants apart: another tenant does not see the table", async () => {
    const reply = await query("other", { statements: [{ sql: "SELECT * FROM products" }] });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toContain("no such table: products");
  });

  it("surfaces SQL errors as 400 with the database's message and code", async () => {
    const reply = await query("shop", { statements: [{ sql: "SELEC nonsense" }] });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: expect.stringContaining('near "SELEC": syntax error'), code: "SQL_PARSE_ERROR" });
  });

  it("is atomic: a failing statement rolls back the batch and names its index", async () => {
    const reply = await query("shop", {
      statements: [{ sql: "INSERT INTO products(id, name) VALUES (10, 'x')" }, { sql: "INSERT INTO products(id, name) VALUES (1, 'dup')" }],
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/^statement 1: .*UNIQUE constraint failed: products.id/);
    const check = await query("shop", { statements: [{ sql: "SELECT count(*) FROM products WHERE id = 10" }] });
    expect((check.json.results as { rows: unknown[][] }[])[0]!.rows).toEqual([[0]]);
  });

  it("refuses writes in read mode with the database's message", async () => {
    const reply = await query("shop", { statements: [{ sql: "DELETE FROM products" }], mode: "read" });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/readonly|read-only/i);
  });

  it("answers 404 with the database's message for a tenant whose namespace does not exist", async () => {
    const reply = await query("ghost", { statements: [{ sql: "SELECT 1" }] });
    expect(reply.status).toBe(404);
    expect(reply.json.error).toContain("Namespace `ghost` doesn't exist");
  });

  it("signs once for 100 queries to the same tenant (module-scope token cache)", async () => {
    const first = await query("cache", { statements: [{ sql: "SELECT 1" }] });
    expect(first.status).toBe(200);
    const before = Number(first.headers.get("x-gateway-signatures"));
    const verificationsBefore = gw.double.stats.jwtVerifications;
    let last = first;
    for (let i = 0; i < 99; i++) last = await query("cache", { statements: [{ sql: "SELECT ?", args: [i] }] });
    const signaturesFor100 = Number(last.headers.get("x-gateway-signatures")) - before + 1;
    console.log(`[token cache] signatures for 100 queries to one tenant: ${signaturesFor100}`);
    expect(signaturesFor100).toBe(1);
    expect(gw.double.stats.jwtVerifications - verificationsBefore).toBe(99); // the database still checks each one
    expect(gw.double.stats.lastClaims?.p).toEqual({ rw: { ns: ["cache"] } });
  });
});

describe("gateway: database failures are 502, not the caller's fault", () => {
  it("502 when the database is unreachable", async () => {
    const down = await startSqldDouble();
    const url = down.url;
    await down.close();
    const mf = await startWorker({ DB_URL: url, JWT_PRIVATE_KEY: gw.keys.privateKeyPem, GATEWAY_API_KEY: API_KEY });
    try {
      const reply = await callWorker(mf, "POST", "/v1/tenants/t1/query", { body: { statements: [{ sql: "SELECT 1" }] } });
      expect(reply.status).toBe(502);
      expect(reply.json.error).toMatch(/unreachable|database/);
      expect(JSON.stringify(reply.json)).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      await mf.dispose();
    }
  });

  it("502 when the database does not trust the gateway's key", async () => {
    const mf = await startWorker({ DB_URL: gw.double.url, JWT_PRIVATE_KEY: generateEd25519Keys().privateKeyPem, GATEWAY_API_KEY: API_KEY });
    try {
      const reply = await callWorker(mf, "POST", "/v1/tenants/shop/query", { body: { statements: [{ sql: "SELECT 1" }] } });
      expect(reply.status).toBe(502);
      expect(reply.json.error).toContain("rejected the gateway's credentials");
    } finally {
      await mf.dispose();
    }
  });
});

describe("gateway: managed mode (Turso: no namespaces, one DB token)", () => {
  it("uses DB_TOKEN, accepts only the 'default' tenant and does not mint tokens", async () => {
    const dbToken = signTestJwt({}, gw.keys.privateKeyPem); // stands in for a Turso database token
    const mf = await startWorker({ DB_URL: gw.double.url, DB_MODE: "managed", DB_TOKEN: dbToken, GATEWAY_API_KEY: API_KEY });
    try {
      const ok = await callWorker(mf, "POST", "/v1/tenants/default/query", { body: { statements: [{ sql: "SELECT 41 + 1" }] } });
      expect(ok.status, JSON.stringify(ok.json)).toBe(200);
      expect((ok.json.results as { rows: unknown[][] }[])[0]!.rows).toEqual([[42]]);
      const other = await callWorker(mf, "POST", "/v1/tenants/shop/query", { body: { statements: [{ sql: "SELECT 1" }] } });
      expect(other.status).toBe(400);
      expect(other.json.error).toContain('"default"');
      const token = await callWorker(mf, "POST", "/v1/tenants/default/token", { body: { access: "ro" } });
      expect(token.status).toBe(404);
    } finally {
      await mf.dispose();
    }
  });
});
