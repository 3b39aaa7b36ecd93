/**
 * Profile (not a test) of where the gateway's own CPU goes on the 1-row read: the V8 sampling profiler of the
 * workerd isolate, over the Chrome DevTools Protocol on workerd's inspector (miniflare `inspectorPort`).
 *   npm run bench -- gateway-profile   (PROFILE_N requests, default 3000; PROFILE_INTERVAL_US, default 100;
 *   PROFILE_STEPS / PROFILE_FLOORS / PROFILE_V8=0 skip a part; PROFILE_STEP_FILTER=<text> only the steps naming it)
 * Real sqld (dev stack) and an unminified build of the same Worker source (function names readable). Prints self
 * time per function and per bundle source file, and writes bench/results/gateway.cpuprofile (open it in Chrome
 * DevTools > Performance). JavaScript only: workerd's own C++ (HTTP, the fetch machinery) shows as "(program)".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import { buildWorkerBundle, WORKER_COMPATIBILITY_DATE, WORKER_COMPATIBILITY_FLAGS } from "../infra/cloudflare/bundle";
import { callWorker, startGateway, workerBundle } from "../local/gateway-harness";
import { scopedToken } from "../local/sqld/tenant-client";
import { baselineBundle, measureFloors, pipelineFloor, withWorkerdPid } from "./lib/gateway-floors";
import { STEP_NAMES } from "./lib/gateway-steps-worker";
import { cpuPerRequest } from "./lib/proc-cpu";

const N = Number(process.env.PROFILE_N ?? 3000);
/** Step costs: requests per measurement, and runs of the step per request. */
const STEP_REQUESTS = Number(process.env.PROFILE_STEP_REQUESTS ?? 1000);
const STEP_REPEAT = 20;
const INTERVAL_US = Number(process.env.PROFILE_INTERVAL_US ?? 100);
const TENANT = "bench";
const QUERY = { statements: [{ sql: "SELECT id, name FROM items WHERE id = ?", args: [7] }], mode: "read" };

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A minimal CDP session: numbered calls, answers matched by id. */
async function devtools(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let next = 0;
  const pending = new Map<number, (result: unknown) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.error ? Promise.reject(new Error(JSON.stringify(message.error))) : message.result);
  });
  return {
    call: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((resolve) => {
        const id = ++next;
        pending.set(id, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id, method, params }));
      }),
    close: () => socket.close(),
  };
}

/** The bundle's source file a function came from, read from esbuild's `// worker/x.ts` markers in a readable build. */
function sourceFiles(code: string): { line: number; file: string }[] {
  const marks: { line: number; file: string }[] = [];
  code.split("\n").forEach((text, line) => {
    const match = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(text);
    if (match) marks.push({ line, file: match[1]! });
  });
  return marks;
}

function fileOf(marks: { line: number; file: string }[], line: number): string {
  let file = "(bundle)";
  for (const mark of marks) if (mark.line <= line) file = mark.file;
  return file;
}

function summarize(profile: Profile, code: string): void {
  const marks = sourceFiles(code);
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
    total += us;
    if (functionName === "(idle)") continue;
    busy += us;
    const where = url === "" ? "" : fileOf(marks, lineNumber);
    const name = `${functionName || "(anonymous)"}${where ? ` [${where}:${lineNumber + 1}]` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const file = url === "" ? functionName.startsWith("(") ? functionName : "(runtime built-ins)" : where;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const perRequest = (us: number) => `${(us / N).toFixed(1).padStart(7)} µs/request`;
  console.log(`profiled ${N} requests: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle (${perRequest(busy)})`);
  console.log("\nself time by source file:");
  for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1])) console.log(`${perRequest(us)}  ${file}`);
  console.log("\nself time by function (top 40):");
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${perRequest(us)}  ${name}`);
}

/** Each step's workerd CPU (bench/lib/gateway-steps-worker.ts): (CPU at k=STEP_REPEAT - CPU at k=0) / STEP_REPEAT. */
async function stepCosts(): Promise<void> {
  const steps = buildWorkerBundle("bench/lib/gateway-steps-worker.ts");
  const { value: mf, pid } = await withWorkerdPid(async () => {
    const started = new Miniflare({ modules: true, script: steps.code, compatibilityDate: WORKER_COMPATIBILITY_DATE, compatibilityFlags: WORKER_COMPATIBILITY_FLAGS });
    await started.ready;
    return started;
  });
  try {
    const run = (step: string, k: number, count: number) => async () => {
      for (let i = 0; i < count; i++) {
        const reply = await mf.dispatchFetch(`http://steps.test/${encodeURIComponent(step)}?k=${k}`, { method: "POST" });
        if (reply.status !== 200) throw new Error(`${step}: ${reply.status} ${await reply.text()}`);
      }
    };
    // A step's first run in a request can cost more than the next ones (per-request setup in the runtime), so the
    // once-per-request cost (k=1 - k=0) and each further run ((k=REPEAT - k=1) / (REPEAT - 1)) are reported apart;
    // the three loads alternate in blocks so a change of machine load reaches each alike.
    console.log(`workerd CPU per step (µs), ${STEP_REQUESTS} requests per load (k = 0, 1, ${STEP_REPEAT} runs per request), interleaved:`);
    console.log(`${"first run".padStart(10)} ${"each more".padStart(10)}  step`);
    const block = 20;
    for (const step of STEP_NAMES.filter((name) => name.includes(process.env.PROFILE_STEP_FILTER ?? ""))) {
      const loads = [0, 1, STEP_REPEAT];
      const spent = loads.map(() => 0);
      for (const k of loads) await run(step, k, block)(); // warm-up
      for (let done = 0; done < STEP_REQUESTS; done += block) {
        for (const [i, k] of loads.entries()) spent[i] = spent[i]! + (await cpuPerRequest(pid, 1, run(step, k, block)));
      }
      const [k0, k1, kn] = spent.map((ms) => (ms / STEP_REQUESTS) * 1000) as [number, number, number];
      console.log(`${(k1 - k0).toFixed(1).padStart(10)} ${((kn - k1) / (STEP_REPEAT - 1)).toFixed(1).padStart(10)}  ${step}`);
    }
  } finally {
    await mf.dispose();
  }
}

/** A V8 CPU profile of `N` calls to a fresh workerd running `script`, summarized; returns the profile. */
async function profileWorker(label: string, script: string, bindings: Record<string, unknown>, call: (mf: Miniflare) => Promise<void>): Promise<Profile> {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: WORKER_COMPATIBILITY_DATE, compatibilityFlags: WORKER_COMPATIBILITY_FLAGS, bindings, inspectorPort: 0 });
  try {
    await mf.ready;
    for (let i = 0; i < 300; i++) await call(mf);
    const inspector = await mf.getInspectorURL();
    const targets = (await (await fetch(`http://${inspector.host}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
    const target = targets.find((t) => t.webSocketDebuggerUrl.includes("core:user")) ?? targets[0];
    if (!target) throw new Error(`no inspector target at ${inspector.host}`);
    const session = await devtools(target.webSocketDebuggerUrl);
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: INTERVAL_US });
    await session.call("Profiler.start");
    for (let i = 0; i < N; i++) await call(mf);
    const { profile } = await session.call<{ profile: Profile }>("Profiler.stop");
    session.close();
    console.log(`\n=== V8 profile: ${label} ===`);
    summarize(profile, script);
    return profile;
  } finally {
    await mf.dispose();
  }
}

async function main(): Promise<void> {
  if (process.env.PROFILE_STEPS !== "0") await stepCosts();
  const gw = await startGateway({ tenants: [TENANT] });
  try {
    const setup = await gw.call("POST", `/v1/tenants/${TENANT}/query`, {
      body: { statements: [{ sql: "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)" }, { sql: "INSERT INTO items(name) VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f'), ('g')" }], mode: "write" },
    });
    if (setup.status !== 200) throw new Error(`setup failed: ${JSON.stringify(setup.json)}`);
    const token = await scopedToken(gw.keys.privateKeyPem, TENANT, "ro", 3600);
    const statement = { sql: QUERY.statements[0]!.sql, args: QUERY.statements[0]!.args };
    if (process.env.PROFILE_FLOORS !== "0") {
      const ref = process.env.BENCH_BASELINE ?? "main";
      const floors = await measureFloors(
        { dbUrl: gw.dbUrl, tenant: TENANT, token, bindings: gw.bindings, gatewayCode: workerBundle().code, baseline: { ref, code: baselineBundle(ref) }, statement },
        Number(process.env.BENCH_CPU_N ?? 2000),
        100,
      );
      console.log(`1-row read, workerd CPU per request (ms), fresh workerds interleaved, ${floors.requests} requests each:`);
      for (const [name, ms] of Object.entries(floors.cpuMs)) console.log(`${ms.toFixed(3).padStart(8)}  ${name}`);
    }
    if (process.env.PROFILE_V8 === "0") return;
    const bundle = buildWorkerBundle(undefined, undefined, { readable: true });
    const gateway = await profileWorker("gateway (unminified)", bundle.code, gw.bindings, async (mf) => {
      const reply = await callWorker(mf, "POST", `/v1/tenants/${TENANT}/query`, { body: QUERY });
      if (reply.status !== 200) throw new Error(`gateway answered ${reply.status}: ${JSON.stringify(reply.json)}`);
    });
    const floor = pipelineFloor({ dbUrl: gw.dbUrl, tenant: TENANT, token, statement });
    const body = JSON.stringify(QUERY);
    await profileWorker("pipeline pass-through floor", floor.script, floor.bindings, async (mf) => {
      await (await mf.dispatchFetch("http://floor.test/", { method: "POST", body, headers: { "content-type": "application/json" } })).text();
    });
    const dir = join(__dirname, "results");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "gateway.cpuprofile"), JSON.stringify(gateway));
    console.log(`\nwrote ${join(dir, "gateway.cpuprofile")}`);
  } finally {
    await gw.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
