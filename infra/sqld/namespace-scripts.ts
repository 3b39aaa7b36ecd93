import { requireDeletionConsent } from "../deletion-consent";
import { CURL_CONFIG_FROM_STDIN, FLY_APP_PATTERN, curlCommand, basicHeaderCurlConfig, nodeEval, shellAssignments, shellScript, type CommandScripts } from "../shell";
import { SQLD_ADMIN_PORT } from "./files";

export interface NamespaceScriptArgs {
  app: string;
  /** When false, namespaces removed from config (or on destroy) are kept, with a warning. */
  allowDeletion: boolean;
}

/**
 * How long to wait for `fly proxy` to bind, in seconds. flyctl binds only after the agent and WireGuard tunnel are up
 * (agent/client.go `WaitForTunnel`: up to 4 minutes) and the remote name resolves (`WaitForDNS`: up to 4 more,
 * proxy/connect.go `NewServer`); it exits on its own when either gives up, which ends our wait at once.
 */
export const PROXY_BIND_WAIT_SECONDS = 540;

/** `fly machines list --json` on stdin → the ids of the started replica machines, space-separated. */
const STARTED_REPLICA_IDS_JS =
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const ms=JSON.parse(s);console.log(ms.filter(m=>m.state==="started"&&m.config&&m.config.metadata&&m.config.metadata.fly_process_group==="replica").map(m=>m.id).join(" "))})';
/** The previous stdout on stdin (one name per line, or the JSON array earlier versions printed) → names, space-separated. */
const PREVIOUS_NAMESPACES_JS =
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v;try{v=JSON.parse(s)}catch{};console.log((Array.isArray(v)?v:s.split(/\\s+/).filter(Boolean)).join(" "))})';
/**
 * curl for sqld's admin API: the common flags (infra/shell curlCommand: no ~/.curlrc, a connect timeout and a
 * bound on the whole call), so an admin call that never answers fails this step instead of hanging `pulumi up`.
 * 120 s: namespace create/delete/config calls answer in milliseconds; a slow one is still far inside it.
 */
const ADMIN_CURL = curlCommand(120);

/** The admin key reaches curl as a config line on stdin (see admin() below). */
const ADMIN_KEY_HEADER = basicHeaderCurlConfig("LIBSQL_ADMIN_AUTH_KEY");

/**
 * Environment the scripts expect:
 * - NAMESPACES: space-separated wanted namespace names (validated by the config schema);
 * - LIBSQL_ADMIN_AUTH_KEY: the admin key (secret env, never argv: curl reads its header from stdin);
 * - PULUMI_COMMAND_STDOUT: the previous run's stdout (the set created before), given by local.Command;
 * - TENANT_KEYS (`per-tenant` | `shared`), TENANTS (space-separated), LIBSQL_STACK_SIGNING_KEY (secret),
 *   LIBSQL_STACK_PREVIOUS_SIGNING_KEY (secret, only while a key rotation is not retired),
 *   TENANT_KEY_VERSIONS and TENANT_SETTINGS (JSON): when TENANT_KEYS is set, scripts/tenant-config.ts brings every
 *   tenant namespace's config (signing key, size cap, suspension) to what the stack wants through the same proxy
 *   session, after the namespaces exist.
 * stdout lists the namespaces this stack manages, one per line (one JSON line for all of them hung pulumi-command's
 * log reader at ~1,000 tenants), which the next run diffs against; a previous stdout holding a JSON array (what
 * earlier versions printed) is read too.
 *
 * The proxy's local end is a unix socket in the script's own mktemp dir (mode 0700; flyctl accepts a path where a
 * port would be, proxy/connect.go `NewServer`): no other process can listen there first and receive the admin key,
 * and two stacks deploying on one machine cannot meet each other's proxy. A TCP port offers neither: any local
 * process may already hold it, and a readiness probe cannot tell whose listener answered.
 */
const PRELUDE = (app: string) =>
  shellScript([
    ...shellAssignments({ app }),
    `: "\${LIBSQL_ADMIN_AUTH_KEY:?LIBSQL_ADMIN_AUTH_KEY must be set (it comes from the stack secrets)}"
tmp=$(mktemp -d)
chmod 700 "$tmp"
case "$tmp" in *:*) echo "the temp dir $tmp holds ':', which fly proxy cannot take in a socket path; set TMPDIR to a path without ':'" >&2; exit 1 ;; esac
sock="$tmp/admin.sock"
proxy_pid=""
# excerpt FILE: the start of a response or log on one line. pulumi-command v1.2.1 logs this script's output and
# hangs on a line of 64 KiB or more (util/util.go LogOutput's bufio.Scanner), so no line here may grow with input.
excerpt() { head -c 1000 "$1" | tr '\\n' ' '; }
# open_proxy HOST: one \`fly proxy\` session to HOST's admin port (${SQLD_ADMIN_PORT} is never a public service).
# The host is always named: without it flyctl dials <app>.internal, which resolves to ANY started machine, and
# a replica's admin API answers create with 404 and DELETE with 200 while the primary keeps the namespace.
open_proxy() {
  rm -f "$sock"
  fly proxy "$sock:${SQLD_ADMIN_PORT}" "$1" -a "$app" >"$tmp/proxy.log" 2>&1 &
  proxy_pid=$!
  waited=0
  # Only our proxy can create $sock (the dir is ours, 0700), so its existence means our proxy is listening.
  until [ -S "$sock" ]; do
    kill -0 "$proxy_pid" 2>/dev/null || { echo "fly proxy to $1 exited; is the app deployed and are you logged in? $(excerpt "$tmp/proxy.log")" >&2; exit 1; }
    waited=$((waited + 1))
    if [ "$waited" -ge ${PROXY_BIND_WAIT_SECONDS * 5} ]; then echo "fly proxy to $1:${SQLD_ADMIN_PORT} did not listen within ${PROXY_BIND_WAIT_SECONDS} s: $(excerpt "$tmp/proxy.log")" >&2; exit 1; fi
    sleep 0.2
  done
}
close_proxy() {
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; proxy_pid=""; fi
}
trap 'close_proxy; rm -rf "$tmp"' EXIT INT TERM
# admin METHOD PATH [JSON]: prints the HTTP status (000 when unreachable). The Basic header (the literal key, as sqld expects)
# reaches curl through --config on stdin, so the key is in no process's argv.
admin() {
  if [ $# -ge 3 ]; then
    ${ADMIN_KEY_HEADER}
      ${ADMIN_CURL} -o "$tmp/body" -w '%{http_code}' ${CURL_CONFIG_FROM_STDIN} --unix-socket "$sock" -X "$1" -H 'Content-Type: application/json' --data "$3" "http://localhost$2" || true
  else
    ${ADMIN_KEY_HEADER}
      ${ADMIN_CURL} -o "$tmp/body" -w '%{http_code}' ${CURL_CONFIG_FROM_STDIN} --unix-socket "$sock" -X "$1" "http://localhost$2" || true
  fi
}
open_proxy "primary.process.$app.internal"`,
  ]);

/**
 * Deleting a namespace on the primary is not enough: a replica that has it loaded keeps serving the old rows and
 * retries replication in a tight loop (sqld 0.24.32: ~1 MB/s of "doesn't exist, trying to replicate again", see
 * libsql-server namespace/configurator/replica.rs). DELETE on that replica's own admin API drops its copy and
 * stops the loop (404 there means it never loaded the namespace). Primary first, so no replica reloads it.
 * Replicas are reached one by one as `<machine id>.vm.<app>.internal`; stopped ones cannot be reached, and a
 * restarted replica does not load a deleted namespace again (it answers 404).
 */
const DELETE_ONE = `deleted=""
deleted_count=0
delete_ns() {
  code=$(admin DELETE "/v1/namespaces/$1")
  case "$code" in
    2??|404) echo "deleted namespace $1" >&2; deleted="$deleted $1"; deleted_count=$((deleted_count + 1)) ;;
    *) echo "deleting namespace $1 failed: HTTP $code $(excerpt "$tmp/body")" >&2; exit 1 ;;
  esac
}
forget_on_replicas() {
  [ -n "$deleted" ] || return 0
  close_proxy
  replicas=$(fly machines list -a "$app" --json | ${nodeEval(STARTED_REPLICA_IDS_JS)})
  for id in $replicas; do
    open_proxy "$id.vm.$app.internal"
    for ns in $deleted; do
      code=$(admin DELETE "/v1/namespaces/$ns")
      case "$code" in
        2??|404) ;;
        *) echo "dropping namespace $ns on replica $id failed: HTTP $code $(excerpt "$tmp/body")" >&2; exit 1 ;;
      esac
    done
    close_proxy
    echo "replica $id dropped its copy of $deleted_count deleted namespace(s)" >&2
  done
}
`;

/** Create missing namespaces; handle the ones dropped from config; print the managed set, one name per line. */
function createScript(a: NamespaceScriptArgs): string {
  const removed = a.allowDeletion
    ? `delete_ns "$ns"`
    : `echo "namespace $ns was removed from config but is KEPT (dataProtection.allowNamespaceDeletion is false)" >&2`;
  return `${PRELUDE(a.app)}${DELETE_ONE}
for ns in $NAMESPACES; do
  code=$(admin GET "/v1/namespaces/$ns/stats")
  case "$code" in
    200) ;;
    404)
      code=$(admin POST "/v1/namespaces/$ns/create" '{}')
      case "$code" in 2??) echo "created namespace $ns" >&2 ;; *) echo "creating namespace $ns failed: HTTP $code $(excerpt "$tmp/body")" >&2; exit 1 ;; esac ;;
    401|403) echo "sqld admin API refused the admin key (HTTP $code)" >&2; exit 1 ;;
    *) echo "checking namespace $ns failed: HTTP $code $(excerpt "$tmp/body")" >&2; exit 1 ;;
  esac
done
if [ -n "\${TENANT_KEYS:-}" ]; then
  node --import tsx scripts/tenant-config.ts --socket "$sock" </dev/null >&2 || { echo "setting the tenants' namespace configs failed (above); nothing else was changed by this step" >&2; exit 1; }
fi
previous=$(printf '%s' "\${PULUMI_COMMAND_STDOUT:-}" | ${nodeEval(PREVIOUS_NAMESPACES_JS)})
for ns in $previous; do
  case " $NAMESPACES " in *" $ns "*) ;; *) ${removed} ;; esac
done
forget_on_replicas
for ns in $NAMESPACES; do printf '%s\\n' "$ns"; done
`;
}

/** On destroy: delete every managed namespace only when allowed; otherwise keep them and say so. */
function deleteScript(a: NamespaceScriptArgs): string {
  if (!a.allowDeletion) {
    return `echo "namespaces kept: dataProtection.allowNamespaceDeletion is false (sqld data is not deleted by pulumi destroy)" >&2`;
  }
  return `${requireDeletionConsent(a.app, `the namespaces of ${a.app}`).join("\n")}
${PRELUDE(a.app)}${DELETE_ONE}
for ns in $NAMESPACES; do delete_ns "$ns"; done
forget_on_replicas
`;
}

export function namespaceScripts(a: NamespaceScriptArgs): CommandScripts {
  if (!FLY_APP_PATTERN.test(a.app)) throw new Error(`namespaceScripts: app "${a.app}" is not a Fly app name`);
  return { create: createScript(a), delete: deleteScript(a) };
}
