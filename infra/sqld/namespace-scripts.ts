import { quote } from "shell-quote";
import type { CommandScripts } from "../fly/contract";
import { SQLD_ADMIN_PORT } from "./files";

export interface NamespaceScriptArgs {
  app: string;
  /** Local end of `fly proxy`. @default 19090 */
  localPort?: number;
  /** When false, namespaces removed from config (or on destroy) are kept, with a warning. */
  allowDeletion: boolean;
}

/**
 * Environment the scripts expect:
 * - NAMESPACES: space-separated wanted namespace names (validated by the config schema);
 * - LIBSQL_ADMIN_AUTH_KEY: the admin key (secret env, never argv: curl reads its header from stdin);
 * - PULUMI_COMMAND_STDOUT: the previous run's stdout (the set created before), given by local.Command.
 * stdout is the JSON list of namespaces this stack manages, which the next run diffs against.
 */
const PRELUDE = (app: string, port: number) => `set -eu
app=${quote([app])}
port="\${LIBSQL_STACK_PROXY_PORT:-${port}}"
admin_url="http://127.0.0.1:$port"
: "\${LIBSQL_ADMIN_AUTH_KEY:?LIBSQL_ADMIN_AUTH_KEY must be set (it comes from the stack secrets)}"
tmp=$(mktemp -d)
# One proxy session for the whole set; the admin port (${SQLD_ADMIN_PORT}) is never a public service.
fly proxy "$port:${SQLD_ADMIN_PORT}" -a "$app" >/dev/null 2>&1 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM
tries=0
until curl -s -o /dev/null "$admin_url/" 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 50 ]; then echo "fly proxy to $app:${SQLD_ADMIN_PORT} did not come up on 127.0.0.1:$port" >&2; exit 1; fi
  kill -0 "$proxy_pid" 2>/dev/null || { echo "fly proxy exited; is the app deployed and are you logged in?" >&2; exit 1; }
  sleep 0.2
done
# admin METHOD PATH [JSON]: prints the HTTP status (000 when unreachable). The Basic header (the literal key, as sqld expects)
# reaches curl through --config on stdin, so the key is in no process's argv.
admin() {
  if [ $# -ge 3 ]; then
    printf 'header = "Authorization: Basic %s"\n' "$LIBSQL_ADMIN_AUTH_KEY" |
      curl -s -o "$tmp/body" -w '%{http_code}' --config - -X "$1" -H 'Content-Type: application/json' --data "$3" "$admin_url$2" || true
  else
    printf 'header = "Authorization: Basic %s"\n' "$LIBSQL_ADMIN_AUTH_KEY" |
      curl -s -o "$tmp/body" -w '%{http_code}' --config - -X "$1" "$admin_url$2" || true
  fi
}
`;

const DELETE_ONE = `delete_ns() {
  code=$(admin DELETE "/v1/namespaces/$1")
  case "$code" in
    2??|404) echo "deleted namespace $1" >&2 ;;
    *) echo "deleting namespace $1 failed: HTTP $code $(cat "$tmp/body")" >&2; exit 1 ;;
  esac
}
`;

/** Create missing namespaces; handle the ones dropped from config; print the managed set as JSON. */
function createScript(a: NamespaceScriptArgs): string {
  const removed = a.allowDeletion
    ? `delete_ns "$ns"`
    : `echo "namespace $ns was removed from config but is KEPT (dataProtection.allowNamespaceDeletion is false)" >&2`;
  return `${PRELUDE(a.app, a.localPort ?? 19090)}${DELETE_ONE}
for ns in $NAMESPACES; do
  code=$(admin GET "/v1/namespaces/$ns/stats")
  case "$code" in
    200) ;;
    404)
      code=$(admin POST "/v1/namespaces/$ns/create" '{}')
      case "$code" in 2??) echo "created namespace $ns" >&2 ;; *) echo "creating namespace $ns failed: HTTP $code $(cat "$tmp/body")" >&2; exit 1 ;; esac ;;
    401|403) echo "sqld admin API refused the admin key (HTTP $code)" >&2; exit 1 ;;
    *) echo "checking namespace $ns failed: HTTP $code $(cat "$tmp/body")" >&2; exit 1 ;;
  esac
done
previous=$(printf '%s' "\${PULUMI_COMMAND_STDOUT:-[]}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=[];try{v=JSON.parse(s||"[]")}catch{};console.log((Array.isArray(v)?v:[]).join(" "))})')
for ns in $previous; do
  case " $NAMESPACES " in *" $ns "*) ;; *) ${removed} ;; esac
done
printf '%s' "$NAMESPACES" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify(s.split(/\\s+/).filter(Boolean))))'
`;
}

/** On destroy: delete every managed namespace only when allowed; otherwise keep them and say so. */
function deleteScript(a: NamespaceScriptArgs): string {
  if (!a.allowDeletion) {
    return `echo "namespaces kept: dataProtection.allowNamespaceDeletion is false (sqld data is not deleted by pulumi destroy)" >&2`;
  }
  return `${PRELUDE(a.app, a.localPort ?? 19090)}${DELETE_ONE}
for ns in $NAMESPACES; do delete_ns "$ns"; done
`;
}

export function namespaceScripts(a: NamespaceScriptArgs): CommandScripts {
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(a.app)) throw new Error(`namespaceScripts: app "${a.app}" is not a Fly app name`);
  const port = a.localPort ?? 19090;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error(`namespaceScripts: localPort ${port} must be 1024..65535`);
  return { create: createScript(a), delete: deleteScript(a) };
}
