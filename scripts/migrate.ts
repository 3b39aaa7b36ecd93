/**
 * Tenant schema migrations: `npm run migrate -- --help`. Also the stack's `migrations` Command (`--from-env`).
 * stdout carries JSON only: one object per namespace per line (JSON Lines, see lib/migrate-output.ts for why), or
 * --status; progress and failures go to stderr. No printed line reaches 64 KiB, whatever the number of tenants.
 * Exit codes: 0 ok, 1 the run failed (a file failed in the canary or a stack-owned namespace, the ledger, the
 * managed database), 2 bad arguments or migration files, 3 tenant namespaces failed on their own and stay behind
 * (--from-env exits 0 for that: the deploy goes on, see infra/migrations/tracked-run.ts).
 */
import { migrate, migrationStatus, type MigratorOptions } from "../infra/migrations/migrator";
import { migratorToken } from "../infra/migrations/token";
import { FLY_PREFER_REGION } from "../worker/db";
import { MIGRATE_USAGE, parseMigrateArgs, UsageError, type MigrateJob } from "./lib/migrate-cli";
import { failureLines, progressLine, resultLine, stoppedLine } from "./lib/migrate-output";

/**
 * With the primary's region known, every request carries `fly-prefer-region` so Fly's proxy delivers it to the
 * primary: sqld 0.24.32 cannot forward a replica's Hrana write for a namespace with its own signing key.
 */
function preferPrimary(region: string | undefined): MigratorOptions["fetch"] {
  if (region === undefined) return undefined;
  return (input, init) => {
    const request = new Request(input, init);
    request.headers.set(FLY_PREFER_REGION, region);
    return fetch(request);
  };
}

function options(job: MigrateJob): MigratorOptions {
  const pem = job.signingKeyPem;
  return {
    fetch: preferPrimary(job.primaryRegion),
    url: job.url,
    namespaceHeader: job.namespaceHeader,
    concurrency: job.concurrency,
    // Self-hosted: a 10-minute token for exactly one namespace (tenant, shared, or the stack's ledger/canary).
    authToken: pem ? async (namespace, access) => migratorToken(pem, namespace, access) : async () => job.authToken,
  };
}

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
