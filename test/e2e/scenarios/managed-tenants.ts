/**
 * Scenario m: a managed stack's tenants through the real engine and the deployed gateway Worker (issue 18 item 6).
 * `tenants: [acme, globex]` with migrations: each tenant's Turso database (the box's Turso double, each a real sqld
 * behind TLS) is migrated and isolated, read mode refuses writes, a tenant's token reaches only its own database;
 * adding initech creates, migrates and serves its database; removing globex without deletion allowed keeps its
 * database and rows while the Worker stops serving it; removing initech with deletion allowed and consented deletes
 * its database.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Scenario } from "../scenario";
import { localCloud, workerUrl, type LocalCloud } from "../../support/e2e/local-cloud";
import { gatewayQuery, gatewayTokenAnswer, gatewayTokenReply } from "../../support/e2e/gateway";
import { firstResult, resultValues } from "../../../local/sqld/tenant-client";
import { executeOnDatabase } from "../../../local/turso-harness";
import { REPO_ROOT, repoStackConfig } from "../../../local/workspace";

const STACK = "tenants";
const BASE = "examples/Pulumi.managed.yaml";
const MIGRATIONS = "examples/migrations/tenant";

const up = (cloud: LocalCloud, env: NodeJS.ProcessEnv = {}) => cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", STACK], { env });

async function databaseNames(cloud: LocalCloud): Promise<string[]> {
  return Object.keys((await cloud.box.turso()).databases).sort();
}

export const managedTenantsScenario: Scenario = {
  id: "m managed-tenants",
  async run(shared) {
    const cloud = await localCloud("managed-tenants", []);
    shared.closers.push(() => cloud.close());
    const turso = repoStackConfig(BASE).turso as { group: string; database: string };
    const db = (tenant: string) => `${turso.database}-${tenant}`;
    const ca = fs.readFileSync(cloud.box.tursoCaFile!, "utf8");
    const files = fs.readdirSync(path.join(REPO_ROOT, MIGRATIONS)).filter((f) => f.endsWith(".sql")).sort();
    const facts: string[] = [];

    cloud.ws.writeStackConfig(
      STACK,
      {
        api: undefined,
        deploy: undefined,
        tenants: ["acme", "globex"],
        migrations: { dir: MIGRATIONS },
        dataProtection: { protect: false, allowDatabaseDeletion: false },
        worker: { ...repoStackConfig("dev").worker, scriptName: "acme-libsql-gateway-tenants" },
      },
      BASE,
    );
    await cloud.ws.initStack(STACK);
    const first = await up(cloud);
    assert.deepEqual(await databaseNames(cloud), [db("acme"), db("globex")], "one Turso database per tenant, none for `default`");
    const out = await cloud.ws.outputs(STACK);
    const url = workerUrl(cloud, repoStackConfig("dev").worker.accountId, String(out.gatewayScriptName));
    const key = String(out.gatewayApiKey);
    const query = (tenant: string, sql: string, mode: "read" | "write" = "write") => gatewayQuery(url, key, tenant, [{ sql }], mode);
    const rowsOf = async (tenant: string, sql: string) => {
      const answer = await query(tenant, sql, "read");
      assert.equal(answer.status, 200, `${tenant}: ${sql}: ${JSON.stringify(answer.body)}`);
      return answer.body.results![0]!.rows;
    };
    const assertMigrated = async (tenant: string) => {
      // Managed mode keeps the ledger in each database (README "Schema migrations"): every file, in order.
      assert.deepEqual(await rowsOf(tenant, "SELECT name FROM _libsql_stack_migrations ORDER BY id"), files.map((f) => [f]), `${tenant}'s ledger`);
      assert.deepEqual(await rowsOf(tenant, "SELECT count(*) FROM nodes"), [[0]], `${tenant} has the migrated, empty nodes table`);
    };
    const assertNotServed = async (tenant: string) => {
      const answer = await query(tenant, "SELECT 1", "read");
      assert.equal(answer.status, 404, `the Worker served ${tenant}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.code, "TENANT_NOT_FOUND");
    };

    // Migrated, then isolated: the same migrated table in each database holds only that tenant's rows.
    for (const tenant of ["acme", "globex"]) await assertMigrated(tenant);
    for (const tenant of ["acme", "globex"]) {
      const write = await query(tenant, `INSERT INTO nodes (id, name) VALUES ('${tenant}-node', '${tenant}''s secret')`);
      assert.equal(write.status, 200, `${tenant} write: ${JSON.stringify(write.body)}`);
    }
    assert.deepEqual(await rowsOf("acme", "SELECT id FROM nodes"), [["acme-node"]], "acme sees only its own row");
    assert.deepEqual(await rowsOf("globex", "SELECT id FROM nodes"), [["globex-node"]], "globex sees only its own row");
    facts.push(`up ${first.seconds.toFixed(1)} s: ${files.length} files in each tenant's ledger, rows isolated`);

    const readWrite = await query("acme", "DELETE FROM nodes", "read");
    assert.equal(readWrite.status, 403, `read mode wrote: ${JSON.stringify(readWrite.body)}`);
    assert.equal(readWrite.body.code, "READ_ONLY");
    assert.deepEqual(await rowsOf("acme", "SELECT id FROM nodes"), [["acme-node"]], "the refused write changed nothing");

    // Token reach: acme's tokens work at acme's database and are refused at globex's (README "Managed mode: tokens").
    const acme = { ro: await gatewayTokenAnswer(url, key, "acme", "ro"), rw: await gatewayTokenAnswer(url, key, "acme", "rw") };
    const globex = await gatewayTokenAnswer(url, key, "globex", "rw");
    assert.notEqual(acme.rw.url, globex.url, "acme and globex have their own database URLs");
    assert.deepEqual(resultValues(await executeOnDatabase(acme.rw.url, acme.rw.token, "SELECT id FROM nodes", ca)), [["acme-node"]], "acme's token at its own database");
    for (const [access, answer] of Object.entries(acme)) {
      const stolen = await executeOnDatabase(globex.url, answer.token, "SELECT id FROM nodes", ca);
      assert.ok(stolen.status !== 200 || firstResult(stolen)?.type === "error", `acme's ${access} token read globex's database: ${stolen.text}`);
      assert.doesNotMatch(stolen.text, /globex-node/);
    }
    const roWrite = await executeOnDatabase(acme.ro.url, acme.ro.token, "DELETE FROM nodes", ca);
    assert.ok(roWrite.status !== 200 || firstResult(roWrite)?.type === "error", `acme's ro token wrote: ${roWrite.text}`);
    facts.push("read mode 403 READ_ONLY; acme's ro/rw tokens refused by globex's database");

    // A new tenant: its database is created, migrated and served; the others are not re-created.
    await assertNotServed("initech");
    const before = (await cloud.box.turso()).databases;
    cloud.ws.writeStackConfig(STACK, { tenants: ["acme", "globex", "initech"] });
    const grow = await up(cloud);
    const grown = (await cloud.box.turso()).databases;
    assert.deepEqual(Object.keys(grown).sort(), [db("acme"), db("globex"), db("initech")], "initech's database exists");
    for (const tenant of ["acme", "globex"]) assert.equal(grown[db(tenant)]!.dbId, before[db(tenant)]!.dbId, `${tenant}'s database was not re-created`);
    await assertMigrated("initech");
    assert.equal((await query("initech", "INSERT INTO nodes (id, name) VALUES ('initech-node', 'x')")).status, 200, "initech is served");
    assert.deepEqual(await rowsOf("acme", "SELECT id FROM nodes"), [["acme-node"]], "acme's rows are kept");
    facts.push(`initech added ${grow.seconds.toFixed(1)} s (created, migrated, served)`);

    // Removing globex while dataProtection does not allow deletion: even with the run-time consent, it is kept.
    cloud.ws.writeStackConfig(STACK, { tenants: ["acme", "initech"] });
    const shrink = await up(cloud, { LIBSQL_STACK_DELETE_DATA: turso.group });
    const kept = (await cloud.box.turso()).databases[db("globex")];
    assert.ok(kept?.running, "globex's database still exists at Turso");
    assert.equal(kept.dbId, before[db("globex")]!.dbId);
    assert.deepEqual(resultValues(await executeOnDatabase(globex.url, globex.token, "SELECT id FROM nodes", ca)), [["globex-node"]], "globex's rows are kept");
    await assertNotServed("globex");
    const globexToken = await gatewayTokenReply(url, key, "globex", "ro");
    assert.deepEqual([globexToken.status, globexToken.body.code], [404, "TENANT_NOT_FOUND"], "the Worker no longer hands out globex's token");
    facts.push(`globex removed ${shrink.seconds.toFixed(1)} s: database and rows kept, Worker 404 TENANT_NOT_FOUND`);

    // Deletion allowed: the allowing delete script must be in state first (infra/deletion-consent.ts), then consent.
    cloud.ws.writeStackConfig(STACK, { dataProtection: { protect: false, allowDatabaseDeletion: true } });
    const allow = await up(cloud);
    const initechDir = (await cloud.box.turso()).databases[db("initech")]!.dataDir;
    cloud.ws.writeStackConfig(STACK, { tenants: ["acme"] });
    const remove = await up(cloud, { LIBSQL_STACK_DELETE_DATA: turso.group });
    assert.deepEqual(await databaseNames(cloud), [db("acme"), db("globex")], "initech's database is deleted, globex's (out of the stack) untouched");
    assert.ok(!fs.existsSync(initechDir), "initech's data is gone");
    await assertNotServed("initech");
    assert.deepEqual(await rowsOf("acme", "SELECT id FROM nodes"), [["acme-node"]], "acme is still served");
    facts.push(`deletion allowed ${allow.seconds.toFixed(1)} s, initech removed and deleted ${remove.seconds.toFixed(1)} s`);
    return facts.join("; ");
  },
};
