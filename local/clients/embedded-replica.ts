/**
 * A real embedded replica (@libsql/client `file:` + `syncUrl`, npm `libsql`) syncing from a real sqld, as a phone
 * or server would. libsql picks the namespace from the first label of the sync URL's host
 * (`<namespace>.<domain>`), so the replica runs in a child process with its own /etc/hosts: tests run as root
 * here, and `unshare -m` + a bind mount gives that one process a private name resolution (nothing else changes).
 * The child keeps its local file between commands, so a test can sync, stop the server, read offline, sync again.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

const ROOT = resolve(__dirname, "../..");

/**
 * The child: one JSON command per stdin line, one JSON answer per line. Ops: {op: "sync"}, {op: "execute", sql},
 * {op: "time", sql, args: [[...], ...]} (runs sql once per args list, one after another, and answers the duration
 * of each in ms measured in the child: a local read takes microseconds, less than one JSON line round trip).
 */
const CHILD = `
const { createClient } = require(${JSON.stringify(join(ROOT, "node_modules/@libsql/client"))});
const client = createClient({ url: "file:" + process.env.REPLICA_FILE, syncUrl: process.env.SYNC_URL, authToken: process.env.TOKEN });
const lines = require("node:readline").createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const cmd = JSON.parse(line);
  try {
    if (cmd.op === "sync") {
      const r = await client.sync();
      console.log(JSON.stringify({ ok: true, frames: r ? r.frames_synced : undefined }));
    } else if (cmd.op === "time") {
      const ms = [];
      for (const args of cmd.args) {
        const t0 = performance.now();
        await client.execute({ sql: cmd.sql, args });
        ms.push(performance.now() - t0);
      }
      console.log(JSON.stringify({ ok: true, ms }));
    } else {
      const rs = await client.execute(cmd.sql);
      console.log(JSON.stringify({ ok: true, rows: rs.rows.map((r) => Object.values(r).map((v) => typeof v === "bigint" ? Number(v) : v)) }));
    }
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e) }));
  }
});
lines.on("close", () => client.close());
`;

export type ReplicaOutcome = { ok: true; rows?: unknown[][]; frames?: number; ms?: number[] } | { ok: false; error: string };

export interface EmbeddedReplica {
  sync(): Promise<ReplicaOutcome>;
  execute(sql: string): Promise<ReplicaOutcome>;
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
  const dir = mkdtempSync(join(tmpdir(), "embedded-replica-"));
  const host = new URL(replicaSyncUrl(o)).hostname;
  writeFileSync(join(dir, "hosts"), `127.0.0.1 localhost\n127.0.0.1 ${host}\n`);
  writeFileSync(join(dir, "child.cjs"), CHILD);
  const env = { ...process.env, REPLICA_FILE: join(dir, "replica.db"), SYNC_URL: replicaSyncUrl(o), TOKEN: o.token };
  const script = `mount --bind "$1/hosts" /etc/hosts && exec "$2" "$1/child.cjs"`;
  const child: ChildProcessWithoutNullStreams = spawn("unshare", ["-m", "sh", "-c", script, "sh", dir, process.execPath], { env });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let queue = Promise.resolve();
  const send = (command: unknown): Promise<ReplicaOutcome> => {
    const result = queue.then(async () => {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      // libsql's own log lines (tracing, on a failed sync) share stdout: an answer is the line that starts with {"ok".
      for (;;) {
        const next = await answers.next();
        if (next.done) throw new Error(`embedded replica child ended: ${stderr.trim()}`);
        if (next.value.startsWith('{"ok"')) return JSON.parse(next.value) as ReplicaOutcome;
      }
    });
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  return {
    sync: () => send({ op: "sync" }),
    execute: (sql) => send({ op: "execute", sql }),
    time: (sql, args) => send({ op: "time", sql, args }),
    async close() {
      child.stdin.end();
      await new Promise((done) => (child.exitCode !== null ? done(undefined) : child.once("exit", done)));
      rmSync(dir, { recursive: true, force: true });
    },
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
