import { FLY_REGIONS, isFlyRegion } from "./fly-regions";
import { reservedNamespaceProblem } from "../migrations/stack-namespaces";
import { DEFAULT_APP_DEPLOY, NAMESPACE_PATTERN, type ConfigShape } from "./schema";
import { isVolumeDeployStrategy } from "../fly/contract";
import type { StackNamespaces } from "./plan";
import { tenantKeysMode } from "./tenant-keys";
import { tenantDomainProblem, tenantDomainRuleProblems, tenantDomainZoneId } from "./tenant-domain";
import { encryptionAtRestProblems } from "./encryption-at-rest";
import { tursoDatabaseRuleProblems } from "./turso-databases";

/** One config problem: where (path below `libsql-stack:`) and what to do about it. */
export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

const regionHint = () => `known regions: ${Object.keys(FLY_REGIONS).join(", ")}`;

/** The config keeps a self-hosted side: its mode, or `fly.app` kept beside `mode: managed` (a switch's old side). */
export const hasSelfHostedSide = (cfg: Pick<ConfigShape, "mode" | "fly">) => cfg.mode === "self-hosted" || cfg.fly?.app !== undefined;
/** The config keeps a managed side: its mode, or a `turso` block kept beside `mode: self-hosted`. */
export const hasManagedSide = (cfg: Pick<ConfigShape, "mode" | "turso">) => cfg.mode === "managed" || cfg.turso !== undefined;

/**
 * Rules that relate several fields or need the stack's intent. Pure: takes the shape-checked config,
 * returns every problem at once so a user fixes their YAML in one pass.
 */
export function crossFieldProblems(cfg: ConfigShape, ctx: { namespaces: Pick<StackNamespaces, "migrator" | "held"> }): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });

  // A config may hold both sides during a mode switch (README "Mode switch"): the side `mode` names serves, the
  // other is kept. Each side present is checked by its own rules.
  const selfHostedSide = hasSelfHostedSide(cfg);
  const managedSide = hasManagedSide(cfg);
  if (selfHostedSide && managedSide) {
    if (cfg.tenants.length === 0) add(["tenants"], "is empty, but the config holds both the self-hosted side (fly.app) and the managed one (turso): a mode switch carries tenants; list them, or remove the side you do not use");
    if (cfg.worker && cfg.worker.scriptName === undefined) {
      add(["worker", "scriptName"], "is required while the config holds both sides (fly.app and turso): its default follows the mode, so a switch would deploy a second Worker; set it to the name the Worker has now");
    }
  }
  if (selfHostedSide) {
    if (!cfg.fly) add(["fly"], 'is required in self-hosted mode: set `fly: {org: <org>, app: <sqld app name>}`');
    else if (!cfg.fly.app) add(["fly", "app"], "is required in self-hosted mode: the name of the sqld Fly app");
    if (cfg.regions.length === 0) add(["regions"], "needs at least one region with `role: primary` in self-hosted mode");
    const primaries = cfg.regions.filter((r) => r.role === "primary").length;
    if (cfg.regions.length > 0 && primaries !== 1) {
      add(["regions"], `must have exactly one region with role "primary" (found ${primaries}); sqld has one writer, the others are replicas`);
    }
    for (const [tenant, settings] of Object.entries(cfg.tenantSettings)) {
      if (!cfg.tenants.includes(tenant)) add(["tenantSettings", tenant], `names no tenant; list "${tenant}" under tenants or remove this entry`);
      else if (settings.reason !== undefined && settings.suspended === undefined) {
        add(["tenantSettings", tenant, "reason"], "is shown only while the tenant is suspended; set suspended: writes or all, or remove the reason");
      }
    }
    for (const tenant of Object.keys(cfg.auth.tenantKeyVersions)) {
      if (!cfg.tenants.includes(tenant)) add(["auth", "tenantKeyVersions", tenant], `names no tenant; list "${tenant}" under tenants or remove this entry`);
      else if (tenantKeysMode(cfg) !== "per-tenant") add(["auth", "tenantKeyVersions", tenant], "has no effect with one shared key (auth.tenantKeys: false): tenants have no keys of their own to revoke");
    }
    if (cfg.auth.retiredSigningKeyVersion >= cfg.auth.signingKeyVersion) {
      add(["auth", "retiredSigningKeyVersion"], `is ${cfg.auth.retiredSigningKeyVersion} but auth.signingKeyVersion is ${cfg.auth.signingKeyVersion}: the signing key cannot be retired; retire at most signingKeyVersion - 1`);
    }
    const seen = new Map<string, number>();
    cfg.regions.forEach((r, i) => {
      if (!isFlyRegion(r.code)) add(["regions", i, "code"], `"${r.code}" is not a Fly region; ${regionHint()}`);
      const first = seen.get(r.code);
      if (first !== undefined) add(["regions", i, "code"], `"${r.code}" is listed twice (also regions[${first}]); one entry per region`);
      else seen.set(r.code, i);
    });
    // flyctl gives a process group one size: `fly scale count` copies the group's first machine config
    // (scale/count_machines.go computeActions: mConfig := groupMachines[0].Config; --vm-size only reaches
    // machine_defaults.go for a group with no machine) and every `fly deploy` resets each machine's guest to the
    // group's [[vm]] (appconfig/machines.go updateMachineConfig: toMachineGuest). All replica regions run the
    // `replica` group, so per-region sizes would be silently lost: refuse them.
    const replicas = cfg.regions.map((r, i) => ({ r, i })).filter(({ r }) => r.role === "replica");
    const firstReplica = replicas[0];
    for (const { r, i } of replicas.slice(1)) {
      if (!firstReplica || (r.vm.size === firstReplica.r.vm.size && r.vm.memoryMb === firstReplica.r.vm.memoryMb)) continue;
      add(
        ["regions", i, "vm"],
        `${r.vm.size}/${r.vm.memoryMb}MB differs from regions[${firstReplica.i}].vm (${firstReplica.r.vm.size}/${firstReplica.r.vm.memoryMb}MB): every replica region runs the one \`replica\` process group, which Fly sizes from a single [[vm]] entry; give all replica regions the same vm.size and vm.memoryMb`,
      );
    }
    // Counted by the plan (plan.ts stackNamespaces): tenants, shared, the migrator's ledger and canary when the
    // stack has migrations, and sqld's own `default`.
    const { held, migrator } = ctx.namespaces;
    if (cfg.sqld.maxActiveNamespaces !== undefined && cfg.sqld.maxActiveNamespaces < held) {
      const which = migrator.length > 0 ? "tenants, migrations.shared, default and the migration ledger and canary" : "tenants, migrations.shared and default";
      add(
        ["sqld", "maxActiveNamespaces"],
        `${cfg.sqld.maxActiveNamespaces} is below the ${held} namespaces sqld holds (${which}): sqld would keep evicting them, and requests to an evicted namespace fail while it closes; set it to at least ${held}, or remove it for the default`,
      );
    }
    if (cfg.sqld.autoStop !== "off" && cfg.regions.length > 1) {
      add(["sqld", "autoStop"], `"${cfg.sqld.autoStop}" cannot be used with replica regions: replicas reach the primary over .internal DNS, which does not wake a stopped machine, so writes would fail; use "off"`);
    }
    if (cfg.sqld.tenantDomain !== undefined && tenantDomainProblem(cfg.sqld.tenantDomain) === undefined) {
      const zoneId = tenantDomainZoneId(cfg);
      for (const [path, message] of tenantDomainRuleProblems({ domain: cfg.sqld.tenantDomain, publicUrl: cfg.sqld.publicUrl, tenants: cfg.tenants, zoneId })) add(path, message);
    } else if (cfg.sqld.tenantDomainZoneId !== undefined) {
      add(["sqld", "tenantDomainZoneId"], "is set without sqld.tenantDomain; set both or remove it");
    }
    if (!isVolumeDeployStrategy(cfg.deploy.sqld.strategy)) {
      add(["deploy", "sqld", "strategy"], `"${cfg.deploy.sqld.strategy}" cannot be used for sqld: its machines have volumes; use "rolling" or "immediate"`);
    }
  }
  if (cfg.mode === "managed" && !cfg.turso) add(["turso"], "is required in managed mode: set `turso: {org, location, database}`");
  if (cfg.turso) for (const [path, message] of tursoDatabaseRuleProblems(cfg.turso, cfg.tenants, (cfg.migrations?.shared ?? []).map((s) => s.namespace), cfg.api !== undefined)) add(path, message);
  if (!selfHostedSide) {
    for (const key of ["tenantSettings", "auth"] as const) {
      const set = key === "auth" ? cfg.auth.tenantKeyVersions : cfg.tenantSettings;
      for (const tenant of Object.keys(set)) add(key === "auth" ? ["auth", "tenantKeyVersions", tenant] : [key, tenant], "applies to self-hosted sqld only (Turso signs its own tokens and has no namespace config); remove it");
    }
    if (cfg.sqld.tenantDomain !== undefined) add(["sqld", "tenantDomain"], "applies to self-hosted sqld only: in managed mode each client connects to the Turso database URL; remove it");
  }

  for (const [path, message] of encryptionAtRestProblems({ ...cfg, mode: selfHostedSide ? "self-hosted" : cfg.mode })) add(path, message);

  // Every stack builds the one pinned, hardened release (infra/sqld/image/hardened-sqld.ts): another image or tag
  // would run a binary the fileio patch was never checked on.
  for (const key of ["image", "tag"] as const) {
    if (cfg.sqld[key] !== undefined) {
      add(["sqld", key], `is no longer a setting: every stack deploys the one pinned sqld release with SQLite's fileio functions patched out (infra/sqld/image/hardened-sqld.ts), and the patch is checked against that binary only; remove \`${key}\``);
    }
  }

  const tenants = new Set<string>();
  cfg.tenants.forEach((t, i) => {
    const reserved = reservedNamespaceProblem(t);
    if (reserved) add(["tenants", i], reserved);
    else if (!NAMESPACE_PATTERN.test(t)) add(["tenants", i], `"${t}" is not a valid namespace name; use 1-63 of a-z, 0-9 and "-", starting with a letter or digit`);
    if (tenants.has(t)) add(["tenants", i], `"${t}" is listed twice`);
    tenants.add(t);
  });

  if (cfg.worker?.customDomain && cfg.worker.route) {
    add(["worker", "route"], "cannot be set together with worker.customDomain; pick one way to expose the Worker");
  }

  if (cfg.api) {
    const api = cfg.api;
    if (!api.image === !api.dockerfile) add(["api"], "needs exactly one of `image` (pre-built) or `dockerfile` (built by fly deploy)");
    api.regions.forEach((code, i) => {
      if (!isFlyRegion(code)) add(["api", "regions", i], `"${code}" is not a Fly region; ${regionHint()}`);
    });
    if (cfg.fly && api.app === cfg.fly.app) add(["api", "app"], `"${api.app}" is already the sqld app (fly.app); the API app needs its own name`);
    const strategy = (cfg.deploy.api ?? DEFAULT_APP_DEPLOY).strategy;
    if (strategy === "bluegreen" && !api.healthCheck) {
      add(["api", "healthCheck"], 'is required because deploy.api.strategy is "bluegreen" (Fly only switches traffic to machines that pass a check); set `healthCheck: {path: /health}`');
    }
  } else if (cfg.deploy.api) {
    add(["deploy", "api"], "is set but there is no `api` app; remove it or add `api`");
  }

  if (cfg.backups) {
    if (!selfHostedSide) add(["backups"], "applies to self-hosted sqld only; Turso keeps its own backups");
    if (!cfg.backupAccessKeyId) add(["backupAccessKeyId"], "is required when backups are on: pulumi config set --secret libsql-stack:backupAccessKeyId <key id>");
    if (!cfg.backupSecretAccessKey) add(["backupSecretAccessKey"], "is required when backups are on: pulumi config set --secret libsql-stack:backupSecretAccessKey <secret>");
    // They reach sqld through `fly secrets import`, one line per value (infra/fly/scripts/secrets.ts).
    for (const key of ["backupAccessKeyId", "backupSecretAccessKey"] as const) {
      if (/[\r\n]/.test(cfg[key] ?? "")) add([key], "contains a line break, which fly secrets import cannot store; set the value without line breaks (the message does not show it)");
    }
  }
  return problems;
}
