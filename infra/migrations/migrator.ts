/**
 * The migrator used by the stack's `migrations` Command and by `npm run migrate`: brings every target namespace
 * to its set of files, a bounded number of namespaces at a time. A failing namespace stops only itself; the run
 * then fails with the list of namespaces that failed.
 */
import { NAMESPACE_HEADER, namespaceHeaderValue } from "../../worker/db";
import type { MigrationFile } from "./files";
import { compare, migrateNamespace, openClient, readApplied, type NamespaceProgress } from "./namespace";

export { MIGRATIONS_TABLE, MigrationRefused } from "./namespace";

export interface MigrationTarget {
  /** sqld namespace (self-hosted), or `default` for the managed database. */
  namespace: string;
  files: MigrationFile[];
}

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface MigratorOptions {
  /** sqld's public URL (https://<app>.fly.dev) or the database URL (libsql://<host>). */
  url: string;
  /** Token for one namespace: self-hosted mints a short-lived token scoped to it; managed returns the database token. */
  authToken: (namespace: string, access: "ro" | "rw") => Promise<string | undefined>;
  /** Send the namespace in `x-namespace-bin` (sqld with namespaces); false for a Turso database. @default true */
  namespaceHeader?: boolean;
  /** Namespaces migrated at the same time. @default 8 */
  concurrency?: number;
  /** HTTP transport (e.g. one that counts or proxies requests). @default globalThis.fetch */
  fetch?: Fetch;
  /** Tries per namespace when sqld answers with a transient error (see `isTransient`). @default DEFAULT_ATTEMPTS (16) */
  attempts?: number;
}

export type NamespaceResult =
  | { namespace: string; ok: true; applied: string[] }
  | { namespace: string; ok: false; applied: string[]; failedFile?: string; error: string };

export interface MigrationRun {
  ok: boolean;
  results: NamespaceResult[];
  failed: Extract<NamespaceResult, { ok: false }>[];
}

export interface NamespaceStatus {
  applied: string[];
  pending: string[];
  /** Why the namespace cannot be migrated (changed or unknown applied files, unreachable), when it cannot. */
  error?: string;
}

export const DEFAULT_CONCURRENCY = 8;

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number >= 1, got ${limit}`);
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

function transport(namespace: string, o: MigratorOptions): Fetch {
  const send = o.fetch ?? ((input, init) => fetch(input, init));
  if (o.namespaceHeader === false) return send;
  return (input, init) => {
    const request = new Request(input, init);
    request.headers.set(NAMESPACE_HEADER, namespaceHeaderValue(namespace));
    return send(request);
  };
}

async function connect(target: MigrationTarget, access: "ro" | "rw", o: MigratorOptions) {
  return openClient({ url: o.url, authToken: await o.authToken(target.namespace, access), fetch: transport(target.namespace, o) });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * sqld keeps at most --max-active-namespaces (default 100) namespaces open and evicts others asynchronously
 * (libsql-server/src/namespace/store.rs, moka `max_capacity` + `async_eviction_listener`). Observed on sqld 0.24.32
 * with 1000 namespaces: a request to an existing namespace that was being evicted answered 404
 * NamespaceDoesntExist, an open transaction's stream answered STREAM_EXPIRED (the namespace and its connection
 * were gone: the transaction was not committed), and a request answered 500 "Checkpoint failed:
 * wal_checkpoint_v2 error code 5" or SQLITE_BUSY "database is locked" (the evicted copy was still closing).
 * Each step here is transactional and re-reads the
 * records, so trying again is safe; a namespace that really does not exist keeps answering 404 and fails after
 * the last try.
 */
export function isTransient(error: unknown): boolean {
  return /HTTP status (404|5\d\d)|NamespaceDoesntExist|doesn't exist|STREAM_EXPIRED|SQLITE_BUSY|database is locked/i.test(message(error));
}

/** Tries per namespace for transient errors (see withRetries for the waits between them). */
const DEFAULT_ATTEMPTS = 16;

async function withRetries<T>(attempts: number, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransient(error)) throw error;
      // 100 ms, 200 ms, … up to 2 s between tries: about 25 s over 16 tries, well past sqld's 10 s Hrana stream
      // expiry, which is what finally releases a write lock that a stream on an evicted copy still held. 12 tries
      // (15 s) were not always enough on a loaded 2-core machine, where closing an evicted copy takes longer.
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    }
  }
}

/** Applies pending files to every target. Never throws for a namespace's failure: see `failed`. */
export async function migrate(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<MigrationRun> {
  const results = await mapBounded(targets, o.concurrency ?? DEFAULT_CONCURRENCY, async (target): Promise<NamespaceResult> => {
    const progress: NamespaceProgress = { applied: [] };
    try {
      await withRetries(o.attempts ?? DEFAULT_ATTEMPTS, async () => {
        progress.failedFile = undefined;
        const client = await connect(target, "rw", o);
        try {
          await migrateNamespace(client, target.namespace, target.files, progress);
        } finally {
          client.close();
        }
      });
      return { namespace: target.namespace, ok: true, applied: progress.applied };
    } catch (error) {
      return { namespace: target.namespace, ok: false, applied: progress.applied, failedFile: progress.failedFile, error: message(error) };
    }
  });
  const failed = results.filter((r): r is Extract<NamespaceResult, { ok: false }> => !r.ok);
  return { ok: failed.length === 0, results, failed };
}

/** What is applied and pending in every target, read with read-only tokens; changes nothing. */
export async function migrationStatus(targets: readonly MigrationTarget[], o: MigratorOptions): Promise<Record<string, NamespaceStatus>> {
  const entries = await mapBounded(targets, o.concurrency ?? DEFAULT_CONCURRENCY, async (target): Promise<[string, NamespaceStatus]> => {
    try {
      return await withRetries(o.attempts ?? DEFAULT_ATTEMPTS, async (): Promise<[string, NamespaceStatus]> => {
        const client = await connect(target, "ro", o);
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
