/**
 * Durability on real sqld: the primary is killed (SIGKILL, no shutdown) in the middle of a write loop and started
 * again on the same data dir. Every insert the server acknowledged must be there, with and without backups (with
 * bottomless on, startup first compares the local database with the bucket: it must keep the newer local one).
 */
import { afterEach, describe, expect, it } from "vitest";
import { startStackSqld, type LocalSqldCluster } from "../../local/sqld/cluster";
import { startLocalS3, type LocalS3 } from "../../local/backups/s3";
import { createTenant, presentIds, startBackupStack, tenantClient } from "../../local/backups/backup-stack";
import { lostWrites, startWriteLoop, waitForWrites } from "../../local/backups/write-loop";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function killDuringWrites(cluster: LocalSqldCluster) {
  await createTenant(cluster, "acme");
  const client = await tenantClient(cluster, "acme");
  await client.execute("create table t (id integer primary key)");
  const loop = startWriteLoop(client, 4);
  await waitForWrites(loop, 300);
  await cluster.primary.process.stop("SIGKILL");
  await loop.stop();
  client.close();
  await cluster.primary.process.start();
  return { acknowledged: loop.acknowledged.length, lost: lostWrites(loop, await presentIds(cluster, "acme")) };
}

describe("SIGKILL during a write loop, restart on the same data dir", () => {
  it("loses no acknowledged write (dev stack, no backups)", async () => {
    const cluster = await startStackSqld("dev");
    cleanup.push(() => cluster.close());
    const { acknowledged, lost } = await killDuringWrites(cluster);
    expect(acknowledged).toBeGreaterThanOrEqual(300);
    expect(lost).toEqual([]);
  });

  it("loses no acknowledged write (backups example: bottomless and meta store on)", async () => {
    const s3: LocalS3 = await startLocalS3();
    cleanup.push(() => s3.close());
    const cluster = await startBackupStack(s3);
    cleanup.push(() => cluster.close());
    const { acknowledged, lost } = await killDuringWrites(cluster);
    expect(acknowledged).toBeGreaterThanOrEqual(300);
    expect(lost).toEqual([]);
  });
});
