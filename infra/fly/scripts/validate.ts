/**
 * Argument checks for the script builders. They run at `pulumi preview` time, so a typo fails before any flyctl
 * call instead of half-way through `pulumi up`. Every error names the offending field.
 * Quoting already makes any value safe for the shell; these checks also stop values that flyctl would read as a
 * flag (a leading `-`) or that Fly would reject later.
 */

import {
  FLY_APP_PATTERN,
  FLY_ORG_SLUG_PATTERN,
  FLY_PROCESS_GROUP_PATTERN,
  FLY_REGION_PATTERN,
  FLY_SECRET_NAME_PATTERN,
  FLY_VM_SIZE_PATTERN,
  FLY_CERT_HOSTNAME_PATTERN,
  FLY_VOLUME_NAME_PATTERN,
  FLY_WAIT_TIMEOUT_PATTERN,
} from "../../shell";

// infra/config/schema.ts imports it from here; the patterns live in infra/shell/patterns.ts.

function check(field: string, value: unknown, pattern: RegExp, hint: string): void {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new Error(`${field}: ${JSON.stringify(value)} is not valid (${hint})`);
  }
}

export function checkAppName(field: string, value: unknown): void {
  check(field, value, FLY_APP_PATTERN, "3-63 lowercase letters, digits or dashes, not starting or ending with a dash");
}

export function checkCertHostname(field: string, value: unknown): void {
  check(field, value, FLY_CERT_HOSTNAME_PATTERN, "a lowercase host name such as db.example.com, optionally *.db.example.com");
}

export function checkVolumeName(field: string, value: unknown): void {
  check(field, value, FLY_VOLUME_NAME_PATTERN, "1-30 lowercase letters, digits or underscores");
}

export function checkRegion(field: string, value: unknown): void {
  check(field, value, FLY_REGION_PATTERN, "a three-letter lowercase Fly region code such as ams");
}

export function checkOrgSlug(field: string, value: unknown): void {
  check(field, value, FLY_ORG_SLUG_PATTERN, "a Fly organisation slug such as personal");
}

export function checkProcessGroup(field: string, value: unknown): void {
  check(field, value, FLY_PROCESS_GROUP_PATTERN, "a fly.toml [processes] name: lowercase letters, digits, - or _");
}

export function checkVmSize(field: string, value: unknown): void {
  check(field, value, FLY_VM_SIZE_PATTERN, "a Fly machine preset such as shared-cpu-1x");
}

export function checkSecretName(field: string, value: unknown): void {
  check(field, value, FLY_SECRET_NAME_PATTERN, "letters, digits and underscores, not starting with a digit");
}

export function checkWaitTimeout(field: string, value: unknown): void {
  check(field, value, FLY_WAIT_TIMEOUT_PATTERN, "a duration such as 5m0s or 300 (seconds)");
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
