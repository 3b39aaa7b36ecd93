/**
 * A self-hosted migration run under the central ledger, in this order:
 *  1. read the ledger (LEDGER_NAMESPACE) once; a ledger record that does not match the files (an applied file
 *     changed, renamed, or missing from the checkout) is the operator's doing: the run stops, no tenant touched;
 *  2. canary (infra/migrations/canary.ts) for the tenant files, when a tenant has something pending: a file that
 *     fails there stops the run, no tenant touched;
 *  3. one batch of `applying` intents in the ledger;
 *  4. stack-owned namespaces (`migrations.shared`: only the stack's tokens reach them, so a failure there is the
 *     migration's or the operator's): a failure stops the run before any tenant;
 *  5. tenant namespaces, in parallel: a failure there is tenant-specific (its data or its tampering); the tenant
 *     stays at its version, is reported, and is tried again by every later run; the run does not fail for it;
 *  6. one batch marking what committed `applied` (also after a stop in 4, for what did commit).
 * Every stage retries sqld's eviction symptoms (retries.ts).
 */
import type { MigrationFile } from "./files";
import { CanaryFailed, runCanary } from "./canary";
import { openLedger, readLedger, recordApplied, recordIntents, type FileVersion, type LedgerRow } from "./ledger";
import { compare } from "./namespace";
import { checkConcurrency, DEFAULT_ATTEMPTS, DEFAULT_CONCURRENCY, mapBounded, message, withRetries } from "./retries";
import { connect, failedOnly, type FailedNamespace, type MigrationRun, type MigrationTarget, type MigratorOptions, type NamespaceResult, type NamespaceStatus } from "./run-types";
import { CANARY_NAMESPACE, LEDGER_NAMESPACE } from "./stack-namespaces";
import { migrateTrackedNamespace, type TrackedPlan, type TrackedProgress } from "./tracked";

async function onNamespace<T>(namespace: string, access: "ro" | "rw", o: MigratorOptions, work: (client: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> {
  return withRetries(o.attempts ?? DEFAULT_ATTEMPTS, async () => {
    const client = await connect(namespace, access, o);
    try {
      return await work(client);
    } finally {
      client.close();
    }
  });
}

const isStackOwned = (t: MigrationTarget) => t.owner === "stack";

/** The error, and for a 404 on one of the migrator's own namespaces, where that namespace comes from. */
function ownNamespaceError(namespace: string, error: unknown): string {
  const text = message(error);
  return /HTTP status 404|doesn't exist/i.test(text)
    ? `${text} (namespace ${namespace} must exist: the stack's sqld-namespaces Command creates it with the tenants when there are migrations)`
    : text;
}
const rowsOf = (rows: readonly LedgerRow[], namespace: string) => rows.filter((r) => r.namespace === namespace);
const appliedRecords = (rows: readonly LedgerRow[]) => rows.filter((r) => r.state === "applied").map((r) => ({ ...r, appliedAt: r.updatedAt }));

/** Applied and pending files of one namespace according to the ledger; throws MigrationRefused on a mismatch. */
function ledgerState(target: MigrationTarget, rows: readonly LedgerRow[]) {
  return compare(target.namespace, target.files, appliedRecords(rowsOf(rows, target.namespace)));
}

/** A run that stopped before tenants: every namespace not already in `done` is reported as skipped. */
function stoppedRun(targets: readonly MigrationTarget[], done: readonly NamespaceResult[], stopped: NonNullable<MigrationRun["stopped"]>): MigrationRun {
  const byNamespace = new Map(done.map((r) => [r.namespace, r]));
  const results = targets.map(
    (t): NamespaceResult =>
      byNamespace.get(t.namespace) ?? { namespace: t.namespace, ok: false, applied: [], skipped: true, blocking: true, error: `not migrated: the run stopped (${stopped.stage} failed)` },
  );
  return { ok: false, results, failed: failedOnly(results), stopped };
}

/** Distinct tenant file lists that have something pending somewhere, each with the config key it comes from. */
function canarySets(plans: readonly { target: MigrationTarget; pending: MigrationFile[] }[]): { label: string; files: MigrationFile[] }[] {
  const sets = new Map<string, { label: string; files: MigrationFile[] }>();
  for (const { target, pending } of plans) {
    if (isStackOwned(target) || pending.length === 0) continue;
    const key = target.files.map((f) => `${f.name}:${f.sha256}`).join("\n");
    if (!sets.has(key)) sets.set(key, { label: target.set ?? "the tenant files", files: target.files });
  }
  return [...sets.values()];
}

async function migrateOne(plan: TrackedPlan, blocking: boolean, o: MigratorOptions, recorded: FileVersion[]): Promise<NamespaceResult> {
  const progress: TrackedProgress = { applied: [], recorded: [] };
  try {
    await onNamespace(plan.namespace, "rw", o, async (client) => {
      progress.failedFile = undefined;
      await migrateTrackedNamespace(client, plan, progress);
    });
    return { namespace: plan.namespace, ok: true, applied: progress.applied };
  } catch (error) {
    return { namespace: plan.namespace, ok: false, applied: progress.applied, failedFile: progress.failedFile, error: message(error), blocking };
  } finally {
    recorded.push(...progress.recorded);
  }
}

/** Applies pending files to every target under the central ledger. Never throws for a namespace's failure. */
export async function migrateWithLedger(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<MigrationRun> {
  const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
  checkConcurrency(concurrency); // before anything is touched
  let rows: LedgerRow[];
  try {
    rows = await onNamespace(LEDGER_NAMESPACE, "rw", o, openLedger);
  } catch (error) {
    return stoppedRun(targets, [], { stage: "ledger", error: `the migration ledger (namespace ${LEDGER_NAMESPACE}) cannot be read: ${ownNamespaceError(LEDGER_NAMESPACE, error)}` });
  }

  const refused: FailedNamespace[] = [];
  const plans: { target: MigrationTarget; pending: MigrationFile[]; adopt: boolean }[] = [];
  for (const target of targets) {
    try {
      const { applied, pending } = ledgerState(target, rows);
      plans.push({ target, pending, adopt: applied.length === 0 });
    } catch (error) {
      refused.push({ namespace: target.namespace, ok: false, applied: [], error: message(error), blocking: true });
    }
  }
  if (refused.length > 0) {
    return stoppedRun(targets, refused, { stage: "ledger", error: `${refused.length} namespace(s) refuse the files: ${refused[0]!.error}` });
  }

  for (const set of canarySets(plans)) {
    try {
      await onNamespace(CANARY_NAMESPACE, "rw", o, (client) => runCanary(client, set.files));
    } catch (error) {
      const failedFile = error instanceof CanaryFailed ? error.failedFile : undefined;
      const what = failedFile ? `${failedFile} failed in the canary (${set.label} replayed from 0001 in namespace ${CANARY_NAMESPACE})` : `the canary (namespace ${CANARY_NAMESPACE}) failed`;
      return stoppedRun(targets, [], { stage: "canary", failedFile, error: `${what}: ${failedFile ? message(error) : ownNamespaceError(CANARY_NAMESPACE, error)}` });
    }
  }

  const wanted = plans.flatMap(({ target, pending }) => pending.map((f) => ({ namespace: target.namespace, id: f.id, name: f.name, sha256: f.sha256 })));
  let intents: LedgerRow[] = [];
  if (wanted.length > 0) {
    try {
      intents = await onNamespace(LEDGER_NAMESPACE, "rw", o, (client) => recordIntents(client, wanted));
    } catch (error) {
      return stoppedRun(targets, [], { stage: "ledger", error: `the migration ledger (namespace ${LEDGER_NAMESPACE}) refused the intents: ${message(error)}` });
    }
  }
  const trackedPlan = ({ target, pending, adopt }: (typeof plans)[number]): TrackedPlan => ({
    namespace: target.namespace,
    pending,
    adopt,
    files: target.files,
    intents: rowsOf(intents, target.namespace),
  });

  const recorded: FileVersion[] = [];
  const results = new Map<string, NamespaceResult>();
  // A namespace with nothing pending in the ledger is not touched at all (what its tenant did there is its own).
  const stackPlans = plans.filter((p) => isStackOwned(p.target) && p.pending.length > 0);
  for (const r of await mapBounded(stackPlans, concurrency, (p) => migrateOne(trackedPlan(p), true, o, recorded))) results.set(r.namespace, r);
  const stackFailure = [...results.values()].find((r): r is FailedNamespace => !r.ok);
  if (!stackFailure) {
    const tenantPlans = plans.filter((p) => !isStackOwned(p.target) && p.pending.length > 0);
    for (const r of await mapBounded(tenantPlans, concurrency, (p) => migrateOne(trackedPlan(p), false, o, recorded))) results.set(r.namespace, r);
  }

  let ledgerError: string | undefined;
  try {
    await onNamespace(LEDGER_NAMESPACE, "rw", o, (client) => recordApplied(client, recorded));
  } catch (error) {
    // Nothing is lost: each applied file's marker holds its intent's nonce, so the next run records it.
    ledgerError = `the migration ledger (namespace ${LEDGER_NAMESPACE}) was not updated (the next run records what was applied): ${message(error)}`;
  }
  if (stackFailure) {
    return stoppedRun(targets, [...results.values()], { stage: "shared", failedFile: stackFailure.failedFile, error: `namespace ${stackFailure.namespace}: ${stackFailure.error}` });
  }
  const all = targets.map((t): NamespaceResult => results.get(t.namespace) ?? { namespace: t.namespace, ok: true, applied: [] });
  const failed = failedOnly(all);
  if (ledgerError) return { ok: false, results: all, failed, stopped: { stage: "ledger", error: ledgerError } };
  return { ok: !failed.some((f) => f.blocking), results: all, failed };
}

/** What is applied and pending in every target according to the ledger, read with a read-only token. */
export async function statusFromLedger(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<Record<string, NamespaceStatus>> {
  let rows: LedgerRow[];
  try {
    rows = await onNamespace(LEDGER_NAMESPACE, "ro", o, readLedger);
  } catch (error) {
    const why = `the migration ledger (namespace ${LEDGER_NAMESPACE}) cannot be read: ${message(error)}`;
    return Object.fromEntries(targets.map((t) => [t.namespace, { applied: [], pending: t.files.map((f) => f.name), error: why }]));
  }
  return Object.fromEntries(
    targets.map((t): [string, NamespaceStatus] => {
      try {
        const { applied, pending } = ledgerState(t, rows);
        return [t.namespace, { applied: applied.map((f) => f.name), pending: pending.map((f) => f.name) }];
      } catch (error) {
        return [t.namespace, { applied: [], pending: t.files.map((f) => f.name), error: message(error) }];
      }
    }),
  );
}
