/**
 * What encryption at rest costs on real sqld (a benchmark, not a test): two dev-stack primaries (namespaces on, no
 * backups) run side by side, one with SQLD_ENCRYPTION_KEY (sqld 0.24.32: AES-256-CBC pages, see
 * docs/encryption-at-rest-facts.md), one without, and the same work alternates between them round by round so
 * load drift on a shared machine hits both alike:
 * - writes: batches of 100 inserts of ~500-byte rows, one write transaction per batch (rows/s);
 * - point reads: lookups by primary key, one request each (queries/s);
 * - scan: one aggregate over a table bigger than SQLite's page cache (MB/s), so pages come from the file and are
 *   decrypted on the way.
 * `npm run bench:encryption` (BENCH_RUNS=5) prints one table with ratios and writes bench/results/encryption.json.
 */
import { performance } from "node:perf_hooks";
import type { Client } from "@libsql/client";
import { startStackSqld, withEnv, type LocalSqldCluster } from "../local/sqld/cluster";
import { createNamespaces, tenantClientOn } from "../local/sqld/tenant-client";
import { formatTable, percentile, writeResults, type Row } from "./support/report";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const BATCH = 100;
const BATCHES = 40;
const LOOKUPS = 1000;
/** 40 000 rows of 500 hex characters, ~20 MB: bigger than SQLite's default page cache (~8 MB). */
const SCAN_ROWS = 40_000;
const KEY = "bench-only-key-0123456789abcdef0123456789abcdef";

interface Side {
  label: string;
  cluster: LocalSqldCluster;
  client: Client;
  writes: number[];
  reads: number[];
  scans: number[];
}

async function side(label: string, key: string | undefined): Promise<Side> {
  const cluster = await startStackSqld("dev", {}, { editFlyToml: (toml) => (key === undefined ? toml : withEnv(toml, { SQLD_ENCRYPTION_KEY: key })) });
  await createNamespaces(cluster, ["acme"]);
  const client = await tenantClientOn(cluster, cluster.primary, "acme", { ttlSeconds: 3600 });
  await client.batch(
    [
      "create table w (id integer primary key, body text not null)",
      "create table s (id integer primary key, body text not null)",
      `with recursive c(x) as (select 1 union all select x + 1 from c where x < ${SCAN_ROWS}) insert into s select x, hex(randomblob(250)) from c`,
    ],
    "write",
  );
  return { label, cluster, client, writes: [], reads: [], scans: [] };
}

async function perSecond(count: number, body: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await body();
  return count / ((performance.now() - t0) / 1000);
}

async function round(s: Side, run: number): Promise<void> {
  s.writes.push(
    await perSecond(BATCH * BATCHES, async () => {
      for (let b = 0; b < BATCHES; b++) {
        const first = (run * BATCHES + b) * BATCH;
        await s.client.batch(
          Array.from({ length: BATCH }, (_, i) => ({ sql: "insert into w values (?, hex(randomblob(250)))", args: [first + i] })),
          "write",
        );
      }
    }),
  );
  s.reads.push(
    await perSecond(LOOKUPS, async () => {
      for (let i = 0; i < LOOKUPS; i++) await s.client.execute({ sql: "select body from s where id = ?", args: [1 + ((i * 7919 + run) % SCAN_ROWS)] });
    }),
  );
  // Three scans a round: one scan is ~50 ms, short enough for a scheduler hiccup on a shared machine to swing it.
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const bytes = Number((await s.client.execute("select sum(length(body)) as n from s")).rows[0]?.n);
    s.scans.push(bytes / 1e6 / ((performance.now() - t0) / 1000));
  }
}

async function main(): Promise<void> {
  const sides: Side[] = [];
  try {
    sides.push(await side("plain", undefined));
    sides.push(await side("encrypted", KEY));
    for (let run = 0; run < RUNS; run++) for (const s of run % 2 === 0 ? sides : [...sides].reverse()) await round(s, run);
    const [plain, encrypted] = sides as [Side, Side];
    const median = (values: number[]) => percentile(values, 50);
    const row = (measure: string, of: (s: Side) => number[]): Row => ({
      measure,
      plain: median(of(plain)),
      encrypted: median(of(encrypted)),
      "encrypted / plain": `${(median(of(encrypted)) / median(of(plain))).toFixed(2)}x`,
    });
    const rows = [
      row(`writes, rows/s (batches of ${BATCH}, median of ${RUNS})`, (s) => s.writes),
      row(`point reads, queries/s (${LOOKUPS} sequential, median of ${RUNS})`, (s) => s.reads),
      row(`scan of ~${Math.round((SCAN_ROWS * 500) / 1e6)} MB, MB/s (median of ${RUNS * 3})`, (s) => s.scans),
    ];
    console.log(formatTable("sqld encryption at rest: same work on two primaries side by side, alternating", rows));
    const raw = Object.fromEntries(sides.map((s) => [s.label, { writes: s.writes, reads: s.reads, scans: s.scans }]));
    console.log(`results: ${writeResults("encryption", { benchmark: "encryption-at-rest", runs: RUNS, table: rows, raw })}`);
  } finally {
    for (const s of sides) {
      s.client.close();
      await s.cluster.close();
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
