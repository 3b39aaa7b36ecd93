import type { CommandScripts, ScaleScriptArgs } from "../contract";
import { MACHINES_FILTER_JS } from "./json-filters";
import { exitIfAppMissing, shellAssignments, shellScript } from "./shell";
import { checkAppName, checkCount, checkPositiveInteger, checkProcessGroup, checkRegion, checkVmSize } from "./validate";

/**
 * `count` machines of one process group in one region. Both scripts compare with what runs first: flyctl
 * refuses to scale an app that has no machines at all, and skipping a no-op keeps re-runs quiet.
 * `fly scale count` reuses unattached volumes named like the [[mounts]] source in that region.
 */
export function scaleScripts(a: ScaleScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkProcessGroup("processGroup", a.processGroup);
  checkRegion("region", a.region);
  checkCount("count", a.count);
  checkVmSize("vmSize", a.vmSize);
  checkPositiveInteger("vmMemoryMb", a.vmMemoryMb);

  const header = shellAssignments({
    app: a.app,
    group: a.processGroup,
    region: a.region,
    wanted: a.count,
    vm_size: a.vmSize,
    vm_memory_mb: a.vmMemoryMb,
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
    'fly scale count "$wanted" -a "$app" --region "$region" --process-group "$group" --vm-size "$vm_size" --vm-memory "$vm_memory_mb" --yes >&2',
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
