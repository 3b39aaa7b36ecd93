/**
 * Stacks that look deployed to the real Pulumi CLI without a deployment: a file backend in a folder (a copy of
 * Pulumi.yaml, node_modules linked) holding stacks whose outputs are imported, so the operator CLIs' `pulumi stack
 * output` (scripts/lib/deployed-stack.ts) reads them as after a `pulumi up`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { engineBin, sdkVersion } from "./engine";

const REPO_ROOT = path.resolve(__dirname, "..");

export interface ImportedStacks {
  /** The project folder: run the CLIs here. */
  dir: string;
  /** The real engine first on PATH, the file backend, a private PULUMI_HOME. */
  env: NodeJS.ProcessEnv;
  /** A stack named `stack` holding `outputs`, as `pulumi up` of the program would have left them. */
  importStack(stack: string, outputs: Record<string, unknown>): void;
  cleanup(): void;
}

export function importedStacks(label: string): ImportedStacks {
  const bin = engineBin();
  if (!bin) throw new Error("no Pulumi engine: run scripts/build-engine.sh (or set PULUMI_ENGINE_BIN)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  fs.mkdirSync(path.join(dir, "state"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [bin, path.dirname(process.execPath), process.env.PATH].join(path.delimiter),
    PULUMI_HOME: path.join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: `${label}-passphrase`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const pulumi = (args: string[]) => {
    const run = spawnSync("pulumi", [...args, "--non-interactive"], { cwd: dir, env, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${run.status}): ${run.stderr}`);
  };
  return {
    dir,
    env,
    importStack(stack, outputs) {
      pulumi(["stack", "init", stack]);
      const deployment = {
        version: 3,
        deployment: {
          // The engine checks magic = sha256(version) (pulumi pkg/resource/deploy manifest.go NewMagic).
          manifest: { time: new Date().toISOString(), magic: createHash("sha256").update(sdkVersion()).digest("hex"), version: sdkVersion() },
          resources: [{ urn: `urn:pulumi:${stack}::libsql-stack::pulumi:pulumi:Stack::libsql-stack-${stack}`, custom: false, type: "pulumi:pulumi:Stack", outputs }],
        },
      };
      fs.writeFileSync(path.join(dir, `${stack}.json`), JSON.stringify(deployment));
      pulumi(["stack", "import", "--stack", stack, "--file", `${stack}.json`]);
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
