import * as pulumi from "@pulumi/pulumi";
import { scriptCommand } from "../command";
import { LEGACY_TENANT, TURSO_DEFAULT_GROUP, TURSO_DEFAULT_TOKEN_ROTATION } from "./defaults";
import {
  databaseScripts,
  databaseTokenScripts,
  groupScripts,
  parseDatabaseStdout,
  parseTokenStdout,
  type TursoScripts,
  type TursoTokenAuthorization,
} from "./scripts";

/** One database of the component: the tenant (or shared namespace) it serves and its Turso name. */
export interface TursoDatabaseEntry {
  tenant: string;
  /** Turso database name (infra/config/turso-databases.ts tursoDatabaseName); the URL becomes `libsql://<name>-<org>.turso.io`. */
  name: string;
}

export interface TursoDatabasesArgs {
  /** Turso organisation slug (`turso org list`). Required. */
  org: string;
  /** Group the databases live in; created at `location` when missing. @default "default" */
  group?: string;
  /** Location code of the group, e.g. `aws-eu-west-1` (GET /v1/locations lists them). Required. */
  location: string;
  /**
   * The databases, one per tenant. The tenant `default` keeps the resource names of the single database this
   * component managed before tenants (`<name>-database`, `<name>-token`, `<name>-read-token`), so an existing stack's
   * database is neither replaced nor re-created; every other tenant's are suffixed `-<tenant>`. Required, non-empty.
   */
  databases: readonly TursoDatabaseEntry[];
  /** Change this value to mint new database tokens; otherwise the tokens are kept across `up`s. @default "1" */
  tokenRotation?: string;
  /** What `token` may do (`readToken` is always read-only). @default "full-access" */
  tokenAuthorization?: TursoTokenAuthorization;
  /** Token lifetime: `never` or a duration such as `2w`. @default "never" */
  tokenExpiration?: string;
  /**
   * Protect the databases: `pulumi destroy`, removing a tenant and renaming a database (a replace) are refused
   * (`protect`), and a database left out of the program stays in Turso (`retainOnDelete`). Lifted by
   * `allowDeletion`, whose delete scripts still need LIBSQL_STACK_DELETE_DATA=<group> (infra/deletion-consent.ts).
   * @default true
   */
  protect?: boolean;
  /**
   * Let a delete (a tenant removed, a database renamed, `pulumi destroy`) remove the database from Turso, and the
   * group once it is empty. When false, deletes only report what they keep. @default false
   */
  allowDeletion?: boolean;
  /**
   * Turso Platform API token (a secret). Passed to the scripts through the environment, and stored (encrypted)
   * in the state so deletes can run later. @default the TURSO_API_TOKEN of the environment that runs `pulumi`
   */
  apiToken?: pulumi.Input<string>;
  /**
   * Called once the group's Command exists; the database Commands wait for what it returns besides the group: a
   * mode switch, which needs the group and may create a database with the tenant's data before the stack adopts it
   * and mints its tokens (README "Mode switch"). @default nothing
   */
  databasesAfter?: (group: pulumi.Resource) => pulumi.Resource[];
}

/** What the component outputs per database. */
export interface TursoDatabaseOutputs {
  /** `libsql://<hostname>` */
  url: pulumi.Output<string>;
  hostname: pulumi.Output<string>;
  /** Turso's id of the database (changes only if the database is re-created). */
  dbId: pulumi.Output<string>;
  /** Database token (JWT), a secret; stable until `tokenRotation` changes. */
  token: pulumi.Output<string>;
  /** A read-only token of the same database (secret), rotated with `tokenRotation` like `token`. */
  readToken: pulumi.Output<string>;
}

/** Environment for the scripts: only set when the token is given, so an ambient TURSO_API_TOKEN is not shadowed. */
export function tursoEnvironment(apiToken: pulumi.Input<string> | undefined): pulumi.Input<Record<string, pulumi.Input<string>>> | undefined {
  return apiToken === undefined ? undefined : { TURSO_API_TOKEN: pulumi.secret(apiToken) };
}

/** Resource name suffix of a tenant's children: none for `default` (the names of the pre-tenant single database). */
export function tenantSuffix(tenant: string): string {
  return tenant === LEGACY_TENANT ? "" : `-${tenant}`;
}

/** The script sets of one database, with the component's defaults applied; validates every argument. */
export function tursoScripts(args: TursoDatabasesArgs, database: string): { group: TursoScripts; database: TursoScripts; token: TursoScripts; readToken: TursoScripts } {
  const group = args.group ?? TURSO_DEFAULT_GROUP;
  const allowDeletion = args.allowDeletion ?? false;
  const tokenScripts = (authorization: TursoTokenAuthorization | undefined) =>
    databaseTokenScripts({ org: args.org, database, authorization, expiration: args.tokenExpiration, rotation: args.tokenRotation ?? TURSO_DEFAULT_TOKEN_ROTATION });
  return {
    group: groupScripts({ org: args.org, group, location: args.location, allowDeletion }),
    database: databaseScripts({ org: args.org, database, group, allowDeletion }),
    token: tokenScripts(args.tokenAuthorization),
    // Read-only: the gateway's read mode is only a transaction mode, which does not stop writes.
    readToken: tokenScripts("read-only"),
  };
}

/**
 * The Turso databases of a stack (managed mode), one per tenant, through the Turso Platform API: the group, then per
 * database the database and two database tokens (full-access and read-only), each a `local.Command` running curl
 * scripts from ./scripts.ts (no dynamic provider, no bridged Turso provider: that one re-creates tokens on every
 * deploy). Outputs each database's URL and tokens (secrets).
 */
export class TursoDatabases extends pulumi.ComponentResource {
  /** By tenant. */
  readonly databases: Record<string, TursoDatabaseOutputs>;

  constructor(name: string, args: TursoDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.databases.length === 0) throw new Error("turso databases: give at least one database");
    // Built first: invalid arguments throw (naming the field) before anything is registered.
    const scripts = args.databases.map((d) => ({ entry: d, scripts: tursoScripts(args, d.name) }));
    const tenants = new Set(args.databases.map((d) => d.tenant));
    if (tenants.size !== args.databases.length) throw new Error("turso databases: each tenant may appear once");
    super("libsql-stack:turso:Database", name, {}, opts);
    const allowDeletion = args.allowDeletion ?? false;
    const protect = (args.protect ?? true) && !allowDeletion;
    const environment = tursoEnvironment(args.apiToken);
    const group = args.group ?? TURSO_DEFAULT_GROUP;
    const rotation = args.tokenRotation ?? TURSO_DEFAULT_TOKEN_ROTATION;

    // Identity in `triggers`: pulumi-command v1.2.1 replaces a Command only when its triggers change
    // (provider/pkg/provider/common/inputs.go ResourceInputs.Triggers). A new turso.org/group/database name is then a
    // replace, which `protect` refuses in prod, instead of an update that creates a new, empty database and
    // repoints the Worker. Unprotected, the old one goes through the delete script stored in state.
    const groupCommand = scriptCommand(`${name}-group`, { scripts: scripts[0]!.scripts.group, environment, triggers: [args.org, group] }, { parent: this });
    const after = args.databasesAfter?.(groupCommand) ?? [];
    this.databases = {};
    for (const { entry, scripts: set } of scripts) {
      const suffix = tenantSuffix(entry.tenant);
      const databaseCommand = scriptCommand(`${name}-database${suffix}`, { scripts: set.database, environment, triggers: [args.org, group, entry.name] }, {
        parent: this,
        dependsOn: [groupCommand, ...after],
        protect,
        retainOnDelete: protect,
      });
      // `update` re-prints the previous token unless the rotation key changed, so only a new tokenRotation
      // (or another database/authorization/expiration) mints a token; the trigger makes that change visible.
      const tokenOf = (kind: string, tokenScripts: TursoScripts) => {
        const command = scriptCommand(
          `${name}-${kind}${suffix}`,
          { scripts: tokenScripts, environment, secretStdout: true, triggers: [args.org, entry.name, rotation] },
          { parent: this, dependsOn: [databaseCommand] },
        );
        return pulumi.secret(command.stdout.apply((stdout) => parseTokenStdout(stdout).jwt));
      };
      const database = databaseCommand.stdout.apply(parseDatabaseStdout);
      this.databases[entry.tenant] = {
        url: database.url,
        hostname: database.hostname,
        dbId: database.dbId,
        token: tokenOf("token", set.token),
        readToken: tokenOf("read-token", set.readToken),
      };
    }
    this.registerOutputs({ databases: this.databases });
  }
}
