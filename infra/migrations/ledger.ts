/**
 * The central ledger: one table in the stack-owned namespace LEDGER_NAMESPACE, the source of truth for what is
 * applied in every self-hosted namespace. No tenant token reaches that namespace (sqld answers 404 to a token
 * whose `p` claim does not name it), so nothing a tenant does in its own namespace changes what is recorded here.
 *
 * One row per namespace and file version (number, name, sha256):
 *  - `applying`: written before the file runs in the namespace, with a random nonce. The file then runs in the
 *    namespace's own transaction together with a marker row carrying that nonce (infra/migrations/tracked.ts).
 *  - `applied`: set after that transaction committed.
 * A crash between the two leaves `applying`; the next run looks for the marker with the nonce in the namespace:
 * there → the file was applied (only the recording is repeated); absent → the file runs again. The nonce exists
 * only here and, after the commit, in the namespace, so a tenant cannot fake "applied" for a file it did not run.
 *
 * The ledger is touched a fixed number of times per run, whatever the number of namespaces and files: one read,
 * one batch of intents, one batch of `applied` marks (see the run in infra/migrations/tracked-run.ts).
 */
import { randomBytes } from "node:crypto";
import type { Client, InStatement } from "@libsql/client";

export const LEDGER_TABLE = "_libsql_stack_ledger";

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
  namespace TEXT NOT NULL,
  id INTEGER NOT NULL,
  name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('applying', 'applied')),
  nonce TEXT NOT NULL UNIQUE,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace, id, name, sha256)
) WITHOUT ROWID`;

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
const SELECT_ROWS = `SELECT namespace, id, name, sha256, state, nonce, updated_at FROM ${LEDGER_TABLE}`;

/** Rows per statement when writing many: one JSON argument each, far below sqld's request limits. */
const CHUNK = 1000;

/** One version of one file in one namespace. */
export interface FileVersion {
  namespace: string;
  id: number;
  name: string;
  sha256: string;
}

export interface LedgerRow extends FileVersion {
  state: "applying" | "applied";
  nonce: string;
  updatedAt: string;
}

const toRow = (r: Record<string, unknown>): LedgerRow => ({
  namespace: String(r.namespace),
  id: Number(r.id),
  name: String(r.name),
  sha256: String(r.sha256),
  state: r.state === "applied" ? "applied" : "applying",
  nonce: String(r.nonce),
  updatedAt: String(r.updated_at),
});

/** Creates the table when missing and reads every row: the run's one read. */
export async function openLedger(client: Client): Promise<LedgerRow[]> {
  const [, rows] = await client.batch([CREATE_TABLE, `${SELECT_ROWS} ORDER BY namespace, id`], "write");
  return rows!.rows.map(toRow);
}

/** Every row, read-only (`--status`): none when no run has created the table yet. */
export async function readLedger(client: Client): Promise<LedgerRow[]> {
  const exists = await client.execute({ sql: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", args: [LEDGER_TABLE] });
  if (exists.rows.length === 0) return [];
  return (await client.execute(`${SELECT_ROWS} ORDER BY namespace, id`)).rows.map(toRow);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const asJson = (versions: readonly FileVersion[], extra: (v: FileVersion) => Record<string, string> = () => ({})) =>
  JSON.stringify(versions.map((v) => ({ ns: v.namespace, id: v.id, name: v.name, sha: v.sha256, ...extra(v) })));

const FROM_JSON = `json_extract(value, '$.ns'), json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.sha')`;

/**
 * Writes an `applying` intent for each version that has no row yet (an existing intent keeps its nonce: a run
 * that died after applying must find the marker it wrote), in one transaction, and returns every `applying` row.
 */
export async function recordIntents(client: Client, versions: readonly FileVersion[]): Promise<LedgerRow[]> {
  const inserts: InStatement[] = chunks(versions).map((chunk) => ({
    sql: `INSERT INTO ${LEDGER_TABLE} (namespace, id, name, sha256, nonce, state, updated_at)
      SELECT ${FROM_JSON}, json_extract(value, '$.nonce'), 'applying', ${NOW} FROM json_each(?) WHERE true
      ON CONFLICT (namespace, id, name, sha256) DO NOTHING`,
    args: [asJson(chunk, () => ({ nonce: randomBytes(16).toString("hex") }))],
  }));
  const results = await client.batch([...inserts, `${SELECT_ROWS} WHERE state = 'applying' ORDER BY namespace, id`], "write");
  return results[results.length - 1]!.rows.map(toRow);
}

/** Marks versions `applied` (those whose file committed in their namespace), in one transaction. */
export async function recordApplied(client: Client, versions: readonly FileVersion[]): Promise<void> {
  if (versions.length === 0) return;
  await client.batch(
    chunks(versions).map((chunk) => ({
      sql: `UPDATE ${LEDGER_TABLE} SET state = 'applied', updated_at = ${NOW}
        WHERE state = 'applying' AND (namespace, id, name, sha256) IN (SELECT ${FROM_JSON} FROM json_each(?))`,
      args: [asJson(chunk)],
    })),
    "write",
  );
}
