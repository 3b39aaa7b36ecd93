import type { ResourceValidationPolicy } from "@pulumi/policy";
import { deployOf, unreadableFlyToml, type DeployFacts } from "../lib/resources";

/**
 * Fly rules that flyctl itself does not enforce (see ../shared/reference/fly.md):
 *  - bluegreen and canary start a second machine next to the old one, impossible when each machine owns a volume;
 *  - bluegreen only moves traffic to machines that pass a health check, so it needs at least one.
 * Both checks are pure functions over the deploy's facts; the policies below only adapt them.
 */
const TWO_MACHINE_STRATEGIES = ["bluegreen", "canary"];

export function volumeStrategyProblem(d: DeployFacts): string | undefined {
  if (!TWO_MACHINE_STRATEGIES.includes(d.strategy)) return undefined;
  if (!d.flyToml?.ok) return `strategy ${d.strategy} cannot be checked against volumes: ${unreadableFlyToml(d)}`;
  if (d.flyToml.toml.mounts === 0) return undefined;
  return `app ${d.app ?? "?"} deploys with strategy ${d.strategy} but its fly.toml has [[mounts]]: ${d.strategy} cannot be used for machines with volumes; use rolling or immediate`;
}

export function healthCheckProblem(d: DeployFacts): string | undefined {
  if (d.strategy !== "bluegreen") return undefined;
  if (!d.flyToml?.ok) return `bluegreen deploy cannot be checked for health checks: ${unreadableFlyToml(d)}`;
  if (d.flyToml.toml.healthChecks > 0) return undefined;
  return `app ${d.app ?? "?"} deploys bluegreen without a health check: add http_service.checks (api.healthCheck) so Fly only switches traffic to healthy machines`;
}

export const noTwoMachineStrategyWithVolumes: ResourceValidationPolicy = {
  name: "no-bluegreen-or-canary-with-volumes",
  description: "Apps with volumes ([[mounts]]) deploy rolling or immediate, never bluegreen or canary.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const deploy = deployOf(args);
    const problem = deploy && volumeStrategyProblem(deploy);
    if (problem) reportViolation(problem);
  },
};

export const bluegreenNeedsHealthCheck: ResourceValidationPolicy = {
  name: "bluegreen-needs-health-check",
  description: "Every bluegreen Fly deploy has at least one health check in its fly.toml.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const deploy = deployOf(args);
    const problem = deploy && healthCheckProblem(deploy);
    if (problem) reportViolation(problem);
  },
};
