import * as pulumi from "@pulumi/pulumi";
import { renderApiFlyToml } from "./api-files";
import { scriptCommand } from "../command";
import type { FlyDeployStrategy } from "./contract";
import { appScripts, deployScripts, flySecretsImportInput, ipScripts, scaleScripts, secretsScripts } from "./scripts";

export interface FlyApiAppArgs {
  /** Fly app name. */
  app: string;
  /** Fly organisation. @default "personal" */
  org?: string;
  /** Regions for the machines; the first is primary_region (where `fly deploy` starts the first machine). */
  regions: string[];
  /** A pre-built image, or `dockerfile` (+ `context`) built remotely by `fly deploy`. */
  image?: string;
  dockerfile?: string;
  /** Build context for `dockerfile`. @default "." */
  context?: string;
  /** @default 8080 */
  internalPort?: number;
  /** Required for bluegreen: Fly moves traffic only to machines that pass it. */
  healthCheck?: { path: string; interval: string; timeout: string; gracePeriod: string };
  /** @default 1 */
  minMachines?: number;
  /** @default "stop" */
  autoStop?: "off" | "stop" | "suspend";
  /** @default "rolling" */
  strategy?: FlyDeployStrategy;
  /** @default "5m0s" */
  waitTimeout?: string;
  vm?: { size: string; memoryMb: number };
  /** DATABASE_URL secret: sqld over 6PN, or the Turso URL. */
  databaseUrl: pulumi.Input<string>;
  /** DATABASE_AUTH_TOKEN secret. */
  databaseAuthToken: pulumi.Input<string>;
}

/**
 * A stateless app on Fly that uses the database: app, DATABASE_URL/DATABASE_AUTH_TOKEN secrets (stdin only),
 * a deploy with the configured strategy (bluegreen by default in prod), one machine per extra region, IPs.
 */
export class FlyApiApp extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly flyToml: string;

  constructor(name: string, args: FlyApiAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:fly:ApiApp", name, {}, opts);
    const strategy = args.strategy ?? "rolling";
    if (strategy === "bluegreen" && !args.healthCheck) {
      throw new pulumi.ResourceError(`${args.app}: bluegreen deploys need a health check (set api.healthCheck)`, this);
    }
    if (!args.image === !args.dockerfile) {
      throw new pulumi.ResourceError(`${args.app}: set exactly one of image or dockerfile`, this);
    }
    const [primaryRegion, ...others] = args.regions;
    if (!primaryRegion) throw new pulumi.ResourceError(`${args.app}: at least one region is required`, this);
    this.flyToml = renderApiFlyToml({
      app: args.app,
      primaryRegion,
      internalPort: args.internalPort ?? 8080,
      healthCheck: args.healthCheck,
      minMachines: args.minMachines ?? 1,
      autoStop: args.autoStop ?? "stop",
      strategy,
    });
    // The name in `triggers` makes a renamed api.app a replace (pulumi-command v1.2.1 common/inputs.go
    // ResourceInputs.Triggers is the only replaceOnChanges input): the new app is created, the old one destroyed
    // by the delete script stored in state. Without it the rename would be an update that leaves the old app running.
    const app = scriptCommand(`${name}-app`, { scripts: appScripts({ app: args.app, org: args.org ?? "personal" }), triggers: [args.app] }, { parent: this });
    const secrets = scriptCommand(
      `${name}-secrets`,
      {
        scripts: secretsScripts({ app: args.app, names: ["DATABASE_URL", "DATABASE_AUTH_TOKEN"], stage: false }),
        // Quoted so flyctl's parser (internal/command/secrets/parser.go parseSecrets) stores the values exactly.
        stdin: pulumi.secret(
          pulumi.all([args.databaseUrl, args.databaseAuthToken]).apply(([url, token]) =>
            flySecretsImportInput([
              { name: "DATABASE_URL", value: url, source: "DATABASE_URL (the database URL)" },
              { name: "DATABASE_AUTH_TOKEN", value: token, source: "DATABASE_AUTH_TOKEN (the database token)" },
            ]),
          ),
        ),
      },
      { parent: this, dependsOn: [app] },
    );
    const source = args.image
      ? ({ kind: "image", image: args.image } as const)
      : ({ kind: "dockerfile", dockerfile: args.dockerfile!, context: args.context ?? "." } as const);
    const deploy = scriptCommand(
      `${name}-deploy`,
      {
        scripts: deployScripts({ app: args.app, strategy, waitTimeout: args.waitTimeout ?? "5m0s", source }),
        environment: { FLY_TOML: this.flyToml },
      },
      { parent: this, dependsOn: [secrets] },
    );
    // One `fly scale count` at a time: each leases every machine of the app (flyctl internal/machine/lease.go).
    let previous: pulumi.Resource = deploy;
    for (const region of others) {
      previous = scriptCommand(
        `${name}-scale-app-${region}`,
        { scripts: scaleScripts({ app: args.app, processGroup: "app", region, count: 1 }) },
        { parent: this, dependsOn: [previous] },
      );
    }
    scriptCommand(`${name}-ips`, { scripts: ipScripts({ app: args.app }) }, { parent: this, dependsOn: [deploy] });
    this.url = pulumi.output(`https://${args.app}.fly.dev`);
    this.registerOutputs({ url: this.url });
  }
}
