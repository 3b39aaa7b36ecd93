import type { local } from "@pulumi/command";
import type { StackKeys } from "../infra/auth";
import { ConfigError, formatPath, PROJECT, type StackConfig } from "../infra/config";
import { migrationsCommand } from "../infra/migrations/command";
import { migrationPlan, type MigrationPlan } from "../infra/migrations/sets";
import type { Database } from "./database";

/** Shared namespaces (`migrations.shared[].namespace`): created with the tenants, but not tenants. */
export function sharedNamespaces(config: StackConfig): string[] {
  return config.mode === "managed" ? [] : (config.migrations?.shared ?? []).map((s) => s.namespace);
}

/**
 * The stack's migration plan, computed once per program run (the database needs its `stackNamespaces`, the
 * Command its sets). Files are read from the project directory (Pulumi runs the program there).
 */
export function loadMigrationPlan(config: StackConfig): MigrationPlan {
  const result = migrationPlan(config, process.cwd());
  if (!result.ok) throw new ConfigError(result.problems.map((p) => `${PROJECT}:${formatPath(p.path)} ${p.message}`));
  return result.plan;
}

/** The `migrations` Command, after the namespaces (or the Turso database) exist; undefined when there is nothing to apply. */
export function schemaMigrations(config: StackConfig, plan: MigrationPlan, db: Database, keys: StackKeys): local.Command | undefined {
  if (plan.sets.length === 0) return undefined;
  return migrationsCommand("migrations", {
    url: db.publicUrl,
    plan,
    mode: config.mode,
    signingKey: config.mode === "self-hosted" ? keys.jwtPrivateKeyPem : undefined,
    authToken: config.mode === "managed" ? db.serviceToken : undefined,
    primaryRegion: config.mode === "self-hosted" ? config.regions.find((r) => r.role === "primary")?.code : undefined,
    dependsOn: db.ready,
  });
}
