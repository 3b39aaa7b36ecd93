/**
 * The account's workers.dev subdomain, read with curl from the Cloudflare API (GET
 * /accounts/{account_id}/workers/subdomain → {"result":{"subdomain":"…"}}; "Get Subdomain", Workers Scripts Read
 * or Write). @pulumi/cloudflare v6.22 has WorkersScriptSubdomain (turns a script's workers.dev route on) but no
 * resource or data source for the account subdomain, and a Worker without custom domain or route is reachable
 * only at https://<script>.<subdomain>.workers.dev. Pure builders, no Pulumi imports.
 */
import {
  CLOUDFLARE_ACCOUNT_ID_PATTERN,
  CURL_HEADERS_FROM_STDIN,
  bearerHeaderHereDoc,
  curlCommand,
  nodeEval,
  shellScript,
  shellWord,
  type CommandScripts,
} from "../shell";

export const CLOUDFLARE_DEFAULT_API_URL = "https://api.cloudflare.com/client/v4";

/** Reads {"result":{"subdomain"}} from the body file argv[1]; prints {"subdomain"} or fails with the fix. */
const SUBDOMAIN_JS = [
  `let j; try { j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); } catch (e) { j = null; }`,
  `const s = j && j.result && j.result.subdomain;`,
  `if (typeof s !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(s)) {`,
  `  const m = (j && Array.isArray(j.errors) && j.errors.map((e) => e && e.message).join("; ")) || "no subdomain in the answer";`,
  `  process.stderr.write("cloudflare: the account has no usable workers.dev subdomain (" + m + "): pick one once under Workers & Pages in the dashboard, or set libsql-stack:worker.customDomain or worker.route\\n");`,
  `  process.exit(1); }`,
  `process.stdout.write(JSON.stringify({ subdomain: s }) + "\\n");`,
].join(" ");

/**
 * Create (and update) reads the subdomain and prints {"subdomain"}; delete does nothing (the subdomain belongs to
 * the account). CLOUDFLARE_API_TOKEN (the token the Cloudflare provider uses) reaches curl as a header on stdin.
 */
export function workersDevSubdomainScripts(accountId: string): CommandScripts {
  if (!CLOUDFLARE_ACCOUNT_ID_PATTERN.test(accountId)) throw new Error(`accountId ${JSON.stringify(accountId)} is not a 32-hex-digit Cloudflare account id`);
  const path = `/accounts/${accountId}/workers/subdomain`;
  const create = shellScript([
    `: "\${CLOUDFLARE_API_TOKEN:?CLOUDFLARE_API_TOKEN must be set (the Cloudflare API token pulumi uses)}"
# The token goes into a header line on curl's stdin: a line break in it would add header lines of its own.
case "$CLOUDFLARE_API_TOKEN" in
  *"
"*) echo "cloudflare: CLOUDFLARE_API_TOKEN contains a line break; set it to the token alone" >&2; exit 1 ;;
esac
cf_api="\${CLOUDFLARE_API_URL:-${CLOUDFLARE_DEFAULT_API_URL}}"
cf_tmp=$(mktemp -d)
trap 'rm -rf "$cf_tmp"' EXIT
cf_status=$(${curlCommand(60)} ${CURL_HEADERS_FROM_STDIN} -o "$cf_tmp/body" -w '%{http_code}' "$cf_api"${shellWord(path)} ${bearerHeaderHereDoc("CLOUDFLARE_API_TOKEN", "CF_AUTH_HEADER")}
) || { echo "cloudflare: no answer from $cf_api" >&2; exit 1; }
case "$cf_status" in 2??) ;; *) echo "cloudflare: GET ${path} answered HTTP $cf_status (the token needs Workers Scripts Read)" >&2 ;; esac
${nodeEval(SUBDOMAIN_JS)} "$cf_tmp/body"`,
  ]);
  return { create, delete: "true\n" };
}

/** `https://<script>.<subdomain>.workers.dev` from the script's stdout. */
export function workersDevUrl(scriptName: string, stdout: string): string {
  let subdomain: unknown;
  try {
    subdomain = (JSON.parse(stdout) as { subdomain?: unknown }).subdomain;
  } catch {
    subdomain = undefined;
  }
  if (typeof subdomain !== "string" || subdomain === "") throw new Error(`workers.dev subdomain script printed no subdomain: ${stdout.slice(0, 200)}`);
  return `https://${scriptName}.${subdomain}.workers.dev`;
}

/** The URL a route pattern serves when its host is concrete (`gw.example.com/*` → https://gw.example.com/). */
export function routeUrl(pattern: string): string | undefined {
  const [host, ...rest] = pattern.split("/");
  if (!host || host.includes("*")) return undefined;
  return `https://${host}/${rest.join("/").replace(/\*$/, "")}`;
}
