import type { z } from "zod";
import { migrationPlan } from "../migrations/sets";
import { resolveStackPlan, stackNamespaces, type StackPlan } from "./plan";
import { crossFieldProblems, type ConfigProblem } from "./rules";
import { SECRET_KEYS, stackConfigSchema, type StackContext } from "./schema";
import { narrowStackConfig, retainedSideConfig, type StackConfig } from "./stack-config";

export const PROJECT = "libsql-stack";

/** A valid config comes with its plan, resolved once here: nothing downstream recomputes it. */
export type ParseResult = { ok: true; config: StackConfig; plan: StackPlan } | { ok: false; problems: string[] };

export interface ParseContext extends StackContext {
  /** Keys (without the project prefix) whose values were stored encrypted (`pulumi config set --secret`). */
  secretKeys?: ReadonlySet<string>;
  /** Directory of Pulumi.yaml; `migrations.*` directories are relative to it. @default process.cwd() */
  projectDir?: string;
}

/** `["regions", 1, "code"]` → `regions[1].code` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === "number") return `${acc}[${part}]`;
    return acc ? `${acc}.${String(part)}` : String(part);
  }, "");
}

/** One line per problem, always starting with the full config key so the user knows what to edit. */
export function formatProblem(p: ConfigProblem): string {
  return `${PROJECT}:${formatPath(p.path)} ${p.message}`;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((node, key) => (node && typeof node === "object" ? (node as Record<string | number, unknown>)[key] : undefined), root);
}

function zodProblems(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key], message: "is not a known setting (check the spelling; see the README config table)" }));
    }
    if (issue.code !== "custom" && valueAt(input, path) === undefined) {
      return [{ path, message: `is required (${issue.message.replace(/^Invalid input: /, "")})` }];
    }
    return [{ path, message: issue.message.replace(/^Invalid input: /, "") }];
  });
}

/**
 * Pulumi hands every config value over as a string; structured YAML values arrive as JSON text.
 * Decode those so zod sees the same shapes the YAML file had.
 */
export function decodeConfigValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const t = value.trim();
  if (/^[[{]/.test(t) || t === "true" || t === "false" || /^-?\d+(\.\d+)?$/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}

/**
 * Validate a stack's config and resolve its plan. `raw` holds the project's keys without the `libsql-stack:` prefix.
 * No Pulumi (it reads only the migration directories): used by loadStackConfig, the plan and migrate CLIs and the
 * tests alike.
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>, ctx: ParseContext): ParseResult {
  const decoded = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, decodeConfigValue(v)]));
  const result = stackConfigSchema(ctx).safeParse(decoded);
  const problems: ConfigProblem[] = [];
  for (const key of SECRET_KEYS) {
    if (raw[key] !== undefined && ctx.secretKeys && !ctx.secretKeys.has(key)) {
      problems.push({ path: [key], message: `holds a credential in plain text; set it with: pulumi config set --secret ${PROJECT}:${key} <value>` });
    }
  }
  if (!result.success) return { ok: false, problems: [...problems, ...zodProblems(result.error.issues, decoded)].map(formatProblem) };
  // Migration files are read at plan time so a bad file fails `preview`, naming the key and the file. They also
  // say whether the stack keeps the migrator's own namespaces, which sqld must hold open too.
  const migrations = migrationPlan(result.data, ctx.projectDir ?? process.cwd());
  const namespaces = stackNamespaces(result.data, migrations.ok ? migrations.plan.stackNamespaces : []);
  problems.push(...crossFieldProblems(result.data, { namespaces }));
  if (problems.length === 0 && !migrations.ok) problems.push(...migrations.problems);
  if (problems.length > 0 || !migrations.ok) return { ok: false, problems: problems.map(formatProblem) };
  const config = narrowStackConfig(result.data);
  const plan = resolveStackPlan(config, migrations.plan);
  const retained = retainedSideConfig(config);
  if (retained) {
    // Its own migration plan: the self-hosted side keeps the migrator's ledger and canary namespaces.
    const retainedMigrations = migrationPlan(retained, ctx.projectDir ?? process.cwd());
    if (!retainedMigrations.ok) return { ok: false, problems: retainedMigrations.problems.map(formatProblem) };
    plan.retained = resolveStackPlan(retained, retainedMigrations.plan);
  }
  return { ok: true, config, plan };
}
