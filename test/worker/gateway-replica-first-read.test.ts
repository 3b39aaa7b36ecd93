/**
 * The gateway's reads through a replica that has not loaded the tenant yet, with per-tenant signing keys (real sqld,
 * the prod stack's fly.toml: primary + replicas). sqld 0.24.32 refuses such a replica's first requests with 500
 * "Expected authorization header but none given" (it passes them to the primary without the caller's token); the
 * gateway retries a read (worker/db.ts readRetryingColdReplica), so the caller gets its rows.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startGateway, type GatewayHarness } from "../../local/gateway-harness";
import { executeRaw, firstResult, resultValues } from "../../local/sqld/tenant-client";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { mintScopedToken } from "../../worker/jwt";

const TENANTS = ["acme", "globex"];
let gw: GatewayHarness;

const token = async (tenant: string, access: "ro" | "rw") =>
  (await mintScopedToken(gw.keys.privateKeyPem, { tenant, access, ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant")).token;

beforeAll(async () => {
  gw = await startGateway({ stack: "prod", tenants: TENANTS, via: "replica", bindings: { TENANT_KEYS: "per-tenant" } });
  const { cluster } = gw;
  await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: TENANTS, perTenant: true });
  for (const tenant of TENANTS) {
    for (const sql of ["CREATE TABLE notes(body TEXT)", `INSERT INTO notes VALUES ('${tenant} note')`]) {
      expect(firstResult(await executeRaw(cluster.primary.httpUrl, sql, { token: await token(tenant, "rw"), namespace: tenant }))?.type).toBe("ok");
    }
  }
}, 120_000);
afterAll(() => gw?.close());

it("sqld itself: a replica's first read of a tenant it has not loaded is refused (500); the gateway's first read through it gets the rows", async () => {
  const replica = gw.cluster.replicas[0]!;
  const first = await executeRaw(replica.httpUrl, "SELECT body FROM notes", { token: await token("acme", "ro"), namespace: "acme" });
  expect(first.status).toBe(500);
  expect(first.text).toMatch(/Expected authorization header but none given/);
  // globex was never asked of the replica: the gateway's first read there is the cold one.
  const reply = await gw.call("POST", "/v1/tenants/globex/query", { body: { statements: [{ sql: "SELECT body FROM notes" }], mode: "read" } });
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  expect((reply.json.results as { rows: unknown[][] }[])[0]!.rows).toEqual([["globex note"]]);
  // And the replica serves acme now, directly too.
  await expect.poll(async () => resultValues(await executeRaw(replica.httpUrl, "SELECT body FROM notes", { token: await token("acme", "ro"), namespace: "acme" })), { timeout: 10_000 }).toEqual([["acme note"]]);
}, 60_000);
