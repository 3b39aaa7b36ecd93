/**
 * The gateway's CPU per request, side by side in one run: workerd CPU of the gateway next to two floors (an echo
 * Worker, and a Worker that makes one outbound fetch to sqld's /health), and sqld CPU per request through the
 * gateway next to the same query from @libsql/client directly. Workloads: a one-row read, 100 rows, 10k rows, a
 * 20-statement batch, and a token mint. CPU from /proc/<pid>/stat (bench/lib/proc-cpu.ts).
 */
import type { Client } from "@libsql/client";
import { callWorker, startWorker, workerBundle, type GatewayHarness } from "../../local/gateway-harness";
import { baselineBundle, measureFloors, withWorkerdPid, type FloorReport } from "./gateway-floors";
import { cpuMs, cpuPerRequest } from "./proc-cpu";

interface Workload {
  name: string;
  /** Requests per measurement (a fraction of N for the heavy ones). */
  share: number;
  statements?: { sql: string; args?: unknown[] }[];
  mode?: "read" | "write";
  /** A token mint instead of a query (no direct counterpart, no sqld work). */
  mint?: boolean;
}

export const WORKLOADS: Workload[] = [
  { name: "1 row", share: 1, statements: [{ sql: "SELECT id, name FROM items WHERE id = ?", args: [7] }], mode: "read" },
  { name: "100 rows", share: 1, statements: [{ sql: "SELECT id, name FROM items ORDER BY id LIMIT 100" }], mode: "read" },
  { name: "10k rows", share: 0.05, statements: [{ sql: "SELECT id, name FROM big ORDER BY id" }], mode: "read" },
  { name: "20-statement batch", share: 1, statements: Array.from({ length: 20 }, (_, i) => ({ sql: "SELECT id, name FROM items WHERE id = ?", args: [i + 1] })), mode: "read" },
  { name: "token mint", share: 1, mint: true },
];

export async function createBigTable(gw: GatewayHarness, tenant: string): Promise<void> {
  const reply = await gw.call("POST", `/v1/tenants/${tenant}/query`, {
    body: {
      statements: [
        { sql: "CREATE TABLE big(id INTEGER PRIMARY KEY, name TEXT)" },
        { sql: "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 10000) INSERT INTO big(name) SELECT 'row-' || v FROM n" },
      ],
      mode: "write",
    },
  });
  if (reply.status !== 200) throw new Error(`creating the 10k-row table failed: ${JSON.stringify(reply.json)}`);
}

async function times(count: number, run: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i++) await run(i);
}

/**
 * `count` runs, each started `periodMs` after the previous one started (or at once if it took longer). sqld's CPU
 * per request depends on the pace: its tokio workers park and wake between requests, so a direct client that waits
 * 3 ms between queries costs sqld as much per query as the gateway does (measured: 2.56–2.65 vs 2.02–2.16 ms back to
 * back). Comparing sqld's work through the gateway with direct work at the gateway's pace isolates what the gateway
 * asks of sqld from when it asks.
 */
async function paced(count: number, periodMs: number, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + i * periodMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await run();
  }
}

/** Requests per block in interleavedSqld. */
const SQLD_BLOCK = 50;

/**
 * sqld CPU per request through the gateway, direct back to back, and direct at the gateway's pace (its wall time per
 * request in the block just run), in blocks rotating among the three (every other round reversed): sqld's own
 * background work and the host's load then reach all three alike, where measuring one after another put a whole
 * background burst on one of them (a 1-row ratio of 1.74 in one such run, 0.79 and 1.01 in the two before).
 */
async function interleavedSqld(count: number, gatewayPid: number, sqldPid: number, viaGateway: () => Promise<void>, viaDirect: () => Promise<void>) {
  const block = Math.min(SQLD_BLOCK, count);
  let gatewayWallMs = 0;
  const totals = { gatewayWorkerd: 0, gatewaySqld: 0, directSqld: 0, pacedSqld: 0 };
  const runGateway = async () => {
    const [workerd, sqld, started] = [cpuMs(gatewayPid), cpuMs(sqldPid), performance.now()];
    await times(block, viaGateway);
    gatewayWallMs = (performance.now() - started) / block;
    totals.gatewayWorkerd += cpuMs(gatewayPid) - workerd;
    totals.gatewaySqld += cpuMs(sqldPid) - sqld;
  };
  const runDirect = async () => void (totals.directSqld += await cpuPerRequest(sqldPid, 1, () => times(block, viaDirect)));
  const runPaced = async () => void (totals.pacedSqld += await cpuPerRequest(sqldPid, 1, () => paced(block, gatewayWallMs, viaDirect)));
  let done = 0;
  for (let round = 0; done < count; done += block, round++) {
    for (const run of round % 2 === 0 ? [runGateway, runDirect, runPaced] : [runPaced, runDirect, runGateway]) await run();
  }
  return { gatewayWorkerdMs: totals.gatewayWorkerd / done, gatewaySqldMs: totals.gatewaySqld / done, directSqldMs: totals.directSqld / done, pacedDirectSqldMs: totals.pacedSqld / done };
}

export interface CpuRow {
  workload: string;
  requests: number;
  gatewayWorkerdMs: number;
  overFetchThroughMs: number;
  gatewaySqldMs?: number;
  directSqldMs?: number;
  sqldRatio?: number;
  /** sqld CPU per request from @libsql/client direct, started at the gateway's pace (one per gateway wall time). */
  pacedDirectSqldMs?: number;
  /** gatewaySqldMs / pacedDirectSqldMs: what the gateway makes sqld do, at the same pace. */
  pacedSqldRatio?: number;
}

export interface CpuReport {
  /** The 1-row read in fresh workerds, interleaved with the floors (and the baseline gateway, when asked). */
  floors: FloorReport;
  fetchThroughMs: number;
  rows: CpuRow[];
  /** workerd CPU of the first query of a fresh gateway isolate (module evaluation included), median of COLD_STARTS. */
  firstRequestMs: number;
}

const COLD_STARTS = 5;

/** A fresh workerd with the gateway bundle per try: CPU of its first query, from ready to the answer. */
async function firstRequestCpu(gw: GatewayHarness, tenant: string): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const { value: mf, pid } = await withWorkerdPid(() => startWorker(gw.bindings));
    try {
      const before = cpuMs(pid);
      const reply = await callWorker(mf, "POST", `/v1/tenants/${tenant}/query`, { body: { statements: WORKLOADS[0]!.statements, mode: "read" } });
      if (reply.status !== 200) throw new Error(`cold start: gateway answered ${reply.status}`);
      samples.push(cpuMs(pid) - before);
    } finally {
      await mf.dispose();
    }
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

/**
 * `gatewayPid` is the gateway's workerd (started before any other Miniflare here), `sqldPid` the sqld both paths
 * reach. Every measurement is preceded by WARMUP requests of its own kind.
 */
export async function measureCpu(gw: GatewayHarness, tenant: string, direct: Client, directToken: string, gatewayPid: number, sqldPid: number, n: number, warmup: number): Promise<CpuReport> {
  const ref = process.env.BENCH_BASELINE;
  const first = WORKLOADS[0]!.statements![0]!;
  const floors = await measureFloors(
    {
      dbUrl: gw.dbUrl,
      tenant,
      token: directToken,
      bindings: gw.bindings,
      gatewayCode: workerBundle().code,
      baseline: ref ? { ref, code: baselineBundle(ref) } : undefined,
      statement: { sql: first.sql, args: first.args as number[] },
    },
    n,
    warmup,
  );
  const fetchThroughMs = floors.cpuMs["fetch-through"]!;
  const rows: CpuRow[] = [];
  for (const w of WORKLOADS) {
    const count = Math.max(10, Math.round(n * w.share));
    const viaGateway = async () => {
      const reply = w.mint
        ? await gw.call("POST", `/v1/tenants/${tenant}/token`, { body: { access: "ro" } })
        : await gw.call("POST", `/v1/tenants/${tenant}/query`, { body: { statements: w.statements, mode: w.mode } });
      if (reply.status !== 200) throw new Error(`${w.name}: gateway answered ${reply.status}`);
    };
    await times(Math.min(warmup, count), viaGateway);
    if (w.mint) {
      const gatewayWorkerdMs = await cpuPerRequest(gatewayPid, count, () => times(count, viaGateway));
      rows.push({ workload: w.name, requests: count, gatewayWorkerdMs, overFetchThroughMs: gatewayWorkerdMs - fetchThroughMs });
      continue;
    }
    const statements = w.statements!.map((s) => ({ sql: s.sql, args: (s.args ?? []) as never }));
    // A direct caller's call for the same request: `execute` for one statement, `batch` for several.
    const viaDirect = async () => void (statements.length === 1 ? await direct.execute(statements[0]!) : await direct.batch(statements, w.mode));
    await times(Math.min(warmup, count), viaDirect);
    const m = await interleavedSqld(count, gatewayPid, sqldPid, viaGateway, viaDirect);
    rows.push({
      workload: w.name,
      requests: count,
      ...m,
      overFetchThroughMs: m.gatewayWorkerdMs - fetchThroughMs,
      sqldRatio: m.gatewaySqldMs / m.directSqldMs,
      pacedSqldRatio: m.gatewaySqldMs / m.pacedDirectSqldMs,
    });
  }
  return { floors, fetchThroughMs, rows, firstRequestMs: await firstRequestCpu(gw, tenant) };
}
