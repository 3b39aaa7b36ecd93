/**
 * The gateway's 1-row read next to floors, each in its own fresh workerd, measured interleaved: blocks of requests
 * rotate among the contenders, so a change of machine load (the bench host is shared) reaches all of them alike.
 * Floors: an echo Worker; a Worker that makes one outbound GET to sqld's /health, and one that POSTs the pipeline's
 * bytes there (sqld answers 405, empty: the request body's share); the gateway's own HTTP exchange
 * without its logic (the exact Hrana POST with a ready token, sqld's reply parsed, JSON answered), and the same
 * exchange with the reply passed through as text (what parsing and re-encoding JSON costs). A baseline gateway built
 * from another git ref (BENCH_BASELINE, e.g. `main`) runs alongside, so before/after come from one run.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
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
  requests: number;
}

/**
 * `n` requests per contender, in blocks of `block` rotating among them (every other round in reverse order, so no
 * contender always follows the same one); CPU counted only during a contender's own blocks.
 */
async function interleaved(contenders: Contender[], n: number, block: number): Promise<Record<string, number>> {
  const spent = new Map(contenders.map((c) => [c.name, 0]));
  for (let done = 0, round = 0; done < n; done += block, round++) {
    for (const c of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const before = cpuMs(c.pid);
      for (let i = 0; i < block; i++) await c.call();
      spent.set(c.name, spent.get(c.name)! + cpuMs(c.pid) - before);
    }
  }
  return Object.fromEntries([...spent].map(([name, ms]) => [name, ms / n]));
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

export async function measureFloors(setup: FloorSetup, n: number, warmup: number, block = 25): Promise<FloorReport> {
  const pipelineBindings = pipelineFloor(setup).bindings;
  const started: { name: string; mf: Miniflare; pid: number; gateway: boolean }[] = [];
  const start = async (name: string, script: string, bindings: Record<string, unknown>, gateway = false) => started.push({ name, gateway, ...(await workerdWith(script, bindings)) });
  try {
    await start("echo", ECHO_WORKER, {});
    await start("fetch-through", FETCH_THROUGH_WORKER, { DB_URL: setup.dbUrl });
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
    return { cpuMs: await interleaved(contenders, n, block), requests: n };
  } finally {
    for (const { mf } of started) await mf.dispose();
  }
}
