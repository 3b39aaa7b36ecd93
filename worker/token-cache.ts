/**
 * Per-tenant database tokens for the query route, kept in module scope so one isolate signs once per
 * tenant per token lifetime instead of once per request (signing is the gateway's most expensive step).
 */
import type { Access } from "./claims";
import { mintScopedToken, type SigningMode } from "./jwt";

/** Lifetime of the tokens the gateway mints for itself. */
export const QUERY_TOKEN_TTL_SECONDS = 3_600;
/** Re-mint this long before expiry, so a token never expires between the check and sqld's verification. */
export const REFRESH_MARGIN_SECONDS = 60;

interface CachedToken {
  token: string;
  exp: number;
  /** The key that signed it: a rotated secret must not keep serving tokens signed by the old key. */
  keyPem: string;
}

const cache = new Map<string, CachedToken>();
/** Bounds memory when many tenants pass through one isolate; evicting only costs a re-sign. */
const MAX_CACHED_TENANTS = 1_000;

export async function getTenantToken(
  privateKeyPem: string,
  tenant: string,
  access: Access,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  mode: SigningMode = "shared",
  keyVersion = 1,
): Promise<string> {
  const cacheKey = `${mode}:${keyVersion}:${access}:${tenant}`;
  const cached = cache.get(cacheKey);
  if (cached && cached.keyPem === privateKeyPem && cached.exp - nowSeconds > REFRESH_MARGIN_SECONDS) {
    return cached.token;
  }
  const minted = await mintScopedToken(privateKeyPem, {
    tenant,
    access,
    ttlSeconds: QUERY_TOKEN_TTL_SECONDS,
    nowSeconds,
  }, mode, keyVersion);
  cache.delete(cacheKey); // re-insert so Map order is least-recently-minted first
  if (cache.size >= MAX_CACHED_TENANTS) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(cacheKey, { token: minted.token, exp: minted.exp, keyPem: privateKeyPem });
  return minted.token;
}
