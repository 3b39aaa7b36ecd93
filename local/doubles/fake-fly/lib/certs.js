// TEST DOUBLE of flyctl (not the real CLI): certs list / add (create) / check (show) / remove (delete), after
// superfly/flyctl internal/command/certificates/root.go (2026-08: certificates through the Machines API, fly-go
// flaps/flaps_certificates.go) and the JSON types of superfly/fly-go types.go. Certificates live in the app's state
// (`app.certificates`), where the box's edge reads which host names route to the app (local/box/fly-state.ts).
// Not modelled: issuance (a certificate stays `pending_validation`: nothing here checks DNS), custom certificates
// (`certs import`, `remove --custom/--acme`: unknown flags here), `certs setup`, the ownership TXT record.
"use strict";
const crypto = require("node:crypto");
const { FlyError, UsageError } = require("./errors");
const { now, requireApp, requireYes } = require("./state");

/** Lowercase labels, at least two, one optional leading `*.`: what a certificate can be for (the double's rule). */
const HOSTNAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** root.go runCertificatesList: `ListCertificatesOpts{Limit: 50}`, one page. */
const LIST_LIMIT = 50;

/**
 * flyctl prints JSON with render.JSON (internal/render/render.go JSON: json.Encoder, SetIndent("", "    ")), which
 * is 4 spaces, unlike the 2 of the commands this double modelled first.
 */
const renderJson = (out, value) => out.line(JSON.stringify(value, null, 4));

const certificatesOf = (app) => (app.certificates ??= []);

/**
 * The API refuses what no certificate can be for. Upstream is silent on the exact rule and words (the check is
 * server side); this double refuses anything but lowercase host names, and names under fly.dev (Fly's own).
 */
function checkHostname(hostname) {
  if (!HOSTNAME.test(hostname) || hostname.length > 253) {
    throw new FlyError(`failed to create ACME certificate: ${JSON.stringify(hostname)} is not a valid hostname (fake flyctl: lowercase DNS labels, optionally one leading "*.")`);
  }
  if (hostname === "fly.dev" || hostname.endsWith(".fly.dev")) throw new FlyError(`failed to create ACME certificate: ${hostname} is a fly.dev hostname; Fly serves it already`);
}

/** The certificate of `hostname` on the app, or the flaps 404 flyctl wraps (flaps_certificates.go `failed to ...`). */
function requireCert(app, hostname, action) {
  const cert = certificatesOf(app).find((c) => c.hostname === hostname);
  if (!cert) throw new FlyError(`failed to ${action} certificate: certificate for ${hostname} not found on app ${app.name} (404)`);
  return cert;
}

/** fly-go CertificateSummary, field order and json tags as upstream (`dns_provider` omitempty). */
function summaryView(cert) {
  return {
    hostname: cert.hostname,
    status: cert.status,
    acme_dns_configured: false,
    acme_alpn_configured: false,
    acme_http_configured: false,
    ownership_txt_configured: false,
    configured: cert.status === "active",
    acme_requested: true,
    has_custom_certificate: false,
    has_fly_certificate: cert.status === "active",
    created_at: cert.createdAt,
    updated_at: cert.createdAt,
  };
}

/** fly-go CertificateDetailResponse: what `certs add --json` and `certs check --json` print. */
function detailView(app, cert) {
  const domain = cert.hostname.replace(/^\*\./, "");
  return {
    hostname: cert.hostname,
    configured: cert.status === "active",
    acme_requested: true,
    status: cert.status,
    certificates: [{ source: "fly", status: cert.status, created_at: cert.createdAt, issued: [] }],
    validation: { dns_configured: false, alpn_configured: false, http_configured: false, ownership_txt_configured: false },
    dns_requirements: {
      a: app.sharedIpv4 ? [app.sharedIpv4] : [],
      aaaa: app.ips.filter((ip) => ip.Type === "v6").map((ip) => ip.Address),
      cname: `${app.name}.fly.dev`,
      // DNS-01 for the domain the certificate covers: `_acme-challenge.<domain>` CNAME → a name Fly answers for
      // (root.go printCertAdded prints it as "CNAME <name> → <target>").
      acme_challenge: { name: `_acme-challenge.${domain}`, target: cert.acmeTarget },
      ownership: { name: `_fly-ownership.${domain}`, app_value: `app-${cert.ownershipToken}`, org_value: `org-${cert.ownershipToken}` },
    },
  };
}

const appFlags = { app: { type: "string", short: "a" }, config: { type: "string", short: "c" } };

function oneHostname(positionals, command) {
  // cobra.ExactArgs(1) on add, check and remove.
  if (positionals.length !== 1) throw new UsageError(`accepts 1 arg(s), received ${positionals.length} (certs ${command})`);
  return positionals[0];
}

const commands = {
  "certs list": {
    flags: appFlags,
    run({ state, flags, positionals, out }) {
      if (positionals.length > 0) throw new UsageError(`unknown command "${positionals[0]}" for "fly certs list"`); // cobra.NoArgs
      const certs = certificatesOf(requireApp(state, flags.app));
      const page = certs.slice(0, LIST_LIMIT).map(summaryView);
      if (flags.json) renderJson(out, page);
      else for (const c of page) out.line(`${c.hostname.padEnd(30)} ${"Fly".padEnd(10)} ${c.configured ? "Issued" : "Not verified"}`);
      // Printed after the JSON too (root.go runCertificatesList): `--json` output is then not one JSON document.
      if (certs.length > LIST_LIMIT) out.line(`\nShowing ${page.length} of ${certs.length} certificates. Use the Machines API to paginate through all results.`);
    },
  },
  "certs add": {
    flags: appFlags,
    mutates: true,
    run({ state, flags, positionals, out }) {
      const hostname = oneHostname(positionals, "add");
      const app = requireApp(state, flags.app);
      checkHostname(hostname);
      // A host name is held by one app. Upstream is silent on adding one that exists (server side); the strict
      // reading refuses it, on this app as on another, so callers look before they add.
      const holder = Object.values(state.apps).find((a) => certificatesOf(a).some((c) => c.hostname === hostname));
      if (holder) throw new FlyError(`failed to create ACME certificate: hostname ${hostname} already exists${holder === app ? ` on app ${app.name}` : " on another app"} (422)`);
      const cert = {
        hostname,
        status: "pending_validation",
        createdAt: now(),
        acmeTarget: `${hostname.replace(/^\*\./, "")}.${crypto.randomBytes(2).toString("hex")}.flydns.net`,
        ownershipToken: crypto.randomBytes(8).toString("hex"),
      };
      certificatesOf(app).push(cert);
      if (flags.json) return renderJson(out, detailView(app, cert));
      out.line(`Certificate created for ${hostname}`);
    },
  },
  "certs check": {
    flags: appFlags,
    run({ state, flags, positionals, out }) {
      const hostname = oneHostname(positionals, "check");
      const app = requireApp(state, flags.app);
      const cert = requireCert(app, hostname, "check");
      if (flags.json) return renderJson(out, detailView(app, cert));
      out.line(`Status                    = ${cert.status === "active" ? "Issued" : "Issuing..."}`);
      out.line(`Hostname                  = ${hostname}`);
    },
  },
  "certs remove": {
    flags: { ...appFlags, yes: { type: "bool", short: "y" } },
    mutates: true,
    run({ state, flags, positionals, out }) {
      const hostname = oneHostname(positionals, "remove");
      const app = requireApp(state, flags.app);
      requireYes(flags); // root.go runCertificatesRemove: prompt.Confirm unless --yes
      requireCert(app, hostname, "delete");
      app.certificates = certificatesOf(app).filter((c) => c.hostname !== hostname);
      out.line(`Certificate ${hostname} deleted from app ${app.name}`);
    },
  },
};
// root.go: add has alias `create`, check `show`, remove `delete`; list has none.
commands["certs create"] = commands["certs add"];
commands["certs show"] = commands["certs check"];
commands["certs delete"] = commands["certs remove"];

module.exports = { commands };
