/**
 * `npm run status -- --stack <name> [--json]`: one screen for a deployed self-hosted stack (README "Operate").
 * Exit codes: 0 healthy, 1 something is unhealthy (or could not be read), 2 usage error.
 * Secrets (the admin key, the signing key) come from `pulumi stack output --show-secrets`, the backup bucket's
 * credentials from `pulumi config --show-secrets`, into this process only: never in argv, never printed.
 */
import { spawnSync } from "node:child_process";
import { collectStatus, type StatusOutputs } from "./lib/status-collect";
import { buildStatus } from "./lib/stack-status";
import { formatStatusScreen } from "./lib/status-screen";
import { parseStatusArgs, STATUS_USAGE } from "./lib/status-args";
import { readStackPlan } from "./lib/stack-config-file";
import { UsageError } from "./lib/cli-flags";
import { PROJECT } from "../infra/config/parse";

function stackOutputs(stack: string): StatusOutputs {
  const result = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8" });
  if (result.error) throw new UsageError(`cannot run the pulumi CLI (${result.error.message}): it must be on PATH`);
  if (result.status !== 0) throw new Error(`pulumi stack output failed (exit ${result.status}): ${result.stderr.trim().slice(0, 500)}`);
  const out = JSON.parse(result.stdout) as Partial<StatusOutputs>;
  if (typeof out.sqldAdminKey !== "string") {
    throw new Error(`stack ${stack} has no sqldAdminKey output: run pulumi up --stack ${stack} once with this version (it adds the output; nothing else changes)`);
  }
  return out as StatusOutputs;
}

/**
 * The backup bucket's credentials from the stack config (`pulumi config --show-secrets --json`), read only when the
 * stack has backups; undefined when they are not set there (the last upload times are then shown as unknown).
 */
function backupCredentials(stack: string): { accessKeyId: string; secretAccessKey: string } | undefined {
  const result = spawnSync("pulumi", ["config", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8" });
  if (result.error || result.status !== 0) throw new Error(`pulumi config failed (exit ${result.status}): ${(result.stderr ?? result.error?.message ?? "").trim().slice(0, 500)}`);
  const config = JSON.parse(result.stdout) as Record<string, { value?: unknown }>;
  const value = (key: string) => config[`${PROJECT}:${key}`]?.value;
  const [accessKeyId, secretAccessKey] = [value("backupAccessKeyId"), value("backupSecretAccessKey")];
  return typeof accessKeyId === "string" && typeof secretAccessKey === "string" ? { accessKeyId, secretAccessKey } : undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${STATUS_USAGE}\n`);
    return 0;
  }
  let args;
  let plan;
  try {
    args = parseStatusArgs(argv);
    plan = readStackPlan(args.stack, args.config);
    if (plan.mode !== "self-hosted") throw new UsageError(`stack ${args.stack} is managed (Turso): status covers self-hosted stacks; use turso db show`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`status: ${error.message}\n\n${STATUS_USAGE}\n`);
    return 2;
  }
  const credentials = plan.sqld.backups ? backupCredentials(args.stack) : undefined;
  const raw = await collectStatus({ stack: args.stack, plan, outputs: stackOutputs(args.stack), sampleSeconds: args.thresholds.sampleSeconds, backupCredentials: credentials });
  const status = buildStatus(raw, args.thresholds);
  process.stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatusScreen(status));
  return status.healthy ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`status: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
