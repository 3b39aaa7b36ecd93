/**
 * One namespace's migrations over @libsql/client (Hrana over HTTP). Each pending file runs in its own write
 * transaction together with its record in `_libsql_stack_migrations`: the file is applied completely, with its
 * record, or not at all. The record is re-read inside the transaction, so two migrators never apply a file twice.
 */
import { createClient, type Client } from "@libsql/client";
import type { MigrationFile } from "./files";
import { runFile } from "./run-file";

export const MIGRATIONS_TABLE = "_libsql_stack_migrations";

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

/** Savepoint around a file's statements: still there afterwards only if the file left the transaction alone. */
const GUARD = "_libsql_stack_migration_file";

export interface AppliedRecord {
  id: number;
  name: string;
  sha256: string;
  appliedAt: string;
}

/** A namespace's state refuses migration: an applied file changed, was renamed, or is missing here. */
export class MigrationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefused";
  }
}

export interface NamespaceConnection {
  url: string;
  authToken: string | undefined;
  /** Transport; names the namespace (x-namespace-bin) when the server has namespaces. */
  fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
}

export function openClient(c: NamespaceConnection): Client {
  return createClient({ url: c.url, authToken: c.authToken, fetch: c.fetch });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const SELECT_APPLIED = `SELECT id, name, sha256, applied_at FROM ${MIGRATIONS_TABLE} ORDER BY id`;

type Row = Record<string, unknown>;
const toRecord = (r: Row): AppliedRecord => ({ id: Number(r.id), name: String(r.name), sha256: String(r.sha256), appliedAt: String(r.applied_at) });

/** Applied records, oldest first; none when the table does not exist yet (a read: creates nothing). */
export async function readApplied(client: Client): Promise<AppliedRecord[]> {
  const exists = await client.execute({ sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", args: [MIGRATIONS_TABLE] });
  if (exists.rows.length === 0) return [];
  return (await client.execute(SELECT_APPLIED)).rows.map(toRecord);
}

/** Why an applied record does not match the files (undefined when it does). */
function mismatch(namespace: string, record: AppliedRecord, file: MigrationFile | undefined): string | undefined {
  if (!file) return `namespace ${namespace} has ${record.name} applied, which is not among the migration files (is this checkout older than the database?)`;
  if (file.name !== record.name) return `namespace ${namespace} has ${record.name} applied as number ${record.id}, but that number is now ${file.name}; applied files must not be renamed`;
  if (file.sha256 !== record.sha256) {
    return `${file.name} changed after it was applied to namespace ${namespace} (sha256 ${record.sha256.slice(0, 12)}… applied, ${file.sha256.slice(0, 12)}… now); add a new migration instead of editing an applied one`;
  }
  return undefined;
}

/** Applied files and pending files, or a refusal naming the file and the namespace. */
export function compare(namespace: string, files: readonly MigrationFile[], applied: readonly AppliedRecord[]): { applied: MigrationFile[]; pending: MigrationFile[] } {
  const byId = new Map(files.map((f) => [f.id, f]));
  const problems = applied.map((r) => mismatch(namespace, r, byId.get(r.id))).filter((p): p is string => p !== undefined);
  if (problems.length > 0) throw new MigrationRefused(problems.join("; "));
  const done = new Set(applied.map((r) => r.id));
  return { applied: files.filter((f) => done.has(f.id)), pending: files.filter((f) => !done.has(f.id)) };
}

/**
 * Applies one file with its record in one write transaction (BEGIN IMMEDIATE: the write lock is taken first).
 * Returns false when another migrator recorded the file meanwhile (its checksum is checked, nothing is run).
 */
async function applyFile(client: Client, namespace: string, file: MigrationFile): Promise<boolean> {
  const tx = await client.transaction("write");
  try {
    // BEGIN IMMEDIATE, the record check and the savepoint go in one request.
    const [recorded] = await tx.batch([{ sql: `SELECT id, name, sha256, applied_at FROM ${MIGRATIONS_TABLE} WHERE id = ?`, args: [file.id] }, `SAVEPOINT ${GUARD}`]);
    const row = recorded!.rows[0];
    if (row) {
      const problem = mismatch(namespace, toRecord(row), file);
      if (problem) throw new MigrationRefused(problem);
      await tx.rollback();
      return false;
    }
    await runFile(tx, file);
    // Real sqld 0.24.32 ran a statement after a COMMIT in the file although the client conditions each on
    // `not is_autocommit`: the savepoint is the guard. If the file ended the transaction, RELEASE finds no
    // savepoint, and the INSERT (conditioned on the RELEASE succeeding) does not run.
    try {
      await tx.batch([
        `RELEASE ${GUARD}`,
        {
          sql: `INSERT INTO ${MIGRATIONS_TABLE} (id, name, sha256, applied_at) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
          args: [file.id, file.name, file.sha256],
        },
      ]);
    } catch (error) {
      if (!/no such savepoint|was not executed/i.test(message(error))) throw error;
      throw new MigrationRefused(`${file.name} ended the migrator's transaction in namespace ${namespace} (COMMIT, END or ROLLBACK in the file): statements before that point may be applied; nothing was recorded`);
    }
    await tx.commit();
    return true;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.close();
  }
}

export interface NamespaceProgress {
  /** Files this run applied, in order. */
  applied: string[];
  /** The file that failed, when one did. */
  failedFile?: string;
}

/** Brings one namespace up to date with `files`. Throws after the first failing file; `progress` says how far it got. */
export async function migrateNamespace(client: Client, namespace: string, files: readonly MigrationFile[], progress: NamespaceProgress): Promise<void> {
  const [, applied] = await client.batch([CREATE_TABLE, SELECT_APPLIED], "write");
  const { pending } = compare(namespace, files, applied!.rows.map(toRecord));
  for (const file of pending) {
    try {
      if (await applyFile(client, namespace, file)) progress.applied.push(file.name);
    } catch (error) {
      progress.failedFile = file.name;
      throw error;
    }
  }
}
