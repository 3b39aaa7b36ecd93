import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, PROJECT } from "./parse";
import { SECRET_KEYS, type SecretKey, type StackConfig } from "./schema";

// isConfigSecret is exported by the SDK at runtime but marked @internal in its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };

export * from "./schema";
export { parseStackConfig, formatPath, PROJECT } from "./parse";
export { FLY_REGIONS, isFlyRegion } from "./fly-regions";

/** Raised for invalid config; the plan CLI prints `problems` (one per line) and exits 2. */
export class ConfigError extends pulumi.RunError {
  constructor(public readonly problems: string[]) {
    // RunError: Pulumi prints the message without a stack trace.
    super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedStackConfig {
  config: StackConfig;
  /** Credentials from config, wrapped as Pulumi secrets (undefined when not set). */
  secrets: Record<SecretKey, pulumi.Output<string> | undefined>;
  stack: string;
}

/** The ONLY place that reads pulumi.Config: reads every `libsql-stack:*` key, validates, and wraps credentials. */
export function loadStackConfig(): LoadedStackConfig {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, unknown> = {};
  const secretKeys = new Set<string>();
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    raw[key] = value;
    if (sdkConfig.isConfigSecret?.(fullKey)) secretKeys.add(key);
  }
  const stack = pulumi.getStack();
  const result = parseStackConfig(raw, { stack, secretKeys });
  if (!result.ok) throw new ConfigError(result.problems);
  const secrets = Object.fromEntries(
    SECRET_KEYS.map((k) => [k, result.config[k] === undefined ? undefined : pulumi.secret(result.config[k] as string)]),
  ) as LoadedStackConfig["secrets"];
  // Keep credentials out of the plain config object so nothing downstream can print them by accident.
  const config = { ...result.config };
  for (const k of SECRET_KEYS) delete config[k];
  return { config, secrets, stack };
}
