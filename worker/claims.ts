/**
 * The one definition of what a tenant token says. Shared by the Worker (which signs per request) and
 * `scripts/token.ts` (which signs for operators), so both always produce identically scoped claims.
 *
 * Pure code: no Worker, Node or jose APIs here, so it runs unchanged in workerd and in Node.
 */

/** Tenant names double as sqld namespace names; sqld only checks them for non-emptiness, so we constrain them. */
export const TENANT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Token lifetimes, in seconds. Short by default; a day at most so a leaked token does not live long. */
export const TOKEN_TTL_SECONDS = { min: 60, max: 86_400, default: 3_600 } as const;

export const ACCESS_LEVELS = ["ro", "rw"] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

/**
 * sqld's `p` claim: permission level → namespaces. When `p` is present sqld ignores the legacy `id`/`a`
 * claims. A token without `p` and `id` would have access to EVERY namespace, so we never mint one.
 */
export type NamespacePermissions = Partial<Record<Access, { ns: string[] }>>;

export interface ScopedClaims {
  p: NamespacePermissions;
  /** Seconds since the epoch. sqld checks it (60 s leeway); we always set it. */
  exp: number;
  iat: number;
}
// Deliberately no `aud`: sqld rejects every token that carries one.

export function isValidTenant(tenant: string): boolean {
  return TENANT_PATTERN.test(tenant);
}

export function isAccess(value: string): value is Access {
  return (ACCESS_LEVELS as readonly string[]).includes(value);
}

/** Returns a problem description, or undefined when the TTL is acceptable. */
export function ttlProblem(ttlSeconds: number): string | undefined {
  if (!Number.isInteger(ttlSeconds)) return `ttlSeconds must be an integer, got ${ttlSeconds}`;
  if (ttlSeconds < TOKEN_TTL_SECONDS.min || ttlSeconds > TOKEN_TTL_SECONDS.max) {
    return `ttlSeconds must be between ${TOKEN_TTL_SECONDS.min} and ${TOKEN_TTL_SECONDS.max}, got ${ttlSeconds}`;
  }
  return undefined;
}

export interface ScopedClaimsInput {
  tenant: string;
  access: Access;
  ttlSeconds: number;
  /** Seconds since the epoch; injectable so tests and callers agree on the clock. */
  nowSeconds: number;
}

/** Builds the claims for a token limited to one namespace. Throws on invalid input (callers validate first). */
export function buildScopedClaims(input: ScopedClaimsInput): ScopedClaims {
  if (!isValidTenant(input.tenant)) throw new Error(`invalid tenant name: ${JSON.stringify(input.tenant)}`);
  if (!isAccess(input.access)) throw new Error(`invalid access level: ${JSON.stringify(input.access)}`);
  const problem = ttlProblem(input.ttlSeconds);
  if (problem) throw new Error(problem);
  const iat = Math.floor(input.nowSeconds);
  return { p: { [input.access]: { ns: [input.tenant] } }, iat, exp: iat + input.ttlSeconds };
}
