/**
 * Restore drills on real sqld with a local S3 (s3rver): the primary's volume is lost and the machine starts again
 * on an empty data dir with the same fly.toml and secrets. Nothing of the stack runs in between: no namespace
 * create, no admin call. Each drill has its own bucket.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startLocalS3, type LocalS3 } from "../../local/backups/s3";
import { createTenant, presentIds, startBackupStack, tenantClient, wipeAndStart, type BackupCluster, type BackupStackOptions } from "../../local/backups/backup-stack";
import { sleep } from "../../local/backups/write-loop";

const TENANTS = ["acme", "globex", "initech"];
const ROWS = 50;

let running: { s3: LocalS3; cluster?: BackupCluster }[] = [];
afterEach(async () => {
  for (const { s3, cluster } of running) {
    await cluster?.close();
    await s3.close();
  }
  running = [];
});

async function drill(options: BackupStackOptions): Promise<BackupCluster> {
  const entry: { s3: LocalS3; cluster?: BackupCluster } = { s3: await startLocalS3() };
  running.push(entry);
  entry.cluster = await startBackupStack(entry.s3, options);
  return entry.cluster;
}

/** Each tenant gets its own rows (ids offset by tenant), so a restore into the wrong namespace shows. */
const idsOf = (i: number) => Array.from({ length: ROWS }, (_, k) => i * 1000 + k);

async function seed(cluster: BackupCluster, tenants: string[]): Promise<void> {
  for (const [i, tenant] of tenants.entries()) {
    await createTenant(cluster, tenant);
    const client = await tenantClient(cluster, tenant);
    await client.batch(["create table t (id integer primary key, note text)", ...idsOf(i).map((id) => ({ sql: "insert into t values (?, ?)", args: [id, tenant] }))], "write");
    client.close();
  }
}

const withoutLine = (pattern: RegExp) => (flyToml: string) => {
  const edited = flyToml.replace(pattern, "");
  if (edited === flyToml) throw new Error(`fly.toml has nothing matching ${pattern}`);
  return edited;
};

describe("graceful stop (SIGINT), volume lost, start on an empty data dir", () => {
  it("finding 5, reproduced: without --backup-meta-store the primary comes back without its tenants (404)", async () => {
    const cluster = await drill({ editFlyToml: withoutLine(/ --backup-meta-store/) });
    await seed(cluster, TENANTS);
    await wipeAndStart(cluster, "SIGINT");
    for (const tenant of TENANTS) await expect(presentIds(cluster, tenant)).rejects.toThrow(/404|not found|does not exist/i);
  });

  it("with the stack's rendered config, every tenant's rows are back", async () => {
    const cluster = await drill({});
    expect(cluster.primary.spec.args).toContain("--backup-meta-store");
    await seed(cluster, TENANTS);
    await wipeAndStart(cluster, "SIGINT");
    for (const [i, tenant] of TENANTS.entries()) expect([...(await presentIds(cluster, tenant))].sort((a, b) => a - b)).toEqual(idsOf(i));
  });
});

describe("crash (SIGKILL) a few seconds after the last write, volume lost", () => {
  // Waits several batch intervals of 1 s, so the rows are due upload; sqld's own default is 15 s.
  const settle = () => sleep(4000);

  it("finding 5, reproduced: without LIBSQL_BOTTOMLESS_BATCH_INTERVAL_SECS the acknowledged rows are gone", async () => {
    const cluster = await drill({ backups: { batchIntervalSeconds: 1 }, editFlyToml: withoutLine(/^LIBSQL_BOTTOMLESS_BATCH_INTERVAL_SECS = .*\n/m) });
    await seed(cluster, ["acme"]);
    await settle();
    await wipeAndStart(cluster, "SIGKILL");
    // The tenant itself is back (the meta store keeps its own 1 s interval), its table and rows are not.
    await expect(presentIds(cluster, "acme")).rejects.toThrow(/no such table/i);
  });

  it("with batchIntervalSeconds set, the rows are back", async () => {
    const cluster = await drill({ backups: { batchIntervalSeconds: 1 } });
    await seed(cluster, TENANTS);
    await settle();
    await wipeAndStart(cluster, "SIGKILL");
    for (const [i, tenant] of TENANTS.entries()) expect([...(await presentIds(cluster, tenant))].sort((a, b) => a - b)).toEqual(idsOf(i));
  });
});
