import { createHash, createPublicKey } from "node:crypto";

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

/**
 * The value of sqld's SQLD_AUTH_JWT_KEY for verifying keys `publicKeyPems` (the signing one first). One key: the raw
 * form above. Several: sqld parses only PEM for a list, so their PEMs, each line break replaced by a space, all on
 * one line (a Fly secret holds one line). Observed on sqld 0.24.32: a two-PEM value with spaces for line breaks, set
 * as SQLD_AUTH_JWT_KEY, verifies tokens of both keys (test/sqld/signing-key-rotation.test.ts).
 */
export function sqldJwtKeyValue(publicKeyPems: readonly string[]): string {
  if (publicKeyPems.length === 0) throw new Error("sqld needs at least one JWT public key");
  if (publicKeyPems.length === 1) return ed25519PublicKeyToBase64Url(publicKeyPems[0]!);
  return publicKeyPems
    .map((pem) => {
      ed25519PublicKeyToBase64Url(pem); // refuses a non-Ed25519 key
      return pem.trim().split(/\r?\n/).join(" ");
    })
    .join(" ");
}

/**
 * A public name for sqld's encryption key: 16 hex digits of SHA-256 over a fixed label and the key. The encryption
 * guard (infra/fly/scripts/encryption-guard.ts) compares it across runs, because Fly never shows a secret's value.
 * It reveals nothing usable: the key is 64 random letters and digits (~380 bits), and 64 bits of a hash of it cannot
 * be reversed or used to test guesses of a key that large.
 */
export function encryptionKeyId(key: string): string {
  if (key.length === 0) throw new Error("sqld's encryption key is empty");
  return createHash("sha256").update("libsql-stack sqld encryption key id\0").update(key).digest("hex").slice(0, 16);
}
