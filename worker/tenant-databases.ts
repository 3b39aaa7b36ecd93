/**
 * Managed mode: where each tenant's Turso database is and the two database tokens the Worker uses for it, held in
 * secret_text bindings `TENANT_DATABASES_0`, `TENANT_DATABASES_1`, … (one JSON object each, tenant → credentials).
 *
 * Why several bindings: Cloudflare caps each Worker environment variable (secrets included) at 5 KB and a Worker at
 * 64 of them on Workers Free, 128 on Paid (developers.cloudflare.com/workers/platform/limits/ "Environment
 * variables"). A tenant's entry (URL, a full-access and a read-only Turso JWT) is about 700 bytes, so one binding
 * holds a handful of tenants; the stack groups them (tenantBindingGroups) and the Worker merges every binding.
 *
 * Every token here is a Turso *database* token (POST /v1/organizations/{org}/databases/{db}/auth/tokens, openapi.json
 * createDatabaseToken): it reaches that one database and cannot create or delete databases (only a Platform API
 * token can, and the Worker has none).
 */

/** What the Worker holds for one tenant. */
export interface TenantDatabase {
  /** `libsql://<hostname>` of the tenant's database. */
  url: string;
  /** Full-access database token (writes, mode "write"/"deferred"). */
  rw: string;
  /** Read-only database token (mode "read", and `access: "ro"` tokens handed out). */
  ro: string;
}

/** Binding names: `TENANT_DATABASES_<n>`, n from 0. */
export const TENANT_DATABASES_PREFIX = "TENANT_DATABASES_";
const BINDING_NAME = /^TENANT_DATABASES_(0|[1-9][0-9]{0,2})$/;

/** Cloudflare: "Environment variable size 5 KB" (limits page above); 5,000 bytes to stay inside either reading of KB. */
export const BINDING_MAX_BYTES = 5_000;
/** Cloudflare: 64 environment variables per Worker on Workers Free (128 on Paid); the smaller bound is the safe one. */
export const WORKER_MAX_BINDINGS = 64;
/** Bindings a managed Worker has besides these (DB_URL, DB_MODE, TENANT_KEYS, JWT_PRIVATE_KEY, GATEWAY_API_KEY, TENANTS, TENANT_KEY_VERSIONS). */
export const OTHER_BINDINGS = 7;
/** Budget per tenant for the plan-time count (measured entries are ~700 bytes: two ~270-byte JWTs and a URL). */
export const ENTRY_BUDGET_BYTES = 1_000;
/** Tenants a managed stack may have so their entries surely fit the Worker's bindings. */
export const MANAGED_MAX_TENANTS = Math.floor(BINDING_MAX_BYTES / ENTRY_BUDGET_BYTES) * (WORKER_MAX_BINDINGS - OTHER_BINDINGS);

/** Tenants per binding: what the budget lets one binding hold, so the binding count follows from the config alone. */
export const TENANTS_PER_BINDING = Math.floor(BINDING_MAX_BYTES / ENTRY_BUDGET_BYTES);

const byteLength = (text: string) => new TextEncoder().encode(text).length;

/**
 * The tenants of each `TENANT_DATABASES_<n>` binding: sorted (reordering tenants in YAML changes nothing), then
 * TENANTS_PER_BINDING at a time. Known at plan time: the preview shows every binding the Worker will get.
 */
export function tenantBindingGroups(tenants: readonly string[]): string[][] {
  const sorted = [...tenants].sort();
  const groups: string[][] = [];
  for (let i = 0; i < sorted.length; i += TENANTS_PER_BINDING) groups.push(sorted.slice(i, i + TENANTS_PER_BINDING));
  return groups;
}

/** One binding's JSON text; throws (naming the tenants, never a token) when it is over Cloudflare's size limit. */
export function tenantDatabasesText(entries: Record<string, TenantDatabase>, maxBytes = BINDING_MAX_BYTES): string {
  const text = JSON.stringify(Object.fromEntries(Object.keys(entries).sort().map((t) => [t, entries[t]!])));
  const bytes = byteLength(text);
  if (bytes > maxBytes) {
    throw new Error(`the database tokens of tenants ${Object.keys(entries).sort().join(", ")} take ${bytes} bytes, over Cloudflare's ${maxBytes}-byte limit of a Worker binding`);
  }
  return text;
}

const isEntry = (v: unknown): v is TenantDatabase => {
  const o = v as Partial<Record<keyof TenantDatabase, unknown>> | null;
  return typeof o === "object" && o !== null && typeof o.url === "string" && /^(libsql|https?):\/\//.test(o.url) && typeof o.rw === "string" && o.rw !== "" && typeof o.ro === "string" && o.ro !== "";
};

/**
 * Reads every `TENANT_DATABASES_<n>` binding of `env`. Throws a message naming the binding (never its content: it is
 * a secret) when one is not a JSON object of valid entries or names a tenant twice.
 */
export function readTenantDatabases(env: Record<string, unknown>): Map<string, TenantDatabase> {
  const all = new Map<string, TenantDatabase>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(TENANT_DATABASES_PREFIX)) continue;
    if (!BINDING_NAME.test(name)) throw new Error(`binding ${name} is not named TENANT_DATABASES_<n>`);
    let parsed: unknown;
    try {
      parsed = typeof value === "string" ? JSON.parse(value) : value;
    } catch {
      throw new Error(`binding ${name} is not JSON`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error(`binding ${name} must be a JSON object of tenant → {url, rw, ro}`);
    for (const [tenant, entry] of Object.entries(parsed)) {
      if (!isEntry(entry)) throw new Error(`binding ${name} holds an invalid entry for ${JSON.stringify(tenant)} (needs url, rw and ro)`);
      if (all.has(tenant)) throw new Error(`binding ${name} names tenant ${JSON.stringify(tenant)} a second time`);
      all.set(tenant, entry);
    }
  }
  return all;
}
