// Every caller mistake gets a 4xx JSON {error} with a useful message — never a 500. Worker in workerd → real sqld, in
// both modes (self-hosted: a namespace per tenant; managed: the Turso double's databases). Self-hosted only: the
// 63-character tenant (a managed stack refuses it at plan time: `<turso.database>-<tenant>` must fit Turso's 64-character
// database name, test/config/turso-databases.test.ts) and the self-hosted bindings' deployment mistakes (managed ones:
// test/worker/gateway-managed.test.ts, test/worker/gateway-auth-first.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, callWorker, startGateway, startWorker, type CallOptions, type GatewayHarness, type TestBindings } from "../../local/gateway-harness";
import { GATEWAY_MODES, startTenantGateway, type TenantGateway } from "../support/worker/tenant-gateway";

const okQuery = { statements: [{ sql: "SELECT 1" }] };

describe.each(GATEWAY_MODES)("%s", (mode) => {
  let gw: TenantGateway;

  beforeAll(async () => {
    gw = await startTenantGateway(mode, { tenants: ["t1"] });
  });
  afterAll(() => gw?.close());

  async function expectError(method: string, path: string, options: CallOptions, status: number, message: RegExp) {
    const reply = await gw.call(method, path, options);
    expect(reply.status, JSON.stringify(reply.json)).toBe(status);
    expect(reply.json.error).toEqual(expect.stringMatching(message));
    return reply;
  }


  describe("gateway: authentication", () => {
    it.each([
      ["token", { access: "ro" }],
      ["query", okQuery],
    ])("401 on /%s without an API key", async (route, body) => {
      const reply = await expectError("POST", `/v1/tenants/t1/${route}`, { body, apiKey: null }, 401, /missing API key/);
      expect(reply.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });

    it("401 with a wrong API key (also one that is a prefix of the real one)", async () => {
      await expectError("POST", "/v1/tenants/t1/query", { body: okQuery, apiKey: "wrong" }, 401, /invalid API key/);
      await expectError("POST", "/v1/tenants/t1/query", { body: okQuery, apiKey: API_KEY.slice(0, -1) }, 401, /invalid API key/);
    });

    it("401 for a non-Bearer scheme", async () => {
      const headers = { authorization: `Basic ${API_KEY}` };
      await expectError("POST", "/v1/tenants/t1/query", { body: okQuery, apiKey: null, headers }, 401, /missing API key/);
    });
  });

  describe("gateway: routing", () => {
    it("404 for an unknown route", async () => {
      await expectError("GET", "/v1/nothing", {}, 404, /no route for GET \/v1\/nothing/);
      await expectError("POST", "/v1/tenants/t1/query/", { body: okQuery }, 404, /no route/);
    });

    it("405 with Allow for a wrong method", async () => {
      const reply = await expectError("GET", "/v1/tenants/t1/query", {}, 405, /method GET not allowed.*use POST/);
      expect(reply.headers.get("allow")).toBe("POST");
      await expectError("POST", "/health", { body: {} }, 405, /use GET/);
    });
  });

  describe("gateway: tenant names", () => {
    it.each(["Upper", "-leading-dash", "under_score", "a".repeat(64), "d%C3%A9j%C3%A0", "a.b", ""])(
      "400 for tenant %j",
      async (tenant) => {
        await expectError("POST", `/v1/tenants/${tenant}/query`, { body: okQuery }, 400, /invalid tenant name/);
      },
    );
  });

  describe("gateway: request bodies", () => {
    const path = "/v1/tenants/t1/query";

    it("400 for malformed JSON, an empty body and a non-object body", async () => {
      await expectError("POST", path, { rawBody: "{statements:" }, 400, /malformed JSON body/);
      await expectError("POST", path, { rawBody: "" }, 400, /request body is empty/);
      await expectError("POST", path, { body: [okQuery] }, 400, /invalid request body/);
    });

    it("415 for a non-JSON content type", async () => {
      await expectError("POST", path, { rawBody: "x", headers: { "content-type": "text/plain" } }, 415, /application\/json/);
    });

    it("400 for unknown fields, at the top level and inside a statement", async () => {
      await expectError("POST", path, { body: { ...okQuery, extra: 1 } }, 400, /Unrecognized key.*extra/);
      await expectError("POST", path, { body: { statements: [{ sql: "SELECT 1", params: [] }] } }, 400, /statements\.0.*params/);
    });

    it("400 for missing, empty or too many statements", async () => {
      await expectError("POST", path, { body: {} }, 400, /statements/);
      await expectError("POST", path, { body: { statements: [] } }, 400, /statements must not be empty/);
      const many = Array.from({ length: 21 }, () => ({ sql: "SELECT 1" }));
      await expectError("POST", path, { body: { statements: many } }, 400, /at most 20 statements/);
    });

    it("400 for a statement over 10 000 characters or bad args", async () => {
      const long = `SELECT '${"x".repeat(10_000)}'`;
      await expectError("POST", path, { body: { statements: [{ sql: long }] } }, 400, /at most 10000 characters/);
      await expectError("POST", path, { body: { statements: [{ sql: "SELECT ?", args: [{ nested: 1 }] }] } }, 400, /args/);
      await expectError("POST", path, { body: { ...okQuery, mode: "exclusive" } }, 400, /mode/);
    });

    it("413 for a body over 64 KiB, even when each statement is within limits", async () => {
      const statements = Array.from({ length: 20 }, () => ({ sql: `SELECT '${"y".repeat(3_500)}'` }));
      await expectError("POST", path, { body: { statements } }, 413, /exceeds 65536 bytes/);
    });

    it("400 for a bad token request: access, ttl bounds, ttl type, unknown field", async () => {
      const token = "/v1/tenants/t1/token";
      await expectError("POST", token, { body: {} }, 400, /access/);
      await expectError("POST", token, { body: { access: "admin" } }, 400, /access/);
      await expectError("POST", token, { body: { access: "ro", ttlSeconds: 59 } }, 400, /ttlSeconds/);
      await expectError("POST", token, { body: { access: "ro", ttlSeconds: 86_401 } }, 400, /ttlSeconds/);
      await expectError("POST", token, { body: { access: "ro", ttlSeconds: 1.5 } }, 400, /ttlSeconds/);
      await expectError("POST", token, { body: { access: "ro", ttlSeconds: "60" } }, 400, /ttlSeconds/);
      await expectError("POST", token, { body: { access: "ro", aud: "x" } }, 400, /Unrecognized key/);
    });

    it("400 with the database's message for a SQL error, 4xx for every case above", async () => {
      const reply = await expectError("POST", path, { body: { statements: [{ sql: "SELECT * FROM nope" }] } }, 400, /no such table: nope/);
      expect(reply.json.code).toBe("SQLITE_UNKNOWN"); // sqld 0.24.32's code for a prepare error
    });
  });
});

describe("self-hosted only", () => {
  let gw: GatewayHarness;

  beforeAll(async () => {
    gw = await startGateway({ tenants: ["t1", "a".repeat(63)] });
  });
  afterAll(() => gw?.close());

  it("accepts a 63-character name (a namespace sqld serves)", async () => {
    const reply = await gw.call("POST", `/v1/tenants/${"a".repeat(63)}/query`, { body: okQuery });
    expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  });

  describe("gateway: deployment mistakes are 500 with a message naming the binding", () => {
    it.each<[string, Partial<TestBindings>, RegExp]>([
      ["missing JWT_PRIVATE_KEY", { JWT_PRIVATE_KEY: undefined }, /JWT_PRIVATE_KEY is not set/],
      ["a JWT_PRIVATE_KEY that is no PEM", { JWT_PRIVATE_KEY: "not a pem" }, /JWT_PRIVATE_KEY is not a PKCS#8/],
      ["a bad DB_MODE", { DB_MODE: "cloud" }, /DB_MODE must be/],
      ["missing TENANTS (never 'allow every namespace')", { TENANTS: undefined }, /binding TENANTS is not set/],
      ["TENANTS as plain text", { TENANTS: "t1" }, /TENANTS must be a json binding holding an array/],
      ["a TENANTS entry that is no tenant name", { TENANTS: ["t1", "Bad_Name"] }, /TENANTS holds "Bad_Name"/],
    ])("%s", async (_, change, message) => {
      const bindings = { ...gw.bindings, ...change } as Record<string, unknown>;
      for (const key of Object.keys(change)) if (bindings[key] === undefined) delete bindings[key];
      const mf = await startWorker(bindings as TestBindings);
      try {
        const reply = await callWorker(mf, "POST", "/v1/tenants/t1/token", { body: { access: "ro" } });
        expect(reply.status).toBe(500);
        expect(reply.json.error).toMatch(message);
      } finally {
        await mf.dispose();
      }
    });
  });
});
