/**
 * The gateway's 1-row read next to floors, each in its own fresh workerd, measured interleaved: blocks of requests
 * rotate among the contenders, so a change of machine load (the bench host is shared) reaches all of them alike.
 * Floors: an echo Worker; a Worker that makes one outbound GET to sqld's /health, and one that POSTs the pipeline's
 * bytes there (sqld answers 405, empty: the request body's share); the gateway's own HTTP exchange
 * without its logic (the exact Hrana POST with a ready token, sqld's reply parsed, JSON answered), and the same
 * exchange with the reply passed through as text (what parsing and re-encoding JSON costs). A baseline gateway built
 * from another git ref (BENCH_BASELINE, e.g. `main`) runs alongside, so before/after come from one run.
 *
 * Waiting costs workerd CPU too: the same fetch-through to a local server costs more when the server answers 2 ms
 * later (measured: +0.14 ms CPU for 2 ms, +0.51 for 5 ms, all in workerd's main thread), though Cloudflare bills no
 * CPU for time spent waiting on a fetch (developers.cloudflare.com/workers/platform/limits/#cpu-time). sqld answers a
 * pipeline later than /health (it verifies the JWT, opens a stream, runs the query), so two more floors — a local
 * server answering at once and after WAIT_MS — give workerd's CPU per ms of waiting, and the report estimates how
 * much of each contender's CPU over fetch-through is that waiting (wall time per request is measured too).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join, resolve } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorkerBundle, WORKER_COMPATIBILITY_DATE, WORKER_COMPATIBILITY_FLAGS, WORKER_ENTRY } from "../../infra/cloudflare/bundle";
import { callWorker, type TestBindings } from "../../local/gateway-harness";
import { namespaceHeaderValue } from "../../worker/db";
import { childrenNamed, cpuMs } from "./proc-cpu";

const ECHO_WORKER = `export default { async fetch(request) { const body = await request.text(); return Response.json({ ok: true, bytes: body.length }); } };`;
const FETCH_THROUGH_WORKER = `export default { async fetch(request, env) { await request.text(); const reply = await fetch(env.DB_URL + "/health"); return new Response(await reply.text(), { status: reply.status }); } };`;
/** fetch-through with the pipeline's POST body: sqld answers 405 with no body, so this adds only the request body. */
const POST_THROUGH_WORKER = `export default { async fetch(request, env) { await request.text(); const reply = await fetch(env.DB_URL + "/health", { method: "POST", headers: { "content-type": "application/json" }, body: env.PIPELINE }); return new Response(await reply.text(), { status: 200 }); } };`;
const pipelineWorker = (answer: string) => `export default { async fetch(request, env) {
  await request.json();
  const reply = await fetch(env.DB_URL + "/v2/pipeline", { method: "POST", headers: { authorization: "Bearer " + env.TOKEN, "content-type": "application/json", "x-namespace-bin": env.NAMESPACE_BIN }, body: env.PIPELINE });
  ${answer}
} };`;
const PIPELINE_THROUGH_WORKER = pipelineWorker(`const parsed = await reply.json(); return Response.json({ results: parsed.results.length }, { status: reply.status });`);
const PIPELINE_TEXT_WORKER = pipelineWorker(`return new Response(await reply.text(), { status: reply.status, headers: { "content-type": "application/json" } });`);

/** A fetch-through to a local server (LOCAL_URL) that answers an empty 200 after `?wait=<ms>`. */
const LOCAL_THROUGH_WORKER = (waitMs: number) =>
  `export default { async fetch(request, env) { await request.text(); const reply = await fetch(env.LOCAL_URL + "/?wait=${waitMs}"); return new Response(await reply.text(), { status: reply.status }); } };`;
/** How late the second local server floor answers (about sqld's pipeline latency here). */
const WAIT_MS = 2;

/** An HTTP server on 127.0.0.1 answering 200 with an empty body, after `?wait` ms. */
async function startLocalServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const wait = Number(new URL(request.url ?? "/", "http://local").searchParams.get("wait") ?? 0);
    request.resume();
    request.on("end", () => setTimeout(() => response.writeHead(200, { "content-length": "0" }).end(), wait));
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

/** The pipeline the gateway sends for a one-statement read (worker/hrana.ts: a bare `execute`), as one JSON text. */
function onePipeline(sql: string, id: number): string {
  const stmt = { sql, args: [{ type: "integer", value: String(id) }], named_args: [], want_rows: true };
  return JSON.stringify({ baton: null, requests: [{ type: "execute", stmt }, { type: "close" }] });
}

/** Starts something that spawns one workerd (a Miniflare) and returns it with that workerd's PID. */
export async function withWorkerdPid<T>(start: () => Promise<T>): Promise<{ value: T; pid: number }> {
  const before = new Set(childrenNamed(process.pid, "workerd"));
  const value = await start();
  const pid = childrenNamed(process.pid, "workerd").find((p) => !before.has(p));
  if (pid === undefined) throw new Error("could not find the workerd process miniflare started");
  return { value, pid };
}

/** `script` in a fresh workerd with the Worker's compatibility settings. */
export async function startMiniflare(script: string, bindings: Record<string, unknown>): Promise<Miniflare> {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: WORKER_COMPATIBILITY_DATE, compatibilityFlags: WORKER_COMPATIBILITY_FLAGS, bindings });
  await mf.ready;
  return mf;
}

async function workerdWith(script: string, bindings: Record<string, unknown>): Promise<{ mf: Miniflare; pid: number }> {
  const { value: mf, pid } = await withWorkerdPid(() => startMiniflare(script, bindings));
  return { mf, pid };
}

/**
 * The gateway bundle as of git ref `ref`: its worker/ sources written under .cache/ (ignored by git, outside what
 * lint scans; the project's node_modules still resolves) and bundled there.
 */
export function baselineBundle(ref: string): string {
  const root = resolve(__dirname, "../..");
  const dir = join(root, ".cache/gateway-baseline");
  rmSync(dir, { recursive: true, force: true });
  const files = execFileSync("git", ["-C", root, "ls-tree", "-r", "--name-only", ref, "worker/"], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), execFileSync("git", ["-C", root, "show", `${ref}:${file}`]));
  }
  return buildWorkerBundle(WORKER_ENTRY, dir).code;
}

interface Contender {
  name: string;
  pid: number;
  call: () => Promise<void>;
}

export interface FloorReport {
  /** workerd CPU per request (ms) by contender name. */
  cpuMs: Record<string, number>;
  /** Wall time per request (ms) by contender name, as the bench's client saw it. */
  wallMs: Record<string, number>;
  /** workerd CPU per ms of waiting for a fetch's answer: (late local − prompt local CPU) ÷ their wall difference. */
  cpuPerWaitMs: number;
  requests: number;
}

/** The floor table's rows: CPU and wall per request, over fetch-through, and that less the estimated waiting. */
export function floorRows(report: FloorReport): Record<string, string>[] {
  const ms = (v: number) => v.toFixed(3);
  const floor = report.cpuMs["fetch-through"]!;
  return Object.entries(report.cpuMs).map(([worker, cpu]) => ({
    worker,
    "CPU ms": ms(cpu),
    "wall ms": ms(report.wallMs[worker]!),
    "over fetch-through": ms(cpu - floor),
    "of it waiting (est.)": ms(waitingShareMs(report, worker)),
    "over fetch-through, less waiting": ms(cpu - floor - waitingShareMs(report, worker)),
  }));
}

const LOCAL_PROMPT = "local server, answers at once";
const LOCAL_LATE = `local server, answers after ${WAIT_MS} ms`;

/**
 * Estimated CPU of `name` over fetch-through that is workerd waiting longer, not work: its wall time beyond its own
 * CPU, less fetch-through's, times workerd's CPU per ms of waiting.
 */
export function waitingShareMs(report: FloorReport, name: string): number {
  const idle = (n: string) => report.wallMs[n]! - report.cpuMs[n]!;
  return Math.max(0, idle(name) - idle("fetch-through")) * report.cpuPerWaitMs;
}

/**
 * `n` requests per contender, in blocks of `block` rotating among them (every other round in reverse order, so no
 * contender always follows the same one); CPU counted only during a contender's own blocks.
 */
async function interleaved(contenders: Contender[], n: number, block: number): Promise<{ cpu: Record<string, number>; wall: Record<string, number> }> {
  const spent = new Map(contenders.map((c) => [c.name, 0]));
  const wall = new Map(contenders.map((c) => [c.name, 0]));
  for (let done = 0, round = 0; done < n; done += block, round++) {
    for (const c of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const before = cpuMs(c.pid);
      const started = performance.now();
      for (let i = 0; i < block; i++) await c.call();
      wall.set(c.name, wall.get(c.name)! + performance.now() - started);
      spent.set(c.name, spent.get(c.name)! + cpuMs(c.pid) - before);
    }
  }
  const perRequest = (totals: Map<string, number>) => Object.fromEntries([...totals].map(([name, ms]) => [name, ms / n]));
  return { cpu: perRequest(spent), wall: perRequest(wall) };
}

export interface FloorSetup {
  dbUrl: string;
  tenant: string;
  token: string;
  /** The gateway's bindings and bundle (this tree), and optionally a baseline bundle from another ref. */
  bindings: TestBindings;
  gatewayCode: string;
  baseline?: { ref: string; code: string };
  statement: { sql: string; args: number[] };
}

/** The pipeline pass-through floor's script and bindings, for `setup`. */
function pipelineFloor(setup: Pick<FloorSetup, "dbUrl" | "tenant" | "token" | "statement">): { script: string; bindings: Record<string, string> } {
  const bindings = { DB_URL: setup.dbUrl, TOKEN: setup.token, NAMESPACE_BIN: namespaceHeaderValue(setup.tenant), PIPELINE: onePipeline(setup.statement.sql, setup.statement.args[0]!) };
  return { script: PIPELINE_THROUGH_WORKER, bindings };
}

/** The pipeline pass-through floor in its own workerd: the one request the gateway makes, without its logic. */
export async function startPassThroughFloor(setup: Pick<FloorSetup, "dbUrl" | "tenant" | "token" | "statement">): Promise<Miniflare> {
  const { script, bindings } = pipelineFloor(setup);
  return startMiniflare(script, bindings);
}

export async function measureFloors(setup: FloorSetup, n: number, warmup: number, block = 25): Promise<FloorReport> {
  const pipelineBindings = pipelineFloor(setup).bindings;
  const local = await startLocalServer();
  const started: { name: string; mf: Miniflare; pid: number; gateway: boolean }[] = [];
  const start = async (name: string, script: string, bindings: Record<string, unknown>, gateway = false) => started.push({ name, gateway, ...(await workerdWith(script, bindings)) });
  try {
    await start("echo", ECHO_WORKER, {});
    await start("fetch-through", FETCH_THROUGH_WORKER, { DB_URL: setup.dbUrl });
    await start(LOCAL_PROMPT, LOCAL_THROUGH_WORKER(0), { LOCAL_URL: local.url });
    await start(LOCAL_LATE, LOCAL_THROUGH_WORKER(WAIT_MS), { LOCAL_URL: local.url });
    await start("fetch-through, the pipeline as POST body", POST_THROUGH_WORKER, pipelineBindings);
    await start("pipeline, reply as text", PIPELINE_TEXT_WORKER, pipelineBindings);
    await start("pipeline pass-through", PIPELINE_THROUGH_WORKER, pipelineBindings);
    if (setup.baseline) await start(`gateway (${setup.baseline.ref})`, setup.baseline.code, setup.bindings, true);
    await start("gateway", setup.gatewayCode, setup.bindings, true);
    const query = { statements: [setup.statement], mode: "read" };
    const body = JSON.stringify(query);
    const contenders: Contender[] = started.map(({ name, mf, pid, gateway }) => ({
      name,
      pid,
      call: gateway
        ? async () => {
            const reply = await callWorker(mf, "POST", `/v1/tenants/${setup.tenant}/query`, { body: query });
            if (reply.status !== 200) throw new Error(`${name} answered ${reply.status}: ${JSON.stringify(reply.json)}`);
          }
        : async () => void (await (await mf.dispatchFetch("http://floor.test/", { method: "POST", body, headers: { "content-type": "application/json" } })).text()),
    }));
    for (const c of contenders) for (let i = 0; i < warmup; i++) await c.call();
    const { cpu, wall } = await interleaved(contenders, n, block);
    const cpuPerWaitMs = Math.max(0, (cpu[LOCAL_LATE]! - cpu[LOCAL_PROMPT]!) / (wall[LOCAL_LATE]! - cpu[LOCAL_LATE]! - (wall[LOCAL_PROMPT]! - cpu[LOCAL_PROMPT]!)));
    return { cpuMs: cpu, wallMs: wall, cpuPerWaitMs, requests: n };
  } finally {
    for (const { mf } of started) await mf.dispose();
    local.server.close();
  }
}
