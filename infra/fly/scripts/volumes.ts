import { requireDeletionConsent } from "../../deletion-consent";
import type { VolumeScriptArgs } from "../contract";
import type { CommandScripts } from "../../shell";
import { VOLUMES_FILTER_JS } from "./json-filters";
import { shellAssignments, shellScript } from "../../shell";
import { exitIfAppMissing } from "./shell";
import { checkAppName, checkCount, checkPositiveInteger, checkRegion, checkVmSize, checkVolumeName } from "./validate";

/**
 * `count` volumes named `volumeName` in `region`. Create counts what exists and creates only the missing ones,
 * so a run that failed half-way converges when re-run. Stdout is `{"region","volumeIds"}` (sorted), identical
 * on every run once converged. Surplus volumes are never destroyed here: they hold data. A larger `sizeGb`
 * extends existing volumes in place (Fly volumes only grow); a smaller one fails with the sizes to use.
 */
export function volumeScripts(a: VolumeScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkVolumeName("volumeName", a.volumeName);
  checkRegion("region", a.region);
  checkPositiveInteger("sizeGb", a.sizeGb);
  checkCount("count", a.count);
  checkVmSize("vmSize", a.vmSize);
  checkPositiveInteger("vmMemoryMb", a.vmMemoryMb);
  if (typeof a.destroyOnDelete !== "boolean") throw new Error("destroyOnDelete: must be a boolean");

  const header = shellAssignments({
    app: a.app,
    volume_name: a.volumeName,
    region: a.region,
    size_gb: a.sizeGb,
    wanted: a.count,
    vm_size: a.vmSize,
    vm_memory_mb: a.vmMemoryMb,
    js_volumes: VOLUMES_FILTER_JS,
  });

  const create = shellScript([
    ...header,
    'volumes_json=$(fly volumes list -a "$app" --json)',
    'existing=$(printf "%s" "$volumes_json" | node -e "$js_volumes" count "$volume_name" "$region")',
    'while [ "$existing" -lt "$wanted" ]; do',
    // --vm-size/--vm-memory: a pre-created volume must land on a host with room for the machine that mounts it.
    // --require-unique-zone: two volumes of one name on one host would fail together.
    '  fly volumes create "$volume_name" -a "$app" -r "$region" -s "$size_gb" --vm-size "$vm_size" --vm-memory "$vm_memory_mb" --require-unique-zone --yes --json >&2',
    "  existing=$((existing + 1))",
    "done",
    'volumes_json=$(fly volumes list -a "$app" --json)',
    'too_large=$(printf "%s" "$volumes_json" | node -e "$js_volumes" larger "$volume_name" "$region" "$size_gb")',
    'if [ -n "$too_large" ]; then',
    '  printf "Volume(s) %s in %s are larger than %s GB (id:GB); Fly volumes cannot shrink: set volumeSizeGb to at least their size.\\n" "$too_large" "$region" "$size_gb" >&2',
    "  exit 1",
    "fi",
    'for volume_id in $(printf "%s" "$volumes_json" | node -e "$js_volumes" smaller "$volume_name" "$region" "$size_gb"); do',
    '  fly volumes extend "$volume_id" -a "$app" -s "$size_gb" --yes >&2',
    "done",
    'printf "%s" "$volumes_json" | node -e "$js_volumes" report "$volume_name" "$region"',
  ]);

  if (!a.destroyOnDelete) {
    // Data protection: removing the resource from the stack must never take the data with it.
    const keep = shellScript([
      ...shellAssignments({ app: a.app, volume_name: a.volumeName, region: a.region }),
      'printf "Keeping volume(s) %s in %s of app %s: data protection is on (destroyOnDelete=false); destroy them by hand if really unwanted.\\n" "$volume_name" "$region" "$app"',
    ]);
    return { create, delete: keep };
  }

  const destroy = shellScript([
    ...header,
    ...requireDeletionConsent(a.app, `volume(s) ${a.volumeName} in ${a.region} of app ${a.app}`),
    ...exitIfAppMissing("volume deletion"),
    'volumes_json=$(fly volumes list -a "$app" --json)',
    'volume_ids=$(printf "%s" "$volumes_json" | node -e "$js_volumes" ids "$volume_name" "$region")',
    // The ids were checked to be plain `vol_...` words by the filter, so unquoted word splitting is safe here.
    "for volume_id in $volume_ids; do",
    '  fly volumes destroy "$volume_id" -a "$app" --yes >&2',
    "done",
  ]);
  return { create, delete: destroy };
}
