import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DNS_RECORD } from "../lib/resources";

/**
 * Pure check of one Cloudflare DNS record: a record that sends traffic to a Fly app (`<app>.fly.dev`) or answers
 * Fly's DNS-01 challenge (`_acme-challenge.*`) must be DNS-only. Proxied, TLS for the name would end at
 * Cloudflare, whose edge certificate does not cover a deeper wildcard like `*.db.example.com`, while Fly holds the
 * real one (sqld.tenantDomain, infra/sqld/tenant-domain.ts); a proxied challenge CNAME is flattened, so Fly's
 * validation never sees its target and the certificate is never issued.
 */
export function flyDnsOnlyProblems(props: Record<string, unknown>): string[] {
  if (props.proxied !== true) return [];
  const name = String(props.name ?? "");
  const content = String(props.content ?? "").replace(/\.$/, "");
  if (content.endsWith(".fly.dev")) return [`DNS record ${name} → ${content} is proxied: TLS must end at Fly, which holds the certificate; set proxied: false`];
  if (name.startsWith("_acme-challenge.")) return [`DNS record ${name} is proxied: Fly's DNS-01 validation needs the plain CNAME; set proxied: false`];
  return [];
}

export const flyDnsOnly: ResourceValidationPolicy = {
  name: "fly-dns-only",
  description: "Cloudflare DNS records pointing at a Fly app, or answering its ACME challenge, are DNS-only (proxied: false).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== DNS_RECORD) return;
    for (const problem of flyDnsOnlyProblems(args.props as Record<string, unknown>)) reportViolation(problem);
  },
};
