/**
 * Where the gateway's own workerd CPU goes (not a test), in two parts:
 *   steps   each hot-path step of the gateway (bench/lib/gateway-steps-worker.ts) run k = 0 and 20 times per
 *           request in workerd, CPU from /proc: µs per run;
 *   floors  the 1-row read on real sqld (dev stack) in fresh workerds, interleaved: the gateway, the gateway as of
 *           BENCH_BASELINE (default main) and the floors of bench/lib/gateway-floors.ts, in ms per request.
 *   npm run bench -- gateway-profile   (PROFILE_STEPS=0 / PROFILE_FLOORS=0 skip a part; PROFILE_STEP_FILTER=<text>
 *   only the steps naming it; PROFILE_STEP_REQUESTS, default 1000; BENCH_CPU_N, default 2000)
 * Why not V8's sampling profiler over workerd's inspector: tried, it attributes the event loop's waiting to the
 * last JavaScript frame (the pass-through floor showed ~4 ms per request "in" fetch), so its times are wall time,
 * not CPU, and on a shared machine they swung 3x between runs.
 */
import { buildWorkerBundle } from "../infra/cloudflare/bundle";
import { startGateway, workerBundle } from "../local/gateway-harness";
import { scopedToken } from "../local/sqld/tenant-client";
import { baselineBundle, floorRows, measureFloors, startMiniflare, withWorkerdPid } from "./lib/gateway-floors";
import { STEP_NAMES } from "./lib/gateway-steps-worker";
import { cpuPerRequest } from "./lib/proc-cpu";

/** Step costs: requests per measurement, and runs of the step per request. */
const STEP_REQUESTS = Number(process.env.PROFILE_STEP_REQUESTS ?? 1000);
const STEP_REPEAT = 20;
const TENANT = "bench";
const QUERY = { statements: [{ sql: "SELECT id, name FROM items WHERE id = ?", args: [7] }], mode: "read" };

/** Each step's workerd CPU (bench/lib/gateway-steps-worker.ts). */
async function stepCosts(): Promise<void> {
  const steps = buildWorkerBundle("bench/lib/gateway-steps-worker.ts");
  const { value: mf, pid } = await withWorkerdPid(() => startMiniflare(steps.code, {}));
  try {
    const run = (step: string, k: number, count: number) => async () => {
      for (let i = 0; i < count; i++) {
        const reply = await mf.dispatchFetch(`http://steps.test/${encodeURIComponent(step)}?k=${k}`, { method: "POST" });
        if (reply.status !== 200) throw new Error(`${step}: ${reply.status} ${await reply.text()}`);
      }
    };
    // k = 0 and k = STEP_REPEAT alternate in blocks, so a change of machine load reaches both alike. (A step's
    // first run in a request alone, k = 1 - k = 0, drowned in the 10 ms ticks on a shared machine: ±250 µs.)
    console.log(`workerd CPU per run of a step (µs): (k = ${STEP_REPEAT} - k = 0) / ${STEP_REPEAT}, ${STEP_REQUESTS} requests each, interleaved:`);
    const block = 20;
    for (const step of STEP_NAMES.filter((name) => name.includes(process.env.PROFILE_STEP_FILTER ?? ""))) {
      const loads = [0, STEP_REPEAT];
      const spent = loads.map(() => 0);
      for (const k of loads) await run(step, k, block)(); // warm-up
      for (let done = 0; done < STEP_REQUESTS; done += block) {
        for (const [i, k] of loads.entries()) spent[i] = spent[i]! + (await cpuPerRequest(pid, 1, run(step, k, block)));
      }
      const [k0, kn] = spent.map((ms) => (ms / STEP_REQUESTS) * 1000) as [number, number];
      console.log(`${((kn - k0) / STEP_REPEAT).toFixed(1).padStart(8)}  ${step}`);
    }
  } finally {
    await mf.dispose();
  }
}

async function main(): Promise<void> {
  if (process.env.PROFILE_STEPS !== "0") await stepCosts();
  if (process.env.PROFILE_FLOORS === "0") return;
  const gw = await startGateway({ tenants: [TENANT] });
  try {
    const setup = await gw.call("POST", `/v1/tenants/${TENANT}/query`, {
      body: { statements: [{ sql: "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)" }, { sql: "INSERT INTO items(name) VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f'), ('g')" }], mode: "write" },
    });
    if (setup.status !== 200) throw new Error(`setup failed: ${JSON.stringify(setup.json)}`);
    const token = await scopedToken(gw.keys.privateKeyPem, TENANT, "ro", 3600);
    const statement = { sql: QUERY.statements[0]!.sql, args: QUERY.statements[0]!.args };
    {
      const ref = process.env.BENCH_BASELINE ?? "main";
      const floors = await measureFloors(
        { dbUrl: gw.dbUrl, tenant: TENANT, token, bindings: gw.bindings, gatewayCode: workerBundle().code, baseline: { ref, code: baselineBundle(ref) }, statement },
        Number(process.env.BENCH_CPU_N ?? 2000),
        100,
      );
      console.log(`1-row read, workerd CPU per request (ms), fresh workerds interleaved, ${floors.requests} requests each:`);
      console.table(floorRows(floors));
      console.log(`workerd CPU per ms spent waiting for a fetch's answer: ${floors.cpuPerWaitMs.toFixed(3)} ms`);
    }
  } finally {
    await gw.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
