import type { CertScriptArgs } from "../contract";
import type { CommandScripts } from "../../shell";
import { shellAssignments, shellScript } from "../../shell";
import { CERTS_FILTER_JS } from "./cert-filter";
import { exitIfAppMissing } from "./shell";
import { checkAppName, checkCertHostname } from "./validate";

/**
 * A Fly certificate for `hostname` on `app` (flyctl internal/command/certificates/root.go). Create adds it only when
 * `fly certs list` lacks it (adding a host name the app holds is refused by the API, so a re-run must not add
 * again), then prints the DNS-01 challenge record from `fly certs check --json`
 * (`{"hostname","status","acmeChallengeName","acmeChallengeTarget"}`): a wildcard is issued only once
 * `_acme-challenge.<domain>` is a CNAME to that target (root.go printCertAdded: "Wildcard certificates require DNS
 * validation"). Issuance itself is Fly's, after the script: the Command does not wait for it.
 * Delete removes the certificate if it is still there (`certs remove --yes`: without it flyctl prompts).
 */
export function certScripts(a: CertScriptArgs): CommandScripts {
  checkAppName("app", a.app);
  checkCertHostname("hostname", a.hostname);
  const header = shellAssignments({ app: a.app, hostname: a.hostname, js_certs: CERTS_FILTER_JS });
  const lookUp = [
    'certs_json=$(fly certs list -a "$app" --json)',
    'has_cert=$(printf "%s" "$certs_json" | node -e "$js_certs" has "$hostname")',
  ];

  const create = shellScript([
    ...header,
    ...lookUp,
    'if [ "$has_cert" = no ]; then',
    '  fly certs add "$hostname" -a "$app" --json >&2',
    "fi",
    'cert_json=$(fly certs check "$hostname" -a "$app" --json)',
    'printf "%s" "$cert_json" | node -e "$js_certs" report "$hostname"',
  ]);

  const destroy = shellScript([
    ...header,
    ...exitIfAppMissing("certificate removal"),
    ...lookUp,
    'if [ "$has_cert" = yes ]; then',
    '  fly certs remove "$hostname" -a "$app" --yes >&2',
    "fi",
  ]);
  return { create, delete: destroy };
}
