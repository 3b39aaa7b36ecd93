/**
 * Tokens the migrator signs for itself: `p`-scoped to exactly one namespace, with `exp`, like the gateway's tenant
 * tokens (worker/claims.ts), but also for the stack's own migration namespaces, which the gateway must never reach
 * (its buildScopedClaims refuses any name outside TENANT_PATTERN, and that is why this is a separate function).
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { signEdDsaJwt } from "../auth/eddsa-jwt";
import { isValidTenant } from "../../worker/claims";
import { MIGRATION_NAMESPACES } from "./stack-namespaces";

/** Self-hosted migrator tokens live 10 minutes. */
export const MIGRATOR_TOKEN_TTL_SECONDS = 600;

const keys = new Map<string, KeyObject>();

/** A token for one namespace: a tenant or shared namespace (TENANT_PATTERN) or one of MIGRATION_NAMESPACES. */
export function migratorToken(privateKeyPem: string, namespace: string, access: "ro" | "rw", nowSeconds = Math.floor(Date.now() / 1000)): string {
  if (!isValidTenant(namespace) && !MIGRATION_NAMESPACES.includes(namespace)) throw new Error(`no migrator token for namespace ${JSON.stringify(namespace)}`);
  let key = keys.get(privateKeyPem);
  if (!key) {
    key = createPrivateKey(privateKeyPem);
    keys.set(privateKeyPem, key);
  }
  // Never without `p`: sqld gives a token with neither `p` nor `id` every namespace. Never `aud`: sqld rejects it.
  return signEdDsaJwt(key, { p: { [access]: { ns: [namespace] } }, iat: nowSeconds, exp: nowSeconds + MIGRATOR_TOKEN_TTL_SECONDS });
}
