/**
 * Restores one tenant to a point in time BESIDE it, through the primary's admin API (a `fly proxy` socket or a URL):
 * 1. the tenant must exist on the primary and the copy's name must not (admin `GET /v1/namespaces/<ns>/config`:
 *    200 or 404 on sqld 0.24.32, observed; it never creates a namespace);
 * 2. `POST /v1/namespaces/<tenant>/fork/<into>` with `{"timestamp"}` (see restore-args.ts `forkTimestamp` for what
 *    sqld does with it). The fork copies the tenant's whole config, `jwt_key` included (http/admin/mod.rs
 *    `handle_fork_namespace`: `to_config = (*from_config).clone()`), so the tenant's own tokens would open the copy;
 * 3. at once the copy's `jwt_key` becomes the key derived for the copy's name alone (worker/tenant-keys.ts), read-
 *    modify-write (the POST replaces block_reason, allow_attach, txn_timeout_s and jwt_key; max_db_size is kept
 *    when left out: http/admin/mod.rs `handle_post_config`). No tenant holds a token signed by that key, in either
 *    signing mode (with `auth.tenantKeys: false` tenant tokens are signed by the stack key, which sqld's sync accepts
 *    for any namespace whatever the token's scope, so the stack key is NOT added). The operator reaches the copy with
 *    `npm run token -- --tenant <into> --tenant-keys per-tenant`. If this step fails the copy is deleted;
 * 4. the copy is verified: its tables and row counts are read; a copy without tables is refused and deleted (sqld
 *    answers 200 and makes an EMPTY namespace when no backup generation starts at or before the time, bottomless
 *    `Replicator::restore` "No generation found, nothing to restore": observed);
 * 5. the tenant's config is read again: it must be what it was.
 * A copy is deleted with `keep_backup: true`: sqld's prune lists the bucket by the bare name as prefix
 * (bottomless/src/replicator.rs `DeleteAll::commit`, `prefix(&self.db_name)`), which also matches other namespaces
 * whose name starts with the copy's.
 */
import type { SigningMode } from "../../worker/jwt";
import { mintScopedToken } from "../../worker/jwt";
import { deriveTenantKey, TENANT_KEY_VERSION } from "../../worker/tenant-keys";
import { forkTimestamp } from "./restore-args";
import { tableCounts, type TableCount } from "./restore-tables";
import { readNamespaceConfig, writeNamespaceConfig, type SqldAdmin } from "./namespace-config";
import { adminRequest, type AdminEndpoint, type AdminReply } from "./sqld-admin";
import { publicKeyPem } from "./tenant-namespace-config";

/** The server said no (the tenant is missing, the copy's name is taken, nothing was backed up then): exit 1. */
export class RestoreRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreRefused";
  }
}

export interface RestoreOptions {
  /** The PRIMARY's admin API (a replica answers 404 to fork). */
  endpoint: AdminEndpoint;
  adminKey: string;
  /** The stack's signing key (PKCS#8 PEM): the copy's key is derived from it, and the read tokens are signed with it. */
  stackKeyPem: string;
  /** How the stack signs tenant tokens (plan.tenantKeys.mode), to read the tenant itself. */
  tenantKeys: SigningMode;
  /** The tenant's key version (auth.tenantKeyVersions). @default 1 */
  tenantKeyVersion?: number;
  /** sqld's URL for Hrana reads (the stack's databaseUrl). */
  sqlUrl: string;
  primaryRegion?: string;
  tenant: string;
  into: string;
  to: Date;
}

export interface RestoreReport {
  tenant: string;
  into: string;
  /** The --to instant. */
  to: string;
  /** What sqld was asked for: batches uploaded at or before this second (UTC). */
  backupsUpTo: string;
  /** The copy's tables and row counts. */
  restored: TableCount[];
  /** The tenant's tables now, for comparison (unchanged by the restore). */
  current: TableCount[];
  /** Wall time from the fork request to the verified copy. */
  seconds: number;
}

const excerpt = (reply: AdminReply) => `HTTP ${reply.status} ${reply.text.replace(/\s+/g, " ").slice(0, 300)}`;

const adminOf = (o: RestoreOptions): SqldAdmin => ({ endpoint: o.endpoint, key: o.adminKey });

/** The namespace's config, or null when it does not exist. */
const readConfig = async (o: RestoreOptions, ns: string) => (await readNamespaceConfig(adminOf(o), ns)) ?? null;

async function deleteCopy(o: RestoreOptions): Promise<string> {
  const reply = await adminRequest(o.endpoint, o.adminKey, "DELETE", `/v1/namespaces/${o.into}`, JSON.stringify({ keep_backup: true }));
  return reply.status === 200 ? `namespace ${o.into} deleted again` : `deleting namespace ${o.into} failed (${excerpt(reply)}): delete it by hand`;
}

/** The copy's `jwt_key`: the key derived for its own name, as a PEM. */
export async function copyJwtKey(stackKeyPem: string, into: string): Promise<string> {
  return publicKeyPem((await deriveTenantKey(stackKeyPem, into, TENANT_KEY_VERSION)).publicKey);
}

/** Step 3: only the copy's own key opens it; on failure the copy goes away. */
async function lockDownCopy(o: RestoreOptions): Promise<void> {
  try {
    const config = await readConfig(o, o.into);
    if (config === null) throw new Error(`namespace ${o.into} is missing right after the fork`);
    const jwtKey = await copyJwtKey(o.stackKeyPem, o.into);
    await writeNamespaceConfig(adminOf(o), o.into, config, { jwt_key: jwtKey });
    const after = await readConfig(o, o.into);
    if (after?.jwt_key !== jwtKey) throw new Error("the copy's jwt_key did not take");
  } catch (error) {
    throw new Error(`${(error as Error).message}; ${await deleteCopy(o)}`);
  }
}

const token = async (pem: string, namespace: string, mode: SigningMode, version: number) =>
  (await mintScopedToken(pem, { tenant: namespace, access: "ro", ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, mode, version)).token;

export async function restoreTenant(o: RestoreOptions): Promise<RestoreReport> {
  const before = await readConfig(o, o.tenant);
  if (before === null) throw new RestoreRefused(`tenant ${o.tenant} has no namespace on the primary: nothing to restore (pulumi up creates it)`);
  if ((await readConfig(o, o.into)) !== null) throw new RestoreRefused(`namespace ${o.into} already exists: pass another --into (nothing was changed)`);
  const backupsUpTo = forkTimestamp(o.to);
  const started = Date.now();
  const forked = await adminRequest(o.endpoint, o.adminKey, "POST", `/v1/namespaces/${o.tenant}/fork/${o.into}`, JSON.stringify({ timestamp: backupsUpTo }));
  if (forked.status === 400 && /already exist/i.test(forked.text)) throw new RestoreRefused(`namespace ${o.into} already exists: pass another --into (nothing was changed)`);
  if (forked.status === 404) throw new RestoreRefused(`tenant ${o.tenant} has no namespace on the primary (${excerpt(forked)})`);
  if (forked.status !== 200) throw new Error(`fork of ${o.tenant} into ${o.into} failed: ${excerpt(forked)} (needs libsql-stack:backups on this stack)`);
  await lockDownCopy(o);
  let restored: TableCount[];
  try {
    restored = await tableCounts({ url: o.sqlUrl, namespace: o.into, token: await token(o.stackKeyPem, o.into, "per-tenant", TENANT_KEY_VERSION), primaryRegion: o.primaryRegion });
  } catch (error) {
    throw new Error(`reading the copy ${o.into} failed: ${(error as Error).message}; ${await deleteCopy(o)}`);
  }
  if (restored.length === 0) {
    throw new RestoreRefused(`no backup of ${o.tenant} holds any table at ${backupsUpTo}Z (before its first backup, or the tenant was empty then); ${await deleteCopy(o)}`);
  }
  const seconds = (Date.now() - started) / 1000;
  const current = await tableCounts({ url: o.sqlUrl, namespace: o.tenant, token: await token(o.stackKeyPem, o.tenant, o.tenantKeys, o.tenantKeyVersion ?? TENANT_KEY_VERSION), primaryRegion: o.primaryRegion });
  const after = await readConfig(o, o.tenant);
  if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`the config of ${o.tenant} changed during the restore (${JSON.stringify(before)} → ${JSON.stringify(after)}): check it`);
  return { tenant: o.tenant, into: o.into, to: o.to.toISOString(), backupsUpTo: `${backupsUpTo}Z`, restored, current, seconds };
}
