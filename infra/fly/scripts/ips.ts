import type { IpScriptArgs } from "../contract";
import type { CommandScripts } from "../../shell";
import { IPS_FILTER_JS } from "./json-filters";
import { shellAssignments, shellScript } from "../../shell";
import { exitIfAppMissing } from "./shell";
import { checkAppName } from "./validate";

/**
 * Public addresses: a shared IPv4 (free) and a dedicated IPv6. Create allocates only what `fly ips list` lacks
 * (a second allocate-v6 would add a second address), then prints `{"hostname","sharedIpv4","ipv6"}`.
 */
export function ipScripts(a: IpScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  const header = shellAssignments({ app: a.app, js_ips: IPS_FILTER_JS });
  const listIps = ['ips_json=$(fly ips list -a "$app" --json)'];

  const create = shellScript([
    ...header,
    ...listIps,
    'has_shared_v4=$(printf "%s" "$ips_json" | node -e "$js_ips" has shared_v4)',
    'if [ "$has_shared_v4" = no ]; then',
    '  fly ips allocate-v4 --shared -a "$app" --yes >&2',
    "fi",
    'has_v6=$(printf "%s" "$ips_json" | node -e "$js_ips" has v6)',
    'if [ "$has_v6" = no ]; then',
    '  fly ips allocate-v6 -a "$app" >&2',
    "fi",
    ...listIps,
    'printf "%s" "$ips_json" | node -e "$js_ips" report "$app"',
  ]);

  const destroy = shellScript([
    ...header,
    ...exitIfAppMissing("IP release"),
    ...listIps,
    'addresses=$(printf "%s" "$ips_json" | node -e "$js_ips" ours)',
    // The filter accepts only IP literals, so unquoted word splitting is safe here.
    "for address in $addresses; do",
    '  fly ips release "$address" -a "$app" >&2',
    "done",
  ]);
  return { create, delete: destroy };
}
