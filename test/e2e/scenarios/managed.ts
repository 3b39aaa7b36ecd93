/**
 * Scenario f3: managed mode creates its Turso group, database and tokens through the fake Turso Platform API
 * (test/doubles/fake-turso-api, served by the box) and `pulumi destroy` deletes them again when allowed.
 */
import * as assert from "node:assert/strict";
import type { Scenario } from "../scenario";
import { localCloud } from "../support/local-cloud";
import { repoStackConfig } from "./dev";

export const managedScenario: Scenario = {
  id: "f3 managed-create-destroy",
  async run(shared) {
    const cloud = await localCloud("managed", [], { TURSO_API_TOKEN: "e2e-turso-token" });
    shared.closers.push(() => cloud.close());
    cloud.ws.env.TURSO_API_URL = `${cloud.box.url}/turso`;
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
    const turso = (cloud.box as any).turso();
    assert.deepEqual(Object.keys(turso.databases), [managed.turso.database], "the database exists at the fake Turso");
    const destroy = await cloud.ws.pulumi(["destroy", "--yes", "--skip-preview", "--stack", "managed"]);
    assert.deepEqual(Object.keys(((cloud.box as any).turso()).databases), [], "the database is deleted");
    return `up ${up.seconds.toFixed(1)} s, destroy ${destroy.seconds.toFixed(1)} s`;
  },
};
