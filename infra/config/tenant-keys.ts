/**
 * Whether each tenant gets its own signing key (worker/tenant-keys.ts): the one place that decides it.
 *
 * Per-tenant keys need every write to reach the primary directly. sqld 0.24.32 cannot forward a replica's Hrana
 * write to the primary for a namespace that has its own `jwt_key`: the replica sends only its own verdict
 * (`x-proxy-authorization`, libsql-server/src/connection/write_proxy.rs `RemoteConnection::connect`), and the
 * primary's proxy then demands the original token for such a namespace (rpc/proxy.rs `ProxyService::
 * extract_context`): 500 "Expected authorization header but none given" (observed on the binary). So stacks with
 * replica regions keep the shared key, and the README says what that leaves open.
 */
import type { StackConfig } from "./schema";

export type TenantKeysMode = "per-tenant" | "shared";

export const hasReplicas = (cfg: Pick<StackConfig, "regions">) => cfg.regions.some((r) => r.role === "replica");

/** Tenants whose key is not at version 1 (auth.tenantKeyVersions), sorted by name: what the gateway and sqld need. */
export function tenantKeyVersions(cfg: Pick<StackConfig, "auth">): Record<string, number> {
  const versions = cfg.auth.tenantKeyVersions;
  return Object.fromEntries(Object.keys(versions).sort().filter((t) => versions[t] !== 1).map((t) => [t, versions[t]!]));
}

/** `auth.tenantKeys` if set, else per-tenant without replicas and shared with them. Managed mode has no tenants' keys. */
export function tenantKeysMode(cfg: Pick<StackConfig, "mode" | "regions" | "auth">): TenantKeysMode {
  if (cfg.mode !== "self-hosted") return "shared";
  const explicit = cfg.auth.tenantKeys;
  if (explicit !== undefined) return explicit ? "per-tenant" : "shared";
  return hasReplicas(cfg) ? "shared" : "per-tenant";
}
