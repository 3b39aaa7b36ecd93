/**
 * `npm run migrate` arguments → what to migrate, where, with which credentials. Three ways in:
 *  --stack      the stack's config file (tenants, directories) + `pulumi stack output` (URL, signing key; managed:
 *               every database's URL and token, `tursoDatabases`);
 *  --url        explicit URL, key file or token, tenants and directory (scripts and tests);
 *  --from-env   the stack's `migrations` Command: MIGRATION_PLAN, DATABASE_URL and a secret in the environment.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readMigrationDir, type MigrationFile } from "../../infra/migrations/files";
import type { MigrationTarget } from "../../infra/migrations/migrator";
import type { PlannedMigrations } from "../../infra/migrations/command";
import { MANAGED_DATABASE, type MigrationSet } from "../../infra/migrations/sets";
import { TENANT_PATTERN } from "../../worker/claims";
import { parseCliFlags, UsageError, type CliFlags } from "./cli-flags";
import { loadSigningKey } from "./mint-token";
import type { MigratorOptions } from "../../infra/migrations/migrator";
import { migratorToken } from "../../infra/migrations/token";
import { FLY_PREFER_REGION } from "../../worker/db";
import { readStackOutputs } from "./deployed-stack";
import { readStackPlan } from "./stack-config-file";

export { UsageError } from "./mint-token";

export const MIGRATE_USAGE = `usage:
  npm run migrate -- --stack <name> [--config <Pulumi.<x>.yaml>] [--tenant <t>] [--status] [--auth-token <t>]
  npm run migrate -- --url <sqld or libsql URL> (--key-file <PKCS#8 PEM> | --auth-token <t>) [--tenants a,b] --dir <dir> [--status]
  --status       print {namespace: {applied, pending}} as JSON; change nothing
  --concurrency  namespaces at a time (default: the stack's migrations.concurrency, else 8)
  --auth-token   a database token (managed mode, or a full-access sqld token); DATABASE_AUTH_TOKEN works too and keeps it out of argv;
                 with --stack only for a managed stack without tenants (otherwise each database's token comes from the
                 stack output tursoDatabases, as the stack's migrations Command gets them)
  without --tenants, --url names one database (Turso, or sqld's default namespace) and no namespace header is sent
self-hosted: the central ledger in namespace _libsql_stack_ledger says what is applied (--status reads it); the
  tenant files first run in namespace _libsql_stack_canary (rolled back); both must exist (the stack creates them)
exit codes: 0 ok, 1 the run failed (canary, shared namespace, ledger, managed database), 2 bad arguments or files,
  3 some tenant namespaces failed on their own (they stay at their version; the next run tries them again)`;

export interface MigrateJob {
  url: string;
  targets: MigrationTarget[];
  namespaceHeader: boolean;
  concurrency?: number;
  status: boolean;
  /** Signs a short-lived token per namespace (self-hosted), or undefined when `authToken` is used. */
  signingKeyPem?: string;
  authToken?: string;
  /** Managed with a database per tenant: each target's database URL and full-access token (DATABASE_TARGETS). */
  databases?: Record<string, { url: string; token: string }>;
  /** Self-hosted on Fly: the primary's region, sent as `fly-prefer-region` so every migration write reaches it. */
  primaryRegion?: string;
}

function files(dir: string, shownAs = dir): MigrationFile[] {
  const result = readMigrationDir(dir, shownAs);
  if (!result.ok) throw new UsageError(result.problems.join("\n"));
  return result.files;
}

function concurrencyArg(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) throw new UsageError(`invalid --concurrency ${JSON.stringify(text)}: a whole number >= 1`);
  return Number(text);
}

/** `migrations.shared[i]` namespaces are stack-owned (no tenant token reaches them); the rest are tenants. */
export const targetsOf = (sets: readonly { key: string; namespaces: string[]; files: MigrationFile[] }[]): MigrationTarget[] =>
  sets.flatMap((s) => s.namespaces.map((namespace) => ({ namespace, files: s.files, set: s.key, owner: s.key.startsWith("migrations.shared") ? ("stack" as const) : ("tenant" as const) })));

/**
 * `{<namespace>: {url, token}}`, one Turso database per target (managed mode): DATABASE_TARGETS, or the stack output
 * `tursoDatabases`, named by `source`. Every target must have one; errors never show the value (it holds tokens).
 */
function databaseTargets(parsed: unknown, targets: readonly MigrationTarget[], source: string): Record<string, { url: string; token: string }> {
  const map = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, { url?: unknown; token?: unknown }>;
  for (const { namespace } of targets) {
    const entry = map[namespace];
    if (typeof entry?.url !== "string" || !/^(libsql|https?):\/\//.test(entry.url) || typeof entry.token !== "string" || entry.token === "") {
      throw new UsageError(`${source} has no valid {url, token} for ${namespace}`);
    }
  }
  // Only the targets: nothing else is reachable from the job.
  return Object.fromEntries(targets.map(({ namespace }) => [namespace, map[namespace] as { url: string; token: string }]));
}

function parseTargetsEnv(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError("DATABASE_TARGETS is not JSON (value not shown: it holds tokens)");
  }
}

/** --from-env: the files on disk must be the ones the plan hashed, or the run is refused before touching anything. */
export function jobFromEnv(env: NodeJS.ProcessEnv, projectDir = process.cwd()): MigrateJob {
  const url = env.DATABASE_URL;
  if (!url) throw new UsageError("DATABASE_URL is not set");
  let planned: PlannedMigrations;
  try {
    planned = JSON.parse(env.MIGRATION_PLAN ?? "") as PlannedMigrations;
  } catch {
    throw new UsageError("MIGRATION_PLAN is not set or not JSON");
  }
  const sets = planned.sets.map((set) => {
    const onDisk = files(resolve(projectDir, set.dir), set.dir);
    const same = onDisk.length === set.files.length && onDisk.every((f, i) => f.name === set.files[i]!.name && f.sha256 === set.files[i]!.sha256);
    if (!same) throw new UsageError(`${set.dir} (${set.key}) changed since the plan was made; run pulumi up again`);
    return { key: set.key, namespaces: set.namespaces, files: onDisk };
  });
  const managed = planned.mode === "managed";
  const targets = targetsOf(sets);
  const databases = managed && env.DATABASE_TARGETS !== undefined ? databaseTargets(parseTargetsEnv(env.DATABASE_TARGETS), targets, "DATABASE_TARGETS") : undefined;
  if (!managed && !env.JWT_PRIVATE_KEY) throw new UsageError("JWT_PRIVATE_KEY is not set");
  if (managed && !databases && !env.DATABASE_AUTH_TOKEN) throw new UsageError("DATABASE_AUTH_TOKEN is not set");
  return {
    url,
    targets,
    ...(databases && { databases }),
    namespaceHeader: !managed,
    concurrency: planned.concurrency,
    status: false,
    signingKeyPem: managed ? undefined : env.JWT_PRIVATE_KEY,
    authToken: managed ? env.DATABASE_AUTH_TOKEN : undefined,
    primaryRegion: env.DATABASE_PRIMARY_REGION || undefined,
  };
}

function pulumiOutput(stack: string, name: string, secret: boolean, env: NodeJS.ProcessEnv): string {
  const args = ["stack", "output", name, "--stack", stack, ...(secret ? ["--show-secrets"] : [])];
  const result = spawnSync("pulumi", args, { encoding: "utf8", env });
  if (result.status !== 0) throw new Error(`pulumi stack output ${name} failed (exit ${result.status}): ${(result.stderr || result.error?.message || "").trim()}`);
  return result.stdout.trim();
}

function jobFromStack(v: CliFlags, env: NodeJS.ProcessEnv): MigrateJob {
  const stack = String(v.stack);
  if (!/^[A-Za-z0-9._/-]+$/.test(stack)) throw new UsageError(`invalid --stack ${JSON.stringify(stack)}`);
  const plan = readStackPlan(stack, (v.config as string | undefined) ?? `Pulumi.${stack}.yaml`);
  let sets: MigrationSet[] = plan.migrations.sets;
  const tenant = v.tenant as string | undefined;
  if (tenant !== undefined) {
    sets = sets.map((s) => ({ ...s, namespaces: s.namespaces.filter((n) => n === tenant) })).filter((s) => s.namespaces.length > 0);
    if (sets.length === 0) throw new UsageError(`unknown namespace --tenant ${tenant}: not a tenant or shared namespace of stack ${stack} with migrations`);
  }
  const concurrency = concurrencyArg(v.concurrency as string | undefined) ?? plan.migrations.concurrency;
  const status = v.status === true;
  if (plan.mode === "managed") {
    const explicitToken = (v["auth-token"] as string | undefined) ?? env.DATABASE_AUTH_TOKEN;
    if (explicitToken !== undefined) {
      // The single-database path of stacks without tenants: the operator's token for `default`'s database.
      if (plan.databases.some((d) => d.tenant !== MANAGED_DATABASE)) {
        throw new UsageError(
          `stack ${stack} has a Turso database per tenant and one token reaches one database: drop --auth-token / unset DATABASE_AUTH_TOKEN, and every database's token is read from the stack output tursoDatabases`,
        );
      }
      const url = pulumiOutput(stack, "databaseUrl", false, env);
      return { url, targets: targetsOf(sets), namespaceHeader: false, concurrency, status, authToken: explicitToken };
    }
    // As the migrations Command: each target's own database and full-access token (DATABASE_TARGETS there).
    const outputs = readStackOutputs(stack, env);
    if (outputs.tursoDatabases === undefined) {
      throw new UsageError(`stack ${stack} has no tursoDatabases output (deployed by an earlier version): run pulumi up --stack ${stack} once, or, for a stack without tenants, pass its database token in DATABASE_AUTH_TOKEN`);
    }
    const targets = targetsOf(sets);
    const databases = databaseTargets(outputs.tursoDatabases, targets, `stack ${stack}'s output tursoDatabases`);
    return { url: String(outputs.databaseUrl), targets, databases, namespaceHeader: false, concurrency, status };
  }
  return {
    url: pulumiOutput(stack, "databaseUrl", false, env),
    targets: targetsOf(sets),
    namespaceHeader: true,
    concurrency,
    status,
    signingKeyPem: loadSigningKey({ stack, tenant: "", access: "rw", ttlSeconds: 0 }, env),
    primaryRegion: plan.sqld.topology.primary.code,
  };
}

function jobFromUrl(v: CliFlags, env: NodeJS.ProcessEnv): MigrateJob {
  const url = String(v.url);
  if (!/^(https?|libsql|wss?):\/\//.test(url)) throw new UsageError(`invalid --url ${JSON.stringify(url)}: http(s)://, libsql:// or ws(s)://`);
  const dir = v.dir as string | undefined;
  if (dir === undefined) throw new UsageError("--dir is required with --url");
  const keyFile = v["key-file"] as string | undefined;
  const authToken = (v["auth-token"] as string | undefined) ?? env.DATABASE_AUTH_TOKEN;
  if ((keyFile === undefined) === (authToken === undefined)) throw new UsageError("pass exactly one of --key-file and --auth-token (or DATABASE_AUTH_TOKEN)");
  const tenantsText = v.tenants as string | undefined;
  const tenants = tenantsText === undefined ? undefined : tenantsText.split(",").map((t) => t.trim());
  for (const t of tenants ?? []) if (!TENANT_PATTERN.test(t)) throw new UsageError(`invalid tenant ${JSON.stringify(t)} in --tenants: must match ${TENANT_PATTERN.source}`);
  if (keyFile !== undefined && tenants === undefined) throw new UsageError("--tenants is required with --key-file (tokens are scoped to namespaces)");
  let signingKeyPem: string | undefined;
  if (keyFile !== undefined) {
    try {
      signingKeyPem = readFileSync(keyFile, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read --key-file ${keyFile}: ${(error as Error).message}`);
    }
    if (!signingKeyPem.includes("-----BEGIN PRIVATE KEY-----")) throw new UsageError(`--key-file ${keyFile} is not a PKCS#8 PEM ("BEGIN PRIVATE KEY") file`);
  }
  const migrationFiles = files(dir);
  return {
    url,
    targets: (tenants ?? [MANAGED_DATABASE]).map((namespace) => ({ namespace, files: migrationFiles })),
    namespaceHeader: tenants !== undefined,
    concurrency: concurrencyArg(v.concurrency as string | undefined),
    status: v.status === true,
    signingKeyPem,
    authToken: signingKeyPem === undefined ? authToken : undefined,
  };
}

export function parseMigrateArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): MigrateJob {
  const values = parseCliFlags(argv, {
    "from-env": { type: "boolean" },
    stack: { type: "string" },
    config: { type: "string" },
    tenant: { type: "string" },
    url: { type: "string" },
    "key-file": { type: "string" },
    "auth-token": { type: "string" },
    tenants: { type: "string" },
    dir: { type: "string" },
    status: { type: "boolean" },
    concurrency: { type: "string" },
  });
  const modes = ["from-env", "stack", "url"].filter((m) => values[m] !== undefined);
  if (modes.length !== 1) throw new UsageError("pass exactly one of --stack and --url");
  if (values["from-env"]) return jobFromEnv(env);
  return values.stack !== undefined ? jobFromStack(values, env) : jobFromUrl(values, env);
}

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

/** How the migrator reaches the job's database (`npm run migrate`, and `npm run status` for `--status`). */
export function migratorOptions(job: MigrateJob): MigratorOptions {
  const pem = job.signingKeyPem;
  const databases = job.databases;
  if (databases) {
    // Managed, a database per target: its own URL and token; nothing reaches a database that is not a target.
    const of = (namespace: string) => {
      const entry = databases[namespace];
      if (!entry) throw new Error(`no database for ${namespace} in DATABASE_TARGETS`);
      return entry;
    };
    return { url: job.url, namespaceHeader: false, concurrency: job.concurrency, urlFor: (ns) => of(ns).url, authToken: async (ns) => of(ns).token };
  }
  return {
    fetch: preferPrimary(job.primaryRegion),
    url: job.url,
    namespaceHeader: job.namespaceHeader,
    concurrency: job.concurrency,
    // Self-hosted: a 10-minute token for exactly one namespace (tenant, shared, or the stack's ledger/canary).
    authToken: pem ? async (namespace, access) => migratorToken(pem, namespace, access) : async () => job.authToken,
  };
}
