/**
 * Secrets reach curl on its stdin, never as an argument: argv is visible to every user of the machine (`ps`,
 * /proc) and ends up in CI logs. The script reads the secret from an environment variable, so it is not in the
 * script text either (local.Command stores and may log that).
 */

const VARIABLE = /^[A-Z_][A-Z0-9_]*$/;

function checkVariable(name: string): void {
  if (!VARIABLE.test(name)) throw new Error(`internal: ${JSON.stringify(name)} is not an environment variable name`);
}

/**
 * The start of every curl call to a vendor API: `-q` (first argument) makes curl ignore ~/.curlrc, whose options
 * could change what -o / -w produce; `-g` turns off URL globbing ([] and {} are never ranges here); `-sS` keeps
 * errors but no progress meter; a bounded connect and total time, so a dead API fails the step instead of hanging it.
 */
export function curlCommand(maxTimeSeconds: number): string {
  return `curl -q -g -sS --connect-timeout 10 --max-time ${maxTimeSeconds}`;
}

/** curl reads header lines from stdin (`-H @-`, since curl 7.55.0): pair it with bearerHeaderHereDoc. */
export const CURL_HEADERS_FROM_STDIN = "-H @-";

/**
 * The here-doc that feeds `Authorization: Bearer $<tokenVariable>` to `-H @-`. The delimiter is unquoted so sh
 * expands the variable inside the here-doc, where it is no process's argument. The caller must refuse a token
 * holding a line break (it would add a header of its own).
 */
export function bearerHeaderHereDoc(tokenVariable: string, delimiter: string): string {
  checkVariable(tokenVariable);
  checkVariable(delimiter);
  return `<<${delimiter}\nAuthorization: Bearer $${tokenVariable}\n${delimiter}`;
}

/** curl reads a config file from stdin (`--config -`): pair it with basicHeaderCurlConfig. */
export const CURL_CONFIG_FROM_STDIN = "--config -";

/**
 * A pipe head that hands curl (`--config -`) the header `Authorization: Basic $<keyVariable>`, the key sent
 * literally (as sqld's admin API expects it). Ends with `|`: the curl command follows on the next line.
 * The format's line break is a real one inside the single quotes (printf prints it as is).
 */
export function basicHeaderCurlConfig(keyVariable: string): string {
  checkVariable(keyVariable);
  return `printf 'header = "Authorization: Basic %s"\n' "$${keyVariable}" |`;
}
