// The bundle EdgeWorker uploads stays far below Workers' 1 MiB (free plan, compressed) script limit.
import { expect, it } from "vitest";
import { buildWorkerBundle } from "../../infra/cloudflare/bundle";

it("the minified Worker bundle is under 1 MiB uncompressed", () => {
  const bundle = buildWorkerBundle();
  expect(bundle.bytes).toBeLessThan(1024 * 1024);
  expect(bundle.code).toMatch(/export\s*\{[^}]*as default/);
});

// The gateway's budget (issue 19): a small bundle starts a fresh isolate faster. It speaks Hrana itself
// (worker/hrana.ts) rather than bundling @libsql/client (123 KiB with it).
it("the minified Worker bundle stays within 60 KiB and does not bundle @libsql/client", () => {
  const bundle = buildWorkerBundle();
  expect(bundle.bytes).toBeLessThan(60 * 1024);
  expect(bundle.code).not.toMatch(/LibsqlError|hrana-client/);
});
