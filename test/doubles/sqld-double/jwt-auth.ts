/**
 * TEST DOUBLE of sqld's JWT authentication (libsql-server auth/user_auth_strategies/jwt.rs), same rules:
 * - EdDSA only; key = PEM `PUBLIC KEY` block(s) (a PRIVATE KEY block is refused) or a raw Ed25519 key as
 *   unpadded base64url; the input is not trimmed.
 * - claims: `p` {ro|rw|roa|rwa|ddl: {ns: [...]}} wins over legacy `id` + `a` (default rw);
 *   no `p` and no `id` → every namespace.
 * - `exp` optional, 60 s leeway; `nbf` ignored; any `aud` claim → rejected.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";

export type Permission = "read" | "write";

export type Authenticated =
  /** Auth disabled (no key configured): everything is allowed, as in sqld. */
  | { kind: "anonymous-full" }
  /** Legacy claims: one namespace (or all when `id` is absent) at one permission. */
  | { kind: "legacy"; namespace?: string; permission: Permission }
  /** `p` claim: namespace → permission. */
  | { kind: "scoped"; namespaces: Map<string, Permission> };

/** sqld's AuthError, rendered as `Unauthorized: \`<message>\`` with HTTP 401. */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthError";
  }
}

export const AUTH_MESSAGES = {
  headerMissing: "The `Authorization` HTTP header is required but was not specified",
  headerInvalid: "The `Authorization` HTTP header has invalid value",
  unsupportedScheme: "The authentication scheme in the `Authorization` HTTP header is not supported",
  invalid: "The JWT is invalid",
  expired: "The JWT has expired",
  other: "Authentication failed",
} as const;

/** sqld refuses to start with a bad key; the double throws from startSqldDouble the same way. */
export function parseJwtKeys(input: string): KeyObject[] {
  if (input.includes("-----BEGIN")) {
    const blocks = [...input.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)];
    if (blocks.length === 0) throw new Error("JWT key: malformed PEM");
    return blocks.map(([block, label]) => {
      if (label !== "PUBLIC KEY") throw new Error(`JWT key: expected a PUBLIC KEY PEM block, got ${label}`);
      const key = createPublicKey(block);
      if (key.asymmetricKeyType !== "ed25519") throw new Error("JWT key: only Ed25519 keys are supported");
      return key;
    });
  }
  // Raw key: exactly 32 bytes as unpadded base64url, nothing around it (sqld does not trim).
  if (!/^[A-Za-z0-9_-]{43}$/.test(input)) {
    throw new Error("JWT key: expected PEM PUBLIC KEY or a raw Ed25519 key in unpadded base64url");
  }
  return [createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: input }, format: "jwk" })];
}

const LEEWAY_SECONDS = 60;

function decodeSegment(segment: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) throw new AuthError(AUTH_MESSAGES.invalid);
  try {
    return JSON.parse(Buffer.from(segment, "base64url").toString("utf8")) as unknown;
  } catch {
    throw new AuthError(AUTH_MESSAGES.invalid);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const LEGACY_PERMISSIONS: Record<string, Permission> = { ro: "read", rw: "write", roa: "read" };
// roa/rwa (ATTACH) and ddl are folded into read/write: the double does not model ATTACH or DDL-only rights.
const SCOPE_PERMISSIONS: Record<string, Permission> = { ro: "read", rw: "write", roa: "read", rwa: "write", ddl: "write" };

function claimsToAuth(claims: Record<string, unknown>): Authenticated {
  const invalid = () => new AuthError(AUTH_MESSAGES.invalid); // serde type errors are JwtInvalid in sqld
  if (claims.p !== undefined && claims.p !== null) {
    if (!isRecord(claims.p)) throw invalid();
    const namespaces = new Map<string, Permission>();
    for (const [level, scope] of Object.entries(claims.p)) {
      const permission = SCOPE_PERMISSIONS[level];
      if (!permission || !isRecord(scope)) throw invalid();
      const list = scope.ns ?? [];
      if (!Array.isArray(list) || !list.every((ns) => typeof ns === "string" && ns !== "")) throw invalid();
      for (const ns of list as string[]) {
        if (namespaces.get(ns) !== "write") namespaces.set(ns, permission);
      }
    }
    return { kind: "scoped", namespaces };
  }
  if (claims.id !== undefined && claims.id !== null && (typeof claims.id !== "string" || claims.id === "")) throw invalid();
  let permission: Permission = "write";
  if (claims.a !== undefined && claims.a !== null) {
    const mapped = typeof claims.a === "string" ? LEGACY_PERMISSIONS[claims.a] : undefined;
    if (!mapped) throw invalid();
    permission = mapped;
  }
  return { kind: "legacy", namespace: (claims.id as string | undefined) ?? undefined, permission };
}

export interface VerifiedToken {
  auth: Authenticated;
  claims: Record<string, unknown>;
}

/** Verifies `Authorization: Bearer <jwt>` against any of `keys`, as sqld's validate_any_jwt. */
export function verifyBearer(header: string | undefined, keys: KeyObject[], nowSeconds: number): VerifiedToken {
  if (header === undefined) throw new AuthError(AUTH_MESSAGES.headerMissing);
  const match = /^(\S+) (.+)$/.exec(header);
  if (!match) throw new AuthError(AUTH_MESSAGES.headerInvalid);
  if (match[1]!.toLowerCase() !== "bearer") throw new AuthError(AUTH_MESSAGES.unsupportedScheme);
  const parts = match[2]!.split(".");
  if (parts.length !== 3) throw new AuthError(AUTH_MESSAGES.invalid);
  const [headerSegment, payloadSegment, signatureSegment] = parts as [string, string, string];
  const jwtHeader = decodeSegment(headerSegment);
  if (!isRecord(jwtHeader) || jwtHeader.alg !== "EdDSA") throw new AuthError(AUTH_MESSAGES.invalid);
  const signature = Buffer.from(signatureSegment, "base64url");
  const signed = Buffer.from(`${headerSegment}.${payloadSegment}`);
  if (!keys.some((key) => verify(null, signed, key, signature))) throw new AuthError(AUTH_MESSAGES.invalid);
  const claims = decodeSegment(payloadSegment);
  if (!isRecord(claims)) throw new AuthError(AUTH_MESSAGES.invalid);
  // jsonwebtoken rejects an `aud` claim when no audience is configured, and sqld configures none.
  if (claims.aud !== undefined) throw new AuthError(AUTH_MESSAGES.other);
  if (claims.exp !== undefined && claims.exp !== null) {
    if (typeof claims.exp !== "number" || !Number.isInteger(claims.exp)) throw new AuthError(AUTH_MESSAGES.invalid);
    if (claims.exp + LEEWAY_SECONDS < nowSeconds) throw new AuthError(AUTH_MESSAGES.expired);
  }
  return { auth: claimsToAuth(claims), claims };
}

/** sqld answers an unauthorized namespace exactly like a missing one (404), so tenants cannot probe names. */
export function permissionFor(auth: Authenticated, namespace: string): Permission | undefined {
  switch (auth.kind) {
    case "anonymous-full":
      return "write";
    case "legacy":
      return auth.namespace === undefined || auth.namespace === namespace ? auth.permission : undefined;
    case "scoped":
      return auth.namespaces.get(namespace);
  }
}
