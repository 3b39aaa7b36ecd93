/** The gateway's own authentication: `Authorization: Bearer <GATEWAY_API_KEY>`, compared in constant time. */
import { HttpError } from "./http";

/**
 * Equality whose time depends only on `presented` (the caller's own input): every character of it is compared, with
 * the configured key repeated to its length, and the lengths' difference joins the result. So neither the real key's
 * length nor the position of a first differing character leaks through timing; no per-request hashing either (a
 * WebCrypto digest cost ~10–15 µs of workerd CPU per request: bench gateway-profile). `expected` is never empty.
 */
export function constantTimeEquals(presented: string, expected: string): boolean {
  let diff = presented.length ^ expected.length;
  for (let i = 0; i < presented.length; i++) diff |= presented.charCodeAt(i) ^ expected.charCodeAt(i % expected.length);
  return diff === 0;
}

/**
 * Throws 401 unless the request carries the configured key. Runs before any other configuration is read: with
 * the GATEWAY_API_KEY binding missing or blank every caller gets the ordinary "invalid API key" 401 (nobody can
 * hold a key that is not configured), and only the Worker's log (`wrangler tail`) says why.
 */
export function requireApiKey(request: Request, configuredKey: string | undefined): void {
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
  if (!constantTimeEquals(presented, expected) || !usable) {
    throw new HttpError(401, "invalid API key", challenge);
  }
}
