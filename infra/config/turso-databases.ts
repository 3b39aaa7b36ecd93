/**
 * Managed mode: one Turso database per tenant (and per `migrations.shared` namespace), named from `turso.database`.
 * Pure (no Pulumi imports), tested without mocks.
 *
 * Turso's rules, checked upstream (tursodatabase/turso-docs api-reference/openapi.json):
 *  - components/schemas/CreateDatabaseInput `name`: "Must contain only lowercase letters, numbers, dashes. No longer
 *    than 64 characters." (TURSO_DATABASE_NAME_MAX);
 *  - the database is served at its `Hostname`, "[databaseName]-[organizationSlug].turso.io" (components/schemas/
 *    Database/properties/Hostname example; CreateDatabaseOutput refers to it), so `<database>-<org>` is one DNS
 *    label: at most 63 characters (RFC 1035 §2.3.4). The stricter of the two decides.
 * Plan limits on the number of databases are not in turso-docs (`turso plan show` reports them): not checked here.
 */
import { LEGACY_TENANT } from "../turso/defaults";
import { BINDING_MAX_BYTES, MANAGED_MAX_TENANTS, WORKER_MAX_BINDINGS } from "../../worker/tenant-databases";
import { FLY_IMPORT_MAX_LINE_BYTES } from "../fly/scripts/secrets";

/** openapi.json CreateDatabaseInput.name: "No longer than 64 characters". */
export const TURSO_DATABASE_NAME_MAX = 64;
/** RFC 1035 §2.3.4: a label is 63 octets or less; `<database>-<org>` is the first label of the Hostname. */
export const DNS_LABEL_MAX = 63;

/**
 * Budget per database in the API app's TENANT_DATABASES secret (`"<tenant>":{"url":…,"token":…}`): a URL of at
 * most ~81 bytes (`libsql://` + one DNS label + `.turso.io`), one Turso JWT (~270 bytes, worker/tenant-databases.ts)
 * and the tenant's name: under 450 bytes.
 */
export const API_ENTRY_BUDGET_BYTES = 600;
/**
 * Databases (tenants and shared) whose entries surely fit TENANT_DATABASES: the value goes in one `fly secrets
 * import` line, which flyctl cuts at 64 KiB (infra/fly/scripts/secrets.ts). Neither flyctl nor fly-go documents a
 * size limit of a secret itself.
 */
export const API_MAX_DATABASES = Math.floor(FLY_IMPORT_MAX_LINE_BYTES / API_ENTRY_BUDGET_BYTES);

/** The tenant of a stack without `tenants` (infra/turso/defaults.ts says why it keeps `turso.database`'s name). */
export { LEGACY_TENANT };

/** One Turso database of the stack: what it serves and its name at Turso. */
export interface TursoTenantDatabase {
  /** The tenant or shared namespace it serves. */
  tenant: string;
  /** Its Turso database name. */
  name: string;
  /** `tenant`: served by the gateway (TENANTS); `shared`: a `migrations.shared` namespace, not served by it. */
  kind: "tenant" | "shared";
}

/**
 * The Turso database name of a tenant: `<turso.database>-<tenant>`, except `default`, which is `turso.database`
 * itself (the database of stacks made before tenants existed in managed mode, kept when tenants are added).
 */
export function tursoDatabaseName(prefix: string, tenant: string): string {
  return tenant === LEGACY_TENANT ? prefix : `${prefix}-${tenant}`;
}

/** Why `tenant`'s database name does not fit Turso's rules, or undefined. `key` is the config key to blame. */
export function tursoDatabaseNameProblem(prefix: string, tenant: string, org: string): string | undefined {
  const name = tursoDatabaseName(prefix, tenant);
  if (!/^[a-z0-9-]+$/.test(name)) return `database name "${name}" may only hold lowercase letters, digits and "-" (openapi.json CreateDatabaseInput.name)`;
  if (name.length > TURSO_DATABASE_NAME_MAX) {
    return `database name "${name}" is ${name.length} characters; Turso allows ${TURSO_DATABASE_NAME_MAX} (openapi.json CreateDatabaseInput.name): shorten the tenant or turso.database`;
  }
  const label = `${name}-${org}`;
  if (label.length > DNS_LABEL_MAX) {
    return `database host label "${label}" (<database>-<turso.org>) is ${label.length} characters; a DNS label holds ${DNS_LABEL_MAX} (RFC 1035): shorten the tenant or turso.database`;
  }
  return undefined;
}

/**
 * Every database of a managed stack, tenants first then shared namespaces, each list in config order. No tenants
 * configured → the legacy `default` tenant alone.
 */
export function tursoTenantDatabases(prefix: string, tenants: readonly string[], shared: readonly string[]): TursoTenantDatabase[] {
  const served = tenants.length > 0 ? tenants : [LEGACY_TENANT];
  return [
    ...served.map((tenant) => ({ tenant, name: tursoDatabaseName(prefix, tenant), kind: "tenant" as const })),
    ...shared.map((tenant) => ({ tenant, name: tursoDatabaseName(prefix, tenant), kind: "shared" as const })),
  ];
}

/**
 * Plan-time rules of the managed databases, as [key below libsql-stack:, message] pairs: every tenant's and shared
 * namespace's database name fits Turso (blaming the entry, or `turso.database` for the `default` tenant), and the
 * tenants' tokens fit the Worker's bindings (worker/tenant-databases.ts MANAGED_MAX_TENANTS) and, `withApi`, every
 * database's entry fits the API app's TENANT_DATABASES (API_MAX_DATABASES).
 */
export function tursoDatabaseRuleProblems(turso: { org: string; database: string }, tenants: readonly string[], shared: readonly string[], withApi = false): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const check = (tenant: string, path: (string | number)[]) => {
    const problem = tursoDatabaseNameProblem(turso.database, tenant, turso.org);
    if (problem) out.push([tenant === LEGACY_TENANT ? ["turso", "database"] : path, problem]);
  };
  if (tenants.length === 0) check(LEGACY_TENANT, ["turso", "database"]);
  tenants.forEach((t, i) => check(t, ["tenants", i]));
  shared.forEach((t, i) => check(t, ["migrations", "shared", i, "namespace"]));
  const databases = Math.max(tenants.length, 1) + shared.length;
  if (withApi && databases > API_MAX_DATABASES) {
    out.push([["api"], `managed mode hands the API app every database (${databases}: tenants and migrations.shared) in one secret, TENANT_DATABASES, which fits at most ${API_MAX_DATABASES} (fly secrets import reads a line of at most 64 KiB); use mode self-hosted, or fewer tenants`]);
  }
  if (tenants.length > MANAGED_MAX_TENANTS) {
    out.push([["tenants"], `lists ${tenants.length} tenants; managed mode serves at most ${MANAGED_MAX_TENANTS}: the gateway holds two Turso tokens per tenant in secret bindings of at most ${BINDING_MAX_BYTES} bytes, ${WORKER_MAX_BINDINGS} bindings per Worker (Cloudflare Workers limits); use mode self-hosted for more`]);
  }
  return out;
}
