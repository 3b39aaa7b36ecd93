/**
 * The dev stack's sqld as tenants meet it: its tenants created as namespaces, each verifying only its own key
 * (per-tenant keys, set by the deploy's own step, scripts/lib/tenant-namespace-config.ts), and their tokens minted by
 * the product's signing code as the gateway does.
 */
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";
import type { Access } from "../../worker/claims";
import { mintScopedToken } from "../../worker/jwt";
import { startStackSqld, type LocalSqldCluster } from "./cluster";
import { createNamespaces, executeRaw, resultValues } from "./tenant-client";

export interface TenantSqld {
  cluster: LocalSqldCluster;
  /** The primary's HTTP port on 127.0.0.1 (what `<tenant>.<domain>:<port>` reaches). */
  port: number;
  /** A token of `tenant` signed with its own key, valid 10 minutes. */
  token(tenant: string, access: Access): Promise<string>;
  /** Runs `sql` on the primary as `tenant` (rw, namespace header) and returns the rows' values; throws on an error. */
  onPrimary(tenant: string, sql: string): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

export async function startTenantSqld(tenants: string[]): Promise<TenantSqld> {
  const cluster = await startStackSqld("dev", { tenants });
  try {
    await createNamespaces(cluster, tenants);
    await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants, perTenant: true });
  } catch (error) {
    await cluster.close();
    throw error;
  }
  const token = async (tenant: string, access: Access) =>
    (await mintScopedToken(cluster.keys.privateKeyPem, { tenant, access, ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant")).token;
  return {
    cluster,
    port: Number(new URL(cluster.primary.httpUrl).port),
    token,
    onPrimary: async (tenant, sql) => resultValues(await executeRaw(cluster.primary.httpUrl, sql, { token: await token(tenant, "rw"), namespace: tenant })),
    close: () => cluster.close(),
  };
}
