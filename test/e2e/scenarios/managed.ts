/**
 * Scenario f3: managed mode creates its Turso group, database and tokens through the fake Turso Platform API
 * (local/doubles/fake-turso-api, served by the box, each database a real sqld behind TLS on loopback); database-verify
 * queries it; adding tenants next to `default` keeps that database (same DbId: not replaced) and creates one database
 * per tenant, each in the secret output tursoDatabases; `pulumi destroy` deletes them again when allowed.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { resourceNamed } from "../../support/e2e/checks";
import type { Scenario } from "../scenario";
import { localCloud } from "../../support/e2e/local-cloud";
import { repoStackConfig } from "../../../local/workspace";

export const managedScenario: Scenario = {
  id: "f3 managed-create-destroy",
  async run(shared) {
    const cloud = await localCloud("managed", []);
    shared.closers.push(() => cloud.close());
    const managed = repoStackConfig("examples/Pulumi.managed.yaml");
    cloud.ws.writeStackConfig(
      "managed",
      {
        api: undefined,
        deploy: undefined,
        dataProtection: { protect: false, allowDatabaseDeletion: true },
        worker: { ...repoStackConfig("dev").worker, scriptName: "acme-libsql-gateway-managed" },
      },
      "examples/Pulumi.managed.yaml",
    );
    await cloud.ws.initStack("managed");
    const up = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "managed"]);
    const turso = await cloud.box.turso();
    assert.deepEqual(Object.keys(turso.databases), [managed.turso.database], "the database exists at the fake Turso");
    const database = turso.databases[managed.turso.database]!;
    assert.ok(database.running, "its sqld runs");
    const verify = await resourceNamed(cloud.ws, "managed", "database-verify");
    assert.match(String(verify.outputs?.stdout), /"ok":true/, "database-verify queried the database over TLS");
    // An existing managed stack gets tenants: its database is tenant `default`'s, kept as it is (issue 18 item 1).
    cloud.ws.writeStackConfig("managed", { tenants: ["default", "acme"] });
    const grow = await cloud.ws.pulumi(["up", "--yes", "--skip-preview", "--stack", "managed"]);
    const grown = await cloud.box.turso();
    assert.deepEqual(Object.keys(grown.databases).sort(), [managed.turso.database, `${managed.turso.database}-acme`].sort(), "a database per tenant");
    assert.equal(grown.databases[managed.turso.database]!.dbId, database.dbId, "default's database was not re-created");
    assert.ok(grown.databases[`${managed.turso.database}-acme`]!.running, "acme's sqld runs");
    // What `npm run migrate -- --stack` reads: every database's URL and full-access token, a secret output.
    const dbs = (await cloud.ws.outputs("managed")).tursoDatabases as Record<string, { url: string; token: string }>;
    assert.deepEqual(Object.keys(dbs), ["acme", "default"], "tursoDatabases names every tenant's database");
    assert.notEqual(dbs.acme!.url, dbs.default!.url, "each its own URL");
    assert.notEqual(dbs.acme!.token, dbs.default!.token, "and its own token");
    const shown = await cloud.ws.pulumi(["stack", "output", "tursoDatabases", "--stack", "managed"]);
    assert.equal(shown.stdout.trim(), "[secret]", "tursoDatabases is a secret output");
    // Deleting data needs the operator's run-time consent naming the group (infra/deletion-consent.ts).
    const destroy = await cloud.ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", "managed"], { env: { LIBSQL_STACK_DELETE_DATA: managed.turso.group } });
    assert.deepEqual(Object.keys((await cloud.box.turso()).databases), [], "the databases are deleted");
    assert.ok(!fs.existsSync(database.dataDir), "its data is gone");
    return `up ${up.seconds.toFixed(1)} s (group, database, tokens, database-verify over TLS), tenants added ${grow.seconds.toFixed(1)} s, destroy ${destroy.seconds.toFixed(1)} s`;
  },
};
