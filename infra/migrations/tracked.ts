/**
 * One self-hosted namespace migrated under the central ledger (infra/migrations/ledger.ts). The ledger decides
 * what is pending; the namespace only holds, per applied file, a marker row in `_libsql_stack_migrations` written
 * in the same transaction as the file, carrying the nonce of the ledger's `applying` intent. The marker is read for
 * one purpose: to tell whether an intent's file committed before a run stopped. A marker without the intent's
 * nonce (a tenant's fake row, a stale one) is ignored and overwritten, so a tenant cannot skip a file by writing
 * rows, nor make a file run twice by deleting them: only the ledger, which it cannot reach, says "applied".
 *
 * Everything read from the namespace is bounded (a few rows, short strings): its tables are the tenant's.
 */
import type { Client } from "@libsql/client";
import type { MigrationFile } from "./files";
import type { FileVersion, LedgerRow } from "./ledger";
import { compare, MIGRATIONS_TABLE, MigrationRefused, type AppliedRecord } from "./namespace";
import { runFile } from "./run-file";

const CREATE_MARKERS = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  nonce TEXT
)`;

/** Savepoint around a file's statements: still there afterwards only if the file left the transaction alone. */
const GUARD = "_libsql_stack_migration_file";

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What the run knows about one namespace before touching it. */
export interface TrackedPlan {
  namespace: string;
  /** Files the ledger does not record as applied here, in order. */
  pending: MigrationFile[];
  /** The ledger's `applying` rows for this namespace (intents, possibly of earlier versions of a file). */
  intents: LedgerRow[];
  /**
   * The ledger records nothing applied here: the namespace's own records are adopted once (a namespace migrated
   * before the central ledger existed). What a tenant wrote there can only make it skip its own files.
   */
  adopt: boolean;
  /** All the files of the set (adoption compares the namespace's records with them). */
  files: MigrationFile[];
}

export interface TrackedProgress {
  /** Files this run applied, in order. */
  applied: string[];
  /** Versions to mark `applied` in the ledger: applied now, found committed by an earlier run, or adopted. */
  recorded: FileVersion[];
  failedFile?: string;
}

const versionOf = (namespace: string, f: MigrationFile): FileVersion => ({ namespace, id: f.id, name: f.name, sha256: f.sha256 });

function record(progress: TrackedProgress, version: FileVersion): void {
  if (!progress.recorded.some((v) => v.id === version.id && v.name === version.name && v.sha256 === version.sha256)) progress.recorded.push(version);
}

/**
 * Marker table present with its nonce column (namespaces migrated before the central ledger lack it), and the
 * namespace's own records of `files` (at most one row more than there are files, strings cut short). One write
 * batch: a replica forwards it whole to the primary, so the read sees the table the batch creates. A separate read
 * through a replica could run before the CREATE had replicated there ("no such table", seen at load 8).
 */
async function prepareMarkers(client: Client, files: readonly MigrationFile[]): Promise<AppliedRecord[]> {
  const [, nonceColumn, rows] = await client.batch(
    [
      CREATE_MARKERS,
      `SELECT count(*) AS n FROM pragma_table_info('${MIGRATIONS_TABLE}') WHERE name = 'nonce'`,
      { sql: `SELECT id, substr(name, 1, 300) AS name, substr(sha256, 1, 64) AS sha256 FROM ${MIGRATIONS_TABLE} ORDER BY id LIMIT ?`, args: [files.length + 1] },
    ],
    "write",
  );
  if (Number(nonceColumn!.rows[0]?.n) === 0) await client.execute(`ALTER TABLE ${MIGRATIONS_TABLE} ADD COLUMN nonce TEXT`);
  return rows!.rows.map((r) => ({ id: Number(r.id), name: String(r.name), sha256: String(r.sha256), appliedAt: "" }));
}

/**
 * Applies one file with its marker in one write transaction, unless the marker of one of the file's intents is
 * already there (an earlier run, or a migrator running at the same time, committed it): then nothing runs.
 */
async function applyTracked(client: Client, namespace: string, file: MigrationFile, intents: readonly LedgerRow[]): Promise<"applied" | "committed-before"> {
  const own = intents.find((r) => r.name === file.name && r.sha256 === file.sha256);
  if (!own) throw new Error(`no ledger intent for ${file.name} in namespace ${namespace}`); // written before any namespace is touched
  const tx = await client.transaction("write");
  try {
    const [, found] = await tx.batch([
      CREATE_MARKERS,
      {
        sql: `SELECT substr(nonce, 1, 64) AS nonce FROM ${MIGRATIONS_TABLE} WHERE id = ? AND nonce IN (SELECT value FROM json_each(?)) LIMIT 1`,
        args: [file.id, JSON.stringify(intents.map((r) => r.nonce))],
      },
      `SAVEPOINT ${GUARD}`,
    ]);
    const marker = found!.rows[0];
    if (marker) {
      await tx.rollback();
      const committed = intents.find((r) => r.nonce === String(marker.nonce))!;
      if (committed === own) return "committed-before";
      throw new MigrationRefused(
        `${committed.name} (sha256 ${committed.sha256.slice(0, 12)}…) was applied to namespace ${namespace} as number ${file.id} by a run that stopped before recording it, and that file is now ${file.name} (sha256 ${file.sha256.slice(0, 12)}…); applied files must not change: restore it and add a new migration instead`,
      );
    }
    await runFile(tx, file);
    try {
      // As in namespace.ts applyFile: if the file ended the transaction, RELEASE finds no savepoint and the
      // marker (conditioned on the RELEASE) is not written.
      await tx.batch([
        `RELEASE ${GUARD}`,
        {
          sql: `INSERT OR REPLACE INTO ${MIGRATIONS_TABLE} (id, name, sha256, applied_at, nonce) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)`,
          args: [file.id, file.name, file.sha256, own.nonce],
        },
      ]);
    } catch (error) {
      if (!/no such savepoint|was not executed/i.test(message(error))) throw error;
      throw new MigrationRefused(`${file.name} ended the migrator's transaction in namespace ${namespace} (COMMIT, END or ROLLBACK in the file): statements before that point may be applied; nothing was recorded`);
    }
    await tx.commit();
    return "applied";
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.close();
  }
}

/** Brings one namespace up to date under the ledger. Throws after the first failing file; `progress` says how far. */
export async function migrateTrackedNamespace(client: Client, plan: TrackedPlan, progress: TrackedProgress): Promise<void> {
  const own = await prepareMarkers(client, plan.files);
  let pending = plan.pending;
  if (plan.adopt) {
    const adopted = compare(plan.namespace, plan.files, own).applied;
    for (const f of adopted) record(progress, versionOf(plan.namespace, f));
    pending = pending.filter((f) => !adopted.includes(f));
  }
  for (const file of pending) {
    try {
      const outcome = await applyTracked(client, plan.namespace, file, plan.intents.filter((r) => r.id === file.id));
      if (outcome === "applied" && !progress.applied.includes(file.name)) progress.applied.push(file.name);
      record(progress, versionOf(plan.namespace, file));
    } catch (error) {
      progress.failedFile = file.name;
      throw error;
    }
  }
}
