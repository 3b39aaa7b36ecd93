import { sign, type KeyObject } from "node:crypto";

/**
 * A compact EdDSA (Ed25519) JWT, header {"alg":"EdDSA","typ":"JWT"}: the form sqld verifies against
 * SQLD_AUTH_JWT_KEY. Synchronous (node:crypto) so Pulumi `apply` callbacks and plain scripts can use it.
 */
export function signEdDsaJwt(privateKey: KeyObject, claims: Record<string, unknown>): string {
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const signingInput = `${encode({ alg: "EdDSA", typ: "JWT" })}.${encode(claims)}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString("base64url")}`;
}
