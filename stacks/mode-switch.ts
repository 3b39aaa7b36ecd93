import * as pulumi from "@pulumi/pulumi";
import { local } from "@pulumi/command";
import type { StackKeys } from "../infra/auth";
import type { ManagedPlan, SelfHostedPlan, StackPlan, StackSecrets } from "../infra/config";
import type { Database } from "./database";
import type { ModeSwitchPlan } from "../infra/mode-switch-plan";

const SCRIPT = "node --import tsx scripts/mode-switch.ts";

/**
 * The `mode-switch` Command of a config that holds both sides (README "Mode switch"): on every change of its inputs
 * (the mode, the tenants, a key) it runs scripts/mode-switch.ts, which copies every tenant to the serving side when
 * the mode differs from the one its previous stdout recorded, and does nothing otherwise. Never replaced (no
 * triggers): a replace would lose that record. The Worker, the API app and the migrations wait for it; the Turso
 * database Commands too (the switch may create a database with the tenant's data before the stack adopts it).
 */
export function modeSwitchCommand(plan: StackPlan, retained: StackPlan, after: { selfHosted: Database; tursoGroup: pulumi.Resource }, keys: StackKeys, secrets: StackSecrets): local.Command {
  const [selfHosted, managed] = (plan.mode === "self-hosted" ? [plan, retained] : [retained, plan]) as [SelfHostedPlan, ManagedPlan];
  const adminKey = keys.adminKey;
  if (!adminKey) throw new pulumi.ResourceError("a mode switch reaches sqld's admin API: create StackKeys with withAdminKey", keys);
  const switchPlan: ModeSwitchPlan = {
    mode: plan.mode,
    sqld: { app: selfHosted.sqld.app, url: selfHosted.sqld.publicUrl },
    turso: { org: managed.turso.org, group: managed.turso.group },
    tenants: managed.databases.map((d) => ({ tenant: d.tenant, database: d.name })),
    ledger: selfHosted.namespaces.migrator.length > 0,
  };
  return new local.Command(
    "mode-switch",
    {
      create: SCRIPT,
      update: SCRIPT,
      environment: {
        MODE_SWITCH_PLAN: JSON.stringify(switchPlan),
        JWT_PRIVATE_KEY: pulumi.secret(keys.jwtPrivateKeyPem),
        SQLD_ADMIN_KEY: pulumi.secret(adminKey),
        // Without it in config the environment's TURSO_API_TOKEN reaches the script, as for the Turso Commands.
        ...(secrets.tursoApiToken && { TURSO_API_TOKEN: secrets.tursoApiToken }),
      },
      logging: "stderr",
      addPreviousOutputInEnv: true,
    },
    // sqld rolled out with every namespace; the Turso group (a database the switch creates goes there).
    { dependsOn: [...after.selfHosted.ready, after.tursoGroup] },
  );
}
