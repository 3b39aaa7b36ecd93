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
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
