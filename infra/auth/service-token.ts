import { createPrivateKey } from "node:crypto";
import type { NamespacePermissions } from "../../worker/claims";
import { signEdDsaJwt } from "./eddsa-jwt";

/**
 * A JWT for a server-side service (the Fly API app) that needs every tenant namespace.
 * Ed25519 signatures are deterministic and the claims carry no time, so the token only changes when the
 * signing key or the tenant set changes: a plain `pulumi up` does not redeploy the app.
 * No `exp`: rotate it by bumping `auth.signingKeyVersion`. No `aud`: sqld rejects tokens that have one.
 * Always scoped (`p`): sqld treats a token without `p`/`id` as access to every namespace.
 */
export function mintServiceToken(privateKeyPem: string, namespaces: readonly string[], access: "ro" | "rw" = "rw"): string {
  const permissions: NamespacePermissions = { [access]: { ns: [...namespaces].sort() } };
  return signEdDsaJwt(createPrivateKey(privateKeyPem), { p: permissions });
}
