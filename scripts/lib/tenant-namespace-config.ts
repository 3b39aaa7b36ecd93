/**
 * Brings each tenant namespace's sqld config (admin API `GET|POST /v1/namespaces/<ns>/config`) to what the stack
 * wants, in one read-modify-write per tenant:
 * - `jwt_key`: with per-tenant keys, the tenant's derived public key AND the stack key's (two PEMs: sqld parses a
 *   PEM list, libsql-server/src/auth/parsers.rs `parse_jwt_keys`), so a tenant token verifies only on its own
 *   namespace while the stack's services keep one key for all; while a rotated stack key is not yet retired
 *   (`auth.retiredSigningKeyVersion`), also the tenant key derived from the previous stack key and that key, so
 *   tokens signed before the rotation keep verifying (four PEMs); without per-tenant keys, none (the global key applies);
 * - `max_db_size`, `block_reads`, `block_writes`, `block_reason`: the tenant's `tenantSettings` (size cap, suspension),
 *   except that a mode switch's write block stays (write-block.ts MODE_SWITCH_BLOCK_REASON).
 * The POST replaces the whole config (a partial body is 422, observed on sqld 0.24.32), so every other field goes
 * back as read. Idempotent: a namespace already right is not written.
 */
import { deriveTenantKey, ed25519Seed, pkcs8PemFromSeed } from "../../worker/tenant-keys";
import { mapBounded } from "../../infra/migrations/migrator";
import type { NamespaceSettings } from "../../infra/config/tenant-settings";
import { isUnlimited, UNLIMITED_DB_SIZE } from "./sqld-sizes";
import { readNamespaceConfig, writeNamespaceConfig } from "./namespace-config";
import type { AdminEndpoint } from "./sqld-admin";
import { isSwitchBlock, MODE_SWITCH_BLOCK_REASON } from "./mode-switch/write-block";

/** SPKI DER prefix of an Ed25519 public key (RFC 8410 §4), followed by the 32 raw bytes. */
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export function publicKeyPem(rawBase64url: string): string {
  const der = Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(rawBase64url, "base64url")]);
  return `-----BEGIN PUBLIC KEY-----\n${der.toString("base64")}\n-----END PUBLIC KEY-----\n`;
}

/** The public half of the stack's signing key, raw base64url (derived from its seed, as for tenants). */
async function stackPublicKey(stackKeyPem: string): Promise<string> {
  const der = Buffer.from(pkcs8PemFromSeed(ed25519Seed(stackKeyPem)).split("\n")[1]!, "base64");
  const key = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  return (await crypto.subtle.exportKey("jwk", key)).x!;
}

/**
 * The `jwt_key` a tenant namespace should hold: its own key first, then the stack's; with `previousStackKeyPem`
 * (a rotation not yet retired) the same two derived from the previous stack key after them.
 */
export async function wantedJwtKey(stackKeyPem: string, tenant: string, version?: number, previousStackKeyPem?: string): Promise<string> {
  const keysOf = async (pem: string) => publicKeyPem((await deriveTenantKey(pem, tenant, version)).publicKey) + publicKeyPem(await stackPublicKey(pem));
  return (await keysOf(stackKeyPem)) + (previousStackKeyPem === undefined ? "" : await keysOf(previousStackKeyPem));
}

export interface SyncResult {
  /** Tenants whose config was written (a tenant with a size cap is written on every run). */
  changed: string[];
  unchanged: number;
}

/**
 * The fields the stack owns. A size cap goes out as a byte count on every write (see sqld-sizes.ts: sqld's text
 * cannot be compared); without a cap the field is left out, unless a cap was set before and must be lifted.
 */
function wantedFields(config: Record<string, unknown>, jwtKey: string | null, s: NamespaceSettings | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    jwt_key: jwtKey,
    block_reads: s?.blockReads ?? false,
    block_writes: s?.blockWrites ?? false,
    block_reason: s?.blockReason ?? null,
  };
  // A mode switch's block is not the stack's setting to lift: it keeps the retained old side read-only, and only
  // the switch lifts it, when the namespace serves again (scripts/lib/mode-switch/write-block.ts).
  if (isSwitchBlock(config) && !s?.blockWrites) Object.assign(fields, { block_writes: true, block_reason: MODE_SWITCH_BLOCK_REASON });
  if (s?.maxDbSizeBytes !== undefined) fields.max_db_size = s.maxDbSizeBytes;
  else if (!isUnlimited(config.max_db_size)) fields.max_db_size = UNLIMITED_DB_SIZE;
  return fields;
}

/** Whether the config must be written: an owned field differs, or a cap is set (its text cannot confirm it). */
function needsWrite(config: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  return Object.entries(wanted).some(([field, value]) => field === "max_db_size" || (config[field] ?? null) !== value);
}

export interface SyncOptions {
  endpoint: AdminEndpoint;
  adminKey: string;
  stackKeyPem: string;
  /** The previous stack key while a rotation is not retired: its tokens keep verifying. */
  previousStackKeyPem?: string;
  tenants: readonly string[];
  perTenant: boolean;
  /** Key version per tenant (auth.tenantKeyVersions); 1 when absent. A new version revokes the old one's tokens. */
  versions?: Readonly<Record<string, number>>;
  /** Size caps and suspensions (tenantSettings); a tenant without an entry has neither. */
  settings?: Readonly<Record<string, NamespaceSettings>>;
  concurrency?: number;
}

/**
 * Brings every tenant's config to the wanted state. Throws on the first namespace that cannot be read or
 * written, naming it: a tenant left on the shared key would keep the cross-tenant sync hole open.
 */
export async function syncTenantNamespaceConfigs(o: SyncOptions): Promise<SyncResult> {
  const changed: string[] = [];
  await mapBounded([...o.tenants], o.concurrency ?? 8, async (tenant) => {
    const admin = { endpoint: o.endpoint, key: o.adminKey };
    const config = await readNamespaceConfig(admin, tenant);
    if (config === undefined) throw new Error(`reading the config of namespace ${tenant} failed: HTTP 404 (no such namespace)`);
    const wanted = wantedFields(config, o.perTenant ? await wantedJwtKey(o.stackKeyPem, tenant, o.versions?.[tenant], o.previousStackKeyPem) : null, o.settings?.[tenant]);
    if (!needsWrite(config, wanted)) return;
    // Everything read goes back except the size text (sqld keeps it) unless the stack owns the size.
    await writeNamespaceConfig(admin, tenant, config, wanted);
    changed.push(tenant);
  });
  return { changed: changed.sort(), unchanged: o.tenants.length - changed.length };
}
