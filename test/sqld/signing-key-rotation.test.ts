/**
 * Rotating the stack signing key (auth.signingKeyVersion 1 → 2, then auth.retiredSigningKeyVersion 1) on REAL sqld
 * from the prod stack's fly.toml (primary + replicas). Each `up` state is a machine started with the
 * SQLD_AUTH_JWT_KEY value StackKeys produces for it (Fly restarts machines when the secret changes), and the tenant
 * namespaces' jwt_key written by the namespaces step's own code (syncTenantNamespaceConfigs):
 * before: v1 only; first up: v2 signs, v1 still verifies; second up: v1 refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqldJwtKeyValue } from "../../infra/auth/keys";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import { generateTestKeys, startStackSqld, type SqldMachine, type TestKeys } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw } from "../../local/sqld/tenant-client";
import { mintScopedToken, type SigningMode } from "../../worker/jwt";

const SHARED_NS = "streams"; // no jwt_key of its own: the global key applies
const TENANT = "acme"; // per-tenant key in its namespace jwt_key
const v1 = generateTestKeys();
const v2 = generateTestKeys();
const keyValue = (...keys: TestKeys[]) => sqldJwtKeyValue(keys.map((k) => k.publicKeyPem));

let cluster: Awaited<ReturnType<typeof startStackSqld>>;
beforeAll(async () => {
  // Booted in the "first up" state; the other states are machines started with their own secret value.
  cluster = await startStackSqld("prod", {}, { keys: { ...v2, adminKey: v1.adminKey }, extraSecrets: { SQLD_AUTH_JWT_KEY: keyValue(v2, v1) } });
  await createNamespaces(cluster, [SHARED_NS, TENANT]);
}, 60_000);
afterAll(() => cluster?.close());

async function status(machine: SqldMachine, signer: TestKeys, namespace: string, mode: SigningMode): Promise<number> {
  const { token } = await mintScopedToken(signer.privateKeyPem, { tenant: namespace, access: "ro", ttlSeconds: 300, nowSeconds: Math.floor(Date.now() / 1000) }, mode);
  return (await executeRaw(machine.httpUrl, "SELECT 1", { token, namespace })).status;
}

/** Every machine's answers, by signer: tokens of the shared namespace (stack key) and of the tenant (per-tenant and stack key). */
async function answers(machines: SqldMachine[], signers: Record<string, TestKeys>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [label, keys] of Object.entries(signers)) {
    const statuses: number[] = [];
    for (const m of machines) statuses.push(await status(m, keys, SHARED_NS, "shared"), await status(m, keys, TENANT, "per-tenant"), await status(m, keys, TENANT, "shared"));
    out[label] = statuses;
  }
  return out;
}

const syncTenant = (stackKey: TestKeys, previous?: TestKeys) =>
  syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: v1.adminKey, stackKeyPem: stackKey.privateKeyPem, previousStackKeyPem: previous?.privateKeyPem, tenants: [TENANT], perTenant: true });

describe("signing key rotation without downtime (real sqld, prod topology)", () => {
  it("several keys go to sqld as one line of PEMs; one key stays the raw form", () => {
    expect(keyValue(v1)).toBe(v1.sqldJwtKey);
    const two = keyValue(v2, v1);
    expect(two).not.toMatch(/[\r\n]/);
    expect(two.match(/-----BEGIN PUBLIC KEY-----/g)).toHaveLength(2);
  });

  it("before the bump, v1 tokens work and v2 tokens do not", async () => {
    const before = await cluster.addMachine("primary", "ams", { SQLD_AUTH_JWT_KEY: keyValue(v1) });
    await createNamespaces({ ...cluster, primary: before }, [SHARED_NS]);
    const v1Token = await status(before, v1, SHARED_NS, "shared");
    expect({ v1: v1Token, v2: await status(before, v2, SHARED_NS, "shared") }).toEqual({ v1: 200, v2: 401 });
  });

  it("first up (v2 signs, v1 kept): tokens of both keys verify on the primary and every replica, global and tenant keys", async () => {
    expect(cluster.replicas.length).toBeGreaterThan(0);
    await syncTenant(v2, v1);
    const machines = [cluster.primary, ...cluster.replicas];
    const ok = machines.flatMap(() => [200, 200, 200]);
    expect(await answers(machines, { v1, v2 })).toEqual({ v1: ok, v2: ok });
  });

  it("second up (v1 retired): v1 tokens are refused (401) everywhere, v2 tokens still work", async () => {
    await syncTenant(v2);
    const primary = await cluster.addMachine("primary", "ams", { SQLD_AUTH_JWT_KEY: keyValue(v2) });
    await createNamespaces({ ...cluster, primary }, [SHARED_NS]);
    // The tenant namespace's key lives in the cluster's namespace config: check it on the running primary and replicas.
    const machines = [cluster.primary, ...cluster.replicas];
    const tenantOnly = async (signer: TestKeys) => Promise.all(machines.flatMap((m) => [status(m, signer, TENANT, "per-tenant"), status(m, signer, TENANT, "shared")]));
    expect(await tenantOnly(v1)).toEqual(machines.flatMap(() => [401, 401]));
    expect(await tenantOnly(v2)).toEqual(machines.flatMap(() => [200, 200]));
    // The global key on a machine restarted with the retired secret value.
    expect({ v1: await status(primary, v1, SHARED_NS, "shared"), v2: await status(primary, v2, SHARED_NS, "shared") }).toEqual({ v1: 401, v2: 200 });
  });
});
