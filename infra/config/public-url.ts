/** Pure check of `sqld.publicUrl` (no Pulumi imports), so it is tested without mocks. */

/** Hosts on which plain http is allowed: traffic never leaves the machine (tests, the e2e box). */
export const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Why `url` cannot be sqld's public URL, or undefined when it can. An origin only (scheme, host, port): the clients
 * append Hrana paths to it. https, except on loopback, because scoped JWTs travel in every request.
 */
export function sqldPublicUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL; use an origin such as https://db.example.com`;
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK_HOSTS.has(parsed.hostname))) {
    return `${JSON.stringify(url)} must use https (plain http only on 127.0.0.1, localhost or [::1]): tokens travel in every request`;
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash || (parsed.pathname !== "/" && parsed.pathname !== "")) {
    return `${JSON.stringify(url)} must be an origin only (scheme, host, optional port), e.g. https://db.example.com`;
  }
  return undefined;
}

/** The origin without a trailing slash: `https://db.example.com`. */
export function normalizeOrigin(url: string): string {
  return new URL(url).origin;
}
