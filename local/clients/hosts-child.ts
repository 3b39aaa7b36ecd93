/**
 * A node child process with its own name resolution, for real libSQL clients that reach a tenant by host name
 * (`acme.db.test` → 127.0.0.1). Clients pick the sqld namespace from the first label of the host, so tests need
 * names that resolve here without touching this machine's /etc/hosts: tests run as root, and `unshare -m` + a bind
 * mount gives that one process a private /etc/hosts (nothing else changes). The child speaks one JSON command per
 * stdin line and answers one JSON line starting with `{"ok"` per command.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

/** The repo's node_modules, which the child's script requires by absolute path (it runs from a temp folder). */
export const NODE_MODULES = resolve(__dirname, "../../node_modules");

/** An answer of the child: rows of a query (bigints as numbers), frames of a sync, or the client's error message. */
export type ChildOutcome = { ok: true; rows?: unknown[][]; frames?: number } | { ok: false; error: string; cause?: string };

export interface HostsChild {
  /** Sends one command and waits for its answer; commands run one after the other. */
  send(command: Record<string, unknown>): Promise<ChildOutcome>;
  /** Ends the child (stdin closed: it closes its client) and removes its folder. */
  close(): Promise<void>;
  /** The child's private folder (its script, hosts file, and whatever files it keeps). */
  dir: string;
  /** What the client logged on stdout so far besides the answers (libsql's tracing lines: what a user sees). */
  log(): string[];
}

/** Runs `source` (CommonJS) in a child that resolves each of `hosts` to 127.0.0.1, with `env` added. */
export function startHostsChild(o: { hosts: string[]; source: string; env: Record<string, string> }): HostsChild {
  const dir = mkdtempSync(join(tmpdir(), "hosts-child-"));
  writeFileSync(join(dir, "hosts"), ["127.0.0.1 localhost", ...o.hosts.map((h) => `127.0.0.1 ${h}`)].join("\n") + "\n");
  writeFileSync(join(dir, "child.cjs"), o.source);
  const script = `mount --bind "$1/hosts" /etc/hosts && exec "$2" "$1/child.cjs"`;
  const child: ChildProcessWithoutNullStreams = spawn("unshare", ["-m", "sh", "-c", script, "sh", dir, process.execPath], {
    env: { ...process.env, ...o.env },
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const logged: string[] = [];
  let queue = Promise.resolve();
  const send = (command: Record<string, unknown>): Promise<ChildOutcome> => {
    const result = queue.then(async () => {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      // libsql's own log lines (tracing, on a failed sync) share stdout: an answer is the line that starts with {"ok".
      for (;;) {
        const next = await answers.next();
        if (next.done) throw new Error(`client child ended: ${stderr.trim()}`);
        if (next.value.startsWith('{"ok"')) return JSON.parse(next.value) as ChildOutcome;
        logged.push(next.value);
      }
    });
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
  return {
    send,
    dir,
    log: () => [...logged],
    async close() {
      child.stdin.end();
      await new Promise((done) => (child.exitCode !== null ? done(undefined) : child.once("exit", done)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The child's side of the protocol, for its script: `handlers[cmd.op](cmd)` answers `{ok: true, ...}` or the error's
 * message (and its cause's). Result sets become `rows` (bigints as numbers). Closes `onClose` when stdin ends.
 */
export const CHILD_PROTOCOL = `
const toRows = (rs) => rs.rows.map((r) => Object.values(r).map((v) => typeof v === "bigint" ? Number(v) : v));
function serve(handlers, onClose) {
  const lines = require("node:readline").createInterface({ input: process.stdin });
  lines.on("line", async (line) => {
    const cmd = JSON.parse(line);
    try {
      console.log(JSON.stringify({ ok: true, ...(await handlers[cmd.op](cmd)) }));
    } catch (e) {
      // An ORM wraps the driver's error ("Failed query: …"): its cause is what the server said.
      const cause = e && e.cause && e.cause.message ? { cause: String(e.cause.message) } : {};
      console.log(JSON.stringify({ ok: false, error: String((e && e.message) || e), ...cause }));
    }
  });
  lines.on("close", onClose);
}
`;
