/** The gateway's own authentication: `Authorization: Bearer <GATEWAY_API_KEY>`, compared in constant time. */
import { HttpError } from "./http";

const encoder = new TextEncoder();

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** The configured key's digest, kept per isolate: it is the same on every request (one entry; a new key replaces it). */
let expectedDigest: { key: string; digest: Promise<Uint8Array> } | undefined;

function digestOfExpected(key: string): Promise<Uint8Array> {
  if (expectedDigest?.key !== key) expectedDigest = { key, digest: sha256(key) };
  return expectedDigest.digest;
}

/**
 * Compares digests rather than the strings: both sides are always 32 bytes, so neither the length nor the
 * position of the first differing character of the real key leaks through timing. `expected` (the configured
 * key) has its digest cached; only the presented key is hashed per request.
 */
export async function constantTimeEquals(presented: string, expected: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256(presented), digestOfExpected(expected)]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= (da[i] ?? 0) ^ (db[i] ?? 0);
  return diff === 0;
}

/**
 * Throws 401 unless the request carries the configured key. Runs before any other configuration is read: with
 * the GATEWAY_API_KEY binding missing or blank every caller gets the ordinary "invalid API key" 401 (nobody can
 * hold a key that is not configured), and only the Worker's log (`wrangler tail`) says why.
 */
export async function requireApiKey(request: Request, configuredKey: string | undefined): Promise<void> {
  const header = request.headers.get("authorization");
  const match = header === null ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  const presented = match?.[1];
  const challenge = { "www-authenticate": 'Bearer realm="libsql-gateway"' };
  if (presented === undefined) {
    throw new HttpError(401, "missing API key: send Authorization: Bearer <GATEWAY_API_KEY>", challenge);
  }
  const usable = typeof configuredKey === "string" && configuredKey.trim() !== "";
  if (!usable) console.error("gateway misconfigured: binding GATEWAY_API_KEY is not set; every request is refused with 401");
  // Without a key, still compare (against a value nobody holds) so both refusals take the same path and time.
  const expected = usable ? configuredKey : crypto.randomUUID();
  if (!(await constantTimeEquals(presented, expected)) || !usable) {
    throw new HttpError(401, "invalid API key", challenge);
  }
}
