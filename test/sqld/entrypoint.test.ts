/**
 * The sqld entrypoint (infra/sqld/image/entrypoint.ts) run for real as root (the tests run as root, like a Fly
 * machine's init) with the hardened binary: it hands a root-owned volume and the TLS files to uid 666 and drops
 * every privilege before sqld runs; refusals exit 64 and touch nothing.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRYPOINT_USAGE_EXIT, renderSqldEntrypoint, SQLD_GID, SQLD_UID } from "../../infra/sqld/image/entrypoint";
import { sqldBinary } from "../../local/sqld/binary";
import { freePort, SqldProcess } from "../../local/sqld/process";
import { makeTestReplicationTls } from "../../local/sqld/tls";

const root = mkdtempSync(join(tmpdir(), "sqld-entrypoint-"));
const entrypoint = join(root, "sqld-entrypoint");
beforeAll(() => {
  chmodSync(root, 0o755); // mkdtemp makes 0700: uid 666 must traverse to the volume, as on Fly (/var/lib is 0755)
  writeFileSync(entrypoint, renderSqldEntrypoint(), { mode: 0o755 });
});
const running: SqldProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  rmSync(root, { recursive: true, force: true });
});

/** sqld started through the entrypoint (entrypoint <binary> <args>), or directly as root when `direct`. */
async function start(name: string, args: string[], direct = false): Promise<{ process: SqldProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const allArgs = [...args, "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"];
  const process = new SqldProcess({
    binary: direct ? sqldBinary() : entrypoint,
    args: direct ? allArgs : [sqldBinary(), ...allArgs],
    env: {},
    logFile: join(root, `${name}.log`),
    readyUrl: `${url}/health`,
    cwd: root,
  });
  running.push(process);
  await process.start();
  return { process, url };
}

async function execute(url: string, sql: string): Promise<unknown[]> {
  const response = await fetch(`${url}/v2/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] }),
  });
  const body = (await response.json()) as { results: { type: string; response?: { result: { rows: unknown[] } }; error?: unknown }[] };
  if (body.results[0]?.type !== "ok") throw new Error(`${sql}: ${JSON.stringify(body.results[0])}`);
  return body.results[0].response!.result.rows;
}

/** Every path below `dir` (itself included) with its owner, never following symlinks. */
function owners(dir: string): { path: string; uid: number; gid: number }[] {
  const stat = lstatSync(dir);
  const here = [{ path: dir, uid: stat.uid, gid: stat.gid }];
  if (!stat.isDirectory()) return here;
  return [...here, ...readdirSync(dir).flatMap((entry) => owners(join(dir, entry)))];
}

function status(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/status`, "utf8").trim().split("\n").map((line) => line.split(/:\s*/, 2) as [string, string]));
}

describe("sqld-entrypoint as root", () => {
  it("takes over a volume written by a root-run sqld, drops to 666:666 with no capabilities, and serves the old rows", async () => {
    const volume = join(root, "volume");
    const dbPath = join(volume, "data.sqld");
    // The previous release ran sqld as root: a root-owned database with a row in it.
    const before = await start("as-root", ["--db-path", dbPath], true);
    await execute(before.url, "create table t (x)");
    await execute(before.url, "insert into t values ('written as root')");
    await before.process.stop();
    expect(owners(volume).every((o) => o.uid === 0)).toBe(true);
    writeFileSync(join(root, "outside-volume"), "not sqld's"); // next to the volume: must stay root's

    const sqld = await start("dropped", ["--db-path", dbPath]);
    const proc = status(sqld.process.pid!);
    expect(proc.Name).toBe("sqld");
    expect(proc.Uid!.split(/\s+/)).toEqual(Array(4).fill(String(SQLD_UID)));
    expect(proc.Gid!.split(/\s+/)).toEqual(Array(4).fill(String(SQLD_GID)));
    expect(proc.Groups ?? "").toBe("");
    expect(proc.CapEff).toBe("0000000000000000");
    expect(proc.CapPrm).toBe("0000000000000000");
    expect(proc.CapBnd).toBe("0000000000000000");
    expect(proc.CapInh).toBe("0000000000000000");
    expect(proc.NoNewPrivs).toBe("1");

    expect((await fetch(`${sqld.url}/health`)).status).toBe(200);
    expect(JSON.stringify(await execute(sqld.url, "select x from t"))).toContain("written as root");
    await execute(sqld.url, "create table written_as_666 (y)");
    await execute(sqld.url, "insert into written_as_666 values (1)");
    const notTaken = owners(volume).filter((o) => o.uid !== SQLD_UID || o.gid !== SQLD_GID);
    expect(notTaken).toEqual([]);
    expect(statSync(join(root, "outside-volume")).uid).toBe(0);
    expect(statSync(root).uid).toBe(0);
  });

  it("creates a missing volume dir for uid 666, and makes every --*-file (the TLS files) 0400 and owned by 666", async () => {
    const tls = await makeTestReplicationTls();
    const files = join(root, "files");
    mkdirSync(files, { mode: 0o755 });
    const file = (name: string, pem: string) => (writeFileSync(join(files, name), pem, { mode: 0o644 }), join(files, name));
    const grpcPort = await freePort();
    const tlsArgs = ["--grpc-listen-addr", `127.0.0.1:${grpcPort}`, "--grpc-tls", "--grpc-cert-file", file("server.pem", tls.serverCertPem),
      "--grpc-key-file", file("server.key", tls.serverKeyPem), "--grpc-ca-cert-file", file("ca.pem", tls.caCertPem)];
    const volume = join(root, "fresh", "volume");
    const sqld = await start("tls", ["--db-path", join(volume, "data.sqld"), ...tlsArgs]);
    expect(status(sqld.process.pid!).Uid!.split(/\s+/)[0]).toBe(String(SQLD_UID));
    for (const name of ["server.pem", "server.key", "ca.pem"]) {
      const stat = statSync(join(files, name));
      expect({ name, uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o777 }).toEqual({ name, uid: SQLD_UID, gid: SQLD_GID, mode: 0o400 });
    }
    expect(statSync(volume).uid).toBe(SQLD_UID);
    expect(statSync(join(root, "fresh")).uid).toBe(0); // only the volume (parent of --db-path) is handed over
    await execute(sqld.url, "create table t (x)");
  });
});

describe("sqld-entrypoint refusals", () => {
  const run = (args: string[], asUid?: number) =>
    spawnSync(asUid === undefined ? entrypoint : "setpriv", asUid === undefined ? args : [`--reuid=${asUid}`, `--regid=${asUid}`, "--clear-groups", entrypoint, ...args], {
      encoding: "utf8",
      cwd: root,
    });

  it.each([
    ["no --db-path", ["--http-listen-addr", "127.0.0.1:1"], /no --db-path in the sqld arguments/],
    ["a relative --db-path", ["--db-path", "data.sqld"], /--db-path data\.sqld must be an absolute path below a data dir/],
    ["a --db-path at /", ["--db-path", "/data.sqld"], /--db-path \/data\.sqld must be an absolute path/],
    ["no binary at all", [], /usage: sqld-entrypoint <sqld binary>/],
  ])("exits %s with 64 and one clear line, starting nothing and creating nothing", (_case, args, message) => {
    const listing = readdirSync(root).sort();
    const result = run(args.length === 0 ? [] : [sqldBinary(), ...args]);
    expect(result.status).toBe(ENTRYPOINT_USAGE_EXIT);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(new RegExp(`^sqld-entrypoint: ${message.source}[^\\n]*\\n$`));
    expect(readdirSync(root).sort()).toEqual(listing);
  });

  it("refuses a --*-file that does not exist instead of starting sqld without it", () => {
    const result = run([sqldBinary(), "--db-path", join(root, "v2", "data.sqld"), "--grpc-key-file", join(root, "missing.key")]);
    expect(result.status).toBe(66);
    expect(result.stderr).toBe(`sqld-entrypoint: ${join(root, "missing.key")} (after --grpc-key-file) is not a file\n`);
  });

  it("not root: runs the binary as it is, changing no ownership", () => {
    const volume = join(root, "not-root");
    mkdirSync(volume, { mode: 0o755 });
    const result = run([sqldBinary(), "--db-path", join(volume, "data.sqld"), "--version"], SQLD_UID);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^sqld sqld 0\.24\.32 /);
    expect(statSync(volume).uid).toBe(0);
  });
});
