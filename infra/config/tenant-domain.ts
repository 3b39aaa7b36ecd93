/**
 * `sqld.tenantDomain`: every tenant served at `<tenant>.<tenantDomain>`. Pure (no Pulumi imports), tested without
 * mocks. sqld with `--enable-namespaces` takes the namespace from the first label of the Host (libsql-server
 * `namespace_from_host`), and so do the embedded-replica and remote SDKs: a per-tenant host name is what lets a
 * client that cannot set `x-namespace-bin` reach its tenant.
 */
import { TENANT_PLACEHOLDER } from "../../worker/connect";
import { LOOPBACK_HOSTS } from "./public-url";

/** A lowercase DNS label (RFC 1035 §2.3.1 with digits first allowed, RFC 1123): no leading or trailing dash. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 1035 §2.3.4: 253 characters in text form. */
const MAX_HOSTNAME = 253;

/** `db.localhost` and below: names every systemd/macOS resolver sends to loopback (RFC 6761 §6.3); no DNS, no cert. */
export function isLocalTenantDomain(domain: string): boolean {
  return domain === "localhost" || domain.endsWith(".localhost");
}

/** Why `domain` cannot be `sqld.tenantDomain`, or undefined. */
export function tenantDomainProblem(domain: string): string | undefined {
  const shown = JSON.stringify(domain);
  if (domain.startsWith("*.")) return `${shown} must not start with "*.": give the parent, e.g. db.example.com; the stack serves *.<tenantDomain>`;
  if (domain.includes("://") || domain.includes("/") || domain.includes(":")) return `${shown} must be a host name only (no scheme, port or path), e.g. db.example.com`;
  const labels = domain.split(".");
  if (labels.length < 2) return `${shown} needs at least two labels (a zone you own and a subdomain for tenants), e.g. db.example.com or db.localhost`;
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) return `${shown} has the label ${JSON.stringify(bad)}; labels are 1-63 of a-z, 0-9 and "-", not starting or ending with "-"`;
  // The longest tenant label (63) plus the dot must still fit.
  if (domain.length > MAX_HOSTNAME - 64) return `${shown} is ${domain.length} characters; at most ${MAX_HOSTNAME - 64}, so <tenant>.<tenantDomain> fits DNS's 253`;
  return undefined;
}

/** Why `tenant` cannot be served at `<tenant>.<domain>`, or undefined (the namespace rules allow a trailing dash). */
export function tenantHostProblem(tenant: string, domain: string): string | undefined {
  if (!LABEL.test(tenant)) return `"${tenant}" cannot be a host name label under sqld.tenantDomain (no trailing "-"); rename the tenant or drop tenantDomain`;
  if (tenant.length + 1 + domain.length > MAX_HOSTNAME) return `"${tenant}.${domain}" is longer than DNS's ${MAX_HOSTNAME} characters`;
  return undefined;
}

/**
 * Where a client connects for a tenant, with `{tenant}` to replace: `libsql://{tenant}.<domain>` behind https (the
 * SDKs' libsql:// is https), and on a loopback `sqld.publicUrl` (the demo, the box) the same scheme and port as it,
 * e.g. `http://{tenant}.db.localhost:8080`.
 */
export function tenantUrlTemplate(domain: string, publicUrl: string): string {
  const origin = new URL(publicUrl);
  const scheme = origin.protocol === "https:" ? "libsql:" : origin.protocol;
  return `${scheme}//${TENANT_PLACEHOLDER}.${domain}${origin.port ? `:${origin.port}` : ""}`;
}

/** The Cloudflare zone of the tenant domain: `sqld.tenantDomainZoneId`, else the Worker's custom domain or route zone. */
export function tenantDomainZoneId(cfg: {
  sqld: { tenantDomainZoneId?: string };
  worker?: { customDomain?: { zoneId: string }; route?: { zoneId: string } };
}): string | undefined {
  return cfg.sqld.tenantDomainZoneId ?? cfg.worker?.customDomain?.zoneId ?? cfg.worker?.route?.zoneId;
}

/** The URL of `tenant` from a template made by tenantUrlTemplate: the Worker's own function, so both agree. */
export { tenantUrl } from "../../worker/connect";

/** Cross-field rules of the tenant domain, as [key below libsql-stack:, message] pairs. */
export function tenantDomainRuleProblems(o: {
  domain: string;
  publicUrl: string | undefined;
  tenants: readonly string[];
  zoneId: string | undefined;
}): [(string | number)[], string][] {
  const out: [(string | number)[], string][] = [];
  const local = isLocalTenantDomain(o.domain);
  const loopbackOrigin = o.publicUrl !== undefined && LOOPBACK_HOSTS.has(new URL(o.publicUrl).hostname);
  if (local && !loopbackOrigin) {
    out.push([["sqld", "tenantDomain"], `"${o.domain}" resolves to this machine only; use it with a loopback sqld.publicUrl (the local demo), or a domain you own`]);
  }
  if (!local && o.zoneId === undefined) {
    out.push([["sqld", "tenantDomainZoneId"], `is needed for tenantDomain "${o.domain}": the Cloudflare zone that holds it (or set worker.customDomain/route, whose zoneId is used)`]);
  }
  o.tenants.forEach((tenant, i) => {
    const problem = tenantHostProblem(tenant, o.domain);
    if (problem) out.push([["tenants", i], problem]);
  });
  return out;
}
