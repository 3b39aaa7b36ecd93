/**
 * One signing key per tenant, on the real hardened sqld. With the stack's shared key, any tenant's token syncs any
 * other tenant's whole database through the embedded-replica protocol (sqld 0.24.32's replication log checks the
 * signature, not the namespace scope: libsql-server/src/rpc/replication/auth.rs `authenticate`). With per-tenant
 * keys set by the deploy's own step (scripts/lib/tenant-jwt-keys.ts), a token verifies only on its own namespace,
 * by every protocol; the stack's own key keeps working for the stack's services.
 */
import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { mintScopedToken } from "../../worker/jwt";
import { deriveTenantKey } from "../../worker/tenant-keys";
import { syncEmbeddedReplica } from "../../local/clients/embedded-replica";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw, firstResult, scopedToken } from "../../local/sqld/tenant-client";
import { API_KEY, callWorker, startWorker } from "../../local/gateway-harness";

let cluster: LocalSqldCluster;
const TENANTS = ["acme", "globex"];
const SECRET = "acme-secret-row";
const now = () => Math.floor(Date.now() / 1000);

const port = () => Number(new URL(cluster.primary.httpUrl).port);
const sync = (perTenant: boolean) =>
  syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: TENANTS, perTenant });
const tenantToken = async (tenant: string, access: "ro" | "rw") =>
  (await mintScopedToken(cluster.keys.privateKeyPem, { tenant, access, ttlSeconds: 600, nowSeconds: now() }, "per-tenant")).token;
const config = async (ns: string) => JSON.parse((await cluster.admin(cluster.primary, "GET", `/v1/namespaces/${ns}/config`)).text) as Record<string, unknown>;
const acmeRows = async () => {
  const reply = await executeRaw(cluster.primary.httpUrl, "SELECT count(*) FROM notes", { token: await scopedToken(cluster.keys.privateKeyPem, "acme", "ro"), namespace: "acme" });
  return JSON.stringify((firstResult(reply) as { response?: { result?: { rows?: unknown } } } | undefined)?.response?.result?.rows);
};

beforeAll(async () => {
  cluster = await startStackSqld("dev", { tenants: TENANTS });
  await createNamespaces(cluster, TENANTS);
  for (const sql of ["CREATE TABLE notes(body TEXT)", `INSERT INTO notes VALUES ('${SECRET}')`]) {
    const seeded = await executeRaw(cluster.primary.httpUrl, sql, { token: await scopedToken(cluster.keys.privateKeyPem, "acme", "rw"), namespace: "acme" });
    expect(firstResult(seeded)?.type, seeded.text).toBe("ok");
  }
});
afterAll(() => cluster?.close());

describe("per-tenant signing keys on real sqld", () => {
  it("with the shared key, globex's ro token syncs acme's whole database (the hole the keys close)", async () => {
    const globex = await scopedToken(cluster.keys.privateKeyPem, "globex", "ro");
    expect(await syncEmbeddedReplica({ namespace: "acme", port: port(), token: globex, sql: "SELECT body FROM notes" })).toEqual({ ok: true, rows: [[SECRET]] });
  });

  it("the deploy step sets every tenant's key once, keeps the rest of the config, and is idempotent", async () => {
    const before = await config("acme");
    const first = await sync(true);
    expect(first).toEqual({ changed: TENANTS, unchanged: 0 });
    const after = await config("acme");
    expect(after.jwt_key).toMatch(/^-----BEGIN PUBLIC KEY-----[\s\S]+-----BEGIN PUBLIC KEY-----/);
    expect({ ...after, jwt_key: null }).toEqual({ ...before, jwt_key: null });
    expect(await sync(true)).toEqual({ changed: [], unchanged: 2 });
  });

  it("globex's token cannot sync acme any more; acme's own token can, and its ro write is refused", async () => {
    const rowsBefore = await acmeRows();
    const stolen = await syncEmbeddedReplica({ namespace: "acme", port: port(), token: await tenantToken("globex", "ro"), sql: "SELECT body FROM notes" });
    expect(stolen.ok).toBe(false);
    expect(JSON.stringify(stolen)).not.toContain(SECRET);
    expect(await syncEmbeddedReplica({ namespace: "acme", port: port(), token: await tenantToken("acme", "ro"), sql: "SELECT body FROM notes" })).toEqual({ ok: true, rows: [[SECRET]] });
    const write = await executeRaw(cluster.primary.httpUrl, "INSERT INTO notes VALUES ('x')", { token: await tenantToken("acme", "ro"), namespace: "acme" });
    expect(write.status).not.toBe(200);
    expect(await acmeRows()).toBe(rowsBefore);
  });

  it("Hrana: globex's token and a token from a foreign key are refused on acme; the stack key's scoped token still works", async () => {
    for (const token of [await tenantToken("globex", "rw"), (await mintScopedToken((await deriveTenantKey(cluster.keys.privateKeyPem, "acme", 2)).privateKeyPem, { tenant: "acme", access: "rw", ttlSeconds: 600, nowSeconds: now() })).token]) {
      const reply = await executeRaw(cluster.primary.httpUrl, "SELECT body FROM notes", { token, namespace: "acme" });
      expect(reply.status).toBe(401);
      expect(reply.text).not.toContain(SECRET);
    }
    const own = await executeRaw(cluster.primary.httpUrl, "SELECT body FROM notes", { token: await tenantToken("acme", "ro"), namespace: "acme" });
    expect(firstResult(own)?.type).toBe("ok");
    const service = await executeRaw(cluster.primary.httpUrl, "SELECT body FROM notes", { token: await scopedToken(cluster.keys.privateKeyPem, "acme", "ro"), namespace: "acme" });
    expect(firstResult(service)?.type).toBe("ok");
  });

  describe("the gateway with TENANT_KEYS=per-tenant", () => {
    let mf: Miniflare;
    beforeAll(async () => {
      mf = await startWorker({ DB_URL: cluster.primary.httpUrl, DB_MODE: "self-hosted", JWT_PRIVATE_KEY: cluster.keys.privateKeyPem, GATEWAY_API_KEY: API_KEY, TENANTS, TENANT_KEYS: "per-tenant" });
    });
    afterAll(() => mf?.dispose());

    it("queries each tenant with its own key, and the token it hands out works on that tenant only", async () => {
      const query = await callWorker(mf, "POST", "/v1/tenants/acme/query", { body: { statements: [{ sql: "SELECT body FROM notes" }], mode: "read" } });
      expect(query.status, JSON.stringify(query.json)).toBe(200);
      const minted = await callWorker(mf, "POST", "/v1/tenants/globex/token", { body: { access: "ro" } });
      const token = String(minted.json.token);
      expect((await executeRaw(cluster.primary.httpUrl, "SELECT 1", { token, namespace: "globex" })).status).toBe(200);
      expect((await executeRaw(cluster.primary.httpUrl, "SELECT body FROM notes", { token, namespace: "acme" })).status).toBe(401);
      expect((await syncEmbeddedReplica({ namespace: "acme", port: port(), token, sql: "SELECT body FROM notes" })).ok).toBe(false);
    });

    it("derives and signs once per tenant and access level, not per request", async () => {
      const signatures = async (tenant: string) => {
        const reply = await callWorker(mf, "POST", `/v1/tenants/${tenant}/query`, { body: { statements: [{ sql: "SELECT 1" }], mode: "read" } });
        expect(reply.status).toBe(200);
        return Number(reply.headers.get("x-gateway-signatures"));
      };
      const first = await signatures("globex");
      for (let i = 0; i < 20; i++) await signatures(i % 2 ? "globex" : "acme");
      expect((await signatures("globex")) - first).toBeLessThanOrEqual(1); // acme's ro token at most, once
    });
  });

  it("revoking acme (key version 2) fails acme's outstanding tokens at once, and only acme's", async () => {
    const v1 = async (tenant: string) => tenantToken(tenant, "ro");
    const [acmeOld, globexOld] = [await v1("acme"), await v1("globex")];
    const revoked = await syncTenantNamespaceConfigs({
      endpoint: { url: cluster.primary.adminUrl },
      adminKey: cluster.keys.adminKey,
      stackKeyPem: cluster.keys.privateKeyPem,
      tenants: TENANTS,
      perTenant: true,
      versions: { acme: 2 },
    });
    expect(revoked).toEqual({ changed: ["acme"], unchanged: 1 });
    expect((await executeRaw(cluster.primary.httpUrl, "SELECT 1", { token: acmeOld, namespace: "acme" })).status).toBe(401);
    expect((await executeRaw(cluster.primary.httpUrl, "SELECT 1", { token: globexOld, namespace: "globex" })).status).toBe(200);
    const acmeNew = (await mintScopedToken(cluster.keys.privateKeyPem, { tenant: "acme", access: "ro", ttlSeconds: 600, nowSeconds: now() }, "per-tenant", 2)).token;
    expect((await executeRaw(cluster.primary.httpUrl, "SELECT 1", { token: acmeNew, namespace: "acme" })).status).toBe(200);

    const mf = await startWorker({ DB_URL: cluster.primary.httpUrl, JWT_PRIVATE_KEY: cluster.keys.privateKeyPem, GATEWAY_API_KEY: API_KEY, TENANTS, TENANT_KEYS: "per-tenant", TENANT_KEY_VERSIONS: { acme: 2 } });
    try {
      const query = await callWorker(mf, "POST", "/v1/tenants/acme/query", { body: { statements: [{ sql: "SELECT count(*) FROM notes" }], mode: "read" } });
      expect(query.status, JSON.stringify(query.json)).toBe(200);
    } finally {
      await mf.dispose();
    }
    await sync(true); // back to version 1 for the next test
  });

  it("switching back to the shared key clears every tenant's key", async () => {
    expect(await sync(false)).toEqual({ changed: TENANTS, unchanged: 0 });
    expect((await config("acme")).jwt_key).toBeNull();
    await sync(true); // leave the cluster as the other tests expect nothing: it is closed next anyway
  });
});
