import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import type { DbMode } from "../../worker/modes";
import type { MigrationPlan } from "./sets";
import { databaseCredentialEnv } from "../verify";

/** What the Command hands scripts/migrate.ts in MIGRATION_PLAN: no SQL (the script reads the files), only hashes. */
export interface PlannedMigrations {
  /** `managed`: no namespace header, the database token for every target. */
  mode: DbMode;
  concurrency: number;
  sets: { key: string; dir: string; namespaces: string[]; files: { name: string; sha256: string }[] }[];
}

export function plannedMigrations(plan: MigrationPlan, mode: PlannedMigrations["mode"]): PlannedMigrations {
  return {
    mode,
    concurrency: plan.concurrency,
    sets: plan.sets.map((s) => ({ key: s.key, dir: s.dir, namespaces: s.namespaces, files: s.files.map((f) => ({ name: f.name, sha256: f.sha256 })) })),
  };
}

export interface MigrationsCommandArgs {
  /** Public database URL (https://<app>.fly.dev or libsql://<turso host>). */
  url: pulumi.Input<string>;
  plan: MigrationPlan;
  mode: PlannedMigrations["mode"];
  /** Self-hosted: the signing key (secret); the script mints a short-lived `rw` token per namespace. */
  signingKey?: pulumi.Input<string>;
  /** Managed: the database token (secret). */
  authToken?: pulumi.Input<string>;
  /**
   * Managed: every target's database, JSON `{<tenant or shared namespace>: {url, token}}` (a secret), the
   * `DATABASE_TARGETS` the script reads (scripts/lib/migrate-cli.ts). @default one database at `url`
   */
  databases?: pulumi.Input<string>;
  /** Self-hosted: the primary's Fly region; the script sends `fly-prefer-region` with it. */
  primaryRegion?: string;
}

/**
 * Applies the stack's migrations with scripts/migrate.ts. MIGRATION_PLAN lists every file's sha256 and every
 * namespace, so a new or changed file or a new tenant changes an input: pulumi-command then runs the Command
 * again (an update re-runs `create`, which is idempotent). Secrets reach the script only through its environment.
 * `opts.dependsOn`: the namespaces / database that must exist first.
 */
export function migrationsCommand(name: string, args: MigrationsCommandArgs, opts: pulumi.CustomResourceOptions): local.Command {
  const environment = {
    DATABASE_URL: args.url,
    MIGRATION_PLAN: JSON.stringify(plannedMigrations(args.plan, args.mode)),
    ...(args.primaryRegion && { DATABASE_PRIMARY_REGION: args.primaryRegion }),
    ...databaseCredentialEnv(args.signingKey, args.authToken),
    ...(args.databases !== undefined && { DATABASE_TARGETS: pulumi.secret(args.databases) }),
  };
  return new local.Command(
    name,
    {
      create: "node --import tsx scripts/migrate.ts --from-env",
      environment,
      logging: "stdoutAndStderr",
      addPreviousOutputInEnv: false,
    },
    opts,
  );
}
