/**
 * Whether each tenant gets its own signing key (worker/tenant-keys.ts): the one place that decides it.
 *
 * With replica regions this needs every Hrana write to reach the primary directly. sqld 0.24.32 cannot forward a
 * replica's Hrana write for a namespace that has its own `jwt_key`: the replica sends only its own verdict
 * (`x-proxy-authorization`, libsql-server/src/connection/write_proxy.rs `RemoteConnection::connect`), and the
 * primary's proxy then demands the original token for such a namespace (rpc/proxy.rs `ProxyService::
 * extract_context`): 500 "Expected authorization header but none given" (test/clients/through-replica-machine.test.ts).
 * So the stack's own writers go to the primary: the gateway and the migrations step send `fly-prefer-region`, the
 * API app uses the primary's process-group address. Embedded replicas' writes take sqld's gRPC proxy, which passes
 * the tenant's token on, and work through a replica.
 */
import type { SigningMode } from "../../worker/modes";
import type { ConfigShape } from "./schema";

export type TenantKeysMode = SigningMode;

/** `auth.tenantKeys` if set, else per-tenant. Managed mode has no tenant keys (Turso signs its own tokens). */
export function tenantKeysMode(cfg: Pick<ConfigShape, "mode" | "auth">): TenantKeysMode {
  if (cfg.mode !== "self-hosted") return "shared";
  return cfg.auth.tenantKeys === false ? "shared" : "per-tenant";
}

/** Tenants whose key is not at version 1 (auth.tenantKeyVersions), sorted by name: what the gateway and sqld need. */
export function tenantKeyVersions(cfg: Pick<ConfigShape, "auth">): Record<string, number> {
  const versions = cfg.auth.tenantKeyVersions;
  return Object.fromEntries(Object.keys(versions).sort().filter((t) => versions[t] !== 1).map((t) => [t, versions[t]!]));
}
