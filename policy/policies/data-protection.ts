import type { ResourceValidationPolicy } from "@pulumi/policy";
import { COMMAND, commandKind, resourceFacts, stackOfUrn, type CommandKind } from "../lib/resources";

/** Stacks whose data must survive a mistaken `pulumi destroy` or a removed config entry. */
export const PROTECTED_STACKS = ["prod"];

/** Commands that hold data: deleting them (if their delete script is allowed to) loses it. */
const STATEFUL: Partial<Record<CommandKind, string>> = {
  "fly-volume": "sqld volume",
  "sqld-namespaces": "sqld tenant namespaces",
  "turso-database": "Turso database",
};

/**
 * Pure check. Only `protect` is checked: the stack also sets `retainOnDelete`, but a policy pack never sees it
 * (PolicyResourceOptions carries protect, ignoreChanges, aliases, … and not retainOnDelete), so the offline
 * plan tests (test/stack) assert retainOnDelete instead.
 */
export function protectionProblem(stack: string | undefined, kind: CommandKind, protect: boolean): string | undefined {
  const what = STATEFUL[kind];
  if (!what || protect || !stack || !PROTECTED_STACKS.includes(stack)) return undefined;
  return `${what} is not protected in stack "${stack}": set dataProtection.protect (it defaults to true in prod) so a destroy or a config mistake cannot delete the data`;
}

export const prodDataProtected: ResourceValidationPolicy = {
  name: "prod-data-protected",
  description: "In prod, sqld volumes, tenant namespaces and the Turso database are created with `protect: true`.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== COMMAND) return;
    const r = resourceFacts(args);
    const problem = protectionProblem(stackOfUrn(r.urn), commandKind(r.props.create), r.protect);
    if (problem) reportViolation(problem);
  },
};
