/**
 * Replication on real sqld, started from the prod stack's fly.toml (primary + 2 replicas pointed at it through the
 * name the fly.toml uses). Lag is measured in bench/replication.ts, not asserted here.
 */
import { type Client } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStackSqld, type SqldMachine } from "../../local/sqld/cluster";
import { tenantClientOn } from "../../local/sqld/tenant-client";

let cluster: Awaited<ReturnType<typeof startStackSqld>>;
const clients: Client[] = [];
beforeAll(async () => {
  cluster = await startStackSqld("prod");
});
afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.close();
});

async function clientFor(m: SqldMachine, tenant: string): Promise<Client> {
  const client = await tenantClientOn(cluster, m, tenant);
  clients.push(client);
  return client;
}

/** Reads `sql` on `client` until `done(rows)` holds (replication is asynchronous; bounded by the test timeout). */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("replication on real sqld (prod topology)", () => {
  it("runs the replicas as replicas of the primary: they have no gRPC listener and point at its address over TLS", () => {
    expect(cluster.replicas).toHaveLength(2);
    for (const r of cluster.replicas) {
      expect(r.grpcAddress).toBeUndefined();
      expect(r.spec.args).toContain(`https://${cluster.primary.grpcAddress}`);
    }
  });

  it("a namespace created on the primary is usable through a replica at once", async () => {
    expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/fresh/create", {})).status).toBe(200);
    const viaReplica = await clientFor(cluster.replicas[0]!, "fresh");
    expect((await viaReplica.execute("select 41 + 1 as answer")).rows[0]?.answer).toBe(42);
  });

  it("a write through a replica is forwarded to the primary and readable there, then on the other replica", async () => {
    expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/acme/create", {})).status).toBe(200);
    const [iad, sin] = cluster.replicas as [SqldMachine, SqldMachine];
    const viaIad = await clientFor(iad, "acme");
    await viaIad.execute("create table notes (id integer primary key, body text)");
    const insert = await viaIad.execute({ sql: "insert into notes (body) values (?)", args: ["written in iad"] });
    expect(insert.rowsAffected).toBe(1);

    // No eventual wait on the primary: a forwarded write is acknowledged only once the primary committed it.
    const onPrimary = await clientFor(cluster.primary, "acme");
    expect((await onPrimary.execute("select body from notes")).rows.map((r) => r.body)).toEqual(["written in iad"]);
    // The primary holds the replica's write, not a local copy on the replica only: the primary's stats count it.
    const stats = JSON.parse((await cluster.admin(cluster.primary, "GET", "/v1/namespaces/acme/stats")).text) as { rows_written_count: number };
    expect(stats.rows_written_count).toBeGreaterThanOrEqual(1);

    const viaSin = await clientFor(sin, "acme");
    const rows = await eventually(
      async () => (await viaSin.execute("select body from notes")).rows.map((r) => r.body),
      (bodies) => bodies.length === 1,
    );
    expect(rows).toEqual(["written in iad"]);
  });

  it("a write on the primary reaches every replica", async () => {
    expect((await cluster.admin(cluster.primary, "POST", "/v1/namespaces/globex/create", {})).status).toBe(200);
    const primary = await clientFor(cluster.primary, "globex");
    await primary.batch(["create table t (x)", "insert into t values (1), (2), (3)"], "write");
    for (const r of cluster.replicas) {
      const viaReplica = await clientFor(r, "globex");
      const n = await eventually(async () => Number((await viaReplica.execute("select count(*) as n from t")).rows[0]?.n), (v) => v === 3);
      expect(n).toBe(3);
    }
  });
});
