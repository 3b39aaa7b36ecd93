import * as pulumi from "@pulumi/pulumi";
import { StackKeys } from "../infra/auth";
import { loadStackConfig, type LoadedStackConfig } from "../infra/config";
import { EdgeWorker } from "../infra/cloudflare/edge-worker";
import { SqldCluster } from "../infra/sqld/cluster";
import { createSqldNamespaces } from "../infra/sqld/namespaces";

/** What the stack exports (`pulumi stack output`). Secrets stay Pulumi secrets. */
export interface StackOutputs {
  mode: string;
  databaseUrl: pulumi.Output<string>;
  jwtPublicKeyPem: pulumi.Output<string>;
  /** Signing key for `npm run token` (secret). */
  jwtPrivateKeyPem: pulumi.Output<string>;
  [key: string]: unknown;
}

/** Self-hosted database: sqld on Fly with the stack's keys. */
function selfHosted(loaded: LoadedStackConfig, keys: StackKeys) {
  const { config, secrets } = loaded;
  const fly = config.fly!; // presence checked by the config rules for self-hosted mode
  const sqld = config.sqld!;
  const cluster = new SqldCluster("sqld", {
    app: fly.app,
    org: fly.org,
    image: sqld.image,
    tag: sqld.tag,
    regions: config.regions,
    strategy: config.deploy.sqld.strategy as "rolling" | "immediate",
    waitTimeout: config.deploy.sqld.waitTimeout,
    autoStop: sqld.autoStop,
    minMachinesRunning: sqld.minMachinesRunning,
    adminKey: keys.adminKey,
    jwtKey: keys.sqldJwtKey,
    protectData: config.dataProtection.protect,
    allowVolumeDeletion: config.dataProtection.allowVolumeDeletion,
    backups: config.backups && {
      endpoint: config.backups.endpoint,
      bucket: config.backups.bucket,
      region: config.backups.region,
      databaseId: config.backups.databaseId ?? fly.app,
      accessKeyId: secrets.backupAccessKeyId!,
      secretAccessKey: secrets.backupSecretAccessKey!,
    },
  });
  if (config.tenants.length > 0) {
    createSqldNamespaces(
      "sqld-namespaces",
      {
        app: fly.app,
        namespaces: config.tenants,
        adminKey: keys.adminKey,
        protect: config.dataProtection.protect,
        allowDeletion: config.dataProtection.allowNamespaceDeletion,
        dependsOn: cluster.ready,
      },
      cluster,
    );
  }
  return { cluster, databaseUrl: cluster.publicUrl };
}

/**
 * The whole stack, from validated config to outputs. A function (not top-level code) so the plan CLI and the
 * tests can run it under mocks once per config.
 */
export function defineStack(): StackOutputs {
  const loaded = loadStackConfig();
  const { config } = loaded;
  const keys = new StackKeys("keys", config.auth);
  const db = selfHosted(loaded, keys);
  const worker =
    config.worker &&
    new EdgeWorker("gateway", {
      accountId: config.worker.accountId,
      scriptName: config.worker.scriptName ?? `${config.fly?.app ?? config.turso?.database}-gateway`,
      compatibilityDate: config.worker.compatibilityDate,
      dbUrl: db.databaseUrl,
      dbMode: config.mode,
      jwtPrivateKey: keys.jwtPrivateKeyPem,
      customDomain: config.worker.customDomain,
      route: config.worker.route,
    });
  return {
    mode: config.mode,
    databaseUrl: db.databaseUrl,
    sqldPrivateUrl: db.cluster.privateUrl,
    jwtPublicKeyPem: keys.jwtPublicKeyPem,
    jwtPrivateKeyPem: keys.jwtPrivateKeyPem,
    ...(worker && {
      gatewayScriptName: worker.scriptName,
      gatewayApiKey: worker.gatewayApiKey,
      gatewayBundleSha256: worker.bundleSha256,
      gatewayUrl: worker.url,
    }),
  };
}
