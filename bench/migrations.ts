/**
 * Benchmark (figures, not pass/fail): apply one 3-statement migration to N namespaces (default 1000) of REAL sqld
 * started from the dev stack's fly.toml, at concurrency 1, 8 and 32. Each level applies its own next file to the
 * same namespaces, after an untimed first file that creates the bookkeeping table everywhere.
 *   npm run bench:migrations [-- --namespaces 1000 --levels 1,8,32 --max-active-namespaces 2000]
 * Prints a table; writes bench/results/migrations.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { MigrationFile } from "../infra/migrations/files";
import { sha256Hex } from "../infra/migrations/files";
import { mapBounded, migrate, type MigratorOptions } from "../infra/migrations/migrator";
import { MIGRATION_NAMESPACES } from "../infra/migrations/stack-namespaces";
import { migratorToken } from "../infra/migrations/token";
import { startStackSqld, withEnv } from "../local/sqld/cluster";

function file(id: number, sql: string): MigrationFile {
  const name = `${String(id).padStart(4, "0")}_bench_${id}.sql`;
  return { id, name, sha256: sha256Hex(sql), sql };
}

/** A 3-statement migration: a table, an index, a row. */
const threeStatements = (id: number) =>
  `CREATE TABLE bench_${id} (id INTEGER PRIMARY KEY, node TEXT NOT NULL, at INTEGER NOT NULL);\nCREATE INDEX bench_${id}_by_node ON bench_${id} (node, at);\nINSERT INTO bench_${id} (node, at) VALUES ('n1', ${id});\n`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { namespaces: { type: "string", default: "1000" }, levels: { type: "string", default: "1,8,32" }, "max-active-namespaces": { type: "string" } },
  });
  const count = Number(values.namespaces);
  const levels = values.levels!.split(",").map(Number);
  // sqld's namespace cache (--max-active-namespaces, default 100); the stack does not set it.
  const maxActive = values["max-active-namespaces"];
  const cluster = await startStackSqld("dev", {}, maxActive ? { editFlyToml: (toml) => withEnv(toml, { SQLD_MAX_ACTIVE_NAMESPACES: maxActive }) } : {});
  try {
    const namespaces = Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(5, "0")}`);
    const createStarted = performance.now();
    // The tenants, and the migrator's own ledger and canary namespaces (the stack creates them with the tenants).
    await mapBounded([...namespaces, ...MIGRATION_NAMESPACES], 16, async (ns) => {
      const r = await cluster.admin(cluster.primary, "POST", `/v1/namespaces/${ns}/create`, {});
      if (r.status !== 200) throw new Error(`create ${ns}: ${r.status} ${r.text}`);
    });
    const createSeconds = (performance.now() - createStarted) / 1000;
    // One signed token per namespace, as the stack's Command mints them (signing is part of the measured work).
    // Counts what sqld answered 404 / expired (namespace evictions the migrator retried).
    let retried = 0;
    const countingFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (response.status === 404 || response.status >= 500 || /STREAM_EXPIRED|SQLITE_BUSY/.test(await response.clone().text())) retried++;
      return response;
    };
    const options = (concurrency: number): MigratorOptions => ({
      url: cluster.primary.httpUrl,
      concurrency,
      fetch: countingFetch,
      authToken: async (namespace, access) => migratorToken(cluster.keys.privateKeyPem, namespace, access),
    });
    const files: MigrationFile[] = [file(1, "CREATE TABLE bench_setup (x);")];
    const warmup = await migrate(namespaces.map((namespace) => ({ namespace, files })), options(32));
    if (!warmup.ok) throw new Error(`warm-up failed: ${warmup.failed[0]?.error}`);
    const rows: { concurrency: number; namespaces: number; seconds: number; namespacesPerSecond: number; msPerNamespace: number; retriedRequests: number }[] = [];
    for (const [i, concurrency] of levels.entries()) {
      files.push(file(i + 2, threeStatements(i + 2)));
      retried = 0;
      const started = performance.now();
      const run = await migrate(namespaces.map((namespace) => ({ namespace, files: [...files] })), options(concurrency));
      const seconds = (performance.now() - started) / 1000;
      if (!run.ok || run.results.some((r) => r.applied.length !== 1)) throw new Error(`level ${concurrency}: ${run.failed.length} failed, e.g. ${run.failed[0]?.error}`);
      rows.push({ concurrency, namespaces: count, seconds: +seconds.toFixed(2), namespacesPerSecond: +(count / seconds).toFixed(1), msPerNamespace: +((seconds * 1000) / count).toFixed(2), retriedRequests: retried });
    }
    console.log(`sqld ${cluster.primary.httpUrl} · ${count} namespaces (created in ${createSeconds.toFixed(1)} s) · ${cpus().length} CPUs · one 3-statement file each · sqld --max-active-namespaces ${maxActive ?? "default (100)"}`);
    console.table(rows);
    const out = join(__dirname, "results");
    mkdirSync(out, { recursive: true });
    const result = { benchmark: "migrations", maxActiveNamespaces: maxActive ? Number(maxActive) : "default (100)", date: new Date().toISOString(), cpus: cpus().length, node: process.version, namespaceCreateSeconds: +createSeconds.toFixed(2), rows };
    const fileName = maxActive ? `migrations-max-active-${maxActive}.json` : "migrations.json";
    writeFileSync(join(out, fileName), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${join(out, fileName)}`);
  } finally {
    await cluster.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
