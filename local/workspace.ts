/**
 * A throwaway Pulumi workspace for the real engine: a copy of the project (its own Pulumi.<stack>.yaml, since
 * `stack init` writes an encryption salt into it), a local file backend, a private PULUMI_HOME, the provider
 * doubles and the fake flyctl on PATH, and no call home (no update check, no plugin download).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { runProcess, type ProcessResult } from "./run-process";
import { FAKE_FLY_DIR } from "./doubles/fake-fly/harness";
import { engineBin, sdkVersion } from "./engine";

export const REPO_ROOT = path.resolve(__dirname, "..");
const PROVIDER_BIN = path.join(REPO_ROOT, "local/doubles/providers/bin");
/** What the program reads at run time: sources, config, the worker bundle's entry, the policy pack. */
const PROJECT_ENTRIES = ["Pulumi.yaml", "package.json", "tsconfig.json", "infra", "stacks", "worker", "scripts", "policy", "examples"];

/** The engine's folder: $PULUMI_ENGINE_BIN, the repo's .engine/bin, or a `pulumi` on PATH of the SDK's version. */
export { engineBin } from "./engine";

/** A repo stack file: `Pulumi.<stack>.yaml` for a stack name, or a .yaml path in the repo. */
function repoStackFile(stack: string): string {
  return path.join(REPO_ROOT, stack.endsWith(".yaml") ? stack : `Pulumi.${stack}.yaml`);
}

/** libsql-stack:* values of a stack file, without the prefix (other namespaces keep their full key). */
function stackConfigValues(file: string): Record<string, any> {
  const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k.replace(/^libsql-stack:/, ""), v]));
}

/** libsql-stack:* values of a repo stack file (a stack name, or a .yaml path in the repo), without the prefix. */
export function repoStackConfig(stack: string): Record<string, any> {
  return stackConfigValues(repoStackFile(stack));
}

/** One resource of `pulumi stack export`. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  protect?: boolean;
  outputs?: Record<string, unknown>;
}

export interface PulumiRun extends ProcessResult {
  args: string[];
  seconds: number;
}

export class Workspace {
  readonly root: string;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  private constructor(root: string, env: NodeJS.ProcessEnv) {
    this.root = root;
    this.dir = path.join(root, "project");
    this.env = env;
  }

  /**
   * A project copy in a new temp folder. `extraEnv` reaches the engine, hence the providers and every Command
   * script (fake fly state, box URL, API tokens for the doubles).
   */
  static create(label: string, extraEnv: NodeJS.ProcessEnv, fixedRoot?: string): Workspace {
    const ws = Workspace.empty(label, extraEnv, fixedRoot);
    // Sources are copied afresh each time (a reused root gets today's code); stack files and state stay.
    for (const entry of PROJECT_ENTRIES) {
      const from = path.join(REPO_ROOT, entry);
      const to = path.join(ws.dir, entry);
      fs.rmSync(to, { recursive: true, force: true });
      if (fs.existsSync(from)) fs.cpSync(from, to, { recursive: true });
    }
    return ws;
  }

  /** A small project of its own (`files`: name → text, e.g. Pulumi.yaml and index.ts) in a new temp folder. */
  static forProgram(label: string, files: Record<string, string>, extraEnv: NodeJS.ProcessEnv = {}): Workspace {
    const ws = Workspace.empty(label, extraEnv);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(ws.dir, name), text);
    return ws;
  }

  /** The folders, the repo's node_modules and the engine's environment, without a program yet. */
  private static empty(label: string, extraEnv: NodeJS.ProcessEnv, fixedRoot?: string): Workspace {
    const bin = engineBin();
    if (!bin) throw new Error(`no Pulumi engine: put a Pulumi CLI ${sdkVersion()} on PATH, or run scripts/build-engine.sh (or set PULUMI_ENGINE_BIN)`);
    const root = fixedRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${label}-`));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...extraEnv,
      PATH: [bin, PROVIDER_BIN, FAKE_FLY_DIR, process.env.PATH ?? ""].join(path.delimiter),
      PULUMI_HOME: path.join(root, "home"),
      PULUMI_CONFIG_PASSPHRASE: "e2e-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      PULUMI_DIY_BACKEND_URL: undefined,
      PULUMI_ACCESS_TOKEN: undefined,
      NO_COLOR: "1",
    };
    const ws = new Workspace(root, env);
    fs.mkdirSync(ws.dir, { recursive: true });
    fs.mkdirSync(path.join(root, "state"), { recursive: true });
    const modules = path.join(ws.dir, "node_modules");
    if (!fs.existsSync(modules)) fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), modules);
    return ws;
  }

  /**
   * Writes Pulumi.<stack>.yaml: the repo's file for `base` (a stack name, or a .yaml path in the repo) with `config`
   * keys (libsql-stack:* unless they name another namespace) replaced; undefined removes a key.
   */
  writeStackConfig(stack: string, config: Record<string, unknown>, base = stack): void {
    const file = path.join(this.dir, `Pulumi.${stack}.yaml`);
    const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : fs.readFileSync(repoStackFile(base), "utf8");
    const doc = (parseYaml(existing) ?? {}) as { config?: Record<string, unknown> };
    doc.config = { ...(doc.config ?? {}) };
    for (const [key, value] of Object.entries(config)) {
      const name = key.includes(":") ? key : `libsql-stack:${key}`;
      if (value === undefined) delete doc.config[name];
      else doc.config[name] = value;
    }
    fs.writeFileSync(file, stringifyYaml(doc));
  }

  /** libsql-stack:* values of this workspace's Pulumi.<stack>.yaml, without the prefix. */
  readStackConfig(stack: string): Record<string, unknown> {
    return stackConfigValues(path.join(this.dir, `Pulumi.${stack}.yaml`));
  }

  async pulumi(args: string[], options: { env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {}): Promise<PulumiRun> {
    const started = Date.now();
    const result = await runProcess("pulumi", [...args, "--non-interactive"], { env: { ...this.env, ...options.env }, cwd: this.dir });
    const run = { ...result, args, seconds: (Date.now() - started) / 1000 };
    if (run.code !== 0 && !options.allowFailure) {
      throw new Error(`pulumi ${args.join(" ")} exited ${run.code}\n--- stdout ---\n${tail(run.stdout)}\n--- stderr ---\n${tail(run.stderr)}`);
    }
    return run;
  }

  /** Logs in to the local backend and creates `stack` (from its Pulumi.<stack>.yaml when there is one). */
  async initStack(stack: string): Promise<void> {
    await this.pulumi(["login", `file://${path.join(this.root, "state")}`]);
    await this.pulumi(["stack", "init", stack]);
  }

  async outputs(stack: string): Promise<Record<string, unknown>> {
    const run = await this.pulumi(["stack", "output", "--json", "--show-secrets", "--stack", stack]);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  }

  /** The checkpoint's resources (secrets stay ciphertext: no --show-secrets). */
  async resources(stack: string): Promise<StateResource[]> {
    const run = await this.pulumi(["stack", "export", "--stack", stack]);
    return (JSON.parse(run.stdout).deployment?.resources ?? []) as never;
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

function tail(text: string, lines = 60): string {
  return text.split("\n").slice(-lines).join("\n");
}
