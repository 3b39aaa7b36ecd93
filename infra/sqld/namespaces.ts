import * as pulumi from "@pulumi/pulumi";
import type { local } from "@pulumi/command";
import { scriptCommand } from "../command";
import { namespaceScripts } from "./namespace-scripts";
import type { NamespaceSettings } from "../config/tenant-settings";

export interface SqldNamespacesArgs {
  /** The sqld Fly app. */
  app: string;
  /** Wanted namespaces (validated names, unique). Order does not matter. */
  namespaces: string[];
  /** sqld admin key (secret); reaches the script as an environment variable. */
  adminKey: pulumi.Input<string>;
  /**
   * Per-tenant signing keys: `per-tenant` sets each tenant namespace's `jwt_key` to the tenant's derived key plus
   * the stack key, `shared` clears it (scripts/tenant-keys.ts). Needs `tenants` and `signingKey`.
   */
  tenantKeys?: {
    mode: "per-tenant" | "shared";
    tenants: string[];
    signingKey: pulumi.Input<string>;
    versions: Record<string, number>;
    /** Size caps and suspensions by tenant (infra/config/tenant-settings.ts). */
    settings: Record<string, NamespaceSettings>;
  };
  /** Protect the namespace set from `pulumi destroy`. @default true */
  protect?: boolean;
  /** Delete namespaces removed from config (data loss). @default false */
  allowDeletion?: boolean;
  /** The cluster's rollout; namespaces are created once sqld runs. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Tenant namespaces, created through sqld's admin API over one `fly proxy` session. One Command for the whole
 * set (sqld has no list route): its stdout records what it manages, and the next run diffs against it.
 */
export function createSqldNamespaces(name: string, args: SqldNamespacesArgs, parent: pulumi.Resource): local.Command {
  const protect = args.protect ?? true;
  // Sorted so reordering tenants in YAML is not a change.
  const wanted = [...args.namespaces].sort();
  return scriptCommand(
    name,
    {
      scripts: namespaceScripts({ app: args.app, allowDeletion: args.allowDeletion ?? false }),
      environment: {
        NAMESPACES: wanted.join(" "),
        LIBSQL_ADMIN_AUTH_KEY: pulumi.secret(args.adminKey),
        ...(args.tenantKeys && {
          TENANT_KEYS: args.tenantKeys.mode,
          TENANTS: [...args.tenantKeys.tenants].sort().join(" "),
          TENANT_KEY_VERSIONS: JSON.stringify(args.tenantKeys.versions),
          TENANT_SETTINGS: JSON.stringify(args.tenantKeys.settings),
          LIBSQL_STACK_SIGNING_KEY: pulumi.secret(args.tenantKeys.signingKey),
        }),
      },
      previousStdoutInEnv: true,
      // A renamed fly.app is a replace (blocked by `protect` in prod), not an update that creates the namespaces
      // on the new app and forgets the old ones: pulumi-command v1.2.1 replaces only on `triggers` changes.
      triggers: [args.app],
    },
    { parent, dependsOn: args.dependsOn, protect, retainOnDelete: protect },
  );
}
