import type { CommandScripts, SecretsScriptArgs } from "../contract";
import { exitIfAppMissing, shellAssignments, shellScript, shellWords } from "./shell";
import { checkAppName, checkSecretName } from "./validate";

/**
 * App secrets. Values arrive only on the Command's stdin as NAME=VALUE lines and go straight to flyctl's stdin:
 * they are never in the script text, in argv (visible in `ps`) or in a file. Import overwrites, so re-runs
 * converge on the current values. Delete unsets exactly the declared names.
 */
export function secretsScripts(a: SecretsScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  if (!Array.isArray(a.names)) throw new Error("names: must be an array of secret names");
  a.names.forEach((name, i) => checkSecretName(`names[${i}]`, name));
  if (new Set(a.names).size !== a.names.length) throw new Error(`names: duplicate secret names in ${JSON.stringify(a.names)}`);
  if (typeof a.stage !== "boolean") throw new Error("stage: must be a boolean");
  const header = shellAssignments({ app: a.app });

  if (a.names.length === 0) {
    const nothing = shellScript([...header, 'printf "No secrets declared for %s; nothing to do.\\n" "$app" >&2']);
    return { create: nothing, delete: nothing };
  }

  const stageFlag = a.stage ? " --stage" : "";
  // No redirect on fly's stdin: it inherits the script's stdin, i.e. the Command's stdin.
  const create = shellScript([...header, `fly secrets import -a "$app"${stageFlag} >&2`]);

  const destroy = shellScript([
    ...header,
    ...exitIfAppMissing("secret removal"),
    // --stage: removing secrets should not restart machines that are about to be scaled away or destroyed.
    `fly secrets unset ${shellWords(a.names)} -a "$app" --stage >&2`,
  ]);
  return { create, delete: destroy };
}
