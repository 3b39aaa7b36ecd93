/**
 * From the stack's config to the migration sets the stack applies: the tenant set (`migrations.dir`, every tenant
 * namespace; managed mode: the one database) and one set per shared namespace (`migrations.shared[i]`).
 * Problems name the config key and the file; the config loader reports them like any other config problem.
 * Depends on no config module (infra/config reads migrations, not the other way round): it takes the config's
 * `mode`, `tenants` and `migrations` as plain values.
 */
import { isAbsolute, resolve } from "node:path";
import { TENANT_PATTERN as NAMESPACE_PATTERN } from "../../worker/claims";
import type { DbMode } from "../../worker/modes";
import { dirExists, readMigrationDir, type MigrationFile } from "./files";
import { DEFAULT_CONCURRENCY } from "./retries";
import { MIGRATION_NAMESPACES, reservedNamespaceProblem } from "./stack-namespaces";

/** Where migration files are looked for when `migrations.dir` is not set. */
export const DEFAULT_MIGRATIONS_DIR = "migrations";
/** Name the managed database goes by in results (Turso has no namespaces: requests carry no namespace header). */
export const MANAGED_DATABASE = "default";

export interface MigrationSet {
  /** The config key the set comes from (`migrations.dir`, `migrations.shared[0]`). */
  key: string;
  /** Directory as configured (relative to Pulumi.yaml). */
  dir: string;
  namespaces: string[];
  files: MigrationFile[];
}

export interface MigrationPlan {
  sets: MigrationSet[];
  concurrency: number;
  /** The migrator's own namespaces (ledger, canary) the stack must create: self-hosted with something to migrate. */
  stackNamespaces: string[];
}

/** What a `migrations.*` mistake looks like: the key below `libsql-stack:` and the fix (a config problem's shape). */
export interface MigrationProblem {
  path: (string | number)[];
  message: string;
}

export type MigrationPlanResult = { ok: true; plan: MigrationPlan } | { ok: false; problems: MigrationProblem[] };

/** The parts of the validated stack config the sets come from. */
export interface MigrationSource {
  mode: DbMode;
  tenants: readonly string[];
  migrations?: { dir?: string; shared?: readonly { namespace: string; dir: string }[]; concurrency?: number };
}

/** Reads the configured directories under `projectDir` (the directory of Pulumi.yaml). */
export function migrationPlan(cfg: MigrationSource, projectDir: string): MigrationPlanResult {
  const m = cfg.migrations;
  const problems: MigrationProblem[] = [];
  const sets: MigrationSet[] = [];
  const readSet = (key: string, path: (string | number)[], dir: string, namespaces: string[]) => {
    const result = readMigrationDir(isAbsolute(dir) ? dir : resolve(projectDir, dir), dir);
    if (!result.ok) problems.push(...result.problems.map((message) => ({ path, message })));
    else sets.push({ key, dir, namespaces, files: result.files });
  };

  // Managed: each tenant is its own Turso database (infra/config/turso-databases.ts); none configured → `default`.
  const tenantTargets = cfg.mode === "managed" && cfg.tenants.length === 0 ? [MANAGED_DATABASE] : [...cfg.tenants].sort();
  if (m?.dir !== undefined) readSet("migrations.dir", ["migrations", "dir"], m.dir, tenantTargets);
  else if (dirExists(resolve(projectDir, DEFAULT_MIGRATIONS_DIR))) readSet("migrations.dir", ["migrations", "dir"], DEFAULT_MIGRATIONS_DIR, tenantTargets);

  const seen = new Set<string>();
  (m?.shared ?? []).forEach((entry, i) => {
    const path = ["migrations", "shared", i, "namespace"];
    const before = problems.length;
    const reserved = reservedNamespaceProblem(entry.namespace);
    if (reserved) {
      problems.push({ path, message: reserved });
    } else if (!NAMESPACE_PATTERN.test(entry.namespace)) {
      problems.push({ path, message: `"${entry.namespace}" is not a namespace name (${NAMESPACE_PATTERN.source})` });
    } else if (cfg.tenants.includes(entry.namespace)) {
      problems.push({ path, message: `"${entry.namespace}" is a tenant; a shared namespace must not be listed in tenants (it would get both sets)` });
    } else if (seen.has(entry.namespace)) {
      problems.push({ path, message: `"${entry.namespace}" is listed twice; give each shared namespace one entry` });
    }
    seen.add(entry.namespace);
    if (problems.length === before) readSet(`migrations.shared[${i}]`, ["migrations", "shared", i, "dir"], entry.dir, [entry.namespace]);
  });
  if (problems.length > 0) return { ok: false, problems };
  const applied = sets.filter((s) => s.namespaces.length > 0 && s.files.length > 0);
  return {
    ok: true,
    plan: {
      sets: applied,
      concurrency: m?.concurrency ?? DEFAULT_CONCURRENCY,
      stackNamespaces: cfg.mode === "managed" || applied.length === 0 ? [] : [...MIGRATION_NAMESPACES],
    },
  };
}
