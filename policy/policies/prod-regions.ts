import type { StackValidationPolicy } from "@pulumi/policy";
import { PROTECTED_STACKS } from "./data-protection";
import { COMMAND, commandKind, resourceFacts, sqldDeploys, stackOfUrn, type ResourceFacts } from "../lib/resources";
import { flagValue, shellAssignments } from "../lib/shell";

/** A self-hosted prod must survive the loss of one region: a primary plus at least one replica elsewhere. */
export const MIN_PROD_REGIONS = 2;

/** Where an app's volumes and running machines are, read from the volume and `fly scale count` Commands. */
export function sqldRegions(resources: readonly ResourceFacts[], app: string): { volumes: Set<string>; machines: Set<string> } {
  const volumes = new Set<string>();
  const machines = new Set<string>();
  for (const r of resources) {
    if (r.type !== COMMAND || typeof r.props.create !== "string") continue;
    const script = r.props.create;
    const vars = shellAssignments(script);
    if (vars.get("app") !== app) continue;
    const kind = commandKind(script);
    if (kind === "fly-volume") {
      const region = vars.get("region") ?? flagValue(script, /\bvolumes\s+create\b/, ["-r", "--region"]);
      if (region) volumes.add(region);
    } else if (kind === "fly-scale") {
      const region = vars.get("region") ?? flagValue(script, /\bscale\s+count\b/, ["--region", "-r"]);
      // Scaling a group to 0 in a region (the transient replica in the primary region) places no machine there.
      const wanted = Number(vars.get("wanted") ?? /\bscale\s+count\s+(\d+)/.exec(script)?.[1] ?? "0");
      if (region && wanted > 0) machines.add(region);
    }
  }
  return { volumes, machines };
}

/** Pure check over a stack's resources. Managed mode (no sqld) and non-prod stacks have nothing to check. */
export function prodRegionProblems(resources: readonly ResourceFacts[]): string[] {
  const stack = resources.map((r) => stackOfUrn(r.urn)).find((s) => s !== undefined);
  if (!stack || !PROTECTED_STACKS.includes(stack)) return [];
  return sqldDeploys(resources).flatMap(({ deploy }) => {
    const app = deploy.app ?? "";
    const { volumes, machines } = sqldRegions(resources, app);
    const problems: string[] = [];
    const list = (s: Set<string>) => (s.size > 0 ? [...s].sort().join(", ") : "none");
    if (volumes.size < MIN_PROD_REGIONS) {
      problems.push(`sqld app ${app} in stack "${stack}" has volumes in ${volumes.size} region(s) (${list(volumes)}); prod needs at least ${MIN_PROD_REGIONS}: add a replica region`);
    }
    if (machines.size < MIN_PROD_REGIONS) {
      problems.push(`sqld app ${app} in stack "${stack}" runs machines in ${machines.size} region(s) (${list(machines)}); prod needs at least ${MIN_PROD_REGIONS}: add a replica region`);
    }
    return problems;
  });
}

export const prodNeedsTwoRegions: StackValidationPolicy = {
  name: "prod-needs-two-regions",
  description: "A self-hosted prod runs sqld (volumes and machines) in at least two Fly regions.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const problem of prodRegionProblems(args.resources.map(resourceFacts))) reportViolation(problem);
  },
};
