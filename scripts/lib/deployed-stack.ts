/**
 * How the operator CLIs (`npm run status`, `npm run restore`, `npm run migrate`) read a deployed stack: its secret outputs
 * (`pulumi stack output --json --show-secrets`) and secret config (`pulumi config --json --show-secrets`) into this
 * process only (never argv, never printed), and flyctl's `--json` answers.
 */
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { PROJECT } from "../../infra/config/parse";
import { UsageError } from "./cli-flags";

const run = promisify(execFile);

/** The stack outputs the operator CLIs need (secrets: the admin key and the signing key). */
export interface StackSecrets {
  sqldAdminKey: string;
  jwtPrivateKeyPem: string;
  databaseUrl: string;
}

/** Every output of the stack, secrets shown (`pulumi stack output --json --show-secrets`). */
export function readStackOutputs(stack: string, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const result = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", env });
  if (result.error) throw new UsageError(`cannot run the pulumi CLI (${result.error.message}): it must be on PATH`);
  if (result.status !== 0) throw new Error(`pulumi stack output failed (exit ${result.status}): ${result.stderr.trim().slice(0, 500)}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

export function readStackSecrets(stack: string, env: NodeJS.ProcessEnv = process.env): StackSecrets {
  const out = readStackOutputs(stack, env) as Partial<StackSecrets>;
  for (const key of ["sqldAdminKey", "jwtPrivateKeyPem", "databaseUrl"] as const) {
    if (typeof out[key] !== "string") throw new Error(`stack ${stack} has no ${key} output: run pulumi up --stack ${stack} once with this version (it adds the output; nothing else changes)`);
  }
  return out as StackSecrets;
}

/**
 * The backup bucket's credentials from the stack config (`pulumi config --show-secrets --json`), read only when the
 * stack has backups; undefined when they are not set there (the last upload times are then shown as unknown).
 */
export function readBackupCredentials(stack: string, env: NodeJS.ProcessEnv = process.env): { accessKeyId: string; secretAccessKey: string } | undefined {
  const result = spawnSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", env });
  if (result.error || result.status !== 0) throw new Error(`pulumi config failed (exit ${result.status}): ${(result.stderr ?? result.error?.message ?? "").trim().slice(0, 500)}`);
  const config = JSON.parse(result.stdout) as Record<string, { value?: unknown }>;
  const value = (key: string) => config[`${PROJECT}:${key}`]?.value;
  const [accessKeyId, secretAccessKey] = [value("backupAccessKeyId"), value("backupSecretAccessKey")];
  return typeof accessKeyId === "string" && typeof secretAccessKey === "string" ? { accessKeyId, secretAccessKey } : undefined;
}

/** `fly machines list --json` (fly-go Machine), the fields the CLIs read. */
export interface FlyMachine {
  id: string;
  region: string;
  state: string;
  config?: { metadata?: { fly_process_group?: string } };
}

/** Runs `fly <args> --json` and parses its answer; a failure names the command and flyctl's message. */
export async function flyJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  try {
    const { stdout } = await run("fly", [...args, "--json"], { env, maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(stdout) as T;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`fly ${args.join(" ")} failed: ${(e.stderr || e.message).trim().slice(0, 500)} (is flyctl on PATH and FLY_API_TOKEN set?)`);
  }
}
