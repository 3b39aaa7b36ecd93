/**
 * Sets each tenant namespace's signing key, size cap and suspension in sqld (scripts/lib/tenant-namespace-config.ts). Run by the `sqld-namespaces`
 * Command inside its `fly proxy` session (`--socket`), or by hand against an admin URL (`--url`).
 * Environment: LIBSQL_ADMIN_AUTH_KEY, LIBSQL_STACK_SIGNING_KEY (PKCS#8 PEM), LIBSQL_STACK_PREVIOUS_SIGNING_KEY (PKCS#8
 * PEM, optional: a rotated key not yet retired, whose tokens keep verifying), TENANTS (space-separated),
 * TENANT_KEYS (`per-tenant` sets them, `shared` clears them), TENANT_KEY_VERSIONS (JSON `{tenant: version}`, optional),
 * TENANT_SETTINGS (JSON `{tenant: NamespaceSettings}`, optional). Writes only to stderr: the Command's stdout is the
 * namespace set it manages. Exit 1 when a namespace could not be read or written, 2 on a usage error.
 */
import { parseArgs } from "node:util";
import type { NamespaceSettings } from "../infra/config/tenant-settings";
import type { AdminEndpoint } from "./lib/sqld-admin";
import { syncTenantNamespaceConfigs } from "./lib/tenant-namespace-config";

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") throw new Error(`${name} must be set`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { socket: { type: "string" }, url: { type: "string" } }, strict: true });
  let endpoint: AdminEndpoint;
  let mode: string;
  let env: { adminKey: string; stackKeyPem: string; previousStackKeyPem?: string };
  try {
    if ((values.socket === undefined) === (values.url === undefined)) throw new Error("give exactly one of --socket <path> or --url <admin url>");
    endpoint = values.socket !== undefined ? { socketPath: values.socket } : { url: values.url! };
    mode = required("TENANT_KEYS");
    if (mode !== "per-tenant" && mode !== "shared") throw new Error(`TENANT_KEYS must be per-tenant or shared, got ${JSON.stringify(mode)}`);
    const previous = process.env.LIBSQL_STACK_PREVIOUS_SIGNING_KEY;
    env = { adminKey: required("LIBSQL_ADMIN_AUTH_KEY"), stackKeyPem: required("LIBSQL_STACK_SIGNING_KEY"), previousStackKeyPem: previous?.trim() ? previous : undefined };
  } catch (error) {
    process.stderr.write(`tenant-config: ${(error as Error).message}\n`);
    return 2;
  }
  const tenants = (process.env.TENANTS ?? "").split(/\s+/).filter(Boolean);
  try {
    const versions = JSON.parse(process.env.TENANT_KEY_VERSIONS || "{}") as Record<string, number>;
    const settings = JSON.parse(process.env.TENANT_SETTINGS || "{}") as Record<string, NamespaceSettings>;
    const result = await syncTenantNamespaceConfigs({ endpoint, ...env, tenants, versions, settings, perTenant: mode === "per-tenant" });
    process.stderr.write(`tenant configs (${mode} keys): ${result.changed.length} namespace(s) written, ${result.unchanged} already right\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`tenant-config: ${(error as Error).message}\n`);
    return 1;
  }
}

main().then((code) => process.exit(code));
