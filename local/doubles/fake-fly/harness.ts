/**
 * Helpers around the fake flyctl TEST DOUBLE in this directory (for tests and ../../workspace.ts): a private state
 * dir and a PATH on which `fly` is the fake, plus a runner that executes builder scripts the way local.Command does
 * (`sh -c`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Directory holding the fake `fly` executable. */
export const FAKE_FLY_DIR = path.resolve(__dirname);

export interface FakeFlyEnv {
  /** Environment for scripts: PATH with the fake first, FAKE_FLY_STATE, and a dummy FLY_API_TOKEN. */
  env: NodeJS.ProcessEnv;
  stateDir: string;
  /** The fake platform's current state (state.json), or an empty state before the first call. */
  state(): any;
  /** argv of every fake `fly` call so far, oldest first. */
  calls(): string[][];
  cleanup(): void;
}

export function makeFakeFlyEnv(): FakeFlyEnv {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-fly-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the developer's shell may steer the fake or reach it: no real token, no stray injection.
  for (const name of Object.keys(env)) if (name.startsWith("FAKE_FLY_") || name === "FLY_ACCESS_TOKEN") delete env[name];
  env.PATH = `${FAKE_FLY_DIR}${path.delimiter}${process.env.PATH ?? ""}`;
  env.FAKE_FLY_STATE = stateDir;
  env.FLY_API_TOKEN = "fake-token-for-the-test-double";
  return {
    env,
    stateDir,
    state() {
      const file = path.join(stateDir, "state.json");
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : { apps: {}, callCounts: {} };
    },
    calls() {
      const file = path.join(stateDir, "calls.log");
      if (!fs.existsSync(file)) return [];
      return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as string[]);
    },
    cleanup() {
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `sh -c script` (dash on Debian) with `stdin` (default: empty) and returns its exit code and output.
 * `cwd` defaults to the test process's; pass a temp dir when a broken script could write files.
 */
export function runScript(script: string, options: { env: NodeJS.ProcessEnv; stdin?: string; cwd?: string }): ScriptResult {
  const result = spawnSync("sh", ["-c", script], {
    env: options.env,
    cwd: options.cwd,
    input: options.stdin ?? "",
    encoding: "utf8",
    timeout: 60_000,
  });
  // A script that exits without reading stdin makes the write fail with EPIPE. Go's os/exec, which the
  // Pulumi command provider uses, ignores that error too, so only the exit status counts.
  const stdinNotRead = (result.error as NodeJS.ErrnoException | undefined)?.code === "EPIPE" && result.status !== null;
  if (result.error && !stdinNotRead) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** runScript that throws (with the script's stderr) unless it exits 0: for setup steps and happy paths. */
export function runScriptOk(script: string, options: { env: NodeJS.ProcessEnv; stdin?: string; cwd?: string }): ScriptResult {
  const result = runScript(script, options);
  if (result.code !== 0) throw new Error(`script exited ${result.code}\n--- stderr ---\n${result.stderr}\n--- stdout ---\n${result.stdout}`);
  return result;
}

/** The argv of fake `fly` calls whose leading words are `words`, e.g. callsOf(fake, "volumes", "create"). */
export function callsOf(fake: FakeFlyEnv, ...words: string[]): string[][] {
  return fake.calls().filter((argv) => words.every((word, i) => argv[i] === word));
}
