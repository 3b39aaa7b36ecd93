/**
 * The copy engine of the mode switch (issue 18 item 4), one tenant at a time, both directions:
 *  - self-hosted → managed: writes on the sqld namespace blocked (./write-block.ts); then either
 *    - the Turso database does not exist yet: its `GET /dump` replayed into an upload-ready local SQLite file
 *      (./upload-file.ts), the database created with `seed: {type: "database_upload"}`, a short-lived full-access
 *      token minted, the file uploaded (`POST https://<hostname>/v1/upload`, Content-Length, streamed from disk); the
 *      stack's Turso Commands adopt it afterwards and mint their tokens for it;
 *    - or it exists (the stack made it, its tokens are in the Worker): emptied in place (./empty-database.ts) and the
 *      dump replayed into it through Hrana, never deleted, since a re-created database refuses the tokens minted
 *      for the old one (a database token names its database by id);
 *  - managed → self-hosted: Turso's `GET /dump` streamed into the sqld namespace through Hrana, in bounded
 *    batches, one transaction each (sqld's admin `dump_url` is not used: a sqld on Fly cannot reach the operator's
 *    machine and dump_url carries no credentials).
 * Then both sides are digested (./verify.ts) and must match, else the copy throws and the target is left for
 * inspection. Idempotent: a target that already matches the source is verified and skipped; any other existing
 * target (a partial copy, the stale side of an earlier switch) is replaced. The source is never written (only its
 * config, for the block, restored on failure); on success the block is handed back to the caller, who keeps it
 * while the old side is retained. A target still blocked by an earlier switch (it was that switch's source) is
 * unblocked before the copy writes into it (the Worker does not serve it until the whole switch is done).
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { adminRequest } from "../sqld-admin";
import type { ReplayBatchLimits } from "./dump-replay";
import { replayDump } from "./dump-replay";
import { describeEndpoint, readText, send, type TenantEndpoint } from "./endpoint";
import { HranaStream } from "./hrana";
import { blockDatabaseWrites, createUploadDatabase, deleteDatabase, findDatabase, mintDatabaseToken, unblockDatabaseWrites, type TursoApi } from "./turso-api";
import { emptyDatabase } from "./empty-database";
import { buildUploadFile, openDump } from "./upload-file";
import { compareDigests, digestDatabase, type DatabaseDigest } from "./verify";
import { readNamespaceConfig, writeNamespaceConfig, type SqldAdmin } from "../namespace-config";
import { blockNamespaceWrites, isSwitchBlock, MODE_SWITCH_BLOCK_REASON, SWITCH_UNBLOCK, unblockSwitchedNamespace, type WriteBlock } from "./write-block";

export interface CopyResult {
  outcome: "copied" | "already-complete";
  digest: DatabaseDigest;
  /** Statements replayed (0 when already complete). */
  statements: number;
  /** The source's write block (sqld namespace config or Turso database configuration), still in force. */
  sourceBlock: Pick<WriteBlock, "release">;
}

export interface SelfHostedTenant {
  /** sqld's user HTTP endpoint with the namespace and a read-write token for it. */
  endpoint: TenantEndpoint & { namespace: string };
  admin: SqldAdmin;
}

export interface ManagedTenant {
  api: TursoApi;
  /** The Turso database's name. */
  database: string;
  /** Group for a database the copy creates. */
  group: string;
  /** PEM of a private CA for the database hostnames (a staging front). @default the system's */
  ca?: string;
}

class CopyMismatch extends Error {}

function assertSame(what: string, source: DatabaseDigest, target: DatabaseDigest): void {
  const problems = compareDigests(source, target);
  if (problems.length) throw new CopyMismatch(`${what}: the target does not match the source (left as is for inspection):\n  ${problems.join("\n  ")}`);
}

const matches = (a: DatabaseDigest, b: DatabaseDigest) => compareDigests(a, b).length === 0;

async function managedEndpoint(m: ManagedTenant, hostname: string): Promise<TenantEndpoint> {
  return { url: `https://${hostname}`, token: await mintDatabaseToken(m.api, m.database), ...(m.ca ? { ca: m.ca } : {}) };
}

/** The Turso database with a short-lived full-access token, or undefined when it does not exist. */
export async function existingManagedEndpoint(m: ManagedTenant): Promise<TenantEndpoint | undefined> {
  const found = await findDatabase(m.api, m.database);
  return found && managedEndpoint(m, found.hostname);
}

/** Replays `source`'s dump into `target` on one Hrana stream, foreign keys off; returns the statements replayed. */
async function replayThroughHrana(source: TenantEndpoint, target: TenantEndpoint, limits?: ReplayBatchLimits): Promise<number> {
  const stream = new HranaStream(target);
  try {
    await stream.query("PRAGMA foreign_keys=OFF");
    // Each batch commits whole or not at all; a failed copy leaves the earlier batches, which the verification
    // or the re-run (a partial target is replaced) deals with.
    return await replayDump(await openDump(source), (batch) => stream.transaction(batch.map((sql) => ({ sql }))), limits);
  } finally {
    await stream.close().catch(() => undefined);
  }
}

/** A new Turso database seeded with the upload of `source`'s data; returns its endpoint and the statements replayed. */
async function uploadNewDatabase(source: TenantEndpoint, target: ManagedTenant, workDir: string, limits?: ReplayBatchLimits): Promise<{ endpoint: TenantEndpoint; statements: number }> {
  const file = await buildUploadFile(source, join(workDir, `${target.database}.db`), limits);
  const { hostname } = await createUploadDatabase(target.api, target.database, target.group);
  const endpoint = await managedEndpoint(target, hostname);
  const res = await send(endpoint, {
    method: "POST",
    path: "/v1/upload",
    headers: { "content-length": file.bytes, "content-type": "application/octet-stream" },
    body: createReadStream(file.path),
    timeoutMs: 600_000,
  });
  const answer = await readText(res);
  if (res.statusCode !== 200) throw new Error(`upload to ${describeEndpoint(endpoint)} refused: HTTP ${res.statusCode} ${answer.slice(0, 300)}`);
  return { endpoint, statements: file.statements };
}

/** Self-hosted namespace → Turso database. `workDir` holds the upload file while it is built and sent. */
export async function copyToManaged(o: { source: SelfHostedTenant; target: ManagedTenant; workDir: string; limits?: ReplayBatchLimits }): Promise<CopyResult> {
  const block = await blockNamespaceWrites(o.source.admin, o.source.endpoint.namespace, MODE_SWITCH_BLOCK_REASON);
  try {
    const digest = await digestDatabase(o.source.endpoint);
    const existing = await existingManagedEndpoint(o.target);
    let copied: { endpoint: TenantEndpoint; statements: number } | undefined;
    if (existing) {
      const target = await digestDatabase(existing).catch(() => undefined);
      if (target) {
        // A block an earlier switch left (this database was its source) would refuse our writes too: Turso's block
        // has no exemption. A database the copy creates below starts unblocked.
        await unblockDatabaseWrites(o.target.api, o.target.database);
        if (matches(digest, target)) return { outcome: "already-complete", digest, statements: 0, sourceBlock: block };
        await emptyDatabase(existing);
        copied = { endpoint: existing, statements: await replayThroughHrana(o.source.endpoint, existing, o.limits) };
      } else {
        // Unreadable: an upload of ours that never completed (a database the stack made answers queries). Nothing
        // holds tokens for it yet, so it is made again.
        await deleteDatabase(o.target.api, o.target.database);
      }
    }
    copied ??= await uploadNewDatabase(o.source.endpoint, o.target, o.workDir, o.limits);
    assertSame(`tenant ${o.source.endpoint.namespace} → Turso database ${o.target.database}`, digest, await digestDatabase(copied.endpoint));
    return { outcome: "copied", digest, statements: copied.statements, sourceBlock: block };
  } catch (error) {
    await block.release();
    throw error;
  }
}

/**
 * Empties the target namespace by deleting and creating it again, with the config it had (its `jwt_key`, size cap,
 * blocks: set by the stack, scripts/lib/tenant-namespace-config.ts) written back, so the tenant's tokens keep working.
 */
async function recreateNamespace(t: SelfHostedTenant): Promise<void> {
  const ns = t.endpoint.namespace;
  const config = await readNamespaceConfig(t.admin, ns);
  if (config) {
    const gone = await adminRequest(t.admin.endpoint, t.admin.key, "DELETE", `/v1/namespaces/${ns}`, JSON.stringify({ keep_backup: false }));
    if (gone.status !== 200) throw new Error(`deleting the partial namespace ${ns} failed: HTTP ${gone.status} ${gone.text.slice(0, 200)}`);
  }
  const made = await adminRequest(t.admin.endpoint, t.admin.key, "POST", `/v1/namespaces/${ns}/create`, "{}");
  if (made.status !== 200) throw new Error(`creating namespace ${ns} failed: HTTP ${made.status} ${made.text.slice(0, 200)}`);
  // Without a block an earlier switch left (this namespace was its source): the copy writes into it.
  if (config) await writeNamespaceConfig(t.admin, ns, config, isSwitchBlock(config) ? SWITCH_UNBLOCK : {});
}

/** Turso database → self-hosted namespace, through Hrana. */
export async function copyToSelfHosted(o: { source: ManagedTenant; target: SelfHostedTenant; limits?: ReplayBatchLimits }): Promise<CopyResult> {
  const source = await existingManagedEndpoint(o.source);
  if (!source) throw new Error(`Turso database ${o.source.database} does not exist: nothing to copy`);
  const block = await blockDatabaseWrites(o.source.api, o.source.database);
  try {
    const digest = await digestDatabase(source);
    if (await readNamespaceConfig(o.target.admin, o.target.endpoint.namespace)) {
      const target = await digestDatabase(o.target.endpoint).catch(() => undefined);
      if (target && matches(digest, target)) {
        await unblockSwitchedNamespace(o.target.admin, o.target.endpoint.namespace);
        return { outcome: "already-complete", digest, statements: 0, sourceBlock: block };
      }
    }
    await recreateNamespace(o.target);
    const statements = await replayThroughHrana(source, o.target.endpoint, o.limits);
    assertSame(`Turso database ${o.source.database} → tenant ${o.target.endpoint.namespace}`, digest, await digestDatabase(o.target.endpoint));
    return { outcome: "copied", digest, statements, sourceBlock: block };
  } catch (error) {
    await block.release();
    throw error;
  }
}
