/** Route handlers. Each gets a validated config and returns a Response or throws an HttpError. */
import { requireApiKey } from "./api-key";
import { runStatements, type DbTarget } from "./db";
import { loadConfig, MANAGED_TENANT, type Env, type GatewayConfig } from "./env";
import { HttpError, jsonResponse, readJsonBody } from "./http";
import { getSignatureCount, mintScopedToken } from "./jwt";
import { getTenantToken } from "./token-cache";
import { parseBody, queryRequestSchema, requireValidTenant, tokenRequestSchema } from "./validation";

/** Lets tests (and operators) see that the token cache works: it should barely move under load. */
function signatureHeader(): Record<string, string> {
  return { "x-gateway-signatures": String(getSignatureCount()) };
}

/** Shared preamble of the tenant routes: config, API key, then the tenant name (in that order, so an
 * unauthenticated caller learns nothing about what names are valid). */
async function authorize(request: Request, env: Env, rawTenant: string): Promise<{ config: GatewayConfig; tenant: string }> {
  const config = loadConfig(env);
  await requireApiKey(request, config.apiKey);
  const tenant = requireValidTenant(rawTenant);
  if (config.mode === "managed" && tenant !== MANAGED_TENANT) {
    throw new HttpError(400, `in managed mode the only tenant is "${MANAGED_TENANT}" (a Turso database has no namespaces)`);
  }
  return { config, tenant };
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
  });
  return jsonResponse(
    200,
    { token: minted.token, expiresAt: new Date(minted.exp * 1000).toISOString() },
    signatureHeader(),
  );
}

export async function handleQuery(request: Request, env: Env, rawTenant: string): Promise<Response> {
  const { config, tenant } = await authorize(request, env, rawTenant);
  const body = parseBody(queryRequestSchema, await readJsonBody(request));
  const target: DbTarget =
    config.mode === "self-hosted"
      ? // The gateway is trusted with the API key, so it uses read-write tokens scoped to this one tenant.
        { url: config.dbUrl, authToken: await getTenantToken(config.jwtPrivateKeyPem, tenant, "rw"), namespace: tenant }
      : { url: config.dbUrl, authToken: config.dbToken };
  const results = await runStatements(target, body.statements, body.mode);
  return jsonResponse(200, { results }, signatureHeader());
}
