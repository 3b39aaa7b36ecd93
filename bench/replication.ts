/**
 * Replica lag on real sqld (a benchmark, not a test): the prod stack's primary + replicas on 127.0.0.1, one write
 * at a time on the primary, then each replica is polled until the row is visible. Lag = time from the primary's
 * acknowledgement to the first replica read that sees the row (so it includes one HTTP round trip).
 * `npm run bench:replication [-- --writes 200]` prints p50/p99 per replica and writes bench/results/replication.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createClient } from "@libsql/client";
import { fetchWithNamespace } from "../worker/db";
import { mintScopedToken } from "../worker/jwt";
import { startStackSqld } from "../local/sqld/cluster";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--writes");
  const writes = at > 0 ? Number(process.argv[at + 1]) : 200;
  const cluster = await startStackSqld("prod");
  try {
    await cluster.admin(cluster.primary, "POST", "/v1/namespaces/bench/create", {});
    const { token } = await mintScopedToken(cluster.keys.privateKeyPem, { tenant: "bench", access: "rw", ttlSeconds: 3600, nowSeconds: Date.now() / 1000 });
    const client = (url: string) => createClient({ url, authToken: token, fetch: fetchWithNamespace("bench") });
    const primary = client(cluster.primary.httpUrl);
    await primary.execute("create table lag (i integer primary key)");
    const replicas = cluster.replicas.map((r) => ({ region: r.region, db: client(r.httpUrl), lags: [] as number[] }));
    for (const r of replicas) while ((await r.db.execute("select count(*) as n from sqlite_master")).rows[0]?.n === 0);
    for (let i = 1; i <= writes; i++) {
      await primary.execute({ sql: "insert into lag (i) values (?)", args: [i] });
      const acked = performance.now();
      await Promise.all(
        replicas.map(async (r) => {
          while (Number((await r.db.execute("select coalesce(max(i), 0) as i from lag")).rows[0]?.i) < i);
          r.lags.push(performance.now() - acked);
        }),
      );
    }
    const results = replicas.map((r) => {
      const sorted = [...r.lags].sort((a, b) => a - b);
      return { region: r.region, samples: sorted.length, p50Ms: +percentile(sorted, 50).toFixed(2), p99Ms: +percentile(sorted, 99).toFixed(2), maxMs: +sorted.at(-1)!.toFixed(2) };
    });
    console.table(results);
    const out = join(__dirname, "results", "replication.json");
    mkdirSync(join(__dirname, "results"), { recursive: true });
    writeFileSync(out, `${JSON.stringify({ benchmark: "replica-lag", transport: "loopback, plain gRPC", writes, at: new Date().toISOString(), results }, null, 2)}\n`);
    console.log(`wrote ${out}`);
    for (const r of replicas) r.db.close();
    primary.close();
  } finally {
    await cluster.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
