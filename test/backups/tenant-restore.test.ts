/**
 * Drill: one tenant restored to a point in time beside itself (scripts/lib/restore-tenant.ts), on real sqld 0.24.32
 * (the backups example stack's rendered flags and env) with its bucket on s3rver. Tenants carry their per-tenant
 * jwt_key as the stack's namespace step sets it. After the restore and after every refusal, every tenant's rows
 * (set and checksum) and config must be what they were.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, startBackupStack, type BackupCluster } from "../../local/backups/backup-stack";
import { startLocalS3, type LocalS3 } from "../../local/backups/s3";
import { sleep } from "../../local/backups/write-loop";
import { syncEmbeddedReplica } from "../../local/clients/embedded-replica";
import { executeRaw, firstResult, namespaceClient } from "../../local/sqld/tenant-client";
import { mintScopedToken, type SigningMode } from "../../worker/jwt";
import { defaultInto } from "../../scripts/lib/restore-args";
import { swapSteps } from "../../scripts/lib/restore-report";
import { RestoreRefused, restoreTenant, type RestoreOptions, type RestoreReport } from "../../scripts/lib/restore-tenant";
import { syncTenantNamespaceConfigs } from "../../scripts/lib/tenant-namespace-config";

const TENANTS = ["acme", "globex", "initech"];

interface Snapshot {
  rows: string;
  sha256: string;
  config: string;
}

describe("restore one tenant to a point in time (real sqld + s3rver)", () => {
  let s3: LocalS3;
  let cluster: BackupCluster;
  let beforeFirstBackup: Date;
  let at: Date;
  let report: RestoreReport;
  let snapshots: Map<string, Snapshot>;

  const token = async (namespace: string, mode: SigningMode, access: "ro" | "rw" = "rw") =>
    (await mintScopedToken(cluster.keys.privateKeyPem, { tenant: namespace, access, ttlSeconds: 600, nowSeconds: Math.floor(Date.now() / 1000) }, mode)).token;
  const client = async (namespace: string) => namespaceClient(cluster.primary.httpUrl, namespace, await token(namespace, "per-tenant"));
  const ids = async (namespace: string) => {
    const db = await client(namespace);
    try {
      return (await db.execute("SELECT id FROM t ORDER BY id")).rows.map((r) => Number(r.id));
    } finally {
      db.close();
    }
  };
  const snapshot = async (namespace: string): Promise<Snapshot> => {
    const db = await client(namespace);
    try {
      const rows = JSON.stringify((await db.execute("SELECT * FROM t ORDER BY id")).rows.map((r) => Object.values(r)));
      const config = (await cluster.admin(cluster.primary, "GET", `/v1/namespaces/${namespace}/config`)).text;
      return { rows, sha256: createHash("sha256").update(rows).digest("hex"), config };
    } finally {
      db.close();
    }
  };
  const snapshotAll = async () => new Map(await Promise.all(TENANTS.map(async (t) => [t, await snapshot(t)] as const)));
  const exists = async (namespace: string) => (await cluster.admin(cluster.primary, "GET", `/v1/namespaces/${namespace}/config`)).status === 200;
  const options = (o: Partial<RestoreOptions>): RestoreOptions => ({
    endpoint: { url: cluster.primary.adminUrl },
    adminKey: cluster.keys.adminKey,
    stackKeyPem: cluster.keys.privateKeyPem,
    tenantKeys: "per-tenant",
    sqlUrl: cluster.primary.httpUrl,
    tenant: "acme",
    into: defaultInto("acme", at),
    to: at,
    ...o,
  });

  beforeAll(async () => {
    s3 = await startLocalS3();
    cluster = await startBackupStack(s3, { backups: { batchIntervalSeconds: 1 } });
    beforeFirstBackup = new Date(Date.now() - 5000);
    for (const t of TENANTS) await createTenant(cluster, t);
    // The per-tenant keys the stack's namespace step writes (its own read-modify-write).
    await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: TENANTS, perTenant: true });
    for (const [i, t] of TENANTS.entries()) {
      const db = await client(t);
      await db.batch(["CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)", ...Array.from({ length: 50 }, (_, k) => ({ sql: "INSERT INTO t VALUES (?, ?)", args: [i * 1000 + k, `${t} before`] }))], "write");
      db.close();
    }
    await sleep(3500); // several 1 s batch intervals: the rows above are uploaded
    at = new Date();
    await sleep(1500);
    const acme = await client("acme");
    await acme.batch([...Array.from({ length: 50 }, (_, k) => ({ sql: "INSERT INTO t VALUES (?, ?)", args: [500 + k, "acme after"] })), "DELETE FROM t WHERE id < 10", "CREATE TABLE later (x)"], "write");
    acme.close();
    await sleep(3500);
    snapshots = await snapshotAll();
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    await s3?.close();
  });

  it("the copy holds acme's rows written before --to, none after; acme and the others are untouched", async () => {
    report = await restoreTenant(options({}));
    expect(report.into).toBe(defaultInto("acme", at));
    expect(await ids(report.into)).toEqual(Array.from({ length: 50 }, (_, k) => k)); // the 10 deleted after --to are back
    expect(report.restored).toEqual([{ table: "t", rows: 50 }]); // `later` was created after --to
    expect(report.current).toEqual([{ table: "later", rows: 0 }, { table: "t", rows: 90 }]);
    expect(await snapshotAll()).toEqual(snapshots);
  }, 60_000);

  it("only a token signed for the copy opens it: acme's tokens (either signing mode) and globex's are refused", async () => {
    const read = async (namespace: string, t: string) => executeRaw(cluster.primary.httpUrl, "SELECT count(*) FROM t", { token: t, namespace });
    expect(firstResult(await read(report.into, await token(report.into, "per-tenant", "ro")))?.type).toBe("ok");
    for (const refused of [await token("acme", "per-tenant"), await token("acme", "shared"), await token("globex", "per-tenant")]) {
      expect((await read(report.into, refused)).status).toBe(401);
    }
    // acme's own token still works on acme: its key was not touched.
    expect(firstResult(await read("acme", await token("acme", "per-tenant", "ro")))?.type).toBe("ok");
    // Embedded-replica sync checks the signature but not the token's scope (README "Tenant signing keys"): a token
    // signed by the stack key for acme (what `auth.tenantKeys: false` hands tenants) must not sync the copy either.
    const port = Number(new URL(cluster.primary.httpUrl).port);
    const stolen = await syncEmbeddedReplica({ namespace: report.into, port, token: await token("acme", "shared", "ro"), sql: "SELECT count(*) FROM t" });
    expect(stolen.ok, JSON.stringify(stolen)).toBe(false);
    const own = await syncEmbeddedReplica({ namespace: report.into, port, token: await token(report.into, "per-tenant", "ro"), sql: "SELECT count(*) FROM t" });
    expect(own).toEqual({ ok: true, rows: [[50]] });
  }, 60_000);

  it.each([
    ["a tenant with no namespace", () => options({ tenant: "nope", into: "nope-restored" }), /tenant nope has no namespace/, "nope-restored"],
    ["a time before the first backup", () => options({ to: beforeFirstBackup, into: "acme-too-early" }), /no backup of acme holds any table/, "acme-too-early"],
    ["--into an existing namespace", () => options({ into: "globex" }), /namespace globex already exists/, null],
    ["--into the copy made before", () => options({ into: report.into }), /already exists/, null],
  ])("refuses %s and changes nothing", async (_what, make, message, absent) => {
    const copyBefore = await snapshot(report.into);
    const error: unknown = await restoreTenant(make()).then(() => null, (e: unknown) => e);
    expect(error, String(error)).toBeInstanceOf(RestoreRefused);
    expect((error as Error).message).toMatch(message);
    if (absent !== null) expect(await exists(absent)).toBe(false);
    expect(await snapshotAll()).toEqual(snapshots);
    expect(await snapshot(report.into)).toEqual(copyBefore);
  }, 60_000);

  it("the printed by-hand swap works: acme gets the copy's rows and its own key back, today's data is kept, globex untouched", async () => {
    const steps = swapSteps(report, { stack: "prod", app: cluster.app, primaryMachineId: "m1", adminPort: 9090 });
    const admin = async (method: string, path: string, body?: unknown) => {
      expect(steps.some((s) => s.includes(`-X ${method}`) && s.includes(`http://sqld${path}`)), `${method} ${path} is a printed step`).toBe(true);
      const reply = await cluster.admin(cluster.primary, method, path, body);
      expect(reply.status, reply.text).toBe(200);
    };
    const acmeNow = await snapshot("acme");
    await sleep(2500); // writes stopped (step 1): the last ones are uploaded
    const kept = await restoreTenant(options({ to: new Date(), into: "acme-before-restore" }));
    expect(await ids(kept.into)).toEqual(JSON.parse(acmeNow.rows).map((r: unknown[]) => r[0]));
    await admin("DELETE", "/v1/namespaces/acme", { keep_backup: true });
    await admin("POST", `/v1/namespaces/${report.into}/fork/acme`, {});
    // Until `pulumi up` writes acme's config back, acme has the copy's key: acme's own tokens are refused.
    expect((await executeRaw(cluster.primary.httpUrl, "SELECT 1", { token: await token("acme", "per-tenant", "ro"), namespace: "acme" })).status).toBe(401);
    await syncTenantNamespaceConfigs({ endpoint: { url: cluster.primary.adminUrl }, adminKey: cluster.keys.adminKey, stackKeyPem: cluster.keys.privateKeyPem, tenants: TENANTS, perTenant: true });
    expect(await ids("acme")).toEqual(Array.from({ length: 50 }, (_, k) => k));
    expect((await cluster.admin(cluster.primary, "GET", "/v1/namespaces/acme/config")).text).toBe(snapshots.get("acme")!.config);
    for (const t of ["globex", "initech"]) expect(await snapshot(t)).toEqual(snapshots.get(t));
  }, 60_000);
});
