/** Pure check of `backups.endpoint` (no Pulumi imports), so it is tested without mocks. */
import { LOOPBACK_HOSTS } from "./public-url";

/**
 * Why `url` cannot be the S3 endpoint of sqld's backups, or undefined when it can. The endpoint lands in fly.toml
 * `[env]` (LIBSQL_BOTTOMLESS_ENDPOINT, SQLD_META_STORE_BUCKET_ENDPOINT): plain text in the app's config, shown by
 * `fly config show`, and every machine sends the database pages and the signed S3 requests to it. So: https
 * (plain http only on loopback, where the e2e box's s3rver listens), no `user:pass@` (credentials belong in the
 * backupAccessKeyId/backupSecretAccessKey secrets), and no query or fragment (S3 clients build their own).
 */
export function backupEndpointProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL; use the S3 endpoint's https URL, e.g. https://fly.storage.tigris.dev`;
  }
  // Credentials first, so no later message repeats them.
  if (parsed.username || parsed.password) {
    return "must not contain credentials (user:pass@): it is stored in plain text in fly.toml [env]; remove them and set them with pulumi config set --secret libsql-stack:backupAccessKeyId / libsql-stack:backupSecretAccessKey";
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK_HOSTS.has(parsed.hostname))) {
    return `${JSON.stringify(url)} must use https (plain http only on 127.0.0.1, localhost or [::1]): backups and signed S3 requests travel to it`;
  }
  if (parsed.search || parsed.hash || url.includes("?") || url.includes("#")) {
    return `${JSON.stringify(url)} must not have a query or fragment; use the endpoint's base URL, e.g. https://fly.storage.tigris.dev`;
  }
  return undefined;
}
