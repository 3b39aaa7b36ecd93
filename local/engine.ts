/**
 * Which Pulumi CLI runs the real engine for the demo, the e2e suite and the engine tests. The CLI must be the version
 * of the Node.js SDK the program runs with (node_modules/@pulumi/pulumi), else engine and SDK disagree on protocol
 * features (scripts/build-engine.sh checks the same for the build). A user who already has that CLI on PATH needs
 * neither Go nor the build.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

export interface Engine {
  /** The folder holding `pulumi` (put first on the engine's PATH). */
  dir: string;
  /** Where it was found: $PULUMI_ENGINE_BIN, the repo's .engine/bin (scripts/build-engine.sh), or PATH. */
  source: "PULUMI_ENGINE_BIN" | ".engine/bin" | "PATH";
}

/** `v<version>` of the @pulumi/pulumi SDK in node_modules: the CLI version a `pulumi` on PATH must have. */
export function sdkVersion(root = ROOT): string {
  return `v${(JSON.parse(fs.readFileSync(path.join(root, "node_modules/@pulumi/pulumi/package.json"), "utf8")) as { version: string }).version}`;
}

function pulumiOnPath(envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    try {
      fs.accessSync(path.join(dir, "pulumi"), fs.constants.X_OK);
      return dir;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * The engine: $PULUMI_ENGINE_BIN (taken as is), else the repo's .engine/bin, else the first `pulumi` on PATH when
 * `pulumi version` prints the SDK's version. `pathMismatch` says why a `pulumi` on PATH was passed over.
 */
export function findEngine(env: NodeJS.ProcessEnv = process.env, repoEngine = path.join(ROOT, ".engine/bin")): { engine: Engine | null; pathMismatch?: string } {
  const has = (dir: string) => fs.existsSync(path.join(dir, "pulumi"));
  if (env.PULUMI_ENGINE_BIN && has(env.PULUMI_ENGINE_BIN)) return { engine: { dir: env.PULUMI_ENGINE_BIN, source: "PULUMI_ENGINE_BIN" } };
  if (has(repoEngine)) return { engine: { dir: repoEngine, source: ".engine/bin" } };
  const dir = pulumiOnPath(env.PATH);
  if (dir === undefined) return { engine: null };
  const run = spawnSync(path.join(dir, "pulumi"), ["version"], { encoding: "utf8", env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, timeout: 30_000 });
  const version = run.stdout?.trim();
  const wanted = sdkVersion();
  if (run.status === 0 && version === wanted) return { engine: { dir, source: "PATH" } };
  return { engine: null, pathMismatch: `${path.join(dir, "pulumi")} is ${version || `unusable (exit ${run.status})`}, the SDK (node_modules/@pulumi/pulumi) needs ${wanted}` };
}

let found: Engine | null = null;
/** The engine's folder (looked up until one is found, then kept for this process), or null. */
export function engineBin(): string | null {
  found ??= findEngine().engine;
  return found?.dir ?? null;
}
