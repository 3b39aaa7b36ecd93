import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { StackKeys } from "../infra/auth";
import { mintServiceToken } from "../infra/auth/service-token";
import type { LoadedStackConfig } from "../infra/config";
import { SqldCluster } from "../infra/sqld/cluster";
import { defaultMaxActiveNamespaces } from "../infra/sqld/files";
import { createSqldNamespaces } from "../infra/sqld/namespaces";
import { tenantKeyVersions, tenantKeysMode } from "../infra/config/tenant-keys";
import { tenantNamespaceSettings } from "../infra/config/tenant-settings";
import { TursoDatabase } from "../infra/turso";
import { sharedNamespaces } from "./migrations";

/** What the rest of the stack needs to know about the database, whichever mode made it. */
export interface Database {
  /** Public URL for the Worker and the post-deploy check. */
  publicUrl: pulumi.Output<string>;
  /** URL for the Fly API app (6PN for sqld, the Turso URL otherwise). */
  serviceUrl: pulumi.Output<string>;
  /** Token for the Fly API app (secret). */
  serviceToken: pulumi.Output<string>;
  /** Managed mode: the Turso token the Worker uses (secret). */
  workerToken?: pulumi.Output<string>;
  /** Managed mode: a read-only Turso token for the Worker's read mode (secret). */
  workerReadToken?: pulumi.Output<string>;
  /** Resources that must exist before the database answers (rollout, namespaces). */
  ready: pulumi.Resource[];
  /** Checks that must pass before anything outside the database that encodes its topology changes. */
  topologyGuard: pulumi.Resource[];
  /** Changes whenever a rollout changes what runs, so the post-deploy check runs again. */
  rolloutDigest: string;
  /** Namespace the post-deploy check queries (self-hosted: the first tenant, else `default`; "" for managed). */
  checkNamespace: string;
}

const digest = (...parts: string[]) => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);

/**
 * Self-hosted: sqld on Fly with the stack's keys, plus the tenant namespaces, the shared ones, and
 * `migrationNamespaces` (the migrator's ledger and canary, when the stack has migrations: MigrationPlan).
 */
export function selfHostedDatabase(loaded: LoadedStackConfig, keys: StackKeys, migrationNamespaces: readonly string[]): Database {
  const { config, secrets } = loaded;
  const fly = config.fly!; // presence checked by the config rules for self-hosted mode
  const sqld = config.sqld;
  const app = fly.app!;
  // What the API app's token reaches: never the migrator's own namespaces.
  const allNamespaces = [...config.tenants, ...sharedNamespaces(config)];
  const created = [...allNamespaces, ...migrationNamespaces];
  const cluster = new SqldCluster("sqld", {
    maxActiveNamespaces: sqld.maxActiveNamespaces ?? defaultMaxActiveNamespaces(created.length),
    app,
    org: fly.org,
    publicUrl: sqld.publicUrl,
    regions: config.regions,
    strategy: config.deploy.sqld.strategy as "rolling" | "immediate",
    waitTimeout: config.deploy.sqld.waitTimeout,
    autoStop: sqld.autoStop,
    minMachinesRunning: sqld.minMachinesRunning,
    adminKey: keys.adminKey!,
    jwtKey: keys.sqldJwtKey,
    protectData: config.dataProtection.protect,
    allowVolumeDeletion: config.dataProtection.allowVolumeDeletion,
    backups: config.backups && {
      endpoint: config.backups.endpoint,
      bucket: config.backups.bucket,
      region: config.backups.region,
      databaseId: config.backups.databaseId ?? app,
      batchIntervalSeconds: config.backups.batchIntervalSeconds,
      accessKeyId: secrets.backupAccessKeyId!,
      secretAccessKey: secrets.backupSecretAccessKey!,
    },
  });
  // Always in the program, even with no namespace: a protected resource that leaves the program makes `up`
  // fail ("marked for protection"), and removing tenants is the script's job (its keep/delete logic diffs the
  // previous stdout against NAMESPACES, whatever the list length). Shared namespaces (migrations.shared) are
  // created like tenants; the API app's token reaches them too. The migrator's ledger and canary are created here
  // as well (they must exist before the migrations Command), but no token outside the migrator reaches them.
  const namespaces = createSqldNamespaces(
    "sqld-namespaces",
    {
      app,
      namespaces: created,
      adminKey: keys.adminKey!,
      protect: config.dataProtection.protect,
      allowDeletion: config.dataProtection.allowNamespaceDeletion,
      tenantKeys: { mode: tenantKeysMode(config), tenants: config.tenants, signingKey: keys.jwtPrivateKeyPem, versions: tenantKeyVersions(config), settings: tenantNamespaceSettings(config) },
      dependsOn: cluster.ready,
    },
    cluster,
  );
  const ready: pulumi.Resource[] = [...cluster.ready, namespaces];
  return {
    publicUrl: cluster.publicUrl,
    serviceUrl: cluster.privateUrl,
    serviceToken: pulumi.secret(keys.jwtPrivateKeyPem.apply((pem) => mintServiceToken(pem, allNamespaces))),
    ready,
    topologyGuard: [cluster.primaryGuard],
    rolloutDigest: digest(cluster.flyToml, cluster.dockerfile),
    // No tenants: sqld's own `default` namespace, which always exists (scripts/verify-database.ts names it by header).
    checkNamespace: [...config.tenants].sort()[0] ?? "default",
  };
}

/** Managed: a Turso database; its token is minted once and kept until `turso.tokenRotation` changes. */
export function managedDatabase(loaded: LoadedStackConfig): Database {
  const { config, secrets } = loaded;
  const turso = config.turso!; // presence checked by the config rules for managed mode
  const db = new TursoDatabase("turso", {
    org: turso.org,
    group: turso.group,
    location: turso.location,
    database: turso.database,
    tokenRotation: turso.tokenRotation,
    protect: config.dataProtection.protect,
    allowDeletion: config.dataProtection.allowDatabaseDeletion,
    apiToken: secrets.tursoApiToken,
  });
  return {
    publicUrl: db.url,
    serviceUrl: db.url,
    serviceToken: db.token,
    workerToken: db.token,
    workerReadToken: db.readToken,
    ready: [db],
    topologyGuard: [],
    rolloutDigest: digest(turso.org, turso.database, turso.tokenRotation),
    checkNamespace: "",
  };
}
