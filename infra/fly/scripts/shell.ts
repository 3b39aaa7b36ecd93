import { quote } from "shell-quote";
import { APPS_FILTER_JS } from "./json-filters";

/** One value as a single POSIX sh word: every interpolation goes through here, never through a template. */
export function shellWord(value: string | number): string {
  return quote([String(value)]);
}

/** Several values as sh words, e.g. a list of secret names. */
export function shellWords(values: readonly (string | number)[]): string {
  return quote(values.map(String));
}

/**
 * A complete script for `sh -c`. `set -eu` stops at the first failing command and at any unset variable,
 * so a half-run script never reports success to Pulumi.
 */
export function shellScript(lines: readonly string[]): string {
  return ["set -eu", ...lines, ""].join("\n");
}

/** `name=value` lines with quoted values; scripts then use "$name", which keeps the script body readable. */
export function shellAssignments(values: Readonly<Record<string, string | number>>): string[] {
  return Object.entries(values).map(([name, value]) => `${name}=${shellWord(value)}`);
}

/** Lines that set `$app_state` to `present` or `absent` for the Fly app named by `$app`. */
export function lookUpApp(): string[] {
  return [
    ...shellAssignments({ js_apps: APPS_FILTER_JS }),
    'apps_json=$(fly apps list --json)',
    'app_state=$(printf "%s" "$apps_json" | node -e "$js_apps" presence "$app")',
  ];
}

/**
 * Lines that exit 0 with a message when the app no longer exists: deletes must not fail just because the app
 * (and everything in it) was already destroyed, e.g. by `fly apps destroy` or an earlier, interrupted delete.
 * Needs `$app`.
 */
export function exitIfAppMissing(what: string): string[] {
  return [
    ...lookUpApp(),
    'if [ "$app_state" = absent ]; then',
    `  printf "%s (app: %s)\\n" ${shellWord(`Fly app is already gone; nothing to do for ${what}.`)} "$app"`,
    "  exit 0",
    "fi",
  ];
}
