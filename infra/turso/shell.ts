/**
 * Shell fragments shared by the Turso Platform API scripts (see ./scripts.ts). Pure strings, no Pulumi; the generic
 * parts (quoting, `node -e`, the token as a curl header on stdin) are infra/shell's.
 * The scripts run under `/bin/sh -c` (dash on Debian), so only POSIX sh features are used. The API token comes
 * from the environment (TURSO_API_TOKEN) and reaches curl on stdin, never as an argument.
 */

import { CURL_HEADERS_FROM_STDIN, bearerHeaderHereDoc, curlCommand, nodeEval, shellScript, shellWord } from "../shell";
import { ERROR_MESSAGE_JS } from "./snippets";

/** Where the API lives unless TURSO_API_URL says otherwise (tests point it at a local fake). */
export const TURSO_DEFAULT_API_URL = "https://api.turso.tech";

/**
 * The common head of every script that talks to the API:
 *  - fails early, with the fix, when the token, curl or node is missing;
 *  - `turso_request METHOD PATH [curl args...]` stores the body in "$turso_tmp/body" and the HTTP status in
 *    $turso_status (curl failures such as "connection refused" exit 1 here);
 *  - `turso_is_2xx` tests $turso_status; `turso_api_error WHAT` exits 1 with the status and the API's message.
 */
export function apiPrelude(): string {
  return shellScript([
    `turso_fail() { printf 'turso: %s\\n' "$*" >&2; exit 1; }
if [ -z "\${TURSO_API_TOKEN:-}" ]; then
  turso_fail "TURSO_API_TOKEN is not set: export a Turso Platform API token ('turso auth api-tokens mint <name>') before running pulumi, or pass apiToken to the TursoDatabases component"
fi
case "$TURSO_API_TOKEN" in
  *"
"*) turso_fail "TURSO_API_TOKEN contains a line break; set it to the token alone" ;;
esac
command -v curl >/dev/null 2>&1 || turso_fail "curl is required on the machine that runs pulumi"
command -v node >/dev/null 2>&1 || turso_fail "node is required on the machine that runs pulumi"
turso_api="\${TURSO_API_URL:-${TURSO_DEFAULT_API_URL}}"
turso_api="\${turso_api%/}"
turso_tmp=$(mktemp -d)
trap 'rm -rf "$turso_tmp"' EXIT
turso_request() {
  turso_method=$1
  turso_path=$2
  shift 2
  : >"$turso_tmp/body" # curl does not create the file for an empty body; never read a previous answer
  turso_status=$(${curlCommand(120)} -X "$turso_method" ${CURL_HEADERS_FROM_STDIN} \\
    -o "$turso_tmp/body" -w '%{http_code}' "$@" "$turso_api$turso_path" ${bearerHeaderHereDoc("TURSO_API_TOKEN", "TURSO_AUTH_HEADER")}
  ) || turso_fail "$turso_method $turso_path: no answer from $turso_api (curl exit code $?)"
}
turso_is_2xx() {
  case "$turso_status" in 2??) return 0 ;; *) return 1 ;; esac
}
turso_api_error() {
  turso_msg=$(${nodeEval(ERROR_MESSAGE_JS)} "$turso_tmp/body")
  turso_fail "$1 failed: HTTP $turso_status from the Turso API: $turso_msg"
}`,
  ]);
}

/** A script that only prints a note to stderr and succeeds (deletes that deliberately keep things). */
export function noteScript(message: string): string {
  return `printf '%s\\n' ${shellWord(`turso: ${message}`)} >&2\n`;
}
