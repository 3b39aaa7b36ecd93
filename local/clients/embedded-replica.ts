/**
 * A real embedded replica (@libsql/client `file:` + `syncUrl`, npm `libsql`) syncing from a real sqld, as a phone
 * or server would. libsql picks the namespace from the first label of the sync URL's host
 * (`<namespace>.<domain>`), so the replica runs in a child with its own name resolution (hosts-child.ts).
 * The child keeps its local file between commands, so a test can sync, stop the server, read offline, sync again.
 */
import { join } from "node:path";
import { CHILD_PROTOCOL, NODE_MODULES, startHostsChild, type ChildOutcome } from "./hosts-child";

/** The child: the replica (its file in the child's folder, removed with it), and {op: "sync"} | {op: "execute", sql} | {op: "time", sql, args}. */
const CHILD = `${CHILD_PROTOCOL}
const { createClient } = require(${JSON.stringify(join(NODE_MODULES, "@libsql/client"))});
const client = createClient({ url: "file:" + require("node:path").join(__dirname, "replica.db"), syncUrl: process.env.SYNC_URL, authToken: process.env.TOKEN });
serve({
  sync: async () => {
    const r = await client.sync();
    return { frames: r ? r.frames_synced : undefined };
  },
  execute: async (cmd) => ({ rows: toRows(await client.execute(cmd.sql)) }),
  // Runs sql once per args list and answers each duration measured here: a local read takes microseconds, less
  // than one JSON line round trip (bench/replicas.ts).
  time: async (cmd) => {
    const ms = [];
    for (const args of cmd.args) {
      const t0 = performance.now();
      await client.execute({ sql: cmd.sql, args });
      ms.push(performance.now() - t0);
    }
    return { ms };
  },
}, () => client.close());
`;

export type ReplicaOutcome = ChildOutcome & { ms?: number[] };

export interface EmbeddedReplica {
  sync(): Promise<ReplicaOutcome>;
  execute(sql: string): Promise<ReplicaOutcome>;
  /** libsql's own log lines so far (e.g. a refused sync's retries), without terminal colours. */
  log(): string[];
  /** Runs `sql` once per entry of `args` inside the child; `ms` holds each statement's duration there (benchmarks). */
  time(sql: string, args: (string | number)[][]): Promise<ReplicaOutcome>;
  close(): Promise<void>;
}

export interface ReplicaTarget {
  namespace: string;
  /** The HTTP port on 127.0.0.1 that serves the namespace (sqld's, or an edge in front of it). */
  port: number;
  token: string;
  /** The host is `<namespace>.<domain>`, resolved to 127.0.0.1 for this child only. @default "db.test" */
  domain?: string;
}

/** The sync URL a replica of `t` uses (what a phone would be given, with http:// on loopback). */
export const replicaSyncUrl = (t: Pick<ReplicaTarget, "namespace" | "port" | "domain">) => `http://${t.namespace}.${t.domain ?? "db.test"}:${t.port}`;

/** An embedded replica of `namespace` on 127.0.0.1:`port`, with `token`. */
export async function openEmbeddedReplica(o: ReplicaTarget): Promise<EmbeddedReplica> {
  const syncUrl = replicaSyncUrl(o);
  const child = startHostsChild({ hosts: [new URL(syncUrl).hostname], source: CHILD, env: { SYNC_URL: syncUrl, TOKEN: o.token } });
  return {
    sync: () => child.send({ op: "sync" }),
    execute: (sql) => child.send({ op: "execute", sql }),
    time: (sql, args) => child.send({ op: "time", sql, args }),
    // libsql colours its tracing lines (ANSI codes) even on a pipe; tests match the text.
    log: () => child.log().map((line) => line.replace(/\x1b\[[0-9;]*m/g, "")),
    close: () => child.close(),
  };
}

/** One-shot: a fresh replica syncs, reads `sql` locally, and is closed. */
export async function syncEmbeddedReplica(o: ReplicaTarget & { sql: string }): Promise<ReplicaOutcome> {
  const replica = await openEmbeddedReplica(o);
  try {
    const synced = await replica.sync();
    return synced.ok ? await replica.execute(o.sql) : synced;
  } finally {
    await replica.close();
  }
}
