/**
 * The one way this project generates POSIX sh (the scripts `local.Command` runs: flyctl, curl to the Turso,
 * Cloudflare and sqld admin APIs, image build steps). Pure strings, no Pulumi.
 *
 * Where a new script goes:
 *  - its builder is a pure function `xxxScripts(args): CommandScripts` in the vendor's folder (infra/fly/scripts/
 *    one file per Fly resource, infra/turso/scripts.ts, infra/sqld/namespace-scripts.ts, infra/cloudflare/);
 *    fragments shared by one vendor's scripts sit in that vendor's `shell.ts` (infra/fly/scripts/shell.ts: app
 *    lookup; infra/turso/shell.ts: API prelude), its `node -e` programs in a constants file beside it;
 *  - it checks every argument first against a pattern of ./patterns.ts (add the vendor's pattern there; the config
 *    schema uses the same one), then interpolates only through shellWord / shellWords / shellAssignments;
 *  - it starts with `set -eu` (shellScript), reads JSON with node (./node-filter.ts, never jq), hands a secret to
 *    curl on stdin (./curl-secret.ts), and gates any data-destroying step with requireDeletionConsent
 *    (infra/deletion-consent.ts); a Pulumi component then runs it with scriptCommand (infra/command.ts).
 */
export type { CommandScripts } from "./command-scripts";
export { shellAssignments, shellScript, shellWord, shellWords } from "./quote";
export { nodeEval } from "./node-filter";
export { CURL_CONFIG_FROM_STDIN, CURL_HEADERS_FROM_STDIN, basicHeaderCurlConfig, bearerHeaderHereDoc, curlCommand } from "./curl-secret";
export * from "./patterns";
