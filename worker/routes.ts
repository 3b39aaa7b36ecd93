/** Route handlers. Each gets a validated config and returns a Response or throws an HttpError. */
import { requireApiKey } from "./api-key";
import type { Access } from "./claims";
import { tenantConnection } from "./connect";
import { runStatements, type DbTarget } from "./db";
import { tenantNotFound } from "./db-errors";
import { loadConfig, misconfigured, type Env, type GatewayConfig } from "./env";
import { jsonResponse, readJsonBody } from "./http";
import { getSignatureCount, mintScopedToken } from "./jwt";
import { getTenantToken } from "./token-cache";
import { parseBody, queryRequestSchema, requireValidTenant, tokenRequestSchema } from "./validation";

/** Lets tests (and operators) see that the token cache works: it should barely move under load. */
function signatureHeader(): Record<string, string> {
  return { "x-gateway-signatures": String(getSignatureCount()) };
}

/** Shared preamble of the tenant routes: API key, then config, then the tenant name (in that order, so an
 * unauthenticated caller learns nothing about the configuration or about what names are valid). A tenant outside
 * the allow-list gets exactly the answer of a tenant whose namespace does not exist (db.ts), so callers cannot
 * probe sqld. */
function authorize(request: Request, env: Env, rawTenant: string): { config: GatewayConfig; tenant: string } {
  requireApiKey(request, env.GATEWAY_API_KEY);
  const config = loadConfig(env);
  const tenant = requireValidTenant(rawTenant);
  if (!config.tenants.has(tenant)) throw tenantNotFound(tenant);
  return { config, tenant };
}

/** Managed mode: the tenant's database and the Turso token for `access` (read-only for `ro`). */
function managedTarget(config: Extract<GatewayConfig, { mode: "managed" }>, tenant: string, access: Access): DbTarget {
  const database = config.databases.get(tenant);
  // loadConfig checked that every allowed tenant has its database.
  if (database === undefined) throw misconfigured(`no TENANT_DATABASES_<n> entry for tenant ${JSON.stringify(tenant)}`);
  return { url: database.url, authToken: access === "rw" ? database.rw : database.ro, access };
}

/** `exp` of a JWT as an ISO date, or null when it never expires (Turso's `expiration=never`). */
function jwtExpiry(token: string): string | null {
  try {
    const payload = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof payload.exp === "number" ? new Date(payload.exp * 1000).toISOString() : null;
  } catch {
    return null;
  }
}

export function handleHealth(): Response {
  return jsonResponse(200, { ok: true });
}

export async function handleMintToken(request: Request, env: Env, rawTenant: string): Promise<Response> {
  const { config, tenant } = authorize(request, env, rawTenant);
  const body = parseBody(tokenRequestSchema, await readJsonBody(request));
  if (config.mode === "managed") {
    // Turso verifies only tokens it signed, so the Worker hands out the tenant's database token the stack minted
    // (README "Managed mode: tokens"): it reaches that one database, and lives until tokenRotation, not ttlSeconds.
    const target = managedTarget(config, tenant, body.access);
    return jsonResponse(200, { token: target.authToken, expiresAt: jwtExpiry(target.authToken), url: target.url }, signatureHeader());
  }
  const minted = await mintScopedToken(config.jwtPrivateKeyPem, {
    tenant,
    access: body.access,
    ttlSeconds: body.ttlSeconds,
    nowSeconds: Math.floor(Date.now() / 1000),
  }, config.signing, config.keyVersions.get(tenant) ?? 1);
  // The token comes with where to use it: the tenant's own URL, or sqld's URL and the header naming the namespace.
  const connection = tenantConnection(tenant, { urlTemplate: config.tenantUrlTemplate, dbUrl: config.dbUrl });
  return jsonResponse(
    200,
    { token: minted.token, expiresAt: new Date(minted.exp * 1000).toISOString(), ...connection },
    signatureHeader(),
  );
}

export async function handleQuery(request: Request, env: Env, rawTenant: string): Promise<Response> {
  const { config, tenant } = authorize(request, env, rawTenant);
  const body = parseBody(queryRequestSchema, await readJsonBody(request));
  // A read-only transaction does not stop writes on sqld (a DELETE inside BEGIN TRANSACTION READONLY runs):
  // the token's `ro` permission does. Read mode therefore queries with an `ro` token, the others with `rw`.
  const access: Access = body.mode === "read" ? "ro" : "rw";
  const target: DbTarget =
    config.mode === "self-hosted"
      ? { url: config.dbUrl, authToken: await getTenantToken(config.jwtPrivateKeyPem, tenant, access, undefined, config.signing, config.keyVersions.get(tenant) ?? 1), namespace: tenant, access, primaryRegion: config.primaryRegion }
      : managedTarget(config, tenant, access);
  const results = await runStatements(target, body.statements, body.mode);
  return jsonResponse(200, { results }, signatureHeader());
}
