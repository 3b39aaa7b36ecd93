import type { CommandScripts } from "../../shell";
import { MACHINES_FILTER_JS } from "./json-filters";
import { shellAssignments, shellScript, shellWord } from "../../shell";
import { checkAppName, checkProcessGroup, checkRegion } from "./validate";

export interface PrimaryGuardScriptArgs {
  app: string;
  /** The process group of the single writer (`primary`). */
  group: string;
  /** The region the config makes primary. */
  region: string;
  /** The config key that chose it, e.g. `libsql-stack:regions[1].role`: named in the refusal. */
  configKey: string;
}

/**
 * Refuses, before any Fly change, a config whose primary region differs from where the primary machine runs.
 * sqld has one writer and no failover (reference/sqld.md "Replication"): `fly scale count 1 --region NEW
 * --process-group primary` would create a new EMPTY volume there (flyctl scale/machine_defaults.go
 * CreateVolumeRequest when no unattached volume is in that region) and start a second primary beside the old one,
 * whose volume then ends unattached when the old region is scaled down. Every Fly-changing Command of the cluster
 * depends on this one, so a refusal leaves machines and volumes untouched. No delete step: nothing to undo.
 */
export function primaryGuardScripts(a: PrimaryGuardScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkProcessGroup("group", a.group);
  checkRegion("region", a.region);
  const create = shellScript([
    ...shellAssignments({ app: a.app, group: a.group, region: a.region, js_machines: MACHINES_FILTER_JS }),
    'machines_json=$(fly machines list -a "$app" --json)',
    'elsewhere=$(printf "%s" "$machines_json" | node -e "$js_machines" elsewhere "$group" "$region")',
    'if [ -n "$elsewhere" ]; then',
    `  printf '%s: the %s machine of %s runs in another region (%s), not in %s as configured. sqld has one writer: moving it would start a second, empty primary and leave the data volume unattached. Keep the old primary region, or follow the README section "Moving the primary region".\\n' ${shellWord(a.configKey)} "$group" "$app" "$elsewhere" "$region" >&2`,
    "  exit 1",
    "fi",
    'printf "%s primary region: %s\\n" "$app" "$region"',
  ]);
  return { create };
}
