/**
 * Database and group tokens of the Turso Platform API TEST DOUBLE (see ./index.ts): real EdDSA (Ed25519) JWTs,
 * signed with a key the double holds, so a real sqld started with its public key (SQLD_AUTH_JWT_KEY) accepts them
 * exactly as it accepts Turso's. Claims follow what sqld reads (tursodatabase/libsql
 * libsql-server/src/auth/user_auth_strategies/jwt.rs `struct Token`):
 *  - `a`: "rw" | "ro" (auth/permission.rs `Permission`, serde renames); "ro" is refused every write by sqld;
 *  - `id`: the database id for a database token: sqld's LegacyAuth then only authorizes the namespace of that
 *    name (auth/authenticated.rs `is_namespace_authorized`); group tokens carry `gid` instead (no `id`: all
 *    namespaces of the server they reach);
 *  - `exp`: seconds since the epoch (jwt.rs `mod jwt_time`: an i64; a string is "The JWT is invalid"), absent for
 *    `expiration=never` (jwt.rs removes "exp" from `required_spec_claims`); sqld allows jsonwebtoken's
 *    default 60 s leeway past it.
 * `iat` and a random `jti` make every token distinct, as Turso mints a fresh token per call.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { signEdDsaJwt } from "../../../infra/auth/eddsa-jwt";

export interface TokenSigner {
  /** Signs claims into a compact JWT (header {"alg":"EdDSA","typ":"JWT"}). */
  sign(claims: Record<string, unknown>): string;
  /** The public key as sqld takes it in SQLD_AUTH_JWT_KEY: raw 32 bytes, unpadded base64url (`sqld --help`). */
  sqldJwtKey: string;
}

export function makeTokenSigner(): TokenSigner {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { sign: (claims) => signEdDsaJwt(privateKey, claims), sqldJwtKey: publicKey.export({ format: "jwk" }).x! };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Seconds a token lives for an `expiration` query value (`never` → undefined; `2w`, `1d12h`, `30m`: summed parts),
 * as turso-docs api-reference createDatabaseToken describes it. The value was already checked by the route.
 */
export function expirationSeconds(expiration: string): number | undefined {
  if (expiration === "never") return undefined;
  let total = 0;
  for (const [, n, unit] of expiration.matchAll(/([0-9]+)([smhdw])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  return total;
}

/** The claims of a token minted now; `scope` is {id} (database) or {gid} (group). */
export function tokenClaims(scope: Record<string, string>, access: "rw" | "ro", expiration: string, nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  const ttl = expirationSeconds(expiration);
  return { a: access, iat: nowSeconds, ...scope, ...(ttl === undefined ? {} : { exp: nowSeconds + ttl }), jti: randomUUID() };
}
