import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, PROJECT } from "./parse";
import type { StackPlan } from "./plan";
import { SECRET_KEYS } from "./schema";
import type { StackConfig } from "./stack-config";

// isConfigSecret is exported by the SDK at runtime but marked @internal in its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };

export * from "./schema";
export * from "./stack-config";
export type { SelfHostedPlan, ManagedPlan, StackPlan } from "./plan";

/** Raised for invalid config; the plan CLI prints `problems` (one per line) and exits 2. */
export class ConfigError extends pulumi.RunError {
  constructor(public readonly problems: string[]) {
    // RunError: Pulumi prints the message without a stack trace.
    super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Credentials from config, wrapped as Pulumi secrets. */
export interface StackSecrets {
  /** Turso Platform API token; undefined when not set (the environment's TURSO_API_TOKEN is used). */
  tursoApiToken?: pulumi.Output<string>;
  /** The S3 key pair of `backups`: set whenever backups are on (rules.ts requires both keys then). */
  backups?: { accessKeyId: pulumi.Output<string>; secretAccessKey: pulumi.Output<string> };
}

export interface LoadedStackConfig {
  config: StackConfig;
  /** Everything derived from the config (namespaces, migrations, limits, topology), resolved once. */
  plan: StackPlan;
  secrets: StackSecrets;
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
  const { tursoApiToken, backupAccessKeyId, backupSecretAccessKey } = result.config;
  const secrets: StackSecrets = {
    ...(tursoApiToken !== undefined && { tursoApiToken: pulumi.secret(tursoApiToken) }),
    ...(result.config.backups &&
      backupAccessKeyId !== undefined &&
      backupSecretAccessKey !== undefined && { backups: { accessKeyId: pulumi.secret(backupAccessKeyId), secretAccessKey: pulumi.secret(backupSecretAccessKey) } }),
  };
  // Keep credentials out of the plain config object so nothing downstream can print them by accident.
  const config = { ...result.config };
  for (const k of SECRET_KEYS) delete config[k];
  return { config, plan: result.plan, secrets, stack };
}
