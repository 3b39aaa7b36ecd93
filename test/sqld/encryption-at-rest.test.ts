/**
 * What sqld's encryption at rest (`--encryption-key`, env SQLD_ENCRYPTION_KEY) does on the real hardened binary
 * (0.24.32), with namespaces and bottomless backups to s3rver as the backups example stack runs them. Facts for
 * issue 20 item 5, summarized in docs/encryption-at-rest-facts.md: a future sqld that behaves otherwise fails here.
 * Upstream (libsql-server/src/main.rs `make_db_config`): the key is raw bytes, the cipher Aes256Cbc, and bottomless
 * inherits the same key unless it has its own.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalS3, type LocalS3 } from "../../local/backups/s3";
import { createTenant, presentIds, startBackupStack, tenantClient, type BackupCluster } from "../../local/backups/backup-stack";
import { openEmbeddedReplica } from "../../local/clients/embedded-replica";
import { startStackSqld, withEnv, type LocalSqldCluster } from "../../local/sqld/cluster";
import { createNamespaces, executeRaw, scopedToken } from "../../local/sqld/tenant-client";

const KEY = "a".repeat(64);
const OTHER_KEY = "b".repeat(64);
const MARKER = "MARKER-7f3a9c";
const SQLITE_HEADER = "SQLite format 3\u0000";
const TENANTS = ["acme", "globex"];
/**
 * How sqld answers a query on a namespace it cannot decrypt. The wording varies from request to request (the first
 * open fails in SQLite, later ones in sqld's namespace loading or bottomless's restore attempt), the status does not.
 */
const UNREADABLE = { status: 500, text: expect.stringMatching(/^\{"error":"(Internal Error: `)?(file is not a database|unsupported file format)`?"\}$/) };
/** With backups on, bottomless's restore attempt can fail first, with its own words (seen: "could not convert slice to array"). */
const UNREADABLE_WITH_BACKUPS = { status: 500, text: expect.stringMatching(/^\{"error":"Internal Error: `[^`]+`"\}$/) };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.reverse()) await close();
  cleanup = [];
});

const withKey = (key: string | undefined) => (toml: string) => (key === undefined ? toml : withEnv(toml, { SQLD_ENCRYPTION_KEY: key }));

/** The backups example's primary on its own s3rver bucket, with SQLD_ENCRYPTION_KEY set in its env when `key` is given. */
async function start(key: string | undefined): Promise<{ s3: LocalS3; cluster: BackupCluster }> {
  const s3 = await startLocalS3();
  cleanup.push(() => s3.close());
  const cluster = await startBackupStack(s3, { editFlyToml: withKey(key) });
  cleanup.push(() => cluster.close());
  return { s3, cluster };
}

/** The dev stack's primary: namespaces, no backups. */
async function startWithoutBackups(key: string | undefined): Promise<LocalSqldCluster> {
  const cluster = await startStackSqld("dev", {}, { editFlyToml: withKey(key) });
  cleanup.push(() => cluster.close());
  return cluster;
}

/** Each tenant gets 200 rows whose text holds MARKER. */
async function seed(cluster: LocalSqldCluster): Promise<void> {
  for (const tenant of TENANTS) {
    await createTenant(cluster, tenant);
    const client = await tenantClient(cluster, tenant);
    const rows = Array.from({ length: 200 }, (_, i) => ({ sql: "insert into t values (?, ?)", args: [i, `${MARKER}-${tenant}-${i}`] }));
    await client.batch(["create table t (id integer primary key, note text)", ...rows], "write");
    client.close();
  }
}

/** Stops the primary gracefully and starts it again on the same volume with another key (undefined: none). */
async function restartWith(cluster: LocalSqldCluster, key: string | undefined): Promise<void> {
  await cluster.primary.process.stop("SIGINT");
  const { SQLD_ENCRYPTION_KEY: _previous, ...env } = cluster.primary.process.options.env;
  cluster.primary.process.options.env = key === undefined ? env : { ...env, SQLD_ENCRYPTION_KEY: key };
  await cluster.primary.process.start();
}

/** One Hrana request as tenant `acme`: status and body text. */
async function query(cluster: LocalSqldCluster, sql: string): Promise<{ status: number; text: string }> {
  const token = await scopedToken(cluster.keys.privateKeyPem, "acme", "rw");
  return executeRaw(cluster.primary.httpUrl, sql, { token, namespace: "acme" });
}

const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));

/** A file's bytes; bottomless compresses namespace WAL segments with zstd (`.zstd`), so those are decompressed (zstd CLI). */
function contentOf(file: string): Buffer {
  const bytes = readFileSync(file);
  if (bytes.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return execFileSync("zstd", ["-dc", file]);
  return bytes;
}

interface Seen {
  file: string;
  sqliteHeader: boolean;
  markers: number;
}

function look(file: string): Seen {
  const text = contentOf(file).toString("latin1");
  return { file, sqliteHeader: text.startsWith(SQLITE_HEADER), markers: text.split(MARKER).length - 1 };
}

/** What is on the volume and in the bucket after two tenants were written and the primary stopped (backups flushed). */
async function writeAndLook(key: string | undefined): Promise<{ volume: (path: string) => Seen; segments: Seen[]; metastoreObjects: Seen[]; metastore: string }> {
  const { s3, cluster } = await start(key);
  await seed(cluster);
  await cluster.primary.process.stop("SIGINT");
  const dataDir = join(cluster.primary.dataDir, "data.sqld");
  const objects = filesUnder(s3.directory).filter((f) => f.endsWith("._S3rver_object"));
  return {
    volume: (path) => look(join(dataDir, path)),
    segments: objects.filter((f) => /\/ns-[^/]*:(acme|globex)-[^/]*\/\d+-\d+-\d+\.zstd\._S3rver_object$/.test(f)).map(look),
    metastoreObjects: objects.filter((f) => /-metastore-[^/]*\/db\.raw\._S3rver_object$/.test(f)).map(look),
    metastore: readFileSync(join(dataDir, "metastore", "data")).toString("latin1"),
  };
}

describe("sqld --encryption-key on the real binary (namespaces, bottomless to s3rver)", () => {
  it("control, no key: the marker is readable in each namespace's WAL, wallog and bottomless WAL segments", async () => {
    const seen = await writeAndLook(undefined);
    for (const tenant of TENANTS) {
      expect(seen.volume(`dbs/${tenant}/data`).sqliteHeader).toBe(true);
      expect(seen.volume(`dbs/${tenant}/data-wal`).markers).toBeGreaterThan(0);
      expect(seen.volume(`dbs/${tenant}/wallog`).markers).toBeGreaterThan(0);
    }
    expect(seen.segments.length).toBeGreaterThanOrEqual(TENANTS.length);
    expect(seen.segments.every((s) => s.markers > 0)).toBe(true);
  });

  it("with a key: namespace files, WAL, wallog and bottomless segments hold no plaintext; the meta store stays plain SQLite", async () => {
    const seen = await writeAndLook(KEY);
    for (const tenant of TENANTS) {
      for (const file of ["data", "data-wal", "wallog"]) expect(seen.volume(`dbs/${tenant}/${file}`), `${tenant}/${file}`).toMatchObject({ sqliteHeader: false, markers: 0 });
    }
    expect(seen.segments.length).toBeGreaterThanOrEqual(TENANTS.length);
    for (const segment of seen.segments) expect(segment, segment.file).toMatchObject({ sqliteHeader: false, markers: 0 });
    // The meta store (namespace list and configs) is not encrypted, on the volume nor in its bucket copy.
    expect(seen.volume("metastore/data").sqliteHeader).toBe(true);
    expect(seen.metastore).toContain("globex");
    expect(seen.metastoreObjects.length).toBeGreaterThan(0);
    for (const object of seen.metastoreObjects) expect(object.sqliteHeader, object.file).toBe(true);
  });

  it("with backups, a wrong key or no key: sqld starts and /health answers, reads are 500; the right key reads the rows again", async () => {
    // Reads only. With an insert and an admin config read also sent during the wrong-key runs, 2 of 8 runs left
    // the namespace unreadable WITH the right key, across restarts ("could not convert slice to array"): see
    // docs/encryption-at-rest-facts.md. Not asserted here because it does not happen every time.
    const { cluster } = await start(KEY);
    await seed(cluster);
    for (const key of [OTHER_KEY, undefined]) {
      await restartWith(cluster, key);
      expect(cluster.primary.process.running).toBe(true);
      expect((await fetch(`${cluster.primary.httpUrl}/health`)).status).toBe(200);
      // bottomless takes the unreadable local file for stale and restores over it on each request (failing too).
      expect(await query(cluster, "select count(*) from t")).toMatchObject(UNREADABLE_WITH_BACKUPS);
      expect(await query(cluster, "select count(*) from t")).toMatchObject(UNREADABLE_WITH_BACKUPS);
    }
    await restartWith(cluster, KEY);
    // Seen on 0.24.32: the first request after the key is right again can still fail (500, bottomless's state from
    // the wrong-key run; always when that run got no request at all); a retry reads every row.
    let reply = await query(cluster, "select count(*) from t");
    for (let attempt = 1; reply.status !== 200 && attempt < 5; attempt++) {
      expect(reply).toMatchObject(UNREADABLE_WITH_BACKUPS);
      await new Promise((r) => setTimeout(r, 200));
      reply = await query(cluster, "select count(*) from t");
    }
    expect(reply).toMatchObject({ status: 200, text: expect.stringContaining('"value":"200"') });
  });

  it("without backups, a wrong key or no key: every query is 500 'file is not a database', the admin config too; the right key reads again", async () => {
    const cluster = await startWithoutBackups(KEY);
    await seed(cluster);
    for (const key of [OTHER_KEY, undefined]) {
      await restartWith(cluster, key);
      expect((await fetch(`${cluster.primary.httpUrl}/health`)).status).toBe(200);
      expect(await query(cluster, "select count(*) from t")).toMatchObject(UNREADABLE);
      expect(await query(cluster, "insert into t values (1000, 'x')")).toMatchObject(UNREADABLE);
      expect((await cluster.admin(cluster.primary, "GET", "/v1/namespaces/acme/config")).status).toBe(500);
    }
    await restartWith(cluster, KEY);
    expect(await query(cluster, "select count(*) from t")).toMatchObject({ status: 200, text: expect.stringContaining('"value":"200"') });
  });

  it("without backups, adding a key to unencrypted data makes it unreadable (500, nothing converted); removing the key reads it again", async () => {
    const cluster = await startWithoutBackups(undefined);
    await seed(cluster);
    await restartWith(cluster, KEY);
    expect(await query(cluster, "select count(*) from t")).toMatchObject(UNREADABLE);
    expect(cluster.primary.process.logTail(200)).toContain('SqliteFailure(Error { code: NotADatabase, extended_code: 26 }, Some("file is not a database"))');
    await restartWith(cluster, undefined);
    expect(await query(cluster, "select count(*) from t")).toMatchObject({ status: 200 });
  });

  it("with backups, adding a key rebuilds the local file from the plaintext bucket, encrypted: the rows read with the key", async () => {
    // bottomless cannot read the local file's header with the key, takes the bucket as newer and restores over it.
    const { cluster } = await start(undefined);
    await seed(cluster);
    await restartWith(cluster, KEY);
    expect((await presentIds(cluster, "acme")).size).toBe(200);
    expect(cluster.primary.process.logTail(400)).toMatch(/WAL file has been applied onto database file in generation/);
    await cluster.primary.process.stop("SIGINT");
    expect(look(join(cluster.primary.dataDir, "data.sqld", "dbs", "acme", "data"))).toMatchObject({ sqliteHeader: false, markers: 0 });
  });

  it("an embedded replica with no key syncs from an encrypted primary and reads the rows: frames leave sqld decrypted", async () => {
    const { cluster } = await start(KEY);
    await seed(cluster);
    const token = await scopedToken(cluster.keys.privateKeyPem, "acme", "ro");
    const replica = await openEmbeddedReplica({ namespace: "acme", port: Number(new URL(cluster.primary.httpUrl).port), token });
    try {
      expect(await replica.sync()).toMatchObject({ ok: true });
      expect(await replica.execute("select note from t where id = 7")).toEqual({ ok: true, rows: [[`${MARKER}-acme-7`]] });
    } finally {
      await replica.close();
    }
  });

  it("sqld read replicas given the same key cannot serve the namespace: reads and forwarded writes are 500 'file is not a database'", async () => {
    // The prod stack (primary + replicas over gRPC/mTLS), the key in every machine's env. Without the key the same
    // reads work (test/sqld/replication.test.ts). Likely cause: frames leave the primary decrypted
    // (see the embedded replica below) and the replica writes them as they are into a file it then opens with the key.
    const cluster = await startStackSqld("prod", {}, { editFlyToml: withKey(KEY) });
    cleanup.push(() => cluster.close());
    await createNamespaces(cluster, ["acme"]);
    const token = await scopedToken(cluster.keys.privateKeyPem, "acme", "rw");
    const on = (url: string, sql: string) => executeRaw(url, sql, { token, namespace: "acme" });
    expect((await on(cluster.primary.httpUrl, "create table t (x text)")).status).toBe(200);
    expect((await on(cluster.primary.httpUrl, "insert into t values ('hello')")).status).toBe(200);
    expect(cluster.replicas.length).toBeGreaterThan(0);
    for (const replica of cluster.replicas) {
      expect(await on(replica.httpUrl, "select * from t")).toMatchObject(UNREADABLE);
      expect(await on(replica.httpUrl, "insert into t values ('via replica')")).toMatchObject(UNREADABLE);
    }
  });

  it("a restore from bottomless on an empty volume fails for an encrypted namespace even with the right key: 500, 'unsupported file format'", async () => {
    const { cluster } = await start(KEY);
    await seed(cluster);
    await cluster.primary.process.stop("SIGINT");
    rmSync(cluster.primary.dataDir, { recursive: true, force: true });
    await cluster.primary.process.start();
    await expect(presentIds(cluster, "acme")).rejects.toThrow(/SERVER_ERROR: Server returned HTTP status 500/);
    const log = cluster.primary.process.logTail(400);
    expect(log).toContain("HTTP API: 500 Internal Server Error, Anyhow(unsupported file format");
    expect(log).toContain("Error code 1: SQL error or missing database");
  });
});
