/**
 * A tenant's size cap and suspension (`tenantSettings`), as sqld's namespace config holds them
 * (`max_db_size`, `block_reads`, `block_writes`, `block_reason`; libsql-server/src/http/admin/mod.rs
 * `HttpDatabaseConfig`). Observed on sqld 0.24.32: a blocked operation is the statement error `BLOCKED`
 * "Operation was blocked: <reason>"; a write past the cap is `SQLITE_FULL` "database or disk is full".
 */
import { SUSPENSION_REASON_PREFIX } from "../../worker/suspension";
import type { NamespaceSettings } from "../sqld/namespaces";
import type { ConfigShape } from "./schema";

export type { NamespaceSettings } from "../sqld/namespaces";

/** Settings of the tenants that have any, by name (sorted): what the `sqld-namespaces` step applies. */
export function tenantNamespaceSettings(cfg: Pick<ConfigShape, "tenantSettings">): Record<string, NamespaceSettings> {
  const out: Record<string, NamespaceSettings> = {};
  const byName = Object.entries(cfg.tenantSettings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [tenant, s] of byName) {
    out[tenant] = {
      ...(s.maxSizeMb !== undefined && { maxDbSizeBytes: s.maxSizeMb * 1_000_000 }),
      blockReads: s.suspended === "all",
      blockWrites: s.suspended !== undefined,
      blockReason: s.suspended === undefined ? null : `${SUSPENSION_REASON_PREFIX}${s.reason ?? "suspended by the operator"}`,
    };
  }
  return out;
}
