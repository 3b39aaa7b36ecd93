/**
 * The stack's plan: everything derived from the validated config, resolved once (by parseStackConfig) and read by
 * the stacks and components. Pure (no Pulumi, no I/O): the migration files are read before, by
 * infra/migrations/sets.ts, and handed in.
 */
import type { EdgeWorkerExposure } from "../cloudflare/edge-worker";
import { FLY_DEFAULT_ORG, type ApiAppSource, type FlyAutoStop, type FlyDeployStrategy } from "../fly/contract";
import type { MigrationPlan } from "../migrations/sets";
import { defaultMaxActiveNamespaces, sqldHeldNamespaces, type SqldBackupSettings } from "../sqld/files";
import { planMachines, type MachinePlan } from "../sqld/topology";
import { normalizeOrigin } from "./public-url";
import { DEFAULT_APP_DEPLOY, type ConfigShape, type TursoConfig, type WorkerConfig } from "./schema";
import type { SelfHostedConfig, StackConfig } from "./stack-config";
import { isLocalTenantDomain, tenantDomainZoneId, tenantUrlTemplate } from "./tenant-domain";
import { tenantKeysMode, tenantKeyVersions, type TenantKeysMode } from "./tenant-keys";
import { tenantNamespaceSettings, type NamespaceSettings } from "./tenant-settings";
import { LEGACY_TENANT, tursoTenantDatabases, type TursoTenantDatabase } from "./turso-databases";

/**
 * The namespaces of a stack, each list in config order. Managed mode: each tenant and shared namespace is a Turso
 * database (turso-databases.ts), a stack without `tenants` has the one tenant `default`, and there is no migrator.
 */
export interface StackNamespaces {
  /** `tenants`. */
  tenants: readonly string[];
  /** `migrations.shared[].namespace`: created with the tenants, but not tenants. */
  shared: readonly string[];
  /** The migrator's ledger and canary, when the stack has migrations to apply (MigrationPlan.stackNamespaces). */
  migrator: readonly string[];
  /** Tenants and shared namespaces: what the API app's token reaches (never the migrator's own). */
  served: readonly string[];
  /** Every namespace the stack creates in sqld: `served` and `migrator`. */
  all: readonly string[];
  /** How many namespaces sqld holds open for the stack: `all` and sqld's own `default`. */
  held: number;
}

/** The namespace set of a config (shape-checked is enough: the rules count it before the plan exists). */
export function stackNamespaces(cfg: Pick<ConfigShape, "mode" | "tenants" | "migrations">, migrator: readonly string[]): StackNamespaces {
  const selfHosted = cfg.mode === "self-hosted";
  const tenants = selfHosted || cfg.tenants.length > 0 ? [...cfg.tenants] : [LEGACY_TENANT];
  const shared = (cfg.migrations?.shared ?? []).map((s) => s.namespace);
  const served = [...tenants, ...shared];
  const all = [...served, ...(selfHosted ? migrator : [])];
  return { tenants, shared, migrator: selfHosted ? [...migrator] : [], served, all, held: sqldHeldNamespaces(all.length) };
}

/** How the stack's tokens are signed (worker/tenant-keys.ts): the gateway, sqld's namespaces and the outputs share it. */
export interface TenantKeysPlan {
  mode: TenantKeysMode;
  /** Tenants whose key is not at version 1, sorted by name. */
  versions: Record<string, number>;
}

export interface TenantDomainPlan {
  domain: string;
  /** The Cloudflare zone for the DNS records; undefined for `*.localhost` (no DNS, no certificate). */
  zoneId?: string;
  /** Where a client connects, `{tenant}` to replace (tenant-domain.ts tenantUrlTemplate). */
  urlTemplate: string;
}

/** sqld on Fly, with every default applied. */
export interface SqldPlan {
  app: string;
  org: string;
  /** `deploy.sqld`: a strategy an app with volumes can use. */
  deploy: SelfHostedConfig["deploy"]["sqld"];
  autoStop: FlyAutoStop;
  minMachinesRunning: number;
  /** Origin where sqld answers from outside Fly: `sqld.publicUrl` (normalized) or `https://<app>.fly.dev`. */
  publicUrl: string;
  /** sqld `--max-active-namespaces`: `sqld.maxActiveNamespaces`, or derived from `namespaces.held`. */
  maxActiveNamespaces: number;
  /** Per-region topology: volumes, the primary, the scale order. */
  topology: MachinePlan;
  backups?: SqldBackupSettings;
  /** `sqld.encryptionAtRest`: the stack generates sqld's encryption key and sets it as a Fly secret. */
  encryptionAtRest: boolean;
  /** `sqld.tenantDomain`: tenants at `<tenant>.<domain>`; `zoneId` is absent for a local (`*.localhost`) domain. */
  tenantDomain?: TenantDomainPlan;
  /** Size caps and suspensions by tenant (sorted), applied by the namespaces Command. */
  tenantSettings: Record<string, NamespaceSettings>;
}

/** The optional API app on Fly: where it comes from and which org it lives in. */
export interface ApiPlan {
  org: string;
  /** `deploy.api`, or rolling with the default wait when the block is absent. */
  deploy: { strategy: FlyDeployStrategy; waitTimeout: string };
  source: ApiAppSource;
}

export interface GatewayPlan {
  /** `worker.scriptName`, or `<fly app | turso database>-gateway`. */
  scriptName: string;
  /** `worker.customDomain` or `worker.route` (rules.ts refuses both), or neither: its workers.dev URL. */
  exposure: EdgeWorkerExposure;
}

interface PlanCommon {
  namespaces: StackNamespaces;
  migrations: MigrationPlan;
  tenantKeys: TenantKeysPlan;
  /** The gateway Worker; undefined without `worker`. */
  gateway?: GatewayPlan;
  api?: ApiPlan;
  /**
   * The side a mode switch keeps: the same config planned in the other mode, when it holds both sides. It is
   * deployed and protected as before, never served; the switch copies every tenant from it (README "Mode switch").
   */
  retained?: StackPlan;
}

export interface SelfHostedPlan extends PlanCommon {
  mode: "self-hosted";
  sqld: SqldPlan;
  /** The namespace the post-deploy check queries: the first tenant by name, else sqld's own `default`. */
  checkNamespace: string;
}

export interface ManagedPlan extends PlanCommon {
  mode: "managed";
  turso: TursoConfig;
  /** One Turso database per tenant, then per shared namespace (turso-databases.ts). */
  databases: TursoTenantDatabase[];
}

export type StackPlan = SelfHostedPlan | ManagedPlan;

function tenantDomainPlan(config: SelfHostedConfig, domain: string, publicUrl: string): TenantDomainPlan {
  const zoneId = tenantDomainZoneId(config);
  return { domain, ...(!isLocalTenantDomain(domain) && zoneId && { zoneId }), urlTemplate: tenantUrlTemplate(domain, publicUrl) };
}

function sqldPlan(config: SelfHostedConfig, namespaces: StackNamespaces): SqldPlan {
  const { fly, sqld, backups } = config;
  const publicUrl = sqld.publicUrl ? normalizeOrigin(sqld.publicUrl) : `https://${fly.app}.fly.dev`;
  return {
    app: fly.app,
    org: fly.org,
    deploy: config.deploy.sqld,
    autoStop: sqld.autoStop,
    minMachinesRunning: sqld.minMachinesRunning,
    publicUrl,
    maxActiveNamespaces: sqld.maxActiveNamespaces ?? defaultMaxActiveNamespaces(namespaces.all.length),
    topology: planMachines(config.regions),
    encryptionAtRest: sqld.encryptionAtRest,
    ...(backups && {
      backups: {
        endpoint: backups.endpoint,
        bucket: backups.bucket,
        region: backups.region,
        databaseId: backups.databaseId ?? fly.app,
        batchIntervalSeconds: backups.batchIntervalSeconds,
      },
    }),
    tenantSettings: tenantNamespaceSettings(config),
    ...(sqld.tenantDomain && { tenantDomain: tenantDomainPlan(config, sqld.tenantDomain, publicUrl) }),
  };
}

function apiPlan(config: StackConfig): ApiPlan | undefined {
  const api = config.api;
  if (!api) return undefined;
  // rules.ts requires exactly one of image and dockerfile.
  let source: ApiAppSource;
  if (api.image !== undefined) source = { kind: "image", image: api.image };
  else if (api.dockerfile !== undefined) source = { kind: "dockerfile", dockerfile: api.dockerfile, context: api.context };
  else throw new Error("internal: an api config passed the rules with neither image nor dockerfile");
  return { org: config.fly?.org ?? FLY_DEFAULT_ORG, deploy: config.deploy.api ?? DEFAULT_APP_DEPLOY, source };
}

function gatewayPlan(config: StackConfig, worker: WorkerConfig): GatewayPlan {
  const { customDomain, route } = worker;
  if (customDomain && route) throw new Error("internal: a worker config passed the rules with both customDomain and route");
  const exposure: EdgeWorkerExposure = customDomain ? { customDomain } : route ? { route } : {};
  return { scriptName: worker.scriptName ?? `${config.mode === "managed" ? config.turso.database : config.fly.app}-gateway`, exposure };
}

/** Resolves a config that passed every rule, with the migration sets read from its directories. */
export function resolveStackPlan(config: StackConfig, migrations: MigrationPlan): StackPlan {
  const namespaces = stackNamespaces(config, migrations.stackNamespaces);
  const api = apiPlan(config);
  const common: PlanCommon = {
    namespaces,
    migrations,
    tenantKeys: { mode: tenantKeysMode(config), versions: tenantKeyVersions(config) },
    ...(config.worker && { gateway: gatewayPlan(config, config.worker) }),
    ...(api && { api }),
  };
  if (config.mode === "managed") {
    const databases = tursoTenantDatabases(config.turso.database, config.tenants, namespaces.shared);
    return { ...common, mode: "managed", turso: config.turso, databases };
  }
  return {
    ...common,
    mode: "self-hosted",
    sqld: sqldPlan(config, namespaces),
    checkNamespace: [...namespaces.tenants].sort()[0] ?? "default",
  };
}
