/**
 * Clients through a sqld REPLICA machine (the prod topology: Fly's proxy sends a client to the nearest machine), on
 * the real hardened binary. With the stack's shared key (what stacks with replicas use) embedded replicas sync and
 * write through a replica. With per-tenant keys, sqld 0.24.32 fails the Hrana writes a replica forwards — the fact
 * behind `auth.tenantKeys` being refused with replica regions (infra/config/tenant-keys.ts); if a sqld release fixes
 * it, this test says so.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { mintScopedToken, type SigningMode } from "../../worker/jwt";
import { openEmbeddedReplica } from "../../local/clients/embedded-replica";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw, firstResult } from "../../local/sqld/tenant-client";

let cluster: LocalSqldCluster;

const token = async (mode: SigningMode) =>
  (await mintScopedToken(cluster.keys.privateKeyPem, { tenant: "acme", access: "rw", ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, mode)).token;
const replicaPort = () => Number(new URL(cluster.replicas[0]!.httpUrl).port);
const setKeys = (perTenant: boolean) =>
  syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: ["acme"], perTenant });
const countOnPrimary = async (mode: SigningMode) => {
  const reply = await executeRaw(cluster.primary.httpUrl, "SELECT count(*) FROM notes", { token: await token(mode), namespace: "acme" });
  return (firstResult(reply) as unknown as { response: { result: { rows: { value: string }[][] } } }).response.result.rows[0]![0]!.value;
};

beforeAll(async () => {
  cluster = await startStackSqld("prod");
  await createNamespaces(cluster, ["acme"]);
  const created = await executeRaw(cluster.primary.httpUrl, "CREATE TABLE notes(body TEXT)", { token: await token("shared"), namespace: "acme" });
  expect(firstResult(created)?.type).toBe("ok");
});
afterAll(() => cluster?.close());

describe("through a replica machine", () => {
  it("shared key: an embedded replica syncs and writes through the replica; the write lands on the primary", async () => {
    const phone = await openEmbeddedReplica({ namespace: "acme", port: replicaPort(), token: await token("shared") });
    try {
      expect(await phone.sync()).toMatchObject({ ok: true });
      expect(await phone.execute("INSERT INTO notes VALUES ('via replica')")).toMatchObject({ ok: true });
    } finally {
      await phone.close();
    }
    expect(await countOnPrimary("shared")).toBe("1");
  });

  it("per-tenant keys: the replica verifies the tenant's key and passes embedded-replica writes on, but a Hrana write it forwards fails (HTTP 500)", async () => {
    await setKeys(true);
    try {
      const tenantToken = await token("per-tenant");
      // The replica takes the namespace's new key from the primary a moment later (asynchronously).
      await expect
        .poll(async () => firstResult(await executeRaw(cluster.replicas[0]!.httpUrl, "SELECT count(*) FROM notes", { token: tenantToken, namespace: "acme" }))?.type, { timeout: 10_000 })
        .toBe("ok");
      const write = await executeRaw(cluster.replicas[0]!.httpUrl, "INSERT INTO notes VALUES ('x')", { token: tenantToken, namespace: "acme" });
      expect(write.status).toBe(500);
      expect(write.text).toMatch(/Expected authorization header but none given/);
      expect(await countOnPrimary("per-tenant")).toBe("1");
      // An embedded replica's writes take another path (gRPC proxy, the tenant's token passed on): they work.
      const phone = await openEmbeddedReplica({ namespace: "acme", port: replicaPort(), token: tenantToken });
      try {
        expect(await phone.sync()).toMatchObject({ ok: true });
        expect(await phone.execute("INSERT INTO notes VALUES ('embedded via replica')")).toMatchObject({ ok: true });
      } finally {
        await phone.close();
      }
      expect(await countOnPrimary("per-tenant")).toBe("2");
    } finally {
      await setKeys(false);
    }
  });
});
