/**
 * Tenant schema migrations: `npm run migrate -- --help`. Also the stack's `migrations` Command (`--from-env`).
 * stdout carries JSON only: one object per namespace per line (JSON Lines, see lib/migrate-output.ts for why), or
 * --status; progress and failures go to stderr. No printed line reaches 64 KiB, whatever the number of tenants.
 * Exit codes: 0 ok, 1 the run failed (a file failed in the canary or a stack-owned namespace, the ledger, the
 * managed database), 2 bad arguments or migration files, 3 tenant namespaces failed on their own and stay behind
 * (--from-env exits 0 for that: the deploy goes on, see infra/migrations/tracked-run.ts).
 */
import { migrate, migrationStatus } from "../infra/migrations/migrator";
import { MIGRATE_USAGE, migratorOptions as options, parseMigrateArgs, UsageError, type MigrateJob } from "./lib/migrate-cli";
import { failureLines, progressLine, resultLine, stoppedLine } from "./lib/migrate-output";

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stderr.write(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  let job: MigrateJob;
  try {
    job = parseMigrateArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`migrate: ${error.message}\n\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  if (job.status) {
    const status = await migrationStatus(job.targets, options(job));
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return Object.values(status).some((s) => s.error !== undefined) ? 1 : 0;
  }
  const run = await migrate(job.targets, options(job));
  for (const r of run.results) process.stderr.write(`${progressLine(r)}\n`);
  const stopped = stoppedLine(run);
  process.stdout.write([...(stopped ? [stopped] : []), ...run.results.map(resultLine)].map((line) => `${line}\n`).join(""));
  if (run.failed.length > 0 || run.stopped) process.stderr.write(`${failureLines(run).join("\n")}\n`);
  if (!run.ok) return 1;
  return run.failed.length > 0 && !argv.includes("--from-env") ? 3 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`migrate: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
