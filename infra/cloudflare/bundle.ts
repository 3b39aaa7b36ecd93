import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { buildSync } from "esbuild";

import { WORKER_ENTRY } from "./worker-settings";

export { WORKER_COMPATIBILITY_DATE, WORKER_COMPATIBILITY_FLAGS, WORKER_ENTRY } from "./worker-settings";

export interface WorkerBundle {
  /** ES module source with `export default { fetch }`. */
  code: string;
  /** SHA-256 (hex) of the bundle: the only thing that makes Cloudflare re-upload the script. */
  sha256: string;
  bytes: number;
}

/**
 * Bundle the Worker with esbuild, synchronously (the program must not create resources inside .apply()).
 * Deterministic: same sources → byte-identical output → same hash → no update. Tests run this same bundle.
 */
export function buildWorkerBundle(entry = WORKER_ENTRY, projectDir = resolve(__dirname, "../..")): WorkerBundle {
  const result = buildSync({
    entryPoints: [resolve(projectDir, entry)],
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // Packages with a Worker/browser build (jose: WebCrypto, no Node crypto) resolve to it under these conditions.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["node:*", "cloudflare:*"],
    legalComments: "none",
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return { code: file.text, sha256: createHash("sha256").update(file.contents).digest("hex"), bytes: file.contents.byteLength };
}

/** Write the bundle where WorkersScript `contentFile` reads it; returns that path relative to `projectDir`. */
export function writeWorkerBundle(bundle: WorkerBundle, outFile: string, projectDir = process.cwd()): string {
  const target = isAbsolute(outFile) ? outFile : resolve(projectDir, outFile);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bundle.code);
  // Relative, so plans do not differ between machines.
  return relative(projectDir, target);
}
