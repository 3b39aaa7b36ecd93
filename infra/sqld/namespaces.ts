import * as pulumi from "@pulumi/pulumi";
import type { local } from "@pulumi/command";
import { scriptCommand } from "../command";
import { namespaceScripts } from "./namespace-scripts";
import type { SigningMode } from "../../worker/modes";

/**
 * A tenant's size cap and suspension as sqld's namespace config holds them (`max_db_size`, `block_reads`,
 * `block_writes`, `block_reason`; libsql-server/src/http/admin/mod.rs `HttpDatabaseConfig`); built from the config's
 * `tenantSettings` by infra/config/tenant-settings.ts.
 */
export interface NamespaceSettings {
  maxDbSizeBytes?: number;
  blockReads: boolean;
  blockWrites: boolean;
  blockReason: string | null;
}

export interface SqldNamespacesArgs {
  /** The sqld Fly app. */
  app: string;
  /** Wanted namespaces (validated names, unique). Order does not matter. */
  namespaces: readonly string[];
  /** sqld admin key (secret); reaches the script as an environment variable. */
  adminKey: pulumi.Input<string>;
  /**
   * Per-tenant signing keys: `per-tenant` sets each tenant namespace's `jwt_key` to the tenant's derived key plus
   * the stack key, `shared` clears it (scripts/tenant-keys.ts). Needs `tenants` and `signingKey`.
   */
  tenantKeys?: {
    mode: SigningMode;
    tenants: readonly string[];
    signingKey: pulumi.Input<string>;
    /** The previous signing key while a rotation is not retired (StackKeys.previousJwtPrivateKeyPem). @default none */
    previousSigningKey?: pulumi.Input<string>;
    versions: Record<string, number>;
    /** Size caps and suspensions by tenant. */
    settings: Record<string, NamespaceSettings>;
  };
  /** Delete namespaces removed from config (data loss). */
  allowDeletion: boolean;
}

/**
 * Tenant namespaces, created through sqld's admin API over one `fly proxy` session. One Command for the whole
 * set (sqld has no list route): its stdout records what it manages, and the next run diffs against it.
 * `opts` carries the cluster as parent, its rollout as dependsOn, and protect/retainOnDelete for the data.
 */
export function createSqldNamespaces(name: string, args: SqldNamespacesArgs, opts: pulumi.CustomResourceOptions): local.Command {
  // Sorted so reordering tenants in YAML is not a change.
  const wanted = [...args.namespaces].sort();
  return scriptCommand(
    name,
    {
      scripts: namespaceScripts({ app: args.app, allowDeletion: args.allowDeletion }),
      environment: {
        NAMESPACES: wanted.join(" "),
        LIBSQL_ADMIN_AUTH_KEY: pulumi.secret(args.adminKey),
        ...(args.tenantKeys && {
          TENANT_KEYS: args.tenantKeys.mode,
          TENANTS: [...args.tenantKeys.tenants].sort().join(" "),
          TENANT_KEY_VERSIONS: JSON.stringify(args.tenantKeys.versions),
          TENANT_SETTINGS: JSON.stringify(args.tenantKeys.settings),
          LIBSQL_STACK_SIGNING_KEY: pulumi.secret(args.tenantKeys.signingKey),
          ...(args.tenantKeys.previousSigningKey !== undefined && { LIBSQL_STACK_PREVIOUS_SIGNING_KEY: pulumi.secret(args.tenantKeys.previousSigningKey) }),
        }),
      },
      previousStdoutInEnv: true,
      // A renamed fly.app is a replace (blocked by `protect` in prod), not an update that creates the namespaces
      // on the new app and forgets the old ones: pulumi-command v1.2.1 replaces only on `triggers` changes.
      triggers: [args.app],
    },
    opts,
  );
}
