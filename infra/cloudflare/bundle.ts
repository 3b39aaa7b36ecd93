import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { buildSync } from "esbuild";

export interface WorkerBundle {
  /** Bundle path relative to the Pulumi project dir, so plans do not differ between machines. */
  file: string;
  /** SHA-256 (hex) of the bundle: the only thing that makes Cloudflare re-upload the script. */
  sha256: string;
  sizeBytes: number;
}

/**
 * Bundle the Worker with esbuild, synchronously at program time (no resources in .apply()).
 * Deterministic: same sources → byte-identical output → same hash → no update.
 */
export function bundleWorker(entry: string, outFile: string, projectDir = process.cwd()): WorkerBundle {
  const result = buildSync({
    entryPoints: [resolve(projectDir, entry)],
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // @libsql/client resolves to its web build under these conditions (no Node APIs in workerd).
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["node:*", "cloudflare:*"],
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`esbuild produced no output for ${entry}`);
  const target = isAbsolute(outFile) ? outFile : resolve(projectDir, outFile);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, code);
  return {
    file: relative(projectDir, target),
    sha256: createHash("sha256").update(code).digest("hex"),
    sizeBytes: code.byteLength,
  };
}
