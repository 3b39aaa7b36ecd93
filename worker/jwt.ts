/**
 * Signing of tenant tokens with the stack's Ed25519 key (EdDSA, the only algorithm sqld accepts).
 * Used by the Worker and by `scripts/lib/mint-token.ts`; jose's WebCrypto build runs in workerd and Node.
 */
import { importPKCS8, SignJWT } from "jose";
import { buildScopedClaims, type ScopedClaimsInput } from "./claims";
import { deriveTenantKey, TENANT_KEY_VERSION } from "./tenant-keys";

/** CryptoKeys by PEM: importing is far slower than signing, and a key object is safe to share across requests. */
const importedKeys = new Map<string, Promise<CryptoKey>>();

let signatureCount = 0;

/** How many tokens this isolate has signed; the Worker reports it so tests can prove the token cache works. */
export function getSignatureCount(): number {
  return signatureCount;
}

export class SigningKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningKeyError";
  }
}

function importSigningKey(privateKeyPem: string): Promise<CryptoKey> {
  let key = importedKeys.get(privateKeyPem);
  if (!key) {
    key = importPKCS8(privateKeyPem, "EdDSA").catch((error: unknown) => {
      importedKeys.delete(privateKeyPem); // do not cache a failure: a fixed secret must work on the next request
      const reason = error instanceof Error ? error.message : String(error);
      throw new SigningKeyError(`JWT_PRIVATE_KEY is not a PKCS#8 PEM Ed25519 key: ${reason}`);
    });
    importedKeys.set(privateKeyPem, key);
  }
  return key;
}

/** Derived tenant keys by stack key and tenant: derivation is an HKDF and an import, signing is far cheaper. */
const tenantKeys = new Map<string, Promise<CryptoKey>>();
/** Bounds memory when many tenants pass through one isolate; evicting only costs a derivation. */
const MAX_TENANT_KEYS = 1_000;

function tenantSigningKey(stackKeyPem: string, tenant: string, version: number): Promise<CryptoKey> {
  const cacheKey = `${stackKeyPem}\0${tenant}\0${version}`;
  let key = tenantKeys.get(cacheKey);
  if (!key) {
    key = importSigningKey(stackKeyPem) // the same refusal as the shared key for a malformed secret
      .then(() => deriveTenantKey(stackKeyPem, tenant, version))
      .then((derived) => derived.privateKey);
    key.catch(() => tenantKeys.delete(cacheKey));
    if (tenantKeys.size >= MAX_TENANT_KEYS) tenantKeys.delete(tenantKeys.keys().next().value!);
    tenantKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * How tokens are signed: `shared` with the stack key itself (sqld's global key verifies them), `per-tenant` with
 * the tenant's key derived from it (worker/tenant-keys.ts; its namespace's `jwt_key` verifies them, no other does).
 */
export type SigningMode = "shared" | "per-tenant";

export interface MintedToken {
  token: string;
  /** Seconds since the epoch (the token's `exp`). */
  exp: number;
}

/** Signs a namespace-scoped token: `p` claim, always `exp`, never `aud`. */
/** `keyVersion`: the tenant's key version (auth.tenantKeyVersions), for `per-tenant` signing. */
export async function mintScopedToken(privateKeyPem: string, input: ScopedClaimsInput, mode: SigningMode = "shared", keyVersion = TENANT_KEY_VERSION): Promise<MintedToken> {
  const claims = buildScopedClaims(input);
  const key = await (mode === "per-tenant" ? tenantSigningKey(privateKeyPem, input.tenant, keyVersion) : importSigningKey(privateKeyPem));
  // SignJWT copies the payload as is; iat/exp come from our claims so the clock is the caller's.
  const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).sign(key);
  signatureCount += 1;
  return { token, exp: claims.exp };
}
