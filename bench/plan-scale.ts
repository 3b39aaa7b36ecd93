/**
 * Plan time at scale: 12 regions (one primary + 11 replicas) × 1000 tenants against 1 region × 1 tenant, both as
 * prod (the stack with the most resources), under Pulumi mocks. Goal: the large plan within 3x of the small one.
 * A figure, not a pass/fail test (test/guarantees/scale.test.ts checks that the large plan has the right shape).
 */
import { performance } from "node:perf_hooks";
import { planStack } from "../local/plan";
import { LARGE_STACK, SMALL_STACK } from "../local/scale-stacks";
import { formatTable, machine, writeResults } from "./support/report";

const ROUNDS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(overrides: Record<string, unknown>): Promise<number> {
  const start = performance.now();
  await planStack("prod", overrides);
  return performance.now() - start;
}

async function main(): Promise<void> {
  // Warm-up: module loading and the first Worker bundle are one-off costs, not scale.
  await timed(SMALL_STACK);
  await timed(LARGE_STACK);
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < ROUNDS; i += 1) {
    small.push(await timed(SMALL_STACK));
    large.push(await timed(LARGE_STACK));
  }
  const ratio = median(large) / median(small);
  console.log(
    formatTable(`plan time, median of ${ROUNDS} rounds (goal: ratio ≤ 3x)`, [
      { stack: "1 region × 1 tenant", "median ms": Math.round(median(small)), runs: small.map(Math.round).join(" ") },
      { stack: "12 regions × 1000 tenants", "median ms": Math.round(median(large)), runs: large.map(Math.round).join(" ") },
      { stack: "ratio", "median ms": ratio.toFixed(2), runs: "" },
    ]),
  );
  writeResults("plan-scale", { machine: machine(), rounds: ROUNDS, smallMs: small, largeMs: large, ratio });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
