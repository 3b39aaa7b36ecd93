// Tokens minted by the Worker (in workerd) must be accepted by sqld's rules and scoped to one tenant.
import { createClient, LibsqlError } from "@libsql/client/http";
import { decodeProtectedHeader, importSPKI, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithNamespace } from "../../worker/db";
import { startGateway, type GatewayHarness } from "./helpers/gateway-harness";

let gw: GatewayHarness;

beforeAll(async () => {
  gw = await startGateway({ double: { namespaces: ["tenant-a", "tenant-b"] } });
});
afterAll(() => gw?.close());

async function mint(tenant: string, body: Record<string, unknown>) {
  const reply = await gw.call("POST", `/v1/tenants/${tenant}/token`, { body });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as { token: string; expiresAt: string };
}

/** A client that talks to the double as a tenant's app would, with the minted token. */
function tenantClient(token: string, namespace: string) {
  return createClient({
    url: gw.double.url,
    authToken: token,
    fetch: fetchWithNamespace(namespace),
  });
}

/** The HTTP status the database answered with, from the client's error. */
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

  it("round-trips: the double accepts an rw token for its tenant (reads and writes)", async () => {
    const { token } = await mint("tenant-a", { access: "rw" });
    const db = tenantClient(token, "tenant-a");
    await db.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)");
    await db.execute({ sql: "INSERT INTO notes(body) VALUES (?)", args: ["hello"] });
    expect((await db.execute("SELECT body FROM notes")).rows[0]!.body).toBe("hello");
    expect(gw.double.stats.lastClaims?.p).toEqual({ rw: { ns: ["tenant-a"] } });
    db.close();
  });

  it("an ro token reads but cannot write (sqld refuses with 401)", async () => {
    const { token } = await mint("tenant-a", { access: "ro" });
    const db = tenantClient(token, "tenant-a");
    expect((await db.execute("SELECT count(*) AS n FROM notes")).rows[0]!.n).toBe(1);
    const error = await db.execute("INSERT INTO notes(body) VALUES ('nope')").catch((e: unknown) => e);
    expect(upstreamStatus(error)).toBe(401);
    db.close();
  });

  it("isolates tenants: tenant-a's token cannot read tenant-b (404, as if it did not exist)", async () => {
    const { token } = await mint("tenant-a", { access: "rw" });
    const error = await tenantClient(token, "tenant-b").execute("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LibsqlError);
    expect(upstreamStatus(error)).toBe(404);
  });

  it("reports how many tokens it signed in x-gateway-signatures", async () => {
    const reply = await gw.call("POST", "/v1/tenants/tenant-b/token", { body: { access: "ro" } });
    expect(Number(reply.headers.get("x-gateway-signatures"))).toBeGreaterThan(0);
  });
});
