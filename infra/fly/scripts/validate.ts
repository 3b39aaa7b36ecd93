/**
 * Argument checks for the script builders. They run at `pulumi preview` time, so a typo fails before any flyctl
 * call instead of half-way through `pulumi up`. Every error names the offending field.
 * Quoting already makes any value safe for the shell; these checks also stop values that flyctl would read as a
 * flag (a leading `-`) or that Fly would reject later.
 */

/** Fly app names: lowercase letters, digits and dashes; they become `<app>.fly.dev` and `<app>.internal`. */
export const FLY_APP_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Fly volume names (flyctl: lowercase alphanumerics and underscores, at most 30). */
const VOLUME_NAME = /^[a-z0-9_]{1,30}$/;
const REGION = /^[a-z]{3}$/;
/** Fly organisation slugs. */
const ORG_SLUG = /^[a-z0-9][a-z0-9-]*$/;
/** `[processes]` keys in fly.toml. */
const PROCESS_GROUP = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** Machine presets such as `shared-cpu-1x`, `performance-2x`. */
const VM_SIZE = /^[a-z0-9][a-z0-9-]*$/;
/** Environment variable names: what `fly secrets` accepts as NAME in NAME=VALUE. */
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Go durations (`5m0s`, `90s`) or plain seconds (`300`): what `fly deploy --wait-timeout` parses. */
const WAIT_TIMEOUT = /^(?:(?:[0-9]+(?:h|m|s|ms))+|[0-9]+)$/;

function check(field: string, value: unknown, pattern: RegExp, hint: string): void {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid (${hint})`);
  }
}

export function checkAppName(field: string, value: unknown): void {
  check(field, value, FLY_APP_PATTERN, "3-63 lowercase letters, digits or dashes, not starting or ending with a dash");
}

export function checkVolumeName(field: string, value: unknown): void {
  check(field, value, VOLUME_NAME, "1-30 lowercase letters, digits or underscores");
}

export function checkRegion(field: string, value: unknown): void {
  check(field, value, REGION, "a three-letter lowercase Fly region code such as ams");
}

export function checkOrgSlug(field: string, value: unknown): void {
  check(field, value, ORG_SLUG, "a Fly organisation slug such as personal");
}

export function checkProcessGroup(field: string, value: unknown): void {
  check(field, value, PROCESS_GROUP, "a fly.toml [processes] name: lowercase letters, digits, - or _");
}

export function checkVmSize(field: string, value: unknown): void {
  check(field, value, VM_SIZE, "a Fly machine preset such as shared-cpu-1x");
}

export function checkSecretName(field: string, value: unknown): void {
  check(field, value, SECRET_NAME, "letters, digits and underscores, not starting with a digit");
}

export function checkWaitTimeout(field: string, value: unknown): void {
  check(field, value, WAIT_TIMEOUT, "a duration such as 5m0s or 300 (seconds)");
}

export function checkCount(field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid (a non-negative integer)`);
  }
}

export function checkPositiveInteger(field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid (a positive integer)`);
  }
}

/**
 * Free-form values that end up as flyctl arguments (paths, image references): one line, not empty, and not
 * starting with `-` so flyctl cannot parse them as a flag.
 */
export function checkArgument(field: string, value: unknown): void {
  if (typeof value !== "string" || value === "" || /[\n\r\0]/.test(value) || value.startsWith("-")) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid (one non-empty line, not starting with "-")`);
  }
}
