import type { Client } from "@libsql/client";

export interface WriteLoop {
  /** Ids whose insert the server acknowledged, in acknowledgement order, with the time of each acknowledgement. */
  readonly acknowledged: { id: number; at: number }[];
  /** Inserts that failed (the server went away mid-request): not acknowledged, so not counted as lost. */
  readonly failed: number;
  /** Stop issuing inserts and wait for those in flight. */
  stop(): Promise<void>;
}

/** `concurrency` writers inserting increasing ids into `t (id integer primary key, ...)` until stopped. */
export function startWriteLoop(client: Client, concurrency = 4): WriteLoop {
  const acknowledged: { id: number; at: number }[] = [];
  let next = 0;
  let failed = 0;
  let stopped = false;
  const writer = async () => {
    while (!stopped) {
      const id = next++;
      try {
        await client.execute({ sql: "insert into t (id) values (?)", args: [id] });
        acknowledged.push({ id, at: Date.now() });
      } catch {
        failed++;
        // A dead server refuses at once; do not spin while the test stops the loop.
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  const writers = Array.from({ length: concurrency }, writer);
  return {
    acknowledged,
    get failed() {
      return failed;
    },
    async stop() {
      stopped = true;
      await Promise.all(writers);
    },
  };
}

/** Acknowledged ids that are not in `present`. */
export function lostWrites(loop: WriteLoop, present: ReadonlySet<number>): number[] {
  return loop.acknowledged.filter((w) => !present.has(w.id)).map((w) => w.id);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `n` more inserts are acknowledged. */
export async function waitForWrites(loop: WriteLoop, n: number): Promise<void> {
  const target = loop.acknowledged.length + n;
  while (loop.acknowledged.length < target) await sleep(5);
}
