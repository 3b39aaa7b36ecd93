/**
 * libsql-stack edge gateway (Cloudflare Worker, ES module).
 *
 *   GET  /health                      → {"ok":true}
 *   POST /v1/tenants/:tenant/token    {access:"ro"|"rw", ttlSeconds?}            → {token, expiresAt, url, namespaceHeader?, note?}
 *   POST /v1/tenants/:tenant/query    {statements:[{sql,args?}], mode?}          → {results:[…]}
 *
 * Tenant routes need `Authorization: Bearer <GATEWAY_API_KEY>`. Errors are `{error, code?}` JSON: 4xx for the
 * caller's mistakes (including SQL errors), 502/503 when the database fails, 500 only for a broken deploy.
 * Only tenants in TENANTS are reachable; any other name, and a tenant whose namespace is missing, get the same
 * 404 TENANT_NOT_FOUND. mode "read" queries with a read-only token: a write is 403 READ_ONLY.
 * `url` is the tenant's own URL (TENANT_URL_TEMPLATE); without one, DB_URL plus the `namespaceHeader` to send
 * (connect.ts). In managed mode (Turso) each tenant is its own database (TENANT_DATABASES_<n>) and the token route
 * returns its database token and URL. See env.ts for bindings.
 */
import type { Env } from "./env";
import { errorResponse, HttpError } from "./http";
import { SigningKeyError } from "./jwt";
import { handleHealth, handleMintToken, handleQuery } from "./routes";

export type { Env } from "./env";

type Handler = (request: Request, env: Env, tenant: string) => Promise<Response> | Response;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

// The tenant segment is captured loosely ([^/]*) so a bad name gets a 400 explaining the rule, not a 404.
const routes: Route[] = [
  { pattern: /^\/health$/, methods: { GET: () => handleHealth() } },
  { pattern: /^\/v1\/tenants\/([^/]*)\/token$/, methods: { POST: handleMintToken } },
  { pattern: /^\/v1\/tenants\/([^/]*)\/query$/, methods: { POST: handleQuery } },
];

async function route(request: Request, env: Env): Promise<Response> {
  const { pathname } = new URL(request.url);
  for (const { pattern, methods } of routes) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    const handler = methods[request.method];
    if (!handler) {
      const allow = Object.keys(methods).join(", ");
      throw new HttpError(405, `method ${request.method} not allowed on ${pathname}; use ${allow}`, { allow });
    }
    return handler(request, env, match[1] ?? "");
  }
  throw new HttpError(404, `no route for ${request.method} ${pathname}`);
}

function toErrorResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    // A broken deploy: only callers past the API key see this; the operator reads it in `wrangler tail`.
    if (error.status === 500) console.error(`gateway: ${error.message}`);
    return errorResponse(error);
  }
  if (error instanceof SigningKeyError) {
    console.error(`gateway misconfigured: ${error.message}`);
    return errorResponse(new HttpError(500, `gateway misconfigured: ${error.message}`));
  }
  // Unexpected: log the details for `wrangler tail`, answer without internals (no message, no stack).
  console.error("gateway: unexpected error", error);
  return errorResponse(new HttpError(502, "upstream failure", {}, "GATEWAY_INTERNAL_ERROR"));
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await route(request, env);
    } catch (error) {
      return toErrorResponse(error);
    }
  },
};
