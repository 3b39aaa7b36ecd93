/**
 * Backups on real sqld with a local S3 (s3rver), using the backups example's rendered fly.toml and secrets:
 * - recovery point: a write loop runs, the primary stops (SIGINT) or crashes (SIGKILL), its volume is lost and it
 *   starts on an empty data dir; how many acknowledged writes are missing, and how far back the loss reaches,
 *   with the batch interval unset (sqld's 15 s) and set; plus the S3 write requests a busy namespace costs;
 * - recovery time: ~100 MB over 10 tenants, from process start on an empty data dir until every tenant answers.
 * Usage: npm run bench:backups  (BENCH_RUNS=3)
 */
import { rmSync } from "node:fs";
import { BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS } from "../infra/config/schema";
import { createTenant, presentIds, tenantClient, withBackupStack, type BackupCluster, type BackupStackOptions } from "../local/backups/backup-stack";
import { lostWrites, sleep, startWriteLoop } from "../local/backups/write-loop";
import { formatTable, percentile, writeResults, type Row } from "./support/report";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MB = 2 ** 20;

interface Setting {
  label: string;
  options: BackupStackOptions;
  /** How long the write loop runs before the stop: longer than the interval, so the loss is the steady state. */
  loopSeconds: number;
}

const SETTINGS: Setting[] = [
  {
    label: "unset (sqld: 15 s)",
    options: { editFlyToml: (toml) => toml.replace(/^LIBSQL_BOTTOMLESS_BATCH_INTERVAL_SECS = .*\n/m, "") },
    loopSeconds: 25,
  },
  { label: "5 s", options: { backups: { batchIntervalSeconds: 5 } }, loopSeconds: 12 },
  { label: `${BACKUP_BATCH_INTERVAL_DEFAULT_SECONDS} s (default)`, options: {}, loopSeconds: 8 },
];


async function recoveryPoint(setting: Setting, signal: "SIGINT" | "SIGKILL"): Promise<Row> {
  return withBackupStack(setting.options, async (cluster, s3) => {
    await createTenant(cluster, "acme");
    const client = await tenantClient(cluster, "acme");
    await client.execute("create table t (id integer primary key)");
    const writesBefore = s3.writes();
    const loop = startWriteLoop(client, 4);
    const loopStart = Date.now();
    await sleep(setting.loopSeconds * 1000);
    const stopAt = Date.now();
    const s3WritesPerMinute = ((s3.writes() - writesBefore) / (stopAt - loopStart)) * 60_000;
    await cluster.primary.process.stop(signal);
    const stopMs = Date.now() - stopAt;
    await loop.stop();
    client.close();
    rmSync(cluster.primary.dataDir, { recursive: true, force: true });
    await cluster.primary.process.start();
    const lost = new Set(lostWrites(loop, await presentIds(cluster, "acme")));
    const firstLost = loop.acknowledged.find((w) => lost.has(w.id));
    return {
      interval: setting.label,
      stop: signal,
      acknowledged: loop.acknowledged.length,
      "writes/s": loop.acknowledged.length / ((stopAt - loopStart) / 1000),
      lost: lost.size,
      "lost window s": firstLost ? (stopAt - firstLost.at) / 1000 : 0,
      "stop ms": stopMs,
      "S3 writes/min": s3WritesPerMinute,
    };
  });
}

const TENANTS = Array.from({ length: 10 }, (_, i) => `tenant-${i}`);
/** 40 rows of 256 KiB of random bytes (incompressible, so the bucket holds the full size) = 10 MiB per tenant. */
const FILL = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 40) insert into t select x, randomblob(262144) from c";

async function allTenantsAnswer(cluster: BackupCluster): Promise<void> {
  await Promise.all(
    TENANTS.map(async (tenant) => {
      const client = await tenantClient(cluster, tenant);
      const rows = Number((await client.execute("select count(*) as n from t")).rows[0]?.n);
      client.close();
      if (rows !== 40) throw new Error(`${tenant} restored ${rows} of 40 rows`);
    }),
  );
}

async function recoveryTime(): Promise<{ rows: Row[]; bucketMb: number; dataMb: number }> {
  return withBackupStack({}, async (cluster, s3) => {
    for (const tenant of TENANTS) {
      await createTenant(cluster, tenant);
      const client = await tenantClient(cluster, tenant);
      await client.batch(["create table t (id integer primary key, payload blob)", FILL], "write");
      client.close();
    }
    const dataMb = (TENANTS.length * 40 * 262144) / MB;
    const rows: Row[] = [];
    const restart = async (what: string, wipe: boolean) => {
      const stopStart = Date.now();
      await cluster.primary.process.stop("SIGINT");
      const stopMs = Date.now() - stopStart;
      if (wipe) rmSync(cluster.primary.dataDir, { recursive: true, force: true });
      const t0 = Date.now();
      await cluster.primary.process.start();
      const healthMs = Date.now() - t0;
      await allTenantsAnswer(cluster);
      rows.push({ start: what, "previous stop ms": stopMs, "health ms": healthMs, "all tenants answer ms": Date.now() - t0 });
    };
    for (let run = 0; run < RUNS; run++) await restart("empty data dir (restore from S3)", true);
    for (let run = 0; run < RUNS; run++) await restart("same data dir", false);
    return { rows, bucketMb: s3.storedBytes() / MB, dataMb };
  });
}

function summarize(rows: Row[], keys: string[], numbers: string[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = keys.map((k) => row[k]).join("\u0000");
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].map((group) => {
    const out: Row = Object.fromEntries(keys.map((k) => [k, group[0]![k]!]));
    out.runs = group.length;
    for (const n of numbers) {
      const values = group.map((r) => Number(r[n]));
      out[`${n} (median)`] = percentile(values, 50);
      out[`${n} (max)`] = Math.max(...values);
    }
    return out;
  });
}

async function main() {
  const pointRuns: Row[] = [];
  for (const setting of SETTINGS) {
    pointRuns.push(await recoveryPoint(setting, "SIGINT"));
    for (let run = 0; run < RUNS; run++) pointRuns.push(await recoveryPoint(setting, "SIGKILL"));
  }
  const pointSummary = summarize(pointRuns, ["interval", "stop"], ["lost", "lost window s", "S3 writes/min"]);
  console.log(formatTable("recovery point: write loop (4 writers, one tenant), stop, volume lost, restore from S3", pointSummary));
  const time = await recoveryTime();
  const timeSummary = summarize(time.rows, ["start"], ["health ms", "all tenants answer ms", "previous stop ms"]);
  console.log(formatTable(`recovery time: ${time.dataMb.toFixed(0)} MiB over ${TENANTS.length} tenants (bucket holds ${time.bucketMb.toFixed(0)} MiB)`, timeSummary));
  console.log(`results: ${writeResults("backups", { runs: RUNS, recoveryPoint: { runs: pointRuns, summary: pointSummary }, recoveryTime: { ...time, summary: timeSummary } })}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
