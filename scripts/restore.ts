/**
 * `npm run restore -- --stack <name> --tenant <t> --to <time> [--into <ns>] [--json]`: one tenant as it was at
 * --to, restored from the stack's backups into a NEW namespace beside it (README "Restore one tenant"). The tenant
 * and every other namespace are left as they are.
 * Exit codes: 0 restored and verified, 1 refused or failed (no copy left behind), 2 usage error.
 */
import { SQLD_ADMIN_PORT } from "../infra/sqld/files";
import { UsageError } from "./lib/cli-flags";
import { checkNames, parseRestoreArgs, RESTORE_USAGE } from "./lib/restore-args";
import { formatRestoreReport, swapSteps } from "./lib/restore-report";
import { readStackSecrets } from "./lib/deployed-stack";
import { openPrimaryAdmin } from "./lib/restore-stack";
import { RestoreRefused, restoreTenant } from "./lib/restore-tenant";
import { readStackPlan } from "./lib/stack-config-file";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${RESTORE_USAGE}\n`);
    return 0;
  }
  let args;
  let plan;
  try {
    args = parseRestoreArgs(argv);
    plan = readStackPlan(args.stack, args.config);
    if (plan.mode !== "self-hosted") throw new UsageError(`stack ${args.stack} is managed (Turso): restore covers self-hosted stacks; use turso db create --from-db <db> --timestamp`);
    checkNames(args.tenant, args.into, { tenants: plan.namespaces.tenants, stackNamespaces: plan.namespaces.all });
    if (!plan.sqld.backups) throw new UsageError(`stack ${args.stack} has no backups: set libsql-stack:backups (a point-in-time restore reads the bucket)`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`restore: ${error.message}\n\n${RESTORE_USAGE}\n`);
    return 2;
  }
  const outputs = readStackSecrets(args.stack);
  const app = plan.sqld.app;
  const primary = await openPrimaryAdmin(app);
  try {
    const report = await restoreTenant({
      endpoint: primary.proxy,
      adminKey: outputs.sqldAdminKey,
      stackKeyPem: outputs.jwtPrivateKeyPem,
      tenantKeys: plan.tenantKeys.mode,
      tenantKeyVersion: plan.tenantKeys.versions[args.tenant],
      sqlUrl: outputs.databaseUrl,
      primaryRegion: primary.region,
      tenant: args.tenant,
      into: args.into,
      to: args.to,
    });
    const context = { stack: args.stack, app, primaryMachineId: primary.machineId, adminPort: SQLD_ADMIN_PORT };
    process.stdout.write(args.json ? `${JSON.stringify({ ...report, swapSteps: swapSteps(report, context) }, null, 2)}\n` : formatRestoreReport(report, context));
    return 0;
  } catch (error) {
    if (!(error instanceof RestoreRefused)) throw error;
    process.stderr.write(`restore: refused: ${error.message}\n`);
    return 1;
  } finally {
    await primary.proxy.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`restore: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
