import * as pulumi from "@pulumi/pulumi";
import type { local } from "@pulumi/command";
import { scriptCommand } from "../command";
import type { FlyAutoStop, FlyVolumeDeployStrategy } from "../fly/contract";
import { appScripts, deployScripts, encryptionGuardScripts, flySecretsImportInput, ipScripts, primaryGuardScripts, scaleScripts, secretsScripts, volumeScripts, type SecretEntry } from "../fly/scripts";
import { shellAssignments, shellScript } from "../shell";
import { pemToSecretValue, ReplicationTls, type ReplicationTlsMaterial } from "../auth/replication-tls";
import { renderSqldDockerfile } from "./image/dockerfile";
import { renderSqldFlyToml, REPLICATION_TLS_FILES, BACKUP_SECRET_NAMES, SQLD_ENCRYPTION_KEY_SECRET, SQLD_HTTP_PORT, SQLD_VOLUME_NAME, type SqldBackupSettings } from "./files";
import { FIRST_DEPLOY_GROUPS, type MachinePlan } from "./topology";

export interface SqldBackupArgs extends SqldBackupSettings {
  /** S3 access key id (secret). */
  accessKeyId: pulumi.Input<string>;
  /** S3 secret access key (secret). */
  secretAccessKey: pulumi.Input<string>;
}

/**
 * Every setting is required: the defaults live in the config schema and the stack's plan (infra/config/plan.ts),
 * which hands them over resolved.
 */
export interface SqldClusterArgs {
  /** Fly app that runs sqld; becomes `<app>.fly.dev` and `<app>.internal`. */
  app: string;
  /** Fly organisation slug. */
  org: string;
  /** One machine + one volume per region, the primary, the scale order (infra/sqld/topology.ts planMachines). */
  topology: MachinePlan;
  /** `fly deploy --strategy` (volumes allow only rolling/immediate). */
  strategy: FlyVolumeDeployStrategy;
  /** `fly deploy --wait-timeout`. */
  waitTimeout: string;
  /** Fly proxy auto stop for idle machines. */
  autoStop: FlyAutoStop;
  minMachinesRunning: number;
  /** sqld admin key (secret) → LIBSQL_ADMIN_AUTH_KEY. */
  adminKey: pulumi.Input<string>;
  /** Ed25519 public key, raw base64url → SQLD_AUTH_JWT_KEY. Auth is never disabled. */
  jwtKey: pulumi.Input<string>;
  /** Protect the app and volumes: `pulumi destroy` refuses, and removal leaves them in place. */
  protectData: boolean;
  /** Let a (non-protected) delete destroy volumes. */
  allowVolumeDeletion: boolean;
  /** sqld `--max-active-namespaces` (see infra/sqld/files.ts defaultMaxActiveNamespaces). */
  maxActiveNamespaces: number;
  /** Bottomless WAL backups to S3-compatible storage. */
  backups?: SqldBackupArgs;
  /**
   * Encryption at rest: sqld's key (secret) → SQLD_ENCRYPTION_KEY, and its public id, which the encryption guard
   * compares across runs. Undefined: no key, and the guard refuses an app that holds one.
   */
  encryption?: { key: pulumi.Input<string>; keyId: pulumi.Input<string> };
  /** Origin (normalized) where sqld answers from outside Fly: `https://<app>.fly.dev` or an own hostname (`fly certs`). */
  publicUrl: string;
}

/**
 * sqld on Fly.io: app, secrets, one volume per region, a generated Dockerfile (hardened sqld, uid 666) and fly.toml, a deploy,
 * per-region scaling of the `primary`/`replica` process groups, and public IPs for the HTTP service only.
 */
export class SqldCluster extends pulumi.ComponentResource {
  /** Public HTTPS endpoint (Hrana over HTTP) behind Fly's proxy. */
  readonly publicUrl: pulumi.Output<string>;
  /**
   * 6PN endpoint for apps in the same Fly org: the primary's process group (Fly's `<group>.process.<app>.internal`
   * name), so an app's writes never go through a replica, which sqld 0.24.32 cannot forward for a namespace with
   * its own signing key (infra/config/tenant-keys.ts).
   */
  readonly privateUrl: pulumi.Output<string>;
  readonly appName: pulumi.Output<string>;
  /** Generated files, exposed for review and tests. */
  readonly dockerfile: string;
  readonly flyToml: string;
  /** The last step of a rollout; depend on it for anything that needs a running cluster. */
  readonly ready: pulumi.Resource[];
  /**
   * The check that the primary still runs in the configured region. Anything outside the cluster that encodes the
   * region topology (the Worker's PRIMARY_REGION) depends on it, so a refused primary move changes nothing anywhere.
   */
  readonly primaryGuard: pulumi.Resource;
  /** The check that the app's data can be read with the configured key (or without one); see encryption-guard.ts. */
  readonly encryptionGuard: pulumi.Resource;
  /** The public IPs step: the app is deployed and reachable at `<app>.fly.dev` once it ran (a certificate needs it). */
  readonly publicIps: pulumi.Resource;

  constructor(name: string, args: SqldClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:sqld:SqldCluster", name, {}, opts);
    const { protectData, topology: machines } = args;
    const primary = machines.primary;
    // Always the one pinned, hardened release (infra/sqld/image/hardened-sqld.ts): nothing to choose per stack.
    this.dockerfile = renderSqldDockerfile();
    this.flyToml = renderSqldFlyToml({
      app: args.app,
      primaryRegion: primary.code,
      hasReplicas: machines.replicas.length > 0,
      primaryVm: primary.vm,
      replicaVm: machines.replicas[0]?.vm,
      initialVolumeGb: primary.volumeSizeGb,
      autoStop: args.autoStop,
      minMachinesRunning: args.minMachinesRunning,
      backups: args.backups,
      maxActiveNamespaces: args.maxActiveNamespaces,
    });

    const stateful = { parent: this, protect: protectData, retainOnDelete: protectData };
    // pulumi-command v1.2.1 replaces a Command only when `triggers` change (provider/pkg/provider/common/inputs.go
    // ResourceInputs.Triggers `provider:"replaceOnChanges"`); any other input change is an update that re-runs
    // `create`. The app name in `triggers` makes a renamed fly.app a replace, which `protect` refuses in prod,
    // instead of an update that would create a new, empty app and orphan the data.
    const identity = [args.app];
    const allowVolumeDeletion = !protectData && args.allowVolumeDeletion;
    const appCommandScripts = appScripts({ app: args.app, org: args.org, holdsData: true });
    const app = scriptCommand(
      `${name}-app`,
      {
        // `fly apps destroy` also destroys the app's volumes: only when volume deletion is allowed.
        scripts: allowVolumeDeletion ? appCommandScripts : { ...appCommandScripts, delete: keepAppScript(args.app) },
        triggers: identity,
      },
      stateful,
    );
    // Replication mTLS: the CA and certificates become Fly secrets that fly.toml [[files]] writes into the machines.
    const replicationTls = new ReplicationTls(`${name}-replication-tls`, { parent: this });
    // First Fly step after the app exists: refuse a moved primary before anything on Fly changes (issue 21 item 5).
    const primaryGuard = scriptCommand(
      `${name}-primary-guard`,
      { scripts: primaryGuardScripts({ app: args.app, group: "primary", region: primary.code, configKey: `libsql-stack:regions[${machines.primaryIndex}].role` }) },
      { parent: this, dependsOn: [app] },
    );
    this.primaryGuard = primaryGuard;
    // Next: refuse an encryption change the data on the volumes cannot follow (encryption-guard.ts), before the
    // volumes are made (a first encrypted `up` must see none) and before the secrets change.
    const encryptionGuard = scriptCommand(
      `${name}-encryption-guard`,
      {
        scripts: encryptionGuardScripts({
          app: args.app,
          encrypted: args.encryption !== undefined,
          secret: SQLD_ENCRYPTION_KEY_SECRET,
          volumeName: SQLD_VOLUME_NAME,
          configKey: "libsql-stack:sqld.encryptionAtRest",
        }),
        environment: { ENCRYPTION_KEY_ID: args.encryption?.keyId ?? "" },
        previousStdoutInEnv: true,
      },
      { parent: this, dependsOn: [app] },
    );
    this.encryptionGuard = encryptionGuard;
    const volumes = machines.regions.map((r) =>
      scriptCommand(
        `${name}-volume-${r.code}`,
        {
          scripts: volumeScripts({
            app: args.app,
            volumeName: SQLD_VOLUME_NAME,
            region: r.code,
            sizeGb: r.volumeSizeGb,
            count: 1,
            vmSize: r.vm.size,
            vmMemoryMb: r.vm.memoryMb,
            destroyOnDelete: allowVolumeDeletion,
          }),
          triggers: identity,
        },
        { ...stateful, dependsOn: [primaryGuard, encryptionGuard] },
      ),
    );
    // A non-staged `fly secrets import` is a restart of every machine (flyctl secrets.go DeploySecrets, RestartOnly):
    // it runs alone, after the volumes and before the deploy, so no two Fly operations restart machines at once.
    const secrets = createSecrets(name, args, replicationTls, { parent: this, dependsOn: [primaryGuard, encryptionGuard, ...volumes] });
    const deploy = scriptCommand(
      `${name}-deploy`,
      {
        scripts: deployScripts({
          app: args.app,
          strategy: args.strategy,
          waitTimeout: args.waitTimeout,
          firstDeployGroups: [...FIRST_DEPLOY_GROUPS],
          source: { kind: "generated" },
        }),
        environment: { FLY_TOML: this.flyToml, DOCKERFILE: this.dockerfile },
      },
      { parent: this, dependsOn: [secrets, ...volumes] },
    );
    // One at a time: each `fly scale count` leases every machine of the app and a concurrent one fails after the
    // lease retry (flyctl internal/machine/lease.go AcquireLeases). dependsOn only orders: a change to one region's
    // Command re-runs that Command alone.
    const scales: local.Command[] = [];
    for (const p of machines.placements) {
      const previous = scales[scales.length - 1] ?? deploy;
      scales.push(
        scriptCommand(
          `${name}-scale-${p.group}-${p.region}`,
          { scripts: scaleScripts({ app: args.app, processGroup: p.group, region: p.region, count: p.count }) },
          { parent: this, dependsOn: [previous] },
        ),
      );
    }
    const ips = scriptCommand(`${name}-ips`, { scripts: ipScripts({ app: args.app }) }, { parent: this, dependsOn: [deploy] });

    this.appName = pulumi.output(args.app);
    this.publicUrl = pulumi.output(args.publicUrl);
    this.privateUrl = pulumi.output(`http://primary.process.${args.app}.internal:${SQLD_HTTP_PORT}`);
    this.publicIps = ips;
    this.ready = [...scales, ips];
    this.registerOutputs({ publicUrl: this.publicUrl, privateUrl: this.privateUrl, appName: this.appName });
  }
}

/**
 * Delete script of the app Command while volumes must be kept. A delete runs the script stored in state
 * (pulumi-command provider/pkg/provider/local/commandController.go Command.Delete uses req.State), so turning
 * dataProtection.allowVolumeDeletion on takes effect only after an `up` has stored the destroying script.
 */
function keepAppScript(app: string): string {
  return shellScript([
    ...shellAssignments({ app }),
    'printf "Keeping Fly app %s and its volumes (dataProtection.allowVolumeDeletion is false); destroy it with: fly apps destroy %s\\n" "$app" "$app" >&2',
  ]);
}

/**
 * sqld's credentials on stdin: never in argv, never in the script text, never logged. Each line is quoted so that
 * flyctl's import parser stores the value exactly (infra/fly/scripts/secrets.ts flySecretImportLine, after
 * superfly/flyctl internal/command/secrets/parser.go parseSecrets), or the update fails naming the config key.
 */
function createSecrets(name: string, args: SqldClusterArgs, replicationTls: ReplicationTlsMaterial, opts: pulumi.CustomResourceOptions): local.Command {
  const entries: pulumi.Output<SecretEntry>[] = [
    pulumi.output(args.adminKey).apply((value) => ({ name: "LIBSQL_ADMIN_AUTH_KEY", value, source: "libsql-stack:auth.adminKeyVersion (generated admin key)" })),
    pulumi.output(args.jwtKey).apply((value) => ({ name: "SQLD_AUTH_JWT_KEY", value, source: "libsql-stack:auth.signingKeyVersion (generated public key)" })),
  ];
  const names = ["LIBSQL_ADMIN_AUTH_KEY", "SQLD_AUTH_JWT_KEY"];
  if (args.backups) {
    // The same S3 keys for the WAL backups (bottomless) and the namespace list (meta store): sqld reads each pair
    // under its own names.
    for (const secret of BACKUP_SECRET_NAMES.accessKeyId) {
      entries.push(pulumi.output(args.backups.accessKeyId).apply((value) => ({ name: secret, value, source: "libsql-stack:backupAccessKeyId" })));
    }
    for (const secret of BACKUP_SECRET_NAMES.secretAccessKey) {
      entries.push(pulumi.output(args.backups.secretAccessKey).apply((value) => ({ name: secret, value, source: "libsql-stack:backupSecretAccessKey" })));
    }
    names.push(...BACKUP_SECRET_NAMES.accessKeyId, ...BACKUP_SECRET_NAMES.secretAccessKey);
  }
  if (args.encryption) {
    entries.push(pulumi.output(args.encryption.key).apply((value) => ({ name: SQLD_ENCRYPTION_KEY_SECRET, value, source: "libsql-stack:sqld.encryptionAtRest (generated key)" })));
    names.push(SQLD_ENCRYPTION_KEY_SECRET);
  }
  const f = REPLICATION_TLS_FILES;
  const tlsFiles: [string, pulumi.Output<string>][] = [
    [f.ca.secret, replicationTls.caCertPem],
    [f.serverCert.secret, replicationTls.serverCertPem],
    [f.serverKey.secret, replicationTls.serverKeyPem],
    [f.clientCert.secret, replicationTls.clientCertPem],
    [f.clientKey.secret, replicationTls.clientKeyPem],
  ];
  for (const [secret, pem] of tlsFiles) {
    // base64: one line, no characters flyctl's import parser treats specially; [[files]] decodes it on the machine.
    entries.push(pem.apply((value) => ({ name: secret, value: pemToSecretValue(value), source: "replication TLS (generated)" })));
    names.push(secret);
  }
  return scriptCommand(
    `${name}-secrets`,
    {
      // Not staged: when a key rotates, Fly restarts the machines with the new value.
      scripts: secretsScripts({ app: args.app, names, stage: false }),
      stdin: pulumi.secret(pulumi.all(entries).apply(flySecretsImportInput)),
    },
    opts,
  );
}
