// Managed mode (Turso): one database per tenant. The real Worker bundle in workerd, against the Turso API double
// whose databases are real sqld processes (one each, TLS, real EdDSA database tokens: local/turso-harness.ts). The
// Worker holds per-database tokens only (TENANT_DATABASES_<n>), the same API and error codes as self-hosted.
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callWorker, startWorker } from "../../local/gateway-harness";
import { executeOnDatabase, startTursoHarness, type TursoHarness } from "../../local/turso-harness";
import type { TenantDatabase } from "../../worker/tenant-databases";
import { managedBindings as bindingsFor } from "../support/worker/tenant-gateway";

const ORG = "myorg";
let turso: TursoHarness;
let mf: Miniflare;
const dbs: Record<string, TenantDatabase> = {};

/** A Hrana statement sent straight to a database with a token (what a client does with the token route's answer). */
const direct = async (url: string, token: string, sql: string) => {
  const reply = await executeOnDatabase(url, token, sql, turso.ca);
  return { status: reply.status, body: reply.text };
};
/** Hrana answers 200 with per-request results: a refused statement is an `error` result. */
const succeeded = (r: { status: number; body: string }) => r.status === 200 && (JSON.parse(r.body) as { results: { type: string }[] }).results[0]!.type === "ok";

beforeAll(async () => {
  turso = await startTursoHarness();
  // `outsider` has a database in the group but is not one of the Worker's tenants.
  for (const tenant of ["acme", "globex", "outsider"]) dbs[tenant] = await turso.createDatabase(ORG, "tenants", `app-${tenant}`);
  mf = await startWorker(bindingsFor(["acme", "globex"], dbs), { outboundService: turso.outboundService });
}, 60_000);
afterAll(async () => {
  await mf?.dispose();
  await turso?.close();
});

const call = (tenant: string, body: unknown, path = "query") => callWorker(mf, "POST", `/v1/tenants/${tenant}/${path}`, { body });
const rows = (reply: { json: Record<string, unknown> }, i: number) => (reply.json.results as { rows: unknown[][] }[])[i]!.rows;

describe("gateway: managed mode, a Turso database per tenant", () => {
  it("each tenant's queries reach its own database: same table name, separate rows", async () => {
    for (const [tenant, value] of [["acme", 1], ["globex", 2]] as const) {
      const reply = await call(tenant, { statements: [{ sql: "CREATE TABLE t(x)" }, { sql: "INSERT INTO t VALUES (?)", args: [value] }, { sql: "SELECT x FROM t" }] });
      expect(reply.status, JSON.stringify(reply.json)).toBe(200);
      expect(rows(reply, 2)).toEqual([[value]]);
    }
    expect(rows(await call("acme", { statements: [{ sql: "SELECT x FROM t" }], mode: "read" }), 0)).toEqual([[1]]);
    expect(rows(await call("globex", { statements: [{ sql: "SELECT x FROM t" }], mode: "read" }), 0)).toEqual([[2]]);
    // Only the two tenants' hosts were contacted, never the outsider's.
    expect(new Set(turso.hosts)).toEqual(new Set([dbs.acme!.url, dbs.globex!.url].map((u) => new URL(u.replace(/^libsql:/, "https:")).host)));
  });

  it("read mode uses the read-only token: reads work, a write is 403 READ_ONLY and changes nothing", async () => {
    const write = await call("acme", { statements: [{ sql: "DELETE FROM t" }], mode: "read" });
    expect(write.status).toBe(403);
    expect(write.json.code).toBe("READ_ONLY");
    expect(rows(await call("acme", { statements: [{ sql: "SELECT count(*) FROM t" }] }), 0)).toEqual([[1]]);
  });

  it("a tenant outside TENANTS is 404 TENANT_NOT_FOUND, as an unknown one, even with a database in the group", async () => {
    for (const tenant of ["outsider", "nobody"]) {
      for (const path of ["query", "token"]) {
        const reply = await call(tenant, path === "query" ? { statements: [{ sql: "SELECT 1" }] } : { access: "ro" }, path);
        expect(reply.status).toBe(404);
        expect(reply.json).toEqual({ error: `tenant "${tenant}" not found`, code: "TENANT_NOT_FOUND" });
      }
    }
  });

  it("SQL errors carry the same codes as self-hosted", async () => {
    // The same request as test/worker/gateway-db-errors.test.ts sends to self-hosted sqld.
    const reply = await call("acme", { statements: [{ sql: "SELECT 1" }, { sql: "SELECT * FROM nope" }] });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: "statement 1: SQLITE_UNKNOWN: SQLite error: no such table: nope", code: "SQLITE_UNKNOWN" });
  });

  it("the token route returns the tenant's own database token and URL; ro cannot write, neither reaches another tenant", async () => {
    const ro = await call("acme", { access: "ro" }, "token");
    const rw = await call("acme", { access: "rw" }, "token");
    expect(ro.status, JSON.stringify(ro.json)).toBe(200);
    expect(ro.json).toEqual({ token: dbs.acme!.ro, expiresAt: null, url: dbs.acme!.url });
    expect(rw.json).toEqual({ token: dbs.acme!.rw, expiresAt: null, url: dbs.acme!.url });
    const [roToken, rwToken] = [ro.json.token as string, rw.json.token as string];
    expect(succeeded(await direct(dbs.acme!.url, roToken, "SELECT x FROM t"))).toBe(true);
    const roWrite = await direct(dbs.acme!.url, roToken, "INSERT INTO t VALUES (9)");
    expect(roWrite.status, roWrite.body).toBe(403);
    expect(roWrite.body).toMatch(/Write permission/);
    // acme's tokens at globex's database: refused (sqld authorizes a token's `id` for its own database only).
    for (const token of [roToken, rwToken]) {
      const other = await direct(dbs.globex!.url, token, "SELECT x FROM t");
      // sqld (one process per database here, as Turso isolates databases) does not serve it: 404 for the token's
      // database id, which is not on globex's server; the point is that nothing of globex's comes back.
      expect([401, 403, 404], other.body).toContain(other.status);
      expect(succeeded(other)).toBe(false);
    }
    expect(rows(await call("globex", { statements: [{ sql: "SELECT x FROM t" }] }), 0)).toEqual([[2]]);
    expect(rows(await call("acme", { statements: [{ sql: "SELECT x FROM t" }] }), 0)).toEqual([[1]]);
  });

  it("a tenant in TENANTS without a database entry is a 500 naming the binding, before any database is contacted", async () => {
    const before = turso.hosts.length;
    const broken = await startWorker({ ...bindingsFor(["acme"], { acme: dbs.acme! }), TENANTS: ["acme", "globex"] }, { outboundService: turso.outboundService });
    try {
      const reply = await callWorker(broken, "POST", "/v1/tenants/acme/query", { body: { statements: [{ sql: "SELECT 1" }] } });
      expect(reply.status).toBe(500);
      expect(reply.json.error).toMatch(/TENANTS lists "globex" but no TENANT_DATABASES_<n> binding holds its database/);
      expect(turso.hosts.length).toBe(before);
    } finally {
      await broken.dispose();
    }
  });
});
