/**
 * `npm run status`'s last-upload time, read from the bucket (scripts/lib/backup-age.ts) that a real sqld primary of
 * the backups example (batchIntervalSeconds 1) fills through real bottomless, on s3rver.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalS3, S3RVER_CREDENTIALS, type LocalS3 } from "../../local/backups/s3";
import { createTenant, startBackupStack, tenantClient, type BackupCluster } from "../../local/backups/backup-stack";
import { lastUploadOf, type BucketAccess } from "../../scripts/lib/backup-age";
import { backupDbName } from "../../scripts/lib/status-backups";

const DATABASE_ID = "acme-sqld-prod"; // examples/Pulumi.backups.yaml fly.app, the default backups.databaseId

describe("last backup upload, from the bucket (real sqld + bottomless + s3rver)", () => {
  let s3: LocalS3;
  let cluster: BackupCluster;
  let access: BucketAccess;

  beforeAll(async () => {
    s3 = await startLocalS3();
    cluster = await startBackupStack(s3);
    access = { endpoint: s3.endpoint, bucket: s3.bucket, region: "us-east-1", ...S3RVER_CREDENTIALS };
    // `acme-eu` extends `acme`'s name: its generations list under acme's prefix and must not be taken for acme's.
    for (const tenant of ["acme", "acme-eu"]) await createTenant(cluster, tenant);
  }, 120_000);
  afterAll(async () => {
    await cluster?.close();
    await s3?.close();
  });

  const write = async (tenant: string, rows: number) => {
    const client = await tenantClient(cluster, tenant);
    try {
      await client.batch(["create table if not exists t (id integer primary key, note text)", ...Array.from({ length: rows }, () => ({ sql: "insert into t(note) values (?)", args: ["x"] }))], "write");
    } finally {
      client.close();
    }
  };

  it("follows a tenant's writes: a newer upload after new rows, in the same (newest) generation", async () => {
    const started = Date.now();
    await write("acme", 20);
    await expect.poll(() => lastUploadOf(access, backupDbName(DATABASE_ID, "acme")), { timeout: 30_000, interval: 500 }).not.toBeNull();
    const first = (await lastUploadOf(access, backupDbName(DATABASE_ID, "acme")))!;
    // S3 times have whole seconds.
    expect(Date.parse(first.at)).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
    expect(first.generation).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 1500));
    await write("acme", 20);
    await expect
      .poll(async () => Date.parse((await lastUploadOf(access, backupDbName(DATABASE_ID, "acme")))!.at), { timeout: 30_000, interval: 500 })
      .toBeGreaterThan(Date.parse(first.at));
  }, 90_000);

  it("a tenant whose name extends another's gets its own generation, and a database with no backup is null", async () => {
    await write("acme-eu", 5);
    await expect.poll(() => lastUploadOf(access, backupDbName(DATABASE_ID, "acme-eu")), { timeout: 30_000, interval: 500 }).not.toBeNull();
    const [acme, eu] = await Promise.all([lastUploadOf(access, backupDbName(DATABASE_ID, "acme")), lastUploadOf(access, backupDbName(DATABASE_ID, "acme-eu"))]);
    expect(acme!.generation).not.toBe(eu!.generation);
    expect(await lastUploadOf(access, backupDbName(DATABASE_ID, "initech"))).toBeNull();
    expect(await lastUploadOf(access, backupDbName("another-app", "acme"))).toBeNull();
  }, 60_000);

  it("refused credentials fail with S3's code (a wrong key id: s3rver does not verify SigV4 secrets, local/backups/s3.ts)", async () => {
    await expect(lastUploadOf({ ...access, accessKeyId: "NOT-S3RVER" }, backupDbName(DATABASE_ID, "acme"))).rejects.toThrow(/HTTP 403 InvalidAccessKeyId/);
  });
});
