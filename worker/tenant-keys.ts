/**
 * One Ed25519 signing key per tenant, derived from the stack's signing key, so that a tenant's token verifies only
 * on its own namespace (sqld's per-namespace `jwt_key` replaces the global key for that namespace:
 * libsql-server/src/namespace/mod.rs `Namespace::jwt_keys`, used by http/user auth and by the replication log's
 * rpc/replication/auth.rs `authenticate`, which checks the signature but not the token's namespace scope).
 *
 * seed(tenant) = HKDF-SHA256(ikm = the stack key's 32-byte Ed25519 seed, salt = SALT, info = "v<version>:<tenant>")
 *
 * Deterministic, so nothing per tenant is stored: the Worker, the token CLI and the deploy derive the same key.
 * WebCrypto only: runs in workerd and in Node 20.
 */

/** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410 §7): version 0, OID 1.3.101.112, then the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SALT = new TextEncoder().encode("libsql-stack tenant signing key");

/** The version the stack derives today; a new version (rotation, revocation) changes every derived key. */
export const TENANT_KEY_VERSION = 1;

export class TenantKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TenantKeyError";
  }
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The 32-byte seed of a PKCS#8 PEM Ed25519 private key (the form @pulumi/tls and `openssl genpkey` write). */
export function ed25519Seed(pkcs8Pem: string): Uint8Array<ArrayBuffer> {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pkcs8Pem);
  if (!match) throw new TenantKeyError("the signing key is not a PKCS#8 PEM (BEGIN PRIVATE KEY)");
  const der = base64ToBytes(match[1]!.replace(/\s+/g, ""));
  const prefixed = PKCS8_ED25519_PREFIX.every((b, i) => der[i] === b);
  if (!prefixed || der.length < PKCS8_ED25519_PREFIX.length + 32) throw new TenantKeyError("the signing key is not an Ed25519 PKCS#8 key");
  return der.slice(PKCS8_ED25519_PREFIX.length, PKCS8_ED25519_PREFIX.length + 32);
}

/** PKCS#8 PEM of the Ed25519 key with this seed. */
export function pkcs8PemFromSeed(seed: Uint8Array): string {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  return `-----BEGIN PRIVATE KEY-----\n${bytesToBase64(der)}\n-----END PRIVATE KEY-----\n`;
}

/** base64url without padding (RFC 7515 §2), the encoding of JWS parts and of sqld's raw `jwt_key`. */
export function base64url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A signing CryptoKey from a PKCS#8 PEM Ed25519 key (re-encoded from its seed, so v1 and v2 PKCS#8 both work). */
export function importEd25519PrivateKey(pkcs8Pem: string, extractable = false): Promise<CryptoKey> {
  const der = base64ToBytes(pkcs8PemFromSeed(ed25519Seed(pkcs8Pem)).split("\n")[1]!);
  return crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, extractable, ["sign"]);
}

export async function deriveTenantSeed(stackKeyPem: string, tenant: string, version = TENANT_KEY_VERSION): Promise<Uint8Array<ArrayBuffer>> {
  const ikm = await crypto.subtle.importKey("raw", ed25519Seed(stackKeyPem), "HKDF", false, ["deriveBits"]);
  const info = new TextEncoder().encode(`v${version}:${tenant}`);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: SALT, info }, ikm, 256));
}

export interface TenantKey {
  /** Signs the tenant's tokens (EdDSA). */
  privateKey: CryptoKey;
  /** Its PKCS#8 PEM (for tools that take a PEM, like `npm run token`). */
  privateKeyPem: string;
  /** The raw public key, base64url without padding: the form sqld's `jwt_key` takes. */
  publicKey: string;
}

export async function deriveTenantKey(stackKeyPem: string, tenant: string, version = TENANT_KEY_VERSION): Promise<TenantKey> {
  const privateKeyPem = pkcs8PemFromSeed(await deriveTenantSeed(stackKeyPem, tenant, version));
  const privateKey = await importEd25519PrivateKey(privateKeyPem, true);
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  if (typeof jwk.x !== "string") throw new TenantKeyError("the runtime did not export the derived key's public half");
  return { privateKey, privateKeyPem, publicKey: jwk.x };
}
