/**
 * A real embedded replica (@libsql/client `file:` + `syncUrl`, npm `libsql`) syncing from a real sqld, as a phone
 * or server would. libsql picks the namespace from the first label of the sync URL's host
 * (`<namespace>.<domain>`), so the replica runs in a child process with its own /etc/hosts: tests run as root
 * here, and `unshare -m` + a bind mount gives that one process a private name resolution (nothing else changes).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../../..");

/** What the child does: sync, then run `sql` on the local copy; one JSON line on stdout. */
const CHILD = `
const { createClient } = require(${JSON.stringify(join(ROOT, "node_modules/@libsql/client"))});
(async () => {
  const client = createClient({ url: "file:" + process.env.REPLICA_FILE, syncUrl: process.env.SYNC_URL, authToken: process.env.TOKEN });
  try {
    await client.sync();
    const rs = await client.execute(process.env.SQL);
    console.log(JSON.stringify({ ok: true, rows: rs.rows.map((r) => Object.values(r)) }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, error: String(e && e.message || e) }));
  } finally {
    client.close();
  }
})();
`;

export type ReplicaOutcome = { ok: true; rows: unknown[][] } | { ok: false; error: string };

/** Syncs `namespace` from the sqld at `port` into a fresh local file with `token`, then reads `sql` locally. */
export async function syncEmbeddedReplica(o: { namespace: string; port: number; token: string; sql: string }): Promise<ReplicaOutcome> {
  const dir = mkdtempSync(join(tmpdir(), "embedded-replica-"));
  try {
    const host = `${o.namespace}.db.test`;
    writeFileSync(join(dir, "hosts"), `127.0.0.1 localhost\n127.0.0.1 ${host}\n`);
    writeFileSync(join(dir, "child.cjs"), CHILD);
    const env = { ...process.env, REPLICA_FILE: join(dir, "replica.db"), SYNC_URL: `http://${host}:${o.port}`, TOKEN: o.token, SQL: o.sql };
    const script = `mount --bind "$1/hosts" /etc/hosts && exec "$2" "$1/child.cjs"`;
    const stdout = await new Promise<string>((done, fail) =>
      execFile("unshare", ["-m", "sh", "-c", script, "sh", dir, process.execPath], { env, timeout: 60_000 }, (error, out, err) =>
        error ? fail(new Error(`embedded replica child failed: ${error.message} ${err}`)) : done(out),
      ),
    );
    const line = stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(line) as ReplicaOutcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
