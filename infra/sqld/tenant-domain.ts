import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { scriptCommand } from "../command";
import { certScripts } from "../fly/scripts";

export interface TenantDomainArgs {
  /** Fly app that runs sqld: the certificate goes on it and `*.<domain>` points at `<app>.fly.dev`. */
  app: string;
  /** `sqld.tenantDomain`, e.g. `db.example.com`: each tenant answers at `<tenant>.<domain>`. A public domain only. */
  domain: string;
  /** Cloudflare zone id that holds `domain` (`sqld.tenantDomainZoneId`, or the Worker's zone). */
  zoneId: string;
  /** Steps the certificate waits for: the app must exist and have its public IPs (the `-ips` step). */
  after: pulumi.Resource[];
}

/** What the certificate Command prints (infra/fly/scripts/cert-filter.ts `report`). */
interface CertReport {
  hostname: string;
  status: string;
  acmeChallengeName: string;
  acmeChallengeTarget: string;
}

/** Every record says who made it, so nobody edits it by hand in the dashboard. */
const RECORD_COMMENT = "Managed by libsql-stack (pulumi): sqld.tenantDomain; edits are overwritten by the next pulumi up";

/**
 * Tenants at `<tenant>.<domain>` over TLS that ends at Fly: a Fly certificate for `*.<domain>` on the sqld app and,
 * in Cloudflare DNS, the wildcard CNAME to `<app>.fly.dev` and the `_acme-challenge.<domain>` CNAME Fly's DNS-01
 * validation of a wildcard needs. Both records are DNS-only (`proxied: false`): a proxied record would end TLS at
 * Cloudflare, which holds no certificate for the tenant names and would hide Fly's from clients.
 *
 * Nothing here is protected: no data lives in a record or a certificate, and each is re-created by an `up` in
 * seconds (Fly re-issues the certificate once the challenge record resolves). A protected record would block the
 * replacement a changed `sqld.tenantDomain` needs.
 */
export class TenantDomain extends pulumi.ComponentResource {
  /** `*.<domain>`, the host name the certificate is for. */
  readonly hostname: string;
  /** The Fly certificate Command; its stdout is the CertReport. */
  readonly certificate: pulumi.Resource;

  constructor(name: string, args: TenantDomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("libsql-stack:sqld:TenantDomain", name, {}, opts);
    this.hostname = `*.${args.domain}`;
    // pulumi-command replaces a Command only when `triggers` change: a new domain (or app) adds the new certificate
    // and then runs the old Command's delete, which removes the old certificate from the app.
    const certificate = scriptCommand(
      `${name}-cert`,
      { scripts: certScripts({ app: args.app, hostname: this.hostname }), triggers: [args.app, this.hostname] },
      { parent: this, dependsOn: args.after },
    );
    this.certificate = certificate;
    const report = certificate.stdout.apply((stdout) => JSON.parse(stdout) as CertReport);
    const record = { zoneId: args.zoneId, type: "CNAME", proxied: false, ttl: 1, comment: RECORD_COMMENT };
    // The name is the full host name, as the DNS API stores it: a relative one would show drift on every refresh
    // (terraform-provider-cloudflare dns_record custom.go normalizes the API's FQDN against the prior name).
    new cloudflare.DnsRecord(`${name}-wildcard`, { ...record, name: this.hostname, content: `${args.app}.fly.dev` }, { parent: this });
    new cloudflare.DnsRecord(
      `${name}-acme-challenge`,
      // The name is known before the certificate exists; the script checks that flyctl asks for this very name.
      { ...record, name: `_acme-challenge.${args.domain}`, content: report.acmeChallengeTarget },
      { parent: this },
    );
    this.registerOutputs({ hostname: this.hostname });
  }
}
