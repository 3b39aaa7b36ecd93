// Tokens minted by the Worker (in workerd) are accepted by real sqld (dev stack's fly.toml) for their tenant only.
import { createClient, LibsqlError } from "@libsql/client";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeRaw, namespaceClient } from "../../local/sqld/tenant-client";
import { startGateway, type GatewayHarness } from "../../local/gateway-harness";

let gw: GatewayHarness;

beforeAll(async () => {
  gw = await startGateway({ tenants: ["tenant-a", "tenant-b"] });
});
afterAll(() => gw?.close());

async function mint(tenant: string, body: Record<string, unknown>) {
  const reply = await gw.call("POST", `/v1/tenants/${tenant}/token`, { body });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as { token: string; expiresAt: string; url: string; namespaceHeader?: Record<string, string>; note?: string };
}

/** The HTTP status sqld answered with, from the client's error. */
function upstreamStatus(error: unknown): number | undefined {
  return error instanceof LibsqlError ? (error.cause as { status?: number } | undefined)?.status : undefined;
}

describe("gateway: GET /health", () => {
  it("answers 200 {ok:true} without an API key", async () => {
    const reply = await gw.call("GET", "/health", { apiKey: null });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ ok: true });
  });
});

describe("gateway: POST /v1/tenants/:tenant/token", () => {
  it("mints an EdDSA JWT scoped to the tenant with exp and without aud", async () => {
    const { token, expiresAt } = await mint("tenant-a", { access: "rw" });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", typ: "JWT" });
    const { payload } = await jwtVerify(token, await importSPKI(gw.keys.publicKeyPem, "EdDSA"));
    expect(payload.p).toEqual({ rw: { ns: ["tenant-a"] } });
    expect(payload.aud).toBeUndefined();
    expect(payload.id).toBeUndefined();
    expect(payload.exp! - payload.iat!).toBe(3600); // default ttl
    expect(new Date(expiresAt).getTime()).toBe(payload.exp! * 1000);
  });

  it("honours ttlSeconds", async () => {
    const { token } = await mint("tenant-a", { access: "ro", ttlSeconds: 120 });
    const { payload } = await jwtVerify(token, await importSPKI(gw.keys.publicKeyPem, "EdDSA"));
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(payload.p).toEqual({ ro: { ns: ["tenant-a"] } });
  });

  it("round-trips: sqld accepts an rw token for its tenant (reads and writes)", async () => {
    const { token } = await mint("tenant-a", { access: "rw" });
    const db = namespaceClient(gw.dbUrl, "tenant-a", token);
    await db.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
    await db.execute({ sql: "INSERT INTO notes(body) VALUES (?)", args: ["hello"] });
    expect((await db.execute("SELECT body FROM notes")).rows[0]!.body).toBe("hello");
    db.close();
  });

  it("an ro token reads but cannot write (sqld: 403 Authorization forbidden)", async () => {
    const { token } = await mint("tenant-a", { access: "ro" });
    const db = namespaceClient(gw.dbUrl, "tenant-a", token);
    expect((await db.execute("SELECT count(*) AS n FROM notes")).rows[0]!.n).toBe(1);
    const error = await db.execute("INSERT INTO notes(body) VALUES ('nope')").catch((e: unknown) => e);
    expect(upstreamStatus(error)).toBe(403);
    expect((await db.execute("SELECT count(*) AS n FROM notes")).rows[0]!.n).toBe(1);
    db.close();
  });

  it("isolates tenants: tenant-a's token cannot read tenant-b (sqld: 404, as if it did not exist)", async () => {
    const { token } = await mint("tenant-a", { access: "rw" });
    const db = namespaceClient(gw.dbUrl, "tenant-b", token);
    const error = await db.execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlError);
    expect(upstreamStatus(error)).toBe(404);
    db.close();
  });

  it("without TENANT_URL_TEMPLATE, says where the token works: DB_URL plus the x-namespace-bin header to send", async () => {
    const reply = await mint("tenant-a", { access: "rw" });
    expect(Object.keys(reply).sort()).toEqual(["expiresAt", "namespaceHeader", "note", "token", "url"]);
    expect(reply.url).toBe(gw.dbUrl);
    // sqld reads the header as base64 without padding (libsql-server try_namespace_from_metadata).
    expect(reply.namespaceHeader).toEqual({ "x-namespace-bin": Buffer.from("tenant-a").toString("base64").replace(/=+$/, "") });
    expect(reply.note).toMatch(/namespaceHeader.*sqld\.tenantDomain/);
  });

  it("the returned url + headers + token work as given with a stock @libsql/client; without the header sqld picks another namespace", async () => {
    const reply = await mint("tenant-a", { access: "ro" });
    const withHeaders = (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      for (const [name, value] of Object.entries(reply.namespaceHeader!)) request.headers.set(name, value);
      return fetch(request);
    };
    const db = createClient({ url: reply.url, authToken: reply.token, fetch: withHeaders });
    expect((await db.execute("SELECT body FROM notes")).rows.map((r) => r.body)).toEqual(["hello"]);
    db.close();
    // The host of DB_URL (127.0.0.1) names no tenant: sqld takes its first label, "127".
    const bare = createClient({ url: reply.url, authToken: reply.token });
    const error = await bare.execute("SELECT 1").catch((e: unknown) => e);
    expect(upstreamStatus(error)).toBe(404);
    expect((error as Error).message).toBe("SERVER_ERROR: Server returned HTTP status 404"); // what the user sees
    bare.close();
    const raw = await executeRaw(reply.url, "SELECT 1", { token: reply.token });
    expect([raw.status, raw.text]).toEqual([404, expect.stringContaining("Namespace `127` doesn't exist")]);
  });

  it("reports how many tokens it signed in x-gateway-signatures", async () => {
    const before = await gw.call("POST", "/v1/tenants/tenant-b/token", { body: { access: "ro" } });
    const after = await gw.call("POST", "/v1/tenants/tenant-b/token", { body: { access: "ro" } });
    expect(Number(after.headers.get("x-gateway-signatures")) - Number(before.headers.get("x-gateway-signatures"))).toBe(1);
  });
});
