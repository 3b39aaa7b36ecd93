import type { CommandScripts, DeployScriptArgs, FlyDeployStrategy } from "../contract";
import { shellAssignments, shellScript, shellWord } from "./shell";
import { checkAppName, checkArgument, checkWaitTimeout } from "./validate";

const STRATEGIES: readonly FlyDeployStrategy[] = ["rolling", "immediate", "canary", "bluegreen"];
/** Strategies that start a second machine next to the old one: impossible with a volume (one volume per machine). */
const NEEDS_NO_MOUNTS: ReadonlySet<FlyDeployStrategy> = new Set(["canary", "bluegreen"]);
/** `[[mounts]]`, `[mounts]` or an inline `mounts = ...`; matching a commented-out copy only errs on the safe side. */
const MOUNTS_PATTERN = "^[[:space:]]*(\\[\\[?[[:space:]]*mounts[[:space:]]*\\]\\]?|mounts[[:space:]]*=)";

/**
 * `fly deploy` from generated files. The fly.toml (and, for kind `generated`, the Dockerfile) come from the
 * environment variables FLY_TOML / DOCKERFILE and are written to a fresh temp dir that is removed on exit,
 * so nothing from the working tree leaks into the build context. There is no delete: machines go away with
 * scale deletes or the app's destroy.
 */
export function deployScripts(a: DeployScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  if (!STRATEGIES.includes(a.strategy)) {
    throw new Error(`strategy: ${JSON.stringify(a.strategy)} is not valid (one of ${STRATEGIES.join(", ")})`);
  }
  checkWaitTimeout("waitTimeout", a.waitTimeout);

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
      lines.push('printf "%s" "$DOCKERFILE" > "$work_dir/Dockerfile"');
      source = '"$work_dir" --dockerfile "$work_dir/Dockerfile"';
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

  // --ha=false: fly deploy would otherwise add a second machine per group, and with it a second (empty) volume.
  // Not `exec`: the EXIT trap must still run to remove the temp dir.
  lines.push(
    `fly deploy ${source} -a "$app" -c "$work_dir/fly.toml" --strategy "$strategy" --remote-only --ha=false --yes --wait-timeout "$wait_timeout" >&2`,
  );
  return { create: shellScript(lines) };
}
