/**
 * The sqld entrypoint with the metrics relay, run for real as root (as Fly's init runs it) with the hardened sqld
 * and the relay built from the repo's source: the relay runs as uid 666 with nothing to regain, beside sqld (which
 * stays the entrypoint's own process), ends with sqld, and its absence or death never touches sqld.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderSqldEntrypoint, SQLD_GID, SQLD_UID } from "../../infra/sqld/image/entrypoint";
import { METRICS_RELAY_LISTEN_ENV } from "../../infra/sqld/image/metrics-relay";
import { sqldBinary } from "../../local/sqld/binary";
import { metricsRelayBinary } from "../../local/sqld/metrics-relay";
import { freePort, SqldProcess } from "../../local/sqld/process";

const KEY = `entrypoint-relay-key-${process.pid}-${"x".repeat(16)}`;
const root = mkdtempSync(join(tmpdir(), "relay-entrypoint-"));
chmodSync(root, 0o755); // uid 666 must reach the volume below it, as on Fly
const running: SqldProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  rmSync(root, { recursive: true, force: true });
});

function status(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/status`, "utf8").trim().split("\n").map((line) => line.split(/:\s*/, 2) as [string, string]));
}

/** PIDs of the relay processes whose parent is `parent`. */
function relayChildren(parent: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const s = status(Number(pid));
        return s.PPid === String(parent) && s.Name === "sqld-metrics-re" && s.State?.[0] !== "Z"; // comm is cut at 15 chars
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}

async function waitFor<T>(probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 50))) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
  }
}

/** sqld through the entrypoint with an admin key; `relayAddr` undefined leaves the relay's variable unset. */
async function start(name: string, opts: { relayAddr?: string; relayBinary?: string } = {}): Promise<SqldProcess> {
  const entrypoint = join(root, `${name}-entrypoint`);
  writeFileSync(entrypoint, renderSqldEntrypoint(opts.relayBinary ?? metricsRelayBinary()), { mode: 0o755 });
  const [http, admin] = [await freePort(), await freePort()];
  const env: Record<string, string> = { LIBSQL_ADMIN_AUTH_KEY: KEY, FLY_PROCESS_GROUP: "replica" };
  if (opts.relayAddr) env[METRICS_RELAY_LISTEN_ENV] = opts.relayAddr;
  const sqld = new SqldProcess({
    binary: entrypoint,
    args: [sqldBinary(), "--enable-namespaces", "--no-welcome", "--db-path", join(root, name, "data.sqld"), "--http-listen-addr", `127.0.0.1:${http}`, "--admin-listen-addr", `[::]:${admin}`],
    env,
    logFile: join(root, `${name}.log`),
    readyUrl: [`http://127.0.0.1:${http}/health`, `http://127.0.0.1:${admin}/`],
    cwd: join(root, name),
  });
  running.push(sqld);
  await sqld.start();
  return sqld;
}

describe("sqld-entrypoint with the metrics relay", () => {
  it("runs the relay as 666:666 without capabilities beside sqld, which stays the entrypoint's process; the relay ends with sqld", async () => {
    const port = await freePort();
    const sqld = await start("both", { relayAddr: `127.0.0.1:${port}` });
    const pid = sqld.pid!;
    expect(status(pid).Name).toBe("sqld"); // exec'd: the process Fly signals is sqld itself
    const [relay] = await waitFor(() => relayChildren(pid), (pids) => pids.length === 1);
    expect(relay).toBeDefined();
    const proc = status(relay!);
    expect(proc.Uid!.split(/\s+/)).toEqual(Array(4).fill(String(SQLD_UID)));
    expect(proc.Gid!.split(/\s+/)).toEqual(Array(4).fill(String(SQLD_GID)));
    expect(proc.Groups ?? "").toBe("");
    for (const set of ["CapEff", "CapPrm", "CapBnd", "CapInh"]) expect({ set, value: proc[set] }).toEqual({ set, value: "0000000000000000" });
    expect(proc.NoNewPrivs).toBe("1");

    // The admin address `[::]:PORT` is dialled on loopback; the label comes from FLY_PROCESS_GROUP.
    const scrape = await waitFor(() => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => ""), (t) => t.includes("libsql_server_"));
    expect(scrape).toMatch(/^libsql_server_count\{process_group="replica"\} 1$/m);
    expect(scrape).not.toContain(KEY);
    expect(readFileSync(join(root, "both.log"), "utf8")).not.toContain(KEY);

    await sqld.stop("SIGINT");
    expect(await waitFor(() => existsSync(`/proc/${relay}`) && status(relay!).State?.[0] !== "Z", (alive) => !alive)).toBe(false);
  });

  it("a relay that dies leaves sqld serving; no relay variable or no relay binary starts none, with one log line for the latter", async () => {
    const port = await freePort();
    const sqld = await start("killed", { relayAddr: `127.0.0.1:${port}` });
    const [relay] = await waitFor(() => relayChildren(sqld.pid!), (pids) => pids.length === 1);
    process.kill(relay!, "SIGKILL");
    await waitFor(() => relayChildren(sqld.pid!), (pids) => pids.length === 0);
    expect(sqld.running).toBe(true);
    const health = sqld.options.readyUrl[0]!;
    expect((await fetch(health)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.status).toBeUndefined();

    const unset = await start("unset");
    await new Promise((r) => setTimeout(r, 300));
    expect(relayChildren(unset.pid!)).toEqual([]);
    expect(readFileSync(join(root, "unset.log"), "utf8")).not.toContain("metrics relay");

    const missing = await start("missing", { relayAddr: `127.0.0.1:${await freePort()}`, relayBinary: join(root, "no-such-relay") });
    expect(relayChildren(missing.pid!)).toEqual([]);
    expect(missing.running).toBe(true);
    expect(readFileSync(join(root, "missing.log"), "utf8")).toMatch(/sqld-entrypoint: metrics relay not started: it needs .*no-such-relay/);
  });
});
