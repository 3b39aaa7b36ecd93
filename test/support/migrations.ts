/** Shared pieces of the migration tests: real sqld from the dev stack, namespaces, temp migration dirs. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createClient, type Client } from "@libsql/client";
import { readMigrationDir, type MigrationFile } from "../../infra/migrations/files";
import type { MigrationTarget, MigratorOptions } from "../../infra/migrations/migrator";
import { LEDGER_TABLE } from "../../infra/migrations/ledger";
import { LEDGER_NAMESPACE, MIGRATION_NAMESPACES } from "../../infra/migrations/stack-namespaces";
import { migratorToken } from "../../infra/migrations/token";
import { fetchWithNamespace, NAMESPACE_HEADER } from "../../worker/db";
import type { LocalSqldCluster } from "../../local/sqld/cluster";
import { tenantClientOn } from "../../local/sqld/tenant-client";

export const ROOT = resolve(__dirname, "../..");
export const EXAMPLE_TENANT_DIR = join(ROOT, "examples/migrations/tenant");

export async function createNamespaces(cluster: LocalSqldCluster, names: string[]): Promise<void> {
  for (const name of names) {
    const created = await cluster.admin(cluster.primary, "POST", `/v1/namespaces/${name}/create`, {});
    if (created.status !== 200) throw new Error(`create ${name}: ${created.status} ${created.text}`);
  }
}

export function loadFiles(dir: string): MigrationFile[] {
  const result = readMigrationDir(dir);
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.files;
}

export const targets = (namespaces: string[], files: MigrationFile[]): MigrationTarget[] => namespaces.map((namespace) => ({ namespace, files }));

/** What the stack's Command does in self-hosted mode: a short-lived token scoped to each namespace (scripts/migrate.ts). */
export function selfHostedOptions(cluster: LocalSqldCluster, extra: Partial<MigratorOptions> = {}): MigratorOptions {
  return {
    url: cluster.primary.httpUrl,
    authToken: async (namespace, access) => migratorToken(cluster.keys.privateKeyPem, namespace, access),
    ...extra,
  };
}

/** The stack's namespaces plus the migrator's own (ledger, canary), as the namespaces Command creates them. */
export async function createStackNamespaces(cluster: LocalSqldCluster, names: string[]): Promise<void> {
  await createNamespaces(cluster, [...names, ...MIGRATION_NAMESPACES]);
}

/** The central ledger's rows (read with the migrator's own token: no tenant token reaches that namespace). */
export async function ledgerRows(cluster: LocalSqldCluster): Promise<Record<string, unknown>[]> {
  const client = createClient({
    url: cluster.primary.httpUrl,
    authToken: migratorToken(cluster.keys.privateKeyPem, LEDGER_NAMESPACE, "ro"),
    intMode: "number",
    fetch: fetchWithNamespace(LEDGER_NAMESPACE),
  });
  try {
    return (await client.execute(`SELECT namespace, id, name, sha256, state, nonce, updated_at FROM ${LEDGER_TABLE} ORDER BY namespace, id, updated_at`)).rows.map((r) => ({ ...r }));
  } finally {
    client.close();
  }
}

/** A client for checking a namespace's contents directly (not through the migrator). */
export async function namespaceClient(cluster: LocalSqldCluster, namespace: string): Promise<Client> {
  return tenantClientOn(cluster, cluster.primary, namespace);
}

export async function tablesOf(cluster: LocalSqldCluster, namespace: string): Promise<string[]> {
  const client = await namespaceClient(cluster, namespace);
  try {
    const rs = await client.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY name");
    return rs.rows.map((r) => String(r.name));
  } finally {
    client.close();
  }
}

export async function recordedNames(cluster: LocalSqldCluster, namespace: string): Promise<string[]> {
  const client = await namespaceClient(cluster, namespace);
  try {
    return (await client.execute("SELECT name FROM _libsql_stack_migrations ORDER BY id")).rows.map((r) => String(r.name));
  } finally {
    client.close();
  }
}

/** A scratch migrations directory (a copy of `from`, or empty); removed by `cleanup`. */
export function scratchDir(from?: string): { dir: string; write(name: string, sql: string): void; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), "libsql-stack-migrations-"));
  const dir = join(root, "migrations");
  if (from) cpSync(from, dir, { recursive: true });
  else mkdirSync(dir);
  return { dir, write: (name, sql) => writeFileSync(join(dir, name), sql), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A fetch that records, per request, which namespace it was for, and the most namespaces in flight at once. */
export function countingFetch(): { fetch: NonNullable<MigratorOptions["fetch"]>; maxInFlightNamespaces(): number; namespacesSeen(): Set<string> } {
  const inFlight = new Map<string, number>();
  const seen = new Set<string>();
  let max = 0;
  return {
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const ns = request.headers.get(NAMESPACE_HEADER) ?? "(none)";
      seen.add(ns);
      inFlight.set(ns, (inFlight.get(ns) ?? 0) + 1);
      max = Math.max(max, inFlight.size);
      try {
        return await fetch(request);
      } finally {
        const left = inFlight.get(ns)! - 1;
        if (left === 0) inFlight.delete(ns);
        else inFlight.set(ns, left);
      }
    },
    maxInFlightNamespaces: () => max,
    namespacesSeen: () => seen,
  };
}
