import { createPrivateKey, sign } from "node:crypto";
import type { NamespacePermissions } from "../../worker/claims";

/**
 * A JWT for a server-side service (the Fly API app) that needs every tenant namespace.
 * Ed25519 signatures are deterministic and the claims carry no time, so the token only changes when the
 * signing key or the tenant set changes: a plain `pulumi up` does not redeploy the app.
 * No `exp`: rotate it by bumping `auth.signingKeyVersion`. No `aud`: sqld rejects tokens that have one.
 * Always scoped (`p`): sqld treats a token without `p`/`id` as access to every namespace.
 */
export function mintServiceToken(privateKeyPem: string, namespaces: readonly string[], access: "ro" | "rw" = "rw"): string {
  const permissions: NamespacePermissions = { [access]: { ns: [...namespaces].sort() } };
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const signingInput = `${encode({ alg: "EdDSA", typ: "JWT" })}.${encode({ p: permissions })}`;
  const signature = sign(null, Buffer.from(signingInput), createPrivateKey(privateKeyPem));
  return `${signingInput}.${signature.toString("base64url")}`;
}
