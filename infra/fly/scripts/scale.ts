import type { ScaleScriptArgs } from "../contract";
import type { CommandScripts } from "../../shell";
import { MACHINES_FILTER_JS } from "./json-filters";
import { shellAssignments, shellScript } from "../../shell";
import { exitIfAppMissing } from "./shell";
import { checkAppName, checkCount, checkProcessGroup, checkRegion } from "./validate";

/**
 * `count` machines of one process group in one region. `fly scale count N --region R` converges only the listed
 * region (scale/count_machines.go convergeGroupCounts counts machines in `regions` only), reuses an unattached
 * volume named like the mount in that region, else creates one (machine_defaults.go PopAvailableVolumes /
 * CreateVolumeRequest). It refuses to run before the app has a complete release (count_machines.go
 * runMachinesScaleCount: "this app has no complete releases"), so these Commands run after the deploy.
 * No --vm-size/--vm-memory: flyctl copies the group's first machine config, or the group's fly.toml [[vm]]
 * (machine_defaults.go ToMachineConfig), so the flags would be ignored; the size comes from fly.toml.
 * Both scripts compare with what runs first, so a converged re-run calls no mutating flyctl command.
 * Each run leases every machine of the app (count_machines.go: mach.AcquireLeases(ctx, appName, machines)), so
 * callers must never run two of these at once.
 */
export function scaleScripts(a: ScaleScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkProcessGroup("processGroup", a.processGroup);
  checkRegion("region", a.region);
  checkCount("count", a.count);

  const header = shellAssignments({
    app: a.app,
    group: a.processGroup,
    region: a.region,
    wanted: a.count,
    js_machines: MACHINES_FILTER_JS,
  });
  const countRunning = [
    'machines_json=$(fly machines list -a "$app" --json)',
    'running=$(printf "%s" "$machines_json" | node -e "$js_machines" count "$group" "$region")',
  ];

  const create = shellScript([
    ...header,
    ...countRunning,
    'if [ "$running" -eq "$wanted" ]; then',
    '  printf "%s machine(s) of group %s already run in %s.\\n" "$running" "$group" "$region" >&2',
    "  exit 0",
    "fi",
    'fly scale count "$wanted" -a "$app" --region "$region" --process-group "$group" --yes >&2',
  ]);

  const destroy = shellScript([
    ...header,
    ...exitIfAppMissing("scaling down"),
    ...countRunning,
    'if [ "$running" -eq 0 ]; then',
    '  printf "No machine of group %s runs in %s.\\n" "$group" "$region" >&2',
    "  exit 0",
    "fi",
    'fly scale count 0 -a "$app" --region "$region" --process-group "$group" --yes >&2',
  ]);
  return { create, delete: destroy };
}
