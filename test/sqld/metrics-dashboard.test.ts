/**
 * docs/grafana/sqld-dashboard.json against what the real sqld emits: the backups example stack (primary with
 * bottomless on s3rver + a replica) runs from its rendered fly.toml through the image's entrypoint, so each machine's
 * metrics relay is the one Fly would scrape. After writes on the primary, reads and a write through the replica
 * and an embedded replica's sync, every metric the dashboard's PromQL names must be in a scrape through a relay.
 */
import { createClient } from "@libsql/client";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { METRICS_RELAY_LISTEN_ENV } from "../../infra/sqld/image/metrics-relay";
import { stackSecretLines } from "../../local/backups/backup-stack";
import { startLocalS3, S3RVER_CREDENTIALS, type LocalS3 } from "../../local/backups/s3";
import { startStackSqld, type SqldMachine } from "../../local/sqld/cluster";
import { createNamespaces, scopedToken, tenantClientOn } from "../../local/sqld/tenant-client";

const DASHBOARD = join(__dirname, "../../docs/grafana/sqld-dashboard.json");
const METRIC = /\b(?:libsql_server|bottomless|tokio_runtime)_[a-z0-9_]+/g;

interface Dashboard {
  uid: string;
  templating: { list: { name: string; type: string; query: unknown }[] };
  panels: { id: number; title: string; datasource: { type: string; uid: string }; targets: { expr: string; refId: string }[] }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
const usedMetrics = [...new Set(exprs.flatMap((e) => e.match(METRIC) ?? []))].sort();

let s3: LocalS3;
let cluster: Awaited<ReturnType<typeof startStackSqld>>;
const work = mkdtempSync(join(tmpdir(), "metrics-dashboard-"));
afterAll(async () => {
  await cluster?.close();
  await s3?.close();
  rmSync(work, { recursive: true, force: true });
});

const relayUrl = (machine: SqldMachine) => `http://127.0.0.1:${machine.spec.ports[METRICS_RELAY_LISTEN_ENV]}/metrics`;
const sampleNames = (text: string) => new Set(text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(/[{ ]/)[0]!));

beforeAll(async () => {
  s3 = await startLocalS3();
  const overrides = {
    backups: { endpoint: s3.endpoint, bucket: s3.bucket, region: "us-east-1", batchIntervalSeconds: 1 },
    backupAccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
    backupSecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
  };
  const file = "examples/Pulumi.backups.yaml";
  cluster = await startStackSqld("prod", overrides, { file, extraSecrets: await stackSecretLines(overrides) });
  // `127`: an embedded replica takes its namespace from the sync URL's first host label (http://127.0.0.1:PORT).
  await createNamespaces(cluster, ["acme", "127"]);
  const primary = await tenantClientOn(cluster, cluster.primary, "acme");
  await primary.execute("create table t (id integer primary key, v text)");
  for (let i = 0; i < 5; i++) await primary.execute({ sql: "insert into t (v) values (?)", args: [`row ${i}`] });
  const viaReplica = await tenantClientOn(cluster, cluster.replicas[0]!, "acme");
  await viaReplica.execute("select count(*) from t");
  await viaReplica.execute("insert into t (v) values ('through the replica')");
  const other = await tenantClientOn(cluster, cluster.primary, "127");
  await other.execute("create table e (x)");
  await other.execute("insert into e values (1)");
  const embedded = createClient({ url: `file:${join(work, "embedded.db")}`, syncUrl: cluster.primary.httpUrl, authToken: await scopedToken(cluster.keys.privateKeyPem, "127", "ro") });
  await embedded.sync();
  for (const client of [primary, viaReplica, other, embedded]) client.close();
});

describe("the Grafana dashboard", () => {
  it("is a dashboard Grafana can import: unique uid, panel ids and refIds, every query on the chosen Prometheus and app", () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.templating.list.map((v) => [v.name, v.type])).toEqual([["datasource", "datasource"], ["app", "query"]]);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect({ panel: panel.title, datasource: panel.datasource }).toEqual({ panel: panel.title, datasource: { type: "prometheus", uid: "${datasource}" } });
      expect(new Set(panel.targets.map((t) => t.refId)).size).toBe(panel.targets.length);
      for (const { expr } of panel.targets) {
        expect({ expr, app: expr.includes('app="$app"') }).toEqual({ expr, app: true });
        // Balanced brackets: a cheap syntax check without a PromQL parser.
        for (const [open, close] of ["()", "{}", "[]"]) expect({ expr, balanced: expr.split(open!).length === expr.split(close!).length }).toEqual({ expr, balanced: true });
      }
    }
    expect(usedMetrics.length).toBeGreaterThan(10);
  });

  it("uses only metric names the real sqld emits through the relays (primary with backups, replica, embedded replica)", async () => {
    let seen = new Set<string>();
    let missing = usedMetrics;
    // Some series appear only after sqld's periodic tasks (storage, bottomless uploads): scrape until all show.
    for (const deadline = Date.now() + 60_000; missing.length > 0 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const texts = await Promise.all([cluster.primary, ...cluster.replicas].map(async (m) => (await fetch(relayUrl(m))).text()));
      seen = new Set(texts.flatMap((t) => [...sampleNames(t)]));
      missing = usedMetrics.filter((name) => !seen.has(name));
    }
    expect(missing).toEqual([]);
  });

  it("the replication-lag query's inputs exist per namespace on both process groups", async () => {
    const primary = await (await fetch(relayUrl(cluster.primary))).text();
    const replica = await (await fetch(relayUrl(cluster.replicas[0]!))).text();
    expect(primary).toMatch(/^libsql_server_current_frame_no\{process_group="primary",namespace="acme"\} \d+$/m);
    expect(replica).toMatch(/^libsql_server_current_frame_no\{process_group="replica",namespace="acme"\} \d+$/m);
    expect(primary + replica).not.toContain(cluster.keys.adminKey);
  });
});
