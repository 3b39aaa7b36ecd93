import type { DeployScriptArgs, FlyDeployStrategy } from "../contract";
import type { CommandScripts } from "../../shell";
import { shellAssignments, shellScript, shellWord } from "../../shell";
import { MACHINES_FILTER_JS } from "./json-filters";
import { checkAppName, checkArgument, checkProcessGroup, checkWaitTimeout } from "./validate";

/** Reads the release files on stdin, prints a Docker tag naming their content: `libsql-stack-<sha256 prefix>`. */
const RELEASE_LABEL_JS = [
  'const hash = require("crypto").createHash("sha256").update(require("fs").readFileSync(0)).digest("hex");',
  'console.log("libsql-stack-" + hash.slice(0, 24));',
].join("\n");
const STRATEGIES: readonly FlyDeployStrategy[] = ["rolling", "immediate", "canary", "bluegreen"];
/** Strategies that start a second machine next to the old one: impossible with a volume (one volume per machine). */
const NEEDS_NO_MOUNTS: ReadonlySet<FlyDeployStrategy> = new Set(["canary", "bluegreen"]);
/** `[[mounts]]`, `[mounts]` or an inline `mounts = ...`; matching a commented-out copy only errs on the safe side. */
const MOUNTS_PATTERN = "^[[:space:]]*(\\[\\[?[[:space:]]*mounts[[:space:]]*\\]\\]?|mounts[[:space:]]*=)";

/**
 * `fly deploy` from generated files. The fly.toml (and, for kind `generated`, the Dockerfile) come from the
 * environment variables FLY_TOML / DOCKERFILE and are written to a fresh temp dir that is removed on exit,
 * so nothing from the working tree leaks into the build context. For kind `generated` the image is tagged with a
 * hash of both files, and a run whose release already runs on every machine deploys nothing, so a re-run after
 * a later step failed changes nothing. There is no delete: machines go away with scale deletes or the app's
 * destroy.
 */
export function deployScripts(a: DeployScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  if (!STRATEGIES.includes(a.strategy)) {
    throw new Error(`strategy: ${JSON.stringify(a.strategy)} is not valid (one of ${STRATEGIES.join(", ")})`);
  }
  checkWaitTimeout("waitTimeout", a.waitTimeout);
  if (a.firstDeployGroups !== undefined) {
    if (a.firstDeployGroups.length === 0) throw new Error("firstDeployGroups: must name at least one process group");
    a.firstDeployGroups.forEach((g, i) => checkProcessGroup(`firstDeployGroups[${i}]`, g));
  }

  const lines = [
    ...shellAssignments({ app: a.app, strategy: a.strategy, wait_timeout: a.waitTimeout }),
    ': "${FLY_TOML:?FLY_TOML must hold the fly.toml text for this deploy}"',
  ];
  if (a.source.kind === "generated") lines.push(': "${DOCKERFILE:?DOCKERFILE must hold the Dockerfile text for this deploy}"');
  lines.push(
    'work_dir=$(mktemp -d "${TMPDIR:-/tmp}/fly-deploy.XXXXXX")',
    'trap \'rm -rf "$work_dir"\' EXIT',
    // dash runs the EXIT trap on `exit` but not when killed: turn signals into an exit so the dir is removed.
    "trap 'exit 130' INT TERM HUP",
    'printf "%s" "$FLY_TOML" > "$work_dir/fly.toml"',
  );
  if (NEEDS_NO_MOUNTS.has(a.strategy)) {
    lines.push(
      `if grep -Eq ${shellWord(MOUNTS_PATTERN)} "$work_dir/fly.toml"; then`,
      '  printf "Refusing to deploy %s: the %s strategy cannot be used for machines with volumes ([[mounts]] in fly.toml); use rolling or immediate.\\n" "$app" "$strategy" >&2',
      "  exit 1",
      "fi",
    );
  }

  let source: string;
  switch (a.source.kind) {
    case "generated":
      lines.push(
        'printf "%s" "$DOCKERFILE" > "$work_dir/Dockerfile"',
        ...shellAssignments({ js_label: RELEASE_LABEL_JS }),
        'deploy_label=$(cat "$work_dir/fly.toml" "$work_dir/Dockerfile" | node -e "$js_label")',
      );
      // The image tag names the content (imgsrc NewDeploymentTag uses --image-label as the tag), so a re-run can
      // tell that this exact release already runs everywhere.
      source = '"$work_dir" --dockerfile "$work_dir/Dockerfile" --image-label "$deploy_label"';
      break;
    case "image":
      checkArgument("source.image", a.source.image);
      if (/\s/.test(a.source.image)) throw new Error(`source.image: ${JSON.stringify(a.source.image)} is not valid (no whitespace)`);
      lines.push(...shellAssignments({ image: a.source.image }));
      source = '"$work_dir" -i "$image"';
      break;
    case "dockerfile":
      checkArgument("source.dockerfile", a.source.dockerfile);
      checkArgument("source.context", a.source.context);
      lines.push(...shellAssignments({ dockerfile: a.source.dockerfile, build_context: a.source.context }));
      source = '"$build_context" --dockerfile "$dockerfile"';
      break;
    default:
      throw new Error(`source.kind: ${JSON.stringify((a.source as { kind?: unknown }).kind)} is not valid (generated, image or dockerfile)`);
  }

  // Which machines this deploy may create (see DeployScriptArgs.firstDeployGroups). flyctl starts a new group's
  // machine in primary_region only and needs an unattached volume of the mount's name there
  // (deploy/machines_launchinput.go launchInputForLaunch: "needs an unattached volume"); its first-deploy
  // provisioning counts spare volumes by name in every region (deploy_first.go provisionVolumesOnFirstDeploy).
  // So: the first deploy creates only the listed groups (`--process-groups` filters ProcessNames(),
  // deploy/machines.go), each on the volume pre-created in primary_region; later deploys pass `--update-only`
  // (machines_deploymachinesapp.go deployMachinesApp skips deployCreateMachinesForGroups), so a group without a
  // machine never gets one in primary_region: `fly scale count` places it in its own region.
  let groupFlags = "";
  if (a.firstDeployGroups !== undefined || a.source.kind === "generated") {
    lines.push(...shellAssignments({ js_machines: MACHINES_FILTER_JS }), 'machines_json=$(fly machines list -a "$app" --json)');
  }
  if (a.source.kind === "generated") {
    lines.push(
      'if [ "$(printf "%s" "$machines_json" | node -e "$js_machines" all-tagged "$deploy_label")" = yes ]; then',
      '  printf "Release %s already runs on every machine of %s; nothing to deploy.\\n" "$deploy_label" "$app" >&2',
      "  exit 0",
      "fi",
    );
  }
  if (a.firstDeployGroups !== undefined) {
    lines.push(
      ...shellAssignments({ first_deploy_groups: a.firstDeployGroups.join(",") }),
      'machine_count=$(printf "%s" "$machines_json" | node -e "$js_machines" total)',
      'if [ "$machine_count" -eq 0 ]; then set -- --process-groups "$first_deploy_groups"; else set -- --update-only; fi',
    );
    groupFlags = ' "$@"';
  }
  // --ha=false: for a group with services and no mounts flyctl's first deploy would start a second machine
  // (machines_deploymachinesapp.go deployCreateMachinesForGroups; groups with mounts get one machine anyway).
  // Not `exec`: the EXIT trap must still run to remove the temp dir.
  lines.push(
    `fly deploy ${source} -a "$app" -c "$work_dir/fly.toml"${groupFlags} --strategy "$strategy" --remote-only --ha=false --yes --wait-timeout "$wait_timeout" >&2`,
  );
  return { create: shellScript(lines) };
}
