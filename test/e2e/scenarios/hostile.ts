/**
 * Scenario h: a hostile tenant against the deployed dev stack (issue 15). acme attacks through the deployed Worker
 * and with a token from the Worker's own token endpoint sent straight to sqld (as a phone app would); every attack
 * must be refused and globex's data must be unchanged. Also: the machine's sqld does not run as root.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Scenario } from "../scenario";
import { edgeUrl, workerUrl } from "../../support/e2e/local-cloud";
import { gatewayQuery, gatewayToken } from "../../support/e2e/gateway";
import { syncEmbeddedReplica } from "../../../local/clients/embedded-replica";
import { executeRaw, firstResult } from "../../../local/sqld/tenant-client";
import { repoStackConfig } from "../../../local/workspace";
import { devCloud, DEV_APP } from "./dev";

/** Statements that reach the machine's files on an unhardened sqld (fileio extension of SQLite3MultipleCiphers). */
const FILE_ATTACKS = [
  "SELECT readfile('/etc/hostname')",
  'SELECT "readfile"(\'/etc/hostname\')',
  "SELECT name FROM fsdir('/')",
  "SELECT name FROM [fsdir]('.')",
  "SELECT writefile('/tmp/libsql-stack-e2e-owned', 'x')",
  "SELECT lsmode(16877)",
];

/** One Hrana v2 statement straight to sqld (namespace in x-namespace-bin): refused by status or by a statement error. */
async function refusedDirect(sqldUrl: string, token: string, namespace: string, sql: string): Promise<{ refused: boolean; text: string }> {
  const reply = await executeRaw(sqldUrl, sql, { token, namespace });
  return { refused: reply.status !== 200 || firstResult(reply)?.type === "error", text: reply.text };
}

const h: Scenario = {
  id: "h hostile-tenant-on-dev",
  needs: ["a"],
  async run(shared) {
    const cloud = devCloud(shared);
    const dev = repoStackConfig("dev");
    const out = await cloud.ws.outputs("dev");
    const url = workerUrl(cloud, dev.worker.accountId, String(out.gatewayScriptName));
    const key = String(out.gatewayApiKey);
    const sqld = edgeUrl(cloud, DEV_APP);

    const seed = await gatewayQuery(url, key, "globex", [
      { sql: "CREATE TABLE IF NOT EXISTS vault (secret TEXT)" },
      { sql: "DELETE FROM vault" },
      { sql: "INSERT INTO vault VALUES ('globex-crown-jewels')" },
    ]);
    assert.equal(seed.status, 200, JSON.stringify(seed.body));
    const globexBefore = await gatewayQuery(url, key, "globex", [{ sql: "SELECT secret FROM vault" }], "read");

    const facts: string[] = [];
    for (const sql of FILE_ATTACKS) {
      for (const mode of ["read", "write"] as const) {
        const answer = await gatewayQuery(url, key, "acme", [{ sql }], mode);
        assert.notEqual(answer.status, 200, `gateway ${mode} ran ${sql}: ${JSON.stringify(answer.body)}`);
        assert.doesNotMatch(JSON.stringify(answer.body), /globex-crown-jewels/);
      }
    }
    facts.push(`${FILE_ATTACKS.length * 2} fileio calls through the Worker refused`);

    const acmeRo = await gatewayToken(url, key, "acme", "ro");
    const acmeRw = await gatewayToken(url, key, "acme", "rw");
    for (const sql of FILE_ATTACKS) {
      for (const token of [acmeRo, acmeRw]) {
        const answer = await refusedDirect(sqld, token, "acme", sql);
        assert.ok(answer.refused, `sqld ran ${sql} for an acme token: ${answer.text}`);
      }
    }
    facts.push(`${FILE_ATTACKS.length * 2} fileio calls with endpoint tokens refused by sqld`);

    // acme's tokens do not reach globex, whatever the namespace header says.
    for (const token of [acmeRo, acmeRw]) {
      const answer = await executeRaw(sqld, "SELECT secret FROM vault", { token, namespace: "globex" });
      assert.notEqual(answer.status, 200, `acme token read globex: ${answer.text}`);
      assert.doesNotMatch(answer.text, /globex-crown-jewels/);
    }
    const roWrite = await refusedDirect(sqld, acmeRo, "acme", "CREATE TABLE pwned (x)");
    assert.ok(roWrite.refused, `an ro token wrote: ${roWrite.text}`);
    facts.push("acme tokens refused on globex; ro write refused");

    // Per-tenant keys (on by default): an embedded replica of globex (npm libsql, real sync through the box's Fly
    // edge, Host globex.db.localhost: the box's edge serves only its app's hosts) refuses acme's endpoint token and syncs with globex's own.
    const edgePort = Number(new URL(sqld).port);
    const stolen = await syncEmbeddedReplica({ namespace: "globex", domain: "db.localhost", port: edgePort, token: acmeRo, sql: "SELECT secret FROM vault" });
    assert.equal(stolen.ok, false, `acme's token synced globex: ${JSON.stringify(stolen)}`);
    assert.doesNotMatch(JSON.stringify(stolen), /globex-crown-jewels/);
    const own = await syncEmbeddedReplica({ namespace: "globex", domain: "db.localhost", port: edgePort, token: await gatewayToken(url, key, "globex", "ro"), sql: "SELECT secret FROM vault" });
    assert.deepEqual(own, { ok: true, rows: [["globex-crown-jewels"]] }, "globex's own token did not sync globex");
    facts.push("acme's token cannot sync globex as an embedded replica, globex's own can");

    const globexAfter = await gatewayQuery(url, key, "globex", [{ sql: "SELECT secret FROM vault" }], "read");
    assert.deepEqual(globexAfter.body, globexBefore.body, "globex's data changed");

    // sqld on every machine runs unprivileged (the entrypoint drops root after preparing the volume).
    for (const machine of cloud.box.machines.running.values()) {
      const pid = machine.process?.pid;
      if (machine.status !== "ready" || pid === undefined) continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      assert.notEqual(uid, "0", `machine ${machine.wanted.id}'s sqld runs as root`);
    }
    facts.push("sqld runs as a non-root uid");
    return facts.join("; ");
  },
};

export const hostileScenario = h;
