/**
 * Sh fragments shared by the flyctl scripts of ./ (the generic quoting, `set -eu` head and node filters are
 * infra/shell's: see there where a new script goes).
 */
import { shellAssignments, shellWord } from "../../shell";
import { APPS_FILTER_JS } from "./json-filters";

// infra/sqld/cluster.ts imports these from here; new code imports infra/shell.

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
