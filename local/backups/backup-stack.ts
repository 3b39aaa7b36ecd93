/**
 * The backups example stack (examples/Pulumi.backups.yaml, primary region only) as a real sqld primary whose
 * bucket is a local s3rver: the fly.toml's flags and [env] as rendered, and the S3 secrets exactly as the stack's
 * `sqld-secrets` Command would import them into Fly. Plus the client calls the backup drills need.
 */
import { rmSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { type Client } from "@libsql/client";
import { BACKUP_SECRET_NAMES } from "../../infra/sqld/files";
import { runPlan } from "../../scripts/lib/plan-runner";
import { defineStack } from "../../stacks/program";
import { stackConfigWith } from "../plan";
import { startStackSqld, type LocalSqldCluster } from "../sqld/cluster";
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from "./s3";
import { tenantClientOn } from "../sqld/tenant-client";
// Read back the way flyctl reads `fly secrets import` stdin: the fake flyctl's port of its parser (parser.go).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseSecrets } = require("../doubles/fake-fly/lib/secrets.js") as { parseSecrets: (b: Buffer) => Map<string, string> };

export type BackupCluster = Awaited<ReturnType<typeof startStackSqld>>;

const STACK = "prod";
const FILE = "examples/Pulumi.backups.yaml";

function overridesFor(s3: LocalS3, backups: Record<string, unknown>): Record<string, unknown> {
  return {
    regions: [{ code: "ams", role: "primary" }],
    backups: { endpoint: s3.endpoint, bucket: s3.bucket, region: "us-east-1", ...backups },
    // Secret config in the example file (`secure:`), so these stay secrets with the values s3rver accepts.
    backupAccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
    backupSecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
  };
}

/**
 * The NAME=VALUE lines the stack pipes into `fly secrets import`, in plain text (the plan prints "[secret]").
 * Generated keys (admin, JWT) are left out: the harness runs sqld with test keys of the same formats.
 */
export async function stackSecretLines(overrides: Record<string, unknown>): Promise<Record<string, string>> {
  const { config, secretKeys } = stackConfigWith(STACK, overrides, FILE);
  let stdin: pulumi.Output<unknown> | undefined;
  await runPlan({
    stack: STACK,
    config,
    secretKeys,
    program: () => {
      pulumi.runtime.registerStackTransformation((t) => {
        if (t.name === "sqld-secrets") stdin = pulumi.output(t.props.stdin);
        return undefined;
      });
      return defineStack() as unknown as Record<string, unknown>;
    },
  });
  if (!stdin) throw new Error("the plan has no sqld-secrets Command");
  const text = String(await new Promise((resolve) => stdin!.apply(resolve)));
  // Values as flyctl stores them (the stack quotes each one for its parser); only the S3 ones: the harness runs sqld
  // with its own test keys and replication certificates of the same formats.
  const s3Names: readonly string[] = [...BACKUP_SECRET_NAMES.accessKeyId, ...BACKUP_SECRET_NAMES.secretAccessKey];
  return Object.fromEntries([...parseSecrets(Buffer.from(text, "utf8"))].filter(([name]) => s3Names.includes(name)));
}

export interface BackupStackOptions {
  /** Keys of `libsql-stack:backups` to override, e.g. batchIntervalSeconds. */
  backups?: Record<string, unknown>;
  /** Reproduce an earlier rendering of the fly.toml. */
  editFlyToml?: (flyToml: string) => string;
}

/** Start the primary of the backups example against `s3`. */
export async function startBackupStack(s3: LocalS3, options: BackupStackOptions = {}): Promise<BackupCluster> {
  const overrides = overridesFor(s3, options.backups ?? {});
  const extraSecrets = await stackSecretLines(overrides);
  return startStackSqld(STACK, overrides, { file: FILE, extraSecrets, editFlyToml: options.editFlyToml });
}

/** Runs `body` against the backups example's primary on a fresh s3rver; both end afterwards. */
export async function withBackupStack<T>(options: BackupStackOptions, body: (cluster: BackupCluster, s3: LocalS3) => Promise<T>): Promise<T> {
  const s3 = await startLocalS3();
  let cluster: BackupCluster | undefined;
  try {
    cluster = await startBackupStack(s3, options);
    return await body(cluster, s3);
  } finally {
    await cluster?.close();
    await s3.close();
  }
}

/** The volume is lost: the machine starts again on an empty data dir (same flags, env and secrets). */
export async function wipeAndStart(cluster: BackupCluster, signal: "SIGINT" | "SIGKILL"): Promise<void> {
  await cluster.primary.process.stop(signal);
  rmSync(cluster.primary.dataDir, { recursive: true, force: true });
  await cluster.primary.process.start();
}

export async function createTenant(cluster: LocalSqldCluster, tenant: string): Promise<void> {
  const created = await cluster.admin(cluster.primary, "POST", `/v1/namespaces/${tenant}/create`, {});
  if (created.status !== 200) throw new Error(`create ${tenant}: ${created.status} ${created.text}`);
}

/** A client for one tenant on the primary, with a token scoped to it (what the gateway would send). */
export async function tenantClient(cluster: LocalSqldCluster, tenant: string): Promise<Client> {
  return tenantClientOn(cluster, cluster.primary, tenant, { ttlSeconds: 3600 });
}

/** Ids present in a tenant's table `t` (id integer primary key). */
export async function presentIds(cluster: LocalSqldCluster, tenant: string): Promise<Set<number>> {
  const client = await tenantClient(cluster, tenant);
  try {
    return new Set((await client.execute("select id from t")).rows.map((r) => Number(r.id)));
  } finally {
    client.close();
  }
}
