import * as pulumi from "@pulumi/pulumi";
import { scriptCommand } from "../command";
import { TURSO_DEFAULT_GROUP, TURSO_DEFAULT_TOKEN_ROTATION } from "./defaults";
import {
  databaseScripts,
  databaseTokenScripts,
  groupScripts,
  parseDatabaseStdout,
  parseTokenStdout,
  type TursoScripts,
  type TursoTokenAuthorization,
} from "./scripts";

export interface TursoDatabaseArgs {
  /** Turso organisation slug (`turso org list`). Required. */
  org: string;
  /** Group the database lives in; created at `location` when missing. @default "default" */
  group?: string;
  /** Location code of the group, e.g. `aws-eu-west-1` (GET /v1/locations lists them). Required. */
  location: string;
  /** Database name; the URL becomes `libsql://<database>-<org>.turso.io`. Required. */
  database: string;
  /** Change this value to mint a new database token; otherwise the token is kept across `up`s. @default "1" */
  tokenRotation?: string;
  /** What the token may do. @default "full-access" */
  tokenAuthorization?: TursoTokenAuthorization;
  /** Token lifetime: `never` or a duration such as `2w`. @default "never" */
  tokenExpiration?: string;
  /**
   * Protect the database: `pulumi destroy` refuses (`protect`) and removing it from the program leaves it in
   * Turso (`retainOnDelete`). @default true
   */
  protect?: boolean;
  /**
   * Let a delete (of an unprotected database) remove it from Turso, and remove the group once it is empty.
   * When false, deletes only report what they keep. @default false
   */
  allowDeletion?: boolean;
  /**
   * Turso Platform API token (a secret). Passed to the scripts through the environment, and stored (encrypted)
   * in the state so deletes can run later. @default the TURSO_API_TOKEN of the environment that runs `pulumi`
   */
  apiToken?: pulumi.Input<string>;
}

/** Environment for the scripts: only set when the token is given, so an ambient TURSO_API_TOKEN is not shadowed. */
export function tursoEnvironment(apiToken: pulumi.Input<string> | undefined): pulumi.Input<Record<string, pulumi.Input<string>>> | undefined {
  return apiToken === undefined ? undefined : { TURSO_API_TOKEN: pulumi.secret(apiToken) };
}

/** The script sets, with the component's defaults applied; validates every argument. */
export function tursoScripts(args: TursoDatabaseArgs): { group: TursoScripts; database: TursoScripts; token: TursoScripts; readToken: TursoScripts } {
  const group = args.group ?? TURSO_DEFAULT_GROUP;
  const allowDeletion = args.allowDeletion ?? false;
  const tokenScripts = (authorization: TursoTokenAuthorization | undefined) =>
    databaseTokenScripts({ org: args.org, database: args.database, authorization, expiration: args.tokenExpiration, rotation: args.tokenRotation ?? TURSO_DEFAULT_TOKEN_ROTATION });
  return {
    group: groupScripts({ org: args.org, group, location: args.location, allowDeletion }),
    database: databaseScripts({ org: args.org, database: args.database, group, allowDeletion }),
    token: tokenScripts(args.tokenAuthorization),
    // Read-only: the gateway's read mode is only a transaction mode, which does not stop writes.
    readToken: tokenScripts("read-only"),
  };
}

/**
 * A Turso database (managed mode) through the Turso Platform API: its group, the database and one database
 * token, each a `local.Command` running curl scripts from ./scripts.ts (no dynamic provider, no bridged Turso
 * provider: that one re-creates tokens on every deploy). Outputs the libSQL URL and the token (a secret).
 */
export class TursoDatabase extends pulumi.ComponentResource {
  /** `libsql://<hostname>` */
  readonly url: pulumi.Output<string>;
  readonly hostname: pulumi.Output<string>;
  /** Turso's id of the database (changes only if the database is re-created). */
  readonly dbId: pulumi.Output<string>;
  /** Database token (JWT), a secret; stable until `tokenRotation` changes. */
  readonly token: pulumi.Output<string>;
  /** A read-only token of the same database (secret), rotated with `tokenRotation` like `token`. */
  readonly readToken: pulumi.Output<string>;

  constructor(name: string, args: TursoDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    // Built first: invalid arguments throw (naming the field) before anything is registered.
    const scripts = tursoScripts(args);
    super("libsql-stack:turso:Database", name, {}, opts);
    const protect = args.protect ?? true;
    const environment = tursoEnvironment(args.apiToken);

    const group = args.group ?? TURSO_DEFAULT_GROUP;
    // Identity in `triggers`: pulumi-command v1.2.1 replaces a Command only when its triggers change
    // (provider/pkg/provider/common/inputs.go ResourceInputs.Triggers). A new turso.org/group/database is then a
    // replace, which `protect` refuses in prod, instead of an update that creates a new, empty database and
    // repoints the Worker. Unprotected, the old one is deleted by the delete script stored in state.
    const groupCommand = scriptCommand(`${name}-group`, { scripts: scripts.group, environment, triggers: [args.org, group] }, { parent: this });
    const databaseCommand = scriptCommand(`${name}-database`, { scripts: scripts.database, environment, triggers: [args.org, group, args.database] }, {
      parent: this,
      dependsOn: [groupCommand],
      protect,
      retainOnDelete: protect,
    });
    // `update` re-prints the previous token unless the rotation key changed, so only a new tokenRotation
    // (or another database/authorization/expiration) mints a token; the trigger makes that change visible.
    const tokenOf = (suffix: string, tokenScripts: TursoScripts) => {
      const command = scriptCommand(
        `${name}-${suffix}`,
        { scripts: tokenScripts, environment, secretStdout: true, triggers: [args.org, args.database, args.tokenRotation ?? TURSO_DEFAULT_TOKEN_ROTATION] },
        { parent: this, dependsOn: [databaseCommand] },
      );
      return pulumi.secret(command.stdout.apply((stdout) => parseTokenStdout(stdout).jwt));
    };

    const database = databaseCommand.stdout.apply(parseDatabaseStdout);
    this.url = database.url;
    this.hostname = database.hostname;
    this.dbId = database.dbId;
    this.token = tokenOf("token", scripts.token);
    this.readToken = tokenOf("read-token", scripts.readToken);

    this.registerOutputs({ url: this.url, hostname: this.hostname, dbId: this.dbId, token: this.token });
  }
}
