/**
 * Creating 1000 namespaces through one admin session on real sqld: sequential requests over one keep-alive
 * connection (what one `fly proxy` session carries), and 8 at a time. Run for the dev stack (no backups) and the
 * backups example (bottomless + meta store to a local s3rver), since every new namespace starts a backup.
 * Usage: npm run bench:namespaces  (BENCH_NAMESPACES=1000)
 */
import { Agent, request } from "node:http";
import { readFileSync } from "node:fs";
import { startStackSqld, type LocalSqldCluster } from "../local/sqld/cluster";
import { startLocalS3, type LocalS3 } from "../local/backups/s3";
import { startBackupStack } from "../local/backups/backup-stack";
import { formatTable, percentile, writeResults, type Row } from "./support/report";

const COUNT = Number(process.env.BENCH_NAMESPACES ?? 1000);

function createNamespace(agent: Agent, cluster: LocalSqldCluster, name: string): Promise<number> {
  const url = new URL(`${cluster.primary.adminUrl}/v1/namespaces/${name}/create`);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { authorization: `Basic ${cluster.keys.adminKey}`, "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

async function createAll(cluster: LocalSqldCluster, concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  const sockets = new Set<unknown>();
  agent.on("free", (socket) => sockets.add(socket));
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < COUNT) {
      const name = `tenant-${String(next++).padStart(4, "0")}`;
      const t0 = performance.now();
      const status = await createNamespace(agent, cluster, name);
      latencies.push(performance.now() - t0);
      if (status !== 200) throw new Error(`create ${name}: HTTP ${status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const totalMs = performance.now() - started;
  agent.destroy();
  return { totalMs, latencies, connections: sockets.size };
}

const rssMb = (pid: number | undefined) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
};

async function run(target: "dev (no backups)" | "backups example", concurrency: number): Promise<Row> {
  let s3: LocalS3 | undefined;
  let cluster: LocalSqldCluster | undefined;
  try {
    if (target === "dev (no backups)") cluster = await startStackSqld("dev");
    else cluster = await startBackupStack((s3 = await startLocalS3()));
    const { totalMs, latencies, connections } = await createAll(cluster, concurrency);
    const check = await cluster.admin(cluster.primary, "GET", `/v1/namespaces/tenant-${String(COUNT - 1).padStart(4, "0")}/stats`);
    if (check.status !== 200) throw new Error(`last namespace not usable: ${check.status}`);
    return {
      target,
      concurrency,
      connections,
      namespaces: COUNT,
      "total s": totalMs / 1000,
      "per s": COUNT / (totalMs / 1000),
      "p50 ms": percentile(latencies, 50),
      "p99 ms": percentile(latencies, 99),
      "sqld RSS MB": rssMb(cluster.primary.process.pid),
      "S3 writes": s3?.writes() ?? 0,
    };
  } finally {
    await cluster?.close();
    await s3?.close();
  }
}

async function main() {
  const rows: Row[] = [];
  for (const target of ["dev (no backups)", "backups example"] as const) {
    for (const concurrency of [1, 8]) rows.push(await run(target, concurrency));
  }
  console.log(formatTable(`creating ${COUNT} namespaces through the admin API (real sqld, one keep-alive session)`, rows));
  console.log(`results: ${writeResults("namespaces", { count: COUNT, rows })}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
