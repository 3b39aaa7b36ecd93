/** Route handlers. Each gets a validated config and returns a Response or throws an HttpError. */
import { requireApiKey } from "./api-key";
import type { Access } from "./claims";
import { tenantConnection } from "./connect";
import { runStatements, type DbTarget } from "./db";
import { tenantNotFound } from "./db-errors";
import { loadConfig, misconfigured, type Env, type GatewayConfig } from "./env";
import { HttpError, jsonResponse, readJsonBody } from "./http";
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
async function authorize(request: Request, env: Env, rawTenant: string): Promise<{ config: GatewayConfig; tenant: string }> {
  await requireApiKey(request, env.GATEWAY_API_KEY);
  const config = loadConfig(env);
  const tenant = requireValidTenant(rawTenant);
  if (!config.tenants.has(tenant)) throw tenantNotFound(tenant);
  return { config, tenant };
}

function managedToken(config: Extract<GatewayConfig, { mode: "managed" }>, access: Access): string {
  if (access === "rw") return config.dbToken;
  if (config.dbReadToken === undefined) throw misconfigured('binding DB_READ_TOKEN is not set: mode "read" needs a read-only Turso token');
  return config.dbReadToken;
}

export function handleHealth(): Response {
  return jsonResponse(200, { ok: true });
}

export async function handleMintToken(request: Request, env: Env, rawTenant: string): Promise<Response> {
  const { config, tenant } = await authorize(request, env, rawTenant);
  const body = parseBody(tokenRequestSchema, await readJsonBody(request));
  if (config.mode !== "self-hosted") {
    // Turso verifies only its own tokens; a token signed with our key would be useless there.
    throw new HttpError(404, "token minting is only available in self-hosted mode");
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
  const { config, tenant } = await authorize(request, env, rawTenant);
  const body = parseBody(queryRequestSchema, await readJsonBody(request));
  // A read-only transaction does not stop writes on sqld (a DELETE inside BEGIN TRANSACTION READONLY runs):
  // the token's `ro` permission does. Read mode therefore queries with an `ro` token, the others with `rw`.
  const access: Access = body.mode === "read" ? "ro" : "rw";
  const target: DbTarget =
    config.mode === "self-hosted"
      ? { url: config.dbUrl, authToken: await getTenantToken(config.jwtPrivateKeyPem, tenant, access, undefined, config.signing, config.keyVersions.get(tenant) ?? 1), namespace: tenant, access, primaryRegion: config.primaryRegion }
      : { url: config.dbUrl, authToken: managedToken(config, access), access };
  const results = await runStatements(target, body.statements, body.mode);
  return jsonResponse(200, { results }, signatureHeader());
}
