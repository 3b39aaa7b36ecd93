import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parseStackConfig, PROJECT } from "../../infra/config/parse";
import type { StackPlan } from "../../infra/config/plan";
import { UsageError } from "./cli-flags";

export interface StackConfigFile {
  /** Full keys → strings, the way the Pulumi engine hands config to a program (objects as JSON text). */
  config: Record<string, string>;
  /** Full keys stored encrypted (`secure:`); offline they get a placeholder value. */
  secretKeys: string[];
}

/** Read a Pulumi.<stack>.yaml without the Pulumi CLI. Encrypted values cannot be decrypted offline. */
export function readStackConfigFile(path: string): StackConfigFile {
  const doc = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      config[key] = `offline-placeholder-for-${key.split(":").pop()}`;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

/** A stack's resolved plan from its Pulumi.<stack>.yaml, offline (secrets are placeholders); a bad file is a UsageError. */
export function readStackPlan(stack: string, path: string): StackPlan {
  let file;
  try {
    file = readStackConfigFile(path);
  } catch (error) {
    throw new UsageError(`cannot read stack config ${path}: ${(error as Error).message}`);
  }
  const prefix = `${PROJECT}:`;
  const raw = Object.fromEntries(Object.entries(file.config).filter(([k]) => k.startsWith(prefix)).map(([k, value]) => [k.slice(prefix.length), value]));
  const parsed = parseStackConfig(raw, { stack });
  if (!parsed.ok) throw new UsageError(parsed.problems.join("\n"));
  return parsed.plan;
}
