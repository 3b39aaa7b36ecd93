/**
 * The writes rule while a tenant is copied out of self-hosted sqld: its namespace's writes are blocked (sqld
 * 0.24.32 namespace config `block_writes` + `block_reason`, admin `GET|POST /v1/namespaces/<ns>/config`) from
 * before the dump starts until the caller releases it, so no write can land after the copy's snapshot and be lost.
 * A client's write is refused with the reason; reads go on. The POST replaces the whole config (a partial body
 * is 422, observed), so the block is a read-modify-write of the config as read, and the release writes back exactly
 * the config read before the block (scripts/lib/namespace-config.ts).
 */
import { readNamespaceConfig, writeNamespaceConfig, type SqldAdmin } from "../namespace-config";
import { MODE_SWITCH_BLOCK_REASON } from "../../../worker/suspension";

export type { SqldAdmin };

/**
 * The reason a tenant sees while its namespace is the source (or the retained old side) of a mode switch. The
 * stack's tenant-config sync keeps a block with this reason (scripts/lib/tenant-namespace-config.ts), so
 * re-applying tenantSettings on the retained side never lifts it; only the switch itself does, when that namespace
 * becomes the serving side again. The gateway knows it too (worker/db-errors.ts: 503 WRITES_PAUSED).
 */
export { MODE_SWITCH_BLOCK_REASON };

export interface WriteBlock {
  /** The config as it was before the block. */
  before: Record<string, unknown>;
  /** Writes `before` back (idempotent). */
  release(): Promise<void>;
}

/** Blocks writes on `namespace` with `reason` (a namespace already blocked stays so, with its own reason kept on release). */
export async function blockNamespaceWrites(admin: SqldAdmin, namespace: string, reason: string): Promise<WriteBlock> {
  const before = await readNamespaceConfig(admin, namespace);
  if (!before) throw new Error(`namespace ${namespace} does not exist on the self-hosted sqld`);
  await writeNamespaceConfig(admin, namespace, before, { block_writes: true, block_reason: before.block_writes === true ? before.block_reason : reason });
  let released = false;
  return {
    before,
    release: async () => {
      if (released) return;
      await writeNamespaceConfig(admin, namespace, before);
      released = true;
    },
  };
}

/** Whether a namespace config holds a mode switch's write block (any other block is someone else's to lift). */
export const isSwitchBlock = (config: Record<string, unknown>): boolean => config.block_reason === MODE_SWITCH_BLOCK_REASON;

/** The config change that lifts a mode switch's block. */
export const SWITCH_UNBLOCK = { block_writes: false, block_reason: null } as const;

/** Lifts a block this switch (or an earlier one) left on `namespace`; a block with another reason stays. */
export async function unblockSwitchedNamespace(admin: SqldAdmin, namespace: string): Promise<void> {
  const config = await readNamespaceConfig(admin, namespace);
  if (config && isSwitchBlock(config)) await writeNamespaceConfig(admin, namespace, config, SWITCH_UNBLOCK);
}
