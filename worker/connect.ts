/**
 * Where a client connects with a tenant token: what `POST /v1/tenants/:t/token` and `npm run token -- --json` add
 * next to the token, so a caller is never handed a token without a way to use it.
 *
 * With `sqld.tenantDomain` every tenant has its own host (`libsql://acme.db.example.com`): sqld takes the namespace
 * from the Host's first label, which is all embedded replicas, drizzle and the SDKs can send. Without it there is
 * one URL for every namespace, and a request must name its namespace in `x-namespace-bin` (else sqld takes the first
 * label of `<app>.fly.dev`, a namespace that does not exist): the answer says so instead of failing later.
 */
import { NAMESPACE_HEADER, namespaceHeaderValue } from "./db";

/** The placeholder a tenant URL template (`plan.sqld.tenantDomain.urlTemplate`) holds once. */
export const TENANT_PLACEHOLDER = "{tenant}";

/** The URL of `tenant` from a template like `libsql://{tenant}.db.example.com`. */
export const tenantUrl = (template: string, tenant: string) => template.replace(TENANT_PLACEHOLDER, tenant);

export type TenantConnection =
  | { url: string }
  | { url: string; namespaceHeader: Record<typeof NAMESPACE_HEADER, string>; note: string };

/** Without a tenant domain: a client that cannot set the header (embedded replica, drizzle) cannot use the token. */
export const NO_TENANT_DOMAIN_NOTE =
  `send namespaceHeader with every request (@libsql/client: a custom fetch); embedded replicas and clients that cannot set headers need libsql-stack:sqld.tenantDomain`;

/** How `tenant` is reached: its own URL from `urlTemplate`, else sqld's `dbUrl` plus the namespace header. */
export function tenantConnection(tenant: string, o: { urlTemplate?: string; dbUrl: string }): TenantConnection {
  if (o.urlTemplate !== undefined) return { url: tenantUrl(o.urlTemplate, tenant) };
  return { url: o.dbUrl, namespaceHeader: { [NAMESPACE_HEADER]: namespaceHeaderValue(tenant) }, note: NO_TENANT_DOMAIN_NOTE };
}

/** Why `template` cannot be a tenant URL template, or undefined. */
export function urlTemplateProblem(template: string): string | undefined {
  if (!/^(libsql|https?):\/\/\{tenant\}\.[^/{}]+$/.test(template)) {
    return `must look like libsql://{tenant}.<domain>[:port] (or http(s)://), got ${JSON.stringify(template)}`;
  }
  return undefined;
}
