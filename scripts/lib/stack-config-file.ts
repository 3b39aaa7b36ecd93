import { readFileSync } from "node:fs";
import { parse } from "yaml";

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
