import * as pulumi from "@pulumi/pulumi";
import { StackKeys } from "../infra/auth";
import { EdgeWorker } from "../infra/cloudflare/edge-worker";
import { loadStackConfig, type StackConfig, type StackPlan } from "../infra/config";
import { FlyApiApp } from "../infra/fly/api-app";
import { verifyDatabase } from "../infra/verify";
import { managedDatabase, selfHostedDatabase, type Database } from "./database";
import { schemaMigrations } from "./migrations";
import { modeSwitchCommand } from "./mode-switch";

/** What the stack exports (`pulumi stack output`). Secrets stay Pulumi secrets. */
export interface StackOutputs {
  mode: string;
  databaseUrl: pulumi.Output<string>;
  jwtPublicKeyPem: pulumi.Output<string>;
  /** How tenant tokens are signed (`npm run token` reads it): `per-tenant` or `shared`. */
  tenantKeys: string;
  /** Tenants whose key is not at version 1 (`npm run token` reads it). */
  tenantKeyVersions: Record<string, number>;
  /**
   * Self-hosted with `sqld.tenantDomain`: a tenant's URL, `{tenant}` for its name (`npm run token` reads it).
   * Absent without a tenant domain: clients then use `databaseUrl` with the `x-namespace-bin` header.
   */
  tenantUrlTemplate?: string;
  /** Signing key for `npm run token` (secret). */
  jwtPrivateKeyPem: pulumi.Output<string>;
  [key: string]: unknown;
}

function edgeWorker(config: StackConfig, plan: StackPlan, db: Database, keys: StackKeys, modeSwitch: pulumi.Resource[]): EdgeWorker | undefined {
  if (!config.worker || !plan.gateway) return undefined;
  return new EdgeWorker("gateway", {
    accountId: config.worker.accountId,
    scriptName: plan.gateway.scriptName,
    compatibilityDate: config.worker.compatibilityDate,
    dbUrl: db.publicUrl,
    dbMode: plan.mode,
    jwtPrivateKey: keys.jwtPrivateKeyPem,
    tenantKeys: plan.tenantKeys.mode,
    tenantKeyVersions: plan.tenantKeys.versions,
    primaryRegion: plan.mode === "self-hosted" ? plan.sqld.topology.primary.code : undefined,
    tenantUrlTemplate: plan.mode === "self-hosted" ? plan.sqld.tenantDomain?.urlTemplate : undefined,
    tenantDatabases: db.workerTenantDatabases,
    tenants: [...plan.namespaces.tenants],
    ...plan.gateway.exposure,
  },
  // PRIMARY_REGION must not follow a primary move that the cluster's guard refuses (issue 21 item 5): the Worker
  // would send writes to a replica. After the database is ready: on a signing key rotation sqld must verify the new
  // key (secrets, tenant namespace keys) before the Worker signs with it, or its fresh tokens would fail meanwhile.
  // During a mode switch, only once every tenant's data is on the serving side (README "Mode switch").
  { dependsOn: [...db.topologyGuard, ...db.ready, ...modeSwitch] });
}

function apiApp(config: StackConfig, plan: StackPlan, db: Database, after: pulumi.Resource[]): FlyApiApp | undefined {
  if (!config.api || !plan.api) return undefined;
  const api = config.api;
  return new FlyApiApp(
    "api",
    {
      app: api.app,
      org: plan.api.org,
      regions: api.regions,
      source: plan.api.source,
      internalPort: api.internalPort,
      healthCheck: api.healthCheck,
      minMachines: api.minMachines,
      autoStop: api.autoStop,
      strategy: plan.api.deploy.strategy,
      waitTimeout: plan.api.deploy.waitTimeout,
      databaseUrl: db.serviceUrl,
      databaseAuthToken: db.serviceToken,
      // Managed: every served database (tenants and shared, as the self-hosted token's namespaces.served).
      tenantDatabases: db.databaseTargets,
    },
    // The API deploys only after the schema it needs is in every namespace (and a mode switch has carried the data).
    { dependsOn: [...db.ready, ...after] },
  );
}

/**
 * The whole stack, from validated config to outputs. A function (not top-level code) so the plan CLI and the
 * tests can run it under mocks once per config. The mode is decided by config alone; the plan (namespaces,
 * migrations, limits, topology) was resolved once by loadStackConfig.
 */
export function defineStack(): StackOutputs {
  const { config, plan, secrets } = loadStackConfig();
  // A config holding both sides (a mode switch) keeps the other one deployed as before, never served.
  const retained = plan.retained;
  const selfHostedPlan = plan.mode === "self-hosted" ? plan : retained?.mode === "self-hosted" ? retained : undefined;
  const encrypted = selfHostedPlan?.sqld.encryptionAtRest === true;
  // The key is protected unless the stack may delete the volumes it encrypts: volumes kept without their key are lost.
  const keyDiesWithVolumes = !config.dataProtection.protect && config.dataProtection.allowVolumeDeletion;
  const keys = new StackKeys("keys", {
    ...config.auth,
    withAdminKey: selfHostedPlan !== undefined,
    ...(encrypted && { encryptionKey: { protect: !keyDiesWithVolumes } }),
  });
  // The self-hosted side first: a switch needs it rolled out before it copies, and the Turso databases wait for the
  // switch (it is made once the Turso group exists, between the group and the databases).
  const managedPlan = plan.mode === "managed" ? plan : retained?.mode === "managed" ? retained : undefined;
  const sqldSide = selfHostedPlan && selfHostedDatabase(selfHostedPlan, config.dataProtection, secrets, keys);
  let modeSwitch: pulumi.Resource[] = [];
  const switchAfterGroup =
    retained && sqldSide ? (tursoGroup: pulumi.Resource) => (modeSwitch = [modeSwitchCommand(plan, retained, { selfHosted: sqldSide, tursoGroup }, keys, secrets)]) : undefined;
  const tursoSide = managedPlan && managedDatabase(managedPlan, config.dataProtection, secrets, switchAfterGroup);
  const db = plan.mode === "self-hosted" ? sqldSide : tursoSide;
  if (!db) throw new Error("internal: the serving side's plan is missing");
  const selfHosted = plan.mode === "self-hosted";
  verifyDatabase(
    "database-verify",
    {
      url: db.publicUrl,
      namespace: db.checkNamespace,
      signingKey: selfHosted ? keys.jwtPrivateKeyPem : undefined,
      authToken: selfHosted ? undefined : db.serviceToken,
      rolloutDigest: db.rolloutDigest,
    },
    { dependsOn: db.ready },
  );
  const worker = edgeWorker(config, plan, db, keys, modeSwitch);
  const migrations = schemaMigrations(plan, db, keys, modeSwitch);
  const api = apiApp(config, plan, db, [...(migrations ? [migrations] : []), ...modeSwitch]);
  return {
    mode: plan.mode,
    databaseUrl: db.publicUrl,
    jwtPublicKeyPem: keys.jwtPublicKeyPem,
    tenantKeys: plan.tenantKeys.mode,
    tenantKeyVersions: plan.tenantKeys.versions,
    jwtPrivateKeyPem: keys.jwtPrivateKeyPem,
    // The admin key (a secret, as in state) lets `npm run status` read sqld's admin API through `fly proxy`.
    ...(selfHosted && { sqldPrivateUrl: db.serviceUrl, sqldAdminKey: keys.adminKey }),
    // Managed: `{<tenant or shared namespace>: {url, token}}` (full-access tokens, a secret) for `npm run migrate -- --stack`.
    ...(db.databaseTargets && { tursoDatabases: pulumi.secret(db.databaseTargets.apply((text) => JSON.parse(text) as Record<string, { url: string; token: string }>)) }),
    // Encrypted volumes are only as recoverable as this key: keep a copy outside the state (README "Encryption at rest").
    ...(keys.encryption && { sqldEncryptionKey: keys.encryption.key }),
    ...(plan.mode === "self-hosted" && plan.sqld.tenantDomain && { tenantUrlTemplate: plan.sqld.tenantDomain.urlTemplate }),
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
