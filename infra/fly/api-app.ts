import * as pulumi from "@pulumi/pulumi";
import { renderApiFlyToml } from "./api-files";
import { scriptCommand } from "../command";
import type { ApiAppSource, FlyAutoStop, FlyDeployStrategy } from "./contract";
import { appScripts, deployScripts, flySecretsImportInput, ipScripts, scaleScripts, secretsScripts } from "./scripts";

/**
 * Every setting is required: the defaults live in the config schema and the stack's plan (infra/config/plan.ts),
 * and so do the rules (a bluegreen deploy needs `healthCheck`: infra/config/rules.ts).
 */
export interface FlyApiAppArgs {
  /** Fly app name. */
  app: string;
  /** Fly organisation. */
  org: string;
  /** Regions for the machines; the first is primary_region (where `fly deploy` starts the first machine). */
  regions: string[];
  /** A pre-built image, or a Dockerfile (+ context dir) built remotely by `fly deploy`. */
  source: ApiAppSource;
  internalPort: number;
  /** Fly moves a bluegreen deploy's traffic only to machines that pass it. */
  healthCheck?: { path: string; interval: string; timeout: string; gracePeriod: string };
  minMachines: number;
  autoStop: FlyAutoStop;
  strategy: FlyDeployStrategy;
  waitTimeout: string;
  /** DATABASE_URL secret: sqld over 6PN, or the Turso URL. */
  databaseUrl: pulumi.Input<string>;
  /** DATABASE_AUTH_TOKEN secret. */
  databaseAuthToken: pulumi.Input<string>;
  /**
   * Managed mode: TENANT_DATABASES secret, JSON `{<tenant or shared namespace>: {url, token}}` of every database the
   * app serves (self-hosted needs none: one token reaches every namespace). Absent: no TENANT_DATABASES secret.
   */
  tenantDatabases?: pulumi.Input<string>;
}

/** The API app's secret holding every tenant's database (managed mode). */
const TENANT_DATABASES_SECRET = "TENANT_DATABASES";

/**
 * A stateless app on Fly that uses the database: app, DATABASE_URL/DATABASE_AUTH_TOKEN secrets (managed mode also
 * TENANT_DATABASES; stdin only), a deploy with the configured strategy (bluegreen by default in prod), one machine
 * per extra region, IPs.
 */
export class FlyApiApp extends pulumi.ComponentResource {
  readonly url: pulumi.Output<string>;
  readonly flyToml: string;

  constructor(name: string, args: FlyApiAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:fly:ApiApp", name, {}, opts);
    const { strategy } = args;
    const [primaryRegion, ...others] = args.regions;
    if (!primaryRegion) throw new pulumi.ResourceError(`${args.app}: at least one region is required`, this);
    this.flyToml = renderApiFlyToml({
      app: args.app,
      primaryRegion,
      internalPort: args.internalPort,
      healthCheck: args.healthCheck,
      minMachines: args.minMachines,
      autoStop: args.autoStop,
      strategy,
    });
    // The name in `triggers` makes a renamed api.app a replace (pulumi-command v1.2.1 common/inputs.go
    // ResourceInputs.Triggers is the only replaceOnChanges input): the new app is created, the old one destroyed
    // by the delete script stored in state. Without it the rename would be an update that leaves the old app running.
    const app = scriptCommand(`${name}-app`, { scripts: appScripts({ app: args.app, org: args.org }), triggers: [args.app] }, { parent: this });
    const withTenants = args.tenantDatabases !== undefined;
    const names = ["DATABASE_URL", "DATABASE_AUTH_TOKEN", ...(withTenants ? [TENANT_DATABASES_SECRET] : [])];
    const secrets = scriptCommand(
      `${name}-secrets`,
      {
        // Not staged: a changed value (a token rotation, a tenant added) restarts the machines with it. The values
        // change only then, so a plain `up` leaves the app alone.
        scripts: secretsScripts({ app: args.app, names, stage: false }),
        // Quoted so flyctl's parser (internal/command/secrets/parser.go parseSecrets) stores the values exactly.
        stdin: pulumi.secret(
          pulumi.all([args.databaseUrl, args.databaseAuthToken, args.tenantDatabases ?? ""]).apply(([url, token, tenants]) =>
            flySecretsImportInput([
              { name: "DATABASE_URL", value: url, source: "DATABASE_URL (the database URL)" },
              { name: "DATABASE_AUTH_TOKEN", value: token, source: "DATABASE_AUTH_TOKEN (the database token)" },
              ...(withTenants ? [{ name: TENANT_DATABASES_SECRET, value: tenants, source: "TENANT_DATABASES (every tenant's database URL and token)" }] : []),
            ]),
          ),
        ),
      },
      { parent: this, dependsOn: [app] },
    );
    const deploy = scriptCommand(
      `${name}-deploy`,
      {
        scripts: deployScripts({ app: args.app, strategy, waitTimeout: args.waitTimeout, source: args.source }),
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
