/**
 * The `node -e` program that reads `fly certs list --json` and `fly certs check --json` (rules:
 * infra/shell/node-filter.ts). Shapes from superfly/fly-go types.go: `certs list` prints []CertificateSummary
 * (`hostname`, `status`, ...), `certs check`/`add` print CertificateDetailResponse (`hostname`, `status`,
 * `dns_requirements.acme_challenge.{name,target}`), both through flyctl's render.JSON
 * (internal/command/certificates/root.go printCertificates, runCertificatesCheck).
 *
 * `has HOST` → `yes` | `no`: whether the list holds HOST. flyctl lists one page of 50 (runCertificatesList:
 * `ListCertificatesOpts{Limit: 50}`) and then, after the JSON, prints "Showing N of M certificates..." on stdout:
 * the filter reads the JSON before that line, and when HOST is not on the page but more exist it stops (an add
 * could otherwise fail on a certificate that exists) rather than guess.
 * `report HOST` → `{"hostname","status","acmeChallengeName","acmeChallengeTarget"}`, the create script's stdout: the
 * CNAME that DNS-01 validation of a wildcard needs. A target that is not a plain host name stops the script, since
 * it becomes a DNS record's content.
 */
export const CERTS_FILTER_JS = [
  'const raw = require("fs").readFileSync(0, "utf8");',
  "const [mode, host] = process.argv.slice(1);",
  "const fail = (message) => { console.error(message); process.exit(1); };",
  'const cut = raw.indexOf("\\nShowing ");',
  "const text = (cut >= 0 ? raw.slice(0, cut) : raw).trim();",
  "let doc;",
  'try { doc = text === "" ? null : JSON.parse(text); } catch (e) { fail("expected JSON from fly certs, got: " + text.slice(0, 200)); }',
  "const hostRe = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;",
  'if (mode === "has") {',
  "  const list = doc ?? [];",
  '  if (!Array.isArray(list)) fail("expected a JSON array from fly certs list, got: " + text.slice(0, 200));',
  "  const found = list.some((c) => c.hostname === host);",
  '  if (!found && cut >= 0) fail("fly certs list shows one page and " + host + " is not on it: the app has more certificates than flyctl lists; check with fly certs check " + host);',
  '  console.log(found ? "yes" : "no");',
  '} else if (mode === "report") {',
  '  if (!doc || typeof doc !== "object" || Array.isArray(doc)) fail("expected a JSON object from fly certs check, got: " + text.slice(0, 200));',
  '  if (doc.hostname !== host) fail("fly certs check answered for " + JSON.stringify(doc.hostname) + ", not " + host);',
  "  const acme = (doc.dns_requirements && doc.dns_requirements.acme_challenge) || {};",
  '  const expected = "_acme-challenge." + host.replace(/^\\*\\./, "");',
  '  if (acme.name !== expected) fail("fly certs check: expected the ACME challenge record " + expected + ", got " + JSON.stringify(acme.name));',
  '  if (typeof acme.target !== "string" || !hostRe.test(acme.target)) fail("fly certs check: the ACME challenge target is not a host name: " + JSON.stringify(acme.target));',
  "  console.log(JSON.stringify({ hostname: host, status: String(doc.status), acmeChallengeName: acme.name, acmeChallengeTarget: acme.target }));",
  '} else fail("unknown mode " + mode);',
].join("\n");
