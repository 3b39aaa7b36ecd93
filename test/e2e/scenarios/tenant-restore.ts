/**
 * Scenario r: `npm run restore` on the prod stack scenario d brought up (real engine, Fly in a box, three real sqld
 * machines, backups to s3rver, the gateway Worker in workerd). acme and globex get rows through the Worker, then
 * more rows after an instant T (acme also deletes some); the CLI, run as an operator runs it (its own `pulumi stack
 * output`, `fly machines list`, `fly proxy` to the primary), restores acme to T beside it. Through the deployed
 * Worker both tenants must be exactly as before the restore, and the copy unreachable (not a tenant); on sqld the
 * copy holds acme's rows of T, opens only with a token signed for it, not with acme's token from the Worker. A
 * second run into an existing namespace is refused and changes nothing.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { runProcess } from "../../../local/run-process";
import { executeRaw, firstResult, resultValues } from "../../../local/sqld/tenant-client";
import { repoStackConfig } from "../../../local/workspace";
import { mintScopedToken } from "../../../worker/jwt";
import type { RestoreReport } from "../../../scripts/lib/restore-tenant";
import { gatewayQuery, gatewayToken } from "../../support/e2e/gateway";
import { runningMachines, workerUrl } from "../../support/e2e/local-cloud";
import type { Scenario } from "../scenario";
import { PROD_APP } from "./prod";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const r: Scenario = {
  id: "r tenant-restore",
  needs: ["d"],
  async run(shared) {
    const { cloud } = shared.prod!;
    const out = await cloud.ws.outputs("prod");
    const url = workerUrl(cloud, repoStackConfig("prod").worker.accountId, String(out.gatewayScriptName));
    const key = String(out.gatewayApiKey);
    const query = async (tenant: string, sql: string, args: unknown[] = [], mode: "read" | "write" = "write") => {
      const answer = await gatewayQuery(url, key, tenant, [{ sql, args }], mode);
      assert.equal(answer.status, 200, `${tenant}: ${sql}: ${JSON.stringify(answer.body)}`);
      return answer.body.results![0]!.rows;
    };
    const seen = async (tenant: string) => {
      const rows = JSON.stringify(await query(tenant, "SELECT id, body FROM restore_rows ORDER BY id", [], "read"));
      return { rows, sha256: createHash("sha256").update(rows).digest("hex") };
    };
    for (const tenant of ["acme", "globex"]) {
      await query(tenant, "CREATE TABLE IF NOT EXISTS restore_rows (id INTEGER PRIMARY KEY, body TEXT)");
      for (let i = 1; i <= 20; i++) await query(tenant, "INSERT INTO restore_rows VALUES (?, ?)", [i, `${tenant} before`]);
    }
    await sleep(4000); // the stack's 1 s batch interval: the rows above are in the bucket
    const at = new Date();
    await sleep(2000);
    for (const tenant of ["acme", "globex"]) {
      for (let i = 101; i <= 110; i++) await query(tenant, "INSERT INTO restore_rows VALUES (?, ?)", [i, `${tenant} after`]);
    }
    await query("acme", "DELETE FROM restore_rows WHERE id <= 5");
    const before = { acme: await seen("acme"), globex: await seen("globex") };

    const restore = (...extra: string[]) => runProcess("npm", ["run", "-s", "restore", "--", "--stack", "prod", "--tenant", "acme", "--to", at.toISOString(), ...extra], { env: cloud.ws.env, cwd: cloud.ws.dir });
    const t0 = Date.now();
    const run = await restore("--json");
    const wall = (Date.now() - t0) / 1000;
    assert.equal(run.code, 0, `restore exit ${run.code}: ${run.stderr}`);
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(String(out.sqldAdminKey)), "the admin key is never printed");
    const report = JSON.parse(run.stdout) as RestoreReport & { swapSteps: string[] };
    assert.equal(report.into, `acme-restored-${at.toISOString().slice(0, 19).replace(/[-T:]/g, "")}`);
    assert.deepEqual(report.restored.find((t) => t.table === "restore_rows"), { table: "restore_rows", rows: 20 });
    assert.deepEqual(report.current.find((t) => t.table === "restore_rows"), { table: "restore_rows", rows: 25 });

    // Through the deployed Worker: both tenants exactly as before; the copy is not a tenant.
    assert.deepEqual({ acme: await seen("acme"), globex: await seen("globex") }, before, "acme and globex unchanged by the restore");
    const copyViaWorker = await gatewayQuery(url, key, report.into, [{ sql: "SELECT count(*) FROM restore_rows" }], "read");
    assert.equal(copyViaWorker.status, 404, `the copy through the Worker: ${JSON.stringify(copyViaWorker.body)}`);

    // On sqld's primary: the copy holds acme at T; only a token signed for the copy opens it.
    const primary = runningMachines(cloud).find((m) => m.app === PROD_APP && m.group === "primary")!;
    const copyToken = (await mintScopedToken(String(out.jwtPrivateKeyPem), { tenant: report.into, access: "ro", ttlSeconds: 300, nowSeconds: Math.floor(Date.now() / 1000) }, "per-tenant")).token;
    const copy = await executeRaw(primary.httpUrl, "SELECT id, body FROM restore_rows ORDER BY id", { token: copyToken, namespace: report.into });
    assert.equal(firstResult(copy)?.type, "ok", copy.text.slice(0, 300));
    assert.deepEqual(resultValues(copy), Array.from({ length: 20 }, (_, i) => [String(i + 1), "acme before"]), "the copy: acme's 20 rows of T, the deleted ones back, none written after T");
    const acmeToken = await gatewayToken(url, key, "acme", "ro");
    // Every machine (a read may land on either replica): acme's token is refused, the copy's own token reads T.
    for (const machine of runningMachines(cloud).filter((m) => m.app === PROD_APP)) {
      const where = `${machine.group}@${machine.region}`;
      assert.equal((await executeRaw(machine.httpUrl, "SELECT 1", { token: acmeToken, namespace: report.into })).status, 401, `${where}: acme's token from the Worker does not open the copy`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const reply = await executeRaw(machine.httpUrl, "SELECT count(*) FROM restore_rows", { token: copyToken, namespace: report.into });
        if (firstResult(reply)?.type === "ok" && resultValues(reply)[0]?.[0] === "20") break;
        if (Date.now() > deadline) throw new Error(`${where}: the copy's token did not read 20 rows: HTTP ${reply.status} ${reply.text.slice(0, 300)}`);
        await sleep(500);
      }
    }

    // Refused: a copy into an existing namespace (the copy just made: sqld says so), or into a tenant (the CLI
    // says so before any call). Nothing changes.
    const refused = await restore("--into", report.into);
    assert.equal(refused.code, 1, `--into ${report.into}: exit ${refused.code}: ${refused.stderr}`);
    assert.match(refused.stderr, /already exists/);
    const intoTenant = await restore("--into", "globex");
    assert.equal(intoTenant.code, 2, `--into globex: exit ${intoTenant.code}: ${intoTenant.stderr}`);
    assert.match(intoTenant.stderr, /one of the stack's namespaces/);
    assert.deepEqual({ acme: await seen("acme"), globex: await seen("globex") }, before, "nothing changed after the refusal");
    console.log((await restore("--into", `${report.into}-b`)).stdout); // the human report, for the record
    return `acme restored to ${report.backupsUpTo} into ${report.into}: ${report.restored.map((t) => `${t.table} ${t.rows}`).join(", ")}; CLI ${wall.toFixed(1)} s (fork to verified ${report.seconds.toFixed(2)} s); acme and globex unchanged through the Worker`;
  },
};

export const tenantRestoreScenario = r;
