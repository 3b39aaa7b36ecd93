/**
 * `npm run status -- --stack <name> [--json]`: one screen for a deployed self-hosted stack (README "Operate").
 * Exit codes: 0 healthy, 1 something is unhealthy (or could not be read), 2 usage error.
 * Secrets (the admin key, the signing key) come from `pulumi stack output --show-secrets`, the backup bucket's
 * credentials from `pulumi config --show-secrets`, into this process only: never in argv, never printed.
 */
import { collectStatus } from "./lib/status-collect";
import { readBackupCredentials, readStackSecrets } from "./lib/deployed-stack";
import { buildStatus } from "./lib/stack-status";
import { formatStatusScreen } from "./lib/status-screen";
import { parseStatusArgs, STATUS_USAGE } from "./lib/status-args";
import { readStackPlan } from "./lib/stack-config-file";
import { UsageError } from "./lib/cli-flags";

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
  const credentials = plan.sqld.backups ? readBackupCredentials(args.stack) : undefined;
  const raw = await collectStatus({ stack: args.stack, plan, outputs: readStackSecrets(args.stack), sampleSeconds: args.thresholds.sampleSeconds, backupCredentials: credentials });
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
