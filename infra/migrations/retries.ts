/** Bounded parallelism and the retries for sqld's namespace evictions, shared by every migrator path. */

export const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Namespaces migrated at once unless `migrations.concurrency` (or `--concurrency`) says otherwise. */
export const DEFAULT_CONCURRENCY = 8;

/** Throws for a bound that is not a whole number >= 1. */
export function checkConcurrency(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a whole number >= 1, got ${limit}`);
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  checkConcurrency(limit);
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

/**
 * sqld keeps at most --max-active-namespaces (default 100) namespaces open and evicts others asynchronously
 * (libsql-server/src/namespace/store.rs, moka `max_capacity` + `async_eviction_listener`). Observed on sqld 0.24.32
 * with 1000 namespaces: a request to an existing namespace that was being evicted answered 404
 * NamespaceDoesntExist, an open transaction's stream answered STREAM_EXPIRED (the namespace and its connection
 * were gone: the transaction was not committed), and a request answered 500 "Checkpoint failed:
 * wal_checkpoint_v2 error code 5" or SQLITE_BUSY "database is locked" (the evicted copy was still closing).
 * With RUST_LOG=libsql_server::namespace=debug (--max-active-namespaces 4, 12 tenants, concurrency 2) the 404s
 * have two causes: moka 0.12.8's TinyLFU admission refuses a namespace the request has just loaded when the
 * entry it would displace is used more often (log: "evicting namespace `X` asynchronously: Size", then "404
 * NamespaceDoesntExist(X)" under the same req_id), and a namespace evicted while one of our transactions was open
 * answers 404 on that stream while its closing copy keeps SQLite's write lock until the stream expires (10 s):
 * the new copy answers SQLITE_BUSY meanwhile (tries alternate 404 / BUSY up to the 9th or 10th). So the central
 * ledger is touched only in single-request batches, never by an open transaction, and never while tenants run.
 * Each step here is transactional and re-reads the records, so trying again is safe; a namespace that really
 * does not exist keeps answering 404 and fails after the last try.
 */
export function isTransient(error: unknown): boolean {
  return /HTTP status (404|5\d\d)|NamespaceDoesntExist|doesn't exist|STREAM_EXPIRED|SQLITE_BUSY|database is locked/i.test(message(error));
}

/** Tries per namespace for transient errors (see withRetries for the waits between them). */
export const DEFAULT_ATTEMPTS = 16;

export async function withRetries<T>(attempts: number, work: () => Promise<T>): Promise<T> {
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
