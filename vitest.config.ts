import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Pulumi's runtime keeps global state (mocks, config): give each test file its own process.
    pool: "forks",
    // Vitest's default (cores - 1) is one worker on a 2-core machine, yet most test time is spent waiting on
    // child processes (sqld, workerd, the engine): two workers there cut the suite from ~9.5 to ~6.5 minutes.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Timeouts catch hangs, not slowness: on a busy 2-core CI machine (load 10+) a 3-region converge run or a
    // plan:diff that plans three times took 90–120 s and failed at 60 s (issue 21 item 10). A hang still fails.
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
