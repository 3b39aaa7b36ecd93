/** The Worker's bindings, and their validation into a config the routes can trust. */
import { isValidTenant, TENANT_PATTERN } from "./claims";
import { urlTemplateProblem } from "./connect";
import { HttpError } from "./http";
import type { SigningMode } from "./jwt";
import type { DbMode } from "./modes";
import { readTenantDatabases, type TenantDatabase } from "./tenant-databases";

/** Bindings as Cloudflare passes them (plain_text / secret_text are strings; absent when not configured). */
export interface Env {
  /** Database URL: sqld (`https://…`/`http://…`) or Turso (`libsql://…`). plain_text. */
  DB_URL?: string;
  /** "self-hosted" (sqld with namespaces, the default) or "managed" (Turso). plain_text. */
  DB_MODE?: string;
  /** PKCS#8 PEM Ed25519 private key used to sign tenant tokens. secret_text; self-hosted mode only. */
  JWT_PRIVATE_KEY?: string;
  /** Key callers must present as `Authorization: Bearer …`. secret_text. */
  GATEWAY_API_KEY?: string;
  /**
   * Managed: `TENANT_DATABASES_0`, `TENANT_DATABASES_1`, … (secret_text): JSON objects of tenant → {url, rw, ro},
   * each tenant's Turso database URL and its full-access and read-only database tokens (tenant-databases.ts).
   */
  [tenantDatabases: `TENANT_DATABASES_${number}`]: string | undefined;
  /**
   * The tenants callers may reach, a `json` binding holding an array of names (the stack's `tenants`; managed mode
   * without tenants: `["default"]`). Required: sqld holds namespaces that are no tenant (`default`, removed tenants kept by
   * retainOnDelete), and sqld itself tells a missing namespace (404) from an existing one (401) before any
   * token check; without the list the gateway would open every namespace to holders of the API key. Absent → 500.
   */
  TENANTS?: unknown;
  /**
   * Self-hosted: `per-tenant` signs each tenant's tokens with its own key derived from JWT_PRIVATE_KEY (the stack
   * sets that key as the tenant namespace's `jwt_key` in sqld), `shared` with JWT_PRIVATE_KEY itself. plain_text.
   * @default "shared"
   */
  TENANT_KEYS?: string;
  /**
   * Self-hosted, per-tenant keys: tenants whose key is not at version 1, e.g. `{"acme":2}` (a `json` binding; the
   * stack's auth.tenantKeyVersions). Revoking a tenant's tokens bumps its version. @default {}
   */
  TENANT_KEY_VERSIONS?: unknown;
  /**
   * Self-hosted: the Fly region of sqld's primary. Requests that may write carry `fly-prefer-region: <it>` so they
   * reach the primary (needed with per-tenant keys and replica regions). plain_text. @default unset (no header)
   */
  PRIMARY_REGION?: string;
  /**
   * Self-hosted with `sqld.tenantDomain`: where a tenant connects, `{tenant}` replaced by its name (e.g.
   * `libsql://{tenant}.db.example.com`), returned as `url` by the token route. plain_text. @default unset (the token
   * route answers DB_URL plus the `x-namespace-bin` header to send)
   */
  TENANT_URL_TEMPLATE?: string;
}

export type GatewayConfig =
  | {
      mode: "self-hosted";
      dbUrl: string;
      apiKey: string;
      jwtPrivateKeyPem: string;
      signing: SigningMode;
      /** Key version per tenant (1 when absent). */
      keyVersions: ReadonlyMap<string, number>;
      primaryRegion?: string;
      /** TENANT_URL_TEMPLATE, when tenants have their own host names. */
      tenantUrlTemplate?: string;
      tenants: ReadonlySet<string>;
    }
  | { mode: "managed"; dbUrl: string; apiKey: string; tenants: ReadonlySet<string>; databases: ReadonlyMap<string, TenantDatabase> };

/** A deployment mistake, not the caller's: reported as 500 with a message naming the binding. */
export function misconfigured(problem: string): HttpError {
  return new HttpError(500, `gateway misconfigured: ${problem}`);
}

function required(env: Env, name: keyof Env): string {
  const value = env[name];
  if (typeof value !== "string" || value.trim() === "") throw misconfigured(`binding ${name} is not set`);
  return value;
}

/** TENANTS must be a list of valid tenant names; anything else is a deploy mistake, never "allow all". */
function allowedTenants(env: Env): ReadonlySet<string> {
  const value = env.TENANTS;
  if (value === undefined || value === null) throw misconfigured("binding TENANTS is not set (json binding: array of tenant names)");
  if (!Array.isArray(value)) throw misconfigured("binding TENANTS must be a json binding holding an array of tenant names");
  for (const name of value) {
    if (typeof name !== "string" || !isValidTenant(name)) {
      throw misconfigured(`binding TENANTS holds ${JSON.stringify(name)}, not a tenant name matching ${TENANT_PATTERN.source}`);
    }
  }
  return new Set(value as string[]);
}

/**
 * Validated configs by bindings object. workerd hands every request of an isolate the same `env`, so the tenant
 * list (which may hold thousands of names, each checked against TENANT_PATTERN) is validated once per isolate
 * rather than per request; a new deploy is a new isolate with a new `env`.
 */
const validated = new WeakMap<Env, GatewayConfig>();

function primaryRegion(env: Env): string | undefined {
  const value = env.PRIMARY_REGION?.trim();
  if (!value) return undefined;
  if (!/^[a-z]{3}$/.test(value)) throw misconfigured(`PRIMARY_REGION must be a Fly region code like "ams", got ${JSON.stringify(value)}`);
  return value;
}

function tenantUrlTemplate(env: Env): string | undefined {
  const value = env.TENANT_URL_TEMPLATE?.trim();
  if (!value) return undefined;
  const problem = urlTemplateProblem(value);
  if (problem) throw misconfigured(`TENANT_URL_TEMPLATE ${problem}`);
  return value;
}

function keyVersions(env: Env): ReadonlyMap<string, number> {
  const value = env.TENANT_KEY_VERSIONS ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw misconfigured("binding TENANT_KEY_VERSIONS must be a json binding holding an object of tenant → version");
  const versions = new Map<string, number>();
  for (const [tenant, version] of Object.entries(value)) {
    if (!isValidTenant(tenant) || !Number.isInteger(version) || (version as number) < 1) {
      throw misconfigured(`binding TENANT_KEY_VERSIONS holds ${JSON.stringify(tenant)}: ${JSON.stringify(version)}, not a tenant name and a version >= 1`);
    }
    versions.set(tenant, version as number);
  }
  return versions;
}

export function loadConfig(env: Env): GatewayConfig {
  let config = validated.get(env);
  if (config === undefined) {
    config = validate(env);
    validated.set(env, config);
  }
  return config;
}

function validate(env: Env): GatewayConfig {
  const mode = env.DB_MODE ?? "self-hosted";
  const dbUrl = required(env, "DB_URL");
  if (!/^(https?|libsql):\/\//.test(dbUrl)) {
    throw misconfigured("DB_URL must start with https://, http:// or libsql://");
  }
  const apiKey = required(env, "GATEWAY_API_KEY");
  if (mode === "self-hosted") {
    const signing = env.TENANT_KEYS ?? "shared";
    if (signing !== "shared" && signing !== "per-tenant") throw misconfigured(`TENANT_KEYS must be "per-tenant" or "shared", got ${JSON.stringify(signing)}`);
    return { mode, dbUrl, apiKey, jwtPrivateKeyPem: required(env, "JWT_PRIVATE_KEY"), signing, keyVersions: keyVersions(env), primaryRegion: primaryRegion(env), tenantUrlTemplate: tenantUrlTemplate(env), tenants: allowedTenants(env) };
  }
  if (mode === "managed") {
    const tenants = allowedTenants(env);
    let databases: ReadonlyMap<string, TenantDatabase>;
    try {
      databases = readTenantDatabases(env as unknown as Record<string, unknown>);
    } catch (error) {
      throw misconfigured((error as Error).message);
    }
    // Every allowed tenant needs its database; an entry outside TENANTS stays unreachable (the allow-list decides).
    const missing = [...tenants].filter((t) => !databases.has(t));
    if (missing.length > 0) throw misconfigured(`TENANTS lists ${missing.map((t) => JSON.stringify(t)).join(", ")} but no TENANT_DATABASES_<n> binding holds its database`);
    return { mode, dbUrl, apiKey, tenants, databases };
  }
  throw misconfigured(`DB_MODE must be "self-hosted" or "managed", got ${JSON.stringify(mode)}`);
}
