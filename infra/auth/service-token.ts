import { createPrivateKey } from "node:crypto";
import type { NamespacePermissions } from "../../worker/claims";
import { signEdDsaJwt } from "./eddsa-jwt";

/** Length of a service-token renewal window: an `up` in a later window mints a new token. */
export const SERVICE_TOKEN_WINDOW_SECONDS = 30 * 24 * 3600;
/** Lifetime from the start of the window the token was minted in (two windows: an `up` every 30 days renews in time). */
export const SERVICE_TOKEN_LIFETIME_SECONDS = 2 * SERVICE_TOKEN_WINDOW_SECONDS;

/**
 * A JWT for a server-side service (the Fly API app) that needs every tenant namespace.
 * `exp` = start of the current 30-day window (UTC, from the epoch) + 60 days. Ed25519 signatures are deterministic
 * and there is no `iat`, so within one window the token only changes when the signing key or the tenant set
 * changes: a plain `pulumi up` does not redeploy the app. The first `up` in a new window mints a token that is
 * valid 30 more days, so the stack renews it as long as an `up` runs at least every 30 days.
 * No `aud`: sqld rejects tokens that have one.
 * Always scoped (`p`): sqld treats a token without `p`/`id` as access to every namespace.
 */
export function mintServiceToken(
  privateKeyPem: string,
  namespaces: readonly string[],
  access: "ro" | "rw" = "rw",
  nowSeconds: number = Math.floor(Date.now() / 1000),
): string {
  const permissions: NamespacePermissions = { [access]: { ns: [...namespaces].sort() } };
  const windowStart = nowSeconds - (nowSeconds % SERVICE_TOKEN_WINDOW_SECONDS);
  return signEdDsaJwt(createPrivateKey(privateKeyPem), { p: permissions, exp: windowStart + SERVICE_TOKEN_LIFETIME_SECONDS });
}
