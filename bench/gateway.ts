/**
 * Benchmark (not a test): what the edge gateway adds over talking to sqld directly.
 *   npm run bench:gateway            (BENCH_N requests per path, default 1000; BENCH_ROUNDS, default 3;
 *                                     BENCH_BASELINE=<git ref>: the gateway as of that ref beside this one)
 * Real sqld from the dev stack's fly.toml; the Worker bundle EdgeWorker deploys, in workerd via miniflare.
 * Paths, each a one-statement batch (what the gateway sends per query) on the same indexed read:
 *   direct   @libsql/client (Node) → sqld
 *   gateway  Node → workerd (miniflare dispatchFetch) → Worker → one Hrana pipeline (worker/hrana.ts) → sqld
 *   hop      Node → workerd GET /health: the test harness's own hop, which a deployed Worker's callers pay
 *            to Cloudflare instead; subtracted to estimate the Worker's own cost.
 * Latency: sequential requests, p50/p99. Throughput: requests/s at concurrency 16, with the pipeline pass-through
 * floor (a Worker that only makes the gateway's request) beside them. CPU: bench/lib/gateway-cpu.ts
 * (per workload, sqld vs direct) and bench/lib/gateway-floors.ts (the 1-row read interleaved with floors).
 * Prints a table and writes bench/results/gateway.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { buildWorkerBundle } from "../infra/cloudflare/bundle";
import { namespaceClient, scopedToken } from "../local/sqld/tenant-client";
import { callWorker, startGateway, type GatewayHarness } from "../local/gateway-harness";
import { createBigTable, measureCpu, type CpuReport } from "./lib/gateway-cpu";
import { baselineBundle, floorRows, startMiniflare, startPassThroughFloor, withWorkerdPid } from "./lib/gateway-floors";

const N = Number(process.env.BENCH_N ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
/** Requests per CPU measurement (workerd and sqld CPU come in 10 ms ticks: keep the totals large). */
const CPU_N = Number(process.env.BENCH_CPU_N ?? 2000);
const WARMUP = 100;
const TENANT = "bench";
const SQL = "SELECT id, name FROM items WHERE id = ?";

type Request = (i: number) => Promise<void>;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(values: number[]): number {
  return percentile(values, 50);
}

async function sequential(count: number, run: Request): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

/** Requests per second with `workers` loops sharing `count` requests. */
async function throughput(count: number, workers: number, run: Request): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/**
 * Requests per second of each path, `count` requests each, run in THROUGHPUT_SLICES alternating slices (direct,
 * gateway, baseline, direct, …): on a shared host the load changes within seconds, and paths measured one after
 * another would each get a different share of the 2 cores.
 */
const THROUGHPUT_SLICES = 5;
async function alternatingThroughput(count: number, workers: number, runs: Request[]): Promise<number[]> {
  const seconds = runs.map(() => 0);
  const slice = Math.ceil(count / THROUGHPUT_SLICES);
  for (let done = 0; done < count; done += slice) {
    for (const [i, run] of runs.entries()) seconds[i] = seconds[i]! + slice / (await throughput(slice, workers, run));
  }
  return seconds.map((s) => (slice * THROUGHPUT_SLICES) / s);
}

async function setup(gw: GatewayHarness): Promise<void> {
  const reply = await gw.call("POST", `/v1/tenants/${TENANT}/query`, {
    body: {
      statements: [
        { sql: "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)" },
        { sql: "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 100) INSERT INTO items(name) SELECT 'item-' || v FROM n" },
      ],
      mode: "write",
    },
  });
  if (reply.status !== 200) throw new Error(`setup failed: ${JSON.stringify(reply.json)}`);
}

function table(rows: Record<string, string>[]): string {
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((v, i) => v.padStart(widths[i]!)).join(" | ")} |`;
  return [line(columns), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map((r) => line(columns.map((c) => r[c]!)))].join("\n");
}

function cpuTable(cpu: CpuReport): string {
  const ms = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(3));
  const lines = [
    `1-row read, workerd CPU per request (ms), each in a fresh workerd, ${cpu.floors.requests} requests each, interleaved in blocks:`,
    table(floorRows(cpu.floors)),
    `workerd CPU per ms spent waiting for a fetch's answer: ${ms(cpu.floors.cpuPerWaitMs)} ms (the two local server floors)`,
    `first query of a fresh gateway isolate: ${ms(cpu.firstRequestMs)} ms workerd CPU (median of 5)`,
    `per workload, the long-running gateway workerd; sqld CPU through the gateway vs @libsql/client direct:`,
    table(
      cpu.rows.map((r) => ({
        workload: r.workload,
        requests: String(r.requests),
        "gateway workerd": ms(r.gatewayWorkerdMs),
        "over fetch-through": ms(r.overFetchThroughMs),
        "sqld via gateway": ms(r.gatewaySqldMs),
        "sqld direct": ms(r.directSqldMs),
        "sqld ratio": r.sqldRatio === undefined ? "-" : r.sqldRatio.toFixed(2),
        "sqld direct, gateway's pace": ms(r.pacedDirectSqldMs),
        "ratio at same pace": r.pacedSqldRatio === undefined ? "-" : r.pacedSqldRatio.toFixed(2),
      })),
    ),
  ];
  return lines.join("\n");
}

interface Round {
  round: number;
  directP50: number;
  directP99: number;
  gatewayP50: number;
  gatewayP99: number;
  hopP50: number;
  hopP99: number;
  directRps: number;
  gatewayRps: number;
  /** The gateway built from BENCH_BASELINE, when set (NaN otherwise). */
  baselineP50: number;
  baselineRps: number;
  /** The pipeline pass-through floor (one Worker fetch of the gateway's request, no logic): the most a Worker
   * making that request could do on this machine, where workerd shares the cores with sqld and the client. */
  floorRps: number;
}

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const { value: gw, pid: gatewayPid } = await withWorkerdPid(() => startGateway({ tenants: [TENANT] }));
  const directToken = await scopedToken(gw.keys.privateKeyPem, TENANT, "ro", 3600);
  const direct = namespaceClient(gw.dbUrl, TENANT, directToken);
  try {
    await setup(gw);
    const viaDirect: Request = async (i) => {
      // What a direct caller sends for one statement, and what the gateway sends sqld for it (worker/hrana.ts).
      await direct.execute({ sql: SQL, args: [(i % 100) + 1] });
    };
    const viaGateway: Request = async (i) => {
      const reply = await gw.call("POST", `/v1/tenants/${TENANT}/query`, { body: { statements: [{ sql: SQL, args: [(i % 100) + 1] }], mode: "read" } });
      if (reply.status !== 200) throw new Error(`gateway answered ${reply.status}: ${JSON.stringify(reply.json)}`);
    };
    const viaHop: Request = async () => {
      await gw.call("GET", "/health", { apiKey: null });
    };
    // The gateway as of BENCH_BASELINE (e.g. main) in its own workerd, so before/after share one run's load.
    const baselineRef = process.env.BENCH_BASELINE;
    const baseline = baselineRef ? await startMiniflare(baselineBundle(baselineRef), gw.bindings) : undefined;
    const viaBaseline: Request | undefined = baseline && (async (i) => {
      const reply = await callWorker(baseline, "POST", `/v1/tenants/${TENANT}/query`, { body: { statements: [{ sql: SQL, args: [(i % 100) + 1] }], mode: "read" } });
      if (reply.status !== 200) throw new Error(`baseline gateway answered ${reply.status}: ${JSON.stringify(reply.json)}`);
    });
    const floor = await startPassThroughFloor({ dbUrl: gw.dbUrl, tenant: TENANT, token: directToken, statement: { sql: SQL, args: [7] } });
    const viaFloor: Request = async () => {
      const reply = await floor.dispatchFetch("http://floor.test/", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      if (reply.status !== 200) throw new Error(`pass-through floor answered ${reply.status}`);
      await reply.text();
    };
    for (const run of [viaDirect, viaGateway, viaHop, viaFloor, ...(viaBaseline ? [viaBaseline] : [])]) await sequential(WARMUP, run);

    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const d = await sequential(N, viaDirect);
      const g = await sequential(N, viaGateway);
      const h = await sequential(N, viaHop);
      const b = viaBaseline ? await sequential(N, viaBaseline) : [NaN];
      const [directRps = NaN, gatewayRps = NaN, floorRps = NaN, baselineRps = NaN] = await alternatingThroughput(N, CONCURRENCY, [viaDirect, viaGateway, viaFloor, ...(viaBaseline ? [viaBaseline] : [])]);
      rounds.push({
        round,
        directP50: percentile(d, 50),
        directP99: percentile(d, 99),
        gatewayP50: percentile(g, 50),
        gatewayP99: percentile(g, 99),
        hopP50: percentile(h, 50),
        hopP99: percentile(h, 99),
        directRps,
        gatewayRps,
        baselineP50: percentile(b, 50),
        baselineRps,
        floorRps,
      });
    }
    await createBigTable(gw, TENANT);
    const sqldPid = gw.cluster.primary.process.pid;
    if (sqldPid === undefined) throw new Error("sqld is not running");
    const cpu = await measureCpu(gw, TENANT, direct, directToken, gatewayPid, sqldPid, CPU_N, WARMUP);
    const last = await gw.call("POST", `/v1/tenants/${TENANT}/query`, { body: { statements: [{ sql: "SELECT 1" }], mode: "read" } });
    const signatures = Number(last.headers.get("x-gateway-signatures"));
    const mid = (key: keyof Round) => median(rounds.map((r) => r[key]));
    const summary = {
      addedP50Ms: mid("gatewayP50") - mid("directP50"),
      addedP99Ms: mid("gatewayP99") - mid("directP99"),
      addedP50WithoutHopMs: mid("gatewayP50") - mid("directP50") - mid("hopP50"),
      directRps: mid("directRps"),
      gatewayRps: mid("gatewayRps"),
      throughputRatio: mid("gatewayRps") / mid("directRps"),
    };
    const bundle = buildWorkerBundle();
    const ms = (v: number) => v.toFixed(2);
    console.log(`gateway vs direct, ${N} sequential requests per path per round (ms), throughput at concurrency ${CONCURRENCY} (${N} requests)`);
    console.log(
      table(
        rounds.map((r) => ({
          round: String(r.round),
          "direct p50": ms(r.directP50),
          "direct p99": ms(r.directP99),
          "gateway p50": ms(r.gatewayP50),
          "gateway p99": ms(r.gatewayP99),
          "hop p50": ms(r.hopP50),
          "hop p99": ms(r.hopP99),
          "direct req/s": r.directRps.toFixed(0),
          "gateway req/s": r.gatewayRps.toFixed(0),
          ...(baselineRef ? { [`${baselineRef} p50`]: ms(r.baselineP50), [`${baselineRef} req/s`]: r.baselineRps.toFixed(0) } : {}),
        })),
      ),
    );
    console.log(
      [
        `added latency (median of rounds): p50 ${summary.addedP50Ms.toFixed(2)} ms, p99 ${summary.addedP99Ms.toFixed(2)} ms;`,
        `p50 without the Node→workerd hop ${summary.addedP50WithoutHopMs.toFixed(2)} ms`,
      ].join(" "),
    );
    console.log(`throughput at concurrency ${CONCURRENCY}: direct ${summary.directRps.toFixed(0)} req/s, gateway ${summary.gatewayRps.toFixed(0)} req/s (${(summary.throughputRatio * 100).toFixed(0)}%)`);
    console.log(`the pass-through floor (the gateway's request, no logic, in its own workerd): ${mid("floorRps").toFixed(0)} req/s (${((mid("floorRps") / summary.directRps) * 100).toFixed(0)}% of direct); gateway ÷ floor ${((summary.gatewayRps / mid("floorRps")) * 100).toFixed(0)}%`);
    if (baselineRef) console.log(`gateway as of ${baselineRef}: p50 ${mid("baselineP50").toFixed(2)} ms, ${mid("baselineRps").toFixed(0)} req/s (${((mid("baselineRps") / summary.directRps) * 100).toFixed(0)}% of direct)`);
    console.log(cpuTable(cpu));
    console.log(`token signatures in the Worker for all of it: ${signatures}; bundle ${(bundle.bytes / 1024).toFixed(1)} KiB`);
    console.log(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(" ")}, after ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} cores`);
    const dir = join(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "gateway.json");
    const data = { at: new Date().toISOString(), cores: cpus().length, node: process.version, n: N, concurrency: CONCURRENCY, rounds, summary, cpu, signatures, bundleBytes: bundle.bytes, loadBefore, loadAfter: loadavg() };
    writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
    console.log(`wrote ${file}`);
    await baseline?.dispose();
    await floor.dispose();
  } finally {
    direct.close();
    await gw.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
