import * as pulumi from "@pulumi/pulumi";
import { StackKeys } from "../infra/auth";
import { EdgeWorker } from "../infra/cloudflare/edge-worker";
import { loadStackConfig, type StackConfig } from "../infra/config";
import { tenantKeyVersions, tenantKeysMode } from "../infra/config/tenant-keys";
import { FlyApiApp } from "../infra/fly/api-app";
import { verifyDatabase } from "../infra/verify";
import { managedDatabase, selfHostedDatabase, type Database } from "./database";
import { loadMigrationPlan, schemaMigrations } from "./migrations";

/** What the stack exports (`pulumi stack output`). Secrets stay Pulumi secrets. */
export interface StackOutputs {
  mode: string;
  databaseUrl: pulumi.Output<string>;
  jwtPublicKeyPem: pulumi.Output<string>;
  /** How tenant tokens are signed (`npm run token` reads it): `per-tenant` or `shared`. */
  tenantKeys: string;
  /** Tenants whose key is not at version 1 (`npm run token` reads it). */
  tenantKeyVersions: Record<string, number>;
  /** Signing key for `npm run token` (secret). */
  jwtPrivateKeyPem: pulumi.Output<string>;
  [key: string]: unknown;
}

function edgeWorker(config: StackConfig, db: Database, keys: StackKeys): EdgeWorker | undefined {
  if (!config.worker) return undefined;
  return new EdgeWorker("gateway", {
    accountId: config.worker.accountId,
    scriptName: config.worker.scriptName ?? `${config.mode === "managed" ? config.turso?.database : config.fly?.app}-gateway`,
    compatibilityDate: config.worker.compatibilityDate,
    dbUrl: db.publicUrl,
    dbMode: config.mode,
    jwtPrivateKey: keys.jwtPrivateKeyPem,
    tenantKeys: tenantKeysMode(config),
    tenantKeyVersions: tenantKeyVersions(config),
    primaryRegion: config.mode === "self-hosted" ? config.regions.find((r) => r.role === "primary")?.code : undefined,
    dbToken: db.workerToken,
    dbReadToken: db.workerReadToken,
    tenants: config.mode === "self-hosted" ? config.tenants : [],
    customDomain: config.worker.customDomain,
    route: config.worker.route,
  },
  // PRIMARY_REGION must not follow a primary move that the cluster's guard refuses (issue 21 item 5): the Worker
  // would send writes to a replica.
  { dependsOn: db.topologyGuard });
}

function apiApp(config: StackConfig, db: Database, migrations?: pulumi.Resource): FlyApiApp | undefined {
  if (!config.api) return undefined;
  const api = config.api;
  return new FlyApiApp(
    "api",
    {
      app: api.app,
      org: config.fly?.org,
      regions: api.regions,
      image: api.image,
      dockerfile: api.dockerfile,
      context: api.context,
      internalPort: api.internalPort,
      healthCheck: api.healthCheck,
      minMachines: api.minMachines,
      autoStop: api.autoStop,
      strategy: config.deploy.api?.strategy ?? "rolling",
      waitTimeout: config.deploy.api?.waitTimeout,
      databaseUrl: db.serviceUrl,
      databaseAuthToken: db.serviceToken,
    },
    // The API deploys only after the schema it needs is in every namespace.
    { dependsOn: migrations ? [...db.ready, migrations] : db.ready },
  );
}

/**
 * The whole stack, from validated config to outputs. A function (not top-level code) so the plan CLI and the
 * tests can run it under mocks once per config. The mode is decided by config alone.
 */
export function defineStack(): StackOutputs {
  const loaded = loadStackConfig();
  const { config } = loaded;
  const keys = new StackKeys("keys", { ...config.auth, withAdminKey: config.mode === "self-hosted" });
  const migrationPlan = loadMigrationPlan(config);
  const db = config.mode === "self-hosted" ? selfHostedDatabase(loaded, keys, migrationPlan.stackNamespaces) : managedDatabase(loaded);
  verifyDatabase("database-verify", {
    url: db.publicUrl,
    namespace: db.checkNamespace,
    signingKey: config.mode === "self-hosted" ? keys.jwtPrivateKeyPem : undefined,
    authToken: config.mode === "managed" ? db.serviceToken : undefined,
    rolloutDigest: db.rolloutDigest,
    dependsOn: db.ready,
  });
  const worker = edgeWorker(config, db, keys);
  const migrations = schemaMigrations(config, migrationPlan, db, keys);
  const api = apiApp(config, db, migrations);
  return {
    mode: config.mode,
    databaseUrl: db.publicUrl,
    jwtPublicKeyPem: keys.jwtPublicKeyPem,
    tenantKeys: tenantKeysMode(config),
    tenantKeyVersions: tenantKeyVersions(config),
    jwtPrivateKeyPem: keys.jwtPrivateKeyPem,
    ...(config.mode === "self-hosted" && { sqldPrivateUrl: db.serviceUrl }),
    ...(worker && {
      gatewayScriptName: worker.scriptName,
      gatewayApiKey: worker.gatewayApiKey,
      gatewayBundleSha256: worker.bundleSha256,
      // Always: the custom domain, the route's host, or the workers.dev URL.
      gatewayUrl: worker.url,
    }),
    ...(api && { apiUrl: api.url }),
  };
}
