/** The migrator's inputs and results, and how it reaches one namespace. */
import type { Client } from "@libsql/client";
import { NAMESPACE_HEADER, namespaceHeaderValue } from "../../worker/db";
import type { MigrationFile } from "./files";
import { openClient } from "./namespace";

export interface MigrationTarget {
  /** sqld namespace (self-hosted), or `default` for the managed database. */
  namespace: string;
  files: MigrationFile[];
  /**
   * `tenant`: a tenant's own `rw` token (from the gateway) can change this namespace, so a failure here after the
   * canary passed is the tenant's and does not fail the run. `stack`: only the stack's own tokens reach it
   * (`migrations.shared`), so a failure here is the migration's and stops the run before any tenant.
   * @default "tenant"
   */
  owner?: "tenant" | "stack";
  /** The config key the files come from (`migrations.dir`), named in canary messages. */
  set?: string;
}

export type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface MigratorOptions {
  /** sqld's public URL (https://<app>.fly.dev) or the database URL (libsql://<host>). */
  url: string;
  /**
   * Managed mode with a Turso database per tenant: the URL of the database a target lives in.
   * @default `url` for every target
   */
  urlFor?: (namespace: string) => string;
  /** Token for one namespace: self-hosted mints a short-lived token scoped to it; managed returns the database token. */
  authToken: (namespace: string, access: "ro" | "rw") => Promise<string | undefined>;
  /**
   * Send the namespace in `x-namespace-bin` (sqld with namespaces: the central ledger and the canary are used);
   * false for a Turso database (one database, its own in-database ledger). @default true
   */
  namespaceHeader?: boolean;
  /** Namespaces migrated at the same time. @default 8 */
  concurrency?: number;
  /** HTTP transport (e.g. one that counts or proxies requests). @default globalThis.fetch */
  fetch?: Fetch;
  /** Tries per namespace when sqld answers with a transient error (see `isTransient`). @default 16 */
  attempts?: number;
  /**
   * Longest wait for one HTTP request. sqld has no statement timeout: without this, a trigger a tenant put on a
   * table the migrator writes (its marker table, or a table a data migration fills) could run forever and hold
   * the Command, and so `pulumi up`, until someone kills it. @default 300000 (5 minutes)
   */
  requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

export type FailedNamespace = {
  namespace: string;
  ok: false;
  applied: string[];
  failedFile?: string;
  error: string;
  /** True when this failure fails the run (and `pulumi up`); false for a tenant-specific failure after the canary. */
  blocking?: boolean;
  /** Not attempted: the run stopped before tenants (see MigrationRun.stopped). */
  skipped?: boolean;
};

export type NamespaceResult = { namespace: string; ok: true; applied: string[] } | FailedNamespace;

export interface MigrationRun {
  /** False when the run must fail the deploy: a blocking failure, or `stopped`. Tenant-specific failures do not. */
  ok: boolean;
  results: NamespaceResult[];
  /** Every namespace that failed or was skipped, blocking or not. */
  failed: FailedNamespace[];
  /** Why the run stopped before touching any tenant namespace (canary, a shared namespace, the ledger). */
  stopped?: { stage: "canary" | "ledger" | "shared"; failedFile?: string; error: string };
}

export interface NamespaceStatus {
  applied: string[];
  pending: string[];
  /** Why the namespace cannot be migrated (changed or unknown applied files, unreachable), when it cannot. */
  error?: string;
}

/** The transport for one namespace: x-namespace-bin when the server has namespaces, and the request timeout. */
export function transport(namespace: string, o: MigratorOptions): Fetch {
  const send = o.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const request = new Request(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    if (o.namespaceHeader !== false) request.headers.set(NAMESPACE_HEADER, namespaceHeaderValue(namespace));
    return send(request);
  };
}

/** A client for one namespace with a fresh token (each retry mints again, so a slow run never outlives one). */
export async function connect(namespace: string, access: "ro" | "rw", o: MigratorOptions): Promise<Client> {
  return openClient({ url: o.urlFor?.(namespace) ?? o.url, authToken: await o.authToken(namespace, access), fetch: transport(namespace, o) });
}

export const failedOnly = (results: readonly NamespaceResult[]) => results.filter((r): r is FailedNamespace => !r.ok);
