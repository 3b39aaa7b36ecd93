/**
 * Signing of tenant tokens with the stack's Ed25519 key (EdDSA, the only algorithm sqld accepts).
 * Used by the Worker and by `scripts/lib/mint-token.ts`. A compact JWS (RFC 7515) signed with WebCrypto's Ed25519
 * (RFC 8037), which workerd and Node both provide: the signing itself is the platform's, and without a JOSE library
 * the gateway's bundle stays small (issue 19's budget). Tests verify every token with jose's `jwtVerify`.
 */
import { buildScopedClaims, type ScopedClaimsInput } from "./claims";
import { base64url, deriveTenantKey, importEd25519PrivateKey, TENANT_KEY_VERSION } from "./tenant-keys";
import type { SigningMode } from "./modes";

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
    key = Promise.resolve()
      .then(() => importEd25519PrivateKey(privateKeyPem))
      .catch((error: unknown) => {
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

/** How tokens are signed (worker/modes.ts). */
export type { SigningMode };

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
  // iat/exp come from our claims, so the clock is the caller's.
  const encode = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
  const signingInput = `${encode({ alg: "EdDSA", typ: "JWT" })}.${encode(claims)}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, new TextEncoder().encode(signingInput)));
  const token = `${signingInput}.${base64url(signature)}`;
  signatureCount += 1;
  return { token, exp: claims.exp };
}
