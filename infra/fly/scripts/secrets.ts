import type { SecretsScriptArgs } from "../contract";
import type { CommandScripts } from "../../shell";
import { shellAssignments, shellScript, shellWords } from "../../shell";
import { exitIfAppMissing } from "./shell";
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

/** One secret for `fly secrets import`: its name, value and where the value comes from (named in errors). */
export interface SecretEntry {
  name: string;
  value: string;
  /** The config key (e.g. `libsql-stack:backupSecretAccessKey`) or generator the value comes from. */
  source: string;
}

/**
 * flyctl reads stdin with a bufio.Scanner and never checks its error (superfly/flyctl
 * internal/command/secrets/parser.go parseSecrets): a line longer than bufio.MaxScanTokenSize (64 KiB) silently
 * ends the import. One line is `NAME=` + value + 6 quote characters + `\n`.
 */
export const FLY_IMPORT_MAX_LINE_BYTES = 64 * 1024 - 1;

const quoteCount = (s: string) => s.split('"').length - 1;

/**
 * One `NAME=<quoted value>` line that flyctl's parseSecrets (internal/command/secrets/parser.go) turns back
 * into exactly `value`. Its steps on the part after the first `=`, and why the quoting survives them:
 *  1. `strings.TrimLeft(value, " ")`: our quoted value starts with a quote, nothing is trimmed;
 *  2. cut at the first `#` unless the part before it holds an odd number of `"`: with `"""value"""` that part
 *     holds 3 + q quotes (q = quotes in the value before its first `#`), odd when q is even; with `'value'` it
 *     holds q, odd when q is odd. So: triple double quotes when q is even (or there is no `#`), single quotes
 *     otherwise, and the cut never happens;
 *  3. `"""…"""` on one line (len ≥ 6) → the inner text by position, whatever quotes the value has inside;
 *     `'…'` → the inner text (checked after the `"""` and `"` cases, which a value starting with `'` never hits).
 * Refused (the error names `source`): line breaks (step 2 would cut the value across lines; `"""` multi-line
 * values end at the first line ending in `"""`, and bufio drops a `\r` before `\n`), and lines over 64 KiB.
 */
export function flySecretImportLine(entry: SecretEntry): string {
  checkSecretName("name", entry.name);
  const { value, source } = entry;
  if (/[\r\n]/.test(value)) {
    throw new Error(`${source}: the value of secret ${entry.name} contains a line break; fly secrets import cannot store it exactly (set it without line breaks)`);
  }
  const hash = value.indexOf("#");
  const quotesBeforeHash = quoteCount(hash < 0 ? value : value.slice(0, hash));
  const quoted = hash >= 0 && quotesBeforeHash % 2 === 1 ? `'${value}'` : `"""${value}"""`;
  const line = `${entry.name}=${quoted}`;
  if (Buffer.byteLength(line, "utf8") > FLY_IMPORT_MAX_LINE_BYTES) {
    throw new Error(`${source}: the value of secret ${entry.name} is longer than fly secrets import reads in one line (64 KiB)`);
  }
  return line;
}

/** Stdin for `secretsScripts(...).create`: one exactly-round-tripping line per secret (see flySecretImportLine). */
export function flySecretsImportInput(entries: readonly SecretEntry[]): string {
  const names = entries.map((e) => e.name);
  if (new Set(names).size !== names.length) throw new Error(`secrets: duplicate names in ${JSON.stringify(names)}`);
  return entries.map((e) => `${flySecretImportLine(e)}\n`).join("");
}
