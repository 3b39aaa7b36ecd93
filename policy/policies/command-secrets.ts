import type { ResourceValidationPolicy } from "@pulumi/policy";
import { COMMAND, commandScripts } from "../lib/resources";
import { findPlaintextSecrets } from "../lib/secret-patterns";

/**
 * A Command's scripts are stored unencrypted in the state, shown by `pulumi preview --diff` (and so in PR
 * comments) and visible in `ps` while they run. Secrets must reach a script on stdin or in its environment
 * (as Pulumi secrets), never inside create/update/delete.
 */
export function commandSecretProblems(props: Record<string, unknown>): string[] {
  return commandScripts(props).flatMap(({ field, script }) =>
    findPlaintextSecrets(script).map((f) => `${field} script, line ${f.line}: ${f.kind} in plain text; pass it on stdin or as a secret environment variable instead`),
  );
}

export const noPlaintextSecretsInCommands: ResourceValidationPolicy = {
  name: "no-plaintext-secrets-in-commands",
  description: "No Command's create/update/delete script contains a private key, a literal Bearer/Basic credential, a vendor API token or a random-looking secret.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== COMMAND) return;
    for (const problem of commandSecretProblems(args.props)) reportViolation(problem);
  },
};
