import * as pulumi from "@pulumi/pulumi";
import type { local } from "@pulumi/command";
import { scriptCommand } from "../command";
import type { FlyDeployStrategy } from "../fly/contract";
import { appScripts, deployScripts, ipScripts, scaleScripts, secretsScripts, volumeScripts } from "../fly/scripts";
import { BACKUP_SECRET_NAMES, renderSqldDockerfile, renderSqldFlyToml, SQLD_HTTP_PORT, SQLD_VOLUME_NAME, type SqldBackupSettings } from "./files";
import { planMachines, type SqldRegion } from "./topology";

export interface SqldBackupArgs extends SqldBackupSettings {
  /** S3 access key id (secret). */
  accessKeyId: pulumi.Input<string>;
  /** S3 secret access key (secret). */
  secretAccessKey: pulumi.Input<string>;
}

export interface SqldClusterArgs {
  /** Fly app that runs sqld; becomes `<app>.fly.dev` and `<app>.internal`. */
  app: string;
  /** Fly organisation slug. @default "personal" */
  org?: string;
  /** sqld image repository. @default "ghcr.io/tursodatabase/libsql-server" */
  image?: string;
  /** Pinned sqld release tag or `sha256:` digest. */
  tag: string;
  /** One machine + one volume per region; exactly one region has role `primary`. */
  regions: SqldRegion[];
  /** `fly deploy --strategy` (volumes allow only rolling/immediate). @default "rolling" */
  strategy?: Extract<FlyDeployStrategy, "rolling" | "immediate">;
  /** `fly deploy --wait-timeout`. @default "5m0s" */
  waitTimeout?: string;
  /** Fly proxy auto stop for idle machines. @default "off" */
  autoStop?: "off" | "stop" | "suspend";
  /** @default 1 */
  minMachinesRunning?: number;
  /** sqld admin key (secret) → LIBSQL_ADMIN_AUTH_KEY. */
  adminKey: pulumi.Input<string>;
  /** Ed25519 public key, raw base64url → SQLD_AUTH_JWT_KEY. Auth is never disabled. */
  jwtKey: pulumi.Input<string>;
  /** Protect the app and volumes: `pulumi destroy` refuses, and removal leaves them in place. @default true */
  protectData?: boolean;
  /** Let a (non-protected) delete destroy volumes. @default false */
  allowVolumeDeletion?: boolean;
  /** Bottomless WAL backups to S3-compatible storage. */
  backups?: SqldBackupArgs;
}

/**
 * sqld on Fly.io: app, secrets, one volume per region, a generated root-user Dockerfile and fly.toml, a deploy,
 * per-region scaling of the `primary`/`replica` process groups, and public IPs for the HTTP service only.
 */
export class SqldCluster extends pulumi.ComponentResource {
  /** Public HTTPS endpoint (Hrana over HTTP) behind Fly's proxy. */
  readonly publicUrl: pulumi.Output<string>;
  /** 6PN endpoint for apps in the same Fly org. */
  readonly privateUrl: pulumi.Output<string>;
  readonly appName: pulumi.Output<string>;
  /** Generated files, exposed for review and tests. */
  readonly dockerfile: string;
  readonly flyToml: string;
  /** The last step of a rollout; depend on it for anything that needs a running cluster. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: SqldClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:sqld:SqldCluster", name, {}, opts);
    const protectData = args.protectData ?? true;
    const machines = planMachines(args.regions);
    const primary = machines.primary;
    const image = args.image ?? "ghcr.io/tursodatabase/libsql-server";
    this.dockerfile = renderSqldDockerfile(image, args.tag);
    this.flyToml = renderSqldFlyToml({
      app: args.app,
      image,
      tag: args.tag,
      primaryRegion: primary.code,
      hasReplicas: machines.replicas.length > 0,
      primaryVm: primary.vm,
      replicaVm: machines.replicas[0]?.vm,
      initialVolumeGb: primary.volumeSizeGb,
      autoStop: args.autoStop ?? "off",
      minMachinesRunning: args.minMachinesRunning ?? 1,
      backups: args.backups,
    });

    const stateful = { parent: this, protect: protectData, retainOnDelete: protectData };
    const app = scriptCommand(`${name}-app`, { scripts: appScripts({ app: args.app, org: args.org ?? "personal" }) }, stateful);
    const secrets = createSecrets(name, args, { parent: this, dependsOn: [app] });
    const volumes = args.regions.map((r) =>
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
            destroyOnDelete: !protectData && (args.allowVolumeDeletion ?? false),
          }),
        },
        { ...stateful, dependsOn: [app] },
      ),
    );
    const deploy = scriptCommand(
      `${name}-deploy`,
      {
        scripts: deployScripts({
          app: args.app,
          strategy: args.strategy ?? "rolling",
          waitTimeout: args.waitTimeout ?? "5m0s",
          source: { kind: "generated" },
        }),
        environment: { FLY_TOML: this.flyToml, DOCKERFILE: this.dockerfile },
      },
      { parent: this, dependsOn: [secrets, ...volumes] },
    );
    const scales = machines.placements.map((p) =>
      scriptCommand(
        `${name}-scale-${p.group}-${p.region}`,
        { scripts: scaleScripts({ app: args.app, processGroup: p.group, region: p.region, count: p.count, vmSize: p.vm.size, vmMemoryMb: p.vm.memoryMb }) },
        { parent: this, dependsOn: [deploy] },
      ),
    );
    const ips = scriptCommand(`${name}-ips`, { scripts: ipScripts({ app: args.app }) }, { parent: this, dependsOn: [deploy] });

    this.appName = pulumi.output(args.app);
    this.publicUrl = pulumi.output(`https://${args.app}.fly.dev`);
    this.privateUrl = pulumi.output(`http://${args.app}.internal:${SQLD_HTTP_PORT}`);
    this.ready = [...scales, ips];
    this.registerOutputs({ publicUrl: this.publicUrl, privateUrl: this.privateUrl, appName: this.appName });
  }
}

/** sqld's credentials as NAME=VALUE lines on stdin: never in argv, never in the script text, never logged. */
function createSecrets(name: string, args: SqldClusterArgs, opts: pulumi.CustomResourceOptions): local.Command {
  const lines: pulumi.Output<string>[] = [
    pulumi.interpolate`LIBSQL_ADMIN_AUTH_KEY=${args.adminKey}`,
    pulumi.interpolate`SQLD_AUTH_JWT_KEY=${args.jwtKey}`,
  ];
  const names = ["LIBSQL_ADMIN_AUTH_KEY", "SQLD_AUTH_JWT_KEY"];
  if (args.backups) {
    for (const secret of BACKUP_SECRET_NAMES.accessKeyId) lines.push(pulumi.interpolate`${secret}=${args.backups.accessKeyId}`);
    for (const secret of BACKUP_SECRET_NAMES.secretAccessKey) lines.push(pulumi.interpolate`${secret}=${args.backups.secretAccessKey}`);
    names.push(...BACKUP_SECRET_NAMES.accessKeyId, ...BACKUP_SECRET_NAMES.secretAccessKey);
  }
  return scriptCommand(
    `${name}-secrets`,
    {
      // Not staged: when a key rotates, Fly restarts the machines with the new value.
      scripts: secretsScripts({ app: args.app, names, stage: false }),
      stdin: pulumi.secret(pulumi.all(lines).apply((l) => `${l.join("\n")}\n`)),
    },
    opts,
  );
}
