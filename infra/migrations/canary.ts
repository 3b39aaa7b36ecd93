/**
 * The canary: before any tenant namespace is touched, the tenant files are replayed from 0001 in the stack-owned
 * scratch namespace CANARY_NAMESPACE, inside one transaction that is then rolled back. Only the stack's tokens
 * reach that namespace and it starts empty every time, so a file that fails there fails on its own merits (a
 * syntax error, a table an earlier file never created, a file that ends the transaction): the run stops and no
 * tenant is touched. A file that passes here and then fails in a tenant namespace failed because of what is in
 * that namespace (the tenant's data, or its tampering), which does not stop the deploy.
 *
 * Replaying every file each run (rather than keeping the canary at the latest version) means the canary can
 * never drift from the files: nothing of it is kept between runs.
 */
import type { Client } from "@libsql/client";
import type { MigrationFile } from "./files";
import { runFile } from "./run-file";

/** Savepoint around each file: gone afterwards only if the file ended the transaction itself. */
const GUARD = "_libsql_stack_canary_file";

export class CanaryFailed extends Error {
  constructor(
    readonly failedFile: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "CanaryFailed";
  }
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Drops whatever a previous canary left committed (only a file that ended the transaction can leave anything;
 * the guard below then fails that run). Nothing to do, the usual case, costs one read.
 */
async function emptyScratch(client: Client): Promise<void> {
  const left = await client.execute("SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger', 'table') AND name NOT LIKE 'sqlite_%'");
  if (left.rows.length === 0) return;
  const order = ["view", "trigger", "table"];
  const drops = [...left.rows]
    .sort((a, b) => order.indexOf(String(a.type)) - order.indexOf(String(b.type)))
    .map((r) => `DROP ${String(r.type).toUpperCase()} IF EXISTS ${quoted(String(r.name))}`);
  await client.batch(drops, "write");
}

/** Replays `files` in order in the canary namespace and rolls everything back. Throws CanaryFailed for a bad file. */
export async function runCanary(client: Client, files: readonly MigrationFile[]): Promise<void> {
  await emptyScratch(client);
  const tx = await client.transaction("write");
  try {
    await tx.execute(`SAVEPOINT ${GUARD}`);
    for (const [i, file] of files.entries()) {
      try {
        await runFile(tx, file);
      } catch (error) {
        throw new CanaryFailed(file.name, message(error));
      }
      try {
        await tx.batch(i === files.length - 1 ? [`RELEASE ${GUARD}`] : [`RELEASE ${GUARD}`, `SAVEPOINT ${GUARD}`]);
      } catch (error) {
        if (!/no such savepoint|was not executed/i.test(message(error))) throw error;
        throw new CanaryFailed(file.name, `${file.name} ended the migrator's transaction (COMMIT, END or ROLLBACK in the file); each file must leave the transaction to the migrator`);
      }
    }
  } finally {
    await tx.rollback().catch(() => undefined);
    tx.close();
  }
}
