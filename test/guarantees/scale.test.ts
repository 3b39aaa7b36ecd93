import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../scripts/lib/plan-runner";
import { ofType, planStack, stackYamlConfig } from "../support/plan";

/**
 * Guarantee (c): plan time grows gently with the stack. 12 regions (one primary + 11 replicas) × 1000 tenants
 * against 1 region × 1 tenant, both as prod (the stack with the most resources). Goal ≤ 3x; the assertion allows
 * 6x so a busy CI machine does not make the test flaky. The numbers are printed for the record.
 */
const REGIONS_12 = ["ams", "iad", "sin", "syd", "nrt", "lhr", "fra", "ord", "lax", "gru", "jnb", "yyz"];
const GOAL = 3;
const BOUND = 6;
const ROUNDS = 5;

const prodRegion = (stackYamlConfig("prod").regions as Record<string, unknown>[])[0]!;
const region = (code: string, i: number) => ({ ...prodRegion, code, role: i === 0 ? "primary" : "replica" });
const small = { regions: [region("ams", 0)], tenants: ["acme"] };
const large = {
  regions: REGIONS_12.map(region),
  tenants: Array.from({ length: 1000 }, (_, i) => `tenant-${String(i).padStart(4, "0")}`),
};

async function timed(overrides: Record<string, unknown>): Promise<{ ms: number; plan: Plan }> {
  const start = performance.now();
  const plan = await planStack("prod", overrides);
  return { ms: performance.now() - start, plan };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe("plan time at scale", () => {
  it(`12 regions × 1000 tenants plans within ${BOUND}x of 1 region × 1 tenant (goal ${GOAL}x)`, async () => {
    // Warm-up: module loading and the first Worker bundle are one-off costs, not scale.
    await timed(small);
    await timed(large);
    const times = { small: [] as number[], large: [] as number[] };
    let largePlan: Plan | undefined;
    for (let i = 0; i < ROUNDS; i += 1) {
      times.small.push((await timed(small)).ms);
      const run = await timed(large);
      times.large.push(run.ms);
      largePlan = run.plan;
    }
    const ratio = median(times.large) / median(times.small);
    console.log(
      [
        `plan time, median of ${ROUNDS} (ms): 1 region × 1 tenant = ${median(times.small).toFixed(0)}, ` +
          `12 regions × 1000 tenants = ${median(times.large).toFixed(0)}, ratio = ${ratio.toFixed(2)}x (goal ≤ ${GOAL}x, bound ${BOUND}x)`,
        `  runs small: ${times.small.map((t) => t.toFixed(0)).join(", ")}`,
        `  runs large: ${times.large.map((t) => t.toFixed(0)).join(", ")}`,
      ].join("\n"),
    );

    // The large plan really is large: one volume per region, one namespace Command for all tenants.
    const commands = ofType(largePlan!, "command:local:Command").map((r) => r.name);
    expect(commands.filter((n) => n.startsWith("sqld-volume-"))).toHaveLength(12);
    const namespaces = largePlan!.resources.find((r) => r.name === "sqld-namespaces")!;
    expect(String((namespaces.inputs.environment as Record<string, string>).NAMESPACES).split(" ")).toHaveLength(1000);
    expect(ratio).toBeLessThanOrEqual(BOUND);
  });
});
