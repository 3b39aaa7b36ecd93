/**
 * What a value must look like before a script builder interpolates it (and before the config schema accepts it:
 * infra/config uses the same patterns, so a value the config took never fails later in a builder). Quoting
 * already makes any value safe for sh; these also stop values a CLI would read as a flag (a leading `-`) or that
 * the vendor would reject half-way through `pulumi up`. Each builder's own check names the field and the fix.
 */

/** Fly app names: lowercase letters, digits and dashes; they become `<app>.fly.dev` and `<app>.internal`. */
export const FLY_APP_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Fly volume names (flyctl: lowercase alphanumerics and underscores, at most 30). */
export const FLY_VOLUME_NAME_PATTERN = /^[a-z0-9_]{1,30}$/;
export const FLY_REGION_PATTERN = /^[a-z]{3}$/;
/** Fly organisation slugs. */
export const FLY_ORG_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** `[processes]` keys in fly.toml. */
export const FLY_PROCESS_GROUP_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Machine presets such as `shared-cpu-1x`, `performance-2x`. */
export const FLY_VM_SIZE_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** Environment variable names: what `fly secrets` accepts as NAME in NAME=VALUE. */
export const FLY_SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Go durations (`5m0s`, `90s`) or plain seconds (`300`): what `fly deploy --wait-timeout` parses. */
export const FLY_WAIT_TIMEOUT_PATTERN = /^(?:(?:[0-9]+(?:h|m|s|ms))+|[0-9]+)$/;

/** Turso organisation slugs, group and database names: lowercase letters, digits and dashes. */
export const TURSO_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Turso location codes such as `aws-eu-west-1` or `fra` (GET /v1/locations lists them; not hard-coded here). */
export const TURSO_LOCATION_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Turso token lifetime: `never` or a duration like `2w`, `1d12h`, `30m`. */
export const TURSO_EXPIRATION_PATTERN = /^(never|([1-9][0-9]{0,5}[smhdw])+)$/;

/** Cloudflare account ids: 32 lowercase hex digits. */
export const CLOUDFLARE_ACCOUNT_ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * A host name Fly can hold a certificate for (`fly certs add`): lowercase DNS labels, at least two, optionally
 * behind one leading `*.` (a wildcard certificate, DNS-01 validated). infra/config/tenant-domain.ts checks the
 * parts a user types with the same label rule.
 */
export const FLY_CERT_HOSTNAME_PATTERN = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
