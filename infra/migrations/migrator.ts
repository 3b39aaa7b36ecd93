/**
 * The migrator used by the stack's `migrations` Command and by `npm run migrate`: brings every target to its set
 * of files, a bounded number of namespaces at a time.
 *
 * Self-hosted (sqld namespaces, `namespaceHeader` on): the central ledger, the canary and the tenant/stack split
 * of infra/migrations/tracked-run.ts, so nothing a tenant does with its own token fails another tenant or the run.
 * Managed (one Turso database, `namespaceHeader: false`): no namespace to hold a ledger apart from the data, so
 * the database keeps its own ledger table, each file atomic with its record (namespace.ts), as before; any
 * failure fails the run.
 */
import { compare, migrateNamespace, readApplied, type NamespaceProgress } from "./namespace";
import { DEFAULT_ATTEMPTS, DEFAULT_CONCURRENCY, mapBounded, message, withRetries } from "./retries";
import { connect, failedOnly, type MigrationRun, type MigrationTarget, type MigratorOptions, type NamespaceResult, type NamespaceStatus } from "./run-types";
import { migrateWithLedger, statusFromLedger } from "./tracked-run";

export { isTransient, mapBounded } from "./retries";
export type { FailedNamespace, MigrationRun, MigrationTarget, MigratorOptions, NamespaceResult, NamespaceStatus } from "./run-types";

const usesLedger = (o: MigratorOptions) => o.namespaceHeader !== false;

/** The database's own ledger (managed mode): every failure is blocking. */
async function migrateInDatabase(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<MigrationRun> {
  const results = await mapBounded(targets, o.concurrency ?? DEFAULT_CONCURRENCY, async (target): Promise<NamespaceResult> => {
    const progress: NamespaceProgress = { applied: [] };
    try {
      await withRetries(o.attempts ?? DEFAULT_ATTEMPTS, async () => {
        progress.failedFile = undefined;
        const client = await connect(target.namespace, "rw", o);
        try {
          await migrateNamespace(client, target.namespace, target.files, progress);
        } finally {
          client.close();
        }
      });
      return { namespace: target.namespace, ok: true, applied: progress.applied };
    } catch (error) {
      return { namespace: target.namespace, ok: false, applied: progress.applied, failedFile: progress.failedFile, error: message(error), blocking: true };
    }
  });
  const failed = failedOnly(results);
  return { ok: failed.length === 0, results, failed };
}

async function statusInDatabase(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<Record<string, NamespaceStatus>> {
  const entries = await mapBounded(targets, o.concurrency ?? DEFAULT_CONCURRENCY, async (target): Promise<[string, NamespaceStatus]> => {
    try {
      return await withRetries(o.attempts ?? DEFAULT_ATTEMPTS, async (): Promise<[string, NamespaceStatus]> => {
        const client = await connect(target.namespace, "ro", o);
        try {
          const { applied, pending } = compare(target.namespace, target.files, await readApplied(client));
          return [target.namespace, { applied: applied.map((f) => f.name), pending: pending.map((f) => f.name) }];
        } finally {
          client.close();
        }
      });
    } catch (error) {
      return [target.namespace, { applied: [], pending: target.files.map((f) => f.name), error: message(error) }];
    }
  });
  return Object.fromEntries(entries);
}

/** Applies pending files to every target. Never throws for a namespace's failure: see `failed`, `ok`, `stopped`. */
export async function migrate(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<MigrationRun> {
  return usesLedger(o) ? migrateWithLedger(targets, o) : migrateInDatabase(targets, o);
}

/** What is applied and pending in every target, read with read-only tokens; changes nothing. */
export async function migrationStatus(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<Record<string, NamespaceStatus>> {
  return usesLedger(o) ? statusFromLedger(targets, o) : statusInDatabase(targets, o);
}
