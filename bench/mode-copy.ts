/**
 * The mode-switch copy (scripts/lib/mode-switch/copy-tenant.ts) through the box: 10 tenants × 10 MB, self-hosted
 * (the dev stack's real sqld) → managed (the box's Turso double: each database a real sqld behind TLS, upload +
 * /dump), back, and to managed again into the existing databases (emptied and refilled in place), each in a
 * separate copying process whose peak RSS is reported. Floors on the same data, physical
 * path only: (1) a file copy of a tenant's SQLite file (what any copy must at least move), (2) `sqlite3 new.db <
 * dump.sql`: the tenant's dump text, already on disk, read by the sqlite3 CLI when one is on PATH (not a project
 * dependency; the row says so when it is missing). @libsql/client's `executeMultiple` is not used for it: it took
 * 60 s for one 13 MB dump (first run of this bench), far from what SQLite itself needs.
 * Usage: npm run bench -- mode-copy   (BENCH_TENANTS, BENCH_MB to change the size)
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBox } from "../local/box/box";
import { startTenantSqld } from "../local/sqld/tenant-stack";
import { readText, send } from "../scripts/lib/mode-switch/endpoint";
import { fillMegabytes, runSql } from "../local/mode-switch/tenant-data";
import { formatTable, writeResults, type Row } from "./support/report";

const TENANTS = Number(process.env.BENCH_TENANTS ?? 10);
const MB = Number(process.env.BENCH_MB ?? 10);
const TOKEN = "bench-turso-token";

function runChild(job: unknown): Promise<{ ms: number[]; statements: number; startRssKb: number; maxRssKb: number; wallMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "lib", "mode-copy-child.ts")], { env: { ...process.env, MODE_COPY_JOB: JSON.stringify(job) }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve({ ...JSON.parse(out), wallMs: performance.now() - started }) : reject(new Error(`copying process exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bench-mode-copy-"));
  const names = Array.from({ length: TENANTS }, (_, i) => `t${i}`);
  const backNames = names.map((n) => `${n}-back`);
  const box = await startBox({ root: join(dir, "root"), flyStateDir: join(dir, "fly"), turso: { token: TOKEN } });
  const sqld = await startTenantSqld([...names, ...backNames]);
  try {
    const group = await fetch(`${box.url}/turso/v1/organizations/bench/groups`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ name: "g", location: "aws-eu-west-1" }) });
    if (group.status !== 200) throw new Error(`group: ${group.status}`);
    const endpoint = async (ns: string) => ({ url: sqld.cluster.primary.httpUrl, namespace: ns, token: await sqld.token(ns, "rw") });
    for (const n of names) await fillMegabytes(await endpoint(n), "bulk", MB);
    const job = async (direction: string, namespaces: string[]) => ({
      direction,
      tenants: await Promise.all(namespaces.map(async (ns, i) => ({ namespace: ns, database: names[i]!, token: await sqld.token(ns, "rw") }))),
      sqld: { httpUrl: sqld.cluster.primary.httpUrl, adminUrl: sqld.cluster.primary.adminUrl, adminKey: sqld.cluster.keys.adminKey },
      turso: { url: `${box.url}/turso`, token: TOKEN, org: "bench", group: "g", caFile: box.tursoCaFile! },
      workDir: dir,
    });
    const toManaged = await runChild(await job("to-managed", names));
    const toSelfHosted = await runChild(await job("to-self-hosted", backNames));
    // Switching to managed again: the databases exist (the stack holds their tokens), so each is emptied and refilled
    // in place through Hrana. One row more on each source makes every target differ.
    for (const n of backNames) await runSql(await endpoint(n), ["INSERT INTO bulk(label, payload) VALUES ('one more', x'00')"]);
    const inPlace = await runChild(await job("to-managed", backNames));

    // Floors, per tenant, on t0's data: its upload-ready file (built by the copy) and its dump text.
    const file = join(dir, `${names[0]}.db`);
    const fileBytes = statSync(file).size;
    const dumpFile = join(dir, "t0.sql");
    const dump = await send(await endpoint(names[0]!), { method: "GET", path: "/dump" });
    writeFileSync(dumpFile, await readText(dump));
    let t = performance.now();
    copyFileSync(file, join(dir, "floor-copy.db"));
    const fileCopyMs = performance.now() - t;
    t = performance.now();
    const cli = spawnSync("sqlite3", [join(dir, "floor-import.db")], { input: readFileSync(dumpFile), stdio: ["pipe", "ignore", "pipe"] });
    const importMs = cli.status === 0 ? performance.now() - t : NaN;
    if (cli.status !== 0) console.log(`sqlite3 CLI floor skipped: ${cli.error?.message ?? cli.stderr.toString().slice(0, 200)}`);

    const totalMb = (TENANTS * fileBytes) / 2 ** 20;
    const rate = (ms: number) => totalMb / (ms / 1000);
    const rows: Row[] = [
      { path: "self-hosted → managed (engine, through the box)", tenants: TENANTS, "wall s": toManaged.wallMs / 1000, "MB/s": rate(toManaged.wallMs), "per tenant ms (median)": median(toManaged.ms), "peak RSS MB": toManaged.maxRssKb / 1024, "RSS before copying MB": toManaged.startRssKb / 1024 },
      { path: "self-hosted → managed into the existing database (emptied in place, Hrana)", tenants: TENANTS, "wall s": inPlace.wallMs / 1000, "MB/s": rate(inPlace.wallMs), "per tenant ms (median)": median(inPlace.ms), "peak RSS MB": inPlace.maxRssKb / 1024, "RSS before copying MB": inPlace.startRssKb / 1024 },
      { path: "managed → self-hosted (engine, through the box)", tenants: TENANTS, "wall s": toSelfHosted.wallMs / 1000, "MB/s": rate(toSelfHosted.wallMs), "per tenant ms (median)": median(toSelfHosted.ms), "peak RSS MB": toSelfHosted.maxRssKb / 1024, "RSS before copying MB": toSelfHosted.startRssKb / 1024 },
      { path: "floor: file copy of the SQLite file", tenants: TENANTS, "wall s": (TENANTS * fileCopyMs) / 1000, "MB/s": rate(TENANTS * fileCopyMs), "per tenant ms (median)": fileCopyMs, "peak RSS MB": "-" },
      { path: "floor: sqlite3 new.db < dump.sql (CLI)", tenants: TENANTS, "wall s": (TENANTS * importMs) / 1000, "MB/s": rate(TENANTS * importMs), "per tenant ms (median)": importMs, "peak RSS MB": "-" },
    ];
    console.log(formatTable(`Mode-switch copy: ${TENANTS} tenants × ${(fileBytes / 2 ** 20).toFixed(1)} MB (SQLite file size), total ${totalMb.toFixed(0)} MB`, rows));
    console.log(`written: ${writeResults("mode-copy", { tenants: TENANTS, fileBytes, toManaged, toSelfHosted, fileCopyMs, importMs, rows })}`);
  } finally {
    await sqld.close();
    await box.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
