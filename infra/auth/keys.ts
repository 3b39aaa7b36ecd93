import { createPublicKey } from "node:crypto";

/**
 * sqld accepts a raw Ed25519 public key as unpadded base64url. We hand sqld that form rather than the PEM
 * because it is one line: it survives `fly secrets import` (NAME=VALUE lines) and sqld does not trim input.
 */
export function ed25519PublicKeyToBase64Url(publicKeyPem: string): string {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`expected an Ed25519 public key, got ${key.asymmetricKeyType ?? "unknown"}`);
  }
  const jwk = key.export({ format: "jwk" });
  if (!jwk.x) throw new Error("Ed25519 public key has no x coordinate");
  return jwk.x; // JWK `x` is the 32-byte raw key in unpadded base64url
}
