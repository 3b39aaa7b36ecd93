/**
 * TEST DOUBLE of Fly's proxy deciding whether a request's Host belongs to an app. Fly serves an app on
 * `<app>.fly.dev` (its wildcard *.fly.dev certificate: community.fly.io "A bundle of improvements to certificates")
 * and on every host name the app holds a certificate for (`fly certs add`; flyctl internal/command/certificates/
 * root.go); a wildcard certificate `*.<domain>` covers exactly one label more (RFC 6125 §6.4.3, the rule every TLS
 * client applies to the certificate Fly serves). Pure, so the box's edge and the tests decide the same way.
 *
 * Two kinds of host the local platform adds, neither a Fly behaviour: the box's own loopback address (127.0.0.1,
 * localhost, ::1), which the demo and the tests dial, and `<label>.<localTenantDomain>` for a `*.localhost` tenant
 * domain the box was given (no DNS or certificate exists for it: RFC 6761 §6.3 sends it to loopback).
 */

export interface AppHosts {
  app: string;
  /** Host names of the app's certificates (fake flyctl state: `apps[app].certificates[].hostname`). */
  certificates: readonly string[];
  /** `sqld.tenantDomain` values ending in `.localhost` the box serves for this app. */
  localTenantDomains?: readonly string[];
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** The host name of a Host header: lowercase, without port or a trailing dot. */
export function hostNameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:[0-9]*$/, "");
  return name.replace(/\.$/, "");
}

/** Whether `pattern` (a host name or `*.<domain>`) covers `host`: the wildcard stands for one whole label. */
function covers(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return pattern === host;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === pattern.slice(2);
}

/** Whether Fly's proxy (or the box's loopback stand-in) sends a request with this Host header to `hosts.app`. */
export function servesHost(hosts: AppHosts, hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false; // HTTP/1.1 requires Host (RFC 9112 §3.2); Fly routes by it
  const host = hostNameOf(hostHeader);
  if (LOOPBACK.has(host) || host === `${hosts.app}.fly.dev`) return true;
  if (hosts.certificates.some((c) => covers(c, host))) return true;
  return (hosts.localTenantDomains ?? []).some((d) => covers(`*.${d}`, host));
}
