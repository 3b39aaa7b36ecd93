import type { local } from "@pulumi/command";
import type { Resource } from "@pulumi/pulumi";
import type { StackKeys } from "../infra/auth";
import type { StackPlan } from "../infra/config";
import { migrationsCommand } from "../infra/migrations/command";
import type { Database } from "./database";

/** The `migrations` Command, after the namespaces (or the Turso databases) exist and `after`; undefined when there is nothing to apply. */
export function schemaMigrations(plan: StackPlan, db: Database, keys: StackKeys, after: Resource[] = []): local.Command | undefined {
  if (plan.migrations.sets.length === 0) return undefined;
  const selfHosted = plan.mode === "self-hosted";
  return migrationsCommand(
    "migrations",
    {
      url: db.publicUrl,
      plan: plan.migrations,
      mode: plan.mode,
      signingKey: selfHosted ? keys.jwtPrivateKeyPem : undefined,
      authToken: selfHosted ? undefined : db.serviceToken,
      // Managed: each tenant's (and shared namespace's) own Turso database.
      databases: db.databaseTargets,
      primaryRegion: selfHosted ? plan.sqld.topology.primary.code : undefined,
    },
    // After a mode switch has carried the data (and the migration records with it) to the serving side.
    { dependsOn: [...db.ready, ...after] },
  );
}
