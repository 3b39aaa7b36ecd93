// The bundle EdgeWorker uploads stays far below Workers' 1 MiB (free plan, compressed) script limit.
import { expect, it } from "vitest";
import { buildWorkerBundle } from "../../infra/cloudflare/bundle";

it("the minified Worker bundle is under 1 MiB uncompressed", () => {
  const bundle = buildWorkerBundle();
  expect(bundle.bytes).toBeLessThan(1024 * 1024);
  expect(bundle.code).toMatch(/export\s*\{[^}]*as default/);
});
